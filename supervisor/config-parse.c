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
 * Values are checked as they come (config-keys.c); what needs every file
 * (defaults, the type's own keys) is in config.c.
 *
 * See also: config-keys.c, config.c, config-internal.h.
 */
#include "supervisor/config-internal.h"

#include <ctype.h>
#include <ini.h>
#include <stdarg.h>

#define CHECK_NAME_MAX 64

/* See config-internal.h. */
int config_parse_error(ConfigParser *p, const char *fmt, ...) {
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
        char *id;
        size_t i;

        if ((key ? asprintf(&id, "%ld %s", section, key) : asprintf(&id, "%ld", section)) < 0)
                abort();
        if (strmap_get(&p->seen_index, id, &i)) {
                free(id);
                return p->seen[i].line;
        }
        p->seen = config_grow(p->seen, p->n_seen, sizeof(SeenKey));
        p->seen[p->n_seen] = (SeenKey) { id, p->line };
        if (strmap_put(&p->seen_index, id, p->n_seen) < 0)
                abort();
        p->n_seen++;
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
        unsigned first;
        size_t i;

        if (!*name)
                return config_parse_error(p, "missing check name in [check]");
        if (!check_name_valid(name))
                return config_parse_error(p, "invalid check name '%s' (up to %d letters, digits, '-', '_', '.')",
                                   name, CHECK_NAME_MAX);
        if (!strmap_get(&p->check_index, name, &i)) {
                i = config_add_check(p, name);
                if (strmap_put(&p->check_index, p->config->checks[i].name, i) < 0)
                        abort();
        }
        first = config_seen_at(p, (long) i, NULL);
        if (first > 0)
                return config_parse_error(p, "duplicate check '%s' (first defined at %s:%u)", name, p->file, first);
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
                        return config_parse_error(p, "duplicate section [supervisor] (first defined at %s:%u)",
                                           p->file, first);
                p->section = SECTION_SUPERVISOR;
                return 0;
        }
        if (strncmp(text, "check", 5) == 0 && (!text[5] || isspace((unsigned char) text[5])))
                return begin_check(p, strip(text + 5));
        if (strncmp(text, "notify", 6) == 0 && (!text[6] || isspace((unsigned char) text[6])))
                return config_begin_notify(p, strip(text + 6));
        return config_parse_error(p, "unknown section [%s]", text);
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
                        config_parse_error(p, "syntax error: missing ']' in section header");
                        *line = '\0';
                        return line;
                }
                *end = '\0';
                char *rest = strip(end + 1);
                if (*rest && *rest != ';' && *rest != '#') {
                        p->section = SECTION_SKIP;
                        config_parse_error(p, "syntax error: unexpected '%s' after section header", rest);
                } else
                        (void) begin_section(p, strip(line + 1));
                *line = '\0'; /* the section is ours to track: inih need not see it */
                return line;
        }
        end = find_chars_or_comment(line, "=:");
        if (*end != '=' && *end != ':') {
                config_parse_error(p, "syntax error: expected [section], key = value or comment");
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
                config_parse_error(p, "line contains a NUL byte");
        /* Room for "\r\n\0", as ini.h asks, so the limit does not depend on line endings. */
        else if (size < 3 || len > (size_t) size - 3)
                config_parse_error(p, "line too long (%zu bytes, at most %d)", len, size - 3);
        else {
                memcpy(buf, text, tlen);
                buf[tlen] = '\0';
                return screen_line(p, buf);
        }
        if (tlen > 0 && *text == '[')
                p->section = SECTION_SKIP; /* a lost header: do not misfile its keys */
        return buf;
}

/* inih's handler: always "success", since we collect errors ourselves and
 * inih's return value is kept for syntax errors. */
static int handle_key(void *userdata, const char *section, const char *key, const char *value) {
        ConfigParser *p = userdata;
        _cleanup_free_ char *label = NULL;
        bool sup = p->section == SECTION_SUPERVISOR;
        unsigned first;

        if (p->section == SECTION_NONE)
                (void) config_parse_error(p, "key '%s' before any section", key);
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
                (void) config_parse_error(p, "duplicate key '%s' in [%s] (first given at %s:%u)",
                                   key, label, p->file, first);
        else if (sup)
                (void) config_supervisor_key(p, key, value);
        else
                (void) config_check_key(p, key, value, label);
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
                free(p->seen[i].id);
        free(p->seen);
        strmap_clear(&p->seen_index);
        p->seen = NULL;
        p->n_seen = 0;
        p->data = NULL;

        if (r == -2)
                return -ENOMEM;
        if (r > 0) {
                /* Something our screening let through; inih names only the first. */
                p->line = (unsigned) r;
                config_parse_error(p, "syntax error");
        }
        return 0;
}
