/* fuzz-redis.c: the redis probe's own parsers on a peer's INFO reply and on
 * max_memory values.
 *
 * hiredis turns the RESP stream into a reply; the bulk string of "INFO
 * memory" is then read by redis_info_get_u64() for used_memory and
 * maxmemory, and the sizes are written into reasons by redis_format_bytes()
 * in the probe's buffers. The same bytes, as a C string, are a max_memory
 * value for redis_max_memory_parse(). Properties: a field is found only
 * where its line says "field:digits"; a parsed size is a percentage of 1 to
 * 100 or a positive byte count, and always fits the probe's reason buffer.
 *
 * See also: probes/redis-parse.h, probes/redis.c, tests/test-probe-parsers.c.
 */
#include "probes/redis-parse.h"
#include "tests/fuzz/fuzz.h"

static void check_field(const char *info, size_t len, const char *field) {
        size_t flen = strlen(field);
        uint64_t v;
        char buf[32];
        int r;

        r = redis_info_get_u64(info, len, field, &v);
        FUZZ_CHECK(r == 0 || r == -ENOENT || r == -EBADMSG);
        if (r < 0)
                return;
        /* Found: some line starts with "field:" and a digit. */
        bool seen = false;
        for (const char *p = info, *end = info + len; p < end && !seen;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = (size_t) ((nl ? nl : end) - p);

                seen = n > flen + 1 && memcmp(p, field, flen) == 0 && p[flen] == ':' &&
                       p[flen + 1] >= '0' && p[flen + 1] <= '9';
                p += n + 1;
        }
        FUZZ_CHECK(seen);
        FUZZ_CHECK(strlen(redis_format_bytes(buf, sizeof(buf), v)) < sizeof(buf) - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* An exact-size copy: INFO's bulk string is not NUL-terminated here. */
        char *info = malloc(size ? size : 1), *value;
        RedisMaxMemory m;
        char buf[32];

        if (!info)
                abort();
        memcpy(info, data, size);
        check_field(info, size, "used_memory");
        check_field(info, size, "maxmemory");
        free(info);

        value = fuzz_strndup(data, size);
        if (redis_max_memory_parse(value, &m) == 0) {
                FUZZ_CHECK(m.percent ? m.value >= 1 && m.value <= 100 : m.value > 0);
                FUZZ_CHECK(strlen(redis_format_bytes(buf, sizeof(buf), m.value)) < sizeof(buf) - 1);
        }
        free(value);
        return 0;
}
