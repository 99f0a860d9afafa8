/* config-parse.c: one configuration file through inih, with FILE:LINE.
 *
 * inih 55 as Debian builds it tells its handler neither the line number nor
 * the section headers, splits lines longer than its 200-byte stack buffer
 * into two silent halves, treats an indented line as the continuation of the
 * previous value and returns only the first syntax error. So inih reads
 * through our own reader, which counts lines, skips comments whole, refuses
 * overlong lines and NUL bytes, drops leading blanks, takes section headers
 * itself and reports every line inih would choke on; inih still splits
 * "key = value" (or "key: value"), strips blanks and inline " ;" comments.
 * Values are checked here as they come; what needs every file (defaults,
 * the type's own keys) is in config.c.
 *
 * See also: config.c, config-internal.h.
 */
#include "supervisor/config-internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ini.h>
#include <stdarg.h>

#include "probes/probe.h"

#define CHECK_NAME_MAX 64
#define RESTART_MAX 10000u

/* Records "FILE:LINE: message" for the current line; returns -EINVAL. */
static int parse_error(ConfigParser *p, const char *fmt, ...) _printf_(2, 3);
static int parse_error(ConfigParser *p, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        config_errors_addv(p->errors, p->file, p->line, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* Same scan as inih's: up to a char of chars, or an inline ";" comment
 * (a ';' after whitespace), or the end. */
static char *find_chars_or_comment(char *s, const char *chars) {
        bool was_space = false;

        while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
                was_space = isspace((unsigned char) *s);
                s++;
        }
        return s;
}

static char *strip(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = '\0';
        return s;
}

/* See config-internal.h. section: -1 [supervisor], a check, or -2 - a notify. */
unsigned config_seen_at(ConfigParser *p, long section, const char *key) {
        for (size_t i = 0; i < p->n_seen; i++)
                if (p->seen[i].section == section && streq_ptr(p->seen[i].key, key))
                        return p->seen[i].line;
        p->seen = config_grow(p->seen, p->n_seen, sizeof(SeenKey));
        p->seen[p->n_seen++] = (SeenKey) { section, xstrdup(key), p->line };
        return 0;
}

static bool check_name_valid(const char *name) {
        if (strlen(name) > CHECK_NAME_MAX)
                return false;
        for (const char *c = name; *c; c++)
                if (!isalnum((unsigned char) *c) && !strchr("-_.", *c))
                        return false;
        return true;
}

static int begin_check(ConfigParser *p, const char *name) {
        const CheckConfig *old;
        unsigned first;
        size_t i;

        if (!*name)
                return parse_error(p, "missing check name in [check]");
        if (!check_name_valid(name))
                return parse_error(p, "invalid check name '%s' (up to %d letters, digits, '-', '_', '.')",
                                   name, CHECK_NAME_MAX);
        old = config_find_check(p->config, name);
        i = old ? (size_t) (old - p->config->checks) : config_add_check(p, name);
        first = config_seen_at(p, (long) i, NULL);
        if (first > 0)
                return parse_error(p, "duplicate check '%s' (first defined at %s:%u)", name, p->file, first);
        p->section = SECTION_CHECK;
        p->check = i;
        return 0;
}

static int begin_section(ConfigParser *p, char *text) {
        unsigned first;

        p->section = SECTION_SKIP; /* until proven good */
        if (streq(text, "supervisor")) {
                first = config_seen_at(p, -1, NULL);
                if (first > 0)
                        return parse_error(p, "duplicate section [supervisor] (first defined at %s:%u)",
                                           p->file, first);
                p->section = SECTION_SUPERVISOR;
                return 0;
        }
        if (strncmp(text, "check", 5) == 0 && (!text[5] || isspace((unsigned char) text[5])))
                return begin_check(p, strip(text + 5));
        if (strncmp(text, "notify", 6) == 0 && (!text[6] || isspace((unsigned char) text[6])))
                return config_begin_notify(p, strip(text + 6));
        return parse_error(p, "unknown section [%s]", text);
}

/* Screens one line before inih sees it; returns what inih gets, which is a
 * blank line for anything already reported. */
static char *screen_line(ConfigParser *p, char *line) {
        char *end;

        if (!*line)
                return line;
        if (*line == '[') {
                end = find_chars_or_comment(line + 1, "]");
                if (*end != ']') {
                        p->section = SECTION_SKIP;
                        parse_error(p, "syntax error: missing ']' in section header");
                        *line = '\0';
                        return line;
                }
                *end = '\0';
                char *rest = strip(end + 1);
                if (*rest && *rest != ';' && *rest != '#') {
                        p->section = SECTION_SKIP;
                        parse_error(p, "syntax error: unexpected '%s' after section header", rest);
                } else
                        (void) begin_section(p, strip(line + 1));
                *line = '\0'; /* the section is ours to track: inih need not see it */
                return line;
        }
        end = find_chars_or_comment(line, "=:");
        if (*end != '=' && *end != ':') {
                parse_error(p, "syntax error: expected [section], key = value or comment");
                *line = '\0';
        }
        return line;
}

/* inih's reader (fgets contract): the next line of p->data into buf. */
static char *read_line(char *buf, int size, void *userdata) {
        ConfigParser *p = userdata;
        const char *start, *nl, *text;
        size_t len, tlen;

        if (p->pos >= p->size)
                return NULL;
        start = p->data + p->pos;
        nl = memchr(start, '\n', p->size - p->pos);
        len = nl ? (size_t) (nl - start) : p->size - p->pos;
        p->pos += len + !!nl;
        p->line++;
        if (len > 0 && start[len - 1] == '\r')
                len--;
        if (p->line == 1 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
                start += 3; /* UTF-8 byte order mark */
                len -= 3;
        }
        /* No leading blanks: inih would take an indented line as the
         * continuation of the previous value. */
        text = start;
        tlen = len;
        while (tlen > 0 && isspace((unsigned char) *text))
                text++, tlen--;

        buf[0] = '\0'; /* what inih gets for a comment or a refused line */
        if (tlen > 0 && (*text == ';' || *text == '#'))
                return buf; /* skipped whole, so even a long one cannot be split */
        if (memchr(start, '\0', len))
                parse_error(p, "line contains a NUL byte");
        /* Room for "\r\n\0", as ini.h asks, so the limit does not depend on line endings. */
        else if (size < 3 || len > (size_t) size - 3)
                parse_error(p, "line too long (%zu bytes, at most %d)", len, size - 3);
        else {
                memcpy(buf, text, tlen);
                buf[tlen] = '\0';
                return screen_line(p, buf);
        }
        if (tlen > 0 && *text == '[')
                p->section = SECTION_SKIP; /* a lost header: do not misfile its keys */
        return buf;
}

static int parse_duration_key(ConfigParser *p, const char *key, const char *value, const char *where,
                              bool nonzero, usec_t *ret) {
        usec_t d;

        if (parse_duration(value, &d) < 0)
                return parse_error(p, "invalid duration '%s' for %s%s", value, key, where);
        if (nonzero && d == 0)
                return parse_error(p, "invalid duration '%s' for %s%s: must be greater than 0",
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
                return parse_error(p, "invalid number '%s' for %s%s: must be between %u and %u",
                                   value, key, where, min, max);
        *ret = (unsigned) n;
        return 0;
}

static int supervisor_key(ConfigParser *p, const char *key, const char *value) {
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
                        return parse_error(p, "invalid value '%s' for bus: expected system or user", value);
                r = 0;
        } else if (streq(key, "state_directory")) {
                if (value[0] != '/')
                        return parse_error(p, "invalid path '%s' for state_directory: must be absolute",
                                           value);
                free(c->state_directory);
                c->state_directory = xstrdup(value);
                r = 0;
        } else if ((r = config_alerting_key(p, key, value)) == -ENOENT)
                r = parse_error(p, "unknown key '%s' in [supervisor]", key);
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
                return parse_error(p, "invalid host '%s'%s: must be a numeric IPv4 or IPv6 address",
                                   value, where);
        free(c->host);
        c->host = xstrdup(value);
        return 0;
}

static int check_key(ConfigParser *p, const char *key, const char *value, const char *label) {
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
                        return parse_error(p, "unknown check type '%s'", value);
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
                        return parse_error(p, "invalid unit name '%s'%s: "
                                           "expected a full name such as postfix.service", value, where);
                free(c->unit);
                c->unit = xstrdup(value);
        } else if (streq(key, "action")) {
                if (check_action_from_string(value, &c->action) < 0)
                        return parse_error(p, "invalid value '%s' for action%s: "
                                           "expected restart, alert or none", value, where);
                m->action_given = true;
        } else if (streq(key, "timeout")) {
                r = parse_duration_key(p, key, value, where, true, &c->timeout);
                if (r < 0)
                        return r;
                m->timeout = here;
        } else {
                /* The type's own key, or a typo: only the final type can tell. */
                m->extras = config_grow(m->extras, m->n_extras, sizeof(ExtraKey));
                m->extras[m->n_extras++] = (ExtraKey) { xstrdup(key), xstrdup(value), here };
        }
        return 0;
}

/* inih's handler: always "success", since we collect errors ourselves and
 * inih's return value is kept for syntax errors. */
static int handle_key(void *userdata, const char *section, const char *key, const char *value) {
        ConfigParser *p = userdata;
        _cleanup_free_ char *label = NULL;
        bool sup = p->section == SECTION_SUPERVISOR;
        unsigned first;

        if (p->section == SECTION_NONE)
                (void) parse_error(p, "key '%s' before any section", key);
        if (p->section == SECTION_NONE || p->section == SECTION_SKIP)
                return 1;
        if (p->section == SECTION_NOTIFY) {
                config_notify_key(p, key, value);
                return 1;
        }
        if (sup)
                label = xstrdup("supervisor");
        else if (asprintf(&label, "check %s", p->config->checks[p->check].name) < 0)
                abort();
        first = config_seen_at(p, sup ? -1 : (long) p->check, key);
        if (first > 0)
                (void) parse_error(p, "duplicate key '%s' in [%s] (first given at %s:%u)",
                                   key, label, p->file, first);
        else if (sup)
                (void) supervisor_key(p, key, value);
        else
                (void) check_key(p, key, value, label);
        return 1;
}

int config_parse_buffer(ConfigParser *p, const char *file, const char *data, size_t size) {
        int r;

        p->file = file;
        p->line = 0;
        p->section = SECTION_NONE;
        p->data = data;
        p->size = size;
        p->pos = 0;

        r = ini_parse_stream(read_line, p, handle_key, p);

        for (size_t i = 0; i < p->n_seen; i++)
                free(p->seen[i].key);
        free(p->seen);
        p->seen = NULL;
        p->n_seen = 0;
        p->data = NULL;

        if (r == -2)
                return -ENOMEM;
        if (r > 0) {
                /* Something our screening let through; inih names only the first. */
                p->line = (unsigned) r;
                parse_error(p, "syntax error");
        }
        return 0;
}
