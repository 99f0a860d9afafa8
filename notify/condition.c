/* condition.c: the condition tracker (see condition.h). */
#include "notify/condition.h"

typedef struct Condition {
        char *check;
        char *kind;
        usec_t since;
        usec_t last_sent;
} Condition;

/* Conditions per hash bucket of (check, kind): a bucket at 0 answers "not
 * tracked" without a scan, which is the common case. */
#define CONDITION_BUCKETS 1024U

struct ConditionTracker {
        usec_t reminder;
        Condition items[CONDITION_MAX];
        size_t n;
        uint16_t buckets[CONDITION_BUCKETS];
};

static unsigned bucket(const char *check, const char *kind) {
        uint32_t h = 2166136261U; /* FNV-1a */

        for (const char *c = check; *c; c++)
                h = (h ^ (uint8_t) *c) * 16777619U;
        h = (h ^ 0xffU) * 16777619U;
        for (const char *c = kind; *c; c++)
                h = (h ^ (uint8_t) *c) * 16777619U;
        return h % CONDITION_BUCKETS;
}

int condition_tracker_new(usec_t reminder, ConditionTracker **ret) {
        ConditionTracker *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->reminder = reminder;
        *ret = t;
        return 0;
}

ConditionTracker *condition_tracker_free(ConditionTracker *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n; i++) {
                free(t->items[i].check);
                free(t->items[i].kind);
        }
        free(t);
        return NULL;
}

void condition_tracker_set_reminder(ConditionTracker *t, usec_t reminder) {
        t->reminder = reminder;
}

static Condition *find(const ConditionTracker *t, const char *check, const char *kind) {
        if (t->buckets[bucket(check, kind)] == 0)
                return NULL;
        for (size_t i = 0; i < t->n; i++)
                if (streq(t->items[i].check, check) && streq(t->items[i].kind, kind))
                        return (Condition *) &t->items[i];
        return NULL;
}

static bool reminder_due(const ConditionTracker *t, const Condition *c, usec_t now) {
        return t->reminder != 0 && now >= c->last_sent && now - c->last_sent >= t->reminder;
}

ConditionChange condition_peek(const ConditionTracker *t, const char *check, const char *kind, bool active,
                               usec_t now) {
        const Condition *c = find(t, check ? check : "", kind);

        if (!active)
                return c ? CONDITION_RESOLVED : CONDITION_NONE;
        if (!c)
                return CONDITION_STARTED;
        return reminder_due(t, c, now) ? CONDITION_REMINDER : CONDITION_NONE;
}

ConditionChange condition_update(ConditionTracker *t, const char *check, const char *kind, bool active,
                                 usec_t now, usec_t *ret_since) {
        Condition *c = find(t, check ? check : "", kind);
        usec_t since;

        if (!active) {
                if (!c)
                        return CONDITION_NONE;
                t->buckets[bucket(c->check, c->kind)]--;
                since = c->since;
                free(c->check);
                free(c->kind);
                *c = t->items[--t->n]; /* order does not matter */
                if (ret_since)
                        *ret_since = since;
                return CONDITION_RESOLVED;
        }
        if (!c) {
                /* Full: report as new every time rather than stay silent. */
                if (t->n < CONDITION_MAX) {
                        t->items[t->n++] = (Condition) { xstrdup(check ? check : ""), xstrdup(kind), now, now };
                        t->buckets[bucket(check ? check : "", kind)]++;
                }
                if (ret_since)
                        *ret_since = now;
                return CONDITION_STARTED;
        }
        if (!reminder_due(t, c, now))
                return CONDITION_NONE;
        c->last_sent = now;
        if (ret_since)
                *ret_since = c->since;
        return CONDITION_REMINDER;
}

size_t condition_active_count(const ConditionTracker *t) {
        return t->n;
}
