/* fuzz-smtp.c: smtp_reply_parse() on a peer's bytes, split into reads.
 *
 * Reply after reply, as the smtp probe consumes them from its stream
 * buffer. Properties: a reply lies within the bytes it consumed, its code
 * and line count are in range, and the verdicts do not depend on how the
 * bytes were split into reads (fuzz-stream.h).
 *
 * See also: probes/smtp-parse.h, probes/smtp.c, tests/test-smtp-parse.c.
 */
#include "probes/smtp-parse.h"
#include "probes/stream.h"
#include "tests/fuzz/fuzz-stream.h"

static size_t step(const char *buf, size_t len, bool *ended, FuzzLog *log) {
        SmtpReply r;

        if (!fuzz_step_parsed(smtp_reply_parse(buf, len, &r), ended, log))
                return 0;
        FUZZ_CHECK(r.consumed > 0 && r.consumed <= len);
        FUZZ_CHECK(r.code >= 200 && r.code <= 559);
        FUZZ_CHECK(r.n_lines >= 1 && r.n_lines <= SMTP_REPLY_LINES_MAX);
        FUZZ_CHECK(r.text >= buf && r.text + r.text_len <= buf + r.consumed);
        FUZZ_CHECK(!memchr(r.text, '\n', r.text_len) && !memchr(r.text, '\0', r.text_len));
        fuzz_log(log, "reply %u, %zu lines, %zu bytes: ", r.code, r.n_lines, r.consumed);
        fuzz_log_text(log, r.text, r.text_len);
        return r.consumed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_stream_check(data, size, STREAM_IN_MAX, step);
        return 0;
}
