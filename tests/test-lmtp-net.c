/* test-lmtp-net.c: the lmtp probe against Dovecot's real LMTP service.
 *
 * One private Dovecot (net_dovecot_start(), test-net.h) serves LMTP on a
 * loopback port and on a unix socket, as Debian's dovecot-lmtpd does for
 * Postfix. Expected: LHLO answered 250 on both; smtp's EHLO is refused by
 * it (the dialect matters); with every Dovecot process frozen (SIGSTOP:
 * the kernel still accepts) no greeting within the timeout, on both; thawed,
 * it answers again; killed, the port and the socket refuse; a socket path
 * nobody made is named. Also the socket key's config errors.
 *
 * See also: probes/lmtp.c, probes/smtp.c, probes/stream.c.
 */
#include "tests/test-net.h"

#define LMTP_SERVICE "/usr/lib/dovecot/lmtp"

static uint16_t port;
static char sock[128];

static pid_t start_dovecot(void) {
        pid_t pid;

        port = net_free_port();
        snprintf(sock, sizeof(sock), "%s/lmtp.sock", net_dir);
        pid = net_dovecot_start("lmtp", "127.0.0.1",
                                net_conf("ssl = no\nservice lmtp {\n  inet_listener lmtp {\n"
                                         "    address = 127.0.0.1\n    port = %u\n  }\n"
                                         "  unix_listener %s {\n    mode = 0666\n  }\n}\n", port, sock));
        if (!net_wait_port(port, "dovecot.log") || access(sock, F_OK) < 0)
                return -1;
        return pid;
}

static const char *over_tcp(void) {
        return net_conf("type = lmtp\nport = %u\n", port);
}

static const char *over_socket(void) {
        return net_conf("type = lmtp\nsocket = %s\n", sock);
}

static void test_dovecot(pid_t dovecot) {
        net_expect("lmtp over tcp", over_tcp(), PROBE_OK, "LHLO answered 250");
        net_expect("lmtp over a unix socket", over_socket(), PROBE_OK, "LHLO answered 250");
        net_expect("smtp's EHLO to lmtp", net_conf("type = smtp\nport = %u\n", port), PROBE_BAD_REPLY,
                   "EHLO answered 500");

        net_signal(dovecot, SIGSTOP);
        net_expect("lmtp frozen, tcp", over_tcp(), PROBE_TIMEOUT, "no greeting within 2s");
        net_expect("lmtp frozen, unix socket", over_socket(), PROBE_TIMEOUT, "no greeting within 2s");
        net_signal(dovecot, SIGCONT);
        net_expect("lmtp thawed", over_socket(), PROBE_OK, "LHLO answered 250");

        net_kill(dovecot);
        net_wait_closed(port);
        net_expect("lmtp killed, tcp", over_tcp(), PROBE_CONNECT_REFUSED, "connection refused");
        net_expect("lmtp killed, unix socket", over_socket(), PROBE_CONNECT_REFUSED, "connection refused");
        net_expect("no such socket", net_conf("type = lmtp\nsocket = %s/none.sock\n", net_dir), PROBE_CONNECT_ERROR,
                   "connect failed: No such file or directory");
}

static void test_config(void) {
        net_config_error("[check l]\n", "type = lmtp\nsocket = lmtp.sock\n",
                         "invalid path 'lmtp.sock' for socket: must be absolute");
        net_config_error("[check l]\n", "type = lmtp\nstarttls = yes\n", "unknown key 'starttls' in [check l]");
}

int main(void) {
        pid_t dovecot;

        test_config();
        net_require(NET_DOVECOT);
        net_require(LMTP_SERVICE);
        net_setup();
        dovecot = start_dovecot();
        CHECK(dovecot > 0);
        if (dovecot > 0)
                test_dovecot(dovecot);
        net_kill(dovecot);
        net_cleanup();
        return tests_summary("test-lmtp-net");
}
