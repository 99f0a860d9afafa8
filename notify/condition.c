/* condition.c: the condition tracker (see condition.h). */
#include "notify/condition.h"

#include "common/strmap.h"

typedef struct Condition {
        char *key;              /* "check\x1fkind": the map's key */
        usec_t since;
        usec_t last_sent;
} Condition;

/* As many conditions as hold (10,000 failing checks are 10,000), each found
 * by name through a hash map: no scan per probe, no limit that would make a
 * condition "new" again every cycle. */
struct ConditionTracker {
        usec_t reminder;
        Condition *items;
        size_t n, allocated;
        StrMap index;           /* key -> position in items */
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
        for (size_t i = 0; i < t->n; i++)
                free(t->items[i].key);
        free(t->items);
        strmap_clear(&t->index);
        free(t);
        return NULL;
}

void condition_tracker_set_reminder(ConditionTracker *t, usec_t reminder) {
        t->reminder = reminder;
}

/* The key of (check, kind) in buf, or in a new allocation (*heap) when long. */
static const char *make_key(const char *check, const char *kind, char *buf, size_t size, char **heap) {
        size_t a, b = strlen(kind);
        char *k = buf;

        check = check ?: "";
        a = strlen(check);
        *heap = NULL;
        if (a + b + 2 > size) {
                k = *heap = malloc(a + b + 2);
                if (!k)
                        abort(); /* out of memory, as in xstrdup() */
        }
        /* Not snprintf(): asked several times for every probe's result. */
        memcpy(k, check, a);
        k[a] = '\x1f';
        memcpy(k + a + 1, kind, b + 1);
        return k;
}

static Condition *find(const ConditionTracker *t, const char *key) {
        size_t i;

        return strmap_get(&t->index, key, &i) ? &t->items[i] : NULL;
}

static Condition *add(ConditionTracker *t, const char *key, usec_t now) {
        Condition *c;

        if (t->n == t->allocated) {
                size_t n = t->allocated ? t->allocated * 2 : 16;

                c = reallocarray(t->items, n, sizeof(*c));
                if (!c)
                        return NULL;
                t->items = c;
                t->allocated = n;
        }
        c = &t->items[t->n];
        *c = (Condition) { xstrdup(key), now, now };
        if (strmap_put(&t->index, c->key, t->n) < 0) {
                free(c->key);
                return NULL;
        }
        t->n++;
        return c;
}

static void drop(ConditionTracker *t, Condition *c) {
        size_t i = (size_t) (c - t->items);

        (void) strmap_remove(&t->index, c->key);
        free(c->key);
        if (i != --t->n) {
                t->items[i] = t->items[t->n]; /* order does not matter */
                if (strmap_put(&t->index, t->items[i].key, i) < 0)
                        abort(); /* replaces an entry: no allocation */
        }
}

static bool reminder_due(const ConditionTracker *t, const Condition *c, usec_t now) {
        return t->reminder != 0 && now >= c->last_sent && now - c->last_sent >= t->reminder;
}

ConditionChange condition_peek(const ConditionTracker *t, const char *check, const char *kind, bool active,
                               usec_t now) {
        char buf[256], *heap;
        const Condition *c;

        /* Every probe's result asks, most of them of a tracker that holds nothing. */
        if (t->n == 0)
                return active ? CONDITION_STARTED : CONDITION_NONE;
        c = find(t, make_key(check, kind, buf, sizeof(buf), &heap));
        free(heap);
        if (!active)
                return c ? CONDITION_RESOLVED : CONDITION_NONE;
        if (!c)
                return CONDITION_STARTED;
        return reminder_due(t, c, now) ? CONDITION_REMINDER : CONDITION_NONE;
}

ConditionChange condition_update(ConditionTracker *t, const char *check, const char *kind, bool active,
                                 usec_t now, usec_t *ret_since) {
        char buf[256], *heap;
        const char *key = make_key(check, kind, buf, sizeof(buf), &heap);
        Condition *c = find(t, key);
        ConditionChange change = CONDITION_NONE;
        usec_t since = now;

        if (!active) {
                if (c) {
                        since = c->since;
                        drop(t, c);
                        change = CONDITION_RESOLVED;
                }
        } else if (!c) {
                /* Out of memory: reported as new each time rather than silent. */
                (void) add(t, key, now);
                change = CONDITION_STARTED;
        } else if (reminder_due(t, c, now)) {
                c->last_sent = now;
                since = c->since;
                change = CONDITION_REMINDER;
        }
        free(heap);
        if (change != CONDITION_NONE && ret_since)
                *ret_since = since;
        return change;
}

size_t condition_active_count(const ConditionTracker *t) {
        return t->n;
}
