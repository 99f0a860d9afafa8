/* test-http-server.c: libmicrohttpd on sd-event, against real sockets.
 *
 * The server runs on this process's loop; each scenario's client runs in
 * a child process with plain blocking sockets (bounded by receive
 * timeouts), and the loop runs until the child exits. What a scraper or
 * an attacker would notice: the page and its headers, 404 and 405, a 1 MB
 * body refused unread, the per-address and total connection limits, and a
 * client that trickles bytes or sends a 1 MB header cut at its deadline.
 *
 * See also: common/http-server.h, tests/e2e/metrics-hostile.sh (the
 * same against mailsupd, with its probes running).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/http-server.h"
#include "tests/tests.h"

static const char page[] = "# HELP t_up Test.\n# TYPE t_up gauge\nt_up 1\n";
static HttpResponse *response;
static unsigned requests;
static uint16_t port;

static HttpResponse *handler(const char *path, void *userdata) {
        requests++;
        return streq(path, "/metrics") ? response : NULL;
}

/* A connected client socket from source address src (127.0.0.X), with a
 * receive timeout; -1 on failure. */
static int client(const char *src) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) }, from = { .sin_family = AF_INET };
        struct timeval tv = { .tv_sec = 5 };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        inet_pton(AF_INET, src, &from.sin_addr);
        if (fd < 0 || bind(fd, (struct sockaddr *) &from, sizeof(from)) < 0 ||
            connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        return fd;
}

/* Everything the server sends until it closes (or 5 s of silence). */
static size_t read_all(int fd, char *buf, size_t size) {
        size_t len = 0;
        ssize_t n;

        while (len + 1 < size && (n = recv(fd, buf + len, size - 1 - len, 0)) > 0)
                len += (size_t) n;
        buf[len] = '\0';
        return len;
}

/* The child's exit status: 0 when what it saw was right. */
static int exchange(const char *src, const char *request, char *buf, size_t size) {
        int fd = client(src);

        if (fd < 0)
                return -1;
        if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
                close(fd);
                return -1;
        }
        read_all(fd, buf, size);
        close(fd);
        return 0;
}

#define EXPECT(cond) do { if (!(cond)) { fprintf(stderr, "child: %s:%d: %s\n", __FILE__, __LINE__, #cond); _exit(1); } } while (0)

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        *(int *) userdata = si->si_code == CLD_EXITED ? si->si_status : 128;
        return 0;
}

/* Fork fn as the client; run the loop until it exits; its status. */
static int run_client(sd_event *e, void (*fn)(void)) {
        sd_event_source *src = NULL;
        pid_t pid = fork();
        int status = -1;

        if (pid == 0) {
                fn();
                _exit(0);
        }
        if (pid < 0 || sd_event_add_child(e, &src, pid, WEXITED, on_child, &status) < 0)
                return -1;
        while (status == -1)
                if (sd_event_run(e, UINT64_MAX) < 0)
                        break;
        sd_event_source_unref(src);
        return status;
}

static void client_pages(void) {
        char buf[4096];

        EXPECT(exchange("127.0.0.1", "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", buf, sizeof(buf)) == 0);
        EXPECT(strncmp(buf, "HTTP/1.1 200", 12) == 0);
        EXPECT(strcasestr(buf, "\r\nConnection: close\r\n"));
        EXPECT(strcasestr(buf, "\r\nContent-Type: text/plain; version=0.0.4"));
        EXPECT(strstr(buf, "\r\n\r\n# HELP t_up Test.\n# TYPE t_up gauge\nt_up 1\n"));
        EXPECT(exchange("127.0.0.1", "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", buf, sizeof(buf)) == 0);
        EXPECT(strncmp(buf, "HTTP/1.1 200", 12) == 0 && !strstr(buf, "t_up 1"));
        EXPECT(exchange("127.0.0.1", "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", buf, sizeof(buf)) == 0);
        EXPECT(strncmp(buf, "HTTP/1.1 404", 12) == 0);
        EXPECT(exchange("127.0.0.1", "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", buf, sizeof(buf)) == 0);
        EXPECT(strncmp(buf, "HTTP/1.1 405", 12) == 0 && strcasestr(buf, "\r\nAllow: GET, HEAD\r\n"));
}

/* A 1 MB request as a body: answered 405 from the headers alone, the body
 * never read. */
static void client_big_body(void) {
        size_t big = 1024 * 1024;
        char *req = malloc(big), buf[4096];
        int fd = client("127.0.0.1");

        EXPECT(req && fd >= 0);
        snprintf(req, 256, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", big);
        EXPECT(send(fd, req, strlen(req), MSG_NOSIGNAL) > 0);
        memset(req, 'a', big);
        (void) send(fd, req, big, MSG_NOSIGNAL | MSG_DONTWAIT); /* the server may close before taking it all */
        read_all(fd, buf, sizeof(buf));
        EXPECT(strncmp(buf, "HTTP/1.1 405", 12) == 0);
        close(fd);
        free(req);
}

/* A 1 MB header: once the connection's 16 KiB are full libmicrohttpd
 * 0.9.75 stops reading (here: a header line that never ends; a line that
 * does end may get a 431), so the connection is held, never answered a
 * page, and cut at its deadline (1 s here) like a trickling client. */
static void client_big_header(void) {
        size_t big = 1024 * 1024, sent = 0;
        char *req = malloc(big), buf[4096];
        int fd = client("127.0.0.1");

        EXPECT(req && fd >= 0);
        strcpy(req, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
        memset(req + strlen(req), 'a', big - strlen(req));
        for (int i = 0; i < 50 && sent < big; i++) {
                ssize_t n = send(fd, req + sent, big - sent, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0 && errno != EAGAIN)
                        break; /* cut */
                if (n > 0)
                        sent += (size_t) n;
                else
                        usleep(20000);
        }
        read_all(fd, buf, sizeof(buf)); /* returns at the cut: EOF or reset */
        EXPECT(!strstr(buf, "200"));
        close(fd);
        free(req);
}

/* How many of fds the server closes within 3 s (EOF or reset). */
static unsigned closed_by_server(const int *fds, unsigned n) {
        unsigned closed = 0;
        bool done[64] = {};

        for (int round = 0; round < 30; round++) {
                struct pollfd p[64];

                for (unsigned i = 0; i < n; i++)
                        p[i] = (struct pollfd) { .fd = done[i] ? -1 : fds[i], .events = POLLIN };
                if (poll(p, n, 100) < 0)
                        break;
                for (unsigned i = 0; i < n; i++)
                        if (!done[i] && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                                char c;
                                if (recv(fds[i], &c, 1, MSG_DONTWAIT) <= 0) {
                                        done[i] = true;
                                        closed++;
                                }
                        }
        }
        return closed;
}

/* One address takes at most HTTP_SERVER_MAX_PER_IP slots; another address
 * is still served. All addresses take at most HTTP_SERVER_MAX_CONNECTIONS;
 * the next one waits until a slot is free. */
static void client_limits(void) {
        int one[20], others[3 * HTTP_SERVER_MAX_PER_IP], late, fd;
        char buf[4096];
        const char *late_req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
        struct pollfd p;

        for (unsigned i = 0; i < ELEMENTSOF(one); i++)
                EXPECT((one[i] = client("127.0.0.1")) >= 0);
        EXPECT(closed_by_server(one, ELEMENTSOF(one)) == ELEMENTSOF(one) - HTTP_SERVER_MAX_PER_IP);
        EXPECT(exchange("127.0.0.2", late_req, buf, sizeof(buf)) == 0 && strncmp(buf, "HTTP/1.1 200", 12) == 0);

        for (unsigned i = 0; i < ELEMENTSOF(others); i++) {
                char src[16];
                snprintf(src, sizeof(src), "127.0.0.%u", 2 + i / HTTP_SERVER_MAX_PER_IP);
                EXPECT((others[i] = client(src)) >= 0);
        }
        EXPECT(closed_by_server(others, ELEMENTSOF(others)) == 0);
        /* 8 + 24 = 32 held: the next waits, unanswered, in the backlog. */
        EXPECT((late = client("127.0.0.9")) >= 0);
        EXPECT(send(late, late_req, strlen(late_req), MSG_NOSIGNAL) > 0);
        p = (struct pollfd) { .fd = late, .events = POLLIN };
        EXPECT(poll(&p, 1, 1000) == 0);
        /* One slot free: it is served. */
        fd = others[0];
        close(fd);
        read_all(late, buf, sizeof(buf));
        EXPECT(strncmp(buf, "HTTP/1.1 200", 12) == 0);
        close(late);
        for (unsigned i = 0; i < ELEMENTSOF(one); i++)
                close(one[i]);
        for (unsigned i = 1; i < ELEMENTSOF(others); i++)
                close(others[i]);
}

/* Every slot taken and more waiting, then all given back at once: the
 * next client is served (libmicrohttpd left its listening socket out while
 * at the limit; with no connection left, no timeout would bring it back). */
static void client_refill(void) {
        int fds[HTTP_SERVER_MAX_CONNECTIONS + HTTP_SERVER_MAX_CONNECTIONS / 2];
        const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
        char buf[4096];

        for (unsigned i = 0; i < ELEMENTSOF(fds); i++) {
                char src[16];
                snprintf(src, sizeof(src), "127.0.1.%u", 1 + i / HTTP_SERVER_MAX_PER_IP);
                EXPECT((fds[i] = client(src)) >= 0);
        }
        usleep(300000); /* accepted, up to the limit */
        for (unsigned i = 0; i < ELEMENTSOF(fds); i++)
                close(fds[i]);
        usleep(300000);
        EXPECT(exchange("127.0.1.99", req, buf, sizeof(buf)) == 0);
        EXPECT(strncmp(buf, "HTTP/1.1 200", 12) == 0);
}

/* One byte every 100 ms of a request that never ends: cut at the 1 s
 * deadline, long before the 20 s it would take. */
static void client_trickle(void) {
        int fd = client("127.0.0.1");
        bool cut = false;

        EXPECT(fd >= 0);
        EXPECT(send(fd, "GET /metrics HTTP/1.1\r\nX-Slow: ", 31, MSG_NOSIGNAL) == 31);
        for (int i = 0; i < 200 && !cut; i++) {
                char c;
                struct pollfd p = { .fd = fd, .events = POLLIN };

                cut = send(fd, "a", 1, MSG_NOSIGNAL) < 0 ||
                      (poll(&p, 1, 100) > 0 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0);
        }
        EXPECT(cut);
        close(fd);
}

static HttpServer *server_on(sd_event *e, usec_t deadline) {
        HttpServerOptions o = { .deadline = deadline };
        char listen[32];
        HttpServer *h = NULL;

        for (int attempt = 0; attempt < 20 && !h; attempt++) {
                port = (uint16_t) (20000 + (getpid() * 7 + attempt * 131) % 30000);
                snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
                o.listen = listen;
                if (http_server_new(e, &o, handler, NULL, &h) < 0)
                        h = NULL;
        }
        return h;
}

static void test_listen_parse(void) {
        struct sockaddr_storage sa;
        socklen_t len;

        CHECK_INT(http_listen_parse("9187", &sa, &len), 0);
        CHECK(sa.ss_family == AF_INET &&
              ((struct sockaddr_in *) &sa)->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
              ((struct sockaddr_in *) &sa)->sin_port == htons(9187));
        CHECK_INT(http_listen_parse("0.0.0.0:9187", &sa, &len), 0);
        CHECK(((struct sockaddr_in *) &sa)->sin_addr.s_addr == htonl(INADDR_ANY));
        CHECK_INT(http_listen_parse("[::1]:80", &sa, &len), 0);
        CHECK(sa.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6));
        static const char *const bad[] = { "", ":", "0", "65536", "localhost:9187", "127.0.0.1", "127.0.0.1:",
                                           "127.0.0.1:x", "::1:80", "[::1]80", "[127.0.0.1]:80",
                                           "1.2.3.4:+80", " 80", "1.2.3.4:080000" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK_INT(http_listen_parse(bad[i], &sa, &len), -EINVAL);
}

int main(void) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        HttpServer *h;
        sigset_t mask;

        signal(SIGPIPE, SIG_IGN);
        alarm(120);
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        test_listen_parse();
        CHECK(sd_event_new(&e) >= 0);
        CHECK_INT(http_response_new("text/plain; version=0.0.4; charset=utf-8", strdup(page), strlen(page),
                                    &response), 0);
        h = server_on(e, 0);
        CHECK(h != NULL);
        if (!h)
                return tests_summary("test-http-server");
        CHECK_INT(run_client(e, client_pages), 0);
        CHECK_INT(requests, 3); /* DELETE is refused before the handler */
        CHECK_INT(run_client(e, client_big_body), 0);
        CHECK_INT(run_client(e, client_limits), 0);
        CHECK_INT(run_client(e, client_refill), 0);
        http_server_free(h);

        h = server_on(e, USEC_PER_SEC);
        CHECK(h != NULL);
        if (h) {
                CHECK_INT(run_client(e, client_trickle), 0);
                CHECK_INT(http_server_cut(h), 1);
                CHECK_INT(run_client(e, client_big_header), 0);
                CHECK_INT(http_server_cut(h), 2);
                http_server_free(h);
        }
        http_response_unref(response);
        return tests_summary("test-http-server");
}
