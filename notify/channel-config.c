/* channel-config.c: [notify NAME] keys, secrets and the local-relay rule.
 *
 * Everything wrong with a channel is found at config check, not at 3am when
 * the first alert is due: a bad URL or severity, a key its type does not
 * take, a secret file others can read, an smtp relay on this very host (a
 * relay that dies with the mail server it should report on is no relay;
 * allow_local_relay = yes to insist). The common and the shared auth keys
 * are parsed here; a type's own go to its parse_key. Which keys a type
 * takes is its keys[] list, nothing else.
 *
 * See also: channel.h, probes/http-options.c (the same shape).
 */
#include "notify/channel.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <strings.h>

#include "common/options.h"

const char *const channel_common_keys[] = { "type", "min_severity", "max_age", "timeout", "url", "ca_file", NULL };
/* Parsed here for the types that list them. */
static const char *const auth_keys[] = { "header", "header_file", "token_file", "username", "password",
                                         "password_file", NULL };

static bool in_list(const char *const *list, const char *key) {
        for (; list && *list; list++)
                if (streq(*list, key))
                        return true;
        return false;
}

static bool any_type_key(const char *key) {
        for (size_t i = 0; channel_types[i]; i++)
                if (in_list(channel_types[i]->keys, key))
                        return true;
        return false;
}

void channel_config_init(ChannelConfig *c, const char *name) {
        *c = (ChannelConfig) {
                .name = xstrdup(name),
                .min_severity = SEVERITY_WARNING,
                .max_age = 24 * USEC_PER_HOUR,
                .timeout = 10 * USEC_PER_SEC,
        };
}

void channel_config_done(ChannelConfig *c) {
        if (c->options && c->type && c->type->free_options)
                c->type->free_options(c->options);
        free(c->name);
        free(c->url);
        free(c->ca_file);
        for (size_t i = 0; i < c->n_headers; i++) /* header_file and token_file lines are secrets */
                explicit_bzero(c->headers[i], strlen(c->headers[i]));
        strv_free(&c->headers, &c->n_headers);
        free(c->header_file);
        free(c->token_file);
        free(c->username);
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        free(c->password);
        free(c->password_file);
        strv_free(&c->pending, &c->n_pending);
        *c = (ChannelConfig) {};
}

static int parse_header(ChannelConfig *c, const char *value, char **error) {
        const char *colon = strchr(value, ':');
        size_t name_len = colon ? (size_t) (colon - value) : 0;

        if (name_len == 0 || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != name_len ||
            strpbrk(value, "\r\n"))
                return option_error(error, "invalid header '%s': expected Name: value", value);
        strv_add(&c->headers, &c->n_headers, value);
        return 0;
}

/* One of the shared auth keys. */
static int parse_auth_key(ChannelConfig *c, const char *key, const char *value, char **error) {
        if (streq(key, "header"))
                return parse_header(c, value, error);
        if ((streq(key, "password_file") || streq(key, "header_file") || streq(key, "token_file")) && value[0] != '/')
                return option_error(error, "invalid path '%s' for %s: must be absolute", value, key);
        option_set_string(streq(key, "username") ? &c->username :
                          streq(key, "password") ? &c->password :
                          streq(key, "password_file") ? &c->password_file :
                          streq(key, "token_file") ? &c->token_file : &c->header_file, value);
        return 0;
}

/* A key c's type takes: shared, or its own. */
static int parse_type_key(ChannelConfig *c, const char *key, const char *value, char **error) {
        if (!in_list(c->type->keys, key))
                return option_error(error, "key '%s' is not used by type %s", key, c->type->name);
        if (in_list(auth_keys, key))
                return parse_auth_key(c, key, value, error);
        return c->type->parse_key ? c->type->parse_key(c, key, value, error) : -ENOENT;
}

/* "expected webhook, alertmanager or smtp", from the registry. */
static const char *type_names(char *buf, size_t size) {
        size_t n = 0, l = 0;

        while (channel_types[n])
                n++;
        buf[0] = '\0';
        for (size_t i = 0; i < n && l < size; i++)
                l += (size_t) snprintf(buf + l, size - l, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                                       channel_types[i]->name);
        return buf;
}

int channel_parse_duration(const char *key, const char *value, usec_t *ret, char **error) {
        if (parse_duration(value, ret) < 0 || *ret == 0)
                return option_error(error, "invalid duration '%s' for %s", value, key);
        return 0;
}

static int parse_common_key(ChannelConfig *c, const char *key, const char *value, char **error) {
        if (streq(key, "type")) {
                char names[128];

                if (c->type && c->options && c->type->free_options) /* a type given twice: the last one counts */
                        c->type->free_options(c->options);
                c->options = NULL;
                c->type = channel_type_find(value);
                if (!c->type)
                        return option_error(error, "unknown notify type '%s': expected %s", value,
                                            type_names(names, sizeof(names)));
        } else if (streq(key, "min_severity")) {
                if (severity_from_string(value, &c->min_severity) < 0)
                        return option_error(error, "invalid value '%s' for min_severity: expected info, warning or "
                                            "critical", value);
        } else if (streq(key, "max_age"))
                return channel_parse_duration(key, value, &c->max_age, error);
        else if (streq(key, "timeout"))
                return channel_parse_duration(key, value, &c->timeout, error);
        else if (streq(key, "url")) {
                if (strpbrk(value, " \t\r\n") || !strstr(value, "://"))
                        return option_error(error, "invalid url '%s'", value);
                option_set_string(&c->url, value);
        } else if (streq(key, "ca_file")) {
                if (value[0] != '/')
                        return option_error(error, "invalid path '%s' for ca_file: must be absolute", value);
                option_set_string(&c->ca_file, value);
        }
        return 0;
}

int channel_config_parse_key(ChannelConfig *c, const char *key, const char *value, char **error) {
        if (in_list(channel_common_keys, key))
                return parse_common_key(c, key, value, error);
        if (!any_type_key(key))
                return -ENOENT;
        if (c->type)
                return parse_type_key(c, key, value, error);
        /* Before type: kept, for verify() to judge once the type is known. */
        strv_add(&c->pending, &c->n_pending, key);
        strv_add(&c->pending, &c->n_pending, value);
        return 0;
}

/* A bearer token: one line of printable characters, sent as Authorization. */
static int load_token(ChannelConfig *c, char **error) {
        char buf[OPTION_SECRET_MAX], header[OPTION_SECRET_MAX + 32];
        int r = option_read_secret("token_file", c->token_file, buf, sizeof(buf), error);
        size_t n;

        if (r < 0)
                return r;
        n = strcspn(buf, "\r\n");
        buf[n] = '\0';
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (buf[i] <= ' ' || buf[i] == 0x7f)
                        r = option_error(error, "token_file '%s' does not hold one token on its first line",
                                         c->token_file);
        if (r >= 0 && n == 0)
                r = option_error(error, "token_file '%s' is empty", c->token_file);
        if (r >= 0) {
                snprintf(header, sizeof(header), "Authorization: Bearer %s", buf);
                strv_add(&c->headers, &c->n_headers, header);
                explicit_bzero(header, sizeof(header));
        }
        explicit_bzero(buf, sizeof(buf));
        return r;
}

static int load_secrets(ChannelConfig *c, char **error) {
        char buf[OPTION_SECRET_MAX], *save = NULL;
        int r;

        if (c->token_file) {
                r = load_token(c, error);
                if (r < 0)
                        return r;
        }

        if (c->password_file) {
                if (c->password)
                        return option_error(error, "password and password_file both given: keep one");
                r = option_read_secret("password_file", c->password_file, buf, sizeof(buf), error);
                if (r < 0)
                        return r;
                buf[strcspn(buf, "\r\n")] = '\0';
                c->password = xstrdup(buf);
                explicit_bzero(buf, sizeof(buf));
        }
        if (!c->header_file)
                return 0;
        r = option_read_secret("header_file", c->header_file, buf, sizeof(buf), error);
        for (char *l = r < 0 ? NULL : strtok_r(buf, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save))
                if (l[0] != '#' && (r = parse_header(c, l, error)) < 0)
                        break;
        explicit_bzero(buf, sizeof(buf));
        return r;
}

int channel_config_verify(ChannelConfig *c, char **error) {
        int r = 0;

        if (!c->type)
                return option_error(error, "missing required key 'type'");
        for (size_t i = 0; r >= 0 && i + 1 < c->n_pending; i += 2)
                r = parse_type_key(c, c->pending[i], c->pending[i + 1], error);
        strv_free(&c->pending, &c->n_pending);
        if (r < 0)
                return r;
        if (!c->url)
                return option_error(error, "missing required key 'url'");
        r = c->type->verify ? c->type->verify(c, error) : 0;
        return r < 0 ? r : load_secrets(c, error);
}

static bool name_is_ours(const char *host) {
        char name[256] = "", mailname[256] = "";
        FILE *f;

        if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.localdomain") == 0 ||
            (strlen(host) > 10 && strcasecmp(host + strlen(host) - 10, ".localhost") == 0))
                return true;
        if (gethostname(name, sizeof(name) - 1) == 0 && strcasecmp(host, name) == 0)
                return true;
        f = fopen("/etc/mailname", "re");
        if (f && fgets(mailname, sizeof(mailname), f))
                mailname[strcspn(mailname, "\r\n")] = '\0';
        if (f)
                fclose(f);
        return mailname[0] && strcasecmp(host, mailname) == 0;
}

static bool address_is_ours(int family, const void *addr) {
        struct ifaddrs *ifa = NULL;
        bool found = false;

        if (getifaddrs(&ifa) < 0)
                return false;
        for (struct ifaddrs *i = ifa; i && !found; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != family)
                        continue;
                if (family == AF_INET)
                        found = memcmp(&((struct sockaddr_in *) i->ifa_addr)->sin_addr, addr, 4) == 0;
                else
                        found = memcmp(&((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr, addr, 16) == 0;
        }
        freeifaddrs(ifa);
        return found;
}

bool channel_host_is_local(const char *host) {
        char h[256];
        struct in6_addr a6;
        struct in_addr a4;
        size_t len = strlen(host);

        if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
                snprintf(h, sizeof(h), "%.*s", (int) (len - 2), host + 1);
        else
                snprintf(h, sizeof(h), "%s", host);
        if (inet_pton(AF_INET, h, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127 || a4.s_addr == 0 || address_is_ours(AF_INET, &a4);
        if (inet_pton(AF_INET6, h, &a6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
                       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127) || address_is_ours(AF_INET6, &a6);
        return name_is_ours(h);
}

int channel_config_copy(ChannelConfig *dst, const ChannelConfig *src) {
        *dst = *src;
        dst->name = xstrdup(src->name);
        dst->url = xstrdup(src->url);
        dst->ca_file = xstrdup(src->ca_file);
        dst->header_file = xstrdup(src->header_file);
        dst->token_file = xstrdup(src->token_file);
        dst->username = xstrdup(src->username);
        dst->password = xstrdup(src->password);
        dst->password_file = xstrdup(src->password_file);
        dst->headers = dst->pending = NULL;
        dst->n_headers = dst->n_pending = 0;
        strv_copy(&dst->headers, &dst->n_headers, src->headers, src->n_headers);
        dst->options = src->options && src->type->copy_options ? src->type->copy_options(src->options) : NULL;
        return 0;
}
