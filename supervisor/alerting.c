/* alerting.c: events and conditions to the Notifier, the heartbeat per cycle.
 *
 * Alerting must not depend on what it watches: channels are libcurl
 * transfers on the same loop (a dead receiver costs its own timeout, never
 * a probe), and every notification is in the outbox, fsynced, before its
 * first attempt, so neither a channel that is down nor a SIGKILL loses it.
 * Conditions alert on change, not on every cycle; the heartbeat tells an
 * outside monitor each cycle that mailsupd still runs and how things are,
 * and stops when the loop does (SIGSTOP, a hang): that silence pages.
 *
 * Everything arrives as news (news.h); each delivery result goes back out
 * as news too (NEWS_DELIVERY), for the drill's "notified" step.
 *
 * See also: alerting.h, notify/notifier.h, notify/heartbeat.h, test-alert.c.
 */
#include "supervisor/alerting.h"

#include <inttypes.h>
#include <sys/stat.h>

#include "common/log.h"
#include "supervisor/check.h"

#define SUMMARY_MAX 4096

typedef struct Alerting {
        Notifier *notifier;             /* NULL if the outbox cannot be opened */
        Heartbeat *heartbeat;           /* NULL without heartbeat_url */
} Alerting;

/* A one-off event, if the table says it is notified. */
static void notify_event(Supervisor *s, Alerting *a, const News *news) {
        const Check *c = news->event.check ? supervisor_find_check(s, news->event.check) : NULL;
        EventKind kind = news->event.kind;
        Notification n = { .severity = event_kind_severity(kind), .phase = NOTIFY_EVENT };

        if (!a->notifier || event_kind_alert(kind) != EVENT_ALERT_ONCE || (c && c->config->action == CHECK_ACTION_NONE))
                return;
        notification_set(n.kind, event_kind_to_string(kind));
        notification_set(n.check, news->event.check);
        notification_set(n.unit, news->event.unit);
        notification_set(n.reason, news->event.message);
        if (c)
                notification_set(n.state, check_state_to_string(check_state(c)));
        (void) notifier_submit(a->notifier, &n);
}

static void on_delivery(const Notification *n, const char *channel, int r, const char *reason, void *userdata) {
        EventKind kind;

        if (event_kind_from_string(n->kind, &kind) < 0)
                kind = _EVENT_KIND_MAX;
        news_publish(userdata, &(News) { .kind = NEWS_DELIVERY, .delivery = { .notification = n, .kind = kind,
                                         .channel = channel, .error = r, .reason = reason } });
}

static void on_drop(const Notification *n, const char *channel, int r, const char *reason, void *userdata) {
        news_publish(userdata, &(News) { .kind = NEWS_DROPPED, .delivery = { .notification = n, .kind = _EVENT_KIND_MAX,
                                         .channel = channel, .error = r, .reason = reason } });
}

static int make_notifier(Supervisor *s, Alerting *a) {
        _cleanup_free_ char *dir = NULL;
        const Config *cfg = s->config;
        NotifierOptions o = { .outbox_max = cfg->outbox_max, .reminder = cfg->reminder };
        int r;

        if (asprintf(&dir, "%s/outbox", cfg->state_directory) < 0)
                return -ENOMEM;
        /* The state file may not have been written yet: its directory first. */
        if (mkdir(cfg->state_directory, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "cannot create %s: %m; notifications are off", cfg->state_directory);
        o.outbox_dir = dir;
        r = notifier_new(s->event, &o, &a->notifier);
        if (r < 0)
                return log_error_errno(r, "cannot open the outbox %s: %m; notifications are off", dir);
        notifier_set_observer(a->notifier, on_delivery, s);
        notifier_set_drop_observer(a->notifier, on_drop, s);
        r = notifier_set_channels(a->notifier, cfg->channels, cfg->n_channels);
        if (r < 0)
                log_error_errno(r, "cannot set up the notification channels: %m");
        return 0;
}

static void make_heartbeat(Supervisor *s, Alerting *a) {
        const Config *cfg = s->config;
        HeartbeatConfig hc = { .url = cfg->heartbeat_url, .method = cfg->heartbeat_method,
                               .report_failures = cfg->heartbeat_report_failures,
                               .send_start = cfg->heartbeat_start, .timeout = cfg->timeout };
        int r;

        a->heartbeat = heartbeat_free(a->heartbeat);
        if (!cfg->heartbeat_url)
                return;
        r = heartbeat_new(s->event, &hc, &a->heartbeat);
        if (r < 0)
                log_error_errno(r, "cannot set up the heartbeat to %s: %m", cfg->heartbeat_url);
}

/* After a reload swapped s->config: channels, reminder and heartbeat follow. */
static void follow_config(Supervisor *s, Alerting *a) {
        make_heartbeat(s, a);
        if (!a->notifier)
                return;
        notifier_set_reminder(a->notifier, s->config->reminder);
        if (notifier_set_channels(a->notifier, s->config->channels, s->config->n_channels) < 0)
                log_error("cannot set up the new notification channels");
}

/* A check that is gone cannot recover: end what it had open. */
static void resolve_removed(Alerting *a, const char *name) {
        Notification n = {};

        if (!a->notifier)
                return;
        for (EventKind k = 0; k < _EVENT_KIND_MAX; k++) {
                if (event_kind_alert(k) != EVENT_ALERT_CONDITION)
                        continue;
                notification_set(n.kind, event_kind_to_string(k));
                notification_set(n.check, name);
                notification_set(n.reason, "check removed from the configuration");
                (void) notifier_condition(a->notifier, &n, false);
        }
}

static void condition(Alerting *a, const Check *c, EventKind kind, bool active, const char *reason) {
        Notification n = { .severity = event_kind_severity(kind) };

        notification_set(n.kind, event_kind_to_string(kind));
        notification_set(n.check, c->config->name);
        notification_set(n.unit, c->config->unit);
        notification_set(n.state, check_state_to_string(check_state(c)));
        notification_set(n.reason, reason);
        (void) notifier_condition(a->notifier, &n, active);
}

/* c's conditions, now (every change of c, and every cycle for reminders). */
static void check_conditions(Alerting *a, const Check *c) {
        const CheckRecord *rec = &c->rec;
        bool disabled = rec->policy.disabled, bad = rec->has_result && !rec->ok;
        unsigned window = c->config->restart_window;
        char why[STATE_REASON_MAX + 96];

        if (!a->notifier || c->config->action == CHECK_ACTION_NONE)
                return;
        condition(a, c, EVENT_CHECK_FAILED, bad && !disabled && c->threshold == PROBE_SEVERITY_NONE, rec->reason);
        condition(a, c, EVENT_THRESHOLD_WARNING, bad && c->threshold == PROBE_SEVERITY_WARNING, rec->reason);
        condition(a, c, EVENT_THRESHOLD_CRITICAL, bad && c->threshold == PROBE_SEVERITY_CRITICAL, rec->reason);
        if (disabled)
                snprintf(why, sizeof(why), "%s: failed to restart after %u attempts within %u cycles: %s",
                         c->config->name, policy_restarts_in_window(&rec->policy, window), window, rec->reason);
        else
                snprintf(why, sizeof(why), "%s: enabled again%s%s", c->config->name, rec->has_result ? ": " : "",
                         rec->has_result ? rec->reason : "");
        condition(a, c, EVENT_CHECK_DISABLED, disabled, why);
}

static void cycle_started(Supervisor *s, Alerting *a) {
        for (size_t i = 0; i < s->n_checks; i++)
                check_conditions(a, &s->checks[i]); /* reminders fall due here */
        if (a->heartbeat)
                (void) heartbeat_ping(a->heartbeat, HEARTBEAT_START, NULL, 0);
}

static void cycle_done(Supervisor *s, Alerting *a, usec_t duration) {
        char summary[SUMMARY_MAX];
        bool healthy = streq(supervisor_state(s), "running");
        const HeartbeatStats *st;

        if (!a->heartbeat)
                return;
        st = heartbeat_stats(a->heartbeat);
        supervisor_summary(s, true, summary, sizeof(summary));
        log_debug("heartbeat: %s after cycle %" PRIu64 " (%" PRIu64 " sent, %" PRIu64 " failed%s%s)",
                  healthy ? "success" : "fail", s->cycles, st->sent, st->failed, st->last_error[0] ? ": " : "",
                  st->last_error);
        (void) heartbeat_ping(a->heartbeat, healthy ? HEARTBEAT_SUCCESS : HEARTBEAT_FAIL, summary, duration);
}

static void on_news(Supervisor *s, const News *n, void *userdata) {
        Alerting *a = userdata;

        switch (n->kind) {
        case NEWS_EVENT: notify_event(s, a, n); break;
        case NEWS_CHECK: check_conditions(a, n->check.check); break;
        case NEWS_CHECK_REMOVED: resolve_removed(a, n->removed.name); break;
        case NEWS_CYCLE_STARTED: cycle_started(s, a); break;
        case NEWS_CYCLE_DONE: cycle_done(s, a, n->cycle.duration); break;
        case NEWS_RELOADED: follow_config(s, a); break;
        default: break;
        }
}

int alerting_start(Supervisor *s) {
        Alerting *a = calloc(1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        s->alerting = a;
        /* An outbox that cannot be opened turns alerting off, never the checks. */
        (void) make_notifier(s, a);
        make_heartbeat(s, a);
        news_subscribe(s, "alerting", on_news, a);
        return 0;
}

void alerting_stop(Supervisor *s) {
        Alerting *a = s->alerting;

        if (!a)
                return;
        notifier_free(a->notifier);
        heartbeat_free(a->heartbeat);
        free(a);
        s->alerting = NULL;
}

void alerting_get_status(const Supervisor *s, AlertingStatus *ret) {
        const Alerting *a = s->alerting;

        *ret = (AlertingStatus) { .heartbeat_state = "not-configured" };
        if (a && a->notifier)
                notifier_get_stats(a->notifier, &ret->notifier);
        if (!a || !a->heartbeat)
                return;
        ret->heartbeat = *heartbeat_stats(a->heartbeat);
        ret->heartbeat_state = ret->heartbeat.last_result > 0 ? "ok" : ret->heartbeat.last_result < 0 ? "failing"
                                                                                                     : "waiting";
}

const char *alerting_channel(const Supervisor *s, size_t i, size_t *ret_pending) {
        const char *name = s->alerting && s->alerting->notifier ? notifier_channel_name(s->alerting->notifier, i)
                                                                : NULL;

        if (name && ret_pending)
                *ret_pending = notifier_channel_pending(s->alerting->notifier, name);
        return name;
}

size_t alerting_channels_for(const Supervisor *s, EventSeverity sev) {
        size_t n = 0;

        for (size_t i = 0; s->alerting && s->alerting->notifier && i < s->config->n_channels; i++)
                n += s->config->channels[i].min_severity <= sev;
        return n;
}

int alerting_test(Supervisor *s, const Notification *n, NotifierResultCallback cb, void *userdata) {
        if (!s->alerting || !s->alerting->notifier)
                return -ENOTCONN;
        return notifier_test(s->alerting->notifier, n, cb, userdata);
}
