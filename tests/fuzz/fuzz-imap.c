/* fuzz-imap.c: imap_line_parse() on a peer's bytes, split into reads.
 *
 * Line after line, as the imap probe consumes them. Properties: the tag and
 * text lie within the consumed line, a tag only on tagged kinds, the kind
 * has a name, and the verdicts do not depend on how the bytes were split
 * into reads (fuzz-stream.h).
 *
 * See also: probes/imap-parse.h, probes/imap.c, tests/test-imap-parse.c.
 */
#include "probes/imap-parse.h"
#include "probes/stream.h"
#include "tests/fuzz/fuzz-stream.h"

static size_t step(const char *buf, size_t len, bool *ended, FuzzLog *log) {
        bool tagged;
        ImapLine l;

        if (!fuzz_step_parsed(imap_line_parse(buf, len, &l), ended, log))
                return 0;
        FUZZ_CHECK(l.consumed > 0 && l.consumed <= len && l.consumed <= IMAP_LINE_MAX);
        FUZZ_CHECK(buf[l.consumed - 1] == '\n');
        FUZZ_CHECK(l.kind >= 0 && l.kind < _IMAP_KIND_MAX && strcmp(imap_kind_to_string(l.kind), "?") != 0);
        tagged = l.kind == IMAP_TAGGED_OK || l.kind == IMAP_TAGGED_NO || l.kind == IMAP_TAGGED_BAD;
        FUZZ_CHECK(tagged == (l.tag != NULL));
        if (l.tag)
                FUZZ_CHECK(l.tag == buf && l.tag_len > 0 && l.tag_len < l.consumed);
        FUZZ_CHECK(l.text >= buf && l.text + l.text_len <= buf + l.consumed);
        FUZZ_CHECK(!memchr(l.text, '\n', l.text_len) && !memchr(l.text, '\r', l.text_len));
        fuzz_log(log, "%s tag %zu, %zu bytes: ", imap_kind_to_string(l.kind), l.tag_len, l.consumed);
        fuzz_log_text(log, l.text, l.text_len);
        return l.consumed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_stream_check(data, size, STREAM_IN_MAX, step);
        return 0;
}
