/* listen-dovecot.c: where Dovecot listens, from doveconf (listen-discover.h).
 *
 * Dovecot's config is many files (!include, !include_try, protocols.d) with
 * defaults compiled in; only Dovecot's own parser knows the result, so
 * mailsupd asks it: `doveconf listen protocols ssl base_dir
 * service/imap-login service/lmtp` (it runs as any user on Debian's stock
 * config: secrets such as ssl_key are not read for these). doveconf runs at
 * config load as child_run() runs a command: no shell, fds 0-2 only, a
 * clean environment, a trusted executable, at most DOVECONF_TIMEOUT, its
 * output bounded; a failure is a "doveconf: ..." reason, never a hang.
 * The parser is a pure function over the output (tests/data/debian12).
 * IMAP: the first inet_listener of service imap-login with a port (not 0,
 * not haproxy), a plain one before one with ssl = yes (then TLS from the
 * first byte); its address, else the global listen; the first of a list.
 * LMTP: the unix_listener "lmtp" (base_dir/lmtp, Dovecot's default), else
 * another unix_listener, else an inet_listener.
 */
#include "supervisor/listen-discover.h"

#include <ctype.h>
#include <limits.h>
#include <sys/wait.h>

#include "common/trust.h"
#include "probes/child.h"

#define DOVECONF_TIMEOUT (3 * USEC_PER_SEC)
#define DOVE_LISTENERS_MAX 16
#define DOVE_DEPTH_MAX 8

typedef struct DoveListener {
        bool inet;
        char name[108];                 /* unix: the path as given (relative to base_dir) */
        char address[128];
        long port;                      /* -1: none given */
        bool ssl, haproxy;
} DoveListener;

typedef struct DoveConf {
        char listen[256], protocols[256], ssl[16], base_dir[108];
        bool has_listen, has_protocols, has_service;
        DoveListener l[DOVE_LISTENERS_MAX];
        size_t n;
} DoveConf;

static const char *doveconf_path;

void listen_set_doveconf(const char *path) {
        doveconf_path = path;
}

static void copy_value(char *dst, size_t size, const char *v, size_t len) {
        if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
                v++, len -= 2;
        snprintf(dst, size, "%.*s", (int) (len < size ? len : size - 1), v);
}

static void set_key(DoveConf *d, int depth, bool in_listener, const char *k, size_t klen, const char *v, size_t vlen) {
        DoveListener *l = in_listener ? &d->l[d->n - 1] : NULL;
        char key[32], val[16];

        snprintf(key, sizeof(key), "%.*s", (int) (klen < sizeof(key) ? klen : sizeof(key) - 1), k);
        copy_value(val, sizeof(val), v, vlen);
        if (depth == 0 && streq(key, "listen"))
                copy_value(d->listen, sizeof(d->listen), v, vlen), d->has_listen = true;
        else if (depth == 0 && streq(key, "protocols"))
                copy_value(d->protocols, sizeof(d->protocols), v, vlen), d->has_protocols = true;
        else if (depth == 0 && streq(key, "ssl"))
                copy_value(d->ssl, sizeof(d->ssl), v, vlen);
        else if (depth == 0 && streq(key, "base_dir"))
                copy_value(d->base_dir, sizeof(d->base_dir), v, vlen);
        else if (l && streq(key, "address"))
                copy_value(l->address, sizeof(l->address), v, vlen);
        else if (l && streq(key, "port"))
                l->port = vlen > 0 && vlen <= 5 && strspn(val, "0123456789") == vlen ? strtol(val, NULL, 10) : 65536;
        else if (l && streq(key, "ssl"))
                l->ssl = streq(val, "yes");
        else if (l && streq(key, "haproxy"))
                l->haproxy = streq(val, "yes");
}

/* "TYPE NAME {" or "TYPE {" (line without the "{"): a section; in the
 * service wanted, a listener. Returns whether it is the service. */
static bool open_section(DoveConf *d, int depth, bool in_service, const char *s, size_t len, const char *service,
                         bool *listener) {
        const char *sp = memchr(s, ' ', len);
        size_t tlen = sp ? (size_t) (sp - s) : len, nlen = sp ? len - tlen - 1 : 0;
        const char *name = sp ? sp + 1 : "";

        *listener = false;
        if (depth == 0)
                return tlen == 7 && strncmp(s, "service", 7) == 0 && nlen == strlen(service) &&
                       strncmp(name, service, nlen) == 0;
        if (depth != 1 || !in_service || d->n >= DOVE_LISTENERS_MAX)
                return in_service;
        if ((tlen == 13 && strncmp(s, "inet_listener", 13) == 0) || (tlen == 13 && strncmp(s, "unix_listener", 13) == 0)) {
                DoveListener *l = &d->l[d->n++];

                *l = (DoveListener) { .inet = s[0] == 'i', .port = -1 };
                copy_value(l->name, sizeof(l->name), name, nlen);
                *listener = true;
        }
        return in_service;
}

/* The lines of doveconf's output into d. */
static int dove_read(const char *text, size_t n, const char *service, DoveConf *d, char *why, size_t size) {
        bool service_at[DOVE_DEPTH_MAX + 1] = {}, listener_at[DOVE_DEPTH_MAX + 1] = {};
        size_t pos = 0;
        unsigned lineno = 0;
        int depth = 0;

        while (pos < n) {
                const char *s = text + pos, *nl = memchr(s, '\n', n - pos), *eq;
                size_t len = nl ? (size_t) (nl - s) : n - pos;

                pos += len + 1;
                lineno++;
                while (len > 0 && isspace((unsigned char) *s))
                        s++, len--;
                while (len > 0 && isspace((unsigned char) s[len - 1]))
                        len--;
                eq = memchr(s, '=', len);
                if (len == 0 || s[0] == '#')
                        continue;
                if (len == 1 && s[0] == '}') {
                        if (depth == 0)
                                return listen_error(why, size, "doveconf's output line %u: '}' without a section", lineno);
                        depth--;
                } else if (s[len - 1] == '{' && !eq) {
                        if (depth == DOVE_DEPTH_MAX)
                                return listen_error(why, size, "doveconf's output line %u: sections nested too deep", lineno);
                        len--;
                        while (len > 0 && s[len - 1] == ' ')
                                len--;
                        service_at[depth + 1] = open_section(d, depth, service_at[depth], s, len, service,
                                                             &listener_at[depth + 1]);
                        d->has_service = d->has_service || service_at[depth + 1];
                        depth++;
                } else if (eq && eq > s) {
                        size_t klen = (size_t) (eq - s), vlen = len - klen - 1;
                        const char *v = eq + 1;

                        while (klen > 0 && s[klen - 1] == ' ')
                                klen--;
                        if (vlen > 0 && v[0] == ' ')
                                v++, vlen--;
                        set_key(d, depth, listener_at[depth], s, klen, v, vlen);
                } else
                        return listen_error(why, size, "doveconf's output line %u is not 'key = value', "
                                         "'section {' or '}': '%.*s'", lineno, (int) (len > 60 ? 60 : len), s);
        }
        if (depth != 0)
                return listen_error(why, size, "doveconf's output ends inside a section");
        return 0;
}

static bool has_word(const char *list, const char *word) {
        size_t wlen = strlen(word);

        for (const char *p = list; *p;) {
                size_t len;

                p += strspn(p, " ,");
                len = strcspn(p, " ,");
                if (len == wlen && strncmp(p, word, len) == 0)
                        return true;
                p += len;
        }
        return false;
}

/* The listener's address, else the global listen (Dovecot's default
 * "*, ::"): the first of the list, as mailsupd connects to it. */
static int pick_address(const DoveConf *d, const DoveListener *l, Listen *ret, char *why, size_t size) {
        const char *list = l->address[0] ? l->address : d->has_listen ? d->listen : "*, ::";
        size_t len;

        list += strspn(list, " ,");
        len = strcspn(list, " ,");
        if (len == 0)
                return listen_error(why, size, "listen is empty: Dovecot listens on no address");
        return listen_host(list, len, ret->host, sizeof(ret->host), why, size);
}

static bool inet_usable(const DoveListener *l) {
        return l->inet && !l->haproxy && l->port > 0 && l->port <= 65535;
}

/* IMAP: a plain listener first, else one with TLS (unless ssl = no). */
static const DoveListener *pick_imap(const DoveConf *d) {
        for (int tls = 0; tls <= 1; tls++)
                for (size_t i = 0; i < d->n; i++)
                        if (inet_usable(&d->l[i]) && d->l[i].ssl == tls && !(tls && streq(d->ssl, "no")))
                                return &d->l[i];
        return NULL;
}

/* LMTP: Dovecot's own socket, another socket, a plain TCP listener. */
static const DoveListener *pick_lmtp(const DoveConf *d) {
        for (size_t i = 0; i < d->n; i++)
                if (!d->l[i].inet && streq(d->l[i].name, "lmtp"))
                        return &d->l[i];
        for (size_t i = 0; i < d->n; i++)
                if (!d->l[i].inet && d->l[i].name[0])
                        return &d->l[i];
        for (size_t i = 0; i < d->n; i++)
                if (inet_usable(&d->l[i]) && !d->l[i].ssl)
                        return &d->l[i];
        return NULL;
}

static int set_unix(const DoveConf *d, const DoveListener *l, Listen *ret, char *why, size_t size) {
        const char *base = d->base_dir[0] ? d->base_dir : "/run/dovecot";
        int n = l->name[0] == '/' ? snprintf(ret->socket, sizeof(ret->socket), "%s", l->name)
                                  : snprintf(ret->socket, sizeof(ret->socket), "%s/%s", base, l->name);

        if (n < 0 || (size_t) n >= sizeof(ret->socket) || ret->socket[0] != '/')
                return listen_error(why, size, "socket path '%s' is not absolute or too long", l->name);
        return 0;
}

int listen_parse_doveconf(const char *text, size_t n, const char *protocol, Listen *ret, char *why, size_t size) {
        bool imap = streq(protocol, "imap");
        const char *service = imap ? "imap-login" : "lmtp";
        const DoveListener *l;
        DoveConf d = {};
        int r;

        *ret = (Listen) {};
        snprintf(ret->from, sizeof(ret->from), "doveconf");
        r = dove_read(text, n, service, &d, why, size);
        if (r < 0)
                return r;
        if (!d.has_service)
                return listen_error(why, size, "no service %s in its output", service);
        if (d.has_protocols && !has_word(d.protocols, protocol))
                return listen_error(why, size, "protocols = %s: no %s", d.protocols, protocol);
        l = imap ? pick_imap(&d) : pick_lmtp(&d);
        if (!l)
                return listen_error(why, size, "service %s has no %s with a port (port = 0 turns one off)", service,
                                 imap ? "inet_listener" : "listener");
        snprintf(ret->from, sizeof(ret->from), "doveconf service/%s/%s_listener/%s", service,
                 l->inet ? "inet" : "unix", l->name);
        if (!l->inet)
                return set_unix(&d, l, ret, why, size) < 0 ? -EINVAL : 1;
        ret->port = (uint16_t) l->port;
        ret->tls = l->ssl;
        return pick_address(&d, l, ret, why, size) < 0 ? -EINVAL : 1;
}

/* Why doveconf did not answer: its first line on stderr (without its own
 * "doveconf: " prefix), or how it ended. */
static void run_failure(const ChildRun *run, char *why, size_t size) {
        const char *e = run->err;
        char line[256];

        if (strncmp(e, "doveconf: ", 10) == 0)
                e += 10;
        sanitize_line(line, sizeof(line), e, strcspn(e, "\n"));
        if (WIFEXITED(run->status))
                snprintf(why, size, "exited %d%s%s", WEXITSTATUS(run->status), line[0] ? ": " : "", line);
        else
                snprintf(why, size, "killed by SIG%s", sigabbrev_np(WTERMSIG(run->status)) ?: "?");
}

int listen_discover_dovecot(const char *protocol, Listen *ret, char *found, size_t size) {
        char *argv[] = { (char *) "doveconf", (char *) "listen", (char *) "protocols", (char *) "ssl",
                         (char *) "base_dir", (char *) "service/imap-login", (char *) "service/lmtp", NULL };
        _cleanup_free_ char *exe = doveconf_path ? xstrdup(doveconf_path) : child_find("doveconf");
        _cleanup_free_ ChildRun *run = NULL;
        char why[PATH_MAX + 128], d[32];
        int r;

        *ret = (Listen) {};
        if (!exe) {
                snprintf(found, size, "doveconf: not installed (not in %s)", CHILD_PATH);
                return -ENOENT;
        }
        r = trust_path(exe, why, sizeof(why));
        if (r < 0) {
                snprintf(found, size, "doveconf: not run: %s", why);
                return r;
        }
        run = malloc(sizeof(*run));
        if (!run)
                return -ENOMEM;
        r = child_run(exe, argv, DOVECONF_TIMEOUT, run);
        if (r == -ETIMEDOUT)
                snprintf(found, size, "doveconf: no answer within %s, killed", format_duration(d, sizeof(d), DOVECONF_TIMEOUT));
        else if (r == -EFBIG)
                snprintf(found, size, "doveconf: more than %u bytes of output, killed", CHILD_RUN_OUTPUT_MAX);
        else if (r < 0)
                snprintf(found, size, "doveconf: cannot run %s: %s", exe, strerror(-r));
        else if (!WIFEXITED(run->status) || WEXITSTATUS(run->status) != 0) {
                run_failure(run, why, sizeof(why));
                snprintf(found, size, "doveconf: %s", why);
                r = -EBADMSG;
        } else {
                r = listen_parse_doveconf(run->out, run->out_len, protocol, ret, why, sizeof(why));
                listen_describe(r, ret, "doveconf", why, found, size);
        }
        return r;
}
