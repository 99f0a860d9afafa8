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
 * See also: check.c (check_unit_read, check_unit_failed, check_restart_*),
 * supervisor.c, reload.c.
 */
#include "supervisor/units.h"

#include "common/log.h"

#define for_each_check_of(c, u) \
        for (Check *c = (u)->sup->checks; c < (u)->sup->checks + (u)->sup->n_checks; c++) \
                if (c->unit == (u))

static void view_update(WatchedUnit *u, const UnitProps *props, int error) {
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
                if (!used)
                        u->watch = sd_bus_slot_unref(u->watch);
        }
}

void units_free(Supervisor *s) {
        for (size_t i = 0; i < s->n_units; i++) {
                sd_bus_slot_unref(s->units[i]->watch);
                free(s->units[i]->name);
                free(s->units[i]);
        }
        free(s->units);
        s->units = NULL;
        s->n_units = 0;
}
