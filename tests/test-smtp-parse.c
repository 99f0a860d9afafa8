/* test-smtp-parse.c: smtp_reply_parse() on recorded and hostile bytes.
 *
 * Real Postfix and Exim greetings and EHLO replies must parse; every prefix
 * of them must ask for more bytes (a reply split across reads); garbage,
 * mismatched codes, NULs, overlong lines and endless replies must fail
 * without reading past the buffer. Buffers are exact-size heap copies so
 * valgrind sees any out-of-range read.
 *
 * See also: probes/smtp-parse.h, test-probes.c (the same bytes over TCP).
 */
#include <errno.h>

#include "probes/smtp-parse.h"
#include "common/util.h"
#include "tests/tests.h"

#define B(s) s, sizeof(s) - 1

static const struct {
        const char *name;
        const char *bytes;
        size_t len;
        int r;
        unsigned code;
        const char *text;  /* first line's text, for r == 1 */
        size_t n_lines;
        size_t consumed;   /* 0: all of it */
} cases[] = {
        { "postfix greeting", B("220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n"), 1, 220,
          "mail.example.org ESMTP Postfix (Debian/GNU)", 1, 0 },
        { "postfix ehlo",
          B("250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
            "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
            "250 CHUNKING\r\n"), 1, 250, "mail.example.org", 11, 0 },
        { "exim greeting", B("220 mx.example.com ESMTP Exim 4.96 Mon, 24 Nov 2025 13:38:01 +0000\r\n"), 1, 220,
          "mx.example.com ESMTP Exim 4.96 Mon, 24 Nov 2025 13:38:01 +0000", 1, 0 },
        { "multi-line greeting", B("220-mx.example.net ESMTP\r\n220-no UCE\r\n220 ready\r\n"), 1, 220,
          "mx.example.net ESMTP", 3, 0 },
        { "postfix busy", B("421 4.3.2 All server ports are busy\r\n"), 1, 421, "4.3.2 All server ports are busy", 1, 0 },
        { "service not available", B("421 4.3.2 Service not available\r\n"), 1, 421, "4.3.2 Service not available", 1, 0 },
        { "554 multi-line", B("554-mx.example.org\r\n554 5.7.1 No SMTP service here\r\n"), 1, 554,
          "mx.example.org", 2, 0 },
        { "502 to ehlo", B("502 5.5.2 Error: command not recognized\r\n"), 1, 502,
          "5.5.2 Error: command not recognized", 1, 0 },
        { "LF only", B("220 host ESMTP\n"), 1, 220, "host ESMTP", 1, 0 },
        { "LF only multi-line", B("250-host\n250 SIZE\n"), 1, 250, "host", 2, 0 },
        { "bare code", B("250\r\n"), 1, 250, "", 1, 0 },
        { "bare code last line", B("250-host\r\n250\r\n"), 1, 250, "host", 2, 0 },
        { "empty text", B("250 \r\n"), 1, 250, "", 1, 0 },
        { "8-bit text", B("220 h\xc3\xa9llo\r\n"), 1, 220, "h\xc3\xa9llo", 1, 0 },
        { "next reply follows", B("250 ok\r\n221 2.0.0 Bye\r\n"), 1, 250, "ok", 1, 8 },
        { "pipelined tail incomplete", B("250 ok\r\n22"), 1, 250, "ok", 1, 8 },

        { "empty", B(""), 0, 0, NULL, 0, 0 },
        { "one digit", B("2"), 0, 0, NULL, 0, 0 },
        { "no line end", B("220 host"), 0, 0, NULL, 0, 0 },
        { "CR only", B("220 host\r"), 0, 0, NULL, 0, 0 },
        { "continuation only", B("250-a\r\n"), 0, 0, NULL, 0, 0 },
        { "continuation and part", B("250-a\r\n25"), 0, 0, NULL, 0, 0 },

        { "garbage", B("garbage\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "http", B("HTTP/1.1 400 Bad Request\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "garbage without line end", B("HTTP"), -EBADMSG, 0, NULL, 0, 0 },
        { "letter in code", B("2x0 hello\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "missing space", B("220hello\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "four digits", B("2200 hello\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "short code", B("22\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "empty line", B("\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "leading space", B(" 220 x\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "code 600", B("600 x\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "code 199", B("199 x\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "code 260", B("260 x\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "NUL in text", B("220 a\0b\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "NUL after code", B("220\0b\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "NULs", B("\0\0\0\0"), -EBADMSG, 0, NULL, 0, 0 },
        { "NUL before line end", B("220 abc\0"), -EBADMSG, 0, NULL, 0, 0 },
        { "CR inside after code", B("220\rX\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "mismatched codes", B("250-a\r\n251 b\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "bad second line", B("250-a\r\n250x\r\n"), -EBADMSG, 0, NULL, 0, 0 },
        { "binary", B("\xff\xfe\xfd\r\n"), -EBADMSG, 0, NULL, 0, 0 },
};

static int parse_copy(const char *bytes, size_t len, SmtpReply *reply) {
        char *copy = malloc(len ? len : 1);
        int r;

        memcpy(copy, bytes, len);
        r = smtp_reply_parse(copy, len, reply);
        free(copy);
        return r;
}

static void test_table(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                SmtpReply reply = {};
                char *copy = malloc(cases[i].len ? cases[i].len : 1);
                int r;

                memcpy(copy, cases[i].bytes, cases[i].len);
                r = smtp_reply_parse(copy, cases[i].len, &reply);
                if (r != cases[i].r)
                        fprintf(stderr, "case \"%s\":\n", cases[i].name);
                CHECK_INT(r, cases[i].r);
                if (r == 1 && cases[i].r == 1) {
                        char text[256];

                        snprintf(text, sizeof(text), "%.*s", (int) reply.text_len, reply.text);
                        CHECK_INT(reply.code, cases[i].code);
                        CHECK_STREQ(text, cases[i].text);
                        CHECK_INT(reply.n_lines, cases[i].n_lines);
                        CHECK_INT(reply.consumed, cases[i].consumed ? cases[i].consumed : cases[i].len);
                        CHECK(reply.text >= copy && reply.text + reply.text_len <= copy + cases[i].len);
                }
                free(copy);
        }
}

/* A reply split across reads at any offset: every prefix asks for more (or,
 * for bad bytes, already fails the same way); never a reply too early. */
static void test_split_everywhere(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t end = cases[i].r == 1 ? (cases[i].consumed ? cases[i].consumed : cases[i].len) : cases[i].len;

                for (size_t k = 0; k < end; k++) {
                        SmtpReply reply;
                        int r = parse_copy(cases[i].bytes, k, &reply);

                        if (cases[i].r == 1)
                                CHECK_INT(r, 0);
                        else
                                CHECK(r == 0 || r == cases[i].r);
                }
        }
}

static void test_bounds(void) {
        size_t big = 10 * 1024 * 1024;
        char *buf = malloc(big);
        SmtpReply reply;

        /* 10 MB after a good start and no line end: overlong, found in bounded time. */
        memset(buf, 'x', big);
        memcpy(buf, "220 ", 4);
        CHECK_INT(smtp_reply_parse(buf, big, &reply), -EMSGSIZE);

        /* A line of exactly SMTP_LINE_MAX bytes, CRLF included, is fine; one more is not. */
        memcpy(buf + SMTP_LINE_MAX - 2, "\r\n", 2);
        CHECK_INT(smtp_reply_parse(buf, SMTP_LINE_MAX, &reply), 1);
        CHECK_INT(reply.consumed, SMTP_LINE_MAX);
        memset(buf, 'x', SMTP_LINE_MAX + 1);
        memcpy(buf, "220 ", 4);
        memcpy(buf + SMTP_LINE_MAX - 1, "\r\n", 2);
        CHECK_INT(smtp_reply_parse(buf, SMTP_LINE_MAX + 1, &reply), -EMSGSIZE);

        /* SMTP_REPLY_LINES_MAX lines are fine, one more is not, nor an endless reply. */
        size_t n = 0;
        for (unsigned i = 0; i + 1 < SMTP_REPLY_LINES_MAX; i++)
                n += (size_t) sprintf(buf + n, "250-x\r\n");
        n += (size_t) sprintf(buf + n, "250 x\r\n");
        CHECK_INT(smtp_reply_parse(buf, n, &reply), 1);
        CHECK_INT(reply.n_lines, SMTP_REPLY_LINES_MAX);
        memcpy(buf + n - 7, "250-x\r\n250 x\r\n", 14);
        CHECK_INT(smtp_reply_parse(buf, n + 7, &reply), -E2BIG);
        n = 0;
        while (n + 7 < big)
                n += (size_t) sprintf(buf + n, "250-x\r\n");
        CHECK_INT(smtp_reply_parse(buf, n, &reply), -E2BIG);
        free(buf);
}

/* Random bytes from an SMTP-ish alphabet: any answer is fine as long as it
 * is one of the documented ones and a reply stays inside the buffer. */
static void test_fuzz(void) {
        static const char alphabet[] = "2505- \r\n\0xA";
        unsigned seed = 42, bad = 0;

        for (unsigned iter = 0; iter < 100000; iter++) {
                size_t len = (size_t) (rand_r(&seed) % 40);
                char *buf = malloc(len ? len : 1);
                SmtpReply reply;
                int r;

                for (size_t i = 0; i < len; i++)
                        buf[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
                r = smtp_reply_parse(buf, len, &reply);
                if (!(r == 0 || r == 1 || r == -EBADMSG || r == -EMSGSIZE || r == -E2BIG))
                        bad++;
                if (r == 1 && !(reply.consumed > 0 && reply.consumed <= len && reply.code >= 200 &&
                                reply.code <= 559 && reply.text + reply.text_len <= buf + len))
                        bad++;
                free(buf);
        }
        CHECK_INT(bad, 0);
}

int main(void) {
        test_table();
        test_split_everywhere();
        test_bounds();
        test_fuzz();
        return tests_summary("test-smtp-parse");
}
