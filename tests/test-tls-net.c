/* test-tls-net.c: certificate checks against a real nginx over https.
 *
 * A tiny CA made here with openssl (`openssl ca`, which, unlike `x509 -req`,
 * takes -startdate/-enddate, so an expired certificate needs no faked
 * clock) signs the leaf certificates of five https servers of one nginx:
 * valid for a year, expiring in 5 days, expired in 2020, issued for another
 * name, and one self-signed. Trusted through ca_file: valid -> ok, 5 days ->
 * warning "certificate expires in 5 days (DATE)", expired, wrong name and
 * self-signed -> failures naming why; without ca_file the CA is untrusted.
 * Also the expiry parser and judge on fixed dates, and the keys' errors.
 *
 * See also: probes/cert.c, probes/http.c, test-http-net.c.
 */
#include "probes/cert.h"
#include "tests/test-net.h"

#define NGINX "/usr/sbin/nginx"
#define OPENSSL "/usr/bin/openssl"

enum { VALID, SOON, EXPIRED, WRONG_NAME, SELF_SIGNED, N_SERVERS };
static const char *const names[N_SERVERS] = { "valid", "soon", "expired", "wrong", "self" };
static uint16_t ports[N_SERVERS];

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...) {
        char cmd[2048];
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        r = system(cmd);
        if (r != 0)
                fprintf(stderr, "command failed (%d): %s\n", r, cmd);
        CHECK(r == 0);
}

/* A CA and leaf certificates, in net_dir (all output to openssl.log). */
static void make_certs(void) {
        net_write("ca.cnf", "[ca]\ndefault_ca = mini\n[mini]\ndatabase = %1$s/index.txt\nnew_certs_dir = %1$s\n"
                  "serial = %1$s/serial\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\n"
                  "unique_subject = no\n[any]\ncommonName = supplied\n", net_dir);
        net_write("index.txt", "%s", "");
        net_write("serial", "01\n");
        sh("cd %1$s && exec >>openssl.log 2>&1 && "
           "%2$s req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mailsup-test-ca -keyout ca.key -out ca.pem && "
           "for n in valid soon expired wrong; do "
           "  san=IP:127.0.0.1; [ $n = wrong ] && san=DNS:other.example; "
           "  %2$s req -newkey rsa:2048 -nodes -subj /CN=$n -addext subjectAltName=$san -keyout $n.key -out $n.csr; "
           "done && "
           "%2$s ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in valid.csr -out valid.pem -days 365 && "
           "%2$s ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in soon.csr -out soon.pem -days 5 && "
           "%2$s ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in wrong.csr -out wrong.pem -days 365 && "
           "%2$s ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem "
           "  -startdate 20200101000000Z -enddate 20200102000000Z && "
           "%2$s req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=127.0.0.1 "
           "  -addext subjectAltName=IP:127.0.0.1 -keyout self.key -out self.pem",
           net_dir, OPENSSL);
}

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
        char text[512];
        Config *c = NULL;
        ConfigErrors errors = {};

        snprintf(text, sizeof(text), "[check h]\ntype = http\n%s", body);
        CHECK(config_load_string(text, "t.conf", &c, &errors) < 0);
        CHECK(errors.n == 1 && strstr(errors.lines[0], words));
        if (errors.n > 0)
                printf("config error: %s\n", errors.lines[0]);
        config_errors_clear(&errors);
}

/* One https case; for a warning also the severity. */
static void expect(const char *name, int server, const char *extra, ProbeStatus status, ProbeSeverity sev,
                   const char *words) {
        const char *body = net_conf("type = http\nurl = https://127.0.0.1:%u/\n%s", ports[server], extra);
        ProbeResult r = {};

        net_expect(name, body, status, words);
        CHECK(net_probe(body, &r) && r.severity == sev);
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
        net_require(OPENSSL);
        net_setup();
        make_certs();
        nginx = start_nginx();
        CHECK(nginx > 0);
        if (nginx > 0)
                test_https();
        net_kill(nginx);
        net_cleanup();
        return tests_summary("test-tls-net");
}
