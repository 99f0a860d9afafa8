/* test-imap-parse.c: imap_line_parse() on recorded and hostile bytes.
 *
 * Real Dovecot, Courier and Cyrus greetings and the LOGOUT exchange must
 * classify right (Dovecot's "Waiting for authentication process" is an OK
 * greeting); every prefix must ask for more bytes; bad tags, unknown tagged
 * words, NULs, stray CRs and overlong lines must fail without reading past
 * the buffer (exact-size heap copies, for valgrind).
 *
 * See also: probes/imap-parse.h, test-probes.c (the same bytes over TCP).
 */
#include <errno.h>

#include "probes/imap-parse.h"
#include "common/util.h"
#include "tests/tests.h"

#define B(s) s, sizeof(s) - 1
#define DOVECOT_GREETING                                                                     \
        "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS " \
        "AUTH=PLAIN] Dovecot (Debian) ready.\r\n"

static const struct {
        const char *name;
        const char *bytes;
        size_t len;
        int r;
        ImapKind kind;
        const char *tag;   /* NULL: untagged */
        const char *text;
        size_t consumed;   /* 0: all of it */
} cases[] = {
        { "dovecot greeting", B(DOVECOT_GREETING), 1, IMAP_UNTAGGED_OK, NULL,
          "[CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] "
          "Dovecot (Debian) ready.", 0 },
        { "dovecot waiting for auth", B("* OK Waiting for authentication process to respond..\r\n"), 1,
          IMAP_UNTAGGED_OK, NULL, "Waiting for authentication process to respond..", 0 },
        { "courier greeting",
          B("* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT SORT QUOTA IDLE "
            "STARTTLS] Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.\r\n"), 1,
          IMAP_UNTAGGED_OK, NULL,
          "[CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT SORT QUOTA IDLE STARTTLS] "
          "Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.", 0 },
        { "cyrus greeting", B("* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS] imap.example.org Cyrus IMAP 3.6.1 server ready\r\n"),
          1, IMAP_UNTAGGED_OK, NULL, "[CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS] imap.example.org Cyrus IMAP 3.6.1 server ready", 0 },
        { "preauth", B("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as joe\r\n"), 1, IMAP_UNTAGGED_PREAUTH, NULL,
          "[CAPABILITY IMAP4rev1] Logged in as joe", 0 },
        { "bye greeting", B("* BYE Too many connections, try again later\r\n"), 1, IMAP_UNTAGGED_BYE, NULL,
          "Too many connections, try again later", 0 },
        { "dovecot shutdown", B("* BYE Server shutting down.\r\n"), 1, IMAP_UNTAGGED_BYE, NULL, "Server shutting down.", 0 },
        { "logout exchange", B("* BYE Logging out\r\nm1 OK Logout completed (0.001 + 0.000 secs).\r\n"), 1,
          IMAP_UNTAGGED_BYE, NULL, "Logging out", 19 },
        { "logout ok", B("m1 OK Logout completed (0.001 + 0.000 secs).\r\n"), 1, IMAP_TAGGED_OK, "m1",
          "Logout completed (0.001 + 0.000 secs).", 0 },
        { "tagged no", B("m1 NO [UNAVAILABLE] Temporary failure\r\n"), 1, IMAP_TAGGED_NO, "m1",
          "[UNAVAILABLE] Temporary failure", 0 },
        { "tagged bad", B("m1 BAD Error in IMAP command LOGOUT: Unknown command.\r\n"), 1, IMAP_TAGGED_BAD, "m1",
          "Error in IMAP command LOGOUT: Unknown command.", 0 },
        { "lower case, LF only", B("* ok hi\n"), 1, IMAP_UNTAGGED_OK, NULL, "hi", 0 },
        { "bare OK", B("* OK\r\n"), 1, IMAP_UNTAGGED_OK, NULL, "", 0 },
        { "capability", B("* CAPABILITY IMAP4rev1 IDLE\r\n"), 1, IMAP_UNTAGGED_OTHER, NULL, "CAPABILITY IMAP4rev1 IDLE", 0 },
        { "exists", B("* 3 EXISTS\r\n"), 1, IMAP_UNTAGGED_OTHER, NULL, "3 EXISTS", 0 },
        { "untagged no", B("* NO Disk full\r\n"), 1, IMAP_UNTAGGED_NO, NULL, "Disk full", 0 },
        { "continuation", B("+ Ready\r\n"), 1, IMAP_CONTINUATION, NULL, "Ready", 0 },
        { "bare continuation", B("+\r\n"), 1, IMAP_CONTINUATION, NULL, "", 0 },
        { "tag with ]", B("a]1 OK done\r\n"), 1, IMAP_TAGGED_OK, "a]1", "done", 0 },

        { "empty", B(""), 0, 0, NULL, NULL, 0 },
        { "star", B("*"), 0, 0, NULL, NULL, 0 },
        { "no line end", B("* OK Dovecot ready."), 0, 0, NULL, NULL, 0 },
        { "CR only", B("* OK hi\r"), 0, 0, NULL, NULL, 0 },
        { "tagged, no line end", B("m1 OK Logout"), 0, 0, NULL, NULL, 0 },

        { "garbage", B("garbage without status\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "http", B("HTTP/1.1 400 Bad Request\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "smtp greeting", B("220 mail.example.org ESMTP Postfix\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "empty line", B("\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "star alone", B("*\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "star space", B("* \r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "missing space", B("*OK hi\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "tab after word", B("* OK\thi\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "tagged preauth", B("m1 PREAUTH hi\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "tagged bye", B("m1 BYE hi\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "tag alone", B("m1\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "tag and space", B("m1 \r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "plus then text", B("+m1 OK\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "bad first byte", B("(foo) OK\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "bad first byte, no line end", B("{5}"), -EBADMSG, 0, NULL, NULL, 0 },
        { "NUL first", B("\0* OK\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "NUL inside", B("* OK a\0b\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "NUL, no line end", B("* OK a\0"), -EBADMSG, 0, NULL, NULL, 0 },
        { "CR inside", B("* OK a\rb\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
        { "binary", B("\xff\xfe\r\n"), -EBADMSG, 0, NULL, NULL, 0 },
};

static void check_case(size_t i, const char *copy, int r, const ImapLine *l) {
        char text[512], tag[64];

        if (r != cases[i].r)
                fprintf(stderr, "case \"%s\":\n", cases[i].name);
        CHECK_INT(r, cases[i].r);
        if (r != 1 || cases[i].r != 1)
                return;
        snprintf(text, sizeof(text), "%.*s", (int) l->text_len, l->text);
        snprintf(tag, sizeof(tag), "%.*s", (int) l->tag_len, l->tag ? l->tag : "");
        CHECK_INT(l->kind, cases[i].kind);
        CHECK_STREQ(text, cases[i].text);
        CHECK(!l->tag == !cases[i].tag);
        if (cases[i].tag)
                CHECK_STREQ(tag, cases[i].tag);
        CHECK_INT(l->consumed, cases[i].consumed ? cases[i].consumed : cases[i].len);
        CHECK(l->text >= copy && l->text + l->text_len <= copy + cases[i].len);
}

static void test_table(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *copy = malloc(cases[i].len ? cases[i].len : 1);
                ImapLine l = {};

                memcpy(copy, cases[i].bytes, cases[i].len);
                check_case(i, copy, imap_line_parse(copy, cases[i].len, &l), &l);
                free(copy);
        }
}

static void test_split_everywhere(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t end = cases[i].r == 1 && cases[i].consumed ? cases[i].consumed : cases[i].len;

                for (size_t k = 0; k < end; k++) {
                        char *copy = malloc(k ? k : 1);
                        ImapLine l;
                        int r;

                        memcpy(copy, cases[i].bytes, k);
                        r = imap_line_parse(copy, k, &l);
                        if (cases[i].r == 1)
                                CHECK_INT(r, 0);
                        else
                                CHECK(r == 0 || r == cases[i].r);
                        free(copy);
                }
        }
}

/* The probe's whole LOGOUT answer, read line after line from one buffer. */
static void test_logout_sequence(void) {
        static const char bytes[] = "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n"
                                    "* BYE Logging out\r\n"
                                    "m1 OK Logout completed (0.001 + 0.000 secs).\r\n";
        static const ImapKind expected[] = { IMAP_UNTAGGED_OK, IMAP_UNTAGGED_BYE, IMAP_TAGGED_OK };
        size_t pos = 0, len = sizeof(bytes) - 1;

        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                ImapLine l;

                CHECK_INT(imap_line_parse(bytes + pos, len - pos, &l), 1);
                CHECK_INT(l.kind, expected[i]);
                pos += l.consumed;
        }
        CHECK_INT(pos, len);
}

static void test_bounds(void) {
        size_t big = 10 * 1024 * 1024;
        char *buf = malloc(big);
        ImapLine l;

        memset(buf, 'x', big);
        memcpy(buf, "* OK ", 5);
        CHECK_INT(imap_line_parse(buf, big, &l), -EMSGSIZE);

        memcpy(buf + IMAP_LINE_MAX - 2, "\r\n", 2);
        CHECK_INT(imap_line_parse(buf, IMAP_LINE_MAX, &l), 1);
        CHECK_INT(l.consumed, IMAP_LINE_MAX);
        memset(buf, 'x', IMAP_LINE_MAX + 1);
        memcpy(buf, "* OK ", 5);
        memcpy(buf + IMAP_LINE_MAX - 1, "\r\n", 2);
        CHECK_INT(imap_line_parse(buf, IMAP_LINE_MAX + 1, &l), -EMSGSIZE);
        free(buf);
}

static void test_fuzz(void) {
        static const char alphabet[] = "* OKBYEm1+[] \r\n\0x";
        unsigned seed = 7, bad = 0;

        for (unsigned iter = 0; iter < 100000; iter++) {
                size_t len = (size_t) (rand_r(&seed) % 32);
                char *buf = malloc(len ? len : 1);
                ImapLine l;
                int r;

                for (size_t i = 0; i < len; i++)
                        buf[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
                r = imap_line_parse(buf, len, &l);
                if (!(r == 0 || r == 1 || r == -EBADMSG || r == -EMSGSIZE))
                        bad++;
                if (r == 1 && !(l.consumed > 0 && l.consumed <= len && l.kind < _IMAP_KIND_MAX &&
                                l.text >= buf && l.text + l.text_len <= buf + len))
                        bad++;
                free(buf);
        }
        CHECK_INT(bad, 0);
}

int main(void) {
        test_table();
        test_split_everywhere();
        test_logout_sequence();
        test_bounds();
        test_fuzz();
        CHECK_STREQ(imap_kind_to_string(IMAP_UNTAGGED_BYE), "BYE");
        CHECK_STREQ(imap_kind_to_string(_IMAP_KIND_MAX), "?");
        return tests_summary("test-imap-parse");
}
