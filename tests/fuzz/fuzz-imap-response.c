/* fuzz-imap-response.c: whole IMAP responses, as the canary's sweep reads them.
 *
 * imap_response_span() measures each response (lines and {n} literals)
 * from a peer's bytes split into reads; each whole one goes to
 * imap_fetch_parse(), and an untagged SEARCH to imap_search_parse().
 * Properties: a response lies within the bytes, a literal announced past
 * IMAP_LITERAL_MAX is refused whole, a FETCH's header lies within its
 * response, a SEARCH yields no more UIDs than asked and no zero, and the
 * verdicts do not depend on how the bytes were split (fuzz-stream.h).
 *
 * See also: probes/imap-response.h, probes/roundtrip-imap.c, tests/test-roundtrip.c.
 */
#include "probes/imap-parse.h"
#include "probes/imap-response.h"
#include "probes/stream.h"
#include "tests/fuzz/fuzz-stream.h"

#define UIDS_MAX 16

static void check_search(const char *buf, size_t n, FuzzLog *log) {
        uint32_t uids[UIDS_MAX];
        size_t found = 0;
        ImapLine l;
        int r;

        if (imap_line_parse(buf, n, &l) <= 0 || l.tag || l.text_len < 6 || strncasecmp(l.text, "SEARCH", 6) != 0)
                return;
        r = imap_search_parse(l.text, l.text_len, uids, UIDS_MAX, &found);
        FUZZ_CHECK(r == 0 || r == -E2BIG || r == -EBADMSG);
        if (r == -EBADMSG)
                return;
        FUZZ_CHECK(found <= UIDS_MAX && (r == 0 || found == UIDS_MAX));
        for (size_t i = 0; i < found; i++)
                FUZZ_CHECK(uids[i] > 0);
        fuzz_log(log, "search %d %zu ", r, found);
}

static size_t step(const char *buf, size_t len, bool *ended, FuzzLog *log) {
        uint64_t announced = 0;
        size_t n = 0;
        ImapFetch f;
        int r = imap_response_span(buf, len, &n, &announced);

        if (r == -EFBIG)
                FUZZ_CHECK(announced > IMAP_LITERAL_MAX);
        if (!fuzz_step_parsed(r, ended, log))
                return 0;
        FUZZ_CHECK(n > 0 && n <= len && buf[n - 1] == '\n');
        r = imap_fetch_parse(buf, n, &f);
        FUZZ_CHECK(r == 1 || r == 0 || r == -EBADMSG);
        if (r == 1 && f.header) {
                FUZZ_CHECK(f.header >= buf && f.header + f.header_len <= buf + n);
                FUZZ_CHECK(f.header_len <= IMAP_LITERAL_MAX || f.header_len < n);
        }
        fuzz_log(log, "%zu bytes, fetch %d uid %u header %zu; ", n, r, r == 1 ? f.uid : 0,
                 r == 1 ? f.header_len : 0);
        check_search(buf, n, log);
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_stream_check(data, size, STREAM_IN_MAX, step);
        return 0;
}
