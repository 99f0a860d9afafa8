/* postfix-log-count.h: the sliding window of postfix_log and its verdict.
 *
 * Counts of what Postfix logged (postfix-log-parse.h) over the last
 * `window` (10min by default), in POSTFIX_LOG_BUCKETS buckets of window/60
 * each, so a count is exact to one bucket at the window's far end and the
 * memory is fixed whatever the traffic. The causes of the last
 * POSTFIX_LOG_CAUSES bounces, deferrals, rejects and SASL failures are kept,
 * each kind in its own ring (a flood of rejects must not push out the
 * bounces' causes), to name the top one. The judge compares the sums with the check's limits
 * and writes the reason: "in 10min: 3 bounced (above max_bounced 2; top:
 * 5.1.1 User doesn't exist), 41 sent, 3 deferred, 3 rejected". Pure: time
 * is passed in (CLOCK_MONOTONIC), so tests drive the window by hand.
 *
 * See also: postfix-log.c, tests/test-postfix-log-parse.c.
 */
#pragma once

#include "common/util.h"
#include "probes/postfix-log-parse.h"
#include "probes/probe.h"

#define POSTFIX_LOG_BUCKETS 60
#define POSTFIX_LOG_CAUSES 64 /* per kind */
/* max_bounce_ratio is judged only over at least this many delivery attempts:
 * 1 bounce of 2 attempts is no ratio to alert on. */
#define POSTFIX_LOG_RATIO_MIN_ATTEMPTS 10

typedef enum PostfixLogCounter {
        COUNT_SENT,
        COUNT_BOUNCED,
        COUNT_DEFERRED,
        COUNT_EXPIRED,
        COUNT_RECEIVED,
        COUNT_SASL_FAILED,
        COUNT_CONNECTIONS,      /* inbound SMTP connections that ended */
        COUNT_TLS,              /* ... of them with TLS */
        COUNT_REJECTED,         /* + PostfixLogPhase: one counter per phase */
        _COUNT_MAX = COUNT_REJECTED + _POSTFIX_PHASE_MAX,
} PostfixLogCounter;

typedef struct PostfixLogSums {
        uint64_t n[_COUNT_MAX];
        uint64_t rejected;      /* over every phase */
        usec_t covered;         /* how much of the window was watched: up to its length */
} PostfixLogSums;

typedef struct PostfixLogCause {
        usec_t at;
        PostfixLogKind kind;
        char text[POSTFIX_LOG_CAUSE_MAX];
} PostfixLogCause;

/* The kinds that keep causes: bounced, deferred, rejected, SASL failed. */
#define POSTFIX_LOG_CAUSE_KINDS 4

typedef struct PostfixLogCauses {
        PostfixLogCause c[POSTFIX_LOG_CAUSES]; /* a ring, the newest at next - 1 */
        unsigned next, n;
} PostfixLogCauses;

typedef struct PostfixLogWindow {
        usec_t length, bucket;  /* the window, and one bucket of it */
        usec_t since;           /* counting began */
        uint64_t slot;          /* the absolute bucket number of the newest bucket */
        uint32_t counts[POSTFIX_LOG_BUCKETS][_COUNT_MAX];
        PostfixLogCauses causes[POSTFIX_LOG_CAUSE_KINDS];
} PostfixLogWindow;

void postfix_log_window_init(PostfixLogWindow *w, usec_t length, usec_t now);
/* Count one counter; a BOUNCED, DEFERRED, REJECTED or SASL_FAILED event
 * with a cause also keeps its cause. */
void postfix_log_window_count(PostfixLogWindow *w, PostfixLogCounter c, usec_t now);
void postfix_log_window_add(PostfixLogWindow *w, const PostfixLogEvent *ev, usec_t now);
void postfix_log_window_sum(PostfixLogWindow *w, usec_t now, PostfixLogSums *ret);
/* The most frequent cause of kind within the window into buf ("" for none);
 * returns how often it came. */
unsigned postfix_log_window_top(const PostfixLogWindow *w, PostfixLogKind kind, usec_t now, char *buf, size_t size);

typedef struct PostfixLogLimit {
        uint64_t value;
        bool set;
        ProbeSeverity severity; /* warning unless the key said critical */
} PostfixLogLimit;

typedef struct PostfixLogLimits {
        PostfixLogLimit bounced, deferred, rejected, sasl_failures; /* max_*: breached above value */
        PostfixLogLimit delivered;      /* min_delivered: breached below value while mail comes in */
        PostfixLogLimit bounce_ratio;   /* max_bounce_ratio: value in percent */
} PostfixLogLimits;

/* The verdict over w now: the worst severity breached (NONE: within every
 * limit), and the reason into buf. */
ProbeSeverity postfix_log_judge(const PostfixLogLimits *l, PostfixLogWindow *w, usec_t now, char *buf, size_t size);
