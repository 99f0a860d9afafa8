/* strmap.h: a string -> index map, for lookups by name that must not scan.
 *
 * Finding a check by its name with a loop over all checks made start-up,
 * reload and every lookup by name cost N steps each: N squared for a
 * configuration of N checks (10,000 checks: seconds of CPU in the config
 * parser alone). This is the plain open-addressing hash table those
 * lookups share. The map does not copy its keys: each must stay valid (and
 * unchanged) while it is in the map, as a check's strdup'd name does.
 *
 * See also: supervisor/config-parse.c, supervisor/state.c, supervisor.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct StrMapSlot {
        const char *key;        /* NULL: free */
        size_t value;
} StrMapSlot;

typedef struct StrMap {
        StrMapSlot *slots;
        size_t n, size;         /* entries, slots (a power of two, or 0) */
} StrMap;

/* Adds key, or sets its value if present. -ENOMEM. */
int strmap_put(StrMap *m, const char *key, size_t value);
/* true and *ret (may be NULL) set when key is in the map. */
bool strmap_get(const StrMap *m, const char *key, size_t *ret);
/* Removes key; false if it was not there. */
bool strmap_remove(StrMap *m, const char *key);
/* Empties the map and frees its table (not the keys). */
void strmap_clear(StrMap *m);
