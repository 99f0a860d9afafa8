/* test-notify-webhook.c: nothing lost while the webhook receiver is down.
 *
 * A real HTTP receiver on loopback (tests/notify-receiver.py, which parses
 * every body as JSON and checks the webhook schema). The story a user would
 * notice: notifications raised while the receiver is down are kept; the
 * Notifier is dropped without flushing, and a child process running another
 * Notifier on the same outbox is SIGKILLed right after it queued more; a
 * new Notifier on that outbox, receiver back: every notification arrives
 * (at least once), with a valid body, its token header, and its reason
 * escaped correctly; the outbox is empty afterwards. Then a receiver that
 * answers 500 keeps the item queued, and one that was never reachable
 * expires after max_age. A hostile receiver answering with endless header
 * lines is cut at the bound at once, in bounded memory, and the item stays.
 *
 * See also: notify/notifier.c, notify/outbox.c, notify/webhook.c.
 */

#include "tests/test-hostile.h"
#include "tests/test-notify-net.h"

#define N_BEFORE 4
#define N_CHILD 3

static uint16_t port;

static void make_notification(Notification *n, unsigned i, EventSeverity s, const char *reason) {
        *n = (Notification) { .severity = s, .phase = NOTIFY_EVENT };
        snprintf(n->id, sizeof(n->id), "%032x", 0xabc000 + i);
        notification_set(n->kind, "check-failed");
        notification_set(n->check, "postfix");
        notification_set(n->unit, "postfix.service");
        notification_set(n->state, "failing");
        notification_set(n->reason, reason);
}

static Notifier *notifier(sd_event *e, const char *extra) {
        NotifierOptions o = { .outbox_dir = net_path("outbox"), .host = "mx-test",
                              .retry_min = 100 * USEC_PER_MSEC, .retry_max = 500 * USEC_PER_MSEC };
        char text[512];
        ChannelConfig c;
        Notifier *nf = NULL;

        snprintf(text, sizeof(text), "type = webhook\nurl = http://127.0.0.1:%u/hook\n"
                 "header = Authorization: Bearer s3cret\ntimeout = 2s\n%s", port, extra);
        CHECK(notifier_new(e, &o, &nf) >= 0);
        CHECK(notify_channel(&c, "ops", text));
        CHECK(notifier_add_channel(nf, &c) >= 0);
        channel_config_done(&c);
        return nf;
}

static bool idle(void *ud) {
        return notifier_idle(ud);
}

/* A child queues N_CHILD more, says so, and is SIGKILLed while retrying. */
static void killed_child(void) {
        int p[2];
        pid_t pid;
        char c;

        CHECK(pipe2(p, O_CLOEXEC) == 0);
        pid = fork();
        if (pid == 0) {
                sd_event *e = NULL;
                Notification n;
                Notifier *nf;

                if (sd_event_new(&e) < 0)
                        _exit(1);
                nf = notifier(e, "");
                for (unsigned i = 0; i < N_CHILD; i++) {
                        make_notification(&n, 100 + i, SEVERITY_CRITICAL, "queued by the child");
                        if (notifier_submit(nf, &n) != 1)
                                _exit(1);
                }
                (void) !write(p[1], "x", 1);
                for (;;)
                        (void) sd_event_run(e, UINT64_MAX);
        }
        close(p[1]);
        CHECK(read(p[0], &c, 1) == 1);
        usleep(300 * 1000); /* let it fail an attempt or two first */
        kill(pid, SIGKILL);
        CHECK(waitpid(pid, NULL, 0) == pid);
        close(p[0]);
}

static void test_receiver_down(sd_event *e) {
        const char *reasons[N_BEFORE] = { "greeting 421 \"busy\" \\ try later", "tab\there ünïcödé",
                                          "bad utf-8 \xff\xfe end", "plain" };
        NotifierStats st;
        Notification n;
        Notifier *nf;
        pid_t rcv;
        const char *rec;

        nf = notifier(e, "");
        for (unsigned i = 0; i < N_BEFORE; i++) {
                make_notification(&n, i, i % 2 ? SEVERITY_CRITICAL : SEVERITY_WARNING, reasons[i]);
                CHECK_INT(notifier_submit(nf, &n), 1);
        }
        make_notification(&n, 50, SEVERITY_INFO, "below min_severity");
        CHECK_INT(notifier_submit(nf, &n), 0);
        CHECK_INT(notify_outbox_files("outbox"), N_BEFORE); /* on disk before any attempt */
        notify_run(e, NULL, NULL, 700 * USEC_PER_MSEC);
        notifier_get_stats(nf, &st);
        printf("receiver down: %" PRIu64 " failed attempts, %zu pending\n", st.failed_attempts, st.pending);
        CHECK(st.failed_attempts >= N_BEFORE * 2);
        CHECK_INT(st.pending, N_BEFORE);
        nf = notifier_free(nf); /* dropped without flushing */

        killed_child();
        CHECK_INT(notify_outbox_files("outbox"), N_BEFORE + N_CHILD);

        rcv = notify_receiver(port, "hook.jsonl", NULL);
        CHECK(rcv > 0);
        nf = notifier(e, "");
        CHECK(notify_run(e, idle, nf, 10 * USEC_PER_SEC));
        notifier_get_stats(nf, &st);
        CHECK_INT(st.delivered, N_BEFORE + N_CHILD);
        CHECK_INT(notify_outbox_files("outbox"), 0);
        rec = notify_record("hook.jsonl");
        for (unsigned i = 0; i < N_BEFORE + N_CHILD; i++) {
                char id[64];
                snprintf(id, sizeof(id), "\"id\": \"%032x\"", 0xabc000 + (i < N_BEFORE ? i : 100 + i - N_BEFORE));
                CHECK(notify_count(rec, id) >= 1);
        }
        CHECK_INT(notify_count(rec, "\"schema\": \"ok\""), notify_count(rec, "\"method\": \"POST\""));
        CHECK_INT(notify_count(rec, "\"authorization\": \"Bearer s3cret\""), notify_count(rec, "\"method\""));
        CHECK_INT(notify_count(rec, "\"content_type\": \"application/json\""), notify_count(rec, "\"method\""));
        CHECK(strstr(rec, "\"reason\": \"greeting 421 \\\"busy\\\" \\\\ try later\""));
        CHECK(strstr(rec, "\"reason\": \"tab?here \\u00fcn\\u00efc\\u00f6d\\u00e9\"")); /* control char cleaned */
        CHECK(strstr(rec, "\"reason\": \"bad utf-8 \\\\xff\\\\xfe end\""));
        CHECK(strstr(rec, "\"host\": \"mx-test\""));
        CHECK(!strstr(rec, "below min_severity"));
        printf("receiver back: %u requests, all %" PRIu64 " notifications delivered\n",
               notify_count(rec, "\"method\""), st.delivered);
        notifier_free(nf);
        net_kill(rcv);
}

static unsigned drops_etime;

static void on_drop(const Notification *n, const char *channel, int r, const char *reason, void *userdata) {
        if (r == -ETIME && streq(n->reason, "answered 500"))
                drops_etime++;
}

/* 500 is not accepted; and an item never accepted expires after max_age,
 * which the drop observer hears (the metrics exporter counts it). */
static void test_rejected_and_expired(sd_event *e) {
        NotifierStats st;
        Notification n;
        Notifier *nf;
        pid_t rcv = notify_receiver(port, "500.jsonl", "500");

        nf = notifier(e, "max_age = 1s");
        notifier_set_drop_observer(nf, on_drop, NULL);
        make_notification(&n, 200, SEVERITY_CRITICAL, "answered 500");
        CHECK_INT(notifier_submit(nf, &n), 1);
        notify_run(e, NULL, NULL, 600 * USEC_PER_MSEC);
        notifier_get_stats(nf, &st);
        CHECK_INT(st.delivered, 0);
        CHECK_INT(st.pending, 1);
        CHECK(notify_count(notify_record("500.jsonl"), "answered 500") >= 2); /* retried */
        CHECK(notify_run(e, idle, nf, 3 * USEC_PER_SEC));
        notifier_get_stats(nf, &st);
        CHECK_INT(st.expired, 1);
        CHECK_INT(drops_etime, 1);
        CHECK_INT(notify_outbox_files("outbox"), 0);
        notifier_free(nf);
        net_kill(rcv);
}

typedef struct Attempt {
        bool done;
        int r;
        char reason[256];
} Attempt;

static void on_attempt(const Notification *n, const char *channel, int r, const char *reason, void *userdata) {
        Attempt *a = userdata;

        if (a->done)
                return;
        *a = (Attempt) { .done = true, .r = r };
        snprintf(a->reason, sizeof(a->reason), "%s", reason);
}

static bool attempted(void *ud) {
        return ((Attempt *) ud)->done;
}

/* Endless header lines from the receiver: cut at the general bound that
 * every libcurl transfer has (common/curl-easy.c), not at the timeout. */
static void test_hostile_receiver(sd_event *e) {
        const HostileStream flood = { "HTTP/1.1 200 OK\r\n", 17, "X-Flood: 1\r\n", 12, .max_bytes = 64 << 20 };
        uint16_t saved = port;
        long before = hostile_status_kb("VmRSS"), growth;
        Attempt a = {};
        NotifierStats st;
        Notification n;
        Notifier *nf;
        pid_t pid;
        double t0;

        pid = hostile_stream_peer(&flood, &port);
        nf = notifier(e, "");
        port = saved;
        notifier_set_observer(nf, on_attempt, &a);
        CHECK(hostile_reset_peak());
        t0 = hostile_now();
        make_notification(&n, 300, SEVERITY_CRITICAL, "to a hostile receiver");
        CHECK_INT(notifier_submit(nf, &n), 1);
        CHECK(notify_run(e, attempted, &a, 5 * USEC_PER_SEC));
        growth = hostile_status_kb("VmHWM") - before;
        printf("hostile receiver: %s (%d) after %.2fs, peak RSS %+ld kB\n", a.reason, a.r, hostile_now() - t0, growth);
        CHECK(a.r < 0);
        CHECK_STREQ(a.reason, "response of more than 100 header lines");
        CHECK(hostile_now() - t0 < 1.5); /* the channel's timeout is 2s: cut by the bound, not the clock */
        CHECK(growth < 20 << 10);
        notifier_get_stats(nf, &st);
        CHECK_INT(st.delivered, 0);
        CHECK_INT(st.pending, 1); /* kept, retried later */
        notifier_free(nf);
        net_kill(pid);
        CHECK(unlink(net_path("outbox/00000000000000000000000000abc12c.ops")) == 0); /* 0xabc000 + 300 */
}

int main(void) {
        sd_event *e = NULL;

        net_require("/usr/bin/python3");
        net_setup();
        port = net_free_port();
        CHECK(sd_event_new(&e) >= 0);
        test_receiver_down(e);
        test_rejected_and_expired(e);
        test_hostile_receiver(e);
        sd_event_unref(e);
        net_cleanup();
        return tests_summary("test-notify-webhook");
}
