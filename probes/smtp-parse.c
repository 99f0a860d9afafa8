/* smtp-parse.c: one SMTP reply out of a byte buffer (see smtp-parse.h).
 *
 * Every look at the buffer is bounded by len and by SMTP_LINE_MAX, and the
 * loop advances one whole line per turn up to SMTP_REPLY_LINES_MAX, so
 * hostile bytes cost at most a bounded scan and never an out-of-range read.
 * Bad bytes are reported as soon as they are seen, without waiting for the
 * line end: "HTTP/1.1 400" or binary noise fails on its first byte.
 *
 * See also: smtp.c, tests/test-smtp-parse.c.
 */
#include "probes/smtp-parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Reply codes are [2-5][0-5][0-9] (RFC 5321 4.2.1), followed by SP, '-' or
 * the line end. Checks as much of it as buf holds. */
static int check_prefix(const char *p, size_t avail) {
        static const char lo[3] = { '2', '0', '0' }, hi[3] = { '5', '5', '9' };

        for (size_t i = 0; i < 3 && i < avail; i++)
                if (p[i] < lo[i] || p[i] > hi[i])
                        return -EBADMSG;
        if (avail > 3 && !memchr(" -\r\n", p[3], 4))
                return -EBADMSG; /* "250x", "2500", "250\0" */
        return 0;
}

/* Finds the line starting at p. Returns 1 and the offset of its LF, 0 when
 * the line is still incomplete, or a negative errno. */
static int find_line_end(const char *p, size_t avail, size_t *ret_lf) {
        size_t window = avail < SMTP_LINE_MAX ? avail : SMTP_LINE_MAX;
        const char *lf;
        int r;

        r = check_prefix(p, avail);
        if (r < 0)
                return r;
        lf = memchr(p, '\n', window);
        if (memchr(p, '\0', lf ? (size_t) (lf - p) : window))
                return -EBADMSG;
        if (!lf)
                return avail >= SMTP_LINE_MAX ? -EMSGSIZE : 0;
        *ret_lf = (size_t) (lf - p);
        return 1;
}

int smtp_reply_parse(const char *buf, size_t len, SmtpReply *ret) {
        SmtpReply reply = {};
        size_t pos = 0;

        for (;;) {
                const char *line = buf + pos;
                size_t lf, content;
                unsigned code;
                bool last;
                int r;

                r = find_line_end(line, len - pos, &lf);
                if (r <= 0)
                        return r;
                content = lf > 0 && line[lf - 1] == '\r' ? lf - 1 : lf;
                if (content < 3)
                        return -EBADMSG;
                /* A bare code is a last line; a CR right after the code must be the line end. */
                last = content == 3 || line[3] == ' ';
                if (content > 3 && line[3] == '\r')
                        return -EBADMSG;

                code = (unsigned) (line[0] - '0') * 100 + (unsigned) (line[1] - '0') * 10 +
                       (unsigned) (line[2] - '0');
                if (reply.n_lines == 0) {
                        reply.code = code;
                        reply.text = content > 3 ? line + 4 : line + 3;
                        reply.text_len = content > 3 ? content - 4 : 0;
                } else if (code != reply.code)
                        return -EBADMSG;
                reply.n_lines++;
                pos += lf + 1;

                if (last) {
                        reply.consumed = pos;
                        *ret = reply;
                        return 1;
                }
                if (reply.n_lines >= SMTP_REPLY_LINES_MAX)
                        return -E2BIG;
        }
}

/* Whether params[0, n) holds word as a blank-separated item. */
static bool has_word(const char *params, size_t n, const char *word) {
        size_t w = strlen(word);

        for (size_t i = 0; i < n;) {
                size_t j = i;

                while (j < n && params[j] != ' ')
                        j++;
                if (j - i == w && strncasecmp(params + i, word, w) == 0)
                        return true;
                i = j + 1;
        }
        return false;
}

bool smtp_ehlo_offers(const char *buf, size_t len, const char *keyword, const char *param) {
        size_t k = strlen(keyword);

        for (const char *l = buf, *end = buf + len; l < end;) {
                const char *lf = memchr(l, '\n', (size_t) (end - l));
                size_t n = lf ? (size_t) (lf - l) : (size_t) (end - l);

                if (n > 0 && l[n - 1] == '\r')
                        n--;
                /* The first line greets with the host name; keywords follow. */
                if (l != buf && n >= 4 + k && strncasecmp(l + 4, keyword, k) == 0 && (n == 4 + k || l[4 + k] == ' ') &&
                    (!param || (n > 5 + k && has_word(l + 5 + k, n - 5 - k, param))))
                        return true;
                if (!lf)
                        break;
                l = lf + 1;
        }
        return false;
}

int smtp_queue_id_parse(const char *text, size_t len, char *buf, size_t size) {
        static const char marker[] = "queued as ";
        const size_t m = sizeof(marker) - 1;

        for (size_t i = 0; i + m <= len; i++) {
                size_t n = 0;

                if (strncasecmp(text + i, marker, m) != 0)
                        continue;
                while (i + m + n < len && isalnum((unsigned char) text[i + m + n]))
                        n++;
                if (n == 0 || n > SMTP_QUEUE_ID_MAX || n >= size)
                        return -ENOENT;
                memcpy(buf, text + i + m, n);
                buf[n] = '\0';
                return 0;
        }
        return -ENOENT;
}
