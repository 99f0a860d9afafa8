/* redis-parse.h: the pure parts of the redis probe.
 *
 * INFO's "field:value\r\n" lines (used_memory, maxmemory), the max_memory
 * key ("512MB" with Redis' own units, or "80%" of the server's maxmemory),
 * and byte counts written back for reasons ("600MB").
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

/* "512B", "12KB", "600MB", "1.5GB" (1024-based). */
const char *redis_format_bytes(char *buf, size_t size, uint64_t n);
