/* config-keys.c: the values of [supervisor] and common [check] keys.
 *
 * Each value is checked as soon as it is read, so its error names the
 * FILE:LINE it came from: durations, numbers (digits only, in range),
 * numeric hosts (a probe never resolves a name), full unit names. Keys a
 * check's type owns are kept for config.c, which knows the final type once
 * every file is read.
 *
 * The keys are tables of (name, parser): the parser accepts a key only by
 * finding it here, in config-notify.c (alerting) or in a plug-in's own
 * list, and `mailsupd --list-config-keys` prints these same tables, so
 * the documentation can be checked against what is really accepted.
 *
 * See also: config-parse.c (lines and sections), config.c, probes/probe.h.
 */
#include "supervisor/config-internal.h"

#include <arpa/inet.h>
#include <ctype.h>

#include "common/http-server.h"
#include "probes/probe.h"
#include "supervisor/listen-discover.h"

#define RESTART_MAX 10000u
#define COUNT_MAX 1000u /* fail_after, recover_after: cycles, not a counter */

static int parse_duration_key(ConfigParser *p, const char *key, const char *value, const char *where,
                              bool nonzero, usec_t *ret) {
        usec_t d;

        if (parse_duration(value, &d) < 0)
                return config_parse_error(p, "invalid duration '%s' for %s%s", value, key, where);
        if (nonzero && d == 0)
                return config_parse_error(p, "invalid duration '%s' for %s%s: must be greater than 0",
                                   value, key, where);
        *ret = d;
        return 0;
}

/* Digits only: no sign, no blanks, no "0x", no trailing garbage. */
static int parse_number_key(ConfigParser *p, const char *key, const char *value, const char *where,
                            unsigned min, unsigned max, unsigned *ret) {
        unsigned long long n = 0;
        bool ok = *value != '\0' && strlen(value) <= 10;

        for (const char *c = value; ok && *c; c++) {
                ok = isdigit((unsigned char) *c);
                n = n * 10 + (unsigned long long) (*c - '0');
        }
        if (!ok || n < min || n > max)
                return config_parse_error(p, "invalid number '%s' for %s%s: must be between %u and %u",
                                   value, key, where, min, max);
        *ret = (unsigned) n;
        return 0;
}

int config_parse_yes_no(ConfigParser *p, const char *key, const char *value, bool *ret) {
        if (streq(value, "yes") || streq(value, "true") || streq(value, "on") || streq(value, "1"))
                *ret = true;
        else if (streq(value, "no") || streq(value, "false") || streq(value, "off") || streq(value, "0"))
                *ret = false;
        else
                return config_parse_error(p, "invalid value '%s' for %s: expected yes or no", value, key);
        return 0;
}

const ConfigKey *config_key_find(const ConfigKey *table, const char *key) {
        for (; table->name; table++)
                if (streq(table->name, key))
                        return table;
        return NULL;
}

/* [supervisor] */

#define SUP_KEY(fn) static int fn(ConfigParser *p, const char *key, const char *value, const char *where)

SUP_KEY(sup_interval) {
        int r = parse_duration_key(p, key, value, where, true, &p->config->interval);

        if (r >= 0)
                p->interval = (ConfigSource) { p->file, p->line };
        return r;
}

SUP_KEY(sup_timeout) {
        int r = parse_duration_key(p, key, value, where, true, &p->config->timeout);

        if (r >= 0)
                p->timeout = (ConfigSource) { p->file, p->line };
        return r;
}

SUP_KEY(sup_restart_grace) {
        return parse_duration_key(p, key, value, where, false, &p->config->restart_grace);
}

SUP_KEY(sup_restart_limit) {
        return parse_number_key(p, key, value, where, 1, RESTART_MAX, &p->config->restart_limit);
}

SUP_KEY(sup_restart_window) {
        return parse_number_key(p, key, value, where, 1, RESTART_MAX, &p->config->restart_window);
}

SUP_KEY(sup_bus) {
        if (streq(value, "system"))
                p->config->bus = BUS_SYSTEM;
        else if (streq(value, "user"))
                p->config->bus = BUS_USER;
        else
                return config_parse_error(p, "invalid value '%s' for bus: expected system or user", value);
        return 0;
}

SUP_KEY(sup_state_directory) {
        if (value[0] != '/')
                return config_parse_error(p, "invalid path '%s' for state_directory: must be absolute", value);
        free(p->config->state_directory);
        p->config->state_directory = xstrdup(value);
        return 0;
}

SUP_KEY(sup_skip_missing_units) {
        return config_parse_yes_no(p, key, value, &p->config->skip_missing_units);
}

SUP_KEY(sup_metrics_listen) {
        struct sockaddr_storage sa;
        socklen_t len;

        if (http_listen_parse(value, &sa, &len) < 0)
                return config_parse_error(p, "invalid address '%s' for metrics_listen: expected PORT, "
                                          "ADDRESS:PORT or [IPV6]:PORT, numeric", value);
        free(p->config->metrics_listen);
        p->config->metrics_listen = xstrdup(value);
        return 0;
}

SUP_KEY(sup_metrics_textfile) {
        size_t n = strlen(value);

        /* node_exporter's textfile collector reads *.prom; our PATH.tmp is never read half-written */
        if (value[0] != '/' || n < 6 || !streq(value + n - 5, ".prom"))
                return config_parse_error(p, "invalid path '%s' for metrics_textfile: must be absolute and end "
                                          "in .prom", value);
        free(p->config->metrics_textfile);
        p->config->metrics_textfile = xstrdup(value);
        return 0;
}

static const ConfigKey supervisor_keys[] = {
        { "interval", sup_interval },
        { "timeout", sup_timeout },
        { "bus", sup_bus },
        { "state_directory", sup_state_directory },
        { "skip_missing_units", sup_skip_missing_units },
        { "restart_limit", sup_restart_limit },
        { "restart_window", sup_restart_window },
        { "restart_grace", sup_restart_grace },
        { "metrics_listen", sup_metrics_listen },
        { "metrics_textfile", sup_metrics_textfile },
        {}
};

int config_supervisor_key(ConfigParser *p, const char *key, const char *value) {
        const ConfigKey *k = config_key_find(supervisor_keys, key);

        if (!k)
                k = config_key_find(config_alerting_keys, key);
        if (!k)
                return config_parse_error(p, "unknown key '%s' in [supervisor]", key);
        return k->parse(p, key, value, "");
}

/* [check NAME]: the keys every check has. */

static bool unit_name_valid(const char *s) {
        static const char *const suffixes[] = {
                ".service", ".socket", ".target", ".mount", ".automount", ".swap",
                ".timer", ".path", ".slice", ".scope", ".device",
        };
        const char *dot = strrchr(s, '.');

        if (!dot || dot == s || strlen(s) > 255)
                return false;
        for (const char *c = s; *c; c++)
                if (!isalnum((unsigned char) *c) && !strchr(":-_.\\@", *c))
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (streq(dot, suffixes[i]))
                        return true;
        return false;
}

#define CHECK_KEY(fn)                                                                                  \
        static int fn##_(ConfigParser *p, CheckConfig *c, CheckMeta *m, const char *key, const char *value, \
                         const char *where);                                                           \
        static int fn(ConfigParser *p, const char *key, const char *value, const char *where) {       \
                return fn##_(p, &p->config->checks[p->check], &p->meta[p->check], key, value, where);   \
        }                                                                                              \
        static int fn##_(ConfigParser *p, CheckConfig *c, CheckMeta *m, const char *key, const char *value, \
                         const char *where)

CHECK_KEY(check_type) {
        const ProbeType *t = probe_type_find(value);

        m->type_given = true;
        if (!t)
                return config_parse_error(p, "unknown check type '%s'", value);
        c->type = t;
        return 0;
}

CHECK_KEY(check_host) {
        unsigned char addr[sizeof(struct in6_addr)];

        /* Probes never resolve names: a DNS lookup must not decide whether mail is up. */
        if (inet_pton(AF_INET, value, addr) != 1 && inet_pton(AF_INET6, value, addr) != 1)
                return config_parse_error(p, "invalid host '%s'%s: must be a numeric IPv4 or IPv6 address",
                                   value, where);
        free(c->host);
        c->host = xstrdup(value);
        m->host_given = true;
        return 0;
}

CHECK_KEY(check_port) {
        unsigned n;
        int r;

        m->port_given = true;
        r = parse_number_key(p, key, value, where, 1, 65535, &n);
        if (r >= 0)
                c->port = (uint16_t) n;
        return r;
}

CHECK_KEY(check_unit) {
        if (!unit_name_valid(value))
                return config_parse_error(p, "invalid unit name '%s'%s: "
                                   "expected a full name such as postfix.service", value, where);
        free(c->unit);
        c->unit = xstrdup(value);
        return 0;
}

CHECK_KEY(check_listen_from) {
        ListenService svc = listen_service_from_string(value);

        if (svc < 0)
                return config_parse_error(p, "invalid value '%s' for listen_from%s: "
                                   "expected opendkim, postsrsd, postfix or dovecot", value, where);
        m->listen_from = (int) svc + 1;
        m->listen_from_src = (ConfigSource) { p->file, p->line };
        return 0;
}

CHECK_KEY(check_action) {
        if (check_action_from_string(value, &c->action) < 0)
                return config_parse_error(p, "invalid value '%s' for action%s: "
                                   "expected restart, alert or none", value, where);
        m->action_given = true;
        return 0;
}

CHECK_KEY(check_timeout) {
        int r = parse_duration_key(p, key, value, where, true, &c->timeout);

        if (r >= 0)
                m->timeout = (ConfigSource) { p->file, p->line };
        return r;
}

/* Its own pace: resolved against the type's and [supervisor]'s (config.c). */
CHECK_KEY(check_interval) {
        int r = parse_duration_key(p, key, value, where, true, &c->interval);

        if (r >= 0)
                m->interval = (ConfigSource) { p->file, p->line };
        return r;
}

CHECK_KEY(check_fail_after) {
        return parse_number_key(p, key, value, where, 1, COUNT_MAX, &c->fail_after);
}

CHECK_KEY(check_recover_after) {
        return parse_number_key(p, key, value, where, 1, COUNT_MAX, &c->recover_after);
}

/* The restart limits: [supervisor]'s unless the check has its own (config.c). */
CHECK_KEY(check_restart_limit) {
        int r = parse_number_key(p, key, value, where, 1, RESTART_MAX, &c->restart_limit);

        m->restart_limit_given = r >= 0;
        return r;
}

CHECK_KEY(check_restart_window) {
        int r = parse_number_key(p, key, value, where, 1, RESTART_MAX, &c->restart_window);

        m->restart_window_given = r >= 0;
        return r;
}

CHECK_KEY(check_restart_grace) {
        int r = parse_duration_key(p, key, value, where, false, &c->restart_grace);

        m->restart_grace_given = r >= 0;
        return r;
}

/* depends_on = rspamd, dovecot: names, checked once every check is known (config-depends.c). */
CHECK_KEY(check_depends_on) {
        _cleanup_free_ char *copy = xstrdup(value);
        char *save = NULL;

        for (char *name = strtok_r(copy, ", \t", &save); name; name = strtok_r(NULL, ", \t", &save))
                strv_add(&c->depends_on, &c->n_depends_on, name);
        if (c->n_depends_on == 0)
                return config_parse_error(p, "empty value for depends_on%s: expected check names", where);
        m->depends_on = (ConfigSource) { p->file, p->line };
        return 0;
}

static const ConfigKey check_keys[] = {
        { "type", check_type },
        { "host", check_host },
        { "port", check_port },
        { "unit", check_unit },
        { "listen_from", check_listen_from },
        { "action", check_action },
        { "timeout", check_timeout },
        { "interval", check_interval },
        { "fail_after", check_fail_after },
        { "recover_after", check_recover_after },
        { "restart_limit", check_restart_limit },
        { "restart_window", check_restart_window },
        { "restart_grace", check_restart_grace },
        { "depends_on", check_depends_on },
        {}
};

int config_check_key(ConfigParser *p, const char *key, const char *value, const char *label) {
        const ConfigKey *k = config_key_find(check_keys, key);
        CheckMeta *m = &p->meta[p->check];
        _cleanup_free_ char *where = NULL;

        if (!k) {
                /* The type's own key, or a typo: only the final type can tell. */
                m->extras = config_grow(m->extras, m->n_extras, sizeof(ExtraKey));
                m->extras[m->n_extras++] = (ExtraKey) { xstrdup(key), xstrdup(value), { p->file, p->line } };
                return 0;
        }
        if (asprintf(&where, " in [%s]", label) < 0)
                abort();
        return k->parse(p, key, value, where);
}

static void list_table(FILE *f, const char *section, const ConfigKey *table) {
        for (; table->name; table++)
                fprintf(f, "%s %s\n", section, table->name);
}

static void list_strv(FILE *f, const char *section, const char *type, const char *const *keys) {
        for (; keys && *keys; keys++)
                fprintf(f, "%s%s%s %s\n", section, type ? ":" : "", type ? type : "", *keys);
}

void config_list_keys(FILE *f) {
        list_table(f, "supervisor", supervisor_keys);
        list_table(f, "supervisor", config_alerting_keys);
        list_table(f, "check", check_keys);
        for (size_t i = 0; probe_types[i]; i++)
                list_strv(f, "check", probe_types[i]->name, probe_types[i]->keys);
        list_strv(f, "notify", NULL, channel_common_keys);
        for (size_t i = 0; channel_types[i]; i++)
                list_strv(f, "notify", channel_types[i]->name, channel_types[i]->keys);
}
