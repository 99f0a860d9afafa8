/* imap-response.c: whole IMAP responses, SEARCH and FETCH (see imap-response.h).
 *
 * A response is walked line by line with the same bounds as imap-parse.c;
 * a literal's size is read from the "{n}" that ends a line and checked
 * before a single byte of it is awaited. FETCH's attribute list is read by
 * a small cursor over values RFC 3501 allows there (numbers, atoms,
 * "quoted", {n} literals, NIL, nested lists), depth and length bounded by
 * the response, which the span already bounded.
 *
 * See also: imap-parse.c, roundtrip-imap.c, tests/test-imap-parse.c.
 */
#include "probes/imap-response.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "probes/imap-parse.h"

#define LIST_DEPTH_MAX 8

/* The literal size announced at the end of line[0, n) (CR LF excluded), or
 * -ENOENT when the line does not end in "{digits}" ("{n+}" too, LITERAL+). */
static int literal_size(const char *line, size_t n, uint64_t *ret) {
        size_t i;
        uint64_t v = 0;

        if (n < 3 || line[n - 1] != '}')
                return -ENOENT;
        i = n - 1;
        if (line[i - 1] == '+')
                i--;
        while (i > 0 && isdigit((unsigned char) line[i - 1]))
                i--;
        if (i == 0 || line[i - 1] != '{')
                return -ENOENT;
        if ((n - 1) - i == 0 || (n - 1) - i > 12)
                return line[n - 2] == '{' ? -EBADMSG : (n - 1) - i > 12 ? -EFBIG : -ENOENT;
        for (size_t k = i; k < n - 1 && isdigit((unsigned char) line[k]); k++)
                v = v * 10 + (uint64_t) (line[k] - '0');
        *ret = v;
        return 0;
}

int imap_response_span(const char *buf, size_t len, size_t *ret_consumed, uint64_t *ret_announced) {
        size_t pos = 0;

        for (unsigned literals = 0;; literals++) {
                size_t window = len - pos < IMAP_LINE_MAX ? len - pos : IMAP_LINE_MAX, n;
                const char *line = buf + pos, *lf = memchr(line, '\n', window);
                uint64_t size;
                int r;

                if (memchr(line, '\0', lf ? (size_t) (lf - line) : window))
                        return -EBADMSG;
                if (!lf)
                        return len - pos >= IMAP_LINE_MAX ? -EMSGSIZE : 0;
                n = (size_t) (lf - line);
                if (n > 0 && line[n - 1] == '\r')
                        n--;
                r = literal_size(line, n, &size);
                if (r == -ENOENT) {
                        *ret_consumed = pos + (size_t) (lf - line) + 1;
                        return 1;
                }
                if (r == -EFBIG || (r >= 0 && size > IMAP_LITERAL_MAX)) {
                        if (ret_announced)
                                *ret_announced = r >= 0 ? size : UINT64_MAX;
                        return -EFBIG;
                }
                if (r < 0)
                        return r;
                if (literals + 1 > IMAP_RESPONSE_LITERALS_MAX)
                        return -E2BIG;
                pos += (size_t) (lf - line) + 1;
                if (len - pos < size)
                        return 0; /* the literal's bytes are still coming */
                pos += size;
        }
}

int imap_search_parse(const char *text, size_t len, uint32_t *uids, size_t max, size_t *ret_n) {
        size_t i = 6, n = 0;
        bool more = false;

        if (len < 6 || strncasecmp(text, "SEARCH", 6) != 0 || (len > 6 && text[6] != ' '))
                return -EBADMSG;
        while (i < len) {
                uint64_t v = 0;
                size_t start;

                if (text[i] != ' ')
                        return -EBADMSG;
                i++;
                start = i;
                while (i < len && isdigit((unsigned char) text[i]) && i - start < 10)
                        v = v * 10 + (uint64_t) (text[i++] - '0');
                if (i == start || v == 0 || v > UINT32_MAX || (i < len && text[i] != ' '))
                        return -EBADMSG;
                if (n < max)
                        uids[n++] = (uint32_t) v;
                else
                        more = true;
        }
        *ret_n = n;
        return more ? -E2BIG : 0;
}

typedef struct Cursor {
        const char *p, *end;
} Cursor;

/* A value of a FETCH list at c: its bytes in v and vlen (a quoted string or
 * a literal without its delimiters, a list with them). */
static int read_value(Cursor *c, const char **v, size_t *vlen, unsigned depth) {
        const char *start = c->p;

        if (c->p >= c->end || depth > LIST_DEPTH_MAX)
                return -EBADMSG;
        if (*c->p == '"') {
                for (c->p++; c->p < c->end && *c->p != '"'; c->p++)
                        if (*c->p == '\\' && ++c->p >= c->end)
                                return -EBADMSG;
                if (c->p >= c->end)
                        return -EBADMSG;
                *v = start + 1;
                *vlen = (size_t) (c->p++ - start - 1);
                return 0;
        }
        if (*c->p == '{') {
                uint64_t size = 0;

                for (c->p++; c->p < c->end && isdigit((unsigned char) *c->p); c->p++)
                        size = size * 10 + (uint64_t) (*c->p - '0');
                if (c->p < c->end && *c->p == '+')
                        c->p++;
                if (c->end - c->p < 3 || memcmp(c->p, "}\r\n", 3) != 0 || size > (uint64_t) (c->end - c->p - 3))
                        return -EBADMSG;
                *v = c->p + 3;
                *vlen = (size_t) size;
                c->p += 3 + size;
                return 0;
        }
        if (*c->p == '(') {
                for (c->p++; c->p < c->end && *c->p != ')';) {
                        const char *iv;
                        size_t il;

                        if (*c->p == ' ') {
                                c->p++;
                                continue;
                        }
                        if (read_value(c, &iv, &il, depth + 1) < 0)
                                return -EBADMSG;
                }
                if (c->p >= c->end)
                        return -EBADMSG;
                c->p++;
                *v = start;
                *vlen = (size_t) (c->p - start);
                return 0;
        }
        /* An atom or a number; a section's brackets may hold blanks: BODY[HEADER.FIELDS (A B)]. */
        for (unsigned brackets = 0; c->p < c->end && *c->p != '\r' && *c->p != '\n' &&
                                    (brackets > 0 || (*c->p != ' ' && *c->p != ')' && *c->p != '('));
             c->p++) {
                if (*c->p == '[')
                        brackets++;
                else if (*c->p == ']' && brackets > 0)
                        brackets--;
        }
        if (c->p == start)
                return -EBADMSG;
        *v = start;
        *vlen = (size_t) (c->p - start);
        return 0;
}

static bool word_is(const char *v, size_t n, const char *word) {
        return n == strlen(word) && strncasecmp(v, word, n) == 0;
}

static int parse_number(const char *v, size_t n, uint32_t *ret) {
        uint64_t x = 0;

        if (n == 0 || n > 10)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char) v[i]))
                        return -EBADMSG;
                x = x * 10 + (uint64_t) (v[i] - '0');
        }
        if (x > UINT32_MAX)
                return -EBADMSG;
        *ret = (uint32_t) x;
        return 0;
}

/* One "NAME value" pair of the list; what we do not ask for is skipped. */
static int read_att(Cursor *c, ImapFetch *f) {
        const char *name, *v;
        size_t nlen, vlen;

        if (read_value(c, &name, &nlen, 0) < 0 || c->p >= c->end || *c->p++ != ' ' ||
            read_value(c, &v, &vlen, 0) < 0)
                return -EBADMSG;
        if (word_is(name, nlen, "UID"))
                return parse_number(v, vlen, &f->uid);
        if (word_is(name, nlen, "INTERNALDATE"))
                return imap_date_parse(v, vlen, &f->internal_date);
        if (word_is(name, nlen, "BODY[HEADER]") || word_is(name, nlen, "RFC822.HEADER")) {
                f->header = word_is(v, vlen, "NIL") ? NULL : v;
                f->header_len = f->header ? vlen : 0;
        }
        return 0;
}

int imap_fetch_parse(const char *resp, size_t len, ImapFetch *ret) {
        ImapFetch f = {};
        Cursor c = { resp, resp + len };
        const char *v;
        size_t vlen;

        if (len < 2 || memcmp(resp, "* ", 2) != 0)
                return -EBADMSG;
        c.p += 2;
        if (read_value(&c, &v, &vlen, 0) < 0 || parse_number(v, vlen, &f.seq) < 0)
                return 0; /* "* SEARCH", "* OK": not a FETCH */
        if (c.p >= c.end || *c.p++ != ' ' || read_value(&c, &v, &vlen, 0) < 0)
                return -EBADMSG;
        if (!word_is(v, vlen, "FETCH"))
                return 0; /* "* 3 EXISTS", "* 2 EXPUNGE" */
        if (c.end - c.p < 2 || *c.p++ != ' ' || *c.p++ != '(')
                return -EBADMSG;
        while (c.p < c.end && *c.p != ')') {
                if (read_att(&c, &f) < 0)
                        return -EBADMSG;
                if (c.p < c.end && *c.p == ' ')
                        c.p++;
        }
        if (c.p >= c.end || *c.p++ != ')' || (c.p < c.end && *c.p != '\r' && *c.p != '\n'))
                return -EBADMSG;
        *ret = f;
        return 1;
}

int imap_date_parse(const char *s, size_t len, usec_t *ret) {
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        char buf[32];
        struct tm tm = {};
        int day, year, hh, mm, ss, zone, consumed = 0;
        char mon[4], sign;
        const char *m;
        time_t t;

        if (len >= sizeof(buf))
                return -EBADMSG;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (sscanf(buf, "%2d-%3c-%4d %2d:%2d:%2d %c%4d%n", &day, mon, &year, &hh, &mm, &ss, &sign, &zone,
                   &consumed) != 8 || (size_t) consumed != len || (sign != '+' && sign != '-'))
                return -EBADMSG;
        mon[3] = '\0';
        m = strstr(months, mon);
        if (!m || (m - months) % 3 != 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1970 ||
            zone % 100 > 59)
                return -EBADMSG;
        tm = (struct tm) { .tm_year = year - 1900, .tm_mon = (int) ((m - months) / 3), .tm_mday = day,
                           .tm_hour = hh, .tm_min = mm, .tm_sec = ss };
        t = timegm(&tm);
        if (t == (time_t) -1)
                return -EBADMSG;
        t -= (sign == '-' ? -1 : 1) * ((zone / 100) * 3600 + (zone % 100) * 60);
        if (t < 0)
                return -EBADMSG;
        *ret = (usec_t) t * USEC_PER_SEC;
        return 0;
}
