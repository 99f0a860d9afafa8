/* options.c: shared helpers for probe types' own keys (see options.h). */
#include "common/options.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>

int option_error(char **error, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(error, fmt, ap) < 0)
                abort();
        va_end(ap);
        return -EINVAL;
}

int option_parse_bool(const char *key, const char *value, bool *ret, char **error) {
        static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (streq(value, yes[i])) {
                        *ret = true;
                        return 0;
                }
                if (streq(value, no[i])) {
                        *ret = false;
                        return 0;
                }
        }
        return option_error(error, "invalid value '%s' for %s: expected yes or no", value, key);
}

void option_set_string(char **dst, const char *value) {
        free(*dst);
        *dst = xstrdup(value);
}

void *option_get(void **options, size_t size) {
        if (!*options) {
                *options = calloc(1, size);
                if (!*options)
                        abort(); /* like xstrdup(): configuration is small */
        }
        return *options;
}

int option_parse_hostport(const char *key, const char *value, uint16_t default_port, char *buf,
                          size_t size, char **error) {
        char host[INET6_ADDRSTRLEN + 1];
        unsigned char addr[sizeof(struct in6_addr)];
        const char *end, *colon;
        unsigned long port = default_port;
        bool v6 = value[0] == '[';
        size_t n;

        end = v6 ? strchr(value, ']') : strchr(value, ':');
        if (!end)
                end = value + strlen(value);
        n = (size_t) (end - value) - v6;
        if ((v6 && *end != ']') || n == 0 || n >= sizeof(host))
                goto bad;
        memcpy(host, value + v6, n);
        host[n] = '\0';
        if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1)
                goto bad;
        colon = end + v6;
        if (*colon == ':') {
                char *e;

                errno = 0;
                port = strtoul(colon + 1, &e, 10);
                if (errno || *e || e == colon + 1 || colon[1] == '-' || colon[1] == '+' || port == 0 || port > 65535)
                        goto bad;
        } else if (*colon)
                goto bad;
        snprintf(buf, size, v6 ? "[%s]:%lu" : "%s:%lu", host, port);
        return 0;
bad:
        return option_error(error, "invalid value '%s' for %s: expected a numeric address and port, "
                            "such as 127.0.0.1:53 or [::1]:53", value, key);
}

int option_parse_socket_path(const char *key, const char *value, char **ret, char **error) {
        if (value[0] != '/' || strlen(value) >= sizeof_field(struct sockaddr_un, sun_path))
                return option_error(error, "invalid path '%s' for %s: must be absolute and shorter than %zu bytes",
                                    value, key, sizeof_field(struct sockaddr_un, sun_path));
        option_set_string(ret, value);
        return 0;
}

int option_parse_size(const char *key, const char *value, uint64_t *ret, char **error) {
        static const char *const units[] = { "", "k", "m", "g", "t" };
        unsigned long long n;
        char *end;

        errno = 0;
        n = strtoull(value, &end, 10);
        if (errno || end == value || value[0] == '-' || value[0] == '+')
                goto bad;
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                size_t ul = strlen(units[i]);

                if (strncasecmp(end, units[i], ul) != 0)
                        continue;
                if (end[ul] && strcasecmp(end + ul, "b") != 0 && (i == 0 || strcasecmp(end + ul, "ib") != 0))
                        continue;
                if (i > 0 && n > (UINT64_MAX >> (10 * i)))
                        goto bad;
                *ret = (uint64_t) n << (10 * i);
                return 0;
        }
bad:
        return option_error(error, "invalid value '%s' for %s: expected a size such as 50MB", value, key);
}

int option_parse_count(const char *key, const char *value, uint64_t *ret, char **error) {
        unsigned long long n;
        char *end;

        errno = 0;
        n = strtoull(value, &end, 10);
        if (errno || end == value || *end || value[0] == '-' || value[0] == '+')
                return option_error(error, "invalid value '%s' for %s: expected a number", value, key);
        *ret = n;
        return 0;
}

int option_parse_cert_key(const char *key, const char *value, char **ca_file, uint64_t *cert_warn_days,
                          bool *cert_warn_days_set, char **error) {
        int r;

        if (streq(key, "ca_file")) {
                if (value[0] != '/')
                        return option_error(error, "invalid path '%s' for ca_file: must be absolute", value);
                option_set_string(ca_file, value);
        } else if (streq(key, "cert_warn_days")) {
                r = option_parse_count(key, value, cert_warn_days, error);
                if (r >= 0 && *cert_warn_days > 3650)
                        r = option_error(error, "invalid value '%s' for cert_warn_days: at most 3650", value);
                if (r < 0)
                        return r;
                *cert_warn_days_set = true;
        } else
                return -ENOENT;
        return 0;
}

int option_read_secret(const char *key, const char *path, char *buf, size_t size, char **error) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        ssize_t l;

        if (fd < 0)
                return option_error(error, "cannot open %s '%s': %s", key, path, strerror(errno));
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return option_error(error, "%s '%s' is not a regular file", key, path);
        if (st.st_mode & S_IROTH)
                return option_error(error, "%s '%s' is readable by every user (mode %04o): "
                                    "chmod o-r it, it holds a secret", key, path, (unsigned) (st.st_mode & 07777));
        l = read(fd, buf, size - 1);
        if (l < 0)
                return option_error(error, "cannot read %s '%s': %s", key, path, strerror(errno));
        if ((size_t) l == size - 1)
                return option_error(error, "%s '%s' is larger than %zu bytes", key, path, size - 2);
        buf[l] = '\0';
        return 0;
}
