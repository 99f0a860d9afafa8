/* test-unit-procs.c: the pure part of the unit-process inspector
 * (actions/unit-procs.h) on /proc bytes recorded on Debian 12.
 *
 * A frozen Postfix master is found by its state letter in /proc/PID/stat:
 * T (stopped by a signal) fails the unit's checks, t (a tracer's stop: a
 * debugger, strace) does not. comm may hold spaces and parentheses, so the
 * state is the letter after the LAST ')'. cgroup.procs is a list of PIDs
 * read in chunks.
 */
#include "tests.h"

#include "actions/unit-procs.h"

/* kill -STOP of a running bash, then kill -CONT, then ptrace(ATTACH): the
 * kernel's own lines (Debian 12, 6.x kernel), cut after a few fields. */
static const char stopped[] = "7372 (bash) T 7370 7370 25667 0 -1 4194368 1 0 0 0 0 0 0 0 20 0 1 0 1429535 "
                              "4816896 138 18446744073709551615 93968251994112 93968252783517\n";
static const char sleeping[] = "7372 (bash) S 7370 7370 25667 0 -1 4194368 82 0 0 0 0 0 0 0 20 0 1 0 1429535\n";
static const char traced[] = "7561 (bash) t 7559 7559 25667 0 -1 4194368 89 0 0 0 0 0 0 0 20 0 1 0 1430008\n";
/* prctl(PR_SET_NAME, "x) (y z") */
static const char odd_comm[] = "7383 (x) (y z) R 7370 7370 25667 0 -1 4194304 2897 6529 1 0 10 6 18 31 20 0\n";
static const char master[] = "299 (master) T 1 299 299 0 -1 1077936448 2215 5780 0 0 3 4 6 4 20 0 1 0 1425\n";

static void test_parse(void) {
        ProcStat st;

        CHECK_INT(proc_stat_parse(stopped, strlen(stopped), &st), 0);
        CHECK_INT(st.pid, 7372);
        CHECK_STREQ(st.comm, "bash");
        CHECK(st.state == 'T');
        CHECK(proc_state_stopped(st.state));

        CHECK_INT(proc_stat_parse(sleeping, strlen(sleeping), &st), 0);
        CHECK(st.state == 'S');
        CHECK(!proc_state_stopped(st.state));

        CHECK_INT(proc_stat_parse(traced, strlen(traced), &st), 0);
        CHECK(st.state == 't');
        CHECK(!proc_state_stopped(st.state)); /* a debugger's stop is no outage */

        CHECK_INT(proc_stat_parse(odd_comm, strlen(odd_comm), &st), 0);
        CHECK_INT(st.pid, 7383);
        CHECK_STREQ(st.comm, "x) (y z");
        CHECK(st.state == 'R');

        CHECK_INT(proc_stat_parse(master, strlen(master), &st), 0);
        CHECK_STREQ(st.comm, "master");
        CHECK(proc_state_stopped(st.state));
}

static void test_parse_bad(void) {
        static const char *const bad[] = {
                "", "7372", "7372 (bash)", "7372 (bash) ", "(bash) T 1", "x (bash) T 1", "-3 (bash) T 1",
                "7372 bash) T 1", "7372 (bash T 1", "99999999999 (bash) T 1", "7372 (bash)T 1",
        };
        ProcStat st;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK_INT(proc_stat_parse(bad[i], strlen(bad[i]), &st), -EINVAL);
        /* a cut read: the bytes given, not the NUL, bound the parse */
        CHECK_INT(proc_stat_parse(stopped, 12, &st), -EINVAL);
        CHECK_INT(proc_stat_parse(stopped, 13, &st), 0);
}

static void test_cgroup_procs(void) {
        static const char procs[] = "299\n305\n1200\n";
        size_t pos = 0;

        CHECK_INT(cgroup_procs_next(procs, strlen(procs), &pos), 299);
        CHECK_INT(cgroup_procs_next(procs, strlen(procs), &pos), 305);
        CHECK_INT(cgroup_procs_next(procs, strlen(procs), &pos), 1200);
        CHECK_INT(cgroup_procs_next(procs, strlen(procs), &pos), 0);
        pos = 0;
        CHECK_INT(cgroup_procs_next("", 0, &pos), 0);
        pos = 0;
        CHECK_INT(cgroup_procs_next("0\n99999999999\n7\n", 17, &pos), 7); /* 0 and overflow skipped */
}

int main(void) {
        test_parse();
        test_parse_bad();
        test_cgroup_procs();
        return tests_summary("test-unit-procs");
}
