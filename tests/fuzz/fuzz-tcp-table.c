/* fuzz-tcp-table.c: tcp_table_reply_parse() on a peer's bytes (postsrsd,
 * any Postfix tcp_table server), split into reads; and the request for a
 * key made of the same bytes.
 *
 * Properties: a reply line lies within the bytes it consumed and carries a
 * 3-digit code; the verdicts do not depend on how the bytes were split into
 * reads (fuzz-stream.h); a request is one line of printable bytes without
 * spaces that decodes back to its key.
 *
 * See also: probes/tcp-table.h, tests/test-tcp-table.c.
 */
#include "probes/stream.h"
#include "probes/tcp-table.h"
#include "tests/fuzz/fuzz-stream.h"

static size_t step(const char *buf, size_t len, bool *ended, FuzzLog *log) {
        TcpTableReply r;

        if (!fuzz_step_parsed(tcp_table_reply_parse(buf, len, &r), ended, log))
                return 0;
        FUZZ_CHECK(r.code <= 999);
        FUZZ_CHECK(r.consumed > 0 && r.consumed <= len && r.consumed <= TCP_TABLE_LINE_MAX);
        FUZZ_CHECK(r.text >= buf && r.text + r.text_len <= buf + r.consumed);
        fuzz_log(log, "reply %u, %zu bytes: ", r.code, r.consumed);
        fuzz_log_text(log, r.text, r.text_len);
        return r.consumed;
}

static int unhex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_request(const uint8_t *data, size_t size) {
        char *key = fuzz_strndup(data, size), line[TCP_TABLE_LINE_MAX], decoded[TCP_TABLE_LINE_MAX];
        size_t n = 0, len;

        if (tcp_table_request(line, sizeof(line), key) < 0) {
                free(key);
                return;
        }
        len = strlen(line);
        FUZZ_CHECK(len >= 5 && strncmp(line, "get ", 4) == 0 && line[len - 1] == '\n');
        for (size_t i = 4; i < len - 1; i++) {
                FUZZ_CHECK(line[i] > 0x20 && line[i] < 0x7f);
                if (line[i] != '%') {
                        decoded[n++] = line[i];
                        continue;
                }
                FUZZ_CHECK(i + 2 < len - 1 && unhex(line[i + 1]) >= 0 && unhex(line[i + 2]) >= 0);
                decoded[n++] = (char) (unhex(line[i + 1]) << 4 | unhex(line[i + 2]));
                i += 2;
        }
        FUZZ_CHECK(n == strlen(key) && memcmp(decoded, key, n) == 0);
        free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_stream_check(data, size, STREAM_IN_MAX, step);
        check_request(data, size);
        return 0;
}
