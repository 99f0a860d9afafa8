/* test-util.c: the duration parser and formatter every config value goes
 * through, and the one-line sanitizer for peer text.
 *
 * Decided here, as the parser behaves: a bare number is seconds, units
 * may follow each other with or without a blank ("1h 30min", "1h30min"),
 * but a blank between a number and its unit ("5 s") is an error, as are
 * signs, fractions and unknown or upper-case units. Overflow fails rather
 * than wraps.
 */
#include <sys/stat.h>

#include "common/dl-openssl.h"
#include "common/json.h"
#include "common/strmap.h"
#include "common/trust.h"
#include "common/util.h"
#include "tests/tests.h"

#define OVERFLOW 1 /* expected: some negative errno (-EINVAL or -ERANGE) */

static const struct {
        const char *text;
        int r;          /* 0, -EINVAL, or OVERFLOW */
        usec_t usec;
} durations[] = {
        { "500ms", 0, 500 * USEC_PER_MSEC },
        { "30s", 0, 30 * USEC_PER_SEC },
        { "2min", 0, 2 * USEC_PER_MINUTE },
        { "1h", 0, USEC_PER_HOUR },
        { "1h 30min", 0, 90 * USEC_PER_MINUTE },
        { "1h30min", 0, 90 * USEC_PER_MINUTE },
        { "10", 0, 10 * USEC_PER_SEC },
        { "0", 0, 0 },
        { "  30s  ", 0, 30 * USEC_PER_SEC },
        { "2m", 0, 2 * USEC_PER_MINUTE },
        { "1sec", 0, USEC_PER_SEC },
        { "1hr", 0, USEC_PER_HOUR },
        { "1d", 0, 24 * USEC_PER_HOUR },
        { "250us", 0, 250 },
        { "1min 1s 1ms", 0, USEC_PER_MINUTE + USEC_PER_SEC + USEC_PER_MSEC },
        { "", -EINVAL, 0 },
        { "   ", -EINVAL, 0 },
        { "abc", -EINVAL, 0 },
        { "fast", -EINVAL, 0 },
        { "10x", -EINVAL, 0 },
        { "-5s", -EINVAL, 0 },
        { "+5s", -EINVAL, 0 },
        { "5 s", -EINVAL, 0 },
        { "1.5s", -EINVAL, 0 },
        { "30S", -EINVAL, 0 },
        { "5ss", -EINVAL, 0 },
        { "s", -EINVAL, 0 },
        { "1h,30min", -EINVAL, 0 },
        { "0x10", -EINVAL, 0 },
        { "99999999999999999999", OVERFLOW, 0 }, /* beyond unsigned long long */
        { "18446744073709551615", OVERFLOW, 0 }, /* fits, but not as seconds */
        { "5124095577h", OVERFLOW, 0 },          /* just above 2^64 us */
        { "5124095576h 1h", OVERFLOW, 0 },       /* each fits, the sum does not */
};

static void test_parse_duration(void) {
        for (size_t i = 0; i < ELEMENTSOF(durations); i++) {
                usec_t got = 4242;
                int r = parse_duration(durations[i].text, &got);

                bool ok = durations[i].r == OVERFLOW ? r < 0 : r == durations[i].r;

                CHECK(ok);
                if (!ok)
                        fprintf(stderr, "  parse_duration(\"%s\") = %d\n", durations[i].text, r);
                /* On error, *ret is left alone: no silent zero. */
                CHECK_INT(got, r == 0 ? durations[i].usec : 4242);
        }
        CHECK_INT(parse_duration(NULL, &(usec_t) { 0 }), -EINVAL);
        CHECK_INT(parse_duration("5124095576h", &(usec_t) { 0 }), 0); /* the largest whole hour that fits */
}

static const struct {
        usec_t usec;
        const char *text;
} formats[] = {
        { 0, "0s" },
        { 1, "1us" },
        { 1001, "1001us" },
        { 500 * USEC_PER_MSEC, "500ms" },
        { 1500 * USEC_PER_MSEC, "1500ms" },
        { 30 * USEC_PER_SEC, "30s" },
        { 90 * USEC_PER_SEC, "90s" },
        { 2 * USEC_PER_MINUTE, "2min" },
        { 90 * USEC_PER_MINUTE, "90min" },
        { USEC_PER_HOUR, "1h" },
        { 25 * USEC_PER_HOUR, "25h" },
        { USEC_INFINITY, "infinity" },
};

static void test_format_duration(void) {
        char buf[32];

        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                const char *s = format_duration(buf, sizeof(buf), formats[i].usec);
                usec_t back = 0;

                CHECK(s == buf);
                CHECK_STREQ(s, formats[i].text);
                /* What we print in a message, a user can paste back into the config. */
                if (formats[i].usec != USEC_INFINITY) {
                        CHECK_INT(parse_duration(s, &back), 0);
                        CHECK_INT(back, formats[i].usec);
                }
        }
        /* A short buffer is cut, never overrun. */
        char small[4] = "xxx";
        format_duration(small, sizeof(small), 2 * USEC_PER_MINUTE);
        CHECK_STREQ(small, "2mi");
}

/* Ages read by people: rounded down to a unit that a second does not change. */
static void test_format_age(void) {
        static const struct {
                usec_t usec;
                const char *text;
        } ages[] = {
                { 0, "0s" }, { 999 * USEC_PER_MSEC, "0s" }, { 10 * USEC_PER_SEC, "10s" },
                { 119 * USEC_PER_SEC, "119s" }, { 120 * USEC_PER_SEC, "2min" }, { 7199 * USEC_PER_SEC, "119min" },
                { 7200 * USEC_PER_SEC, "2h" }, { 7201 * USEC_PER_SEC, "2h" }, { 47 * USEC_PER_HOUR + 59 * USEC_PER_MINUTE, "47h" },
                { 48 * USEC_PER_HOUR, "2d" }, { USEC_INFINITY, "213503982d" },
        };
        char buf[32];

        for (size_t i = 0; i < ELEMENTSOF(ages); i++)
                CHECK_STREQ(format_age(buf, sizeof(buf), ages[i].usec), ages[i].text);
}

static void test_sanitize_line(void) {
        char buf[16];

        sanitize_line(buf, sizeof(buf), "220 ok\r\n", 8);
        CHECK_STREQ(buf, "220 ok??");
        sanitize_line(buf, 4, "abcdef", 6);
        CHECK_STREQ(buf, "abc");
        sanitize_line(buf, sizeof(buf), "a\0b\x7f", 4);
        CHECK_STREQ(buf, "a?b?");
        sanitize_line(buf, sizeof(buf), "xyz", 0);
        CHECK_STREQ(buf, "");
}

static void test_strings(void) {
        char *s = xstrdup("postfix");

        CHECK_STREQ(s, "postfix");
        CHECK(xstrdup(NULL) == NULL);
        CHECK(streq_ptr(NULL, NULL));
        CHECK(!streq_ptr(s, NULL));
        CHECK(streq_ptr(s, "postfix"));
        free(s);
}

/* Text that must be UTF-8 (an ntfy message): lines kept, bad bytes as
 * "\xNN", and a cut never splits a character. */
static void test_utf8_sanitize(void) {
        char buf[16];

        utf8_sanitize(buf, sizeof(buf), "gr\xc3\xb6\xc3\x9f" "e");
        CHECK_STREQ(buf, "gr\xc3\xb6\xc3\x9f" "e");
        utf8_sanitize(buf, sizeof(buf), "a\xff" "b\n\tc\r\xc3");
        CHECK_STREQ(buf, "a\\xff" "b\n\tc?\\xc3");
        utf8_sanitize(buf, 4, "ab\xc3\xb6");
        CHECK_STREQ(buf, "ab");
        CHECK_INT(utf8_char_len("\xed\xa0\x80", 3), 0); /* a surrogate */
        CHECK_INT(utf8_char_len("\xf0\x9f\x98\x80", 4), 4);
}

/* text_clean() on hostile bytes: what a peer may send into a reason. */
static void test_text_clean(void) {
        static const struct {
                const char *in;
                size_t len;
                const char *out;
        } cases[] = {
#define IN(s) s, sizeof(s) - 1
                /* the Latin-1 refusal that once broke ListChecks */
                { IN("554 5.3.2 Serveur indisponible, r\xe9" "essayez"),
                  "554 5.3.2 Serveur indisponible, r\\xe9" "essayez" },
                { IN("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
                /* overlong encodings of '/' and of NUL, and a 3-byte overlong */
                { IN("\xc0\xaf"), "\\xc0\\xaf" },
                { IN("\xc0\x80"), "\\xc0\\x80" },
                { IN("\xe0\x80\xaf"), "\\xe0\\x80\\xaf" },
                { IN("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf" },
                /* surrogates, alone and as a CESU-8 pair; beyond U+10FFFF */
                { IN("\xed\xa0\x80"), "\\xed\\xa0\\x80" },
                { IN("\xed\xa0\xbd\xed\xb8\x80"), "\\xed\\xa0\\xbd\\xed\\xb8\\x80" },
                { IN("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80" },
                { IN("\xf8\x88\x80\x80\x80"), "\\xf8\\x88\\x80\\x80\\x80" },
                /* truncated sequences: at the end, and before ASCII */
                { IN("ab\xc3"), "ab\\xc3" },
                { IN("\xe2\x82" "x"), "\\xe2\\x82x" },
                { IN("\xf0\x9f\x98"), "\\xf0\\x9f\\x98" },
                /* a lone continuation byte, and 0xfe/0xff */
                { IN("\x80\xbf\xfe\xff"), "\\x80\\xbf\\xfe\\xff" },
                /* NUL and controls, C1 ones too (U+009B is a terminal's CSI) */
                { IN("a\0b"), "a?b" },
                { IN("\x1b[31mred\x7f"), "?[31mred?" },
                { IN("\xc2\x9b" "2J \xc2\xa0"), "?2J \xc2\xa0" },
                { IN(""), "" },
        };
#undef IN
        char buf[64], again[64];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t n = text_clean(buf, sizeof(buf), cases[i].in, cases[i].len, TEXT_LINE);

                CHECK_STREQ(buf, cases[i].out);
                CHECK_INT(n, strlen(cases[i].out));
                CHECK(utf8_valid(buf, n));
                /* cleaning what was cleaned changes nothing */
                (void) text_clean(again, sizeof(again), buf, n, TEXT_LINE);
                CHECK_STREQ(again, buf);
        }

        /* Cut at a bound: never inside a character nor inside an escape. */
        CHECK_INT(text_clean(buf, 6, "ab\xe2\x82\xac", 5, TEXT_LINE), 5);
        CHECK_STREQ(buf, "ab\xe2\x82\xac");
        CHECK_INT(text_clean(buf, 5, "ab\xe2\x82\xac", 5, TEXT_LINE), 2);
        CHECK_STREQ(buf, "ab");
        CHECK_INT(text_clean(buf, 6, "ab\xe9", 3, TEXT_LINE), 2);
        CHECK_STREQ(buf, "ab");
        CHECK_INT(text_clean(buf, 7, "ab\xe9", 3, TEXT_LINE), 6);
        CHECK_STREQ(buf, "ab\\xe9");
        CHECK_INT(text_clean(buf, 1, "abc", 3, TEXT_LINE), 0);
        CHECK_STREQ(buf, "");
        CHECK_INT(text_clean(buf, 0, "abc", 3, TEXT_LINE), 0);
        for (size_t size = 1; size <= 12; size++) {
                /* every bound over a mixed string ends on a boundary */
                size_t n = text_clean(buf, size, "\xc3\xa9\xff\xf0\x9f\x98\x80z", 8, TEXT_LINE);
                CHECK(n < size);
                CHECK(utf8_valid(buf, n));
                CHECK(strncmp(buf, "\xc3\xa9\\xff\xf0\x9f\x98\x80z", n) == 0);
                CHECK(n == 0 || n == 2 || n == 6 || n == 10 || n == 11);
        }

        /* TEXT_ANY keeps controls but not what UTF-8 forbids; NUL is shown. */
        CHECK_INT(text_clean(buf, sizeof(buf), "a\n\x1b\0\xe9", 5, TEXT_ANY), 11);
        CHECK_STREQ(buf, "a\n\x1b\\x00\\xe9");
        CHECK(!utf8_valid("r\xe9", 2));
        CHECK(utf8_valid("r\xc3\xa9\n", 4));

        /* utf8_checked(): valid text as is (the same pointer), else cleaned. */
        const char *ok = "d\xc3\xa9j\xc3\xa0 vu";
        CHECK(utf8_checked(ok, buf, sizeof(buf)) == ok);
        CHECK_STREQ(utf8_checked("d\xe9j\xe0 vu", buf, sizeof(buf)), "d\\xe9j\\xe0 vu");
        CHECK_STREQ(TEXT_OUT("r\xe9"), "r\\xe9");
}

/* trust_judge(): sshd's StrictModes, with a sticky directory above allowed. */
static void test_trust_judge(void) {
        CHECK_INT(trust_judge(0, 0, S_IFREG | 0644, 0, 0, false), TRUST_OK);
        CHECK_INT(trust_judge(0, 0, S_IFREG | 0664, 0, 0, false), TRUST_OK);          /* group root */
        CHECK_INT(trust_judge(0, 100, S_IFREG | 0664, 0, 0, false), TRUST_GROUP_WRITABLE);
        CHECK_INT(trust_judge(0, 100, S_IFREG | 0664, 999, 100, false), TRUST_OK);    /* our own group */
        CHECK_INT(trust_judge(0, 0, S_IFREG | 0646, 0, 0, false), TRUST_OTHERS_WRITABLE);
        CHECK_INT(trust_judge(1000, 0, S_IFREG | 0600, 0, 0, false), TRUST_OWNER);
        CHECK_INT(trust_judge(999, 999, S_IFREG | 0600, 999, 999, false), TRUST_OK);  /* mailsupd's user */
        CHECK_INT(trust_judge(0, 0, S_IFDIR | 01777, 0, 0, true), TRUST_OK);          /* /tmp above */
        CHECK_INT(trust_judge(0, 0, S_IFDIR | 01777, 0, 0, false), TRUST_OTHERS_WRITABLE); /* the dir read */
        CHECK_INT(trust_judge(0, 0, S_IFDIR | 0777, 0, 0, true), TRUST_OTHERS_WRITABLE);
        CHECK_INT(trust_judge(1000, 1000, S_IFDIR | 01777, 0, 0, true), TRUST_OWNER);
        CHECK_INT(trust_judge(0, 0, S_IFREG | 01666, 0, 0, true), TRUST_OTHERS_WRITABLE); /* sticky file: no */
}

/* mailsupctl --json: every string quoted and escaped, the empty one too. */
static void test_json_fprint(void) {
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);

        json_fprint_string(f, "");
        json_fprint_string(f, "a\"b\n");
        json_fprint_string(f, "\xff");
        fclose(f);
        CHECK_STREQ(out, "\"\"\"a\\\"b\\u000a\"\"\\\\xff\"");
}

static char *slurp(const char *path) {
        static char buf[256];
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

/* The textfile and the counters' file: replaced whole, readable by their
 * reader whatever the umask, no temp file left, and a failure leaves the
 * old file as it was. */
static void test_write_file_atomic(void) {
        char dir[] = "/tmp/mailsup-atomic-XXXXXX", path[128], tmp[140], cmd[160];
        struct stat st;
        mode_t old = umask(077);

        CHECK(mkdtemp(dir) != NULL);
        snprintf(path, sizeof(path), "%s/mailsup.prom", dir);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        CHECK_INT(write_file_atomic(path, "a 1\n", 4, 0644), 0);
        CHECK_STREQ(slurp(path), "a 1\n");
        CHECK_INT(write_file_atomic(path, "b 2\nc 3\n", 8, 0644), 0);
        CHECK_STREQ(slurp(path), "b 2\nc 3\n");
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
        CHECK(access(tmp, F_OK) < 0 && errno == ENOENT);
        snprintf(cmd, sizeof(cmd), "%s/missing/x.prom", dir);
        CHECK_INT(write_file_atomic(cmd, "x", 1, 0644), -ENOENT);
        CHECK(mkdir(tmp, 0700) == 0); /* the temp name taken by a directory: refused, old file kept */
        CHECK(write_file_atomic(path, "d 4\n", 4, 0644) < 0);
        CHECK_STREQ(slurp(path), "b 2\nc 3\n");
        umask(old);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
}

/* The map against a plain array: 5,000 keys put, every third removed (the
 * backward shift must keep every other key findable), values updated. */
static void test_strmap(void) {
        enum { N = 5000 };
        static char keys[N][16];
        StrMap m = {};
        size_t v;
        unsigned bad = 0;

        for (unsigned i = 0; i < N; i++) {
                snprintf(keys[i], sizeof(keys[i]), "check-%u", i);
                CHECK_INT(strmap_put(&m, keys[i], i), 0);
        }
        CHECK(m.n == N);
        for (unsigned i = 0; i < N; i += 3)
                CHECK(strmap_remove(&m, keys[i]));
        CHECK(!strmap_remove(&m, keys[0]));
        CHECK(!strmap_remove(&m, "absent"));
        for (unsigned i = 0; i < N; i++) {
                bool in = strmap_get(&m, keys[i], &v);

                if (in != (i % 3 != 0) || (in && v != i))
                        bad++;
        }
        CHECK_INT(bad, 0);
        CHECK(m.n == N - (N + 2) / 3);
        CHECK_INT(strmap_put(&m, keys[1], 7), 0);
        CHECK(strmap_get(&m, keys[1], &v) && v == 7);
        CHECK_INT(strmap_put(&m, keys[0], 0), 0);
        CHECK(strmap_get(&m, keys[0], &v) && v == 0);
        strmap_clear(&m);
        CHECK(!strmap_get(&m, keys[1], NULL));
}

/* RFC 4648's test vectors, and AUTH PLAIN's NULs. */
static void test_base64(void) {
        static const char *const vectors[][2] = {
                { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
                { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
        };
        char out[16];

        for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
                CHECK_INT(base64_encode(out, vectors[i][0], strlen(vectors[i][0])), strlen(vectors[i][1]));
                CHECK_STREQ(out, vectors[i][1]);
        }
        CHECK_INT(base64_encode(out, "\0u\0p\xff", 5), 8);
        CHECK_STREQ(out, "AHUAcP8=");
}

int main(void) {
        test_parse_duration();
        test_format_duration();
        test_format_age();
        test_sanitize_line();
        test_strings();
        test_utf8_sanitize();
        test_text_clean();
        test_trust_judge();
        test_json_fprint();
        test_write_file_atomic();
        test_strmap();
        test_base64();
        return tests_summary("test-util");
}
