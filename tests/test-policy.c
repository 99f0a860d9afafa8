/* test-policy.c: the restart/disable rule on synthetic histories.
 *
 * Each case is a script of events and the verdict expected for each, so a
 * history reads left to right as an operator would tell it:
 *   f  probe failed, unit active        b  probe failed, systemd busy (job / auto-restart)
 *   F  unit entered failed               o  probe ok
 *   t  a threshold breached (the service answered)
 *   s  systemd restarted it by itself (NRestarts + 1, seen with the next event)
 *   j  our restart job finished "done"   J  our restart job failed
 *   g  the grace period passes           r  operator reset
 *   d  a check of depends_on starts failing   e  it is ok again
 * Expected verdicts, one per f/b/F/o/t event:
 *   O ok  N not judged  S stand aside  R restart  D disable  X disabled  A failed (alert)
 *   W the restart waits for a failing dependency
 * Every result is first counted against fail_after / recover_after
 * (policy_count), as check.c does; counted, when given, is what counts
 * after each such event: o ok, x failed.
 */
#include "supervisor/policy.h"
#include "tests/tests.h"

typedef struct Case {
        const char *name;
        CheckAction action;
        const char *events;
        const char *verdicts;
        unsigned restarts_left; /* restarts inside the window at the end, or -1u to skip */
        unsigned fail_after, recover_after; /* 0: the default, 1 */
        const char *counted;    /* NULL: not compared */
} Case;

static char verdict_char(PolicyVerdict v) {
        static const char map[_VERDICT_MAX] = {
                [VERDICT_OK] = 'O', [VERDICT_NOT_JUDGED] = 'N', [VERDICT_STAND_ASIDE] = 'S',
                [VERDICT_RESTART] = 'R', [VERDICT_DISABLE] = 'D', [VERDICT_DISABLED] = 'X',
                [VERDICT_FAILED] = 'A', [VERDICT_WAIT] = 'W',
        };
        return map[v];
}

/* A result as check.c handles it: counted, then judged. */
static PolicyVerdict judge(PolicyState *s, const PolicyParams *p, PolicyResult r, const UnitView *u, usec_t now) {
        return policy_judge(s, p, policy_count(s, p, r), u, now);
}

static void run_case(const Case *c) {
        PolicyParams p = {
                .restart_limit = 3, .restart_window = 5,
                .restart_grace = 30 * USEC_PER_SEC, .action = c->action,
                .fail_after = c->fail_after, .recover_after = c->recover_after,
        };
        PolicyState s;
        UnitView u = { .phase = UNIT_PHASE_ACTIVE, .n_restarts = 0 };
        usec_t now = 1000 * USEC_PER_SEC;
        char got[256] = "", counted[256] = "";
        size_t n = 0;

        policy_state_init(&s);
        for (const char *e = c->events; *e; e++) {
                PolicyVerdict v = _VERDICT_MAX;

                now += USEC_PER_SEC; /* one cycle is shorter than the grace */
                switch (*e) {
                case 'o': u.phase = UNIT_PHASE_ACTIVE; v = judge(&s, &p, RESULT_OK, &u, now); break;
                case 'f': u.phase = UNIT_PHASE_ACTIVE; v = judge(&s, &p, RESULT_FAILED, &u, now); break;
                case 't': u.phase = UNIT_PHASE_ACTIVE; v = judge(&s, &p, RESULT_THRESHOLD, &u, now); break;
                case 'b': u.phase = UNIT_PHASE_BUSY; v = judge(&s, &p, RESULT_FAILED, &u, now); break;
                case 'F': u.phase = UNIT_PHASE_FAILED; v = judge(&s, &p, RESULT_UNIT_FAILED, &u, now); break;
                case 's': u.n_restarts++; break;
                case 'j': policy_restart_finished(&s, &p, true, now); u.phase = UNIT_PHASE_ACTIVE; break;
                case 'J': policy_restart_finished(&s, &p, false, now); u.phase = UNIT_PHASE_FAILED; break;
                case 'g': now += p.restart_grace; break;
                case 'r': policy_reset(&s); break;
                case 'd': p.dependency_failing = true; break;
                case 'e': p.dependency_failing = false; break;
                case ' ': break;
                default: CHECK(!"bad event letter");
                }
                if (v == _VERDICT_MAX)
                        continue;
                if (v == VERDICT_RESTART)
                        policy_restart_started(&s);
                counted[n] = s.failed ? 'x' : 'o';
                got[n++] = verdict_char(v);
                got[n] = counted[n] = '\0';
        }
        if (strcmp(got, c->verdicts) != 0)
                fprintf(stderr, "case '%s':\n", c->name);
        CHECK_STREQ(got, c->verdicts);
        if (c->counted)
                CHECK_STREQ(counted, c->counted);
        if (c->restarts_left != -1u)
                CHECK_INT(policy_restarts_in_window(&s, p.restart_window), c->restarts_left);
}

static const Case cases[] = {
        { "healthy", CHECK_ACTION_RESTART, "ooooo", "OOOOO", 0 },
        { "one hang healed", CHECK_ACTION_RESTART, "ooo f jg oooo", "OOOROOOO", -1u },
        /* the crash loop: exactly three restarts, then disabled for good, even
         * after the window has slid past the restarts */
        { "crash loop", CHECK_ACTION_RESTART, "f jg f jg f jg f f f o f", "RRRDXXOX", 0 },
        /* the window slides: restarts in cycles 1, 4, 6, 8, 9 -> the fifth trips it
         * (cycles 5..9 hold 4, 6, 8 = 3 restarts), not a block counted from cycle 1 */
        { "sliding window", CHECK_ACTION_RESTART,
          "f jg o o f jg o f jg o f jg f jg f", "ROORORORRD", -1u },
        /* restarts spread wider than the window never disable */
        { "spread restarts", CHECK_ACTION_RESTART,
          "f jg oooo f jg oooo f jg oooo f jg oooo f jg", "ROOOOROOOOROOOOROOOOR", 1 },
        /* systemd's own restarts (NRestarts growth) count like ours */
        { "systemd restarts counted", CHECK_ACTION_RESTART, "o ss o f jg f", "OORD", 3 },
        /* a grace longer than the cycle: skipped cycles are not counted, so the
         * three restarts still fall inside five judged cycles */
        { "grace longer than interval", CHECK_ACTION_RESTART,
          "f j fff g f j ffff g f j fffff g f", "RNNNRNNNNRNNNNND", 3 },
        /* systemd acting: stand aside, and those cycles do not count either */
        { "stand aside while busy", CHECK_ACTION_RESTART, "bbb f jg bbbb o", "SSSRNNNNO", 1 },
        { "busy during own restart", CHECK_ACTION_RESTART, "f bb jg o", "RNNO", 1 },
        /* the unit entering failed is judged at once, inside the same cycle */
        { "unit failed instantly", CHECK_ACTION_RESTART, "o F j F j F j F", "ORRRD", 3 },
        { "unit failed ends grace", CHECK_ACTION_RESTART, "f j F j g o", "RRO", 2 },
        /* restart job that failed: no grace, the next failure is judged */
        { "restart job failed", CHECK_ACTION_RESTART, "f J f J f J f", "RRRD", 3 },
        { "alert never restarts", CHECK_ACTION_ALERT, "f f f f o f", "AAAAOA", 0 },
        { "none never restarts", CHECK_ACTION_NONE, "F f", "AA", 0 },
        /* disabled until reset; reset clears the window */
        { "reset re-enables", CHECK_ACTION_RESTART, "f jg f jg f jg f f r f jg o", "RRRDXRO", 1 },
        /* fail_after: failures in a row before anything happens; an ok
         * between starts the count over */
        { "fail_after 3", CHECK_ACTION_RESTART, "ff o ff f jg o", "OOOOORO", 1, 3, 1, "oooooxo" },
        { "fail_after 1 is the default", CHECK_ACTION_RESTART, "f jg o", "RO", 1, 1, 1, "xo" },
        /* recover_after: ok results in a row before it counts as recovered;
         * a failure while recovering still counts as failed at once */
        { "recover_after 2", CHECK_ACTION_ALERT, "f o f o o f", "AOAOOA", 0, 1, 2, "xxxxox" },
        { "restart while recovering", CHECK_ACTION_RESTART, "f jg o f jg o o", "ROROO", 2, 1, 2, "xxxxo" },
        /* thresholds (memory over 90%): counted like failures, never restarted */
        { "sustained threshold", CHECK_ACTION_RESTART, "ttt t oo", "OOOOOO", 0, 3, 2, "ooxxxo" },
        { "threshold spikes never count", CHECK_ACTION_ALERT, "tt o tt o t", "OOOOOOO", 0, 3, 1, "ooooooo" },
        /* the manager saying failed is no measurement: it counts at once */
        { "unit failed counts at once", CHECK_ACTION_RESTART, "f F jg o", "ORO", 1, 3, 1, "oxo" },
        { "busy once counted", CHECK_ACTION_RESTART, "b b", "OS", 0, 2, 1, "ox" },
        /* depends_on: while a dependency fails, the restart waits and uses up
         * nothing of the limit; once it is back, the dependent's own failure
         * is restarted as ever */
        { "dependency failing, restart waits", CHECK_ACTION_RESTART, "d fffff e f jg o", "WWWWWRO", 1 },
        { "dependency back, then own failure", CHECK_ACTION_RESTART, "d ff e o f jg", "WWOR", 1 },
        { "dependency failing, alert still alerts", CHECK_ACTION_ALERT, "d ff", "AA", 0 },
        { "disabled stays disabled", CHECK_ACTION_RESTART, "f jg f jg f jg f d f", "RRRDX", 3 },
        /* systemd acting on the dependent's own unit still comes first */
        { "busy beats dependency", CHECK_ACTION_RESTART, "d b", "S", 0 },
};

/* Pending counts survive in PolicyState (state.c saves streak). */
static void test_count(void) {
        PolicyParams p = { .fail_after = 3, .recover_after = 2 };
        PolicyState s;

        policy_state_init(&s);
        CHECK_INT(policy_count(&s, &p, RESULT_FAILED), POLICY_PROBE_OK);
        CHECK_INT(s.streak, 1);
        CHECK_INT(policy_count(&s, &p, RESULT_THRESHOLD), POLICY_PROBE_OK);
        CHECK_INT(s.streak, 2);
        CHECK_INT(policy_count(&s, &p, RESULT_FAILED), POLICY_PROBE_FAILED);
        CHECK(s.failed && s.streak == 0);
        CHECK_INT(policy_count(&s, &p, RESULT_OK), POLICY_PROBE_OK);
        CHECK(s.failed && s.streak == 1);
        CHECK_INT(policy_count(&s, &p, RESULT_OK), POLICY_PROBE_OK);
        CHECK(!s.failed && s.streak == 0);
        CHECK_INT(policy_count(&s, &p, RESULT_UNIT_FAILED), POLICY_UNIT_FAILED);
        CHECK(s.failed);
}

static void test_restarts_decrease(void) {
        PolicyState s;
        UnitView u = { .phase = UNIT_PHASE_ACTIVE, .n_restarts = 5 };

        policy_state_init(&s);
        policy_observe_unit(&s, &u); /* first sight: nothing counted */
        CHECK_INT(s.n_restarts, 0);
        u.n_restarts = 1; /* unit reloaded: counter restarted */
        policy_observe_unit(&s, &u);
        CHECK_INT(s.n_restarts, 0);
        u.n_restarts = 3;
        policy_observe_unit(&s, &u);
        CHECK_INT(s.n_restarts, 2);
        u.n_restarts = 3000; /* a storm is capped, not an overflow */
        policy_observe_unit(&s, &u);
        CHECK_INT(s.n_restarts, POLICY_MAX_RESTARTS);
}

static void test_unit_phase(void) {
        CHECK_INT(unit_phase_from_state("loaded", "active", "running", 0), UNIT_PHASE_ACTIVE);
        CHECK_INT(unit_phase_from_state("loaded", "active", "running", 12), UNIT_PHASE_BUSY);
        CHECK_INT(unit_phase_from_state("loaded", "activating", "auto-restart", 0), UNIT_PHASE_BUSY);
        CHECK_INT(unit_phase_from_state("loaded", "activating", "start", 0), UNIT_PHASE_BUSY);
        CHECK_INT(unit_phase_from_state("loaded", "deactivating", "stop-sigterm", 0), UNIT_PHASE_BUSY);
        CHECK_INT(unit_phase_from_state("loaded", "reloading", "reload", 0), UNIT_PHASE_BUSY);
        CHECK_INT(unit_phase_from_state("loaded", "failed", "failed", 0), UNIT_PHASE_FAILED);
        CHECK_INT(unit_phase_from_state("loaded", "inactive", "dead", 0), UNIT_PHASE_INACTIVE);
        CHECK_INT(unit_phase_from_state("not-found", "inactive", "dead", 0), UNIT_PHASE_MISSING);
        CHECK_INT(unit_phase_from_state("masked", "inactive", "dead", 0), UNIT_PHASE_MISSING);
        CHECK_INT(unit_phase_from_state(NULL, NULL, NULL, 0), UNIT_PHASE_UNKNOWN);
}

/* Which dependency explains a failure: the first failing, disabled or restarting one. */
static void test_dependency_cause(void) {
        const DependencyPhase ok[] = { DEPENDENCY_OK, DEPENDENCY_UNKNOWN };
        const DependencyPhase second[] = { DEPENDENCY_OK, DEPENDENCY_FAILING, DEPENDENCY_DISABLED };
        const DependencyPhase restarting[] = { DEPENDENCY_RESTARTING, DEPENDENCY_FAILING };
        const DependencyPhase disabled[] = { DEPENDENCY_UNKNOWN, DEPENDENCY_DISABLED };

        CHECK_INT(policy_dependency_cause(ok, ELEMENTSOF(ok)), -1);
        CHECK_INT(policy_dependency_cause(NULL, 0), -1);
        CHECK_INT(policy_dependency_cause(second, ELEMENTSOF(second)), 1);
        CHECK_INT(policy_dependency_cause(restarting, ELEMENTSOF(restarting)), 0);
        CHECK_INT(policy_dependency_cause(disabled, ELEMENTSOF(disabled)), 1);
        CHECK_STREQ(dependency_phase_to_string(DEPENDENCY_FAILING), "failing");
        CHECK_STREQ(dependency_phase_to_string(DEPENDENCY_RESTARTING), "restarting");
}

/* A large cycle's batches start spread, the last one early enough to end
 * (its timeout) before the next cycle; a small one starts at once. */
static void test_cycle_spread(void) {
        const usec_t s = USEC_PER_SEC;

        CHECK_INT(policy_cycle_spread(25, 2 * s, 1 * s), 0);
        CHECK_INT(policy_cycle_spread(CYCLE_BATCH, 2 * s, 1 * s), 0);
        CHECK_INT(policy_cycle_spread(CYCLE_BATCH + 1, 2 * s, 1 * s), 1 * s);
        CHECK_INT(policy_cycle_spread(10000, 2 * s, 1500 * USEC_PER_MSEC), 500 * USEC_PER_MSEC);
        CHECK_INT(policy_cycle_spread(10000, 120 * s, 10 * s), 60 * s);   /* at most half the interval */
        CHECK_INT(policy_cycle_spread(10000, 2 * s, 2 * s), 0);          /* no room: all at once */
        CHECK_INT(policy_cycle_spread(10000, 2 * s, 5 * s), 0);
        CHECK_INT(policy_cycle_batch_offset(0, 10000, 1 * s), 0);
        /* 10,000 probes: 40 batches, 25 ms apart; the last at 975 ms */
        CHECK_INT(policy_cycle_batch_offset(1, 10000, 1 * s), 25 * USEC_PER_MSEC);
        CHECK_INT(policy_cycle_batch_offset(39, 10000, 1 * s), 975 * USEC_PER_MSEC);
        CHECK_INT(policy_cycle_batch_offset(0, 25, 0), 0);
}

int main(void) {
        test_dependency_cause();
        test_cycle_spread();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                run_case(&cases[i]);
        test_count();
        test_restarts_decrease();
        test_unit_phase();
        return tests_summary("test-policy");
}
