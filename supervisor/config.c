/* config.c: the Config object and what is decided once all files are read.
 *
 * Files are parsed one by one (config-load.c finds and reads them,
 * config-parse.c parses each); only then are defaults filled in, a check's
 * timeout weighed against the final interval, and the keys the common
 * parser did not know handed to the check's final probe type, so a drop-in
 * may change [supervisor] timeout or a check's type. Errors are collected,
 * never logged: the caller decides where an operator reads them. Memory for
 * configuration aborts on exhaustion, like xstrdup().
 *
 * See also: config-load.c, config-parse.c, config-internal.h.
 */
#include "supervisor/config-internal.h"

#include <stdarg.h>

#include "probes/probe.h"

static const char *const action_names[_CHECK_ACTION_MAX] = {
        [CHECK_ACTION_RESTART] = "restart",
        [CHECK_ACTION_ALERT] = "alert",
        [CHECK_ACTION_NONE] = "none",
};

const char *check_action_to_string(CheckAction a) {
        if (a < 0 || a >= _CHECK_ACTION_MAX)
                return NULL;
        return action_names[a];
}

int check_action_from_string(const char *s, CheckAction *ret) {
        for (int a = 0; a < _CHECK_ACTION_MAX; a++)
                if (s && streq(s, action_names[a])) {
                        *ret = (CheckAction) a;
                        return 0;
                }
        return -EINVAL;
}

void *config_grow(void *array, size_t n, size_t size) {
        void *a = reallocarray(array, n + 1, size);

        if (!a)
                abort();
        return a;
}

/* "FILE:LINE: message"; line 0 gives "FILE: message" (a whole file, e.g.
 * one that cannot be opened), no file gives the bare message. */
void config_errors_add(ConfigErrors *e, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        config_errors_addv(e, file, line, fmt, ap);
        va_end(ap);
}

void config_errors_addv(ConfigErrors *e, const char *file, unsigned line, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL;
        char *s;
        int r;

        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        if (!file)
                r = asprintf(&s, "%s", msg);
        else if (line == 0)
                r = asprintf(&s, "%s: %s", file, msg);
        else
                r = asprintf(&s, "%s:%u: %s", file, line, msg);
        if (r < 0)
                abort();
        if (!utf8_valid(s, (size_t) r)) { /* a value quoted from a file in Latin-1: shown as "\xNN" */
                size_t size = 4 * (size_t) r + 1;
                char *clean = malloc(size);

                if (!clean)
                        abort();
                (void) text_clean(clean, size, s, (size_t) r, TEXT_ANY);
                free(s);
                s = clean;
        }
        e->lines = config_grow(e->lines, e->n, sizeof(char *));
        e->lines[e->n++] = s;
}

void config_errors_clear(ConfigErrors *e) {
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                free(e->lines[i]);
        free(e->lines);
        e->lines = NULL;
        e->n = 0;
}

void config_errors_print(const ConfigErrors *e, FILE *f) {
        for (size_t i = 0; e && i < e->n; i++)
                fprintf(f, "%s\n", e->lines[i]);
}

const CheckConfig *config_find_check(const Config *c, const char *name) {
        for (size_t i = 0; c && i < c->n_checks; i++)
                if (streq(c->checks[i].name, name))
                        return &c->checks[i];
        return NULL;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_checks; i++) {
                CheckConfig *cc = &c->checks[i];

                if (cc->options && cc->type && cc->type->free_options)
                        cc->type->free_options(&cc->probe);
                free(cc->name);
                free(cc->host);
                free(cc->unit);
                free(cc->source);
                free(cc->listen_found);
                free(cc->socket);
                strv_free(&cc->depends_on, &cc->n_depends_on);
                free(cc->depends_idx);
        }
        free(c->checks);
        for (size_t i = 0; i < c->n_channels; i++)
                channel_config_done(&c->channels[i]);
        free(c->channels);
        free(c->heartbeat_url);
        free(c->metrics_listen);
        free(c->metrics_textfile);
        free(c->path);
        free(c->state_directory);
        free(c);
        return NULL;
}

size_t config_add_check(ConfigParser *p, const char *name) {
        Config *c = p->config;
        size_t i = c->n_checks;

        c->checks = config_grow(c->checks, i, sizeof(CheckConfig));
        p->meta = config_grow(p->meta, i, sizeof(CheckMeta));
        c->checks[i] = (CheckConfig) {
                .name = xstrdup(name),
                .host = xstrdup("127.0.0.1"),
        };
        if (asprintf(&c->checks[i].source, "%s:%u", p->file, p->line) < 0)
                abort();
        p->meta[i] = (CheckMeta) { .header = { p->file, p->line } };
        c->n_checks++;
        return i;
}

void config_parser_init(ConfigParser *p, ConfigErrors *errors) {
        Config *c = calloc(1, sizeof(*c));

        if (!c)
                abort();
        c->interval = 2 * USEC_PER_MINUTE;
        c->timeout = 10 * USEC_PER_SEC;
        c->restart_grace = 30 * USEC_PER_SEC;
        c->bus = BUS_SYSTEM;
        c->state_directory = xstrdup("/var/lib/mailsup");
        c->restart_limit = 3;
        c->restart_window = 5;
        c->heartbeat_method = HEARTBEAT_POST;
        c->heartbeat_report_failures = true;
        c->reminder = 4 * USEC_PER_HOUR;
        c->outbox_max = 1000;
        *p = (ConfigParser) { .config = c, .errors = errors, .n_errors_before = errors->n };
}

static void error_at(ConfigParser *p, ConfigSource at, const char *fmt, ...) _printf_(3, 4);
static void error_at(ConfigParser *p, ConfigSource at, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        config_errors_addv(p->errors, at.file, at.line, fmt, ap);
        va_end(ap);
}

/* Hands the keys the common parser did not know to the check's final type. */
static void resolve_type_keys(ConfigParser *p, CheckConfig *c, CheckMeta *m) {
        const ProbeType *t = c->type;
        bool ok = true;
        int r;

        for (size_t i = 0; i < m->n_extras; i++) {
                ExtraKey *x = &m->extras[i];
                _cleanup_free_ char *msg = NULL;

                /* The type's list decides what is a key: parse_key only reads values. */
                r = probe_type_has_key(t, x->key) && t->parse_key ? t->parse_key(&c->probe, x->key, x->value, &msg)
                                                                  : -ENOENT;
                if (r >= 0 && streq(x->key, "socket")) {
                        free(c->socket);
                        c->socket = xstrdup(x->value);
                }
                if (r == -ENOENT)
                        error_at(p, x->src, "unknown key '%s' in [check %s]", x->key, c->name);
                else if (r < 0)
                        error_at(p, x->src, "%s in [check %s]", msg ? msg : strerror(-r), c->name);
                ok = ok && r >= 0;
        }
        if (ok && t->verify) {
                _cleanup_free_ char *msg = NULL;

                r = t->verify(&c->probe, &msg);
                if (r < 0)
                        error_at(p, m->header, "%s in [check %s]", msg ? msg : strerror(-r), c->name);
        }
}

/* The check's pace: its own, else its type's (dnsbl: 1h), else the cycle's.
 * A probe must end before the check's next run. */
static void resolve_interval(ConfigParser *p, CheckConfig *c, CheckMeta *m) {
        char a[32], b[32];

        if (m->interval.line == 0)
                c->interval = c->type->default_interval ?: p->config->interval;
        if (c->timeout < c->interval)
                return;
        if (m->timeout.line != 0)
                error_at(p, m->timeout, "timeout %s of [check %s] is not shorter than interval %s",
                         format_duration(a, sizeof(a), c->timeout), c->name,
                         format_duration(b, sizeof(b), c->interval));
        else if (m->interval.line != 0)
                error_at(p, m->interval, "interval %s of [check %s] is not longer than its timeout %s",
                         format_duration(a, sizeof(a), c->interval), c->name,
                         format_duration(b, sizeof(b), c->timeout));
        /* else: [supervisor]'s own timeout and interval, refused in resolve() */
}

static void resolve_check(ConfigParser *p, CheckConfig *c, CheckMeta *m) {
        if (!c->type) {
                if (!m->type_given)
                        error_at(p, m->header, "missing required key 'type' in [check %s]", c->name);
                return;
        }
        if (c->port == 0 && c->type->needs_port) {
                c->port = c->type->default_port;
                if (c->port == 0 && !m->port_given)
                        error_at(p, m->header, "missing required key 'port' in [check %s]", c->name);
        }
        /* Without a unit there is nothing to restart, and a threshold type's
         * values are for a human: the default is to alert. An explicit restart lacks a key of the section, so the error is at
         * its header, like a missing key. */
        if (!m->action_given)
                c->action = c->unit && !c->type->default_alert ? CHECK_ACTION_RESTART : CHECK_ACTION_ALERT;
        else if (c->action == CHECK_ACTION_RESTART && !c->unit)
                error_at(p, m->header, "action = restart needs unit= in [check %s]", c->name);
        /* Resolved only now, so a drop-in's [supervisor] timeout and interval
         * reach every check without its own. */
        if (m->timeout.line == 0)
                c->timeout = p->config->timeout;
        resolve_interval(p, c, m);
        /* Like the timeout: a drop-in's [supervisor] value reaches every check without its own. */
        if (!m->restart_limit_given)
                c->restart_limit = p->config->restart_limit;
        if (!m->restart_window_given)
                c->restart_window = p->config->restart_window;
        if (!m->restart_grace_given)
                c->restart_grace = p->config->restart_grace;
        config_resolve_listen(p, c, m);
        /* The type's verify may have set its own default (system memory, load). */
        resolve_type_keys(p, c, m);
        if (c->fail_after == 0)
                c->fail_after = c->default_fail_after ? c->default_fail_after : 1;
        if (c->recover_after == 0)
                c->recover_after = 1;
}

static void resolve(ConfigParser *p) {
        Config *c = p->config;
        char a[32], b[32];

        if (c->timeout >= c->interval)
                error_at(p, p->timeout.line ? p->timeout : p->interval,
                         "timeout %s of [supervisor] is not shorter than interval %s",
                         format_duration(a, sizeof(a), c->timeout),
                         format_duration(b, sizeof(b), c->interval));
        for (size_t i = 0; i < c->n_checks; i++)
                resolve_check(p, &c->checks[i], &p->meta[i]);
        config_resolve_depends(p);
        config_resolve_notify(p);
}

/* Resolves, then hands over the Config (r >= 0 and no new errors) or frees it. */
int config_parser_finish(ConfigParser *p, int r, Config **ret) {
        size_t n = p->config->n_checks;

        resolve(p);
        if (r >= 0 && p->errors->n > p->n_errors_before)
                r = -EINVAL;
        if (r >= 0)
                *ret = TAKE_PTR(p->config);
        p->config = config_free(p->config);
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < p->meta[i].n_extras; j++) {
                        free(p->meta[i].extras[j].key);
                        free(p->meta[i].extras[j].value);
                }
                free(p->meta[i].extras);
        }
        free(p->meta);
        p->meta = NULL;
        strmap_clear(&p->check_index);
        config_notify_meta_free(p);
        return r;
}

int config_load_string(const char *text, const char *name, Config **ret, ConfigErrors *errors) {
        return config_load_buffer(text, strlen(text), name, ret, errors);
}

int config_load_buffer(const char *data, size_t size, const char *name, Config **ret, ConfigErrors *errors) {
        ConfigErrors local = {};
        ConfigParser p;
        int r;

        config_parser_init(&p, errors ? errors : &local);
        p.config->path = xstrdup(name);
        r = config_parse_buffer(&p, name, data, size);
        r = config_parser_finish(&p, r, ret);
        config_errors_clear(&local);
        return r;
}
