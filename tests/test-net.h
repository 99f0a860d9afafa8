/* test-net.h: helpers for the probes-against-real-servers tests.
 *
 * A test starts the real daemon from Debian's package (nginx, unbound,
 * redis-server, opendkim, postsrsd) as a plain background process on a free
 * loopback port in a temp dir, waits until it listens, runs one probe built
 * from config text on an sd-event loop and checks the status and the words
 * of the reason. Faults are injected to the real process: stopped (refused),
 * SIGSTOP (hung), or a wrong configuration. A missing daemon binary skips
 * the test (exit 77).
 *
 * See also: test-probes.c (scripted peers), TESTING.md.
 */
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>

#include "probes/probe.h"
#include "tests/tests.h"

#define NET_CONF_MAX 4096

static char net_dir[64];

static inline void net_require(const char *binary) {
        if (access(binary, X_OK) < 0) {
                printf("SKIP: %s is not installed (tests/install-deps.sh installs it)\n", binary);
                exit(77);
        }
}

static inline void net_setup(void) {
        snprintf(net_dir, sizeof(net_dir), "/tmp/mailsup-net-XXXXXX");
        if (!mkdtemp(net_dir) || chmod(net_dir, 0755) < 0)
                abort();
        signal(SIGPIPE, SIG_IGN);
        alarm(240); /* never hang CI */
}

static inline void net_cleanup(void) {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", net_dir);
        (void) !system(cmd);
}

/* A path in the temp dir (rotating static buffers: fine for a test). */
static inline const char *net_path(const char *name) {
        static char bufs[8][256];
        static unsigned i;
        char *b = bufs[i++ % 8];

        snprintf(b, 256, "%s/%s", net_dir, name);
        return b;
}

static inline void net_write(const char *name, const char *fmt, ...) _printf_(2, 3);
static inline void net_write(const char *name, const char *fmt, ...) {
        FILE *f = fopen(net_path(name), "we");
        va_list ap;

        if (!f)
                abort();
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fclose(f);
}

/* A port free on 127.0.0.1 for both TCP and UDP right now. */
static inline uint16_t net_free_port(void) {
        for (;;) {
                struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                socklen_t len = sizeof(sa);
                int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                bool ok = bind(t, (struct sockaddr *) &sa, sizeof(sa)) == 0 &&
                          getsockname(t, (struct sockaddr *) &sa, &len) == 0 &&
                          bind(u, (struct sockaddr *) &sa, sizeof(sa)) == 0;

                close(t);
                close(u);
                if (ok)
                        return ntohs(sa.sin_port);
        }
}

/* Runs argv in the background, output to <log> in the temp dir. */
static inline pid_t net_spawn(const char *log, char *const argv[]) {
        pid_t pid = fork();

        if (pid < 0)
                abort();
        if (pid == 0) {
                int fd = open(net_path(log), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

                if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
                        _exit(126);
                setpgid(0, 0);
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL); /* a crashed test leaves no daemon behind */
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static inline bool net_tcp_up(uint16_t port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;

        close(fd);
        return ok;
}

/* Waits up to 10s for the port to accept; false (and the log shown) if not. */
static inline bool net_wait_port(uint16_t port, const char *log) {
        char cmd[300];

        for (int i = 0; i < 1000; i++) {
                if (net_tcp_up(port))
                        return true;
                usleep(10000);
        }
        fprintf(stderr, "server did not listen on port %u; its log:\n", port);
        snprintf(cmd, sizeof(cmd), "cat '%s' >&2", net_path(log));
        (void) !system(cmd);
        return false;
}

static inline void net_kill(pid_t pid) {
        if (pid <= 0)
                return;
        (void) kill(-pid, SIGCONT);
        (void) kill(-pid, SIGKILL); /* the process group: daemons that fork workers */
        (void) waitpid(pid, NULL, 0);
}

/* Freeze or thaw the whole process group: the kernel still accepts. */
static inline void net_signal(pid_t pid, int sig) {
        (void) kill(-pid, sig);
        usleep(50000);
}

/* A one-shot scripted hostile peer: accepts once, sends reply (len bytes,
 * repeated times), then holds the connection until the client closes. */
static inline pid_t net_hostile_peer(uint16_t *ret_port, const char *reply, size_t len, unsigned times) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        pid_t pid;

        if (lfd < 0 || bind(lfd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0 ||
            getsockname(lfd, (struct sockaddr *) &sa, &sl) < 0)
                abort();
        *ret_port = ntohs(sa.sin_port);
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                char c;
                int fd;

                alarm(20);
                setpgid(0, 0);
                fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                for (unsigned i = 0; fd >= 0 && i < times; i++)
                        if (write(fd, reply, len) < 0)
                                break; /* the probe stopped reading: expected */
                while (fd >= 0 && read(fd, &c, 1) == 1)
                        ;
                _exit(0);
        }
        close(lfd);
        return pid;
}

typedef struct NetRun {
        bool done;
        ProbeResult result;
} NetRun;

static inline void net_on_done(Probe *p, const ProbeResult *result, void *userdata) {
        NetRun *run = userdata;

        run->done = true;
        run->result = *result;
        probe_free(p);
}

/* Loads "[check t]\n" + body through the real config parser and runs it once. */
static inline bool net_probe(const char *body, ProbeResult *ret) {
        char text[NET_CONF_MAX];
        Config *config = NULL;
        ConfigErrors errors = {};
        sd_event *e = NULL;
        NetRun run = {};
        Probe *p;
        int r;

        snprintf(text, sizeof(text), "[supervisor]\ninterval = 1min\ntimeout = 2s\n[check t]\n%s", body);
        if (config_load_string(text, "test.conf", &config, &errors) < 0) {
                config_errors_print(&errors, stderr);
                config_errors_clear(&errors);
                return false;
        }
        if (sd_event_new(&e) < 0)
                abort();
        r = probe_start(e, &config->checks[0], net_on_done, &run, &p);
        if (r < 0) {
                fprintf(stderr, "probe_start: %s\n", strerror(-r));
                abort();
        }
        while (!run.done)
                if (sd_event_run(e, UINT64_MAX) < 0)
                        abort();
        sd_event_unref(e);
        config_free(config);
        *ret = run.result;
        return true;
}

/* One case: the probe's status and a piece of its reason. */
static inline void net_expect(const char *name, const char *body, ProbeStatus status, const char *words) {
        ProbeResult r = {};
        bool ok = net_probe(body, &r) && r.status == status && strstr(r.reason, words);

        printf("%-36s %s \"%s\"\n", name, probe_status_to_string(r.status), r.reason);
        if (!ok)
                fprintf(stderr, "%s: want %s \"%s\"\n", name, probe_status_to_string(status), words);
        CHECK(ok);
}

/* The probe config body with printf-style arguments. */
static inline const char *net_conf(const char *fmt, ...) _printf_(1, 2);
static inline const char *net_conf(const char *fmt, ...) {
        static char buf[NET_CONF_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return buf;
}
