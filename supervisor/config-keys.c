/* config-keys.c: the values of [supervisor] and common [check] keys.
 *
 * Each value is checked as soon as it is read, so its error names the
 * FILE:LINE it came from: durations, numbers (digits only, in range),
 * numeric hosts (a probe never resolves a name), full unit names. Keys a
 * check's type owns are kept for config.c, which knows the final type once
 * every file is read.
 *
 * See also: config-parse.c (lines and sections), config.c, probes/probe.h.
 */
#include "supervisor/config-internal.h"

#include <arpa/inet.h>
#include <ctype.h>

#include "probes/probe.h"

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

int config_supervisor_key(ConfigParser *p, const char *key, const char *value) {
        Config *c = p->config;
        ConfigSource here = { p->file, p->line };
        int r;

        if (streq(key, "interval")) {
                r = parse_duration_key(p, key, value, "", true, &c->interval);
                if (r >= 0)
                        p->interval = here;
        } else if (streq(key, "timeout")) {
                r = parse_duration_key(p, key, value, "", true, &c->timeout);
                if (r >= 0)
                        p->timeout = here;
        } else if (streq(key, "restart_grace"))
                r = parse_duration_key(p, key, value, "", false, &c->restart_grace);
        else if (streq(key, "restart_limit"))
                r = parse_number_key(p, key, value, "", 1, RESTART_MAX, &c->restart_limit);
        else if (streq(key, "restart_window"))
                r = parse_number_key(p, key, value, "", 1, RESTART_MAX, &c->restart_window);
        else if (streq(key, "bus")) {
                if (streq(value, "system"))
                        c->bus = BUS_SYSTEM;
                else if (streq(value, "user"))
                        c->bus = BUS_USER;
                else
                        return config_parse_error(p, "invalid value '%s' for bus: expected system or user", value);
                r = 0;
        } else if (streq(key, "state_directory")) {
                if (value[0] != '/')
                        return config_parse_error(p, "invalid path '%s' for state_directory: must be absolute",
                                           value);
                free(c->state_directory);
                c->state_directory = xstrdup(value);
                r = 0;
        } else if (streq(key, "skip_missing_units"))
                r = config_parse_yes_no(p, key, value, &c->skip_missing_units);
        else if ((r = config_alerting_key(p, key, value)) == -ENOENT)
                r = config_parse_error(p, "unknown key '%s' in [supervisor]", key);
        return r;
}

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

static int check_host(ConfigParser *p, CheckConfig *c, const char *value, const char *where) {
        unsigned char addr[sizeof(struct in6_addr)];

        /* Probes never resolve names: a DNS lookup must not decide whether mail is up. */
        if (inet_pton(AF_INET, value, addr) != 1 && inet_pton(AF_INET6, value, addr) != 1)
                return config_parse_error(p, "invalid host '%s'%s: must be a numeric IPv4 or IPv6 address",
                                   value, where);
        free(c->host);
        c->host = xstrdup(value);
        return 0;
}

int config_check_key(ConfigParser *p, const char *key, const char *value, const char *label) {
        CheckConfig *c = &p->config->checks[p->check];
        CheckMeta *m = &p->meta[p->check];
        ConfigSource here = { p->file, p->line };
        _cleanup_free_ char *where = NULL;
        unsigned n;
        int r;

        if (asprintf(&where, " in [%s]", label) < 0)
                abort();

        if (streq(key, "type")) {
                const ProbeType *t = probe_type_find(value);

                m->type_given = true;
                if (!t)
                        return config_parse_error(p, "unknown check type '%s'", value);
                c->type = t;
        } else if (streq(key, "host"))
                return check_host(p, c, value, where);
        else if (streq(key, "port")) {
                m->port_given = true;
                r = parse_number_key(p, key, value, where, 1, 65535, &n);
                if (r < 0)
                        return r;
                c->port = (uint16_t) n;
        } else if (streq(key, "unit")) {
                if (!unit_name_valid(value))
                        return config_parse_error(p, "invalid unit name '%s'%s: "
                                           "expected a full name such as postfix.service", value, where);
                free(c->unit);
                c->unit = xstrdup(value);
        } else if (streq(key, "action")) {
                if (check_action_from_string(value, &c->action) < 0)
                        return config_parse_error(p, "invalid value '%s' for action%s: "
                                           "expected restart, alert or none", value, where);
                m->action_given = true;
        } else if (streq(key, "timeout")) {
                r = parse_duration_key(p, key, value, where, true, &c->timeout);
                if (r < 0)
                        return r;
                m->timeout = here;
        } else if (streq(key, "fail_after"))
                return parse_number_key(p, key, value, where, 1, COUNT_MAX, &c->fail_after);
        else if (streq(key, "recover_after"))
                return parse_number_key(p, key, value, where, 1, COUNT_MAX, &c->recover_after);
        else if (streq(key, "restart_limit")) {
                r = parse_number_key(p, key, value, where, 1, RESTART_MAX, &c->restart_limit);
                m->restart_limit_given = r >= 0;
                return r;
        } else if (streq(key, "restart_window")) {
                r = parse_number_key(p, key, value, where, 1, RESTART_MAX, &c->restart_window);
                m->restart_window_given = r >= 0;
                return r;
        } else if (streq(key, "restart_grace")) {
                r = parse_duration_key(p, key, value, where, false, &c->restart_grace);
                m->restart_grace_given = r >= 0;
                return r;
        } else {
                /* The type's own key, or a typo: only the final type can tell. */
                m->extras = config_grow(m->extras, m->n_extras, sizeof(ExtraKey));
                m->extras[m->n_extras++] = (ExtraKey) { xstrdup(key), xstrdup(value), here };
        }
        return 0;
}

