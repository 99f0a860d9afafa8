/* test-probes.c: the real tcp, smtp and imap probes against scripted peers.
 *
 * Each scenario forks a small peer on 127.0.0.1 that plays a script with
 * blocking I/O (send these bytes, expect a line starting so, hang, close),
 * runs one probe on an sd-event loop and checks the status and the words of
 * the reason, and that the peer saw what it expected (EHLO, QUIT, LOGOUT).
 * Hung services are listeners that never accept. Also: 50 hung probes and
 * one good one on the same loop (the good one must finish first), memory
 * against a 10 MB line, and no fd left behind.
 *
 * See also: probes/stream.c, test-smtp-parse.c, test-imap-parse.c.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "probes/probe.h"
#include "tests/tests.h"

#define MS(n) ((usec_t) (n) * USEC_PER_MSEC)
#define GOOD_EHLO "250-test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
#define DOVECOT "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n"
#define LOGOUT_OK "* BYE Logging out\r\nm1 OK Logout completed (0.001 + 0.000 secs).\r\n"
#define S(...) ((const char *const[]) { __VA_ARGS__, NULL })

typedef struct Run {
        bool done;
        unsigned calls, order;
        unsigned *counter;
        ProbeResult result;
} Run;

static void on_done(Probe *p, const ProbeResult *result, void *userdata) {
        Run *run = userdata;

        run->calls++;
        run->done = true;
        run->result = *result;
        run->order = (*run->counter)++;
        probe_free(p); /* allowed inside the callback */
}

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        while (d && readdir(d))
                n++;
        if (d)
                closedir(d);
        return n;
}

static long rss_kb(void) {
        char line[256];
        long kb = -1;
        FILE *f = fopen("/proc/self/status", "re");

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
                        break;
        if (f)
                fclose(f);
        return kb;
}

/* A socket bound to 127.0.0.1 on a free port; backlog < 0: bound, not listening. */
static int make_listener(int backlog, uint16_t *ret_port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            (backlog >= 0 && listen(fd, backlog) < 0) || getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
                abort();
        *ret_port = ntohs(sa.sin_port);
        return fd;
}

static bool read_line_prefix(int fd, const char *prefix) {
        char line[512];
        size_t n = 0;

        while (n + 1 < sizeof(line) && read(fd, line + n, 1) == 1)
                if (line[n++] == '\n')
                        break;
        line[n] = '\0';
        return strncmp(line, prefix, strlen(prefix)) == 0 && n > 0 && line[n - 1] == '\n';
}

/* Script steps: ">bytes" send, "<PREFIX" expect a line, "." pause 20ms,
 * "~" wait until the probe closes, "!" 10 MB with no line end; then close. */
static _Noreturn void peer_main(int listen_fd, const char *const *script) {
        static char junk[64 * 1024];
        char c;
        int fd;

        signal(SIGPIPE, SIG_IGN);
        alarm(20); /* never outlive a broken test */
        fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
                _exit(2);
        for (; *script; script++) {
                const char *arg = *script + 1;

                if (**script == '>')
                        (void) !write(fd, arg, strlen(arg));
                else if (**script == '<' && !read_line_prefix(fd, arg))
                        _exit(1);
                else if (**script == '.')
                        usleep(20000);
                else if (**script == '~')
                        while (read(fd, &c, 1) == 1)
                                ;
                else if (**script == '!') {
                        memset(junk, 'x', sizeof(junk));
                        memcpy(junk, "220 ", 4);
                        for (size_t sent = 0; sent < 10 * 1024 * 1024; sent += sizeof(junk))
                                if (write(fd, junk, sizeof(junk)) < 0)
                                        break; /* the probe gave up: expected */
                }
        }
        _exit(0);
}

static pid_t spawn_peer(const char *const *script, uint16_t *ret_port) {
        int fd = make_listener(8, ret_port);
        pid_t pid = fork();

        if (pid < 0)
                abort();
        if (pid == 0)
                peer_main(fd, script);
        close(fd); /* the child's copy keeps listening */
        return pid;
}

static void start_probe(sd_event *e, ProbeConfig *c, const char *type, const char *host, uint16_t port,
                        usec_t timeout, Run *run) {
        Probe *p;

        *c = (ProbeConfig) { .name = (char *) type, .type = probe_type_find(type), .host = (char *) host,
                             .port = port, .timeout = timeout };
        CHECK(c->type != NULL);
        CHECK_INT(probe_start(e, c, on_done, run, &p), 0);
        CHECK(!run->done); /* never from inside probe_start() */
}

/* Run one probe to completion; returns the loop iterations it took. */
static uint64_t run_one(const char *type, const char *host, uint16_t port, usec_t timeout, Run *run) {
        sd_event *e = NULL;
        unsigned counter = 0;
        uint64_t before = 0, after = 0;
        ProbeConfig c;

        *run = (Run) { .counter = &counter };
        CHECK_INT(sd_event_new(&e), 0);
        start_probe(e, &c, type, host, port, timeout, run);
        (void) sd_event_get_iteration(e, &before);
        while (!run->done)
                CHECK(sd_event_run(e, UINT64_MAX) >= 0);
        (void) sd_event_get_iteration(e, &after);
        /* Nothing else may fire: no second completion, no stray source. */
        CHECK(sd_event_run(e, MS(50)) >= 0);
        CHECK_INT(run->calls, 1);
        sd_event_unref(e);
        return after - before;
}

static void check_result(const char *name, const Run *run, ProbeStatus status, const char *words) {
        bool ok = run->result.status == status && strstr(run->result.reason, words);

        if (!ok)
                fprintf(stderr, "%s: got %s \"%s\", want %s \"%s\"\n", name,
                        probe_status_to_string(run->result.status), run->result.reason,
                        probe_status_to_string(status), words);
        CHECK(ok);
}

typedef struct Scenario {
        const char *name, *type;
        const char *const *script;
        usec_t timeout;
        ProbeStatus status;
        const char *words;
} Scenario;

static const Scenario scenarios[] = {
        { "smtp good", "smtp", S(">220 test ESMTP Postfix (Debian/GNU)\r\n", "<EHLO ", ">" GOOD_EHLO, "<QUIT\r\n",
          ">221 2.0.0 Bye\r\n"), MS(5000), PROBE_OK, "EHLO answered 250" },
        { "smtp split replies", "smtp", S(">22", ".", ">0-test ESMTP\r", ".", ">\n220 ready\r\n", "<EHLO ",
          ">250-test\r\n250-PIP", ".", ">ELINING\r\n250 8BITMIME\r\n", "<QUIT"), MS(5000), PROBE_OK, "250" },
        { "smtp no greeting", "smtp", S("~"), MS(300), PROBE_TIMEOUT, "no greeting within 300ms" },
        { "smtp 421", "smtp", S(">421 4.3.2 Service not available\r\n", "~"), MS(5000), PROBE_BAD_GREETING,
          "greeting 421 4.3.2 Service not available" },
        { "smtp garbage", "smtp", S(">HTTP/1.1 400 Bad Request\r\n", "~"), MS(5000), PROBE_PROTOCOL_ERROR,
          "malformed reply: \"HTTP/1.1 400 Bad Request\"" },
        { "smtp closed after greeting", "smtp", S(">220 test ESMTP\r\n", "<EHLO "), MS(5000), PROBE_CLOSED,
          "connection closed by peer while waiting for reply to EHLO" },
        { "smtp closed before greeting", "smtp", S("."), MS(5000), PROBE_CLOSED, "closed by peer while waiting for greeting" },
        { "smtp ehlo refused", "smtp", S(">220 test ESMTP\r\n", "<EHLO ", ">502 5.5.2 Error: command not recognized\r\n", "~"),
          MS(5000), PROBE_BAD_REPLY, "EHLO answered 502 5.5.2 Error: command not recognized" },
        { "smtp no reply to ehlo", "smtp", S(">220 test ESMTP\r\n", "<EHLO ", "~"), MS(300), PROBE_TIMEOUT,
          "no reply to EHLO within 300ms" },
        { "imap good", "imap", S(">" DOVECOT, "<m1 LOGOUT\r\n", ">" LOGOUT_OK, "~"), MS(5000), PROBE_OK, "LOGOUT answered OK" },
        { "imap dovecot waiting for auth", "imap", S(">* OK Waiting for authentication process to respond..\r\n",
          "<m1 LOGOUT", ">" DOVECOT LOGOUT_OK, "~"), MS(5000), PROBE_OK, "LOGOUT answered OK" },
        { "imap bye greeting", "imap", S(">* BYE Too many connections\r\n", "~"), MS(5000), PROBE_BAD_GREETING,
          "greeting BYE Too many connections" },
        { "imap garbage", "imap", S(">220 test ESMTP Postfix\r\n", "~"), MS(5000), PROBE_PROTOCOL_ERROR, "malformed greeting" },
        { "imap logout refused", "imap", S(">" DOVECOT, "<m1 LOGOUT", ">m1 BAD Unknown command\r\n", "~"), MS(5000),
          PROBE_BAD_REPLY, "LOGOUT answered BAD Unknown command" },
        { "imap closed after greeting", "imap", S(">" DOVECOT, "<m1 LOGOUT"), MS(5000), PROBE_CLOSED,
          "closed by peer while waiting for reply to LOGOUT" },
        { "imap no greeting", "imap", S("~"), MS(300), PROBE_TIMEOUT, "no greeting within 300ms" },
        { "tcp good", "tcp", S("~"), MS(5000), PROBE_OK, "connected" },
};

static void test_scripted(void) {
        for (size_t i = 0; i < ELEMENTSOF(scenarios); i++) {
                const Scenario *sc = &scenarios[i];
                uint16_t port;
                pid_t pid = spawn_peer(sc->script, &port);
                uint64_t iterations;
                int status = -1;
                Run run;

                iterations = run_one(sc->type, "127.0.0.1", port, sc->timeout, &run);
                check_result(sc->name, &run, sc->status, sc->words);
                /* Level-triggered sources: an idle EPOLLOUT would spin thousands of times. */
                CHECK(iterations < 50);
                CHECK(waitpid(pid, &status, 0) == pid);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        fprintf(stderr, "%s: peer did not see what it expected\n", sc->name);
                CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
}

static void test_overlong(void) {
        uint16_t port;
        pid_t pid = spawn_peer(S("!"), &port);
        long before = rss_kb();
        Run run;

        run_one("smtp", "127.0.0.1", port, MS(5000), &run);
        check_result("smtp 10 MB line", &run, PROBE_OVERLONG, "line longer than 2048 bytes");
        CHECK(rss_kb() - before < 1024); /* bounded buffer: no megabytes kept */
        CHECK(waitpid(pid, NULL, 0) == pid);

        pid = spawn_peer(S("!"), &port);
        run_one("imap", "127.0.0.1", port, MS(5000), &run);
        check_result("imap 10 MB line", &run, PROBE_OVERLONG, "longer than");
        CHECK(waitpid(pid, NULL, 0) == pid);
}

static void test_connect_failures(void) {
        uint16_t port;
        int fd = make_listener(-1, &port); /* bound, never listening: refused, and nobody else takes it */
        Run run;

        run_one("smtp", "127.0.0.1", port, MS(5000), &run);
        check_result("smtp refused", &run, PROBE_CONNECT_REFUSED, "connection refused");
        run_one("tcp", "127.0.0.1", port, MS(5000), &run);
        check_result("tcp refused", &run, PROBE_CONNECT_REFUSED, "connection refused");
        run_one("imap", "localhost", port, MS(5000), &run);
        check_result("host name", &run, PROBE_CONNECT_ERROR, "not a numeric IPv4 or IPv6 address");
        run_one("tcp", "127.0.0.1", 0, MS(5000), &run);
        check_result("no port", &run, PROBE_CONNECT_ERROR, "no port");
        close(fd);
}

/* A listener whose accept queue is full drops further SYNs: connect hangs. */
static void test_connect_timeout(void) {
        uint16_t port;
        int fd = make_listener(0, &port);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                                  .sin_port = htons(port) };
        int filler[2];
        Run run;

        for (size_t i = 0; i < ELEMENTSOF(filler); i++) {
                filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                (void) connect(filler[i], (struct sockaddr *) &sa, sizeof(sa));
        }
        usleep(50000);
        run_one("tcp", "127.0.0.1", port, MS(300), &run);
        check_result("tcp connect timeout", &run, PROBE_CONNECT_TIMEOUT, "no connection within 300ms");
        for (size_t i = 0; i < ELEMENTSOF(filler); i++)
                close(filler[i]);
        close(fd);
}

/* probe_free() of a run still waiting: no callback, socket closed. */
static void test_free_unfinished(void) {
        uint16_t port;
        int fd = make_listener(8, &port);
        unsigned before = count_fds(), counter = 0;
        Run run = { .counter = &counter };
        sd_event *e = NULL;
        ProbeConfig c;
        Probe *p;

        CHECK_INT(sd_event_new(&e), 0);
        c = (ProbeConfig) { .type = probe_type_find("smtp"), .host = (char *) "127.0.0.1", .port = port,
                            .timeout = MS(5000) };
        CHECK_INT(probe_start(e, &c, on_done, &run, &p), 0);
        for (int i = 0; i < 5; i++)
                CHECK(sd_event_run(e, MS(10)) >= 0);
        probe_free(p);
        CHECK(sd_event_run(e, MS(50)) >= 0);
        CHECK_INT(run.calls, 0);
        sd_event_unref(e);
        CHECK_INT(count_fds(), before);
        close(fd);
}

/* IPv6 literals work too, where the host has ::1 (skipped otherwise). */
static void test_ipv6(void) {
        struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        Run run;

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 8) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0) {
                printf("test-probes: no IPv6 loopback, skipping the ::1 case\n");
                if (fd >= 0)
                        close(fd);
                return;
        }
        run_one("tcp", "::1", ntohs(sa.sin6_port), MS(5000), &run);
        check_result("tcp ::1", &run, PROBE_OK, "connected");
        close(fd);
}

/* 50 hung services and one good one on the same loop: the good one must
 * not wait for the hung ones (judged by completion order, not by clock). */
static void test_concurrent(void) {
        enum { N_HUNG = 50 };
        uint16_t hung_port, good_port;
        int hung_fd = make_listener(128, &hung_port); /* the kernel completes handshakes; nobody greets */
        pid_t pid = spawn_peer(S(">220 good ESMTP\r\n", "<EHLO ", ">" GOOD_EHLO, "<QUIT"), &good_port);
        unsigned fds = count_fds(), counter = 0;
        ProbeConfig c[N_HUNG + 1];
        Run runs[N_HUNG + 1];
        sd_event *e = NULL;
        int status = -1;

        CHECK_INT(sd_event_new(&e), 0);
        for (size_t i = 0; i <= N_HUNG; i++) {
                runs[i] = (Run) { .counter = &counter };
                start_probe(e, &c[i], "smtp", "127.0.0.1", i < N_HUNG ? hung_port : good_port, MS(1000), &runs[i]);
        }
        while (counter <= N_HUNG)
                CHECK(sd_event_run(e, UINT64_MAX) >= 0);

        check_result("good among hung", &runs[N_HUNG], PROBE_OK, "EHLO answered 250");
        CHECK_INT(runs[N_HUNG].order, 0);
        for (size_t i = 0; i < N_HUNG; i++) {
                check_result("hung", &runs[i], PROBE_TIMEOUT, "no greeting within 1s");
                CHECK_INT(runs[i].calls, 1);
        }
        sd_event_unref(e);
        CHECK_INT(count_fds(), fds); /* all 51 sockets closed with the probes */
        close(hung_fd);
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Measured values: replaced by name and label value, bounded, UTF-8, and
 * frozen once the run finished. */
static void test_values(void) {
        Probe p = {};
        char q[16];

        CHECK_INT(probe_add_value(&p, "redis_memory_used_bytes", "Memory.", NULL, NULL, 1), 0);
        CHECK_INT(probe_add_value(&p, "redis_memory_used_bytes", "Memory.", NULL, NULL, 2), 0);
        CHECK_INT(probe_add_value(&p, "postfix_queue_messages", "Queue.", "queue", "deferred", 3), 0);
        CHECK_INT(probe_add_value(&p, "postfix_queue_messages", "Queue.", "queue", "r\xe9", 4), 0);
        CHECK_INT(p.result.n_values, 3);
        CHECK(p.result.values[0].value == 2);
        CHECK_STREQ(p.result.values[2].label_value, "r\\xe9");
        for (int i = 3; i < PROBE_VALUES_MAX; i++) {
                snprintf(q, sizeof(q), "q%d", i);
                CHECK_INT(probe_add_value(&p, "postfix_queue_messages", "Queue.", "queue", q, i), 0);
        }
        CHECK_INT(probe_add_value(&p, "postfix_queue_messages", "Queue.", "queue", "one too many", 0), -ENOSPC);
        p.finished = true;
        CHECK_INT(probe_add_value(&p, "redis_memory_used_bytes", "Memory.", NULL, NULL, 9), 0);
        CHECK(p.result.values[0].value == 2);
}

int main(void) {
        unsigned fds = count_fds();

        test_values();
        test_scripted();
        test_overlong();
        test_connect_failures();
        test_connect_timeout();
        test_ipv6();
        test_free_unfinished();
        test_concurrent();
        CHECK_INT(count_fds(), fds);
        return tests_summary("test-probes");
}
