/* test-dns-net.c: the dns probe against a real Unbound (and a hostile peer).
 *
 * Unbound from Debian's package, started by the test on a free loopback
 * port with local-data records, a zone that refuses and a zone forwarded only
 * to a server Unbound may not ask (SERVFAIL). Cases: A, AAAA, MX, TXT answers with expect,
 * an expected value missing, NXDOMAIN, NODATA, REFUSED, SERVFAIL, Unbound
 * frozen with SIGSTOP (no answer), Unbound gone, and a UDP peer that
 * answers with the right id and garbage after it.
 *
 * See also: probes/dns.c, probes/ares-event.c, test-net.h.
 */
#include "tests/test-net.h"

#define UNBOUND "/usr/sbin/unbound"

static uint16_t port;

static pid_t start_unbound(void) {
        char *argv[] = { UNBOUND, "-d", "-c", (char *) net_path("unbound.conf"), NULL };

        port = net_free_port();
        net_write("unbound.conf",
                  "server:\n interface: 127.0.0.1@%2$u\n port: %2$u\n username: \"\"\n chroot: \"\"\n"
                  " directory: \"%1$s\"\n pidfile: \"%1$s/unbound.pid\"\n use-syslog: no\n logfile: \"\"\n"
                  " do-ip6: no\n do-not-query-localhost: no\n module-config: \"iterator\"\n"
                  " local-zone: \"mailsup.test.\" static\n"
                  " local-data: \"a.mailsup.test. A 192.0.2.1\"\n local-data: \"a.mailsup.test. A 192.0.2.2\"\n"
                  " local-data: \"a.mailsup.test. AAAA 2001:db8::1\"\n"
                  " local-data: \"mailsup.test. MX 10 mx.mailsup.test.\"\n"
                  " local-data: 'mailsup.test. TXT \"v=spf1 -all\"'\n"
                  " local-zone: \"refused.test.\" refuse\n"
                  " do-not-query-address: 192.0.2.0/24\n"
                  "remote-control:\n control-enable: no\n"
                  "forward-zone:\n name: \"broken.example.\"\n forward-addr: 192.0.2.53\n",
                  net_dir, port);
        pid_t pid = net_spawn("unbound.log", argv);
        return net_wait_port(port, "unbound.log") ? pid : -1;
}

/* Answers every query with its own header and question (so c-ares takes
 * it), one answer claimed, and then compression pointers as garbage. */
static pid_t garbage_resolver(uint16_t *ret_port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        pid_t pid;

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
                abort();
        *ret_port = ntohs(sa.sin_port);
        pid = fork();
        if (pid == 0) {
                unsigned char q[512];
                struct sockaddr_in from;
                ssize_t n;

                setpgid(0, 0);
                alarm(20);
                for (;;) {
                        socklen_t fl = sizeof(from);
                        n = recvfrom(fd, q, sizeof(q) - 32, 0, (struct sockaddr *) &from, &fl);
                        if (n < 12)
                                _exit(1);
                        q[2] |= 0x80, q[7] = 1;
                        memset(q + n, 0xC0, 32);
                        (void) sendto(fd, q, (size_t) n + 32, 0, (struct sockaddr *) &from, fl);
                }
        }
        close(fd);
        return pid;
}

static void test_answers(void) {
        net_expect("dns A", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = a.mailsup.test\nexpect = 192.0.2.2\n",
                   port), PROBE_OK, "a.mailsup.test A: 192.0.2.");
        net_expect("dns AAAA", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = a.mailsup.test\nrecord = AAAA\n"
                   "expect = 2001:0db8:0::1\n", port), PROBE_OK, "2001:db8::1");
        net_expect("dns MX", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = mailsup.test\nrecord = MX\n"
                   "expect = mx.mailsup.test.\n", port), PROBE_OK, "10 mx.mailsup.test");
        net_expect("dns TXT", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = mailsup.test\nrecord = txt\n"
                   "expect = v=spf1 -all\n", port), PROBE_OK, "v=spf1 -all");
        net_expect("dns expect missing", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = a.mailsup.test\n"
                   "expect = 1.2.3.4\n", port), PROBE_BAD_REPLY, "'1.2.3.4' not among answers: 192.0.2.");
        net_expect("dns NXDOMAIN", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = nx.mailsup.test\n", port),
                   PROBE_BAD_REPLY, "NXDOMAIN for nx.mailsup.test");
        net_expect("dns NODATA", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = a.mailsup.test\nrecord = MX\n",
                   port), PROBE_BAD_REPLY, "no MX record for a.mailsup.test (NODATA)");
        net_expect("dns REFUSED", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = x.refused.test\n", port),
                   PROBE_BAD_REPLY, "rcode REFUSED for x.refused.test A");
        net_expect("dns SERVFAIL", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = x.broken.example\n"
                   "timeout = 5s\n", port), PROBE_BAD_REPLY, "rcode SERVFAIL for x.broken.example A");
}

int main(void) {
        uint16_t gport;
        pid_t unbound, garbage;

        net_require(UNBOUND);
        net_setup();
        unbound = start_unbound();
        CHECK(unbound > 0);
        if (unbound > 0) {
                test_answers();
                net_signal(unbound, SIGSTOP);
                net_expect("dns unbound hung", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = a.mailsup.test\n"
                           "timeout = 1s\n", port), PROBE_TIMEOUT, "no answer within 1s");
        }
        net_kill(unbound);
        net_expect("dns unbound stopped", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = a.mailsup.test\n"
                   "timeout = 1s\n", port), PROBE_CONNECT_REFUSED, "connection refused by 127.0.0.1:");
        garbage = garbage_resolver(&gport);
        net_expect("dns garbage answer", net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = a.mailsup.test\n"
                   "timeout = 1s\n", gport), PROBE_PROTOCOL_ERROR, "malformed answer");
        net_kill(garbage);
        net_cleanup();
        return tests_summary("test-dns-net");
}
