/* supervisor.c: start-up, the cycle, saving state, shutdown (supervisor.h).
 *
 * Start-up reads the units' state once, synchronously, before the loop
 * runs (so restarts systemd did while mailsupd was down are counted and the
 * skip_missing_units can drop units this machine does not have). From then
 * on everything is asynchronous on the one sd-event loop: a cycle timer
 * starts all probes at once, each with its own deadline.
 */
#include "supervisor/supervisor.h"

#include <inttypes.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include "notify/events.h"
#include "supervisor/alerting.h"
#include "supervisor/bus-api.h"
#include "supervisor/check.h"
#include "supervisor/drill.h"
#include "supervisor/log.h"
#include "supervisor/test-alert.h"

static const char *const check_state_names[_CHECK_STATE_MAX] = {
        [CHECK_STATE_UNKNOWN] = "unknown",
        [CHECK_STATE_OK] = "ok",
        [CHECK_STATE_FAILING] = "failing",
        [CHECK_STATE_RESTARTING] = "restarting",
        [CHECK_STATE_DISABLED] = "disabled",
};

const char *check_state_to_string(CheckState s) {
        return s < _CHECK_STATE_MAX ? check_state_names[s] : "unknown";
}

CheckState check_state(const Check *c) {
        if (c->rec.policy.disabled)
                return CHECK_STATE_DISABLED;
        /* Until the first judged result after a restart, the last result
         * (the failure that caused it) says nothing about the new process. */
        if (c->rec.policy.restart_pending || c->rec.policy.in_grace || c->recovering)
                return CHECK_STATE_RESTARTING;
        if (!c->rec.has_result)
                return CHECK_STATE_UNKNOWN;
        return c->rec.ok ? CHECK_STATE_OK : CHECK_STATE_FAILING;
}

Check *supervisor_find_check(Supervisor *s, const char *name) {
        for (size_t i = 0; i < s->n_checks; i++)
                if (streq(s->checks[i].config->name, name))
                        return &s->checks[i];
        return NULL;
}

const char *supervisor_state(const Supervisor *s) {
        for (size_t i = 0; i < s->n_checks; i++) {
                CheckState st = check_state(&s->checks[i]);
                if (st == CHECK_STATE_FAILING || st == CHECK_STATE_DISABLED)
                        return "degraded";
        }
        return "running";
}

void supervisor_update_status(Supervisor *s) {
        char text[512] = "STATUS=";

        alerting_summary(s, false, text + 7, sizeof(text) - 7);
        (void) sd_notify(false, text);
}

static int save_state(Supervisor *s) {
        _cleanup_free_ StateEntry *entries = calloc(s->n_checks + 1, sizeof(StateEntry));
        int r;

        if (!entries)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_checks; i++)
                entries[i] = (StateEntry) { .name = s->checks[i].config->name, .record = s->checks[i].rec };
        r = state_write(s->config->state_directory, entries, s->n_checks);
        if (r < 0)
                log_error_errno(r, "cannot save state to %s: %m", s->config->state_directory);
        return r;
}

static int on_save(sd_event_source *src, void *userdata) {
        Supervisor *s = userdata;

        s->save_at_cycle_end = false;
        (void) save_state(s);
        supervisor_update_status(s);
        return 0;
}

void supervisor_changed(Supervisor *s) {
        /* Many changes in one loop iteration make one write. */
        (void) sd_event_source_set_enabled(s->save_defer, SD_EVENT_ONESHOT);
}

/* A probe started by the cycle ended (or was cancelled): the cycle's
 * duration is the time until its last probe ended. */
void supervisor_cycle_probe_ended(Supervisor *s) {
        if (s->cycle_outstanding == 0 || --s->cycle_outstanding > 0)
                return;
        s->last_cycle_duration = now_usec(CLOCK_MONOTONIC) - s->cycle_start_mono;
        if (s->save_at_cycle_end)
                supervisor_changed(s);
        alerting_cycle_done(s, s->last_cycle_duration);
}

static int on_cycle(sd_event_source *src, uint64_t usec, void *userdata) {
        Supervisor *s = userdata;
        usec_t interval = s->config->interval;
        usec_t next_real;

        s->cycles++;
        /* Results of probes that ran outside a cycle (reset, drill) or of a
         * cycle that never ended are saved now at the latest. */
        if (s->save_at_cycle_end)
                supervisor_changed(s);
        s->last_cycle_start = now_usec(CLOCK_REALTIME);
        s->cycle_start_mono = now_usec(CLOCK_MONOTONIC);
        s->cycle_outstanding = 0;
        next_real = s->last_cycle_start + interval;
        /* Cycles the loop missed (frozen, a stalled machine) are skipped, not
         * run back to back: each would ping the heartbeat at once and cancel
         * the ping before it, and probe nothing new. */
        (void) sd_event_source_set_time(src, usec + interval > s->cycle_start_mono ? usec + interval
                                                                                 : s->cycle_start_mono + interval);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ON);
        log_debug("cycle %" PRIu64, s->cycles);
        alerting_cycle_started(s);
        for (size_t i = 0; i < s->n_checks; i++)
                if (check_start_probe(&s->checks[i], next_real) > 0) {
                        s->checks[i].in_cycle = true;
                        s->cycle_outstanding++;
                }
        if (s->cycle_outstanding == 0) {
                s->last_cycle_duration = now_usec(CLOCK_MONOTONIC) - s->cycle_start_mono;
                alerting_cycle_done(s, s->last_cycle_duration);
        }
        return 0;
}

/* Re-arm the cycle timer after the interval changed (reload). */
void supervisor_rearm_cycle(Supervisor *s) {
        usec_t due = s->cycle_start_mono + s->config->interval, now = now_usec(CLOCK_MONOTONIC);

        (void) sd_event_source_set_time(s->cycle_timer, s->cycles == 0 || due < now ? now : due);
        (void) sd_event_source_set_enabled(s->cycle_timer, SD_EVENT_ON);
}

static int open_bus(BusKind kind, sd_bus **ret) {
        int r = kind == BUS_USER ? sd_bus_open_user(ret) : sd_bus_open_system(ret);

        if (r < 0)
                return log_error_errno(r, "cannot connect to the %s bus: %m", kind == BUS_USER ? "user" : "system");
        return 0;
}

static WatchedUnit *find_unit(Supervisor *s, const char *name) {
        for (size_t i = 0; name && i < s->n_units; i++)
                if (streq(s->units[i]->name, name))
                        return s->units[i];
        return NULL;
}

/* The unit of that name, watched; created on first use. Its state is read
 * synchronously at start-up (before the loop runs), asynchronously later. */
WatchedUnit *supervisor_unit(Supervisor *s, const char *name, bool sync) {
        WatchedUnit *u = find_unit(s, name), **units;
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
                        unit_view_update(u, &props, r);
                } else {
                        u->view = (UnitView) { .phase = UNIT_PHASE_UNKNOWN, .n_restarts = N_RESTARTS_UNKNOWN };
                        unit_refresh(u);
                }
        }
        if (!u->watch) {
                r = unit_watch(s->units_manager, u->name, unit_on_changed, u, &u->watch);
                if (r < 0)
                        log_warning_errno(r, "cannot watch %s: %m; failures are seen at the next cycle", name);
        }
        return u;
}

/* Units, deduplicated; with skip_missing_units, only those that exist. */
static void setup_units(Supervisor *s) {
        const Config *cfg = s->config;

        for (size_t i = 0; i < cfg->n_checks; i++) {
                const char *name = cfg->checks[i].unit;
                WatchedUnit *u;

                if (!name || find_unit(s, name))
                        continue;
                u = supervisor_unit(s, name, true);
                if (u->view.phase == UNIT_PHASE_MISSING && !cfg->skip_missing_units)
                        log_warning("unit %s does not exist (LoadState=%s): restarts of it will fail",
                                    name, u->props.load_state);
        }
}

static void setup_checks(Supervisor *s, const StateFile *saved) {
        const Config *cfg = s->config;

        s->checks = calloc(cfg->n_checks + 1, sizeof(Check));
        if (!s->checks)
                abort();
        for (size_t i = 0; i < cfg->n_checks; i++) {
                const CheckConfig *cc = &cfg->checks[i];
                WatchedUnit *u = find_unit(s, cc->unit);
                const StateEntry *e = state_file_find(saved, cc->name);

                if (cfg->skip_missing_units && u && u->view.phase == UNIT_PHASE_MISSING) {
                        log_info("%s: %s is not installed here: not watched", cc->name, cc->unit);
                        continue;
                }
                check_init(&s->checks[s->n_checks++], s, cc, u, e ? &e->record : NULL);
        }
}

static int load_state(Supervisor *s, StateFile *saved) {
        _cleanup_free_ char *problem = NULL;
        int r = state_read(s->config->state_directory, saved, &problem);

        if (r == -EBADMSG)
                log_error("state file in %s is corrupt: %s; starting with no history",
                          s->config->state_directory, problem);
        else if (r < 0 && r != -ENOENT)
                log_error_errno(r, "cannot read state from %s: %m; starting with no history",
                                s->config->state_directory);
        return 0;
}

/* SIGHUP: reload, as the Reload method does; errors go to the log. */
static int on_sighup(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        ConfigErrors errors = {};

        (void) supervisor_reload(userdata, &errors, NULL);
        config_errors_clear(&errors);
        return 0;
}

static int setup_event(Supervisor *s) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        r = sd_event_default(&s->event);
        if (r < 0)
                return r;
        (void) sd_event_add_signal(s->event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(s->event, NULL, SIGINT, NULL, NULL);
        (void) sd_event_add_signal(s->event, NULL, SIGHUP, on_sighup, s);
        /* Fed from the loop itself: a stuck loop gets us killed by systemd. */
        (void) sd_event_set_watchdog(s->event, true);
        r = sd_event_add_defer(s->event, &s->save_defer, on_save, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->save_defer, SD_EVENT_OFF);
        return sd_event_add_time_relative(s->event, &s->cycle_timer, CLOCK_MONOTONIC, 0,
                                          USEC_PER_MSEC, on_cycle, s);
}

int supervisor_new(Config *config, const char *config_arg, Supervisor **ret) {
        Supervisor *s = calloc(1, sizeof(*s));
        StateFile saved = {};
        int r;

        if (!s) {
                config_free(config);
                return -ENOMEM;
        }
        s->config = config;
        s->config_arg = config_arg ? xstrdup(config_arg) : NULL;
        s->started = now_usec(CLOCK_REALTIME);
        r = setup_event(s);
        if (r < 0)
                goto fail;
        r = open_bus(config->bus, &s->bus);
        if (r < 0)
                goto fail;
        r = sd_bus_attach_event(s->bus, s->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                goto fail;
        /* Losing the bus means losing our hands: exit, and let systemd restart us. */
        (void) sd_bus_set_exit_on_disconnect(s->bus, true);
        r = unit_manager_new(s->bus, &s->units_manager);
        if (r < 0)
                goto fail;
        setup_units(s);
        load_state(s, &saved);
        setup_checks(s, &saved);
        state_file_done(&saved);
        r = bus_api_start(s);
        if (r < 0)
                goto fail;
        (void) alerting_start(s);
        *ret = s;
        return 0;
fail:
        log_error_errno(r, "cannot start: %m");
        supervisor_free(s);
        return r;
}

int supervisor_run(Supervisor *s) {
        int r;

        event_emit(EVENT_SUPERVISOR_STARTED, NULL, NULL, "mailsupd %s watching %zu checks, cycle every %" PRIu64 " ms",
                   MAILSUP_VERSION, s->n_checks, s->config->interval / USEC_PER_MSEC);
        (void) save_state(s);
        supervisor_update_status(s);
        (void) sd_notify(false, "READY=1");
        r = sd_event_loop(s->event);
        (void) sd_notify(false, "STOPPING=1");
        event_emit(EVENT_SUPERVISOR_STOPPING, NULL, NULL, "mailsupd stopping");
        (void) save_state(s);
        return r;
}

Supervisor *supervisor_free(Supervisor *s) {
        if (!s)
                return NULL;
        drill_free(s->drill);
        alerting_stop(s); /* before the test alert: it is told its channels are gone */
        test_alert_free(s->test_alert);
        bus_api_stop(s);
        for (size_t i = 0; i < s->n_checks; i++)
                probe_free(s->checks[i].probe);
        free(s->checks);
        for (size_t i = 0; i < s->n_units; i++) {
                sd_bus_slot_unref(s->units[i]->watch);
                free(s->units[i]->name);
                free(s->units[i]);
        }
        free(s->units);
        unit_manager_free(s->units_manager);
        sd_bus_flush_close_unref(s->bus);
        sd_event_source_disable_unref(s->cycle_timer);
        sd_event_source_disable_unref(s->save_defer);
        sd_event_unref(s->event);
        config_free(s->config);
        free(s->config_arg);
        free(s);
        return NULL;
}
