/* test-program.c: the program probe with real commands.
 *
 * The command line splitter and the output-to-reason folding on fixed
 * strings; then real runs: /bin/true, /bin/false, a script whose output
 * lands in the reason, a command that does not exist, one killed by a
 * signal, one printing 1 MB (bounded), and a sleeper with a child of its
 * own killed at the deadline: afterwards no live process is left in its
 * process group. SIGCHLD is blocked here as the supervisor would.
 *
 * See also: probes/program.c, test-net.h.
 */
#include <dirent.h>

#include "probes/program.h"
#include "tests/test-net.h"

static void test_argv(void) {
        char **argv;

        CHECK_INT(program_argv_parse("  /bin/echo a   'b c' \"d 'e'\" --x=\"y z\"\t", &argv), 0);
        CHECK_STREQ(argv[0], "/bin/echo");
        CHECK_STREQ(argv[1], "a");
        CHECK_STREQ(argv[2], "b c");
        CHECK_STREQ(argv[3], "d 'e'");
        CHECK_STREQ(argv[4], "--x=y z");
        CHECK(argv[5] == NULL);
        program_argv_free(argv);
        CHECK_INT(program_argv_parse("a \"\" b", &argv), 0);
        CHECK_STREQ(argv[1], "");
        program_argv_free(argv);
        CHECK_INT(program_argv_parse("", &argv), -EINVAL);
        CHECK_INT(program_argv_parse("   ", &argv), -EINVAL);
        CHECK_INT(program_argv_parse("/bin/echo \"open", &argv), -EINVAL);
        CHECK_INT(program_argv_parse("x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x "
                                     "x x x x x x x x x x x x x x x x x x x x x x x x x x", &argv), -E2BIG);
}

static void test_output_line(void) {
        char buf[16];

        program_output_line(buf, sizeof(buf), "\n  a\r\n\tb\x01 \n\n", 12);
        CHECK_STREQ(buf, "a b?");
        program_output_line(buf, sizeof(buf), "0123456789abcdefghij", 20);
        CHECK_STREQ(buf, "0123456789abcde");
        program_output_line(buf, sizeof(buf), "", 0);
        CHECK_STREQ(buf, "");
}

/* Live (not zombie) processes whose process group is pgid. */
static unsigned live_in_group(pid_t pgid) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        unsigned n = 0;

        while (d && (de = readdir(d))) {
                char path[300], buf[512], *rp;
                FILE *f;
                int pgrp;
                char state;

                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) &&
                    sscanf(rp + 1, " %c %*d %d", &state, &pgrp) == 2 && pgrp == pgid && state != 'Z')
                        n++;
                fclose(f);
        }
        if (d)
                closedir(d);
        return n;
}

static void test_sleeper(void) {
        char buf[32] = {};
        FILE *f;
        pid_t pgid = 0;

        net_expect("program sleeper", net_conf("type = program\ntimeout = 1s\ncommand = /bin/sh -c "
                                               "\"echo $$ >%s; echo started; sleep 30 & exec sleep 31\"\n",
                                               net_path("pid")),
                   PROBE_TIMEOUT, "not finished within 1s, killed: started");
        f = fopen(net_path("pid"), "re");
        if (f && fgets(buf, sizeof(buf), f))
                pgid = atoi(buf);
        if (f)
                fclose(f);
        CHECK(pgid > 0);
        usleep(100000); /* SIGKILL is delivered at once; leave the kernel a moment to tear down */
        CHECK_INT(live_in_group(pgid), 0);
}

/* The child gets fds 0-2 only and a clean environment, whatever mailsupd
 * holds: here an fd without CLOEXEC (as libcurl's socketpairs) and a
 * variable of the daemon's own. */
static void expect_exactly(const char *name, const char *body, const char *reason) {
        ProbeResult r = {};

        CHECK(net_probe(body, &r));
        printf("%-36s %s \"%s\"\n", name, probe_status_to_string(r.status), r.reason);
        CHECK_INT(r.status, PROBE_OK);
        CHECK_STREQ(r.reason, reason);
}

static void test_isolation(void) {
        int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC, on purpose */

        CHECK(leak >= 3 && dup2(leak, 9) == 9);
        setenv("MAILSUP_DAEMON_SECRET", "s3cret", 1);
        expect_exactly("program env", "type = program\ncommand = /usr/bin/env\n",
                       "exited 0: PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C");
        /* Every fd the child has open, found by fstat(). */
        net_write("fds.py", "#!/usr/bin/python3\nimport os\nfds = []\nfor fd in range(1024):\n"
                            "    try:\n        os.fstat(fd)\n        fds.append(fd)\n    except OSError:\n"
                            "        pass\nprint('fds:', *fds)\n");
        CHECK(chmod(net_path("fds.py"), 0755) == 0);
        expect_exactly("program fds", net_conf("type = program\ncommand = %s\n", net_path("fds.py")),
                       "exited 0: fds: 0 1 2");
        close(leak);
        close(9);
        unsetenv("MAILSUP_DAEMON_SECRET");
}

/* An executable anyone but root can change is refused, as sshd's StrictModes. */
static void test_trust(void) {
        char expect[1024];
        Config *c = NULL;
        ConfigErrors errors = {};
        const char *dir = net_path("scripts"), *script = net_path("scripts/check.sh");

        CHECK(mkdir(dir, 0755) == 0);
        net_write("scripts/check.sh", "#!/bin/sh\nexit 0\n");
        CHECK(chmod(script, 0757) == 0);
        CHECK(config_load_string(net_conf("[check t]\ntype = program\ncommand = %s -v\n", script), "t.conf", &c,
                                 &errors) < 0);
        snprintf(expect, sizeof(expect), "t.conf:3: command '%s -v' is not trusted: %s is writable by everyone "
                 "(mode 0757) in [check t]", script, script);
        CHECK(errors.n == 1 && streq(errors.lines[0], expect));
        if (errors.n > 0)
                printf("config error: %s\n", errors.lines[0]);
        config_errors_clear(&errors);

        CHECK(chmod(script, 0755) == 0 && chown(script, 65534, 65534) == 0);
        net_config_error("[check t]\ntype = program\n", net_conf("command = %s\n", script),
                         "check.sh is owned by uid 65534, not by root in [check t]");
        CHECK(chown(script, 0, 0) == 0 && chmod(dir, 0777) == 0);
        snprintf(expect, sizeof(expect), "is not trusted: %s is writable by everyone (mode 0777)", dir);
        net_config_error("[check t]\ntype = program\n", net_conf("command = %s\n", script), expect);
        CHECK(chmod(dir, 0755) == 0);
        net_expect("program trusted", net_conf("type = program\ncommand = %s\n", script), PROBE_OK, "exited 0");
}

int main(void) {
        sigset_t chld;

        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, NULL);
        test_argv();
        test_output_line();
        net_setup();
        net_expect("program true", "type = program\ncommand = /bin/true\n", PROBE_OK, "exited 0");
        net_expect("program false", "type = program\ncommand = /bin/false\n", PROBE_BAD_REPLY, "exited 1");
        net_write("check.sh", "#!/bin/sh\necho \"queue: 3 messages\"\necho 'disk full' >&2\nexit 3\n");
        chmod(net_path("check.sh"), 0755);
        net_expect("program script", net_conf("type = program\ncommand = %s\n", net_path("check.sh")),
                   PROBE_BAD_REPLY, "exited 3: queue: 3 messages disk full");
        net_expect("program args", "type = program\ncommand = /bin/echo 'a  b' c\n", PROBE_OK, "exited 0: a b c");
        net_expect("program not found", "type = program\ncommand = no-such-command-mailsup\n", PROBE_BAD_REPLY,
                   "exited 127: cannot execute no-such-command-mailsup: No such file or directory");
        net_expect("program signal", "type = program\ncommand = /bin/sh -c \"kill -SEGV $$\"\n", PROBE_BAD_REPLY,
                   "killed by SIGSEGV");
        net_expect("program 1 MB output", "type = program\ncommand = /bin/sh -c \"yes x | head -c 1000000; exit 2\"\n",
                   PROBE_BAD_REPLY, "exited 2: x x x x x x x x x x");
        test_sleeper();
        test_isolation();
        if (geteuid() == 0) /* chown */
                test_trust();
        else
                printf("test_trust skipped: needs root\n");
        net_cleanup();
        return tests_summary("test-program");
}
