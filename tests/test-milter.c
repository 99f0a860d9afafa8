/* test-milter.c: the milter frame parser on recorded bytes, and the milter
 * probe against a real OpenDKIM.
 *
 * The parser: OpenDKIM 2.11's recorded answer to our SMFIC_OPTNEG, a frame
 * split anywhere (needs more), hostile lengths (zero, "220 " read as a
 * length, 4 GiB), a wrong command, a short 'O'. The probe: OpenDKIM from
 * Debian's package (opendkim -f -x CONF, Socket inet:PORT@127.0.0.1, a key
 * made on the fly by opendkim-genkey) answers; frozen with SIGSTOP it is a
 * timeout; stopped it is refused. Peers that are not milters: a listener
 * that accepts and never answers, an SMTP server's greeting, a huge
 * length, a wrong command, a truncated frame.
 *
 * See also: probes/milter.c, probes/milter-parse.c, test-net.h.
 */
#include "probes/milter-parse.h"
#include "tests/test-net.h"

#define OPENDKIM "/usr/sbin/opendkim"
#define GENKEY "/usr/sbin/opendkim-genkey"
/* OpenDKIM 2.11.0~beta2 (Debian 12) answering version 6, actions 0x1ff, protocol 0x1fffff. */
static const uint8_t OPENDKIM_OPTNEG[] = { 0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 1, 0x11, 0, 0x10, 7, 2 };

static void test_build(void) {
        MilterOptneg o = { 6, 0x1ff, 0x1fffff };
        uint8_t buf[MILTER_OPTNEG_LEN], q[5];
        static const uint8_t want[] = { 0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 1, 0xff, 0, 0x1f, 0xff, 0xff };

        milter_optneg_build(buf, &o);
        CHECK(memcmp(buf, want, sizeof(want)) == 0);
        milter_quit_build(q);
        CHECK(memcmp(q, "\0\0\0\1Q", 5) == 0);
}

static void test_parse(void) {
        MilterFrame f;
        MilterOptneg o;
        uint8_t big[32] = { 0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 1, 0x11, 0, 0x10, 7, 2, 0, 0, 0, 1, 'Q' };

        CHECK_INT(milter_frame_parse(OPENDKIM_OPTNEG, sizeof(OPENDKIM_OPTNEG), &f), 1);
        CHECK_INT(f.command, 'O');
        CHECK_INT(f.consumed, 17);
        CHECK_INT(milter_optneg_parse(&f, &o), 0);
        CHECK_INT(o.version, 6);
        CHECK_INT(o.actions, 0x111);
        CHECK_INT(o.protocol, 0x100702);
        /* Split at every byte: never a frame before the last one. */
        for (size_t i = 0; i < sizeof(OPENDKIM_OPTNEG); i++)
                CHECK_INT(milter_frame_parse(OPENDKIM_OPTNEG, i, &f), 0);
        /* Two frames in one read: the first is consumed alone. */
        CHECK_INT(milter_frame_parse(big, 22, &f), 1);
        CHECK_INT(f.consumed, 17);
        CHECK_INT(milter_frame_parse(big + 17, 5, &f), 1);
        CHECK_INT(f.command, 'Q');
        CHECK_INT(milter_optneg_parse(&f, &o), -EPROTO);
        /* Hostile lengths. */
        CHECK_INT(milter_frame_parse("\0\0\0\0O", 5, &f), -EBADMSG);
        CHECK_INT(milter_frame_parse("220 mail.example.com ESMTP\r\n", 28, &f), -EMSGSIZE);
        CHECK_INT(milter_frame_parse("\xff\xff\xff\xff", 4, &f), -EMSGSIZE);
        CHECK_INT(milter_frame_parse("\0\1\0\1", 4, &f), -EMSGSIZE);  /* 65537 */
        CHECK_INT(milter_frame_parse("\0\1\0\0", 4, &f), 0);          /* 65536: allowed, needs more */
        /* An 'O' with too little data. */
        CHECK_INT(milter_frame_parse("\0\0\0\5O\0\0\0\6", 9, &f), 1);
        CHECK_INT(milter_optneg_parse(&f, &o), -EBADMSG);
}

/* OpenDKIM on Socket inet:PORT@127.0.0.1, or with port 0 on
 * local:DIR/opendkim.sock (Debian's stock choice, under /run/opendkim). */
static pid_t start_opendkim(uint16_t port) {
        char *genkey[] = { GENKEY, "-D", net_dir, "-d", "example.com", "-s", "test", NULL };
        char *argv[] = { OPENDKIM, "-f", "-x", (char *) net_path("opendkim.conf"), NULL };
        char socket[256];
        int status;
        pid_t pid;

        pid = net_spawn("genkey.log", genkey);
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -1;
        if (port)
                snprintf(socket, sizeof(socket), "inet:%u@127.0.0.1", port);
        else
                snprintf(socket, sizeof(socket), "local:%s", net_path("opendkim.sock"));
        net_write("opendkim.conf", "Socket %s\nDomain example.com\nSelector test\n"
                  "KeyFile %s\nMode sv\nSyslog no\nUserID root\nRequireSafeKeys false\n", socket,
                  net_path("test.private"));
        pid = net_spawn("opendkim.log", argv);
        if (port)
                return net_wait_port(port, "opendkim.log") ? pid : -1;
        for (int i = 0; i < 200 && access(net_path("opendkim.sock"), F_OK) < 0; i++)
                usleep(50 * 1000);
        return access(net_path("opendkim.sock"), F_OK) == 0 ? pid : -1;
}

/* Debian 12's stock OpenDKIM listens on a unix socket: socket = PATH. */
static void test_unix_socket(void) {
        const char *conf = net_conf("type = milter\nsocket = %s\ntimeout = 1s\n", net_path("opendkim.sock"));
        char *saved = strdup(conf);
        pid_t dkim = start_opendkim(0);

        CHECK(dkim > 0);
        if (dkim > 0 && saved) {
                net_expect("milter OpenDKIM, unix socket", saved, PROBE_OK,
                           "option negotiation answered: version 6, actions 0x");
                net_signal(dkim, SIGSTOP);
                net_expect("milter OpenDKIM hung, unix socket", saved, PROBE_TIMEOUT,
                           "no reply to option negotiation within 1s");
        }
        net_kill(dkim);
        (void) unlink(net_path("opendkim.sock")); /* a killed OpenDKIM leaves it */
        if (saved)
                net_expect("milter OpenDKIM gone, unix socket", saved, PROBE_CONNECT_ERROR,
                           "No such file or directory");
        free(saved);
}

static void hostile(const char *name, const void *reply, size_t len, ProbeStatus status, const char *words) {
        uint16_t port;
        pid_t pid = net_hostile_peer(&port, reply, len, 1);

        net_expect(name, net_conf("type = milter\nport = %u\ntimeout = 1s\n", port), status, words);
        net_kill(pid);
}

static void test_hostile(void) {
        static char huge[1024 * 1024];

        hostile("milter silent listener", "", 0, PROBE_TIMEOUT, "no reply to option negotiation within 1s");
        hostile("milter SMTP greeting", "220 mail.example.com ESMTP Postfix\r\n", 36, PROBE_PROTOCOL_ERROR,
                "not a milter: frame length 842149920 above 65536 in reply to option negotiation (\"220 mail");
        hostile("milter wrong command", "\0\0\0\1t", 5, PROBE_PROTOCOL_ERROR,
                "option negotiation answered command 't' (0x74), not 'O'");
        hostile("milter short O", "\0\0\0\5O\0\0\0\6", 9, PROBE_PROTOCOL_ERROR,
                "option negotiation answered 'O' with 4 bytes, not 12");
        hostile("milter version 9", "\0\0\0\15O\0\0\0\11\0\0\0\0\0\0\0\0", 17, PROBE_BAD_REPLY,
                "option negotiation answered version 9");
        hostile("milter truncated", OPENDKIM_OPTNEG, 10, PROBE_TIMEOUT, "no reply to option negotiation within 1s");
        /* A length just allowed, then 1 MiB: the bounded input buffer ends it. */
        memset(huge, 'x', sizeof(huge));
        memcpy(huge, "\0\0\xff\xffO", 5);
        hostile("milter huge frame", huge, sizeof(huge), PROBE_OVERLONG,
                "reply to option negotiation longer than 16384 bytes");
        hostile("milter empty frame", "\0\0\0\0", 4, PROBE_PROTOCOL_ERROR, "empty frame");
}

int main(void) {
        uint16_t port;
        pid_t dkim;

        test_build();
        test_parse();
        net_require(OPENDKIM);
        net_require(GENKEY);
        net_setup();
        port = net_free_port();
        dkim = start_opendkim(port);
        CHECK(dkim > 0);
        if (dkim > 0) {
                net_expect("milter OpenDKIM", net_conf("type = milter\nport = %u\n", port), PROBE_OK,
                           "option negotiation answered: version 6, actions 0x");
                net_expect("milter OpenDKIM again", net_conf("type = milter\nport = %u\n", port), PROBE_OK,
                           "option negotiation answered");
                net_signal(dkim, SIGSTOP);
                net_expect("milter OpenDKIM hung", net_conf("type = milter\nport = %u\ntimeout = 1s\n", port),
                           PROBE_TIMEOUT, "no reply to option negotiation within 1s");
        }
        net_kill(dkim);
        net_expect("milter OpenDKIM stopped", net_conf("type = milter\nport = %u\n", port), PROBE_CONNECT_REFUSED,
                   "connection refused");
        test_unix_socket();
        test_hostile();
        net_cleanup();
        return tests_summary("test-milter");
}
