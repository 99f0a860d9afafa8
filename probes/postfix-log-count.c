/* postfix-log-count.c: the window of postfix_log and its verdict (postfix-log-count.h).
 *
 * The buckets form a ring indexed by absolute bucket number (now / bucket):
 * moving to a newer bucket clears the ones skipped, so a quiet hour costs
 * nothing and a sum is always over the last POSTFIX_LOG_BUCKETS buckets.
 * The reason names what is past a limit first (only the first of them with
 * its top cause: the reason is kept to one short line), then the rest.
 */
#include "probes/postfix-log-count.h"

#include <stdarg.h>
#include <sys/param.h>

/* Top causes in a reason are cut here, so that two breaches still fit. */
#define CAUSE_SHOWN 48

static void advance(PostfixLogWindow *w, usec_t now) {
        uint64_t slot = now / w->bucket;

        if (slot <= w->slot)
                return;
        for (uint64_t k = w->slot + 1; k <= slot && k <= w->slot + POSTFIX_LOG_BUCKETS; k++)
                memset(w->counts[k % POSTFIX_LOG_BUCKETS], 0, sizeof(w->counts[0]));
        w->slot = slot;
}

void postfix_log_window_init(PostfixLogWindow *w, usec_t length, usec_t now) {
        *w = (PostfixLogWindow) { .length = length, .since = now };
        w->bucket = length / POSTFIX_LOG_BUCKETS ?: 1;
        w->slot = now / w->bucket;
}

void postfix_log_window_count(PostfixLogWindow *w, PostfixLogCounter c, usec_t now) {
        uint32_t *n;

        advance(w, now);
        n = &w->counts[w->slot % POSTFIX_LOG_BUCKETS][c];
        if (*n < UINT32_MAX)
                (*n)++;
}

/* The ring of kind's causes, NULL for a kind that keeps none. */
static PostfixLogCauses *causes_of(const PostfixLogWindow *w, PostfixLogKind kind) {
        int i = kind == POSTFIX_LOG_BOUNCED ? 0 : kind == POSTFIX_LOG_DEFERRED ? 1 :
                kind == POSTFIX_LOG_REJECTED ? 2 : kind == POSTFIX_LOG_SASL_FAILED ? 3 : -1;

        return i < 0 ? NULL : (PostfixLogCauses *) &w->causes[i];
}

void postfix_log_window_add(PostfixLogWindow *w, const PostfixLogEvent *ev, usec_t now) {
        static const PostfixLogCounter counter[_POSTFIX_LOG_KIND_MAX] = {
                [POSTFIX_LOG_SENT] = COUNT_SENT,
                [POSTFIX_LOG_BOUNCED] = COUNT_BOUNCED,
                [POSTFIX_LOG_DEFERRED] = COUNT_DEFERRED,
                [POSTFIX_LOG_EXPIRED] = COUNT_EXPIRED,
                [POSTFIX_LOG_RECEIVED] = COUNT_RECEIVED,
                [POSTFIX_LOG_SASL_FAILED] = COUNT_SASL_FAILED,
                [POSTFIX_LOG_DISCONNECT] = COUNT_CONNECTIONS,
        };
        PostfixLogCauses *ring = causes_of(w, ev->kind);
        PostfixLogCause *c;

        if (ev->kind == POSTFIX_LOG_OTHER || ev->kind == POSTFIX_LOG_TLS || ev->kind >= _POSTFIX_LOG_KIND_MAX)
                return;
        postfix_log_window_count(w, ev->kind == POSTFIX_LOG_REJECTED ? COUNT_REJECTED + ev->phase
                                                                      : counter[ev->kind], now);
        if (ev->kind == POSTFIX_LOG_DISCONNECT && ev->starttls)
                postfix_log_window_count(w, COUNT_TLS, now);
        if (!ev->cause[0] || !ring)
                return;
        c = &ring->c[ring->next];
        c->at = now;
        c->kind = ev->kind;
        memcpy(c->text, ev->cause, sizeof(c->text));
        ring->next = (ring->next + 1) % POSTFIX_LOG_CAUSES;
        if (ring->n < POSTFIX_LOG_CAUSES)
                ring->n++;
}

void postfix_log_window_sum(PostfixLogWindow *w, usec_t now, PostfixLogSums *ret) {
        advance(w, now);
        *ret = (PostfixLogSums) { .covered = MIN(now - w->since, w->length) };
        for (size_t b = 0; b < POSTFIX_LOG_BUCKETS; b++)
                for (size_t c = 0; c < _COUNT_MAX; c++)
                        ret->n[c] += w->counts[b][c];
        for (size_t p = 0; p < _POSTFIX_PHASE_MAX; p++)
                ret->rejected += ret->n[COUNT_REJECTED + p];
}

static bool cause_within(const PostfixLogWindow *w, const PostfixLogCause *c, usec_t now) {
        return c->at + w->length > now;
}

unsigned postfix_log_window_top(const PostfixLogWindow *w, PostfixLogKind kind, usec_t now, char *buf, size_t size) {
        const PostfixLogCauses *ring = causes_of(w, kind);
        const PostfixLogCause *best = NULL;
        unsigned best_n = 0;

        /* Newest first, so of causes equally frequent the newest is named. */
        for (unsigned i = 0; ring && i < ring->n; i++) {
                const PostfixLogCause *c = &ring->c[(ring->next + POSTFIX_LOG_CAUSES - 1 - i) % POSTFIX_LOG_CAUSES];
                unsigned n = 0;

                if (!cause_within(w, c, now))
                        continue;
                for (unsigned j = 0; j < ring->n; j++) {
                        const PostfixLogCause *d = &ring->c[j];
                        n += cause_within(w, d, now) && streq(d->text, c->text);
                }
                if (n > best_n)
                        best = c, best_n = n;
        }
        snprintf(buf, size, "%s", best ? best->text : "");
        return best_n;
}

typedef struct Item {
        const char *label, *key;
        uint64_t n;
        const PostfixLogLimit *max;
        PostfixLogKind kind;
        bool breached;
} Item;

static ProbeSeverity worse(ProbeSeverity a, ProbeSeverity b) {
        return a > b ? a : b;
}

/* The max_* counts past their limit, the first with its top cause. */
static ProbeSeverity judge_maxima(Item *items, size_t n, PostfixLogWindow *w, usec_t now, char *buf, size_t size) {
        ProbeSeverity sev = PROBE_SEVERITY_NONE;
        char top[POSTFIX_LOG_CAUSE_MAX];

        for (size_t i = 0; i < n; i++) {
                Item *it = &items[i];

                if (!it->max->set || it->n <= it->max->value)
                        continue;
                it->breached = true;
                if (sev == PROBE_SEVERITY_NONE && postfix_log_window_top(w, it->kind, now, top, sizeof(top)) > 0)
                        strbuf_add(buf, size, ", ", "%llu %s (above %s %llu; top: %.*s)", (unsigned long long) it->n,
                                   it->label, it->key, (unsigned long long) it->max->value, CAUSE_SHOWN, top);
                else
                        strbuf_add(buf, size, ", ", "%llu %s (above %s %llu)", (unsigned long long) it->n, it->label,
                                   it->key, (unsigned long long) it->max->value);
                sev = worse(sev, it->max->severity);
        }
        return sev;
}

ProbeSeverity postfix_log_judge(const PostfixLogLimits *l, PostfixLogWindow *w, usec_t now, char *buf, size_t size) {
        PostfixLogSums s;
        ProbeSeverity sev;
        char span[32];
        uint64_t attempts;
        bool low = false;

        postfix_log_window_sum(w, now, &s);
        attempts = s.n[COUNT_SENT] + s.n[COUNT_BOUNCED] + s.n[COUNT_DEFERRED];
        Item items[] = {
                { "bounced", "max_bounced", s.n[COUNT_BOUNCED], &l->bounced, POSTFIX_LOG_BOUNCED, false },
                { "deferred", "max_deferred", s.n[COUNT_DEFERRED], &l->deferred, POSTFIX_LOG_DEFERRED, false },
                { "rejected", "max_rejected", s.rejected, &l->rejected, POSTFIX_LOG_REJECTED, false },
                { "SASL failures", "max_sasl_failures", s.n[COUNT_SASL_FAILED], &l->sasl_failures,
                  POSTFIX_LOG_SASL_FAILED, false },
        };

        snprintf(buf, size, "in %s%s: ", format_duration(span, sizeof(span), s.covered / USEC_PER_SEC * USEC_PER_SEC),
                 s.covered < w->length ? " so far" : "");
        sev = judge_maxima(items, ELEMENTSOF(items), w, now, buf, size);
        /* Silence while mail comes in, over a whole window only. */
        if (l->delivered.set && s.covered >= w->length && s.n[COUNT_RECEIVED] > 0 &&
            s.n[COUNT_SENT] < l->delivered.value) {
                low = true;
                strbuf_add(buf, size, ", ", "%llu sent (below min_delivered %llu while %llu came in)",
                    (unsigned long long) s.n[COUNT_SENT], (unsigned long long) l->delivered.value,
                    (unsigned long long) s.n[COUNT_RECEIVED]);
                sev = worse(sev, l->delivered.severity);
        }
        if (l->bounce_ratio.set && attempts >= POSTFIX_LOG_RATIO_MIN_ATTEMPTS &&
            s.n[COUNT_BOUNCED] * 100 > l->bounce_ratio.value * attempts) {
                strbuf_add(buf, size, ", ", "bounce ratio %llu%% of %llu attempts (above max_bounce_ratio %llu%%)",
                    (unsigned long long) (s.n[COUNT_BOUNCED] * 100 / attempts), (unsigned long long) attempts,
                    (unsigned long long) l->bounce_ratio.value);
                sev = worse(sev, l->bounce_ratio.severity);
        }
        if (!low)
                strbuf_add(buf, size, ", ", "%llu sent", (unsigned long long) s.n[COUNT_SENT]);
        for (size_t i = 0; i < ELEMENTSOF(items); i++)
                if (!items[i].breached && items[i].n > 0)
                        strbuf_add(buf, size, ", ", "%llu %s", (unsigned long long) items[i].n, items[i].label);
        if (s.n[COUNT_EXPIRED] > 0)
                strbuf_add(buf, size, ", ", "%llu expired", (unsigned long long) s.n[COUNT_EXPIRED]);
        if (s.n[COUNT_CONNECTIONS] > 0)
                strbuf_add(buf, size, ", ", "TLS %llu of %llu inbound",
                    (unsigned long long) MIN(s.n[COUNT_TLS], s.n[COUNT_CONNECTIONS]),
                    (unsigned long long) s.n[COUNT_CONNECTIONS]);
        return sev;
}
