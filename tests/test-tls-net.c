/* test-tls-net.c: certificate checks against a real nginx over https.
 *
 * A tiny CA made here with openssl (net_make_certs(), test-net.h) signs the
 * leaf certificates of five https servers of one nginx: valid for a year,
 * expiring in 5 days, expired in 2020, issued for another name, and one
 * self-signed. Trusted through ca_file: valid -> ok, 5 days -> warning
 * "certificate expires in 5 days (DATE)", expired, wrong name and
 * self-signed -> failures naming why; without ca_file the CA is untrusted.
 * Also the expiry parser and judge on fixed dates, and the keys' errors.
 *
 * See also: probes/cert.c, probes/http.c, test-http-net.c.
 */
#include "probes/cert.h"
#include "tests/test-net.h"

#define NGINX "/usr/sbin/nginx"

enum { VALID, SOON, EXPIRED, WRONG_NAME, SELF_SIGNED, N_SERVERS };
static const char *const names[N_SERVERS] = { "valid", "soon", "expired", "wrong", "self" };
static uint16_t ports[N_SERVERS];

static pid_t start_nginx(void) {
        char *argv[] = { NGINX, "-p", net_dir, "-e", (char *) net_path("error.log"), "-c",
                         (char *) net_path("nginx.conf"), "-g", "daemon off;", NULL };
        char servers[2048] = "";
        size_t len = 0;
        pid_t pid;

        for (int i = 0; i < N_SERVERS; i++) {
                ports[i] = net_free_port();
                len += (size_t) snprintf(servers + len, sizeof(servers) - len,
                                         " server {\n  listen 127.0.0.1:%u ssl;\n  ssl_certificate %s/%s.pem;\n"
                                         "  ssl_certificate_key %s/%s.key;\n  location / { return 200 'pong'; }\n }\n",
                                         ports[i], net_dir, names[i], net_dir, names[i]);
        }
        net_write("nginx.conf",
                  "pid %1$s/nginx.pid;\nerror_log %1$s/error.log;\nevents {}\n"
                  "http {\n access_log off;\n client_body_temp_path %1$s/cb;\n proxy_temp_path %1$s/px;\n"
                  " fastcgi_temp_path %1$s/fc;\n uwsgi_temp_path %1$s/uw;\n scgi_temp_path %1$s/sc;\n%2$s}\n",
                  net_dir, servers);
        pid = net_spawn("nginx.log", argv);
        for (int i = 0; i < N_SERVERS; i++)
                if (!net_wait_port(ports[i], "error.log"))
                        return -1;
        return pid;
}

static void test_expiry(void) {
        usec_t t = 0, now;
        char reason[PROBE_REASON_MAX];

        CHECK_INT(cert_parse_expire_date("Nov 29 12:00:00 2026 GMT", &t), 0);
        CHECK_INT(t, 1795953600ULL * USEC_PER_SEC);
        CHECK_INT(cert_parse_expire_date("Jan  2 00:00:00 2020 GMT", &t), 0); /* OpenSSL pads the day */
        CHECK_INT(t, 1577923200ULL * USEC_PER_SEC);
        CHECK_INT(cert_parse_expire_date("Foo 29 12:00:00 2026 GMT", &t), -EINVAL);
        CHECK_INT(cert_parse_expire_date("Nov 29 12:00:00 2026 CET", &t), -EINVAL);
        CHECK_INT(cert_parse_expire_date("Nov 29 25:00:00 2026 GMT", &t), -EINVAL);
        CHECK_INT(cert_parse_expire_date("Nov 29 12:00:00 2026 GMT trailing", &t), -EINVAL);
        CHECK_INT(cert_parse_expire_date("", &t), -EINVAL);

        now = 1795953600ULL * USEC_PER_SEC - 5 * USEC_PER_DAY + 30 * USEC_PER_SEC; /* made with -days 5, 30s ago */
        CHECK_INT(cert_judge_expiry(1795953600ULL * USEC_PER_SEC, now, 14, reason, sizeof(reason)),
                  PROBE_SEVERITY_WARNING);
        CHECK_STREQ(reason, "certificate expires in 5 days (2026-11-29)");
        CHECK_INT(cert_judge_expiry(1795953600ULL * USEC_PER_SEC, now, 4, reason, sizeof(reason)), PROBE_SEVERITY_NONE);
        CHECK_STREQ(reason, "certificate valid until 2026-11-29");
        CHECK_INT(cert_judge_expiry(1795953600ULL * USEC_PER_SEC, now, 0, reason, sizeof(reason)), PROBE_SEVERITY_NONE);
        CHECK_INT(cert_judge_expiry(now + USEC_PER_HOUR, now, 14, reason, sizeof(reason)), PROBE_SEVERITY_WARNING);
        CHECK_STREQ(reason, "certificate expires in 1 day (2026-11-24)");
        CHECK_INT(cert_judge_expiry(1577923200ULL * USEC_PER_SEC, now, 14, reason, sizeof(reason)),
                  PROBE_SEVERITY_CRITICAL);
        CHECK_STREQ(reason, "certificate expired on 2020-01-02");
}

static void config_error(const char *body, const char *words) {
        net_config_error("[check h]\ntype = http\n", body, words);
}

/* One https case; for a warning also the severity. */
static void expect(const char *name, int server, const char *extra, ProbeStatus status, ProbeSeverity sev,
                   const char *words) {
        const char *body = net_conf("type = http\nurl = https://127.0.0.1:%u/\n%s", ports[server], extra);
        ProbeResult r = {};

        net_expect(name, body, status, words);
        CHECK(net_probe(body, &r) && r.severity == sev);
}

/* The certificate's notAfter as the measured value the exporter shows
 * (mailsup_cert_expiry_timestamp_seconds): the day it was made for. */
static void check_expiry_value(int server, const char *extra, usec_t want) {
        ProbeResult r = {};
        double v = 0;

        CHECK(net_probe(net_conf("type = http\nurl = https://127.0.0.1:%u/\n%s", ports[server], extra), &r));
        CHECK_INT(probe_result_value(&r, "cert_expiry_timestamp_seconds", NULL, &v), 0);
        CHECK(v > (double) (want / USEC_PER_SEC) - 86400 * 1.5 && v < (double) (want / USEC_PER_SEC) + 86400 * 1.5);
}

static void test_https(void) {
        char ca[300], ca3[340], soon[64];
        usec_t t = now_usec(CLOCK_REALTIME) + 5 * USEC_PER_DAY;
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        snprintf(ca, sizeof(ca), "ca_file = %s\n", net_path("ca.pem"));
        strftime(soon, sizeof(soon), "certificate expires in 5 days (%Y-%m-%d)", gmtime_r(&s, &tm));
        expect("https valid via ca_file", VALID, ca, PROBE_OK, PROBE_SEVERITY_NONE, "status 200, certificate valid until");
        expect("https expiring in 5 days", SOON, ca, PROBE_THRESHOLD, PROBE_SEVERITY_WARNING, soon);
        check_expiry_value(SOON, ca, t);
        snprintf(ca3, sizeof(ca3), "%scert_warn_days = 3\n", ca);
        expect("https 5 days, cert_warn_days = 3", SOON, ca3, PROBE_OK,
               PROBE_SEVERITY_NONE, "status 200, certificate valid until");
        expect("https expired", EXPIRED, ca, PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE, "certificate has expired");
        expect("https wrong name", WRONG_NAME, ca, PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "no alternative certificate subject name matches target host name '127.0.0.1'");
        expect("https self-signed", SELF_SIGNED, ca, PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE, "self-signed certificate");
        expect("https CA not trusted", VALID, "", PROBE_CONNECT_ERROR, PROBE_SEVERITY_NONE,
               "unable to get local issuer certificate");
        expect("https expired, tls_verify = no", EXPIRED, "tls_verify = no\n", PROBE_OK, PROBE_SEVERITY_NONE, "status 200");
}

int main(void) {
        pid_t nginx;

        test_expiry();
        config_error("url = http://127.0.0.1/\ncert_warn_days = 7\n", "key 'cert_warn_days' needs an https url");
        config_error("url = https://127.0.0.1/\ncert_warn_days = soon\n", "invalid value 'soon' for cert_warn_days");
        config_error("url = https://127.0.0.1/\ncert_warn_days = 9999\n", "cert_warn_days: at most 3650");
        config_error("url = https://127.0.0.1/\nca_file = ca.pem\n", "invalid path 'ca.pem' for ca_file");
        net_require(NGINX);
        net_require(NET_OPENSSL);
        net_setup();
        net_make_certs(NULL);
        nginx = start_nginx();
        CHECK(nginx > 0);
        if (nginx > 0)
                test_https();
        net_kill(nginx);
        net_cleanup();
        return tests_summary("test-tls-net");
}
