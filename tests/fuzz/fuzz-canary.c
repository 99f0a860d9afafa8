/* fuzz-canary.c: the canary's own parsers on a server's bytes.
 *
 * A header block as an IMAP server hands it over: canary_header_parse()
 * for a check's canary (found, its id is hex within RT_ID_MAX and the
 * check's own header written back reads the same), header_block_matches()
 * over every unfolded line; and each line as postqueue -j might write it:
 * postqueue_line_parse() for a queue id, a bounded, terminated result.
 *
 * See also: probes/roundtrip.h, probes/roundtrip-parse.c, tests/test-roundtrip.c.
 */
#include <ctype.h>

#include "probes/roundtrip.h"
#include "tests/fuzz/fuzz.h"

static void check_header(const char *hdr, size_t len) {
        Canary c = {}, again = {};
        char value[256], block[320];
        regex_t re;

        if (canary_header_parse(hdr, len, "flow", &c) == 1) {
                size_t n = strnlen(c.id, RT_ID_MAX);

                FUZZ_CHECK(n > 0 && n < RT_ID_MAX);
                for (size_t i = 0; i < n; i++)
                        FUZZ_CHECK(isxdigit((unsigned char) c.id[i]));
                FUZZ_CHECK(canary_header_format(value, sizeof(value), "flow", &c) == 0);
                snprintf(block, sizeof(block), RT_HEADER_NAME ": %s\r\n\r\n", value);
                FUZZ_CHECK(canary_header_parse(block, strlen(block), "flow", &again) == 1);
                FUZZ_CHECK(again.sent == c.sent && strcmp(again.id, c.id) == 0);
        }
        if (regcomp(&re, "^X-Spam-Status: (Yes|No)", REG_EXTENDED | REG_NOSUB) != 0)
                abort();
        (void) header_block_matches(hdr, len, &re);
        regfree(&re);
}

static void check_postqueue(const char *buf, size_t len) {
        for (size_t pos = 0; pos < len;) {
                const char *lf = memchr(buf + pos, '\n', len - pos);
                size_t n = lf ? (size_t) (lf - buf) - pos : len - pos;
                char out[RT_STUCK_MAX];
                int r = postqueue_line_parse(buf + pos, n, "4XyZABC12", out, sizeof(out));

                FUZZ_CHECK(r == 1 || r == 0 || r == -EBADMSG);
                if (r == 1)
                        FUZZ_CHECK(strnlen(out, sizeof(out)) < sizeof(out));
                pos += n + 1;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf = malloc(size ? size : 1);

        if (!buf)
                abort();
        memcpy(buf, data, size);
        check_header(buf, size);
        check_postqueue(buf, size);
        free(buf);
        return 0;
}
