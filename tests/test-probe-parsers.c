/* test-probe-parsers.c: the pure parsers of the http, dns and redis probes
 * on recorded and hostile bytes.
 *
 * Also: the types' own keys through the real config loader, each mistake
 * reported with its FILE:LINE.
 *
 * See also: probes/http-parse.c, probes/dns-parse.c, probes/redis-parse.c.
 */
#include <errno.h>

#include "probes/dns-parse.h"
#include "probes/http-parse.h"
#include "probes/redis-parse.h"
#include "supervisor/config.h"
#include "tests/tests.h"

static void test_http_status(void) {
        HttpStatusSet s;

        CHECK_INT(http_status_set_parse("200", &s), 0);
        CHECK(http_status_set_contains(&s, 200) && !http_status_set_contains(&s, 201));
        CHECK_INT(http_status_set_parse("200-299", &s), 0);
        CHECK(http_status_set_contains(&s, 200) && http_status_set_contains(&s, 299));
        CHECK(!http_status_set_contains(&s, 300) && !http_status_set_contains(&s, 199));
        CHECK_INT(http_status_set_parse("200,204", &s), 0);
        CHECK(http_status_set_contains(&s, 204) && !http_status_set_contains(&s, 203));
        CHECK_INT(http_status_set_parse(" 200 , 301 - 302 ", &s), 0);
        CHECK(http_status_set_contains(&s, 302) && !http_status_set_contains(&s, 303));
        CHECK_INT(s.n, 2);
        for (const char *const *bad = (const char *const[]) { "", "20", "2000", "099", "600", "abc", "200-",
                     "299-200", "200,", ",200", "200;204", "+200", "200 204", "0x0c8", NULL }; *bad; bad++) {
                if (http_status_set_parse(*bad, &s) != -EINVAL)
                        fprintf(stderr, "expect_status '%s' accepted\n", *bad);
                CHECK_INT(http_status_set_parse(*bad, &s), -EINVAL);
        }
        CHECK_INT(http_status_set_parse("200,201,202,203,204,205,206,207,208,209,210,211,212,213,214,215,216", &s),
                  -E2BIG);
}

/* Recorded from Unbound 1.17 (tests/test-dns-net.c's config): a.mailsup.test A,
 * two answers, names compressed against the question. */
static const unsigned char unbound_a[] = {
        0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x01, 'a', 0x07, 'm', 'a', 'i', 'l', 's', 'u', 'p', 0x04, 't', 'e', 's', 't', 0x00, 0x00, 0x01, 0x00, 0x01,
        0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 192, 0, 2, 1,
        0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 192, 0, 2, 2,
};

/* mailsup.test MX 10 mx.mailsup.test, the exchange compressed into the owner. */
static const unsigned char unbound_mx[] = {
        0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x07, 'm', 'a', 'i', 'l', 's', 'u', 'p', 0x04, 't', 'e', 's', 't', 0x00, 0x00, 0x0f, 0x00, 0x01,
        0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x07, 0x00, 0x0a,
        0x02, 'm', 'x', 0xc0, 0x0c,
};

/* unbound_a's header and question, then n bytes of answer section. */
static size_t dns_message(unsigned char *m, unsigned an, const void *answers, size_t n) {
        memcpy(m, unbound_a, 32);
        m[6] = (unsigned char) (an >> 8), m[7] = (unsigned char) an;
        memcpy(m + 32, answers, n);
        return 32 + n;
}

/* Counts and sizes above the bounds, and loops, refused with their names. */
static void test_dns_bounds(void) {
        static unsigned char m[DNS_MESSAGE_MAX + 64], rr[DNS_MESSAGE_MAX];
        DnsAnswers a;
        size_t n;

        /* A label, then a pointer back to it: backwards, and still a loop. */
        n = dns_message(m, 1, "\x01x\xc0\x20", 4);
        CHECK_INT(dns_answers_parse(m, n, DNS_TYPE_A, &a), -EBADMSG);
        CHECK_STREQ(a.error, "name compression loop at offset 34");
        n = dns_message(m, 65535, unbound_a + 32, sizeof(unbound_a) - 32);
        CHECK_INT(dns_answers_parse(m, n, DNS_TYPE_A, &a), -E2BIG);
        CHECK_STREQ(a.error, "answer of 65535 records above 64");
        n = dns_message(m, 65, unbound_a + 32, sizeof(unbound_a) - 32);
        CHECK_INT(dns_answers_parse(m, n, DNS_TYPE_A, &a), -E2BIG);
        n = dns_message(m, 64, unbound_a + 32, sizeof(unbound_a) - 32);
        CHECK_INT(dns_answers_parse(m, n, DNS_TYPE_A, &a), -EBADMSG); /* 64 claimed, 2 there */
        CHECK_STREQ(a.error, "name at offset 64 runs past the end");
        /* One TXT record of 5000 bytes: 20 strings of 250. */
        memcpy(rr, "\xc0\x0c\x00\x10\x00\x01\x00\x00\x0e\x10\x13\x88", 12);
        for (int i = 0; i < 20; i++) {
                rr[12 + i * 250] = 249;
                memset(rr + 13 + i * 250, 'v', 249);
        }
        n = dns_message(m, 1, rr, 12 + 5000);
        CHECK_INT(dns_answers_parse(m, n, DNS_TYPE_TXT, &a), -E2BIG);
        CHECK_STREQ(a.error, "TXT record of 5000 bytes above 4096");
        n = dns_message(m, 0, rr, DNS_MESSAGE_MAX - 31);
        CHECK_INT(dns_answers_parse(m, n, DNS_TYPE_A, &a), -E2BIG);
        CHECK_STREQ(a.error, "answer of 16385 bytes above 16384");
        /* A question name of 5 labels of 63 bytes: 321 bytes. */
        memcpy(m, unbound_a, 12);
        for (int i = 0; i < 5; i++) {
                m[12 + i * 64] = 63;
                memset(m + 13 + i * 64, 'n', 63);
        }
        m[12 + 5 * 64] = 0;
        CHECK_INT(dns_answers_parse(m, 12 + 5 * 64 + 5, DNS_TYPE_A, &a), -EBADMSG);
        CHECK_STREQ(a.error, "name at offset 12 longer than 255 bytes");
}

static void test_dns(void) {
        unsigned char m[sizeof(unbound_a)];
        DnsAnswers a;
        char rc[16];

        CHECK_INT(dns_answers_parse(unbound_a, sizeof(unbound_a), DNS_TYPE_A, &a), 0);
        CHECK_INT(a.rcode, 0);
        CHECK_INT(a.n, 2);
        CHECK_STREQ(a.value[0], "192.0.2.1");
        CHECK(dns_answers_contain(&a, DNS_TYPE_A, "192.0.2.2") && !dns_answers_contain(&a, DNS_TYPE_A, "192.0.2.3"));
        CHECK_INT(dns_answers_parse(unbound_a, sizeof(unbound_a), DNS_TYPE_AAAA, &a), 0);
        CHECK_INT(a.n, 0); /* other types are skipped, not misread */
        CHECK_INT(dns_answers_parse(unbound_mx, sizeof(unbound_mx), DNS_TYPE_MX, &a), 0);
        CHECK_STREQ(a.value[0], "10 mx.mailsup.test");
        CHECK(dns_answers_contain(&a, DNS_TYPE_MX, "MX.mailsup.test.") &&
              dns_answers_contain(&a, DNS_TYPE_MX, "10 mx.mailsup.test"));
        /* Every truncation of a good message is refused, never overread. */
        for (size_t n = 0; n < sizeof(unbound_a); n++)
                CHECK_INT(dns_answers_parse(unbound_a, n, DNS_TYPE_A, &a), -EBADMSG);
        /* A pointer to itself (a loop) and a pointer forwards. */
        memcpy(m, unbound_a, sizeof(m));
        m[32] = 0xc0, m[33] = 32;
        CHECK_INT(dns_answers_parse(m, sizeof(m), DNS_TYPE_A, &a), -EBADMSG);
        CHECK_STREQ(a.error, "name compression loop at offset 32");
        m[33] = 40;
        CHECK_INT(dns_answers_parse(m, sizeof(m), DNS_TYPE_A, &a), -EBADMSG);
        CHECK_STREQ(a.error, "name compression pointer at offset 32 points forward");
        test_dns_bounds();
        /* rcode: SERVFAIL with no answers; a query (QR clear) is no answer. */
        memcpy(m, unbound_a, sizeof(m));
        m[3] = 0x82, m[7] = 0;
        CHECK_INT(dns_answers_parse(m, 32, DNS_TYPE_A, &a), 0);
        CHECK_STREQ(dns_rcode_to_string(a.rcode, rc, sizeof(rc)), "SERVFAIL");
        CHECK_STREQ(dns_rcode_to_string(11, rc, sizeof(rc)), "RCODE11");
        m[2] = 0x01;
        CHECK_INT(dns_answers_parse(m, 32, DNS_TYPE_A, &a), -EBADMSG);
        CHECK_INT(dns_type_from_string("aaaa"), DNS_TYPE_AAAA);
        CHECK_INT(dns_type_from_string("SOA"), -EINVAL);
}

/* Abridged from redis-server 7.0's "INFO memory". */
static const char info_memory[] =
        "# Memory\r\nused_memory:963968\r\nused_memory_human:941.38K\r\nused_memory_rss:12582912\r\n"
        "maxmemory:10485760\r\nmaxmemory_human:10.00M\r\nmaxmemory_policy:noeviction\r\n";

static void test_redis(void) {
        RedisMaxMemory m;
        uint64_t v;
        char buf[32];

        CHECK_INT(redis_info_get_u64(info_memory, strlen(info_memory), "used_memory", &v), 0);
        CHECK_INT(v, 963968);
        CHECK_INT(redis_info_get_u64(info_memory, strlen(info_memory), "maxmemory", &v), 0);
        CHECK_INT(v, 10485760);
        CHECK_INT(redis_info_get_u64(info_memory, strlen(info_memory), "used_memory_human", &v), -EBADMSG);
        CHECK_INT(redis_info_get_u64(info_memory, strlen(info_memory), "maxmemory_policy", &v), -EBADMSG);
        CHECK_INT(redis_info_get_u64(info_memory, strlen(info_memory), "used", &v), -ENOENT);
        CHECK_INT(redis_info_get_u64("used_memory:99999999999999999999999\r\n", 37, "used_memory", &v), -EBADMSG);
        CHECK_INT(redis_info_get_u64("used_memory:12", 14, "used_memory", &v), 0); /* cut: no CRLF */
        CHECK_INT(v, 12);

        CHECK_INT(redis_max_memory_parse("512MB", &m), 0);
        CHECK(!m.percent && m.value == 512ULL * 1024 * 1024);
        CHECK_INT(redis_max_memory_parse("100k", &m), 0);
        CHECK_INT(m.value, 100000);
        CHECK_INT(redis_max_memory_parse("2gb", &m), 0);
        CHECK_INT(m.value, 2ULL << 30);
        CHECK_INT(redis_max_memory_parse("80%", &m), 0);
        CHECK(m.percent && m.value == 80);
        for (const char *const *bad = (const char *const[]) { "", "0", "0%", "101%", "-1MB", "1.5GB", "MB", "1 MB",
                     "12TB", "99999999999999999999", NULL }; *bad; bad++)
                CHECK_INT(redis_max_memory_parse(*bad, &m), -EINVAL);

        CHECK_INT(redis_percent_of(10485760, 90), 9437184);
        CHECK_INT(redis_percent_of(199, 50), 99);
        CHECK_INT(redis_percent_of(UINT64_MAX, 100), UINT64_MAX);
        CHECK_INT(redis_percent_of(UINT64_MAX, 80), 14757395258967641292ULL); /* floor((2^64-1) * 0.8) */
        CHECK_INT(redis_percent_of(230584300921369396ULL, 80), 184467440737095516ULL); /* * 80 wraps 2^64 */
        CHECK_STREQ(redis_format_bytes(buf, sizeof(buf), 600ULL << 20), "600MB");
        CHECK_STREQ(redis_format_bytes(buf, sizeof(buf), 512), "512B");
        CHECK_STREQ(redis_format_bytes(buf, sizeof(buf), 3ULL << 29), "1.5GB");
}

/* One object for redis_reply_admit(): its verdict and, if refused, the reason. */
static void admit(RedisReplyBudget *b, unsigned depth, long long elements, size_t len, const char *refusal) {
        char reason[128] = "";
        int r = redis_reply_admit(b, depth, elements, len, reason, sizeof(reason));

        CHECK_INT(r, refusal ? -E2BIG : 0);
        if (refusal)
                CHECK_STREQ(reason, refusal);
}

static void test_redis_budget(void) {
        RedisReplyBudget b = { .replies_max = 2 };

        admit(&b, 0, -1, 4, NULL);                      /* +PONG */
        admit(&b, 0, 2147483647, 0, "reply array of 2147483647 elements above 1024");
        admit(&b, 0, 1025, 0, "reply array of 1025 elements above 1024");
        admit(&b, 0, 1024, 0, NULL);
        admit(&b, 1, 1, 0, NULL);                       /* nested 2 deep */
        admit(&b, 2, 1, 0, NULL);                       /* 3 deep */
        admit(&b, 3, 1, 0, "reply arrays nested 4 deep above 3");
        admit(&b, 3, -1, 0, NULL);                      /* an integer in the third array */
        admit(&b, 0, -1, 0, "more replies than the 2 commands sent");
        CHECK_INT(b.replies, 2);
        CHECK_INT(b.objects, 5);

        b = (RedisReplyBudget) { .replies_max = 1 };
        admit(&b, 0, 1024, 0, NULL);
        for (int i = 1; i < REDIS_REPLY_OBJECTS_MAX; i++)
                admit(&b, 1, -1, 0, NULL);
        admit(&b, 1, -1, 0, "reply of more than 4096 objects");
        CHECK_INT(b.objects, REDIS_REPLY_OBJECTS_MAX);

        b = (RedisReplyBudget) { .replies_max = 1 };
        admit(&b, 0, 2, 0, NULL);
        admit(&b, 1, -1, REDIS_REPLY_BYTES_MAX - 1, NULL);
        admit(&b, 1, -1, 2, "replies of more than 65536 bytes");
        admit(&b, 1, -1, 1, NULL);                      /* exactly the bound */
        admit(&b, 1, -1, SIZE_MAX, "replies of more than 65536 bytes");
}

/* One check section; the only error expected, or NULL for a valid one. */
static void check_config(const char *body, const char *error) {
        char text[1024];
        Config *c = NULL;
        ConfigErrors e = {};
        int r;

        snprintf(text, sizeof(text), "[check t]\n%s", body);
        r = config_load_string(text, "t.conf", &c, &e);
        if (!error)
                CHECK_INT(r, 0);
        else {
                CHECK_INT(e.n, 1);
                if (e.n == 1 && !strstr(e.lines[0], error))
                        fprintf(stderr, "got \"%s\", want \"%s\"\n", e.lines[0], error);
                CHECK(e.n == 1 && strstr(e.lines[0], error));
        }
        config_free(c);
        config_errors_clear(&e);
}

static void test_config(void) {
        check_config("type = http\nurl = https://127.0.0.1:8443/ping\nexpect_status = 200,204\n"
                     "expect_body = ^pong\ntls_verify = no\nunix_socket = /run/x.sock\n", NULL);
        check_config("type = http\n", "t.conf:1: missing required key 'url' in [check t]");
        check_config("type = http\nurl = ftp://x/\n", "t.conf:3: invalid url 'ftp://x/'");
        check_config("type = http\nurl = http://x/\nexpect_status = 2xx\n",
                     "t.conf:4: invalid value '2xx' for expect_status");
        check_config("type = http\nurl = http://x/\nexpect_body = (\n", "t.conf:4: invalid regular expression '('");
        check_config("type = http\nurl = http://x/\ntls_verify = maybe\n", "t.conf:4: invalid value 'maybe' for tls_verify");
        check_config("type = http\nurl = http://x/\nport = 80\n", "key 'port' is not used by type http");
        check_config("type = http\nurl = http://x/\nquery = x\n", "t.conf:4: unknown key 'query' in [check t]");
        check_config("type = dns\nquery = example.org\nserver = [::1]:5353\nrecord = MX\nexpect = mx.example.org\n", NULL);
        check_config("type = dns\n", "t.conf:1: missing required key 'query' in [check t]");
        check_config("type = dns\nquery = x\nserver = dns.google:53\n", "t.conf:4: invalid value 'dns.google:53' for server");
        check_config("type = dns\nquery = x\nserver = 127.0.0.1:0\n", "invalid value '127.0.0.1:0' for server");
        check_config("type = dns\nquery = x\nrecord = SOA\n", "t.conf:4: invalid value 'SOA' for record");
        check_config("type = dns\nquery = x\nexpect = 1.2.3\n", "t.conf:1: invalid value '1.2.3' for expect");
        check_config("type = redis\n", NULL);
        check_config("type = redis\nsocket = /run/redis/redis.sock\npassword = x y\nmax_memory = 80%\n", NULL);
        check_config("type = redis\nmax_memory = 80 MB\n", "t.conf:3: invalid value '80 MB' for max_memory");
        check_config("type = redis\nsocket = redis.sock\n", "t.conf:3: invalid path 'redis.sock' for socket");
}

int main(void) {
        test_http_status();
        test_config();
        test_dns();
        test_redis();
        test_redis_budget();
        return tests_summary("test-probe-parsers");
}
