/* test-tcp-table.c: the tcp_table request encoder and reply parser on
 * recorded bytes, and the tcp_table probe against a real postsrsd.
 *
 * postsrsd 1.10 from Debian's package (-s secret file, -d domain, -f/-r
 * ports, -l 127.0.0.1): the forward table answers 200 SRS0=..., the reverse
 * table 500 for an address that is not SRS (both alive), a key with a space
 * and '%' travels encoded; frozen with SIGSTOP it is a timeout, stopped it
 * is refused. Hostile peers: 400, garbage, a reply line without end.
 *
 * See also: probes/tcp-table.c, test-net.h.
 */
#include "probes/tcp-table.h"
#include "tests/test-net.h"

#define POSTSRSD "/usr/sbin/postsrsd"

static void test_pure(void) {
        char buf[64];
        TcpTableReply r;
        static char big[TCP_TABLE_LINE_MAX + 10];

        CHECK_INT(tcp_table_request(buf, sizeof(buf), "postmaster@example.com"), 0);
        CHECK_STREQ(buf, "get postmaster@example.com\n");
        CHECK_INT(tcp_table_request(buf, sizeof(buf), "a b%c\t\xe9@x"), 0);
        CHECK_STREQ(buf, "get a%20b%25c%09%E9@x\n");
        CHECK_INT(tcp_table_request(buf, 10, "postmaster@example.com"), -ENOBUFS);
        /* Recorded from postsrsd 1.10. */
        CHECK_INT(tcp_table_reply_parse("200 SRS0=pYG2=JN=example.com=postmaster@example.org\n", 52, &r), 1);
        CHECK_INT(r.code, 200);
        CHECK_INT(r.consumed, 52);
        CHECK(r.text_len == 47 && strncmp(r.text, "SRS0=pYG2", 9) == 0);
        CHECK_INT(tcp_table_reply_parse("500 Not an SRS address.\n", 24, &r), 1);
        CHECK_INT(r.code, 500);
        CHECK_INT(tcp_table_reply_parse("500 Not an SRS", 14, &r), 0);
        CHECK_INT(tcp_table_reply_parse("400 oops\r\n", 10, &r), 1);
        CHECK_INT(r.text_len, 4);
        CHECK_INT(tcp_table_reply_parse("200\n", 4, &r), 1);
        CHECK_INT(r.text_len, 0);
        CHECK_INT(tcp_table_reply_parse("HTTP/1.1 400 Bad\n", 17, &r), -EBADMSG);
        CHECK_INT(tcp_table_reply_parse("2000 x\n", 7, &r), -EBADMSG);
        CHECK_INT(tcp_table_reply_parse("\n", 1, &r), -EBADMSG);
        memset(big, 'x', sizeof(big));
        CHECK_INT(tcp_table_reply_parse(big, sizeof(big), &r), -EMSGSIZE);
        CHECK_INT(tcp_table_reply_parse(big, TCP_TABLE_LINE_MAX - 1, &r), 0);
}

static void hostile(const char *name, const char *reply, size_t len, unsigned times, ProbeStatus status,
                    const char *words) {
        uint16_t port;
        pid_t pid = net_hostile_peer(&port, reply, len, times);

        net_expect(name, net_conf("type = tcp_table\nport = %u\ntimeout = 1s\n", port), status, words);
        net_kill(pid);
}

static void test_hostile(void) {
        static char endless[64 * 1024];

        hostile("tcp_table 400", "400 database locked\n", 20, 1, PROBE_BAD_REPLY,
                "get postmaster@example.com answered 400 database locked");
        hostile("tcp_table garbage", "SSH-2.0-OpenSSH_9.2\r\n", 21, 1, PROBE_PROTOCOL_ERROR,
                "malformed reply to get: \"SSH-2.0-OpenSSH_9.2\"");
        hostile("tcp_table code 250", "250 ok\n", 7, 1, PROBE_PROTOCOL_ERROR, "answered unknown code 250 ok");
        memset(endless, '2', sizeof(endless));
        hostile("tcp_table endless line", endless, sizeof(endless), 4, PROBE_OVERLONG,
                "reply to get longer than 4096 bytes");
        hostile("tcp_table silent", "", 0, 0, PROBE_TIMEOUT, "no reply to get within 1s");
}

int main(void) {
        uint16_t fwd, rev;
        char f[8], r[8];
        char *argv[] = { POSTSRSD, "-s", NULL, "-d", "example.org", "-f", f, "-r", r, "-l", "127.0.0.1", NULL };
        pid_t srs;

        test_pure();
        net_require(POSTSRSD);
        net_setup();
        fwd = net_free_port();
        rev = net_free_port();
        snprintf(f, sizeof(f), "%u", fwd);
        snprintf(r, sizeof(r), "%u", rev);
        net_write("srs.secret", "tHe-SeCrEt\n");
        argv[2] = (char *) net_path("srs.secret");
        srs = net_spawn("postsrsd.log", argv);
        CHECK(net_wait_port(fwd, "postsrsd.log") && net_wait_port(rev, "postsrsd.log"));
        net_expect("tcp_table postsrsd forward", net_conf("type = tcp_table\nport = %u\n", fwd), PROBE_OK,
                   "get postmaster@example.com answered 200 SRS0=");
        net_expect("tcp_table postsrsd reverse", net_conf("type = tcp_table\nport = %u\n", rev), PROBE_OK,
                   "get postmaster@example.com answered 500 Not an SRS address.");
        net_expect("tcp_table postsrsd key", net_conf("type = tcp_table\nport = %u\nkey = a b%%c@example.com\n", fwd),
                   PROBE_OK, "get a b%c@example.com answered 200 SRS0=");
        net_signal(srs, SIGSTOP);
        net_expect("tcp_table postsrsd hung", net_conf("type = tcp_table\nport = %u\ntimeout = 1s\n", fwd),
                   PROBE_TIMEOUT, "no reply to get within 1s");
        net_kill(srs);
        net_wait_closed(fwd);
        net_expect("tcp_table postsrsd stopped", net_conf("type = tcp_table\nport = %u\n", fwd),
                   PROBE_CONNECT_REFUSED, "connection refused");
        test_hostile();
        net_cleanup();
        return tests_summary("test-tcp-table");
}
