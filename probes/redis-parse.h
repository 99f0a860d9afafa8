/* redis-parse.h: the pure parts of the redis probe.
 *
 * INFO's "field:value\r\n" lines (used_memory, maxmemory), the max_memory
 * key ("512MB" with Redis' own units, or "80%" of the server's maxmemory),
 * byte counts written back for reasons ("600MB"), and the budget of what
 * hiredis may build from a peer's replies: hiredis 0.14.1 allocates an
 * array for as many elements as the peer announces ("*2147483647" is 16 GB
 * of pointers, freed one by one at the deadline), so each object is
 * admitted here, by count, nesting and bytes, before hiredis builds it.
 *
 * See also: redis.c, tests/test-probe-parsers.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0 and the number of field in an INFO reply; -ENOENT when absent,
 * -EBADMSG when not a plain decimal number. */
int redis_info_get_u64(const char *info, size_t len, const char *field, uint64_t *ret);

typedef struct RedisMaxMemory {
        bool percent;           /* value is a percentage of the server's maxmemory */
        uint64_t value;         /* bytes, or 1..100 */
} RedisMaxMemory;

/* "1000", "100kb", "512MB", "1g" (k=1000, kb=1024, as redis.conf), "80%". */
int redis_max_memory_parse(const char *s, RedisMaxMemory *ret);

/* percent (1..100) of max, rounded down, for any max the peer may claim:
 * never wraps. */
uint64_t redis_percent_of(uint64_t max, uint64_t percent);

/* "512B", "12KB", "600MB", "1.5GB" (1024-based). */
const char *redis_format_bytes(char *buf, size_t size, uint64_t n);

#define REDIS_REPLY_ELEMENTS_MAX 1024   /* elements of one array */
#define REDIS_REPLY_DEPTH_MAX 3         /* arrays within arrays */
#define REDIS_REPLY_OBJECTS_MAX 4096    /* objects of a run's replies, arrays included */
#define REDIS_REPLY_BYTES_MAX (64U * 1024U) /* string bytes of a run's replies */

typedef struct RedisReplyBudget {
        unsigned replies_max;   /* top-level replies expected: the commands sent */
        unsigned replies;
        size_t objects;
        size_t bytes;
} RedisReplyBudget;

/* Admits one object hiredis is about to build: depth is the number of
 * arrays it is in (0 for a reply itself), elements the count an array
 * announces (-1 for anything else), len a string's length. 0 when within
 * the budget (and counted), else -E2BIG with the bound it breaks in reason:
 * "reply array of 2147483647 elements above 1024". */
int redis_reply_admit(RedisReplyBudget *b, unsigned depth, long long elements, size_t len, char *reason,
                      size_t size);
