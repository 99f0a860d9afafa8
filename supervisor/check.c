/* check.c: from a probe result to an action on the unit.
 *
 * A failed probe is judged only with fresh unit state in hand (systemd may
 * be restarting the unit right now, and then we stand aside), so the result
 * waits for an asynchronous property read. A unit that the manager reports
 * as failed is judged at once through the same policy. Restarts go to every
 * check of the unit, since they all count the same restarts.
 *
 * Every change of a check's state passes check_changed(), which tells
 * D-Bus clients (CheckChanged) and a running drill at once, not at the
 * next save, so a client following live sees failing before restarting,
 * and updates the check's alert conditions (alerting.c).
 *
 * See also: policy.c (the decision), actions/unit.c (the mechanism).
 */
#include "supervisor/check.h"

#include "supervisor/alerting.h"
#include "supervisor/bus-api.h"
#include "supervisor/drill.h"
#include "supervisor/log.h"

static PolicyParams check_params(const Check *c) {
        const Config *cfg = c->sup->config;

        return (PolicyParams) {
                .restart_limit = cfg->restart_limit,
                .restart_window = cfg->restart_window,
                .restart_grace = cfg->restart_grace,
                .action = c->config->action,
                .fail_after = c->config->fail_after,
                .recover_after = c->config->recover_after,
        };
}

static const UnitView *check_view(const Check *c) {
        return c->unit ? &c->unit->view : NULL;
}

void check_init(Check *c, Supervisor *s, const CheckConfig *cc, WatchedUnit *u, const CheckRecord *saved) {
        *c = (Check) { .sup = s, .config = cc, .unit = u };
        if (saved) {
                c->rec = *saved;
                /* What counted last is what the saved result says. */
                c->rec.policy.failed = c->rec.has_result && !c->rec.ok;
        } else
                policy_state_init(&c->rec.policy);
        /* Restarts systemd did while we were not running count too. */
        if (u)
                policy_observe_unit(&c->rec.policy, &u->view);
        c->announced = check_state(c);
        snprintf(c->announced_reason, sizeof(c->announced_reason), "%s", c->rec.has_result ? c->rec.reason : "");
}

void check_changed(Check *c, EventKind why) {
        const char *reason = c->rec.has_result ? c->rec.reason : "";
        CheckState st = check_state(c);

        bool visible = st != c->announced || !streq(reason, c->announced_reason);

        if (visible) {
                c->announced = st;
                snprintf(c->announced_reason, sizeof(c->announced_reason), "%s", reason);
                bus_api_check_changed(c);
        }
        alerting_check(c);
        drill_observe(c, why);
        /* The restart window and the disabled flag must survive a SIGKILL
         * at once. A routine result (same state, one more cycle) is saved
         * when the cycle ends: a thousand checks make one write per cycle,
         * not a thousand. */
        if (visible || why != _EVENT_KIND_MAX)
                supervisor_changed(c->sup);
        else
                c->sup->save_at_cycle_end = true;
}

/* The reason as shown: a result that does not count yet says so. */
static void format_reason(Check *c, PolicyResult res, const char *reason) {
        CheckRecord *r = &c->rec;
        unsigned streak = r->policy.streak;

        if (streak == 0)
                snprintf(r->reason, sizeof(r->reason), "%.*s", (int) sizeof(r->reason) - 1, reason);
        else if (res == RESULT_OK)
                snprintf(r->reason, sizeof(r->reason), "%.100s (ok %u of %u before recovered)", reason,
                         streak, c->config->recover_after);
        else
                snprintf(r->reason, sizeof(r->reason), "%.100s (pending: failure %u of %u before failing)",
                         reason, streak, c->config->fail_after);
}

/* Count a result (c->threshold says whether it is a breached threshold)
 * and remember it; report changes of what counts, not every cycle's
 * result. Returns the event to judge. */
static PolicyEvent record_result(Check *c, PolicyResult res, const char *reason, usec_t latency) {
        PolicyParams p = check_params(c);
        CheckRecord *r = &c->rec;
        bool first = !r->has_result, ok;
        PolicyEvent ev = policy_count(&r->policy, &p, res);

        ok = !r->policy.failed;
        r->latency = latency;
        /* Kept short: the reason is saved in the state file, one line of it. */
        format_reason(c, res, reason);
        r->consecutive_failures = res == RESULT_OK ? 0 : r->consecutive_failures + 1;
        r->has_result = true;
        if (!first && r->ok == ok) {
                check_changed(c, _EVENT_KIND_MAX);
                return ev;
        }
        r->ok = ok;
        r->last_change = now_usec(CLOCK_REALTIME);
        if (!ok && c->threshold != PROBE_SEVERITY_NONE)
                event_emit(EVENT_THRESHOLD_BREACHED, c->config->name, c->config->unit, "%s threshold breached (%s): %s",
                           c->config->type->name, probe_severity_to_string(c->threshold), r->reason);
        else if (!ok)
                event_emit(EVENT_CHECK_FAILED, c->config->name, c->config->unit, "%s check failed: %s",
                           c->config->type->name, r->reason);
        else if (!first)
                event_emit(EVENT_CHECK_RECOVERED, c->config->name, c->config->unit, "%s check ok again: %s",
                           c->config->type->name, r->reason);
        check_changed(c, !ok ? (c->threshold != PROBE_SEVERITY_NONE ? EVENT_THRESHOLD_BREACHED : EVENT_CHECK_FAILED) :
                      first ? _EVENT_KIND_MAX : EVENT_CHECK_RECOVERED);
        return ev;
}

static void on_restart_done(const char *name, const char *result, int error, void *userdata) {
        WatchedUnit *u = userdata;
        Supervisor *s = u->sup;
        bool ok = error == 0 && unit_job_result_ok(result);
        usec_t now = now_usec(CLOCK_MONOTONIC);

        u->restarting = false;
        if (ok)
                event_emit(EVENT_UNIT_RESTARTED, NULL, name, "restarted %s (job %s)", name, result);
        else
                event_emit(EVENT_RESTART_FAILED, NULL, name, "restart of %s failed: %s", name,
                           result ? result : strerror(-error));
        for (size_t i = 0; i < s->n_checks; i++) {
                Check *c = &s->checks[i];
                PolicyParams p = check_params(c);

                if (c->unit != u)
                        continue;
                policy_restart_finished(&c->rec.policy, &p, ok, now);
                c->recovering = c->recovering && ok;
                check_changed(c, ok ? EVENT_UNIT_RESTARTED : EVENT_RESTART_FAILED);
        }
        unit_refresh(u);
        supervisor_changed(s);
}

static void restart_unit(Check *trigger, WatchedUnit *u) {
        Supervisor *s = trigger->sup;
        int r;

        u->restarting = true;
        for (size_t i = 0; i < s->n_checks; i++)
                if (s->checks[i].unit == u) {
                        policy_restart_started(&s->checks[i].rec.policy);
                        s->checks[i].recovering = true;
                }
        event_emit(EVENT_UNIT_RESTARTING, trigger->config->name, u->name, "restarting %s (%u of %u in %u cycles): %s",
                   u->name, policy_restarts_in_window(&trigger->rec.policy, s->config->restart_window),
                   s->config->restart_limit, s->config->restart_window, trigger->rec.reason);
        for (size_t i = 0; i < s->n_checks; i++)
                if (s->checks[i].unit == u)
                        check_changed(&s->checks[i], EVENT_UNIT_RESTARTING);
        r = unit_restart(s->units_manager, u->name, on_restart_done, u);
        if (r < 0)
                on_restart_done(u->name, NULL, r, u);
}

static void act(Check *c, PolicyVerdict v) {
        const Config *cfg = c->sup->config;
        EventKind why = _EVENT_KIND_MAX;

        log_debug("%s: verdict %s (unit %s)", c->config->name, policy_verdict_to_string(v),
                  c->unit ? unit_phase_to_string(c->unit->view.phase) : "none");
        switch (v) {
        case VERDICT_RESTART:
                restart_unit(c, c->unit);
                break;
        case VERDICT_DISABLE:
                event_emit(EVENT_CHECK_DISABLED, c->config->name, c->config->unit,
                           "failed to restart after %u attempts within %u cycles; disabled, "
                           "no further restarts until 'mailsupctl reset %s': %s",
                           policy_restarts_in_window(&c->rec.policy, cfg->restart_window),
                           cfg->restart_window, c->config->name, c->rec.reason);
                why = EVENT_CHECK_DISABLED;
                break;
        case VERDICT_STAND_ASIDE:
                event_emit(EVENT_STAND_ASIDE, c->config->name, c->config->unit,
                           "failing, but systemd is acting on %s (%s/%s): standing aside",
                           c->unit->name, c->unit->props.active_state, c->unit->props.sub_state);
                why = EVENT_STAND_ASIDE;
                break;
        default:
                break;
        }
        /* A judged result after a restart says how the new process does. */
        if (v != VERDICT_NOT_JUDGED && v != VERDICT_RESTART)
                c->recovering = false;
        check_changed(c, why);
}

static void judge(Check *c, PolicyEvent ev) {
        PolicyParams p = check_params(c);

        act(c, policy_judge(&c->rec.policy, &p, ev, check_view(c), now_usec(CLOCK_MONOTONIC)));
}

static void on_unit_props(const char *name, const UnitProps *props, int error, void *userdata) {
        WatchedUnit *u = userdata;
        Supervisor *s = u->sup;
        UnitPhase before = u->view.phase;

        u->refreshing = false;
        unit_view_update(u, props, error);
        for (size_t i = 0; i < s->n_checks; i++) {
                Check *c = &s->checks[i];
                if (c->unit != u)
                        continue;
                policy_observe_unit(&c->rec.policy, &u->view);
                if (c->awaiting_unit) {
                        c->awaiting_unit = false;
                        judge(c, POLICY_PROBE_FAILED);
                }
        }
        /* Entering failed is judged now, not at the next cycle. */
        if (u->view.phase == UNIT_PHASE_FAILED && before != UNIT_PHASE_FAILED && !u->restarting) {
                char reason[128];

                snprintf(reason, sizeof(reason), "unit %.64s entered failed (%.32s)", u->name, u->props.result);
                for (size_t i = 0; i < s->n_checks; i++)
                        if (s->checks[i].unit == u) {
                                s->checks[i].threshold = PROBE_SEVERITY_NONE;
                                judge(&s->checks[i], record_result(&s->checks[i], RESULT_UNIT_FAILED, reason, 0));
                        }
        }
        supervisor_changed(s);
        if (u->refresh_again) {
                u->refresh_again = false;
                unit_refresh(u);
        }
}

void unit_view_update(WatchedUnit *u, const UnitProps *props, int error) {
        if (error < 0) {
                log_warning_errno(error, "cannot read the state of %s: %m", u->name);
                u->view = (UnitView) { .phase = UNIT_PHASE_UNKNOWN, .n_restarts = N_RESTARTS_UNKNOWN };
                return;
        }
        u->props = *props;
        u->view.phase = unit_phase_from_state(props->load_state, props->active_state,
                                              props->sub_state, props->job_id);
        u->view.n_restarts = props->n_restarts;
}

void unit_refresh(WatchedUnit *u) {
        int r;

        if (u->refreshing) {
                u->refresh_again = true; /* the answer in flight may predate the change */
                return;
        }
        u->refreshing = true;
        r = unit_get_props(u->sup->units_manager, u->name, on_unit_props, u);
        if (r < 0)
                on_unit_props(u->name, NULL, r, u);
}

void unit_on_changed(const char *name, void *userdata) {
        unit_refresh(userdata);
}

/* A failure is judged with fresh unit state: systemd may be acting right now. */
static void judge_result(Check *c, PolicyEvent ev) {
        if (ev != POLICY_PROBE_FAILED)
                judge(c, ev);
        else if (c->unit) {
                c->awaiting_unit = true;
                unit_refresh(c->unit);
        } else
                judge(c, POLICY_PROBE_FAILED);
}

static void on_probe_done(Probe *p, const ProbeResult *res, void *userdata) {
        Check *c = userdata;
        ProbeStatus status = res->status;
        PolicyEvent ev;

        log_debug("%s: %s, %s (%.1f ms)", c->config->name, probe_status_to_string(res->status),
                  res->reason, (double) res->latency / USEC_PER_MSEC);
        c->last_probe = now_usec(CLOCK_REALTIME);
        /* An ok result that does not count yet (recover_after) leaves the
         * failure that still counts as it was: a threshold stays one. */
        if (status != PROBE_OK)
                c->threshold = status != PROBE_THRESHOLD ? PROBE_SEVERITY_NONE :
                               res->severity != PROBE_SEVERITY_NONE ? res->severity : PROBE_SEVERITY_CRITICAL;
        /* A breached threshold (memory, disk, size) is for a human to read,
         * never a reason to restart: the service itself answered. */
        ev = record_result(c, status == PROBE_OK ? RESULT_OK : status == PROBE_THRESHOLD ? RESULT_THRESHOLD
                           : RESULT_FAILED, res->reason, res->latency);
        c->probe = probe_free(p); /* res points into p */
        if (c->in_cycle) {
                c->in_cycle = false;
                supervisor_cycle_probe_ended(c->sup);
        }
        judge_result(c, ev);
}

int check_start_probe(Check *c, usec_t next_probe) {
        int r;

        c->next_probe = next_probe;
        if (c->probe || c->awaiting_unit)
                return 0; /* still busy with the last one: never two at once */
        if (c->unit && !policy_may_probe(&c->rec.policy, &c->unit->view, now_usec(CLOCK_MONOTONIC))) {
                log_debug("%s: not probed, %s is being restarted", c->config->name, c->unit->name);
                return 0;
        }
        r = probe_start(c->sup->event, c->config, on_probe_done, c, &c->probe);
        if (r < 0) {
                char reason[128];
                snprintf(reason, sizeof(reason), "cannot start probe: %s", strerror(-r));
                c->threshold = PROBE_SEVERITY_NONE;
                judge_result(c, record_result(c, RESULT_FAILED, reason, 0));
                return 0;
        }
        return 1;
}

void check_cancel_probe(Check *c) {
        if (!c->probe)
                return;
        c->probe = probe_free(c->probe);
        if (c->in_cycle) {
                c->in_cycle = false;
                supervisor_cycle_probe_ended(c->sup);
        }
}

void supervisor_reset_check(Check *c) {
        bool was_disabled = c->rec.policy.disabled;
        unsigned n = policy_restarts_in_window(&c->rec.policy, c->sup->config->restart_window);

        policy_reset(&c->rec.policy);
        c->recovering = false;
        event_emit(EVENT_CHECK_RESET, c->config->name, c->config->unit,
                   "reset by the operator: %u restart%s forgotten%s; probing now", n, n == 1 ? "" : "s",
                   was_disabled ? ", enabled again" : "");
        check_changed(c, EVENT_CHECK_RESET);
        /* A probe in flight, or a failure waiting for unit state, began
         * before the reset, maybe before the operator's fix: not its answer. */
        check_cancel_probe(c);
        c->awaiting_unit = false;
        (void) check_start_probe(c, c->next_probe);
}
