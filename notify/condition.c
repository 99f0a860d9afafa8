/* condition.c: the condition tracker (see condition.h). */
#include "notify/condition.h"

typedef struct Condition {
        char *check;
        char *kind;
        usec_t since;
        usec_t last_sent;
} Condition;

struct ConditionTracker {
        usec_t reminder;
        Condition items[CONDITION_MAX];
        size_t n;
};

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

static Condition *find(ConditionTracker *t, const char *check, const char *kind) {
        for (size_t i = 0; i < t->n; i++)
                if (streq(t->items[i].check, check) && streq(t->items[i].kind, kind))
                        return &t->items[i];
        return NULL;
}

ConditionChange condition_update(ConditionTracker *t, const char *check, const char *kind, bool active,
                                 usec_t now, usec_t *ret_since) {
        Condition *c = find(t, check ? check : "", kind);
        usec_t since;

        if (!active) {
                if (!c)
                        return CONDITION_NONE;
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
                if (t->n < CONDITION_MAX)
                        t->items[t->n++] = (Condition) { xstrdup(check ? check : ""), xstrdup(kind), now, now };
                if (ret_since)
                        *ret_since = now;
                return CONDITION_STARTED;
        }
        if (t->reminder == 0 || now < c->last_sent || now - c->last_sent < t->reminder)
                return CONDITION_NONE;
        c->last_sent = now;
        if (ret_since)
                *ret_since = c->since;
        return CONDITION_REMINDER;
}

size_t condition_active_count(const ConditionTracker *t) {
        return t->n;
}
