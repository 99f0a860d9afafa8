/* fuzz-postfix-log.c: Postfix's log lines, split, classified and counted.
 *
 * postfix_log reads lines anyone who can write to the log (or to
 * /dev/log) chose: each line of the input goes through syslog_line_split()
 * and, for a Postfix identifier, postfix_log_classify(), as log-file.c
 * hands them over; the whole input is also classified as one message of
 * smtpd and of lmtp, as the journal hands MESSAGE over. Properties: the
 * split stays within the line; a kind and a phase are in range; a cause is
 * a terminated string without control characters; the window counts the
 * events and its judge writes a terminated reason.
 *
 * See also: probes/postfix-log-parse.h, probes/postfix-log-count.h,
 * tests/test-postfix-log-parse.c.
 */
#include "probes/postfix-log-count.h"
#include "tests/fuzz/fuzz.h"

static void check_event(const PostfixLogEvent *ev) {
        size_t n = strnlen(ev->cause, sizeof(ev->cause));

        FUZZ_CHECK(ev->kind >= POSTFIX_LOG_OTHER && ev->kind < _POSTFIX_LOG_KIND_MAX);
        FUZZ_CHECK(ev->phase >= POSTFIX_PHASE_CONNECT && ev->phase < _POSTFIX_PHASE_MAX);
        FUZZ_CHECK(n < sizeof(ev->cause));
        for (size_t i = 0; i < n; i++)
                FUZZ_CHECK((unsigned char) ev->cause[i] >= 0x20 && ev->cause[i] != 0x7f);
}

/* One line in a buffer of its own size, so ASan sees any overread. */
static void line(PostfixLogWindow *w, const uint8_t *p, size_t n) {
        char *copy = malloc(n ?: 1);
        PostfixLogEvent ev;
        SyslogLine l;

        if (!copy)
                abort();
        memcpy(copy, p, n);
        if (syslog_line_split(copy, n, &l) == 0) {
                FUZZ_CHECK(l.ident >= copy && l.ident + l.ident_len <= copy + n);
                FUZZ_CHECK(l.msg >= copy && l.msg + l.msg_len == copy + n);
                if (postfix_log_ident(l.ident, l.ident_len)) {
                        postfix_log_classify(l.ident, l.ident_len, l.msg, l.msg_len, &ev);
                        check_event(&ev);
                        postfix_log_window_add(w, &ev, USEC_PER_SEC);
                }
        }
        free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static PostfixLogWindow w;
        PostfixLogLimits limits = { .bounced = { 0, true, PROBE_SEVERITY_WARNING },
                                    .rejected = { 0, true, PROBE_SEVERITY_CRITICAL },
                                    .bounce_ratio = { 1, true, PROBE_SEVERITY_WARNING } };
        char reason[PROBE_REASON_MAX];
        PostfixLogEvent ev;
        size_t start = 0;

        postfix_log_window_init(&w, 10 * USEC_PER_MINUTE, 0);
        for (size_t i = 0; i <= size; i++)
                if (i == size || data[i] == '\n') {
                        line(&w, data + start, i - start);
                        start = i + 1;
                }
        postfix_log_classify("postfix/smtpd", 13, (const char *) data, size, &ev);
        check_event(&ev);
        postfix_log_classify("postfix-out/lmtp", 16, (const char *) data, size, &ev);
        check_event(&ev);
        (void) postfix_log_judge(&limits, &w, 2 * USEC_PER_SEC, reason, sizeof(reason));
        FUZZ_CHECK(strnlen(reason, sizeof(reason)) < sizeof(reason));
        return 0;
}
