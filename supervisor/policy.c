/* policy.c: the restart/disable decision as a pure function (see policy.h).
 *
 * The one rule that matters: a failing service is restarted at most
 * restart_limit times within the last restart_window judged cycles; the next
 * failure disables the check instead of restarting it a fourth time, because
 * a service that cannot stay up needs a human, not a restart loop.
 */
#include "supervisor/policy.h"

UnitPhase unit_phase_from_state(const char *load_state, const char *active_state,
                                const char *sub_state, uint32_t job_id) {
        if (load_state && (streq(load_state, "not-found") || streq(load_state, "masked")))
                return UNIT_PHASE_MISSING;
        if (!active_state)
                return UNIT_PHASE_UNKNOWN;
        if (job_id != 0 || streq_ptr(sub_state, "auto-restart"))
                return UNIT_PHASE_BUSY;
        if (streq(active_state, "active"))
                return UNIT_PHASE_ACTIVE;
        if (streq(active_state, "failed"))
                return UNIT_PHASE_FAILED;
        if (streq(active_state, "inactive"))
                return UNIT_PHASE_INACTIVE;
        /* activating, deactivating, reloading, maintenance, refreshing */
        return UNIT_PHASE_BUSY;
}

static const char *const phase_names[] = {
        [UNIT_PHASE_UNKNOWN] = "unknown",
        [UNIT_PHASE_ACTIVE] = "active",
        [UNIT_PHASE_BUSY] = "busy",
        [UNIT_PHASE_FAILED] = "failed",
        [UNIT_PHASE_INACTIVE] = "inactive",
        [UNIT_PHASE_MISSING] = "missing",
};

const char *unit_phase_to_string(UnitPhase p) {
        if ((size_t) p >= ELEMENTSOF(phase_names))
                return "unknown";
        return phase_names[p];
}

void policy_state_init(PolicyState *s) {
        *s = (PolicyState) {
                .seen_n_restarts = N_RESTARTS_UNKNOWN,
        };
}

PolicyEvent policy_count(PolicyState *s, const PolicyParams *p, PolicyResult r) {
        bool ok = r == RESULT_OK;
        unsigned need = s->failed ? p->recover_after : p->fail_after;

        if (r == RESULT_UNIT_FAILED) {
                s->failed = true;
                s->streak = 0;
                return POLICY_UNIT_FAILED;
        }
        if (ok == s->failed) {
                /* Against the counted state: the flip needs enough in a row. */
                if (++s->streak >= need) { /* 0 (unset) acts as 1 */
                        s->failed = !ok;
                        s->streak = 0;
                }
        } else
                s->streak = 0;
        return s->failed && r == RESULT_FAILED ? POLICY_PROBE_FAILED : POLICY_PROBE_OK;
}

static void record_restarts(PolicyState *s, unsigned n) {
        for (unsigned i = 0; i < n; i++) {
                if (s->n_restarts == POLICY_MAX_RESTARTS) {
                        memmove(s->restarts, s->restarts + 1, sizeof(s->restarts[0]) * (POLICY_MAX_RESTARTS - 1));
                        s->n_restarts--;
                }
                s->restarts[s->n_restarts++] = s->cycle;
        }
}

void policy_observe_unit(PolicyState *s, const UnitView *u) {
        if (!u || u->n_restarts == N_RESTARTS_UNKNOWN)
                return;
        if (s->seen_n_restarts != N_RESTARTS_UNKNOWN && u->n_restarts > s->seen_n_restarts) {
                uint32_t delta = u->n_restarts - s->seen_n_restarts;
                record_restarts(s, delta > POLICY_MAX_RESTARTS ? POLICY_MAX_RESTARTS : delta);
        }
        /* A smaller value means the unit was reloaded or reset: start over from it. */
        s->seen_n_restarts = u->n_restarts;
}

unsigned policy_restarts_in_window(const PolicyState *s, unsigned window) {
        unsigned n = 0;

        for (unsigned i = 0; i < s->n_restarts; i++)
                if (s->restarts[i] + window > s->cycle)
                        n++;
        return n;
}

bool policy_may_probe(PolicyState *s, const UnitView *u, usec_t now) {
        if (s->restart_pending)
                return false;
        if (!s->in_grace)
                return true;
        switch (u ? u->phase : UNIT_PHASE_UNKNOWN) {
        case UNIT_PHASE_ACTIVE:
                if (now < s->grace_until)
                        return false;
                break;
        case UNIT_PHASE_BUSY:
                return false; /* still coming up: the grace waits for active */
        default:
                break; /* died or vanished during the grace: judge it */
        }
        s->in_grace = false;
        return true;
}

PolicyVerdict policy_judge(PolicyState *s, const PolicyParams *p, PolicyEvent ev,
                           const UnitView *u, usec_t now) {
        UnitPhase phase = u ? u->phase : UNIT_PHASE_UNKNOWN;

        policy_observe_unit(s, u);

        if (s->restart_pending)
                return VERDICT_NOT_JUDGED;
        if (s->in_grace) {
                /* The unit failing outright ends the grace; a probe result does not. */
                if (ev != POLICY_UNIT_FAILED && !policy_may_probe(s, u, now))
                        return VERDICT_NOT_JUDGED;
                s->in_grace = false;
        }

        if (ev == POLICY_PROBE_OK) {
                s->cycle++;
                return VERDICT_OK;
        }

        if (phase == UNIT_PHASE_BUSY)
                return VERDICT_STAND_ASIDE;

        /* A unit-failed event is judged within the current cycle: it does not
         * open a cycle of its own, so instant reactions cannot stretch the window. */
        if (ev == POLICY_PROBE_FAILED)
                s->cycle++;

        if (s->disabled)
                return VERDICT_DISABLED;
        if (p->action != CHECK_ACTION_RESTART)
                return VERDICT_FAILED;
        /* Root cause first: restarting Postfix does not bring Dovecot back,
         * and a restart that cannot help must not use up the limit either. */
        if (p->dependency_failing)
                return VERDICT_WAIT;
        if (policy_restarts_in_window(s, p->restart_window) >= p->restart_limit) {
                s->disabled = true;
                return VERDICT_DISABLE;
        }
        return VERDICT_RESTART;
}

void policy_restart_started(PolicyState *s) {
        record_restarts(s, 1);
        s->restart_pending = true;
        s->in_grace = false;
}

void policy_restart_finished(PolicyState *s, const PolicyParams *p, bool ok, usec_t now) {
        s->restart_pending = false;
        s->in_grace = ok;
        s->grace_until = ok ? now + p->restart_grace : 0;
}

void policy_reset(PolicyState *s) {
        s->n_restarts = 0;
        s->disabled = false;
        s->in_grace = false;
        s->grace_until = 0;
}

usec_t policy_cycle_spread(size_t n, usec_t interval, usec_t timeout) {
        usec_t spread;

        if (n <= CYCLE_BATCH || timeout >= interval)
                return 0;
        spread = interval - timeout;
        return spread < interval / 2 ? spread : interval / 2;
}

usec_t policy_cycle_batch_offset(size_t k, size_t n, usec_t spread) {
        size_t batches = (n + CYCLE_BATCH - 1) / CYCLE_BATCH;

        return batches <= 1 ? 0 : spread * k / batches;
}

static const char *const verdict_names[_VERDICT_MAX] = {
        [VERDICT_OK] = "ok",
        [VERDICT_NOT_JUDGED] = "not-judged",
        [VERDICT_STAND_ASIDE] = "stand-aside",
        [VERDICT_RESTART] = "restart",
        [VERDICT_DISABLE] = "disable",
        [VERDICT_DISABLED] = "disabled",
        [VERDICT_FAILED] = "failed",
        [VERDICT_WAIT] = "wait",
};

const char *policy_verdict_to_string(PolicyVerdict v) {
        if (v < 0 || v >= _VERDICT_MAX)
                return "unknown";
        return verdict_names[v];
}

int policy_dependency_cause(const DependencyPhase *deps, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (deps[i] == DEPENDENCY_FAILING || deps[i] == DEPENDENCY_DISABLED ||
                    deps[i] == DEPENDENCY_RESTARTING)
                        return (int) i;
        return -1;
}

static const char *const dependency_phase_names[_DEPENDENCY_PHASE_MAX] = {
        [DEPENDENCY_UNKNOWN] = "unknown",
        [DEPENDENCY_OK] = "ok",
        [DEPENDENCY_FAILING] = "failing",
        [DEPENDENCY_DISABLED] = "disabled",
        [DEPENDENCY_RESTARTING] = "restarting",
};

const char *dependency_phase_to_string(DependencyPhase p) {
        if (p < 0 || p >= _DEPENDENCY_PHASE_MAX)
                return "unknown";
        return dependency_phase_names[p];
}
