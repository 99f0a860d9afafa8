/* units.c: watching units, reading their state, restarting them (units.h).
 *
 * A unit's state is read asynchronously whenever the manager says it
 * changed (PropertiesChanged) and whenever a failed check needs fresh state
 * to be judged; a change that arrives while a read is in flight asks for
 * one more read, since the answer may predate it. A unit that enters failed
 * is judged at once, through the same policy as a probe, not at the next
 * cycle. A restart is one job, followed to its end (actions/unit.c); every
 * check of the unit is told when it starts and how it ended.
 *
 * A unit's parts (its ConsistsOf: the units PartOf it, re-read with its
 * state) are watched too: on Debian the oneshot postfix.service stays
 * "active (exited)" while the master runs, and dies, in postfix@-.service.
 * A part that leaves active with no job queued (and no Restart= of its own)
 * while the unit is active is a death, judged at once as the unit's own
 * failure, and the restart goes through the unit, as an admin restarts
 * Postfix; a stop by an admin comes with a job. While a part is being
 * started or stopped by systemd, the unit counts as busy (no probe, no
 * verdict). A process of the unit or its parts stopped by a signal fails
 * its checks before any probe (watched_unit_find_stopped). The parts
 * themselves are unit-parts.c's.
 *
 * See also: unit-parts.c, check.c (check_unit_read, check_unit_failed, check_restart_*),
 * supervisor.c, reload.c.
 */
#include "supervisor/units.h"

#include "common/log.h"

#define for_each_check_of(c, u) \
        for (Check *c = (u)->sup->checks; c < (u)->sup->checks + (u)->sup->n_checks; c++) \
                if (c->unit == (u))

/* The unit's phase, from its own state and its parts'. */
static void view_fold(WatchedUnit *u) {
        if (!u->props_ok)
                return;
        u->view.phase = unit_phase_from_state(u->props.load_state, u->props.active_state,
                                              u->props.sub_state, u->props.job_id);
        if (u->view.phase == UNIT_PHASE_ACTIVE && unit_parts_busy(u))
                u->view.phase = UNIT_PHASE_BUSY;
}

static void view_update(WatchedUnit *u, const UnitProps *props, int error) {
        if (error < 0) {
                log_warning_errno(error, "cannot read the state of %s: %m", u->name);
                u->props_ok = false;
                u->view = (UnitView) { .phase = UNIT_PHASE_UNKNOWN, .n_restarts = N_RESTARTS_UNKNOWN };
                return;
        }
        u->props = *props;
        u->props_ok = true;
        u->view.n_restarts = props->n_restarts;
        unit_parts_update(u);
        view_fold(u);
}

void watched_unit_parts_changed(WatchedUnit *u, const char *death) {
        view_fold(u);
        if (death)
                for_each_check_of(c, u)
                        check_unit_failed(c, death);
}

static void on_props(const char *name, const UnitProps *props, int error, void *userdata) {
        WatchedUnit *u = userdata;
        Supervisor *s = u->sup;
        UnitPhase before = u->view.phase;

        u->refreshing = false;
        view_update(u, props, error);
        for_each_check_of(c, u)
                check_unit_read(c);
        /* Entering failed is judged now, not at the next cycle. */
        if (u->view.phase == UNIT_PHASE_FAILED && before != UNIT_PHASE_FAILED && !u->restarting) {
                char reason[128];

                snprintf(reason, sizeof(reason), "unit %.64s entered failed (%.32s)", u->name, u->props.result);
                for_each_check_of(c, u)
                        check_unit_failed(c, reason);
        }
        news_publish(s, &(News) { .kind = NEWS_UNIT, .unit = { .unit = u } });
        if (u->refresh_again) {
                u->refresh_again = false;
                watched_unit_refresh(u);
        }
}

void watched_unit_refresh(WatchedUnit *u) {
        int r;

        if (u->refreshing) {
                u->refresh_again = true; /* the answer in flight may predate the change */
                return;
        }
        u->refreshing = true;
        r = unit_get_props(u->sup->units_manager, u->name, on_props, u);
        if (r < 0)
                on_props(u->name, NULL, r, u);
}

static void on_changed(const char *name, void *userdata) {
        watched_unit_refresh(userdata);
}

/* After a restart's grace, each check of the unit probes the new process
 * at once rather than at the next cycle (which may be an hour away), so
 * its state says "ok" or "failing" again, not "restarting". A check still
 * in its grace (the unit still coming up) is tried again shortly. */
static int on_settle(sd_event_source *src, uint64_t usec, void *userdata) {
        WatchedUnit *u = userdata;
        bool again = false;

        for_each_check_of(c, u)
                if (check_start_probe(c, c->next_probe) == 0 && c->rec.policy.in_grace)
                        again = true;
        if (again) {
                (void) sd_event_source_set_time(src, usec + 500 * USEC_PER_MSEC);
                (void) sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        }
        return 0;
}

static void settle_after_grace(WatchedUnit *u) {
        usec_t grace = 0;
        int r;

        for_each_check_of(c, u)
                if (c->config->restart_grace > grace)
                        grace = c->config->restart_grace;
        grace += 10 * USEC_PER_MSEC; /* past the grace, not at its edge */
        if (u->settle) {
                r = sd_event_source_set_time_relative(u->settle, grace);
                if (r >= 0)
                        r = sd_event_source_set_enabled(u->settle, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time_relative(u->sup->event, &u->settle, CLOCK_MONOTONIC, grace, 0, on_settle, u);
        if (r < 0)
                log_warning_errno(r, "cannot arm the probe after %s's restart: %m; the next cycle probes it", u->name);
}

static void on_restart_done(const char *name, const char *result, int error, void *userdata) {
        WatchedUnit *u = userdata;
        bool ok = error == 0 && unit_job_result_ok(result);

        u->restarting = false;
        if (ok)
                news_event(u->sup, EVENT_UNIT_RESTARTED, NULL, name, "restarted %s (job %s)", name, result);
        else
                news_event(u->sup, EVENT_RESTART_FAILED, NULL, name, "restart of %s failed: %s", name,
                           result ? result : strerror(-error));
        for_each_check_of(c, u)
                check_restart_finished(c, ok);
        watched_unit_refresh(u);
        if (ok)
                settle_after_grace(u);
}

void watched_unit_restart(WatchedUnit *u, Check *trigger) {
        const CheckConfig *cc = trigger->config;
        int r;

        u->restarting = true;
        for_each_check_of(c, u)
                check_restart_started(c);
        news_event(u->sup, EVENT_UNIT_RESTARTING, cc->name, u->name, "restarting %s (%u of %u in %u cycles): %s",
                   u->name, policy_restarts_in_window(&trigger->rec.policy, cc->restart_window), cc->restart_limit,
                   cc->restart_window, trigger->rec.reason);
        for_each_check_of(c, u)
                check_changed(c, EVENT_UNIT_RESTARTING);
        r = unit_restart(u->sup->units_manager, u->name, on_restart_done, u);
        if (r < 0)
                on_restart_done(u->name, NULL, r, u);
}

WatchedUnit *units_find(Supervisor *s, const char *name) {
        for (size_t i = 0; name && i < s->n_units; i++)
                if (streq(s->units[i]->name, name))
                        return s->units[i];
        return NULL;
}

WatchedUnit *units_get(Supervisor *s, const char *name, bool sync) {
        WatchedUnit *u = units_find(s, name), **units;
        UnitProps props;
        int r;

        if (!u) {
                units = reallocarray(s->units, s->n_units + 1, sizeof(WatchedUnit *));
                u = calloc(1, sizeof(*u));
                if (!units || !u)
                        abort();
                s->units = units;
                *u = (WatchedUnit) { .sup = s, .name = xstrdup(name) };
                s->units[s->n_units++] = u;
                if (sync) {
                        r = unit_get_props_sync(s->units_manager, name, &props);
                        view_update(u, &props, r);
                } else {
                        u->view = (UnitView) { .phase = UNIT_PHASE_UNKNOWN, .n_restarts = N_RESTARTS_UNKNOWN };
                        watched_unit_refresh(u);
                }
        }
        if (!u->watch) {
                r = unit_watch(s->units_manager, u->name, on_changed, u, &u->watch);
                if (r < 0)
                        log_warning_errno(r, "cannot watch %s: %m; failures are seen at the next cycle", name);
        }
        return u;
}

void units_setup(Supervisor *s) {
        const Config *cfg = s->config;

        for (size_t i = 0; i < cfg->n_checks; i++) {
                const char *name = cfg->checks[i].unit;
                WatchedUnit *u;

                if (!name || units_find(s, name))
                        continue;
                u = units_get(s, name, true);
                if (u->view.phase == UNIT_PHASE_MISSING && !cfg->skip_missing_units)
                        log_warning("unit %s does not exist (LoadState=%s): restarts of it will fail",
                                    name, u->props.load_state);
        }
}

void units_unwatch_unused(Supervisor *s) {
        for (size_t i = 0; i < s->n_units; i++) {
                WatchedUnit *u = s->units[i];
                bool used = false;

                for (size_t j = 0; j < s->n_checks && !used; j++)
                        used = s->checks[j].unit == u;
                if (!used) {
                        u->watch = sd_bus_slot_unref(u->watch);
                        unit_parts_unwatch(u);
                }
        }
}

void units_free(Supervisor *s) {
        for (size_t i = 0; i < s->n_units; i++) {
                unit_parts_free(s->units[i]);
                sd_event_source_disable_unref(s->units[i]->settle);
                sd_bus_slot_unref(s->units[i]->watch);
                free(s->units[i]->name);
                free(s->units[i]);
        }
        free(s->units);
        s->units = NULL;
        s->n_units = 0;
}
