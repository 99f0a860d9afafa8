/* test-dns-net.c: the dns probe against a real Unbound (and a hostile peer).
 *
 * Unbound from Debian's package, started by the test on a free loopback
 * port with local-data records, a zone that refuses and a zone forwarded only
 * to a server Unbound may not ask (SERVFAIL). Cases: A, AAAA, MX, TXT answers with expect,
 * an expected value missing, NXDOMAIN, NODATA, REFUSED, SERVFAIL, Unbound
 * frozen with SIGSTOP (no answer), Unbound gone, and a hostile resolver on
 * UDP and TCP of one port (test-hostile.h meters RSS and time): garbage
 * after the right id, a name compression loop, and, after a truncated UDP
 * answer sends c-ares 1.18 to TCP, 65535 records claimed, a TXT record of
 * 8000 bytes, a 64 KiB answer, 65535 bytes announced and trickled; and a
 * UDP flood of answers with the wrong id.
 *
 * See also: probes/dns.c, probes/ares-event.c, test-net.h.
 */
#include <poll.h>

#include "tests/test-hostile.h"

static uint16_t port;

static pid_t start_unbound(void) {
        return net_unbound_start(&port,
                                 " do-not-query-localhost: no\n"
                                 " local-zone: \"mailsup.test.\" static\n"
                                 " local-data: \"a.mailsup.test. A 192.0.2.1\"\n local-data: \"a.mailsup.test. A 192.0.2.2\"\n"
                                 " local-data: \"a.mailsup.test. AAAA 2001:db8::1\"\n"
                                 " local-data: \"mailsup.test. MX 10 mx.mailsup.test.\"\n"
                                 " local-data: 'mailsup.test. TXT \"v=spf1 -all\"'\n"
                                 " local-zone: \"refused.test.\" refuse\n"
                                 " do-not-query-address: 192.0.2.0/24\n",
                                 "forward-zone:\n name: \"broken.example.\"\n forward-addr: 192.0.2.53\n");
}

typedef enum Hostility {
        GARBAGE,        /* UDP: one answer claimed, compression pointers as garbage */
        LOOP,           /* UDP: an answer whose name points back into itself */
        RECORDS,        /* TCP: 65535 records claimed, 900 there */
        HUGE_TXT,       /* TCP: one TXT record of 8000 bytes */
        BIG,            /* TCP: TXT records up to 64 KiB */
        TRICKLE,        /* TCP: 65535 bytes announced, one sent every 100 ms */
        FLOOD,          /* UDP: answers with the wrong id, flat out */
} Hostility;

/* Appends a record for name at offset 12 (the question's) with rdlen bytes of data. */
static size_t put_record(unsigned char *m, size_t n, unsigned type, const void *data, unsigned rdlen) {
        unsigned char head[12] = { 0xc0, 0x0c, 0, (unsigned char) type, 0, 1, 0, 0, 0x0e, 0x10,
                                   (unsigned char) (rdlen >> 8), (unsigned char) rdlen };

        memcpy(m + n, head, sizeof(head));
        memcpy(m + n + 12, data, rdlen);
        return n + 12 + rdlen;
}

/* The answer to query q (n bytes): its header and question, then h's records. */
static size_t build_answer(Hostility h, const unsigned char *q, size_t n, unsigned char *m) {
        static unsigned char txt[8000];
        unsigned an = 0;

        for (size_t i = 0; i < sizeof(txt); i += 250)
                txt[i] = 249, memset(txt + i + 1, 'v', 249);
        memcpy(m, q, n);
        m[2] |= 0x80;
        if (h == GARBAGE) {
                memset(m + n, 0xC0, 32);
                n += 32, an = 1;
        } else if (h == LOOP) {
                const unsigned char rr[] = { 1, 'x', (unsigned char) (0xC0 | n >> 8), (unsigned char) n, 0, 1, 0, 1,
                                             0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1 };
                memcpy(m + n, rr, sizeof(rr));
                n += sizeof(rr), an = 1;
        } else if (h == RECORDS) {
                for (; an < 900; an++)
                        n = put_record(m, n, 1, "\300\0\2\1", 4);
                an = 65535;
        } else if (h == HUGE_TXT)
                n = put_record(m, n, 16, txt, sizeof(txt)), an = 1;
        else
                for (; n + 12 + 4000 <= 65535; an++)
                        n = put_record(m, n, 16, txt, 4000);
        m[6] = (unsigned char) (an >> 8), m[7] = (unsigned char) an;
        return n;
}

static void serve_tcp(Hostility h, int lfd) {
        unsigned char q[514], m[65536 + 2];
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        ssize_t n;
        size_t len;

        if (fd < 0 || (n = read(fd, q, sizeof(q))) < 14)
                _exit(1);
        if (h == TRICKLE) {
                (void) !write(fd, "\377\377", 2);
                for (int i = 0; i < 600 && write(fd, q + 2, 1) == 1; i++)
                        hostile_sleep_ms(100);
                _exit(0);
        }
        len = build_answer(h, q + 2, (size_t) n - 2, m + 2);
        m[0] = (unsigned char) (len >> 8), m[1] = (unsigned char) len;
        (void) hostile_write_all(fd, m, len + 2);
        while (read(fd, q, sizeof(q)) > 0)
                ;
        close(fd);
}

/* UDP: h's answer where it fits, else the truncation bit (c-ares then asks over TCP). */
static void serve_udp(Hostility h, int fd) {
        unsigned char q[512], m[600];
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *) &from, &fl);
        size_t len;

        if (n < 12)
                _exit(1);
        if (h == GARBAGE || h == LOOP)
                len = build_answer(h, q, (size_t) n, m);
        else {
                memcpy(m, q, (size_t) n);
                m[2] |= 0x82, len = (size_t) n;
        }
        if (h == FLOOD)
                for (m[1]++;;)
                        (void) sendto(fd, m, len, 0, (struct sockaddr *) &from, fl);
        (void) sendto(fd, m, len, 0, (struct sockaddr *) &from, fl);
}

/* A resolver of ill will on UDP and TCP of one loopback port. */
static pid_t hostile_resolver(Hostility h, uint16_t *ret_port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int lfd, ufd;
        pid_t pid;

        for (;;) {
                lfd = net_listen(ret_port);
                ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                sa.sin_port = htons(*ret_port);
                if (ufd >= 0 && bind(ufd, (struct sockaddr *) &sa, sizeof(sa)) == 0)
                        break;
                close(lfd);
                close(ufd);
        }
        pid = fork();
        if (pid == 0) {
                setpgid(0, 0);
                alarm(20);
                for (;;) {
                        struct pollfd p[2] = { { .fd = ufd, .events = POLLIN }, { .fd = lfd, .events = POLLIN } };
                        if (poll(p, 2, -1) < 0)
                                _exit(1);
                        if (p[0].revents)
                                serve_udp(h, ufd);
                        if (p[1].revents)
                                serve_tcp(h, lfd);
                }
        }
        close(lfd);
        close(ufd);
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

static void dns_hostile(const char *name, Hostility h, ProbeStatus status, const char *words) {
        uint16_t p;
        pid_t pid = hostile_resolver(h, &p);

        hostile_expect(name, net_conf("type = dns\nserver = 127.0.0.1:%u\nquery = a.mailsup.test\nrecord = %s\n"
                       "timeout = 1s\n", p, h == HUGE_TXT || h == BIG ? "TXT" : "A"), status, words, 20 << 10, 2.0);
        net_kill(pid);
}

/* Answers above the bounds, over UDP and (after a truncated UDP answer,
 * as c-ares 1.18 does) TCP: refused by name, in bounded memory and time. */
static void test_hostile(void) {
        dns_hostile("dns garbage answer", GARBAGE, PROBE_PROTOCOL_ERROR, "malformed answer for a.mailsup.test A: "
                    "name compression pointer at offset 32 points forward");
        dns_hostile("dns compression loop", LOOP, PROBE_PROTOCOL_ERROR, "malformed answer for a.mailsup.test A: "
                    "name compression loop at offset 34");
        dns_hostile("dns 65535 records over TCP", RECORDS, PROBE_OVERLONG, "answer for a.mailsup.test A refused: "
                    "answer of 65535 records above 64");
        dns_hostile("dns huge TXT over TCP", HUGE_TXT, PROBE_OVERLONG, "answer for a.mailsup.test TXT refused: "
                    "TXT record of 8000 bytes above 4096");
        dns_hostile("dns 64 KiB answer over TCP", BIG, PROBE_OVERLONG, "answer for a.mailsup.test TXT refused: "
                    "answer of 64224 bytes above 16384");
        dns_hostile("dns trickled TCP answer", TRICKLE, PROBE_TIMEOUT, "no answer within 1s");
        dns_hostile("dns flood of wrong ids", FLOOD, PROBE_TIMEOUT, "no answer within 1s");
}

int main(void) {
        pid_t unbound;

        net_require(NET_UNBOUND);
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
        test_hostile();
        net_cleanup();
        return tests_summary("test-dns-net");
}
