/* test-notify-alertmanager.c: alerts into a real Prometheus Alertmanager.
 *
 * prometheus-alertmanager from Debian, started on a free loopback port with
 * its own config and storage (cluster off). What an operator would see in
 * Alertmanager: a condition that starts is an active alert with our labels
 * (alertname, check, unit, instance, severity); it is re-sent while it lasts
 * (resend_interval); a resolved notification ends it at once (endsAt), long
 * before Alertmanager's own resolve_timeout. Alertmanager down at first: the
 * alert waits in the outbox and arrives when it is up.
 *
 * See also: notify/alertmanager.c, notify/notifier-alerts.c.
 */
#include "tests/test-notify-net.h"

#define ALERTMANAGER "/usr/bin/prometheus-alertmanager"

static uint16_t port;

static pid_t start_alertmanager(void) {
        char listen[64], cfg[PATH_MAX], storage[PATH_MAX];
        char *argv[] = { ALERTMANAGER, cfg, storage, listen, "--cluster.listen-address=", NULL };

        snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%u", port);
        snprintf(cfg, sizeof(cfg), "--config.file=%s", net_path("am.yml"));
        snprintf(storage, sizeof(storage), "--storage.path=%s", net_path("am-data"));
        net_write("am.yml", "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
        return net_spawn("alertmanager.log", argv);
}

/* GET /api/v2/alerts with the curl tool, into a static buffer. */
static const char *am_alerts(void) {
        char cmd[512];

        snprintf(cmd, sizeof(cmd), "curl -s --max-time 5 http://127.0.0.1:%u/api/v2/alerts > '%s'", port,
                 net_path("alerts.json"));
        (void) !system(cmd);
        return notify_record("alerts.json");
}

static bool idle(void *ud) {
        return notifier_idle(ud);
}

static bool refreshed(void *ud) {
        NotifierStats st;

        notifier_get_stats(ud, &st);
        return st.refreshes >= 2;
}

int main(void) {
        NotifierOptions o = { .retry_min = 200 * USEC_PER_MSEC, .retry_max = USEC_PER_SEC, .host = "mx-am" };
        Notification n = { .severity = SEVERITY_CRITICAL };
        sd_event *e = NULL;
        Notifier *nf = NULL;
        ChannelConfig c;
        NotifierStats st;
        const char *a;
        char text[256];
        pid_t am;

        net_require(ALERTMANAGER);
        net_require("/usr/bin/curl");
        net_setup();
        port = net_free_port();
        o.outbox_dir = net_path("outbox");
        CHECK(sd_event_new(&e) >= 0);
        CHECK(notifier_new(e, &o, &nf) >= 0);
        snprintf(text, sizeof(text), "type = alertmanager\nurl = http://127.0.0.1:%u/\nresend_interval = 1s\n", port);
        CHECK(notify_channel(&c, "am", text));
        CHECK(notifier_add_channel(nf, &c) >= 0);
        channel_config_done(&c);

        /* Alertmanager not up yet: the firing alert waits in the outbox. */
        notification_set(n.kind, "check-disabled");
        notification_set(n.check, "postfix");
        notification_set(n.unit, "postfix.service");
        notification_set(n.state, "disabled");
        notification_set(n.reason, "postfix: failed to restart after 3 attempts within 5 cycles");
        CHECK_INT(notifier_condition(nf, &n, true), 1);
        CHECK_INT(notifier_condition(nf, &n, true), 0); /* still true: no second notification */
        notify_run(e, NULL, NULL, 500 * USEC_PER_MSEC);
        notifier_get_stats(nf, &st);
        CHECK(st.failed_attempts >= 1);
        CHECK_INT(st.pending, 1);

        am = start_alertmanager();
        CHECK(net_wait_port(port, "alertmanager.log"));
        CHECK(notify_run(e, idle, nf, 10 * USEC_PER_SEC));
        a = am_alerts();
        printf("active: %s\n", a);
        CHECK(strstr(a, "\"alertname\":\"check-disabled\""));
        CHECK(strstr(a, "\"check\":\"postfix\""));
        CHECK(strstr(a, "\"unit\":\"postfix.service\""));
        CHECK(strstr(a, "\"instance\":\"mx-am\""));
        CHECK(strstr(a, "\"severity\":\"critical\""));
        CHECK(strstr(a, "\"state\":\"active\""));
        CHECK(strstr(a, "failed to restart after 3 attempts within 5 cycles"));

        /* Still firing: re-sent every resend_interval. */
        CHECK(notify_run(e, refreshed, nf, 5 * USEC_PER_SEC));

        /* Resolved: gone from the active alerts at once (endsAt). */
        notification_set(n.reason, "check reset by the operator");
        CHECK_INT(notifier_condition(nf, &n, false), 1);
        CHECK(notify_run(e, idle, nf, 10 * USEC_PER_SEC));
        a = am_alerts();
        printf("after resolved: %s\n", a);
        CHECK(!strstr(a, "check-disabled"));
        CHECK(strstr(a, "[]"));
        notifier_get_stats(nf, &st);
        printf("delivered %" PRIu64 ", re-sends %" PRIu64 ", failed attempts %" PRIu64 "\n", st.delivered,
               st.refreshes, st.failed_attempts);
        CHECK_INT(st.delivered, 2);

        notifier_free(nf);
        sd_event_unref(e);
        net_kill(am);
        net_cleanup();
        return tests_summary("test-notify-alertmanager");
}
