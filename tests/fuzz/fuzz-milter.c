/* fuzz-milter.c: milter_frame_parse() and milter_optneg_parse() on a
 * peer's bytes, split into reads.
 *
 * Frame after frame (the probe stops after the first; a milter may send
 * more). Properties: a frame consumes its length field and command byte
 * and lies within the buffer; -EMSGSIZE comes only with the 4 length bytes
 * that milter.c quotes in its reason; an 'O' frame of 12 bytes or more
 * always yields an option negotiation; the verdicts do not depend on how the
 * bytes were split into reads (fuzz-stream.h).
 *
 * See also: probes/milter-parse.h, probes/milter.c, tests/test-milter.c.
 */
#include "probes/milter-parse.h"
#include "probes/stream.h"
#include "tests/fuzz/fuzz-stream.h"

static size_t step(const char *buf, size_t len, bool *ended, FuzzLog *log) {
        MilterOptneg o;
        MilterFrame f;
        int k;

        k = milter_frame_parse(buf, len, &f);
        FUZZ_CHECK(k != -EMSGSIZE || len >= 4);
        if (!fuzz_step_parsed(k, ended, log))
                return 0;
        FUZZ_CHECK(f.consumed == 5 + f.data_len && f.consumed <= len && f.consumed <= 4 + MILTER_FRAME_MAX);
        FUZZ_CHECK(f.data == (const uint8_t *) buf + 5);
        k = milter_optneg_parse(&f, &o);
        FUZZ_CHECK(k == (f.command != SMFIC_OPTNEG ? -EPROTO : f.data_len < 12 ? -EBADMSG : 0));
        if (k == 0)
                fuzz_log(log, "optneg %u 0x%x 0x%x, %zu bytes\n", o.version, o.actions, o.protocol, f.consumed);
        else
                fuzz_log(log, "frame 0x%02x, %zu bytes: %d\n", (unsigned) (uint8_t) f.command, f.consumed, k);
        return f.consumed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_stream_check(data, size, STREAM_IN_MAX, step);
        return 0;
}
