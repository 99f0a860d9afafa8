/* roundtrip-parse.c: the canary's pure parsers (see roundtrip.h).
 *
 * A canary is known by one header, X-Mailsup-Canary: "check=NAME;
 * sent=USEC; id=HEX": the check that sent it (a sweep touches no other
 * check's canaries, nor anybody's mail), when (its latency survives a
 * restart of mailsupd), and which one. Header blocks come from the IMAP
 * server (bounded by imap-response.c); lines are unfolded into a bounded
 * buffer before a pattern sees them, a longer line is cut there.
 * postqueue -j lines are JSON objects Postfix writes; only the keys we
 * need are read, from string values, with JSON's escapes undone.
 *
 * See also: roundtrip.c, tests/test-roundtrip-parse.c.
 */
#include "probes/roundtrip.h"

#include <ctype.h>
#include <inttypes.h>
#include <strings.h>

#define HEADER_LINE_MAX 2048

int canary_header_format(char *buf, size_t size, const char *check, const Canary *c) {
        int n = snprintf(buf, size, "check=%s; sent=%" PRIu64 "; id=%s", check, (uint64_t) c->sent, c->id);

        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

int canary_search_key(char *buf, size_t size, const char *check) {
        int n = snprintf(buf, size, "check=%s;", check);

        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

/* The next unfolded header line of hdr[*pos, len) into line (cut at
 * size - 1); false at the header block's end. */
static bool next_header_line(const char *hdr, size_t len, size_t *pos, char *line, size_t size) {
        size_t n = 0, i = *pos;

        if (i >= len || hdr[i] == '\r' || hdr[i] == '\n')
                return false;
        for (;;) {
                const char *lf = memchr(hdr + i, '\n', len - i);
                size_t end = lf ? (size_t) (lf - hdr) : len, stop = end;

                if (stop > i && hdr[stop - 1] == '\r')
                        stop--;
                for (size_t k = i; k < stop && n + 1 < size; k++)
                        line[n++] = hdr[k] == '\0' ? ' ' : hdr[k];
                i = lf ? end + 1 : len;
                if (i >= len || (hdr[i] != ' ' && hdr[i] != '\t'))
                        break;
        }
        line[n] = '\0';
        *pos = i;
        return true;
}

static int parse_u64(const char *s, size_t n, uint64_t *ret) {
        uint64_t v = 0;

        if (n == 0 || n > 19)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char) s[i]))
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        *ret = v;
        return 0;
}

/* "check=NAME; sent=USEC; id=HEX" of check into *ret. */
static int parse_value(const char *v, const char *check, Canary *ret) {
        char key[128];
        const char *sent, *id, *end;
        uint64_t usec;
        size_t n;

        while (*v == ' ' || *v == '\t')
                v++;
        if (canary_search_key(key, sizeof(key), check) < 0 || strncmp(v, key, strlen(key)) != 0)
                return 0;
        sent = strstr(v, "; sent=");
        id = strstr(v, "; id=");
        if (!sent || !id || id < sent)
                return 0;
        sent += strlen("; sent=");
        if (parse_u64(sent, strcspn(sent, ";"), &usec) < 0)
                return 0;
        id += strlen("; id=");
        for (end = id; isxdigit((unsigned char) *end); end++)
                ;
        n = (size_t) (end - id);
        if (n == 0 || n >= RT_ID_MAX || (*end != '\0' && *end != ' '))
                return 0;
        *ret = (Canary) { .sent = usec };
        memcpy(ret->id, id, n);
        return 1;
}

int canary_header_parse(const char *hdr, size_t len, const char *check, Canary *ret) {
        char line[HEADER_LINE_MAX];
        size_t pos = 0, name = strlen(RT_HEADER_NAME);

        while (next_header_line(hdr, len, &pos, line, sizeof(line)))
                if (strncasecmp(line, RT_HEADER_NAME, name) == 0 && line[name] == ':')
                        return parse_value(line + name + 1, check, ret);
        return 0;
}

bool header_block_matches(const char *hdr, size_t len, const regex_t *re) {
        char line[HEADER_LINE_MAX];
        size_t pos = 0;

        while (next_header_line(hdr, len, &pos, line, sizeof(line)))
                if (regexec(re, line, 0, NULL, 0) == 0)
                        return true;
        return false;
}

/* The JSON string value of "key" in line[0, len) into buf (cut at size - 1),
 * escapes undone (\uXXXX as '?'). -ENOENT when absent, -EBADMSG if cut off. */
static int json_string_value(const char *line, size_t len, const char *key, char *buf, size_t size) {
        char pat[64];
        const char *end = line + len, *p;
        size_t n = 0;

        snprintf(pat, sizeof(pat), "\"%s\":", key);
        p = memmem(line, len, pat, strlen(pat));
        if (!p)
                return -ENOENT;
        for (p += strlen(pat); p < end && *p == ' '; p++)
                ;
        if (p >= end || *p++ != '"')
                return -EBADMSG;
        for (; p < end && *p != '"'; p++) {
                char ch = *p;

                if (ch == '\\') {
                        if (++p >= end)
                                return -EBADMSG;
                        ch = *p == 'n' || *p == 't' || *p == 'r' ? ' ' : *p == 'u' ? '?' : *p;
                        if (*p == 'u')
                                p += end - p > 4 ? 4 : end - p - 1;
                }
                if (n + 1 < size)
                        buf[n++] = ch;
        }
        if (p >= end)
                return -EBADMSG;
        buf[n] = '\0';
        return 0;
}

int postqueue_line_parse(const char *line, size_t len, const char *queue_id, char *buf, size_t size) {
        char id[SMTP_QUEUE_ID_MAX + 1], queue[32], why[RT_STUCK_MAX];
        int r;

        if (len == 0 || line[0] != '{')
                return -EBADMSG;
        r = json_string_value(line, len, "queue_id", id, sizeof(id));
        if (r < 0)
                return -EBADMSG;
        if (!streq(id, queue_id))
                return 0;
        if (json_string_value(line, len, "queue_name", queue, sizeof(queue)) < 0)
                return -EBADMSG;
        /* recipients come after the message's own keys: the first delay_reason is the first recipient's. */
        r = json_string_value(line, len, "delay_reason", why, sizeof(why));
        if (r == 0 && why[0])
                snprintf(buf, size, "%s: %s", queue, why);
        else
                snprintf(buf, size, "still in the %s queue", queue);
        return 1;
}
