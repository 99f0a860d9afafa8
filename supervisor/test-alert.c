/* test-alert.c: the TestAlert method: does every channel work right now?
 *
 * An operator who sets up alerting wants to know today, not at the first
 * outage, whether a page arrives. So the test is a real notification sent
 * to each channel directly (notifier_test(), not through the outbox, whose
 * retries would hide a dead channel), and the reply waits for each answer:
 * accepted, refused with the reason, or no answer before the deadline.
 *
 * See also: bus-api.c (the method), notify/notifier-test.c.
 */
#include "supervisor/test-alert.h"

#include "common/log.h"
#include "supervisor/alerting.h"
#include "supervisor/bus-api.h"

#define TEST_ALERT_SLACK (2 * USEC_PER_SEC)
#define TEST_ALERT_MAX (20 * USEC_PER_SEC)   /* under the bus call timeout (25s) */

typedef struct TestResult {
        char channel[64];
        bool answered, accepted;
        char detail[256];
} TestResult;

struct TestAlert {
        Supervisor *sup;
        sd_bus_message *call;
        sd_event_source *deadline;
        usec_t time;                    /* the test notification's, to tell its answers */
        bool starting;                  /* answers may come inside notifier_test() */
        size_t n, answered;
        TestResult results[];
};

TestAlert *test_alert_free(TestAlert *t) {
        if (!t)
                return NULL;
        if (t->call)
                (void) sd_bus_reply_method_errorf(t->call, MAILSUP_ERROR_REFUSED, "mailsupd stopped during the test");
        if (t->sup->test_alert == t)
                t->sup->test_alert = NULL;
        sd_event_source_disable_unref(t->deadline);
        sd_bus_message_unref(t->call);
        free(t);
        return NULL;
}

static int reply(TestAlert *t) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_return(t->call, &m);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sbs)");
        for (size_t i = 0; r >= 0 && i < t->n; i++)
                r = sd_bus_message_append(m, "(sbs)", t->results[i].channel, (int) t->results[i].accepted,
                                          TEXT_OUT(t->results[i].detail));
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_send(NULL, m, NULL);
        t->call = sd_bus_message_unref(t->call);
        return r;
}

static void finish(TestAlert *t) {
        size_t ok = 0;

        for (size_t i = 0; i < t->n; i++)
                ok += t->results[i].accepted;
        news_event(t->sup, EVENT_TEST_ALERT, NULL, NULL, "test alert: %zu of %zu channel%s accepted", ok, t->n,
                   t->n == 1 ? "" : "s");
        if (reply(t) < 0)
                log_warning("test alert: the caller went away before the result");
        test_alert_free(t);
}

static void on_result(const Notification *n, const char *channel, int r, const char *reason, void *userdata) {
        Supervisor *s = userdata;
        TestAlert *t = s->test_alert;

        if (!t || n->time != t->time)
                return; /* the answer to a test that already ended */
        for (size_t i = 0; i < t->n; i++) {
                TestResult *res = &t->results[i];

                if (res->answered || !streq(res->channel, channel))
                        continue;
                res->answered = true;
                res->accepted = r >= 0;
                snprintf(res->detail, sizeof(res->detail), "%s", reason);
                t->answered++;
                break;
        }
        if (t->answered == t->n && !t->starting)
                finish(t);
}

static int on_deadline(sd_event_source *src, uint64_t usec, void *userdata) {
        finish(userdata);
        return 0;
}

static int reply_empty(Supervisor *s, sd_bus_message *call) {
        news_event(s, EVENT_TEST_ALERT, NULL, NULL, "test alert requested: no notification channels configured, nothing sent");
        return sd_bus_reply_method_return(call, "a(sbs)", 0);
}

static usec_t deadline_for(const Config *cfg) {
        usec_t d = 0;

        for (size_t i = 0; i < cfg->n_channels; i++)
                d = cfg->channels[i].timeout > d ? cfg->channels[i].timeout : d;
        d += TEST_ALERT_SLACK;
        return d < TEST_ALERT_MAX ? d : TEST_ALERT_MAX;
}

int test_alert_start(Supervisor *s, sd_bus_message *call, sd_bus_error *error) {
        Notification n = { .severity = SEVERITY_INFO, .phase = NOTIFY_EVENT };
        usec_t limit = deadline_for(s->config);
        TestAlert *t;
        int r;

        if (!alerting_channel(s, 0, NULL))
                return reply_empty(s, call);
        if (s->test_alert)
                return sd_bus_error_setf(error, MAILSUP_ERROR_BUSY, "a test alert is running");
        t = calloc(1, sizeof(*t) + s->config->n_channels * sizeof(TestResult));
        if (!t)
                return -ENOMEM;
        *t = (TestAlert) { .sup = s, .call = sd_bus_message_ref(call), .time = now_usec(CLOCK_REALTIME) };
        for (const char *name; t->n < s->config->n_channels && (name = alerting_channel(s, t->n, NULL)); t->n++) {
                t->results[t->n] = (TestResult) { .detail = "no answer before the deadline" };
                snprintf(t->results[t->n].channel, sizeof(t->results[t->n].channel), "%s", name);
        }
        r = sd_event_add_time_relative(s->event, &t->deadline, CLOCK_MONOTONIC, limit, 0, on_deadline, t);
        if (r < 0) {
                t->call = sd_bus_message_unref(t->call);
                return test_alert_free(t), r;
        }
        s->test_alert = t;
        notification_set(n.kind, event_kind_to_string(EVENT_TEST_ALERT));
        snprintf(n.reason, sizeof(n.reason), "test notification requested with mailsupctl test-alert: no action needed");
        n.time = t->time;
        t->starting = true;
        (void) alerting_test(s, &n, on_result, s);
        t->starting = false;
        if (t->answered == t->n)
                finish(t);
        return 1;
}
