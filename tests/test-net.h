/* test-net.h: helpers for the probes-against-real-servers tests.
 *
 * A test starts the real daemon from Debian's package (nginx, unbound,
 * redis-server, opendkim, postsrsd) as a plain background process on a free
 * loopback port in a temp dir, waits until it listens, runs one probe built
 * from config text on an sd-event loop and checks the status and the words
 * of the reason. Faults are injected to the real process: stopped (refused),
 * SIGSTOP (hung), or a wrong configuration. A missing daemon binary skips
 * the test (exit 77). Shared fixtures too: a tiny openssl CA with leaf
 * certificates, a private Postfix (its master in our process group, killed
 * by net_postfix_stop(), at exit, and when the alarm fires), and the check
 * for a config error's words.
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
#include "supervisor/config.h"
#include "tests/tests.h"

#define NET_CONF_MAX 4096
#define NET_OPENSSL "/usr/bin/openssl"
#define NET_POSTFIX "/usr/sbin/postfix"
#define NET_POSTFIX_MASTER "/usr/lib/postfix/sbin/master"
#define NET_DOVECOT "/usr/sbin/dovecot"
#define NET_UNBOUND "/usr/sbin/unbound"

static char net_dir[64];
static pid_t net_postfix_pid; /* the private Postfix master, for the alarm path */

static inline void net_require(const char *binary) {
        if (access(binary, X_OK) < 0) {
                printf("SKIP: %s is not installed (tests/install-deps.sh installs it)\n", binary);
                exit(77);
        }
}

/* The alarm still kills the test, but takes a running Postfix along first. */
static inline void net_on_alarm(int sig) {
        if (net_postfix_pid > 0)
                (void) kill(-net_postfix_pid, SIGKILL);
        signal(sig, SIG_DFL);
        raise(sig); /* delivered when this handler returns */
}

static inline void net_setup(void) {
        snprintf(net_dir, sizeof(net_dir), "/tmp/mailsup-net-XXXXXX");
        if (!mkdtemp(net_dir) || chmod(net_dir, 0755) < 0)
                abort();
        signal(SIGPIPE, SIG_IGN);
        signal(SIGALRM, net_on_alarm);
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
        /* Below the kernel's ephemeral range (32768 and up here): a port of
         * that range, free while a daemon restarts, may meanwhile become the
         * local port of any outgoing connection on the machine. */
        static unsigned seed;
        FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
        unsigned low = 32768;

        if (f) {
                if (fscanf(f, "%u", &low) != 1 || low <= 10001)
                        low = 32768;
                fclose(f);
        }
        if (!seed)
                seed = (unsigned) getpid() ^ (unsigned) time(NULL);
        for (;;) {
                struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                bool ok;

                sa.sin_port = htons((uint16_t) (10000 + rand_r(&seed) % (low - 10000)));
                ok = bind(t, (struct sockaddr *) &sa, sizeof(sa)) == 0 && bind(u, (struct sockaddr *) &sa, sizeof(sa)) == 0;
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

/* After net_kill() of a daemon that forks workers (postsrsd, Dovecot): they
 * die a moment after the leader, and until the last one has, the listener
 * they share still takes connections (and resets them). Waits up to 5s
 * until nothing listens on port. */
static inline void net_wait_closed(uint16_t port) {
        for (int i = 0; i < 500 && net_tcp_up(port); i++)
                usleep(10000);
}

/* Freeze or thaw the whole process group: the kernel still accepts. */
static inline void net_signal(pid_t pid, int sig) {
        (void) kill(-pid, sig);
        usleep(50000);
}

/* A TCP socket listening on a free port of 127.0.0.1. */
static inline int net_listen(uint16_t *ret_port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (lfd < 0 || bind(lfd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0 ||
            getsockname(lfd, (struct sockaddr *) &sa, &sl) < 0)
                abort();
        *ret_port = ntohs(sa.sin_port);
        return lfd;
}

/* A one-shot scripted hostile peer: accepts once, sends reply (len bytes,
 * repeated times), then holds the connection until the client closes. */
static inline pid_t net_hostile_peer(uint16_t *ret_port, const char *reply, size_t len, unsigned times) {
        int lfd = net_listen(ret_port);
        pid_t pid;

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

/* The result outlives its probe: its measured values (freed with the probe)
 * are copied to a table that stays valid until the next probe's end. */
static inline void net_on_done(Probe *p, const ProbeResult *result, void *userdata) {
        static ProbeValue kept[PROBE_VALUES_MAX];
        NetRun *run = userdata;

        run->done = true;
        run->result = *result;
        if (result->n_values > 0)
                memcpy(kept, result->values, sizeof(kept[0]) * result->n_values);
        run->result.values = result->n_values > 0 ? kept : NULL;
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
        r = probe_start(e, &config->checks[0].probe, net_on_done, &run, &p);
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

/* Runs a shell command; a failure is a failed check, with the command shown. */
static inline void net_sh(const char *fmt, ...) _printf_(1, 2);
static inline void net_sh(const char *fmt, ...) {
        char cmd[4096];
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

/* A tiny CA (ca.pem) and leaf certificates <n>.pem/<n>.key in net_dir for
 * 127.0.0.1 and host (if not NULL): valid (a year), soon (5 days), expired
 * (in 2020), wrong (for other.example), self (self-signed). `openssl ca`,
 * unlike `x509 -req`, takes -startdate/-enddate: no faked clock. Keys are
 * world-readable for daemons that drop privileges; output to openssl.log. */
static inline void net_make_certs(const char *host) {
        char san[300];

        snprintf(san, sizeof(san), "%s%s%sIP:127.0.0.1", host ? "DNS:" : "", host ?: "", host ? "," : "");
        net_write("ca.cnf", "[ca]\ndefault_ca = mini\n[mini]\ndatabase = %1$s/index.txt\nnew_certs_dir = %1$s\n"
                  "serial = %1$s/serial\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\n"
                  "unique_subject = no\n[any]\ncommonName = supplied\n", net_dir);
        net_write("index.txt", "%s", "");
        net_write("serial", "01\n");
        net_sh("cd %1$s && exec >>openssl.log 2>&1 && "
               "%2$s req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mailsup-test-ca -keyout ca.key -out ca.pem && "
               "for n in valid soon expired wrong; do "
               "  san=%3$s; [ $n = wrong ] && san=DNS:other.example; "
               "  %2$s req -newkey rsa:2048 -nodes -subj /CN=$n -addext subjectAltName=$san -keyout $n.key -out $n.csr; "
               "done && "
               "%2$s ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in valid.csr -out valid.pem -days 365 && "
               "%2$s ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in soon.csr -out soon.pem -days 5 && "
               "%2$s ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in wrong.csr -out wrong.pem -days 365 && "
               "%2$s ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem "
               "  -startdate 20200101000000Z -enddate 20200102000000Z && "
               "%2$s req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=%4$s "
               "  -addext subjectAltName=%3$s -keyout self.key -out self.pem && "
               "chmod 644 *.key",
               net_dir, NET_OPENSSL, san, host ?: "127.0.0.1");
}

static inline void net_postfix_stop(void) {
        net_kill(net_postfix_pid);
        net_postfix_pid = 0;
}

/* A private Postfix in net_dir/sub, or net_dir itself if sub is NULL (conf,
 * spool, data, maillog), no systemd: the stock master.cf without its smtp
 * listener and without chroot, plus services (master.cf lines); main.cf on
 * 127.0.0.1 plus main_extra. Its master runs with -d: it stays in our
 * process group (postfix start would setsid() it away), so net_kill() and
 * the alarm reach it; PDEATHSIG does not (its seteuid() to postfix clears
 * that), so a SIGKILLed test still leaves it behind. Returns its pid once
 * the ports listen, else -1 (it is stopped at exit all the same). */
static inline pid_t net_postfix_start(const char *sub, const char *services, const char *main_extra,
                                      const uint16_t *ports, size_t n_ports) {
        char dir[256], conf[300], path[320], maillog[64];
        char *argv[] = { NET_POSTFIX_MASTER, "-d", "-c", conf, NULL };
        FILE *f;

        snprintf(dir, sizeof(dir), "%s", sub ? net_path(sub) : net_dir);
        snprintf(conf, sizeof(conf), "%s/conf", dir);
        snprintf(maillog, sizeof(maillog), "%s%smaillog", sub ?: "", sub ? "/" : "");
        net_sh("mkdir -p %1$s/conf %1$s/spool %1$s/data && chown postfix: %1$s/data && "
               "cp -r /etc/postfix/dynamicmaps.cf* %1$s/conf/", dir);
        net_sh("awk '/^[^#[:space:]]/ { skip = ($1 == \"smtp\" && $2 == \"inet\"); if (NF >= 5) $5 = \"n\" } "
               "!skip { print }' /etc/postfix/master.cf >%1$s/conf/master.cf", dir);
        snprintf(path, sizeof(path), "%s/master.cf", conf);
        f = fopen(path, "ae");
        if (!f || fputs(services, f) < 0 || fclose(f) != 0)
                abort();
        snprintf(path, sizeof(path), "%s/main.cf", conf);
        f = fopen(path, "we");
        if (!f)
                abort();
        fprintf(f, "compatibility_level = 3.6\nqueue_directory = %1$s/spool\ndata_directory = %1$s/data\n"
                "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\nmaillog_file = %1$s/maillog\n"
                "maillog_file_prefixes = %2$s\nmydestination =\nalias_maps =\nalias_database =\n%3$s",
                dir, net_dir, main_extra);
        if (fclose(f) != 0)
                abort();
        net_sh("%1$s -c %2$s check >%3$s/check.log 2>&1 || { cat %3$s/check.log >&2; false; }", NET_POSTFIX, conf, dir);
        net_postfix_pid = net_spawn("postfix.log", argv);
        atexit(net_postfix_stop);
        for (size_t i = 0; i < n_ports; i++)
                if (!net_wait_port(ports[i], maillog))
                        return -1;
        return net_postfix_pid;
}

/* A private Dovecot in net_dir/dc (run, state and mail dirs, a static
 * passdb and userdb, logs to dovecot.log), serving protocols on listen,
 * with the rest of dovecot.conf (ssl, services) from the caller; run in
 * the foreground, in its own process group (net_kill(), net_signal()).
 * The caller waits for its listeners. */
static inline pid_t net_dovecot_start(const char *protocols, const char *listen, const char *rest) {
        char *argv[] = { NET_DOVECOT, "-F", "-c", (char *) net_path("dovecot.conf"), NULL };

        net_sh("mkdir -p %1$s/dc/run %1$s/dc/state %1$s/dc/mail && chown nobody:nogroup %1$s/dc/mail", net_dir);
        net_write("dovecot.conf",
                  "protocols = %2$s\nlisten = %3$s\nbase_dir = %1$s/dc/run\n"
                  "state_dir = %1$s/dc/state\nlog_path = %1$s/dovecot.log\ninfo_log_path = %1$s/dovecot.log\n"
                  "default_internal_user = dovecot\ndefault_login_user = dovenull\nauth_mechanisms = plain\n"
                  "mail_location = maildir:%1$s/dc/mail/%%u\nfirst_valid_uid = 1\n"
                  "passdb {\n  driver = static\n  args = password=test\n}\n"
                  "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=%1$s/dc/mail/%%u\n}\n%4$s",
                  net_dir, protocols, listen, rest);
        return net_spawn("dovecot.log", argv);
}

/* A private Unbound on a free loopback port (*ret_port), answering from the
 * caller's server lines (local zones and data; its own directory, no
 * chroot, no remote control), then the caller's other sections; waits
 * until it listens. Its pid, -1 when it never listened (see unbound.log). */
static inline pid_t net_unbound_start(uint16_t *ret_port, const char *server, const char *sections) {
        char *argv[] = { NET_UNBOUND, "-d", "-c", (char *) net_path("unbound.conf"), NULL };
        uint16_t port = net_free_port();
        pid_t pid;

        net_write("unbound.conf",
                  "server:\n interface: 127.0.0.1@%2$u\n port: %2$u\n username: \"\"\n chroot: \"\"\n"
                  " directory: \"%1$s\"\n pidfile: \"%1$s/unbound.pid\"\n use-syslog: no\n logfile: \"\"\n"
                  " do-ip6: no\n module-config: \"iterator\"\n%3$s"
                  "remote-control:\n control-enable: no\n%4$s",
                  net_dir, port, server, sections);
        pid = net_spawn("unbound.log", argv);
        *ret_port = port;
        return net_wait_port(port, "unbound.log") ? pid : -1;
}

/* Config text that must fail to load with one error having the words. */
static inline void net_config_error(const char *head, const char *body, const char *words) {
        char text[512];
        Config *c = NULL;
        ConfigErrors errors = {};

        snprintf(text, sizeof(text), "%s%s", head, body);
        CHECK(config_load_string(text, "t.conf", &c, &errors) < 0);
        CHECK(errors.n == 1 && strstr(errors.lines[0], words));
        if (errors.n > 0)
                printf("config error: %s\n", errors.lines[0]);
        config_errors_clear(&errors);
}
