/* drill.c: a fire drill of one check, step by step (see drill.h).
 *
 * The drill adds nothing to the machinery it tests: it freezes the unit,
 * then only watches the news for the events a real outage produces
 * (check-failed, unit-restarted, check-recovered). Its one addition is
 * speed: instead of waiting for the next cycle it probes as soon as a probe
 * is allowed, so "detected" measures the probe's own timeout, and the drill
 * ends in seconds even with a two-minute interval. A deadline bounds it.
 * "notified" is reported when a channel accepted the check-failed alert
 * (or why not), from the Notifier's delivery results.
 */
#include "supervisor/drill.h"

#include <signal.h>
#include <stdarg.h>

#include "common/log.h"
#include "supervisor/alerting.h"
#include "supervisor/bus-api.h"
#include "supervisor/check.h"

#define DRILL_MAX_STEPS 8
#define DRILL_KICK_USEC (250 * USEC_PER_MSEC)

typedef enum DrillStage {
        STAGE_FREEZE,
        STAGE_DETECT,
        STAGE_RESTART,
        STAGE_RECOVER,
        STAGE_DONE,
} DrillStage;

static const char *const stage_steps[] = { "frozen", "detected", "restarted", "recovered" };

typedef struct DrillStep {
        const char *step, *result;      /* static strings */
        usec_t elapsed;
        char detail[192];
} DrillStep;

struct Drill {
        Supervisor *sup;
        char *check, *unit;
        sd_bus_message *call;           /* answered at the end */
        sd_bus_slot *kill;
        sd_event_source *kick, *deadline;
        usec_t started;                 /* CLOCK_MONOTONIC */
        usec_t started_rt;              /* CLOCK_REALTIME, to tell our alert from older ones */
        bool notify_pending;            /* the check-failed alert is out, no channel accepted it yet */
        bool notify_failed;             /* a failed attempt was reported */
        DrillStage stage;
        bool frozen;                    /* SIGSTOP sent, no restart since */
        DrillStep steps[DRILL_MAX_STEPS];
        size_t n_steps;
};

bool drill_running_on(const Supervisor *s, const Check *c) {
        return s->drill && streq(s->drill->check, c->config->name);
}

const char *drill_check_name(const Supervisor *s) {
        return s->drill ? s->drill->check : "";
}

static void add_step(Drill *d, const char *step, const char *result, const char *fmt, ...) _printf_(4, 5);
static void add_step(Drill *d, const char *step, const char *result, const char *fmt, ...) {
        DrillStep *st;
        va_list ap;

        if (d->n_steps >= DRILL_MAX_STEPS)
                return;
        st = &d->steps[d->n_steps++];
        *st = (DrillStep) { .step = step, .result = result, .elapsed = now_usec(CLOCK_MONOTONIC) - d->started };
        va_start(ap, fmt);
        vsnprintf(st->detail, sizeof(st->detail), fmt, ap);
        va_end(ap);
        log_info("%s: drill: %s %s after %.1f ms: %s", d->check, step, result,
                 (double) st->elapsed / USEC_PER_MSEC, st->detail);
        news_publish(d->sup, &(News) { .kind = NEWS_DRILL_STEP, .drill_step = { .check = d->check, .step = step,
                                       .result = result, .detail = st->detail, .elapsed = st->elapsed } });
}

static int reply(Drill *d, bool ok) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_return(d->call, &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "b", (int) ok);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', MAILSUP_DRILL_STEP_SIGNATURE);
        for (size_t i = 0; r >= 0 && i < d->n_steps; i++)
                r = sd_bus_message_append(m, MAILSUP_DRILL_STEP_SIGNATURE, d->steps[i].step,
                                          TEXT_OUT(d->steps[i].result), (uint64_t) d->steps[i].elapsed,
                                          TEXT_OUT(d->steps[i].detail));
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_send(NULL, m, NULL);
        return r;
}

/* A drill that did not get a restart must not leave the service frozen. */
static void thaw(Drill *d) {
        int r;

        if (!d->frozen)
                return;
        d->frozen = false;
        r = unit_kill(d->sup->units_manager, d->unit, "all", SIGCONT, NULL, NULL, NULL);
        if (r < 0)
                log_error_errno(r, "drill: cannot thaw %s (kill -CONT its processes by hand): %m", d->unit);
        else
                add_step(d, "thawed", "ok", "SIGCONT sent to every process of %s", d->unit);
}

static void finish(Drill *d, bool ok) {
        Supervisor *s = d->sup;

        thaw(d);
        if (d->notify_pending)
                add_step(d, "notified", "not-reached", "no channel accepted the alert yet (it stays in the outbox)");
        for (DrillStage st = d->stage; st < STAGE_DONE; st++)
                if (d->n_steps < DRILL_MAX_STEPS)
                        d->steps[d->n_steps++] = (DrillStep) { .step = stage_steps[st], .result = "not-reached" };
        d->stage = STAGE_DONE;
        news_event(s, EVENT_DRILL_FINISHED, d->check, d->unit, "drill %s after %.1f s", ok ? "passed" : "FAILED",
                   (double) (now_usec(CLOCK_MONOTONIC) - d->started) / USEC_PER_SEC);
        if (reply(d, ok) < 0)
                log_warning("drill: the caller went away before the result");
        s->drill = drill_free(d);
}

static int on_kick(sd_event_source *src, uint64_t usec, void *userdata) {
        Drill *d = userdata;
        Check *c = supervisor_find_check(d->sup, d->check);

        if (!c) {
                finish(d, false);
                return 0;
        }
        (void) sd_event_source_set_time(src, usec + DRILL_KICK_USEC);
        /* Probe as soon as the policy allows: after the freeze, after the
         * grace. Last: a probe that cannot start ends the drill at once. */
        if ((d->stage == STAGE_DETECT || d->stage == STAGE_RECOVER) && !c->probe && !c->awaiting_unit)
                (void) check_start_probe(c, c->next_probe);
        return 0;
}

static int on_deadline(sd_event_source *src, uint64_t usec, void *userdata) {
        Drill *d = userdata;
        char buf[32];

        add_step(d, stage_steps[d->stage < STAGE_DONE ? d->stage : STAGE_RECOVER], "timeout", "not within %s",
                 format_duration(buf, sizeof(buf), now_usec(CLOCK_MONOTONIC) - d->started));
        d->stage++;
        finish(d, false);
        return 0;
}

static void on_frozen(const char *unit, int error, const char *message, void *userdata) {
        Drill *d = userdata;

        d->kill = sd_bus_slot_unref(d->kill);
        if (error < 0) {
                add_step(d, "frozen", "failed", "KillUnit(%s, all, SIGSTOP): %s", unit, message ?: strerror(-error));
                d->stage = STAGE_DETECT;
                finish(d, false);
                return;
        }
        d->frozen = true;
        add_step(d, "frozen", "ok", "SIGSTOP sent to every process of %s", unit);
        d->stage = STAGE_DETECT;
        (void) sd_event_source_set_time(d->kick, now_usec(CLOCK_MONOTONIC));
        (void) sd_event_source_set_enabled(d->kick, SD_EVENT_ON);
}

/* What happened to the drill's check, and why. */
static void observe(Drill *d, Check *c, EventKind why) {
        EventSeverity sev = event_kind_severity(EVENT_CHECK_FAILED);

        if (!streq(d->check, c->config->name))
                return;
        if (why == EVENT_CHECK_FAILED && d->stage == STAGE_DETECT) {
                add_step(d, "detected", "ok", "%s", c->rec.reason);
                /* Said when a channel answers (notified()); never pretended. */
                if (!alerting_channel(c->sup, 0, NULL))
                        add_step(d, "notified", "skipped", "no notification channels configured");
                else if (alerting_channels_for(c->sup, sev) == 0)
                        add_step(d, "notified", "skipped", "no channel takes %s notifications",
                                 severity_to_string(sev));
                else
                        d->notify_pending = true;
                d->stage = STAGE_RESTART;
        } else if (why == EVENT_UNIT_RESTARTED && d->stage == STAGE_RESTART) {
                d->frozen = false; /* a new process, not the frozen one */
                add_step(d, "restarted", "ok", "RestartUnit(%s) job done", d->unit);
                d->stage = STAGE_RECOVER;
        } else if ((why == EVENT_RESTART_FAILED || why == EVENT_CHECK_DISABLED) && d->stage <= STAGE_RESTART) {
                add_step(d, "restarted", "failed", why == EVENT_CHECK_DISABLED ?
                         "the check was disabled instead of restarted" : "the restart of %s failed", d->unit);
                d->stage = STAGE_RECOVER;
                finish(d, false);
        } else if (why == EVENT_CHECK_RECOVERED && d->stage == STAGE_RECOVER) {
                add_step(d, "recovered", "ok", "%s", c->rec.reason);
                d->stage = STAGE_DONE;
                finish(d, true);
        }
}

/* A delivery result: the "notified" step, when it is the drill's check-failed alert. */
static void notified(Drill *d, const News *news) {
        const Notification *n = news->delivery.notification;
        const char *channel = news->delivery.channel, *reason = news->delivery.reason;
        int r = news->delivery.error;

        if (!d->notify_pending || news->delivery.kind != EVENT_CHECK_FAILED || !streq(n->check, d->check) ||
            n->phase != NOTIFY_FIRING || n->time < d->started_rt)
                return;
        if (r >= 0) {
                d->notify_pending = false;
                add_step(d, "notified", "ok", "accepted by %s", channel);
        } else if (!d->notify_failed) {
                d->notify_failed = true;
                add_step(d, "notified", "failed", "%s: %s (retrying)", channel, reason);
        }
}

static void on_news(Supervisor *s, const News *n, void *userdata) {
        if (!s->drill)
                return;
        if (n->kind == NEWS_CHECK)
                observe(s->drill, n->check.check, n->check.why);
        else if (n->kind == NEWS_DELIVERY)
                notified(s->drill, n);
}

void drill_setup(Supervisor *s) {
        news_subscribe(s, "drill", on_news, NULL);
}

/* Why a drill of c may not run, or NULL. Written into buf. */
static const char *refusal(const Check *c, char *buf, size_t size) {
        const CheckConfig *cc = c->config;
        const char *name = cc->name;
        unsigned n = policy_restarts_in_window(&c->rec.policy, cc->restart_window);

        if (c->sup->drill)
                snprintf(buf, size, "a drill of '%s' is running", c->sup->drill->check);
        else if (c->rec.policy.disabled)
                snprintf(buf, size, "'%s' is disabled: a drill never runs on a disabled check", name);
        else if (!c->unit || c->config->action != CHECK_ACTION_RESTART)
                snprintf(buf, size, "'%s' has action = %s%s: a drill needs a unit to restart", name,
                         check_action_to_string(c->config->action), c->unit ? "" : " and no unit");
        else if (check_state(c) != CHECK_STATE_OK)
                snprintf(buf, size, "'%s' is %s: a drill starts from a healthy check", name,
                         check_state_to_string(check_state(c)));
        else if (n >= cc->restart_limit)
                snprintf(buf, size, "the window of '%s' already holds %u of %u restarts: the drill would "
                         "disable it (mailsupctl reset %s first)", name, n, cc->restart_limit, name);
        else
                return NULL;
        return buf;
}

static int drill_new(Check *c, sd_bus_message *call, Drill **ret) {
        Supervisor *s = c->sup;
        /* Detection takes a probe timeout, recovery the grace and another. */
        usec_t limit = 2 * c->config->timeout + c->config->restart_grace + 60 * USEC_PER_SEC;
        Drill *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        *d = (Drill) { .sup = s, .check = xstrdup(c->config->name), .unit = xstrdup(c->config->unit),
                       .call = sd_bus_message_ref(call), .started = now_usec(CLOCK_MONOTONIC),
                       .started_rt = now_usec(CLOCK_REALTIME) };
        r = sd_event_add_time_relative(s->event, &d->kick, CLOCK_MONOTONIC, DRILL_KICK_USEC, 0, on_kick, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->kick, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &d->deadline, CLOCK_MONOTONIC, limit, 0, on_deadline, d);
        if (r < 0) {
                d->call = sd_bus_message_unref(d->call);
                drill_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

int drill_start(Check *c, sd_bus_message *call, sd_bus_error *error) {
        Supervisor *s = c->sup;
        char why[256];
        Drill *d;
        int r;

        if (refusal(c, why, sizeof(why)))
                return sd_bus_error_setf(error, s->drill ? MAILSUP_ERROR_BUSY : MAILSUP_ERROR_REFUSED, "%s", why);
        r = drill_new(c, call, &d);
        if (r < 0)
                return r;
        news_event(s, EVENT_DRILL_STARTED, d->check, d->unit, "drill started by the operator: freezing every process of %s",
                   d->unit);
        r = unit_kill(s->units_manager, d->unit, "all", SIGSTOP, on_frozen, d, &d->kill);
        if (r < 0) {
                d->call = sd_bus_message_unref(d->call);
                drill_free(d);
                return sd_bus_error_set_errnof(error, r, "cannot freeze %s: %m", c->config->unit);
        }
        s->drill = d;
        return 1;
}

Drill *drill_free(Drill *d) {
        if (!d)
                return NULL;
        if (d->stage != STAGE_DONE && d->call) {
                /* mailsupd is stopping in the middle of a drill. */
                thaw(d);
                (void) sd_bus_reply_method_errorf(d->call, MAILSUP_ERROR_REFUSED, "mailsupd stopped during the drill");
        }
        sd_bus_slot_unref(d->kill);
        sd_event_source_disable_unref(d->kick);
        sd_event_source_disable_unref(d->deadline);
        sd_bus_message_unref(d->call);
        free(d->check);
        free(d->unit);
        free(d);
        return NULL;
}
