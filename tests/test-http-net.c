/* test-http-net.c: the http probe against a real nginx (and hostile peers).
 *
 * nginx from Debian's nginx-light, started by the test on free loopback
 * ports with a config of its own: /ok says "pong", /fail is a 500, /pang the
 * wrong body, /big 1 MB, an https server with a self-signed certificate
 * made here by openssl, and a unix socket listener. Faults: wrong status,
 * wrong body, unverifiable TLS, nginx frozen with SIGSTOP (the kernel still
 * accepts), nginx gone (refused), and scripted peers sending garbage or a
 * 1 MB header. Bounded by count as well as bytes, with the test process'
 * peak RSS growth and time to the result metered (test-hostile.h): endless
 * "100 Continue" responses, header lines, 1 KiB headers and trailers; a
 * chunked body in one-byte chunks; a body and a header trickled until the
 * deadline; and a 302 whose target must see no connection.
 *
 * See also: probes/http.c, probes/curl-event.c, test-net.h.
 */
#include "tests/test-hostile.h"

#define NGINX "/usr/sbin/nginx"
#define OPENSSL "/usr/bin/openssl"

static uint16_t port, tls_port;

static pid_t start_nginx(void) {
        char *argv[] = { NGINX, "-p", net_dir, "-e", (char *) net_path("error.log"), "-c",
                         (char *) net_path("nginx.conf"), "-g", "daemon off;", NULL };
        char *cert[] = { OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                         "/CN=mailsup.test", "-keyout", (char *) net_path("key.pem"), "-out",
                         (char *) net_path("cert.pem"), NULL };
        FILE *f;
        pid_t pid;

        pid = net_spawn("openssl.log", cert);
        CHECK(waitpid(pid, NULL, 0) == pid);
        f = fopen(net_path("big"), "we");
        for (int i = 0; f && i < 1024; i++)
                fprintf(f, "%s%01023d\n", i == 0 ? "pong" : "", 0);
        if (f)
                fclose(f);
        port = net_free_port();
        tls_port = net_free_port();
        net_write("nginx.conf",
                  "pid %1$s/nginx.pid;\nerror_log %1$s/error.log;\nevents {}\n"
                  "http {\n access_log off;\n client_body_temp_path %1$s/cb;\n proxy_temp_path %1$s/px;\n"
                  " fastcgi_temp_path %1$s/fc;\n uwsgi_temp_path %1$s/uw;\n scgi_temp_path %1$s/sc;\n"
                  " server {\n  listen 127.0.0.1:%2$u;\n  listen unix:%1$s/nginx.sock;\n"
                  "  listen 127.0.0.1:%3$u ssl;\n  ssl_certificate %1$s/cert.pem;\n"
                  "  ssl_certificate_key %1$s/key.pem;\n"
                  "  location = /ok { return 200 'pong'; }\n  location = /fail { return 500; }\n"
                  "  location = /pang { return 200 'pang'; }\n  location = /gone { return 204; }\n"
                  "  location = /big { alias %1$s/big; }\n"
                  "  location = /checkv2 { if ($request_method != POST) { return 405; }\n"
                  "   return 200 '{\"is_skipped\": false, \"action\": \"reject\"}'; }\n"
                  "  location = /ham { if ($request_method != POST) { return 405; }\n"
                  "   return 200 '{\"is_skipped\": false, \"action\": \"no action\"}'; }\n }\n}\n",
                  net_dir, port, tls_port);
        pid = net_spawn("nginx.log", argv);
        return net_wait_port(port, "error.log") && net_wait_port(tls_port, "error.log") ? pid : -1;
}

static void test_hostile(void) {
        static char header[1024 * 1024];
        uint16_t p;
        pid_t pid;

        pid = net_hostile_peer(&p, "garbage garbage\r\n\r\n", 19, 1);
        net_expect("http garbage", net_conf("type = http\nurl = http://127.0.0.1:%u/\n", p),
                   PROBE_PROTOCOL_ERROR, "malformed response");
        net_kill(pid);

        memset(header, 'a', sizeof(header));
        memcpy(header, "HTTP/1.1 200 OK\r\nX-Huge: ", 25);
        pid = net_hostile_peer(&p, header, sizeof(header), 1);
        net_expect("http 1 MB header", net_conf("type = http\nurl = http://127.0.0.1:%u/\n", p),
                   PROBE_OVERLONG, "response header over curl's limit");
        net_kill(pid);

        /* An endless body: judged on the first 64 KiB, never more memory. */
        memcpy(header, "HTTP/1.1 200 OK\r\n\r\npong", 23);
        pid = net_hostile_peer(&p, header, sizeof(header), 10);
        net_expect("http endless body", net_conf("type = http\nurl = http://127.0.0.1:%u/\nexpect_body = ^pong\n", p),
                   PROBE_OK, "status 200, body matches");
        net_kill(pid);
}

#define STR(s) s, sizeof(s) - 1
#define OK_HEAD "HTTP/1.1 200 OK\r\n"
#define CHUNKED OK_HEAD "Transfer-Encoding: chunked\r\n\r\n4\r\npong\r\n"

static void http_hostile(const char *name, const HostileStream *s, const char *extra, ProbeStatus status,
                         const char *words) {
        uint16_t p;
        pid_t pid = hostile_stream_peer(s, &p);

        hostile_expect(name, net_conf("type = http\nurl = http://127.0.0.1:%u/\ntimeout = 1s\n%s", p, extra),
                       status, words, 20 << 10, 2.0);
        net_kill(pid);
}

/* A 302 to a listener of ours that must see no connection. */
static void test_redirect(void) {
        char head[256];
        uint16_t p, other;
        int lfd = net_listen(&other);
        HostileStream s = { head, 0 };
        pid_t pid;

        s.head_len = (size_t) snprintf(head, sizeof(head), "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%u/\r\n"
                                       "Content-Length: 0\r\n\r\n", other);
        pid = hostile_stream_peer(&s, &p);
        net_expect("http redirect not followed", net_conf("type = http\nurl = http://127.0.0.1:%u/\n", p),
                   PROBE_BAD_REPLY, "status 302");
        CHECK(fcntl(lfd, F_SETFL, O_NONBLOCK) == 0);
        CHECK(accept4(lfd, NULL, NULL, SOCK_CLOEXEC) < 0 && errno == EAGAIN);
        net_kill(pid);
        close(lfd);
}

/* Headers bounded by count and bytes, the body by bytes however it is cut,
 * a trickle stopped by the deadline. */
static void test_bounds(void) {
        static char big[1024], chunks[6 * 1024];
        const HostileStream continues = { STR(""), STR("HTTP/1.1 100 Continue\r\n\r\n"), .max_bytes = 8 << 20 };
        const HostileStream many = { STR(OK_HEAD), STR("X-A: b\r\n"), .max_bytes = 8 << 20 };
        const HostileStream large = { STR(OK_HEAD), big, 0, .max_bytes = 8 << 20 };
        const HostileStream trailers = { STR(CHUNKED "0\r\n"), STR("X-T: y\r\n"), .max_bytes = 8 << 20 };
        const HostileStream bytes = { STR(CHUNKED), chunks, sizeof(chunks), .max_bytes = 8 << 20 };
        const HostileStream slow_body = { STR(OK_HEAD "Content-Length: 1000\r\n\r\n"), STR("x"), .gap_ms = 250 };
        const HostileStream slow_head = { STR(OK_HEAD), STR("X"), .gap_ms = 250 };

        for (size_t i = 0; i < sizeof(chunks); i += 6)
                memcpy(chunks + i, "1\r\nx\r\n", 6); /* one write, 1024 chunks of one byte */
        memset(big, 'a', sizeof(big));
        memcpy(big, "X-Big: ", 7);
        memcpy(big + sizeof(big) - 2, "\r\n", 2);
        ((HostileStream *) &large)->chunk_len = sizeof(big);
        http_hostile("http endless 100 Continue", &continues, "", PROBE_OVERLONG,
                     "response of more than 100 header lines");
        http_hostile("http endless headers", &many, "", PROBE_OVERLONG, "response of more than 100 header lines");
        http_hostile("http 1 KiB headers", &large, "", PROBE_OVERLONG, "response headers of more than 32768 bytes");
        http_hostile("http endless trailers", &trailers, "", PROBE_OVERLONG, "response of more than 100 header lines");
        http_hostile("http body in 1-byte chunks", &bytes, "expect_body = ^pongx\n", PROBE_OK,
                     "status 200, body matches");
        http_hostile("http trickled body", &slow_body, "", PROBE_TIMEOUT, "timeout after 1s waiting for response");
        http_hostile("http trickled header", &slow_head, "", PROBE_TIMEOUT, "timeout after 1s waiting for response");
        test_redirect();
}

/* method = POST with body_file, as the rspamd check posts GTUBE: nginx
 * answers /checkv2 and /ham to a POST only (405 to a GET). */
static void test_post(void) {
        const char *gtube = net_path("gtube.eml");
        const char *post = "type = http\nurl = http://127.0.0.1:%u/%s\nmethod = POST\nbody_file = %s\n"
                           "expect_body = \"action\": *\"reject\"\n";

        net_write("gtube.eml", "Subject: test\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n");
        net_expect("http POST, rejected", net_conf(post, port, "checkv2", gtube), PROBE_OK, "status 200, body matches");
        net_expect("http POST, another action", net_conf(post, port, "ham", gtube), PROBE_BAD_REPLY,
                   "body does not match '\"action\": *\"reject\"': \"{\"is_skipped\": false, \"action\": \"no action\"}\"");
        net_expect("http GET where POST is wanted", net_conf("type = http\nurl = http://127.0.0.1:%u/checkv2\n", port),
                   PROBE_BAD_REPLY, "status 405");
        net_expect("http POST, body_file gone", net_conf(post, port, "checkv2", net_path("none.eml")),
                   PROBE_INTERNAL_ERROR, "none.eml");
        net_config_error("[check h]\n", "type = http\nurl = http://127.0.0.1/\nbody_file = /x\n",
                         "key 'body_file' needs method = POST");
        net_config_error("[check h]\n", "type = http\nurl = http://127.0.0.1/\nmethod = POST\n",
                         "method = POST needs body_file");
}

int main(void) {
        pid_t nginx;

        net_require(NGINX);
        net_require(OPENSSL);
        net_setup();
        nginx = start_nginx();
        CHECK(nginx > 0);
        if (nginx > 0) {
                net_expect("http ok", net_conf("type = http\nurl = http://127.0.0.1:%u/ok\nexpect_body = ^pong$\n", port),
                           PROBE_OK, "status 200, body matches");
                net_expect("http 500", net_conf("type = http\nurl = http://127.0.0.1:%u/fail\n", port),
                           PROBE_BAD_REPLY, "status 500");
                net_expect("http 500 expected", net_conf("type = http\nurl = http://127.0.0.1:%u/fail\n"
                           "expect_status = 200, 500-503\n", port), PROBE_OK, "status 500");
                net_expect("http 204 not in list", net_conf("type = http\nurl = http://127.0.0.1:%u/gone\n"
                           "expect_status = 200,301\n", port), PROBE_BAD_REPLY, "status 204");
                net_expect("http wrong body", net_conf("type = http\nurl = http://127.0.0.1:%u/pang\n"
                           "expect_body = pong\n", port), PROBE_BAD_REPLY, "body does not match 'pong'");
                net_expect("http 1 MB body, bounded", net_conf("type = http\nurl = http://127.0.0.1:%u/big\n"
                           "expect_body = ^pong0\n", port), PROBE_OK, "body matches");
                net_expect("http 1 MB body, no match", net_conf("type = http\nurl = http://127.0.0.1:%u/big\n"
                           "expect_body = zzz\n", port), PROBE_BAD_REPLY, "does not match 'zzz' in its first 64 KiB");
                net_expect("http unix socket", net_conf("type = http\nurl = http://localhost/ok\nunix_socket = %s\n",
                           net_path("nginx.sock")), PROBE_OK, "status 200");
                net_expect("https self-signed", net_conf("type = http\nurl = https://127.0.0.1:%u/ok\n", tls_port),
                           PROBE_CONNECT_ERROR, "TLS: SSL certificate problem");
                net_expect("https tls_verify = no", net_conf("type = http\nurl = https://127.0.0.1:%u/ok\n"
                           "tls_verify = no\nexpect_body = pong\n", tls_port), PROBE_OK, "status 200, body matches");

                test_post();
                net_signal(nginx, SIGSTOP);
                net_expect("http nginx hung", net_conf("type = http\nurl = http://127.0.0.1:%u/ok\ntimeout = 1s\n", port),
                           PROBE_TIMEOUT, "timeout after 1s waiting for response");
                net_expect("https nginx hung", net_conf("type = http\nurl = https://127.0.0.1:%u/ok\ntimeout = 1s\n",
                           tls_port), PROBE_TIMEOUT, "TLS: timeout after 1s in the handshake");
        }
        net_kill(nginx);
        for (int i = 0; i < 1000 && net_tcp_up(port); i++) /* its workers die after the master */
                usleep(10000);
        net_expect("http nginx stopped", net_conf("type = http\nurl = http://127.0.0.1:%u/ok\n", port),
                   PROBE_CONNECT_REFUSED, "connect failed: connection refused");
        test_hostile();
        test_bounds();
        net_cleanup();
        return tests_summary("test-http-net");
}
