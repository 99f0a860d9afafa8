/* config-listen.c: listen_from applied to a check, once its type is known.
 *
 * listen-discover.h finds where the service listens (its own config file,
 * or doveconf for Dovecot); here that becomes the check's host and port, or
 * its socket key, or for Dovecot's imaps its tls keys, unless the check set
 * its own. What happened is kept in CheckConfig.listen_found, said by
 * --check-config and logged at start and after each reload.
 *
 * See also: config.c (calls it), listen-discover.h, listen-dovecot.c.
 */
#include "supervisor/config-internal.h"

#include "probes/probe.h"
#include "supervisor/listen-discover.h"

static bool has_extra(const CheckMeta *m, const char *key) {
        for (size_t i = 0; i < m->n_extras; i++)
                if (streq(m->extras[i].key, key))
                        return true;
        return false;
}

static void add_extra(CheckMeta *m, const char *key, const char *value) {
        m->extras = config_grow(m->extras, m->n_extras, sizeof(ExtraKey));
        m->extras[m->n_extras++] = (ExtraKey) { xstrdup(key), xstrdup(value), m->listen_from_src };
}

/* Where the service listens, for this check's type: Dovecot's IMAP or LMTP
 * listener, another service's one listener. */
static int discover(ConfigParser *p, const CheckConfig *c, const CheckMeta *m, Listen *l, char *found, size_t size) {
        ListenService svc = (ListenService) (m->listen_from - 1);

        if (svc != LISTEN_DOVECOT)
                return listen_discover(svc, l, found, size);
        if (!streq(c->type->name, "imap") && !streq(c->type->name, "lmtp")) {
                config_errors_add(p->errors, m->listen_from_src.file, m->listen_from_src.line,
                                  "listen_from = dovecot needs type imap or lmtp in [check %s]", c->name);
                return -EINVAL;
        }
        return listen_discover_dovecot(c->type->name, l, found, size);
}

/* A listener with TLS from the first byte (Dovecot's imaps, when plain IMAP
 * is off): tls = yes, and its certificate unverified unless the check says
 * (made for the public name, it cannot match 127.0.0.1). NULL when taken,
 * else why not. */
static const char *take_tls(CheckConfig *c, CheckMeta *m, const char **note) {
        *note = "";
        if (!probe_type_has_key(c->type, "tls"))
                return "takes no TLS";
        if (has_extra(m, "starttls"))
                return "has starttls";
        add_extra(m, "tls", "yes");
        if (!has_extra(m, "tls_verify")) {
                add_extra(m, "tls_verify", "no");
                *note = ", certificate not verified (tls_verify and tls_name check it)";
        }
        return NULL;
}

/* listen_from = SERVICE: connect where the service's own config says it
 * listens (listen-discover.h). host, port or socket set in the check win;
 * nothing found keeps the type's default port. What happened is kept in
 * listen_found for --check-config and the log. */
void config_resolve_listen(ConfigParser *p, CheckConfig *c, CheckMeta *m) {
        ListenService svc = (ListenService) (m->listen_from - 1);
        const char *name = listen_service_to_string(svc), *no_tls = NULL, *note = "";
        char found[512] = "";
        Listen l;
        int r;

        if (m->listen_from == 0)
                return;
        r = discover(p, c, m, &l, found, sizeof(found));
        if (r == -EINVAL && !found[0])
                return; /* a config error, said */
        if (r > 0 && (m->port_given || m->host_given || has_extra(m, "socket")))
                r = asprintf(&c->listen_found, "%s: found %s, but the check's own host, port or socket win", name,
                             found);
        else if (r > 0 && l.socket[0] && !probe_type_has_key(c->type, "socket"))
                r = asprintf(&c->listen_found, "%s: found %s, but type %s takes no socket: %s:%u", name, found,
                             c->type->name, c->host, c->port);
        else if (r > 0 && l.tls && (no_tls = take_tls(c, m, &note)))
                r = asprintf(&c->listen_found, "%s: found %s, but the check %s: %s:%u", name, found, no_tls,
                             c->host, c->port);
        else if (r > 0 && l.socket[0]) {
                add_extra(m, "socket", l.socket);
                r = asprintf(&c->listen_found, "%s: %s", name, found);
        } else if (r > 0) {
                free(c->host);
                c->host = xstrdup(l.host);
                c->port = l.port;
                r = asprintf(&c->listen_found, "%s: %s%s", name, found, note);
        } else
                r = asprintf(&c->listen_found, "%s: %s; using %s:%u", name, found, c->host, c->port);
        if (r < 0)
                abort();
}
