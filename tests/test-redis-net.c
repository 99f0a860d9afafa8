/* test-redis-net.c: the redis probe against a real redis-server.
 *
 * Two redis-server instances from Debian's package on free loopback ports
 * (no persistence): an open one with maxmemory 10mb and a unix socket, and
 * one with requirepass. Cases: PONG over TCP and the unix socket, NOAUTH
 * without a password, a wrong password, the right one, used_memory against
 * max_memory as bytes and as a percentage (PROBE_THRESHOLD above it),
 * Redis frozen with SIGSTOP, Redis gone, and hostile peers (garbage, an
 * endless bulk reply, an early close). Bounded by count as well as bytes,
 * each with the test process' peak RSS growth and time to the result
 * metered (test-hostile.h): "*2147483647" flooded or trickled with one-byte
 * bulks, a within-bounds array trickled until the deadline, nesting, a wide
 * tree of small objects, many bulks, and endless PONGs to one PING (hiredis
 * 0.14.1 asserts on a reply without a command).
 *
 * See also: probes/redis.c, probes/redis-event.c, test-net.h.
 */
#include "tests/test-hostile.h"

#define REDIS "/usr/bin/redis-server"

static pid_t start_redis(uint16_t port, const char *extra, const char *value) {
        char p[8];
        char *argv[] = { REDIS, "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", net_dir, "--maxmemory", "10mb", "--unixsocket", (char *) net_path("redis.sock"),
                         NULL };

        snprintf(p, sizeof(p), "%u", port);
        if (extra) { /* the second instance: no maxmemory, no socket, a password */
                argv[11] = (char *) extra;
                argv[12] = (char *) value;
                argv[13] = NULL;
        }
        pid_t pid = net_spawn(extra ? "redis-auth.log" : "redis.log", argv);
        return net_wait_port(port, extra ? "redis-auth.log" : "redis.log") ? pid : -1;
}

static void test_hostile(void) {
        static char bulk[1024 * 1024];
        uint16_t p;
        pid_t pid;

        pid = net_hostile_peer(&p, "HTTP/1.1 400 Bad Request\r\n\r\n", 28, 1);
        net_expect("redis garbage", net_conf("type = redis\nport = %u\n", p), PROBE_PROTOCOL_ERROR,
                   "malformed reply: Protocol error");
        net_kill(pid);
        memset(bulk, 'x', sizeof(bulk));
        memcpy(bulk, "$999999999\r\n", 12);
        pid = net_hostile_peer(&p, bulk, sizeof(bulk), 4);
        net_expect("redis endless bulk", net_conf("type = redis\nport = %u\n", p), PROBE_OVERLONG,
                   "reply to PING longer than 65536 bytes");
        net_kill(pid);
        /* A maxmemory whose 80% once wrapped 2^64 to a limit of 0: a healthy server "above max_memory 0B". */
        static const char huge[] = "+PONG\r\n$58\r\n# Memory\r\nused_memory:1000\r\nmaxmemory:230584300921369396\r\n\r\n";
        pid = net_hostile_peer(&p, huge, sizeof(huge) - 1, 1);
        net_expect("redis huge maxmemory", net_conf("type = redis\nport = %u\nmax_memory = 80%%\n", p), PROBE_OK,
                   "used_memory 1000B within max_memory");
        net_kill(pid);
        pid = hostile_stream_peer(&(HostileStream) { .close = true }, &p); /* accepts, then closes */
        net_expect("redis closed", net_conf("type = redis\nport = %u\n", p), PROBE_CLOSED,
                   "connection closed by peer while waiting for reply to PING");
        net_kill(pid);
}

/* One hostile case with a timeout of seconds: at most 20 MB more RSS, and
 * the result no later than a second after the deadline (no stall). */
static void redis_hostile(const char *name, const HostileStream *s, unsigned seconds, ProbeStatus status,
                          const char *words) {
        uint16_t p;
        pid_t pid = hostile_stream_peer(s, &p);

        hostile_expect(name, net_conf("type = redis\nport = %u\ntimeout = %us\n", p, seconds), status, words,
                       20 << 10, seconds + 1.0);
        net_kill(pid);
}

#define STR(s) s, sizeof(s) - 1

/* What hiredis would build for a peer, bounded by count as well as bytes. */
static void test_bounds(void) {
        static char tree[8 + 4 * 1000], bulks[8 + 1002];
        const HostileStream flood = { STR("*2147483647\r\n"), STR("$1\r\nx\r\n"), .max_bytes = 64 << 20 };
        const HostileStream trickle = { STR("*2147483647\r\n"), STR("$1\r\nx\r\n"), .gap_ms = 2 };
        const HostileStream slow = { STR("*1024\r\n"), STR("$1\r\nx\r\n"), .gap_ms = 5 };
        const HostileStream nested = { STR("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n") };
        const HostileStream extra = { STR("+PONG\r\n"), STR("+PONG\r\n"), .max_bytes = 1 << 20 };
        HostileStream wide = { STR("*1024\r\n"), tree, 0, .max_bytes = 4 << 20 };
        HostileStream big = { STR("*1024\r\n"), bulks, 0, .max_bytes = 4 << 20 };

        wide.chunk_len = (size_t) snprintf(tree, sizeof(tree), "*1000\r\n");
        for (int i = 0; i < 1000; i++)
                wide.chunk_len += (size_t) snprintf(tree + wide.chunk_len, sizeof(tree) - wide.chunk_len, ":1\r\n");
        big.chunk_len = (size_t) snprintf(bulks, sizeof(bulks), "$1000\r\n%01000d\r\n", 0);

        redis_hostile("redis 2^31 array, flooded", &flood, 2, PROBE_OVERLONG,
                      "reply array of 2147483647 elements above 1024");
        redis_hostile("redis 2^31 array, trickled", &trickle, 1, PROBE_OVERLONG,
                      "reply array of 2147483647 elements above 1024");
        redis_hostile("redis trickled bulks", &slow, 1, PROBE_TIMEOUT, "no reply to PING within 1s");
        redis_hostile("redis nested arrays", &nested, 1, PROBE_OVERLONG, "reply arrays nested 4 deep above 3");
        redis_hostile("redis wide tree", &wide, 2, PROBE_OVERLONG, "reply of more than 4096 objects");
        redis_hostile("redis many bulks", &big, 2, PROBE_OVERLONG, "replies of more than 65536 bytes");
        redis_hostile("redis endless PONGs", &extra, 1, PROBE_OK, "PING answered PONG");
}

/* What the exporter shows: used_memory, a little above zero, and the
 * server's maxmemory of 10mb (read for max_memory = N%). */
static void check_memory_values(uint16_t port) {
        ProbeResult r = {};
        double used = 0, max = 0;

        CHECK(net_probe(net_conf("type = redis\nport = %u\nmax_memory = 90%%\n", port), &r));
        CHECK_INT(probe_result_value(&r, "redis_memory_used_bytes", NULL, &used), 0);
        CHECK(used > 100000 && used < 10 * 1024 * 1024);
        CHECK_INT(probe_result_value(&r, "redis_memory_max_bytes", NULL, &max), 0);
        CHECK(max == 10 * 1024 * 1024);
}

int main(void) {
        uint16_t port, aport;
        pid_t redis, auth;

        net_require(REDIS);
        net_setup();
        port = net_free_port();
        aport = net_free_port();
        redis = start_redis(port, NULL, NULL);
        auth = start_redis(aport, "--requirepass", "s3cret word");
        CHECK(redis > 0 && auth > 0);
        if (redis > 0 && auth > 0) {
                net_expect("redis PONG", net_conf("type = redis\nport = %u\n", port), PROBE_OK, "PING answered PONG");
                net_expect("redis unix socket", net_conf("type = redis\nsocket = %s\n", net_path("redis.sock")),
                           PROBE_OK, "PING answered PONG");
                net_expect("redis NOAUTH", net_conf("type = redis\nport = %u\n", aport), PROBE_BAD_REPLY,
                           "PING answered NOAUTH Authentication required");
                net_expect("redis wrong password", net_conf("type = redis\nport = %u\npassword = nope\n", aport),
                           PROBE_BAD_REPLY, "AUTH answered WRONGPASS");
                net_expect("redis password", net_conf("type = redis\nport = %u\npassword = s3cret word\n"
                           "max_memory = 1GB\n", aport), PROBE_OK, "PING answered PONG, used_memory");
                net_expect("redis above max_memory", net_conf("type = redis\nport = %u\nmax_memory = 100kb\n", port),
                           PROBE_THRESHOLD, "above max_memory 100KB");
                check_memory_values(port);
                net_expect("redis within 90%", net_conf("type = redis\nport = %u\nmax_memory = 90%%\n", port),
                           PROBE_OK, "within max_memory 9MB (90% of 10MB)");
                net_expect("redis above 1%", net_conf("type = redis\nport = %u\nmax_memory = 1%%\n", port),
                           PROBE_THRESHOLD, "above max_memory 102KB (1% of 10MB)");
                net_expect("redis 80% without maxmemory", net_conf("type = redis\nport = %u\npassword = s3cret word\n"
                           "max_memory = 80%%\n", aport), PROBE_THRESHOLD, "the server has no maxmemory");
                net_signal(redis, SIGSTOP);
                net_expect("redis hung", net_conf("type = redis\nport = %u\ntimeout = 1s\n", port), PROBE_TIMEOUT,
                           "no reply to PING within 1s");
        }
        net_kill(redis);
        net_kill(auth);
        net_expect("redis stopped", net_conf("type = redis\nport = %u\n", port), PROBE_CONNECT_REFUSED,
                   "connection refused");
        net_expect("redis stale socket", net_conf("type = redis\nsocket = %s\n", net_path("redis.sock")),
                   PROBE_CONNECT_REFUSED, "connection refused");
        net_expect("redis no socket", net_conf("type = redis\nsocket = %s\n", net_path("nothing.sock")),
                   PROBE_CONNECT_ERROR, "connect failed: No such file");
        test_hostile();
        test_bounds();
        net_cleanup();
        return tests_summary("test-redis-net");
}
