/* check.c: from a probe result to a verdict and its action.
 *
 * A failed probe is judged only with fresh unit state in hand (systemd may
 * be restarting the unit right now, and then we stand aside), so the result
 * waits for an asynchronous property read (units.c). A unit that the
 * manager reports as failed is judged at once through the same policy.
 * The restart limits are the check's own (its [check] keys, else
 * [supervisor]'s), resolved when the configuration was read.
 *
 * Every change of a check passes check_changed(), which publishes it at
 * once (news.h), not at the next save, so a client following live sees
 * failing before restarting. Who hears it (signals, alerts, a drill, the
 * state file) is not this file's business.
 *
 * See also: policy.c (the decision), units.c (the unit and its restart).
 */
#include "supervisor/check.h"

#include "common/log.h"
#include "supervisor/depends.h"
#include "supervisor/units.h"

static PolicyParams check_params(const Check *c) {
        const CheckConfig *cc = c->config;

        return (PolicyParams) {
                .restart_limit = cc->restart_limit,
                .restart_window = cc->restart_window,
                .restart_grace = cc->restart_grace,
                .action = c->config->action,
                .fail_after = c->config->fail_after,
                .recover_after = c->config->recover_after,
                .dependency_failing = depends_cause(c, NULL, 0),
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

static void publish(Check *c, EventKind why, const ProbeResult *result, bool force) {
        const char *reason = c->rec.has_result ? c->rec.reason : "";
        CheckState st = check_state(c);
        bool visible = force || st != c->announced || !streq(reason, c->announced_reason);

        if (visible) {
                c->announced = st;
                snprintf(c->announced_reason, sizeof(c->announced_reason), "%s", reason);
        }
        news_publish(c->sup, &(News) { .kind = NEWS_CHECK, .check = { .check = c, .why = why, .visible = visible,
                                                                      .result = result } });
}

void check_changed(Check *c, EventKind why) {
        publish(c, why, NULL, false);
}

void check_announce(Check *c) {
        publish(c, _EVENT_KIND_MAX, NULL, true);
}

/* The reason as shown: a result that does not count yet says so. */
static void format_reason(Check *c, PolicyResult res, const char *reason) {
        CheckRecord *r = &c->rec;
        unsigned streak = r->policy.streak;
        char head[101];

        /* Cut at a character, never inside one: the reason goes out as UTF-8. */
        sanitize_line(streak == 0 ? r->reason : head, streak == 0 ? sizeof(r->reason) : sizeof(head), reason,
                      strlen(reason));
        if (streak == 0)
                return;
        if (res == RESULT_OK)
                snprintf(r->reason, sizeof(r->reason), "%s (ok %u of %u before recovered)", head,
                         streak, c->config->recover_after);
        else
                snprintf(r->reason, sizeof(r->reason), "%s (pending: failure %u of %u before failing)",
                         head, streak, c->config->fail_after);
}

/* Count a result (c->threshold says whether it is a breached threshold)
 * and remember it; report changes of what counts, not every cycle's
 * result. Returns the event to judge. */
static PolicyEvent record_result(Check *c, PolicyResult res, const char *reason, usec_t latency,
                                 const ProbeResult *result) {
        PolicyParams p = check_params(c);
        CheckRecord *r = &c->rec, before = *r;
        bool first = !r->has_result, ok;
        PolicyEvent ev = policy_count(&r->policy, &p, res);

        ok = !r->policy.failed;
        r->latency = latency;
        /* Kept short: the reason is saved in the state file, one line of it. */
        format_reason(c, res, reason);
        r->consecutive_failures = res == RESULT_OK ? 0 : r->consecutive_failures + 1;
        r->has_result = true;
        /* The state file is rewritten at the cycle's end only for what changed. */
        if (state_record_changed(&before, r, p.restart_window))
                c->unsaved = true;
        if (!first && r->ok == ok) {
                publish(c, _EVENT_KIND_MAX, result, false);
                return ev;
        }
        r->ok = ok;
        c->unsaved = true;
        r->last_change = now_usec(CLOCK_REALTIME);
        if (!ok && c->threshold != PROBE_SEVERITY_NONE)
                news_event(c->sup, EVENT_THRESHOLD_BREACHED, c->config->name, c->config->unit, "%s threshold breached (%s): %s",
                           c->config->type->name, probe_severity_to_string(c->threshold), r->reason);
        else if (!ok)
                news_event(c->sup, EVENT_CHECK_FAILED, c->config->name, c->config->unit, "%s check failed: %s",
                           c->config->type->name, r->reason);
        else if (!first)
                news_event(c->sup, EVENT_CHECK_RECOVERED, c->config->name, c->config->unit, "%s check ok again: %s",
                           c->config->type->name, r->reason);
        publish(c, !ok ? (c->threshold != PROBE_SEVERITY_NONE ? EVENT_THRESHOLD_BREACHED : EVENT_CHECK_FAILED) :
                first ? _EVENT_KIND_MAX : EVENT_CHECK_RECOVERED, result, false);
        return ev;
}

void check_restart_started(Check *c) {
        policy_restart_started(&c->rec.policy);
        c->recovering = true;
}

void check_restart_finished(Check *c, bool ok) {
        PolicyParams p = check_params(c);

        policy_restart_finished(&c->rec.policy, &p, ok, now_usec(CLOCK_MONOTONIC));
        c->recovering = c->recovering && ok;
        check_changed(c, ok ? EVENT_UNIT_RESTARTED : EVENT_RESTART_FAILED);
}

static void act(Check *c, PolicyVerdict v) {
        const CheckConfig *cc = c->config;
        EventKind why = _EVENT_KIND_MAX;

        log_debug("%s: verdict %s (unit %s)", c->config->name, policy_verdict_to_string(v),
                  c->unit ? unit_phase_to_string(c->unit->view.phase) : "none");
        switch (v) {
        case VERDICT_RESTART:
                watched_unit_restart(c->unit, c);
                break;
        case VERDICT_DISABLE:
                news_event(c->sup, EVENT_CHECK_DISABLED, c->config->name, c->config->unit,
                           "failed to restart after %u attempts within %u cycles; disabled, "
                           "no further restarts until 'mailsupctl reset %s': %s",
                           policy_restarts_in_window(&c->rec.policy, cc->restart_window),
                           cc->restart_window, cc->name, c->rec.reason);
                why = EVENT_CHECK_DISABLED;
                break;
        case VERDICT_WAIT:
                if (!c->waiting) {
                        char cause[128];

                        (void) depends_cause(c, cause, sizeof(cause));
                        news_event(c->sup, EVENT_STAND_ASIDE, cc->name, cc->unit,
                                   "failing while %s: the restart of %s waits for it", cause, cc->unit);
                }
                c->waiting = true;
                why = EVENT_STAND_ASIDE;
                break;
        case VERDICT_STAND_ASIDE:
                news_event(c->sup, EVENT_STAND_ASIDE, c->config->name, c->config->unit,
                           "failing, but systemd is acting on %s (%s/%s): standing aside",
                           c->unit->name, c->unit->props.active_state, c->unit->props.sub_state);
                why = EVENT_STAND_ASIDE;
                break;
        default:
                break;
        }
        if (v != VERDICT_WAIT && v != VERDICT_NOT_JUDGED)
                c->waiting = false;
        /* A judged result after a restart says how the new process does. */
        if (v != VERDICT_NOT_JUDGED && v != VERDICT_RESTART)
                c->recovering = false;
        check_changed(c, why);
}

static void judge(Check *c, PolicyEvent ev) {
        PolicyParams p = check_params(c);

        act(c, policy_judge(&c->rec.policy, &p, ev, check_view(c), now_usec(CLOCK_MONOTONIC)));
}

void check_unit_read(Check *c) {
        policy_observe_unit(&c->rec.policy, &c->unit->view);
        if (c->awaiting_unit) {
                c->awaiting_unit = false;
                judge(c, POLICY_PROBE_FAILED);
        }
}

void check_unit_failed(Check *c, const char *reason) {
        c->threshold = PROBE_SEVERITY_NONE;
        judge(c, record_result(c, RESULT_UNIT_FAILED, reason, 0, NULL));
}

/* A failure is judged with fresh unit state: systemd may be acting right now. */
static void judge_result(Check *c, PolicyEvent ev) {
        if (ev != POLICY_PROBE_FAILED)
                judge(c, ev);
        else if (c->unit) {
                c->awaiting_unit = true;
                watched_unit_refresh(c->unit);
        } else
                judge(c, POLICY_PROBE_FAILED);
}

static void on_probe_done(Probe *p, const ProbeResult *res, void *userdata) {
        Check *c = userdata;
        ProbeStatus status = res->status;
        char with_cause[STATE_REASON_MAX], cause[96];
        const char *reason = res->reason;
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
        /* Root cause first: a failure a dependency explains says so. */
        if (status != PROBE_OK && depends_cause(c, cause, sizeof(cause))) {
                /* The probe's words are cut, never the cause. */
                snprintf(with_cause, sizeof(with_cause), "%.*s; %s", (int) (sizeof(with_cause) - strlen(cause) - 3),
                         res->reason, cause);
                reason = with_cause;
        }
        ev = record_result(c, status == PROBE_OK ? RESULT_OK : status == PROBE_THRESHOLD ? RESULT_THRESHOLD
                           : RESULT_FAILED, reason, res->latency, res);
        c->probe = probe_free(p); /* res points into p */
        if (c->in_cycle) {
                c->in_cycle = false;
                supervisor_cycle_probe_ended(c->sup);
        }
        judge_result(c, ev);
}

/* A failure found without a probe, judged as a probe's. */
static void fail_unprobed(Check *c, const char *reason) {
        c->threshold = PROBE_SEVERITY_NONE;
        c->last_probe = now_usec(CLOCK_REALTIME);
        judge_result(c, record_result(c, RESULT_FAILED, reason, 0, NULL));
}

int check_start_probe(Check *c, usec_t next_probe) {
        char reason[192];
        int r;

        c->next_probe = next_probe;
        if (c->probe || c->awaiting_unit)
                return 0; /* still busy with the last one: never two at once */
        if (c->unit && !policy_may_probe(&c->rec.policy, &c->unit->view, now_usec(CLOCK_MONOTONIC))) {
                log_debug("%s: not probed, %s is being restarted", c->config->name, c->unit->name);
                return 0;
        }
        /* A frozen process (a SIGSTOPped Postfix master whose warm children
         * still greet) fails the check whatever a probe would say. */
        if (c->unit && watched_unit_find_stopped(c->unit, reason, sizeof(reason)) > 0) {
                fail_unprobed(c, reason);
                return 0;
        }
        r = probe_start_with_state(c->sup->event, &c->config->probe, c->probe_state, on_probe_done, c, &c->probe);
        if (r < 0) {
                snprintf(reason, sizeof(reason), "cannot start probe: %s", strerror(-r));
                fail_unprobed(c, reason);
                return 0;
        }
        return 1;
}

void check_setup_state(Check *c, Check *old) {
        const ProbeConfig *pc = &c->config->probe;
        int r;

        if (old && old->probe_state && probe_state_keep(pc, old->probe_state_type, old->probe_state)) {
                c->probe_state = TAKE_PTR(old->probe_state);
                c->probe_state_type = old->probe_state_type;
                return;
        }
        r = probe_state_new(c->sup->event, pc, &c->probe_state);
        if (r < 0)
                log_warning_errno(r, "%s: cannot keep state between probes: %m; each probe starts afresh",
                                  c->config->name);
        c->probe_state_type = c->probe_state ? pc->type : NULL;
}

void check_done(Check *c) {
        c->pace = sd_event_source_disable_unref(c->pace);
        c->probe = probe_free(c->probe); /* a running probe uses the state */
        c->probe_state = probe_state_free(c->probe_state_type, c->probe_state);
        c->probe_state_type = NULL;
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
        unsigned n = policy_restarts_in_window(&c->rec.policy, c->config->restart_window);

        policy_reset(&c->rec.policy);
        c->recovering = false;
        news_event(c->sup, EVENT_CHECK_RESET, c->config->name, c->config->unit,
                   "reset by the operator: %u restart%s forgotten%s; probing now", n, n == 1 ? "" : "s",
                   was_disabled ? ", enabled again" : "");
        check_changed(c, EVENT_CHECK_RESET);
        /* A probe in flight, or a failure waiting for unit state, began
         * before the reset, maybe before the operator's fix: not its answer. */
        check_cancel_probe(c);
        c->awaiting_unit = false;
        (void) check_start_probe(c, c->next_probe);
}
