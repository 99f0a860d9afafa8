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
 * See also: alerting.h, notify/notifier.h, notify/heartbeat.h, test-alert.c.
 */
#include "supervisor/alerting.h"

#include <inttypes.h>
#include <sys/stat.h>

#include "supervisor/check.h"
#include "supervisor/drill.h"
#include "common/log.h"

#define SUMMARY_MAX 4096

static bool wants_notify(EventKind kind) {
        switch (kind) {
        case EVENT_SUPERVISOR_STARTED:
        case EVENT_SUPERVISOR_STOPPING:
        case EVENT_UNIT_RESTARTED:
        case EVENT_RESTART_FAILED:
        case EVENT_CHECK_RECOVERED:
        case EVENT_CHECK_RESET:
                return true;
        default:
                /* check-failed, check-disabled, threshold-breached are conditions
                 * (alerting_check), with reminders and a resolved end. */
                return false;
        }
}

static void on_event(EventKind kind, const char *check, const char *unit, const char *message, void *userdata) {
        Supervisor *s = userdata;
        const Check *c = check ? supervisor_find_check(s, check) : NULL;
        Notification n;

        if (!s->notifier || !wants_notify(kind) || (c && c->config->action == CHECK_ACTION_NONE))
                return;
        notification_from_event(&n, kind, check, unit, message);
        if (c)
                notification_set(n.state, check_state_to_string(check_state(c)));
        (void) notifier_submit(s->notifier, &n);
}

static void on_delivery(const Notification *n, const char *channel, int r, const char *reason, void *userdata) {
        drill_notified(userdata, n, channel, r, reason);
}

static int make_notifier(Supervisor *s) {
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
        r = notifier_new(s->event, &o, &s->notifier);
        if (r < 0)
                return log_error_errno(r, "cannot open the outbox %s: %m; notifications are off", dir);
        notifier_set_observer(s->notifier, on_delivery, s);
        r = notifier_set_channels(s->notifier, cfg->channels, cfg->n_channels);
        if (r < 0)
                log_error_errno(r, "cannot set up the notification channels: %m");
        return 0;
}

static void make_heartbeat(Supervisor *s) {
        const Config *cfg = s->config;
        HeartbeatConfig hc = { .url = cfg->heartbeat_url, .method = cfg->heartbeat_method,
                               .report_failures = cfg->heartbeat_report_failures,
                               .send_start = cfg->heartbeat_start, .timeout = cfg->timeout };
        int r;

        s->heartbeat = heartbeat_free(s->heartbeat);
        if (!cfg->heartbeat_url)
                return;
        r = heartbeat_new(s->event, &hc, &s->heartbeat);
        if (r < 0)
                log_error_errno(r, "cannot set up the heartbeat to %s: %m", cfg->heartbeat_url);
}

int alerting_start(Supervisor *s) {
        /* An outbox that cannot be opened turns alerting off, never the checks. */
        (void) make_notifier(s);
        make_heartbeat(s);
        event_set_sink(on_event, s);
        return 0;
}

static const char *const condition_kinds[] = { "check-failed", "check-disabled", "threshold-warning",
                                                "threshold-critical" };

void alerting_reload(Supervisor *s, char **removed) {
        Notification n = {};

        make_heartbeat(s);
        if (!s->notifier)
                return;
        notifier_set_reminder(s->notifier, s->config->reminder);
        if (notifier_set_channels(s->notifier, s->config->channels, s->config->n_channels) < 0)
                log_error("cannot set up the new notification channels");
        /* A check that is gone cannot recover: end what it had open. */
        for (size_t i = 0; removed && removed[i]; i++)
                for (size_t k = 0; k < ELEMENTSOF(condition_kinds); k++) {
                        notification_set(n.kind, condition_kinds[k]);
                        notification_set(n.check, removed[i]);
                        notification_set(n.reason, "check removed from the configuration");
                        (void) notifier_condition(s->notifier, &n, false);
                }
}

void alerting_stop(Supervisor *s) {
        event_set_sink(NULL, NULL);
        s->notifier = notifier_free(s->notifier);
        s->heartbeat = heartbeat_free(s->heartbeat);
}

static void condition(Check *c, const char *kind, EventSeverity sev, bool active, const char *reason) {
        Notification n = { .severity = sev };

        notification_set(n.kind, kind);
        notification_set(n.check, c->config->name);
        notification_set(n.unit, c->config->unit);
        notification_set(n.state, check_state_to_string(check_state(c)));
        notification_set(n.reason, reason);
        (void) notifier_condition(c->sup->notifier, &n, active);
}

void alerting_check(Check *c) {
        const CheckRecord *rec = &c->rec;
        bool disabled = rec->policy.disabled, bad = rec->has_result && !rec->ok;
        const Config *cfg = c->sup->config;
        char why[STATE_REASON_MAX + 96];

        if (!c->sup->notifier || c->config->action == CHECK_ACTION_NONE)
                return;
        condition(c, "check-failed", SEVERITY_WARNING, bad && !disabled && c->threshold == PROBE_SEVERITY_NONE,
                  rec->reason);
        condition(c, "threshold-warning", SEVERITY_WARNING, bad && c->threshold == PROBE_SEVERITY_WARNING,
                  rec->reason);
        condition(c, "threshold-critical", SEVERITY_CRITICAL, bad && c->threshold == PROBE_SEVERITY_CRITICAL,
                  rec->reason);
        if (disabled)
                snprintf(why, sizeof(why), "%s: failed to restart after %u attempts within %u cycles: %s",
                         c->config->name, policy_restarts_in_window(&rec->policy, cfg->restart_window),
                         cfg->restart_window, rec->reason);
        else
                snprintf(why, sizeof(why), "%s: enabled again%s%s", c->config->name, rec->has_result ? ": " : "",
                         rec->has_result ? rec->reason : "");
        condition(c, "check-disabled", SEVERITY_CRITICAL, disabled, why);
}

void alerting_cycle_started(Supervisor *s) {
        for (size_t i = 0; i < s->n_checks; i++)
                alerting_check(&s->checks[i]); /* reminders fall due here */
        if (s->heartbeat)
                (void) heartbeat_ping(s->heartbeat, HEARTBEAT_START, NULL, 0);
}

void alerting_summary(const Supervisor *s, bool details, char *buf, size_t size) {
        unsigned n[_CHECK_STATE_MAX] = {};
        char names[256] = "";
        size_t len = 0, l;
        bool first = true;

        for (size_t i = 0; i < s->n_checks; i++) {
                CheckState st = check_state(&s->checks[i]);
                n[st]++;
                if ((st == CHECK_STATE_FAILING || st == CHECK_STATE_DISABLED) && len < sizeof(names))
                        len += snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
                                        s->checks[i].config->name);
        }
        l = (size_t) snprintf(buf, size, "%zu check%s:", s->n_checks, s->n_checks == 1 ? "" : "s");
        for (int st = 0; st < _CHECK_STATE_MAX && l < size; st++)
                if (n[st] > 0) {
                        l += (size_t) snprintf(buf + l, size - l, "%s %u %s", first ? "" : ",", n[st],
                                               check_state_to_string((CheckState) st));
                        first = false;
                }
        if (len && l < size)
                l += (size_t) snprintf(buf + l, size - l, " (%s)", names);
        for (size_t i = 0; details && i < s->n_checks && l < size; i++) {
                const Check *c = &s->checks[i];
                CheckState st = check_state(c);

                if (st != CHECK_STATE_OK)
                        l += (size_t) snprintf(buf + l, size - l, "\n%s %s: %s", c->config->name,
                                               check_state_to_string(st), c->rec.has_result ? c->rec.reason : "");
        }
}

void alerting_cycle_done(Supervisor *s, usec_t duration) {
        char summary[SUMMARY_MAX];
        bool healthy = streq(supervisor_state(s), "running");

        if (!s->heartbeat)
                return;
        alerting_summary(s, true, summary, sizeof(summary));
        log_debug("heartbeat: %s after cycle %" PRIu64 " (%" PRIu64 " sent, %" PRIu64 " failed%s%s)",
                  healthy ? "success" : "fail", s->cycles, heartbeat_stats(s->heartbeat)->sent,
                  heartbeat_stats(s->heartbeat)->failed, heartbeat_stats(s->heartbeat)->last_error[0] ? ": " : "",
                  heartbeat_stats(s->heartbeat)->last_error);
        (void) heartbeat_ping(s->heartbeat, healthy ? HEARTBEAT_SUCCESS : HEARTBEAT_FAIL, summary, duration);
}

const char *alerting_heartbeat_state(const Supervisor *s) {
        if (!s->heartbeat)
                return "not-configured";
        switch (heartbeat_stats(s->heartbeat)->last_result) {
        case 1: return "ok";
        case -1: return "failing";
        default: return "waiting";
        }
}

size_t alerting_channels_for(const Supervisor *s, EventSeverity sev) {
        size_t n = 0;

        for (size_t i = 0; i < s->config->n_channels; i++)
                n += s->config->channels[i].min_severity <= sev;
        return n;
}
