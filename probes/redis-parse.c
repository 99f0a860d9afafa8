/* redis-parse.c: INFO fields, memory sizes, the reply budget (see redis-parse.h). */
#include "probes/redis-parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int redis_info_get_u64(const char *info, size_t len, const char *field, uint64_t *ret) {
        size_t flen = strlen(field);
        const char *p = info, *end = info + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *eol = nl ? nl : end;

                if ((size_t) (eol - p) > flen && memcmp(p, field, flen) == 0 && p[flen] == ':') {
                        uint64_t v = 0;
                        const char *d = p + flen + 1;

                        if (d == eol || !isdigit((unsigned char) *d))
                                return -EBADMSG;
                        for (; d < eol && isdigit((unsigned char) *d); d++) {
                                if (v > (UINT64_MAX - 9) / 10)
                                        return -EBADMSG;
                                v = v * 10 + (uint64_t) (*d - '0');
                        }
                        if (d < eol && !(*d == '\r' && d + 1 == eol))
                                return -EBADMSG;
                        *ret = v;
                        return 0;
                }
                p = eol + 1;
        }
        return -ENOENT;
}

int redis_max_memory_parse(const char *s, RedisMaxMemory *ret) {
        static const struct {
                const char *suffix;
                uint64_t mult;
        } units[] = {
                { "", 1 }, { "b", 1 }, { "k", 1000 }, { "kb", 1024 }, { "m", 1000000 }, { "mb", 1024 * 1024 },
                { "g", 1000000000 }, { "gb", 1024 * 1024 * 1024 },
        };
        uint64_t v = 0;
        const char *p = s;

        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                if (v > 1000000000000ULL)
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (strcmp(p, "%") == 0) {
                if (v < 1 || v > 100)
                        return -EINVAL;
                *ret = (RedisMaxMemory) { .percent = true, .value = v };
                return 0;
        }
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (strcasecmp(p, units[i].suffix) == 0) {
                        if (v == 0 || v > UINT64_MAX / units[i].mult)
                                return -EINVAL;
                        *ret = (RedisMaxMemory) { .value = v * units[i].mult };
                        return 0;
                }
        return -EINVAL;
}

uint64_t redis_percent_of(uint64_t max, uint64_t percent) {
        /* max = 100q + r: max * p / 100 = q * p + r * p / 100, neither term past max. */
        return max / 100 * percent + max % 100 * percent / 100;
}

const char *redis_format_bytes(char *buf, size_t size, uint64_t n) {
        if (n < 1024)
                snprintf(buf, size, "%lluB", (unsigned long long) n);
        else if (n < 1024 * 1024)
                snprintf(buf, size, "%lluKB", (unsigned long long) (n / 1024));
        else if (n < 1024ULL * 1024 * 1024)
                snprintf(buf, size, "%lluMB", (unsigned long long) (n / (1024 * 1024)));
        else
                snprintf(buf, size, "%.1fGB", (double) n / (1024.0 * 1024 * 1024));
        return buf;
}

int redis_reply_admit(RedisReplyBudget *b, unsigned depth, long long elements, size_t len, char *reason,
                      size_t size) {
        if (depth == 0 && b->replies >= b->replies_max) {
                snprintf(reason, size, "more replies than the %u command%s sent", b->replies_max,
                         b->replies_max == 1 ? "" : "s");
                return -E2BIG;
        }
        if (elements > REDIS_REPLY_ELEMENTS_MAX) {
                snprintf(reason, size, "reply array of %lld elements above %d", elements, REDIS_REPLY_ELEMENTS_MAX);
                return -E2BIG;
        }
        if (elements >= 0 && depth + 1 > REDIS_REPLY_DEPTH_MAX) {
                snprintf(reason, size, "reply arrays nested %u deep above %d", depth + 1, REDIS_REPLY_DEPTH_MAX);
                return -E2BIG;
        }
        if (b->objects >= REDIS_REPLY_OBJECTS_MAX) {
                snprintf(reason, size, "reply of more than %d objects", REDIS_REPLY_OBJECTS_MAX);
                return -E2BIG;
        }
        if (len > REDIS_REPLY_BYTES_MAX - b->bytes) {
                snprintf(reason, size, "replies of more than %u bytes", REDIS_REPLY_BYTES_MAX);
                return -E2BIG;
        }
        b->replies += depth == 0;
        b->objects++;
        b->bytes += len;
        return 0;
}
