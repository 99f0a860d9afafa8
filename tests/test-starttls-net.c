/* test-starttls-net.c: smtp and imap over TLS against real Postfix and Dovecot.
 *
 * A tiny CA made here with openssl (net_make_certs(), test-net.h) signs
 * leaf certificates for mail.example.org (and 127.0.0.1): valid for a
 * year, expiring in 5 days, expired in 2020, issued for another name, and
 * one self-signed. One private Postfix (net_postfix_start(): its master
 * run from its own config dir, no systemd, killed by the alarm too) has a
 * STARTTLS listener per certificate, one without STARTTLS, and smtps
 * listeners (wrapper mode) for tls = yes. One private Dovecot has imap
 * (STARTTLS) and imaps listeners, one address per certificate. Expected:
 * valid -> ok, 5 days -> warning "certificate expires in 5 days (DATE)",
 * expired, wrong name, self-signed, untrusted -> failures naming why; no
 * STARTTLS offered -> failure. Scripted peers: one hangs in the handshake,
 * one answers the ClientHello with text, one injects plain bytes after
 * STARTTLS. Also the keys' config errors.
 *
 * See also: probes/tls.c, probes/stream.c, test-tls-net.c (https).
 */
#include "probes/cert.h"
#include "tests/test-net.h"

enum { VALID, SOON, EXPIRED, WRONG_NAME, SELF_SIGNED, N_CERTS };
static const char *const names[N_CERTS] = { "valid", "soon", "expired", "wrong", "self" };
/* Postfix: STARTTLS per certificate, then no STARTTLS, then smtps valid/expired. */
enum { PF_PLAIN = N_CERTS, PF_SMTPS, PF_SMTPS_EXPIRED, N_PF };
static uint16_t pf_ports[N_PF], imap_port, imaps_port;
/* Dovecot serves a certificate per local address (127.0.0.1 valid, ...). */
static const char *const dovecot_addr[] = { [VALID] = "127.0.0.1", [SOON] = "127.0.0.2", [EXPIRED] = "127.0.0.3" };

/* One smtpd per case on 127.0.0.1. */
static pid_t start_postfix(void) {
        char services[3072];
        size_t len = 0;

        for (int i = 0; i < N_PF; i++) {
                const char *cert = names[i == PF_SMTPS_EXPIRED ? EXPIRED : i < N_CERTS ? i : VALID];

                pf_ports[i] = net_free_port();
                len += (size_t) snprintf(services + len, sizeof(services) - len,
                                         "127.0.0.1:%u inet n - n - - smtpd -o smtpd_tls_cert_file=%s/%s.pem "
                                         "-o smtpd_tls_key_file=%s/%s.key%s\n", pf_ports[i], net_dir, cert,
                                         net_dir, cert,
                                         i == PF_PLAIN ? " -o smtpd_tls_security_level=none" :
                                         i >= PF_SMTPS ? " -o smtpd_tls_wrappermode=yes" : "");
        }
        return net_postfix_start("pf", services,
                                 net_conf("myhostname = mail.example.org\nmynetworks = 127.0.0.0/8\n"
                                          "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = %1$s/valid.pem\n"
                                          "smtpd_tls_key_file = %1$s/valid.key\n", net_dir),
                                 pf_ports, N_PF);
}

static pid_t start_dovecot(void) {
        char locals[1024];
        size_t len = 0;
        pid_t pid;

        for (int i = SOON; i <= EXPIRED; i++)
                len += (size_t) snprintf(locals + len, sizeof(locals) - len,
                                         "local %s {\n  ssl_cert = <%s/%s.pem\n  ssl_key = <%s/%s.key\n}\n",
                                         dovecot_addr[i], net_dir, names[i], net_dir, names[i]);
        imap_port = net_free_port();
        imaps_port = net_free_port();
        pid = net_dovecot_start("imap", "127.0.0.1, 127.0.0.2, 127.0.0.3",
                                net_conf("ssl = yes\nssl_cert = <%1$s/valid.pem\nssl_key = <%1$s/valid.key\n%2$s"
                                         "service imap-login {\n  inet_listener imap {\n    port = %3$u\n  }\n"
                                         "  inet_listener imaps {\n    port = %4$u\n    ssl = yes\n  }\n}\n",
                                         net_dir, locals, imap_port, imaps_port));
        if (!net_wait_port(imap_port, "dovecot.log") || !net_wait_port(imaps_port, "dovecot.log"))
                return -1;
        return pid;
}

static const char *imap(int cert, bool implicit, const char *extra) {
        return net_conf("type = imap\nhost = %s\nport = %u\n%s\nca_file = %s\ntls_name = mail.example.org\n%s",
                        dovecot_addr[cert], implicit ? imaps_port : imap_port, implicit ? "tls = yes" : "starttls = yes",
                        net_path("ca.pem"), extra);
}

/* One case; for a threshold also the severity. */
static void expect(const char *name, const char *body, ProbeStatus status, ProbeSeverity sev, const char *words) {
        char copy[NET_CONF_MAX];
        ProbeResult r = {};

        snprintf(copy, sizeof(copy), "%s", body);
        net_expect(name, copy, status, words);
        /* Again for the severity: the same verdict twice, not a fluke. */
        CHECK(net_probe(copy, &r) && r.status == status && r.severity == sev);
        if (r.status != status || r.severity != sev)
                fprintf(stderr, "%s, again: %s (%s) \"%s\"\n", name, probe_status_to_string(r.status),
                        probe_severity_to_string(r.severity), r.reason);
}

static const char *soon_reason(void) {
        static char buf[64];
        time_t s = (time_t) (now_usec(CLOCK_REALTIME) / USEC_PER_SEC) + 5 * 24 * 3600;
        struct tm tm;

        strftime(buf, sizeof(buf), "certificate expires in 5 days (%Y-%m-%d)", gmtime_r(&s, &tm));
        return buf;
}

static const char *smtp(int server, const char *extra) {
        return net_conf("type = smtp\nport = %u\n%s\nca_file = %s\ntls_name = mail.example.org\n%s",
                        pf_ports[server], server >= PF_SMTPS ? "tls = yes" : "starttls = yes",
                        net_path("ca.pem"), extra);
}

/* A cold Postfix's first TLS conversation also spawns tlsmgr and an smtpd
 * that loads its keys: on a loaded machine that took over the probe's 2s,
 * a start-up cost no case is about. Wait (up to 60s) until one STARTTLS
 * conversation has succeeded, then judge the cases. */
static void postfix_warm_up(void) {
        char copy[NET_CONF_MAX];
        ProbeResult r = {};

        for (int i = 0; i < 20; i++) {
                snprintf(copy, sizeof(copy), "%s", smtp(VALID, "timeout = 2s"));
                if (net_probe(copy, &r) && r.status == PROBE_OK)
                        return;
                sleep(1);
        }
        fprintf(stderr, "Postfix never completed a STARTTLS conversation: %s\n", r.reason);
}

static void test_postfix(void) {
        postfix_warm_up();
        expect("smtp starttls valid", smtp(VALID, ""), PROBE_OK, PROBE_SEVERITY_NONE,
               "EHLO over TLS answered 250, certificate valid until");
        expect("smtp starttls valid, by address", net_conf("type = smtp\nport = %u\nstarttls = yes\nca_file = %s\n",
               pf_ports[VALID], net_path("ca.pem")), PROBE_OK, PROBE_SEVERITY_NONE, "EHLO over TLS answered 250");
        expect("smtp starttls 5 days", smtp(SOON, ""), PROBE_THRESHOLD, PROBE_SEVERITY_WARNING, soon_reason());
        expect("smtp starttls 5 days, warn 3", smtp(SOON, "cert_warn_days = 3\n"), PROBE_OK, PROBE_SEVERITY_NONE,
               "certificate valid until");
        expect("smtp starttls expired", smtp(EXPIRED, ""), PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "TLS: certificate has expired");
        expect("smtp starttls wrong name", smtp(WRONG_NAME, ""), PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "TLS: certificate name mismatch (expected mail.example.org)");
        expect("smtp starttls wrong address", net_conf("type = smtp\nport = %u\nstarttls = yes\nca_file = %s\n",
               pf_ports[WRONG_NAME], net_path("ca.pem")), PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "TLS: certificate name mismatch (expected 127.0.0.1)");
        expect("smtp starttls self-signed", smtp(SELF_SIGNED, ""), PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "TLS: certificate verify failed: self-signed certificate");
        expect("smtp starttls CA not trusted", net_conf("type = smtp\nport = %u\nstarttls = yes\n", pf_ports[VALID]),
               PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE, "TLS: certificate verify failed: unable to get local issuer");
        expect("smtp starttls expired, no verify", net_conf("type = smtp\nport = %u\nstarttls = yes\ntls_verify = no\n",
               pf_ports[EXPIRED]), PROBE_OK, PROBE_SEVERITY_NONE, "EHLO over TLS answered 250");
        expect("smtp STARTTLS not offered", smtp(PF_PLAIN, ""), PROBE_BAD_REPLY, PROBE_SEVERITY_NONE,
               "STARTTLS not offered");
        expect("smtp plain still plain", net_conf("type = smtp\nport = %u\n", pf_ports[PF_PLAIN]), PROBE_OK,
               PROBE_SEVERITY_NONE, "EHLO answered 250");
        expect("smtps valid", smtp(PF_SMTPS, ""), PROBE_OK, PROBE_SEVERITY_NONE,
               "EHLO over TLS answered 250, certificate valid until");
        expect("smtps expired", smtp(PF_SMTPS_EXPIRED, ""), PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "TLS: certificate has expired");
        expect("smtps ca_file missing", net_conf("type = smtp\nport = %u\ntls = yes\nca_file = %s\n",
               pf_ports[PF_SMTPS], net_path("nonexistent.pem")), PROBE_INTERNAL_ERROR, PROBE_SEVERITY_NONE,
               "nonexistent.pem: No such file or directory");
        expect("smtp starttls on the smtps port", net_conf("type = smtp\nport = %u\nstarttls = yes\n",
               pf_ports[PF_SMTPS]), PROBE_TIMEOUT, PROBE_SEVERITY_NONE, "no greeting within 2s");
}

static void test_dovecot(void) {
        expect("imap starttls valid", imap(VALID, false, ""), PROBE_OK, PROBE_SEVERITY_NONE,
               "LOGOUT over TLS answered OK, certificate valid until");
        expect("imap starttls 5 days", imap(SOON, false, ""), PROBE_THRESHOLD, PROBE_SEVERITY_WARNING, soon_reason());
        expect("imap starttls expired", imap(EXPIRED, false, ""), PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "TLS: certificate has expired");
        expect("imap starttls CA not trusted", net_conf("type = imap\nport = %u\nstarttls = yes\n", imap_port),
               PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE, "TLS: certificate verify failed: unable to get local issuer");
        expect("imap plain still plain", net_conf("type = imap\nport = %u\n", imap_port), PROBE_OK,
               PROBE_SEVERITY_NONE, "LOGOUT answered OK");
        expect("imaps valid", imap(VALID, true, ""), PROBE_OK, PROBE_SEVERITY_NONE,
               "LOGOUT over TLS answered OK, certificate valid until");
        expect("imaps 5 days", imap(SOON, true, ""), PROBE_THRESHOLD, PROBE_SEVERITY_WARNING, soon_reason());
        expect("imaps expired", imap(EXPIRED, true, ""), PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "TLS: certificate has expired");
        expect("imaps wrong name", net_conf("type = imap\nport = %u\ntls = yes\nca_file = %s\n"
               "tls_name = imap.example.org\n", imaps_port, net_path("ca.pem")), PROBE_CONNECT_ERROR,
               PROBE_SEVERITY_NONE, "TLS: certificate name mismatch (expected imap.example.org)");
}

/* Peers that are not TLS servers, for tls = yes and starttls = yes (one-shot: run once). */
static void test_hostile_peers(void) {
        static const char inject[] = "220 x ESMTP\r\n250-x\r\n250 STARTTLS\r\n220 go ahead\r\n250 forged\r\n";
        uint16_t port;
        pid_t peer;

        peer = net_hostile_peer(&port, "", 0, 0); /* reads the ClientHello, never answers */
        net_expect("tls handshake hangs", net_conf("type = smtp\nport = %u\ntls = yes\n", port), PROBE_TIMEOUT,
                   "no TLS handshake within 2s");
        net_kill(peer);
        peer = net_hostile_peer(&port, "220 plain text, not TLS\r\n", 25, 1);
        net_expect("tls answered with text", net_conf("type = smtp\nport = %u\ntls = yes\n", port),
                   PROBE_PROTOCOL_ERROR, "TLS handshake failed: wrong version number");
        net_kill(peer);
        peer = net_hostile_peer(&port, inject, sizeof(inject) - 1, 1);
        net_expect("plain bytes after STARTTLS", net_conf("type = smtp\nport = %u\nstarttls = yes\n", port),
                   PROBE_PROTOCOL_ERROR, "unencrypted data after the STARTTLS reply");
        net_kill(peer);
}

static void config_error(const char *body, const char *words) {
        net_config_error("[check m]\n", body, words);
}

static void test_config(void) {
        config_error("type = smtp\nstarttls = yes\ntls = yes\nport = 465\n", "'starttls' and 'tls' exclude each other");
        config_error("type = imap\nca_file = /etc/ca.pem\n", "key 'ca_file' needs starttls = yes or tls = yes");
        config_error("type = smtp\ncert_warn_days = 7\n", "key 'cert_warn_days' needs starttls = yes or tls = yes");
        config_error("type = smtp\ntls = yes\n", "tls = yes on port 25, the plain smtp port: set port");
        config_error("type = imap\ntls = yes\n", "(implicit TLS is usually 993)");
        config_error("type = smtp\nstarttls = maybe\n", "invalid value 'maybe' for starttls: expected yes or no");
        config_error("type = smtp\nstarttls = yes\nca_file = ca.pem\n", "invalid path 'ca.pem' for ca_file");
        config_error("type = smtp\nstarttls = yes\ncert_warn_days = 9999\n", "cert_warn_days: at most 3650");
        config_error("type = smtp\nstarttls = yes\ntls_name = mail example\n", "invalid value 'mail example' for tls_name");
        config_error("type = tcp\nport = 25\nstarttls = yes\n", "unknown key 'starttls'");
}

int main(void) {
        pid_t postfix, dovecot;

        test_config();
        net_require(NET_POSTFIX);
        net_require(NET_OPENSSL);
        net_setup();
        net_make_certs("mail.example.org");
        test_hostile_peers();
        postfix = start_postfix();
        CHECK(postfix > 0);
        if (postfix > 0)
                test_postfix();
        net_postfix_stop();
        net_require(NET_DOVECOT);
        dovecot = start_dovecot();
        CHECK(dovecot > 0);
        if (dovecot > 0)
                test_dovecot();
        net_kill(dovecot);
        net_cleanup();
        return tests_summary("test-starttls-net");
}
