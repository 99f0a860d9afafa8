/* listen-discover.c: where a mail service listens, from its own config
 * (listen-discover.h).
 *
 * Each parser walks the file line by line, keeps the line number for the
 * message, and is bounded by the bytes given; listen_discover() reads at
 * most LISTEN_FILE_MAX bytes of the file, once, when the configuration is
 * loaded (never on the loop). Addresses: localhost and the wildcard ones
 * become loopback, numeric ones stay, names are refused with a reason.
 */
#include "supervisor/listen-discover.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>

#define LISTEN_FILE_MAX (256 * 1024)

static const char *const names[_LISTEN_SERVICE_MAX] = {
        [LISTEN_OPENDKIM] = "opendkim",
        [LISTEN_POSTSRSD] = "postsrsd",
        [LISTEN_POSTFIX] = "postfix",
        [LISTEN_DOVECOT] = "dovecot",
};

static const char *const files[_LISTEN_SERVICE_MAX] = {
        [LISTEN_OPENDKIM] = "/etc/opendkim.conf",
        [LISTEN_POSTSRSD] = "/etc/default/postsrsd",
        [LISTEN_POSTFIX] = "/etc/postfix/master.cf",
        [LISTEN_DOVECOT] = "doveconf",
};

ListenService listen_service_from_string(const char *s) {
        for (int i = 0; i < _LISTEN_SERVICE_MAX; i++)
                if (s && streq(s, names[i]))
                        return (ListenService) i;
        return _LISTEN_SERVICE_INVALID;
}

const char *listen_service_to_string(ListenService s) {
        return s >= 0 && s < _LISTEN_SERVICE_MAX ? names[s] : "unknown";
}

const char *listen_service_file(ListenService s) {
        return s >= 0 && s < _LISTEN_SERVICE_MAX ? files[s] : NULL;
}

/* The next line of text at *pos: *line (not NUL-terminated), *len, and
 * its number; false at the end. */
static bool next_line(const char *text, size_t n, size_t *pos, const char **line, size_t *len, unsigned *lineno) {
        const char *nl;

        if (*pos >= n)
                return false;
        *line = text + *pos;
        nl = memchr(*line, '\n', n - *pos);
        *len = nl ? (size_t) (nl - *line) : n - *pos;
        *pos += *len + (nl ? 1 : 0);
        (*lineno)++;
        while (*len > 0 && ((*line)[*len - 1] == '\r' || isspace((unsigned char) (*line)[*len - 1])))
                (*len)--;
        return true;
}

int listen_error(char *why, size_t size, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static int parse_port(const char *s, size_t len, uint16_t *ret) {
        unsigned v = 0;

        if (len == 0 || len > 5)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (!isdigit((unsigned char) s[i]))
                        return -EINVAL;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

/* A listen address as mailsupd connects to it: loopback for localhost and
 * the wildcards, numeric ones as they are, names refused. */
int listen_host(const char *s, size_t len, char *out, size_t size, char *why, size_t why_size) {
        unsigned char addr[sizeof(struct in6_addr)];
        char h[64];

        if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
                s++;
                len -= 2;
        }
        if (len >= sizeof(h))
                return listen_error(why, why_size, "address too long");
        memcpy(h, s, len);
        h[len] = '\0';
        if (len == 0 || streq(h, "localhost") || streq(h, "*") || streq(h, "0.0.0.0"))
                snprintf(out, size, "127.0.0.1");
        else if (streq(h, "::") || streq(h, "ip6-localhost"))
                snprintf(out, size, "::1");
        else if (inet_pton(AF_INET, h, addr) == 1 || inet_pton(AF_INET6, h, addr) == 1)
                snprintf(out, size, "%s", h);
        else
                return listen_error(why, why_size, "host name '%s' (mailsupd never resolves names)", h);
        return 0;
}

static int set_socket(Listen *ret, const char *path, size_t len, char *why, size_t size) {
        if (len == 0 || path[0] != '/' || len >= sizeof(ret->socket))
                return listen_error(why, size, "socket path '%.*s' is not absolute or too long", (int) (len > 120 ? 120 : len), path);
        memcpy(ret->socket, path, len);
        ret->socket[len] = '\0';
        return 0;
}

/* OpenDKIM's Socket: [local:|unix:]/path, or inet[6]:PORT[@HOST], or PORT@HOST. */
static int opendkim_socket(const char *v, size_t len, Listen *ret, char *why, size_t size) {
        const char *at;

        if (len > 6 && strncmp(v, "local:", 6) == 0)
                return set_socket(ret, v + 6, len - 6, why, size);
        if (len > 5 && strncmp(v, "unix:", 5) == 0)
                return set_socket(ret, v + 5, len - 5, why, size);
        if (len > 0 && v[0] == '/')
                return set_socket(ret, v, len, why, size);
        if (len > 5 && strncmp(v, "inet:", 5) == 0) {
                v += 5;
                len -= 5;
        } else if (len > 6 && strncmp(v, "inet6:", 6) == 0) {
                v += 6;
                len -= 6;
        }
        at = memchr(v, '@', len);
        if (parse_port(v, at ? (size_t) (at - v) : len, &ret->port) < 0)
                return listen_error(why, size, "Socket '%.*s': no port", (int) (len > 120 ? 120 : len), v);
        return listen_host(at ? at + 1 : "", at ? len - (size_t) (at - v) - 1 : 0, ret->host, sizeof(ret->host),
                          why, size);
}

int listen_parse_opendkim(const char *text, size_t n, Listen *ret, char *why, size_t size) {
        size_t pos = 0, len, vlen = 0;
        unsigned lineno = 0, found = 0;
        const char *line, *value = NULL;

        /* OpenDKIM takes the last Socket (tried with 2.11: two local:
         * sockets, the second one was made), as we do. */
        while (next_line(text, n, &pos, &line, &len, &lineno)) {
                const char *hash = memchr(line, '#', len);
                size_t k = 0;

                if (hash)
                        len = (size_t) (hash - line);
                while (k < len && isspace((unsigned char) line[k]))
                        k++;
                if (len - k < 7 || strncasecmp(line + k, "Socket", 6) != 0 || !isspace((unsigned char) line[k + 6]))
                        continue;
                k += 6;
                while (k < len && isspace((unsigned char) line[k]))
                        k++;
                while (len > k && isspace((unsigned char) line[len - 1]))
                        len--;
                value = line + k;
                vlen = len - k;
                found = lineno;
        }
        *ret = (Listen) { .line = found };
        if (!value)
                return 0;
        return opendkim_socket(value, vlen, ret, why, size) < 0 ? -EINVAL : 1;
}

/* A shell assignment NAME=VALUE (quotes removed): the value's bounds. */
static bool shell_assignment(const char *line, size_t len, const char *name, const char **value, size_t *vlen) {
        size_t k = 0, nl = strlen(name);

        while (k < len && isspace((unsigned char) line[k]))
                k++;
        if (len - k > 7 && strncmp(line + k, "export ", 7) == 0)
                k += 7;
        if (len - k <= nl || strncmp(line + k, name, nl) != 0 || line[k + nl] != '=')
                return false;
        *value = line + k + nl + 1;
        *vlen = len - k - nl - 1;
        if (*vlen >= 2 && ((*value)[0] == '"' || (*value)[0] == '\'') && (*value)[*vlen - 1] == (*value)[0]) {
                (*value)++;
                *vlen -= 2;
        }
        return true;
}

int listen_parse_postsrsd(const char *text, size_t n, Listen *ret, char *why, size_t size) {
        const char *line, *port = NULL, *addr = NULL, *v;
        size_t pos = 0, len, port_len = 0, addr_len = 0, vlen;
        unsigned lineno = 0, port_line = 0, addr_line = 0;

        *ret = (Listen) {};
        /* The shell's rule: the last assignment wins. */
        while (next_line(text, n, &pos, &line, &len, &lineno)) {
                if (shell_assignment(line, len, "SRS_FORWARD_PORT", &v, &vlen)) {
                        port = v, port_len = vlen, port_line = lineno;
                } else if (shell_assignment(line, len, "SRS_LISTEN_ADDR", &v, &vlen)) {
                        addr = v, addr_len = vlen, addr_line = lineno;
                }
        }
        if (!port && !addr)
                return 0;
        ret->port = 10001; /* postsrsd's own default */
        if (port && parse_port(port, port_len, &ret->port) < 0)
                return listen_error(why, size, "SRS_FORWARD_PORT '%.*s' is not a port", (int) (port_len > 40 ? 40 : port_len), port);
        if (listen_host(addr ? addr : "127.0.0.1", addr ? addr_len : 9, ret->host, sizeof(ret->host), why, size) < 0)
                return -EINVAL;
        ret->line = port ? port_line : addr_line;
        return 1;
}

/* The fields of a master.cf line (whitespace-separated), at most max. */
static size_t split_fields(const char *line, size_t len, const char **f, size_t *flen, size_t max) {
        size_t n = 0, k = 0;

        while (n < max) {
                while (k < len && isspace((unsigned char) line[k]))
                        k++;
                if (k >= len)
                        break;
                f[n] = line + k;
                while (k < len && !isspace((unsigned char) line[k]))
                        k++;
                flen[n] = (size_t) (line + k - f[n]);
                n++;
        }
        return n;
}

static bool field_is(const char *f, size_t len, const char *s) {
        return len == strlen(s) && strncmp(f, s, len) == 0;
}

/* An smtpd or postscreen inet service that is not submission: [HOST:]PORT,
 * PORT "smtp" or a number. 1 and *ret, 0 when the line is not such a one. */
static int master_cf_smtp(const char **f, const size_t *fl, size_t nf, Listen *ret, char *why, size_t size) {
        const char *svc = f[0], *colon;
        size_t svc_len = fl[0], plen;
        const char *p;

        if (nf < 8 || !field_is(f[1], fl[1], "inet") ||
            !(field_is(f[7], fl[7], "smtpd") || field_is(f[7], fl[7], "postscreen")))
                return 0;
        colon = NULL;
        for (size_t i = svc_len; i > 0; i--)
                if (svc[i - 1] == ':') {
                        colon = svc + i - 1;
                        break;
                }
        p = colon ? colon + 1 : svc;
        plen = svc_len - (size_t) (p - svc);
        if (field_is(p, plen, "smtp"))
                ret->port = 25;
        else if (parse_port(p, plen, &ret->port) < 0 || ret->port == 465 || ret->port == 587)
                return 0; /* submission, submissions, smtps, or a name we do not look up */
        return listen_host(svc, colon ? (size_t) (colon - svc) : 0, ret->host, sizeof(ret->host), why, size) < 0
               ? -EINVAL : 1;
}

int listen_parse_master_cf(const char *text, size_t n, Listen *ret, char *why, size_t size) {
        size_t pos = 0, len, fl[8];
        unsigned lineno = 0;
        const char *line, *f[8];

        *ret = (Listen) {};
        while (next_line(text, n, &pos, &line, &len, &lineno)) {
                int r;

                /* comments, blank lines, and continuations ("  -o ...") */
                if (len == 0 || line[0] == '#' || isspace((unsigned char) line[0]))
                        continue;
                r = master_cf_smtp(f, fl, split_fields(line, len, f, fl, 8), ret, why, size);
                if (r != 0) {
                        ret->line = lineno;
                        return r;
                }
        }
        return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        size_t have = 0;
        ssize_t k;

        if (fd < 0)
                return -errno;
        buf = malloc(LISTEN_FILE_MAX);
        if (!buf)
                return -ENOMEM;
        while (have < LISTEN_FILE_MAX && (k = read(fd, buf + have, LISTEN_FILE_MAX - have)) != 0) {
                if (k < 0)
                        return -errno;
                have += (size_t) k;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = have;
        return 0;
}

int listen_discover(ListenService s, Listen *ret, char *found, size_t size) {
        static int (*const parsers[_LISTEN_SERVICE_MAX])(const char *, size_t, Listen *, char *, size_t) = {
                [LISTEN_OPENDKIM] = listen_parse_opendkim,
                [LISTEN_POSTSRSD] = listen_parse_postsrsd,
                [LISTEN_POSTFIX] = listen_parse_master_cf,
        };
        const char *file = listen_service_file(s);
        _cleanup_free_ char *text = NULL;
        char why[160] = "";
        size_t n = 0;
        int r;

        if (!file)
                return -EINVAL;
        if (s == LISTEN_DOVECOT)
                return listen_discover_dovecot("imap", ret, found, size);
        r = read_file(file, &text, &n);
        if (r < 0) {
                snprintf(found, size, "%s: %s", file, strerror(-r));
                return r;
        }
        r = parsers[s](text, n, ret, why, sizeof(why));
        listen_describe(r, ret, file, why, found, size);
        return r;
}

void listen_describe(int r, const Listen *l, const char *file, const char *why, char *found, size_t size) {
        char from[sizeof(l->from) + 64];
        bool v6 = strchr(l->host, ':');

        if (l->from[0])
                snprintf(from, sizeof(from), "%s", l->from);
        else
                snprintf(from, sizeof(from), "%s:%u", file, l->line);
        if (r < 0)
                snprintf(found, size, "%s: %s", from, why);
        else if (r == 0)
                snprintf(found, size, "%s: no listener found", file);
        else if (l->socket[0])
                snprintf(found, size, "socket %s (from %s)", l->socket, from);
        else
                snprintf(found, size, "%s%s%s:%u%s (from %s)", v6 ? "[" : "", l->host, v6 ? "]" : "", l->port,
                         l->tls ? " with TLS" : "", from);
}
