/* supervisor.c: start-up, the cycle, shutdown (supervisor.h).
 *
 * Start-up reads the units' state once, synchronously, before the loop
 * runs (so restarts systemd did while mailsupd was down are counted and the
 * skip_missing_units can drop units this machine does not have), and
 * registers the subscribers to the news, in the order they hear it. From
 * then on everything is asynchronous on the one sd-event loop: a cycle
 * timer starts all probes at once, each with its own deadline; a check
 * with an interval of its own (dnsbl's hour) has a timer of its own, and
 * its policy counts its own judged results as it always does.
 */
#include "supervisor/supervisor.h"

#include <inttypes.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include "common/log.h"
#include "supervisor/alerting.h"
#include "supervisor/bus-api.h"
#include "supervisor/check.h"
#include "supervisor/drill.h"
#include "supervisor/metrics.h"
#include "supervisor/saver.h"
#include "supervisor/status.h"
#include "supervisor/test-alert.h"
#include "supervisor/units.h"

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
        size_t i;

        return strmap_get(&s->check_index, name, &i) && i < s->n_checks ? &s->checks[i] : NULL;
}

void supervisor_index_checks(Supervisor *s) {
        strmap_clear(&s->check_index);
        for (size_t i = 0; i < s->n_checks; i++)
                if (strmap_put(&s->check_index, s->checks[i].config->name, i) < 0)
                        abort();
}

static void cycle_done(Supervisor *s) {
        s->last_cycle_duration = now_usec(CLOCK_MONOTONIC) - s->cycle_start_mono;
        news_publish(s, &(News) { .kind = NEWS_CYCLE_DONE, .cycle = { .number = s->cycles,
                                                                     .duration = s->last_cycle_duration } });
}

/* A probe started by the cycle ended (or was cancelled): the cycle's
 * duration is the time until its last probe ended. */
void supervisor_cycle_probe_ended(Supervisor *s) {
        if (s->cycle_outstanding == 0 || --s->cycle_outstanding > 0 || s->cycle_next < s->n_checks)
                return;
        cycle_done(s);
}

/* Starts the cycle's next batch of checks, and arms the timer of the one
 * after it; the cycle is done when all are started and none runs. */
static void cycle_start_batch(Supervisor *s) {
        size_t batch = s->cycle_next / CYCLE_BATCH, end = s->cycle_next + CYCLE_BATCH;
        usec_t next_real = s->last_cycle_start + s->config->interval;

        for (; s->cycle_next < s->n_checks && s->cycle_next < end; s->cycle_next++) {
                Check *c = &s->checks[s->cycle_next];

                if (!check_own_pace(s, c) && check_start_probe(c, next_real) > 0) {
                        c->in_cycle = true;
                        s->cycle_outstanding++;
                }
        }
        if (s->cycle_next < s->n_checks) {
                (void) sd_event_source_set_time(s->cycle_feed, s->cycle_start_mono +
                                                policy_cycle_batch_offset(batch + 1, s->n_checks, s->cycle_spread));
                (void) sd_event_source_set_enabled(s->cycle_feed, SD_EVENT_ONESHOT);
        } else if (s->cycle_outstanding == 0)
                cycle_done(s);
}

static int on_cycle_feed(sd_event_source *src, uint64_t usec, void *userdata) {
        cycle_start_batch(userdata);
        return 0;
}

static int on_cycle(sd_event_source *src, uint64_t usec, void *userdata) {
        Supervisor *s = userdata;
        usec_t interval = s->config->interval, timeout = 0;

        s->cycles++;
        s->last_cycle_start = now_usec(CLOCK_REALTIME);
        s->cycle_start_mono = now_usec(CLOCK_MONOTONIC);
        s->cycle_outstanding = 0;
        s->cycle_next = 0; /* a batch of the last cycle still unstarted starts with this one */
        /* Cycles the loop missed (frozen, a stalled machine) are skipped, not
         * run back to back: each would ping the heartbeat at once and cancel
         * the ping before it, and probe nothing new. */
        (void) sd_event_source_set_time(src, usec + interval > s->cycle_start_mono ? usec + interval
                                                                                 : s->cycle_start_mono + interval);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ON);
        log_debug("cycle %" PRIu64, s->cycles);
        news_publish(s, &(News) { .kind = NEWS_CYCLE_STARTED, .cycle = { .number = s->cycles } });
        for (size_t i = 0; s->n_checks > CYCLE_BATCH && i < s->n_checks; i++)
                if (s->checks[i].config->probe.timeout > timeout)
                        timeout = s->checks[i].config->probe.timeout;
        s->cycle_spread = policy_cycle_spread(s->n_checks, interval, timeout);
        cycle_start_batch(s);
        return 0;
}

bool check_own_pace(const Supervisor *s, const Check *c) {
        return c->config->interval != s->config->interval;
}

static int on_pace(sd_event_source *src, uint64_t usec, void *userdata) {
        Check *c = userdata;
        usec_t interval = c->config->interval;

        (void) sd_event_source_set_time(src, usec + interval);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ON);
        (void) check_start_probe(c, now_usec(CLOCK_REALTIME) + interval);
        return 0;
}

void supervisor_pace_check(Supervisor *s, Check *c, usec_t due) {
        usec_t now = now_usec(CLOCK_MONOTONIC);
        int r;

        c->pace = sd_event_source_disable_unref(c->pace);
        if (!check_own_pace(s, c))
                return;
        r = sd_event_add_time(s->event, &c->pace, CLOCK_MONOTONIC, due, USEC_PER_MSEC, on_pace, c);
        if (r < 0) {
                log_error_errno(r, "%s: cannot arm its own timer: %m; it runs with the cycle", c->config->name);
                return;
        }
        (void) sd_event_source_set_description(c->pace, "check-pace");
        c->next_probe = now_usec(CLOCK_REALTIME) + (due > now ? due - now : 0);
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

static void setup_checks(Supervisor *s, const StateFile *saved) {
        const Config *cfg = s->config;

        s->checks = calloc(cfg->n_checks + 1, sizeof(Check));
        if (!s->checks)
                abort();
        for (size_t i = 0; i < cfg->n_checks; i++) {
                const CheckConfig *cc = &cfg->checks[i];
                WatchedUnit *u = units_find(s, cc->unit);
                const StateEntry *e = state_file_find(saved, cc->name);

                if (cfg->skip_missing_units && u && u->view.phase == UNIT_PHASE_MISSING) {
                        log_info("%s: %s is not installed here: not watched", cc->name, cc->unit);
                        continue;
                }
                check_init(&s->checks[s->n_checks], s, cc, u, e ? &e->record : NULL);
                check_setup_state(&s->checks[s->n_checks], NULL);
                supervisor_pace_check(s, &s->checks[s->n_checks++], now_usec(CLOCK_MONOTONIC));
        }
        supervisor_index_checks(s);
}

static int load_state(Supervisor *s, StateFile *saved) {
        _cleanup_free_ char *problem = NULL;
        int r = state_read(s->config->state_directory, saved, &problem);

        if (r == -EBADMSG)
                log_error("state file in %s is corrupt: %s; starting with no history",
                          s->config->state_directory, problem);
        else if (r < 0 && problem) /* the directory itself is refused: nothing in it is safe to write */
                return log_error_errno(r, "state_directory %s is refused: %s", s->config->state_directory, problem);
        else if (r < 0 && r != -ENOENT)
                log_error_errno(r, "cannot read state from %s: %m; starting with no history",
                                s->config->state_directory);
        else if (r >= 0 && saved->repaired > 0)
                log_warning("state file in %s: %u reason%s held bytes that are not UTF-8; repaired, shown as \\xNN",
                            s->config->state_directory, saved->repaired, saved->repaired == 1 ? "" : "s");
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
        r = sd_event_add_time(s->event, &s->cycle_feed, CLOCK_MONOTONIC, 0, USEC_PER_MSEC, on_cycle_feed, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->cycle_feed, SD_EVENT_OFF);
        (void) sd_event_source_set_description(s->cycle_feed, "cycle-feed");
        return sd_event_add_time_relative(s->event, &s->cycle_timer, CLOCK_MONOTONIC, 0,
                                          USEC_PER_MSEC, on_cycle, s);
}

/* The subscribers to the news, in the order they hear it. */
static int subscribe(Supervisor *s) {
        int r;

        r = bus_api_start(s);
        if (r >= 0)
                r = alerting_start(s);
        if (r >= 0)
                drill_setup(s);
        if (r >= 0)
                r = saver_start(s);
        if (r >= 0)
                r = status_line_start(s);
        if (r >= 0)
                r = metrics_start(s);
        return r;
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
        units_setup(s);
        r = load_state(s, &saved);
        if (r < 0)
                goto fail;
        setup_checks(s, &saved);
        state_file_done(&saved);
        r = subscribe(s);
        if (r < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        log_error_errno(r, "cannot start: %m");
        supervisor_free(s);
        return r;
}

int supervisor_run(Supervisor *s) {
        int r;

        news_event(s, EVENT_SUPERVISOR_STARTED, NULL, NULL, "mailsupd %s watching %zu checks, cycle every %" PRIu64 " ms",
                   MAILSUP_VERSION, s->n_checks, s->config->interval / USEC_PER_MSEC);
        (void) saver_save_now(s);
        status_line_update(s);
        (void) sd_notify(false, "READY=1");
        r = sd_event_loop(s->event);
        (void) sd_notify(false, "STOPPING=1");
        news_event(s, EVENT_SUPERVISOR_STOPPING, NULL, NULL, "mailsupd stopping");
        (void) saver_save_now(s);
        return r;
}

Supervisor *supervisor_free(Supervisor *s) {
        if (!s)
                return NULL;
        s->drill = drill_free(s->drill); /* its last steps are still heard */
        s->n_subscribers = 0;           /* then nobody is: their state goes */
        alerting_stop(s); /* before the test alert: it is told its channels are gone */
        test_alert_free(s->test_alert);
        bus_api_stop(s);
        saver_stop(s);
        status_line_stop(s);
        metrics_stop(s);
        for (size_t i = 0; i < s->n_checks; i++)
                check_done(&s->checks[i]);
        free(s->checks);
        strmap_clear(&s->check_index);
        units_free(s);
        unit_manager_free(s->units_manager);
        sd_bus_flush_close_unref(s->bus);
        sd_event_source_disable_unref(s->cycle_timer);
        sd_event_source_disable_unref(s->cycle_feed);
        sd_event_unref(s->event);
        config_free(s->config);
        free(s->config_arg);
        free(s);
        return NULL;
}
