/* test-notify-heartbeat.c: the per-cycle ping against a real HTTP receiver.
 *
 * tests/notify-receiver.py on loopback records every ping. healthchecks.io
 * style: URL/start, then URL for a healthy cycle, URL/fail with the summary
 * as body for a failing one; the body is cut at 10 KB. Uptime Kuma style:
 * GET with status=down, msg and ping=<cycle ms>. A receiver that is down or
 * frozen costs a counted failure and nothing else: a frozen one's ping is
 * dropped by the next.
 *
 * See also: notify/heartbeat.c.
 */
#include "tests/test-notify-net.h"

#include "notify/heartbeat.h"

static uint64_t want_done;

static bool answered(void *ud) {
        const HeartbeatStats *s = heartbeat_stats(ud);

        return s->ok + s->failed >= want_done;
}

static void ping(sd_event *e, Heartbeat *hb, HeartbeatKind kind, const char *summary, usec_t d) {
        CHECK(heartbeat_ping(hb, kind, summary, d) >= 0);
        want_done++;
        CHECK(notify_run(e, answered, hb, 5 * USEC_PER_SEC));
}

static void test_healthchecks(sd_event *e, uint16_t port) {
        static char big[20000];
        HeartbeatConfig c = { .method = HEARTBEAT_POST, .report_failures = true, .send_start = true };
        Heartbeat *hb = NULL;
        char url[128];
        const char *rec;

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/ping/abc", port);
        c.url = url;
        CHECK(heartbeat_new(e, &c, &hb) >= 0);
        want_done = 0;
        ping(e, hb, HEARTBEAT_START, NULL, 0);
        ping(e, hb, HEARTBEAT_SUCCESS, "3 checks ok", 120 * USEC_PER_MSEC);
        ping(e, hb, HEARTBEAT_START, NULL, 0);
        ping(e, hb, HEARTBEAT_FAIL, "postfix: failing (connection refused)\ndovecot: ok\n", 80 * USEC_PER_MSEC);
        memset(big, 'x', sizeof(big) - 1);
        ping(e, hb, HEARTBEAT_FAIL, big, 0);
        CHECK_INT(heartbeat_stats(hb)->ok, 5);
        CHECK_INT(heartbeat_stats(hb)->failed, 0);
        rec = notify_record("hb.jsonl");
        CHECK_INT(notify_count(rec, "\"path\": \"/ping/abc/start\""), 2);
        CHECK_INT(notify_count(rec, "\"path\": \"/ping/abc\""), 1);
        CHECK_INT(notify_count(rec, "\"path\": \"/ping/abc/fail\""), 2);
        CHECK(strstr(rec, "\"body\": \"postfix: failing (connection refused)\\ndovecot: ok\\n\""));
        CHECK(strstr(rec, "\"body\": \"3 checks ok\""));
        big[HEARTBEAT_BODY_MAX] = '\0';
        CHECK(strstr(rec, big));
        big[HEARTBEAT_BODY_MAX] = 'x';
        big[HEARTBEAT_BODY_MAX + 1] = '\0';
        CHECK(!strstr(rec, big)); /* bounded */
        heartbeat_free(hb);
}

static void test_uptime_kuma(sd_event *e, uint16_t port) {
        HeartbeatConfig c = { .method = HEARTBEAT_GET, .report_failures = true };
        Heartbeat *hb = NULL;
        char url[128];
        const char *rec;

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/push/K1", port);
        c.url = url;
        CHECK(heartbeat_new(e, &c, &hb) >= 0);
        want_done = 0;
        CHECK_INT(heartbeat_ping(hb, HEARTBEAT_START, NULL, 0), 0); /* start pings are off */
        ping(e, hb, HEARTBEAT_FAIL, "postfix: disabled after 3 restarts\nmore", 1234 * USEC_PER_MSEC);
        ping(e, hb, HEARTBEAT_SUCCESS, NULL, 50 * USEC_PER_MSEC);
        rec = notify_record("hb.jsonl");
        CHECK(strstr(rec, "\"path\": \"/api/push/K1\", \"query\": {\"status\": [\"down\"], "
                          "\"msg\": [\"postfix: disabled after 3 restarts\"], \"ping\": [\"1234\"]}"));
        CHECK(strstr(rec, "\"query\": {\"status\": [\"up\"], \"msg\": [\"OK\"], \"ping\": [\"50\"]}"));
        CHECK(strstr(rec, "\"method\": \"GET\""));
        heartbeat_free(hb);
}

/* Down: a counted failure. Frozen: the next ping drops the hung one. */
static void test_unreachable(sd_event *e, uint16_t port, pid_t rcv) {
        HeartbeatConfig c = { .method = HEARTBEAT_POST, .report_failures = true, .timeout = 5 * USEC_PER_SEC };
        Heartbeat *hb = NULL;
        char url[128];

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/ping/abc", port);
        c.url = url;
        CHECK(heartbeat_new(e, &c, &hb) >= 0);
        net_signal(rcv, SIGSTOP);
        CHECK_INT(heartbeat_ping(hb, HEARTBEAT_SUCCESS, "cycle 1", 0), 1);
        notify_run(e, NULL, NULL, 300 * USEC_PER_MSEC);
        CHECK_INT(heartbeat_ping(hb, HEARTBEAT_SUCCESS, "cycle 2", 0), 1);
        CHECK_INT(heartbeat_stats(hb)->failed, 1);
        CHECK_STREQ(heartbeat_stats(hb)->last_error, "no answer before the next ping");
        net_signal(rcv, SIGCONT);
        net_kill(rcv);
        want_done = 2; /* cycle 1 (failed) and cycle 2 */
        CHECK(notify_run(e, answered, hb, 5 * USEC_PER_SEC));
        CHECK_INT(heartbeat_ping(hb, HEARTBEAT_FAIL, "down", 0), 1);
        want_done = 3;
        CHECK(notify_run(e, answered, hb, 5 * USEC_PER_SEC));
        printf("unreachable: sent %" PRIu64 ", ok %" PRIu64 ", failed %" PRIu64 ", last error: %s\n",
               heartbeat_stats(hb)->sent, heartbeat_stats(hb)->ok, heartbeat_stats(hb)->failed,
               heartbeat_stats(hb)->last_error);
        CHECK(heartbeat_stats(hb)->failed >= 2);
        CHECK(strstr(heartbeat_stats(hb)->last_error, "onnect"));
        heartbeat_free(hb);
}

int main(void) {
        HeartbeatConfig bad = { .url = "ftp://x/" };
        Heartbeat *hb = NULL;
        sd_event *e = NULL;
        uint16_t port;
        pid_t rcv;

        net_require("/usr/bin/python3");
        net_setup();
        port = net_free_port();
        CHECK(sd_event_new(&e) >= 0);
        CHECK_INT(heartbeat_new(e, &bad, &hb), -EINVAL);
        rcv = notify_receiver(port, "hb.jsonl", NULL);
        CHECK(rcv > 0);
        test_healthchecks(e, port);
        test_uptime_kuma(e, port);
        test_unreachable(e, port, rcv);
        sd_event_unref(e);
        net_cleanup();
        return tests_summary("test-notify-heartbeat");
}
