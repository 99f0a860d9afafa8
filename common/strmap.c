/* strmap.c: open addressing, linear probing, at most half full (strmap.h). */
#include "common/strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *key) {
        uint64_t h = 14695981039346656037ULL; /* FNV-1a */

        for (const char *c = key; *c; c++)
                h = (h ^ (uint8_t) *c) * 1099511628211ULL;
        return (size_t) (h ^ (h >> 29));
}

static StrMapSlot *slot_for(const StrMapSlot *slots, size_t size, const char *key) {
        size_t i = hash(key) & (size - 1);

        while (slots[i].key && strcmp(slots[i].key, key) != 0)
                i = (i + 1) & (size - 1);
        return (StrMapSlot *) &slots[i];
}

static int grow(StrMap *m) {
        size_t size = m->size ? m->size * 2 : 64;
        StrMapSlot *slots = calloc(size, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < m->size; i++)
                if (m->slots[i].key)
                        *slot_for(slots, size, m->slots[i].key) = m->slots[i];
        free(m->slots);
        m->slots = slots;
        m->size = size;
        return 0;
}

int strmap_put(StrMap *m, const char *key, size_t value) {
        StrMapSlot *s;

        if ((m->n + 1) * 2 > m->size && grow(m) < 0)
                return -ENOMEM;
        s = slot_for(m->slots, m->size, key);
        if (!s->key) {
                s->key = key;
                m->n++;
        }
        s->value = value;
        return 0;
}

bool strmap_get(const StrMap *m, const char *key, size_t *ret) {
        const StrMapSlot *s;

        if (m->size == 0)
                return false;
        s = slot_for(m->slots, m->size, key);
        if (!s->key)
                return false;
        if (ret)
                *ret = s->value;
        return true;
}

/* Backward-shift deletion: the entries after the removed one that probed
 * past it move back, so no lookup stops early and no tombstone is left. */
bool strmap_remove(StrMap *m, const char *key) {
        size_t mask = m->size - 1, hole, j;

        if (m->size == 0 || !slot_for(m->slots, m->size, key)->key)
                return false;
        hole = j = (size_t) (slot_for(m->slots, m->size, key) - m->slots);
        for (;;) {
                size_t home;

                j = (j + 1) & mask;
                if (!m->slots[j].key)
                        break;
                home = hash(m->slots[j].key) & mask;
                /* the entry at j stays if its home lies cyclically in (hole, j] */
                if (hole <= j ? (hole < home && home <= j) : (hole < home || home <= j))
                        continue;
                m->slots[hole] = m->slots[j];
                hole = j;
        }
        m->slots[hole] = (StrMapSlot) {};
        m->n--;
        return true;
}

void strmap_clear(StrMap *m) {
        free(m->slots);
        *m = (StrMap) {};
}
