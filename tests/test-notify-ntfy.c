/* test-notify-ntfy.c: the ntfy channel against a receiver that takes what ntfy takes.
 *
 * tests/ntfy-receiver.py serves HTTPS on loopback (a certificate from the
 * test CA) and accepts a publish only as a real ntfy server would: a valid
 * topic path, a known priority, RFC 2047 titles decoded, a UTF-8 body of
 * at most 4096 bytes, and on a protected topic the bearer token. Expected:
 * a critical alert arrives with priority 5, an emoji tag and its kind, a
 * title naming check, kind and host (an RFC 2047 word for a non-ASCII
 * host), and its reason as the message, odd bytes made valid UTF-8; its
 * resolution and an info event arrive with priority 3. Without the token the
 * topic refuses (403), with another one too (401). Also the config errors:
 * a URL without a topic, a key ntfy does not take, a token file others can
 * read.
 *
 * See also: notify/ntfy.c, test-notify-net.h.
 */
#include <sys/stat.h>

#include "tests/test-notify-net.h"

#define TOKEN "tk_mailsupntfytest0123456789abc"

static uint16_t port;

static pid_t ntfy_receiver(void) {
        char p[8], *argv[] = { "/usr/bin/python3", (char *) notify_script("ntfy-receiver.py"), p,
                               (char *) net_path("ntfy.rec"), (char *) net_path("valid.pem"),
                               (char *) net_path("valid.key"), TOKEN, NULL };

        snprintf(p, sizeof(p), "%u", port);
        pid_t pid = net_spawn("ntfy.log", argv);
        return net_wait_port(port, "ntfy.log") ? pid : -1;
}

/* A channel to the test topic; token: the file to read it from, or none. */
static bool ntfy_channel(ChannelConfig *c, const char *token_file) {
        char text[1024];

        snprintf(text, sizeof(text), "type = ntfy\nurl = https://127.0.0.1:%u/mailsup-alerts\nca_file = %s\n"
                 "min_severity = info\ntimeout = 5s\n%s%s\n", port, net_path("ca.pem"),
                 token_file ? "token_file = " : "", token_file ? token_file : "");
        return notify_channel(c, "push", text);
}

static bool idle(void *ud) {
        return notifier_idle(ud);
}

/* The alert, its resolution and an info event, as the receiver recorded them. */
static void test_delivery(sd_event *e) {
        NotifierOptions o = { .outbox_dir = net_path("outbox"), .host = "mx-\xc3\xbc" };
        Notification n = { .severity = SEVERITY_CRITICAL }, ev = { .severity = SEVERITY_INFO };
        Notifier *nf = NULL;
        const char *rec;
        ChannelConfig c;

        CHECK(notifier_new(e, &o, &nf) >= 0);
        CHECK(ntfy_channel(&c, net_path("token")));
        CHECK(notifier_add_channel(nf, &c) >= 0);
        channel_config_done(&c);
        notification_set(n.kind, "check-disabled");
        notification_set(n.check, "postfix");
        notification_set(n.state, "disabled");
        notification_set(n.reason, "queue Gr\xc3\xb6\xc3\x9f" "e \xff over 3 restarts");
        CHECK_INT(notifier_condition(nf, &n, true), 1);
        CHECK(notify_run(e, idle, nf, 10 * USEC_PER_SEC));
        CHECK_INT(notifier_condition(nf, &n, false), 1);
        CHECK(notify_run(e, idle, nf, 10 * USEC_PER_SEC));
        notification_set(ev.kind, "unit-restarted");
        notification_set(ev.reason, "restarted postfix.service (job done)");
        CHECK_INT(notifier_submit(nf, &ev), 1);
        CHECK(notify_run(e, idle, nf, 10 * USEC_PER_SEC));
        notifier_free(nf);

        rec = notify_record("ntfy.rec");
        printf("%s", rec);
        CHECK_INT(notify_count(rec, "\"topic\": \"mailsup-alerts\""), 3);
        CHECK(strstr(rec, "\"title\": \"[mailsup] critical postfix: check-disabled on mx-\xc3\xbc\""));
        CHECK(strstr(rec, "\"message\": \"queue Gr\xc3\xb6\xc3\x9f" "e \\\\xff over 3 restarts\\n\\ncheck: postfix"));
        CHECK(strstr(rec, "\"priority\": 5, \"tags\": [\"rotating_light\", \"check-disabled\"]"));
        CHECK(strstr(rec, "check-disabled on mx-\xc3\xbc (resolved)\""));
        CHECK(strstr(rec, "\"priority\": 3, \"tags\": [\"white_check_mark\", \"check-disabled\"]"));
        CHECK(strstr(rec, "\"priority\": 3, \"tags\": [\"information_source\", \"unit-restarted\"]"));
}

typedef struct Answer {
        bool done;
        int r;
        char reason[128];
} Answer;

static void on_answer(const Notification *n, const char *channel, int r, const char *reason, void *userdata) {
        Answer *a = userdata;

        *a = (Answer) { .done = true, .r = r };
        snprintf(a->reason, sizeof(a->reason), "%s", reason);
}

static bool answered(void *ud) {
        return ((Answer *) ud)->done;
}

/* A test send to the protected topic with this token file (or none): its answer. */
static Answer try_token(sd_event *e, const char *token_file) {
        NotifierOptions o = { .outbox_dir = net_path("outbox2"), .host = "mx" };
        Notification n = { .severity = SEVERITY_INFO };
        Notifier *nf = NULL;
        Answer a = {};
        ChannelConfig c;

        CHECK(notifier_new(e, &o, &nf) >= 0);
        CHECK(ntfy_channel(&c, token_file));
        CHECK(notifier_add_channel(nf, &c) >= 0);
        channel_config_done(&c);
        notification_set(n.kind, "test-alert");
        CHECK_INT(notifier_test(nf, &n, on_answer, &a), 1);
        CHECK(notify_run(e, answered, &a, 10 * USEC_PER_SEC));
        notifier_free(nf);
        return a;
}

static void test_token(sd_event *e) {
        Answer a;

        a = try_token(e, NULL);
        printf("no token: %d %s\n", a.r, a.reason);
        CHECK(a.r < 0 && streq(a.reason, "status 403"));
        net_write("other", "tk_not_the_one\n");
        CHECK(chmod(net_path("other"), 0600) == 0);
        a = try_token(e, net_path("other"));
        printf("another token: %d %s\n", a.r, a.reason);
        CHECK(a.r < 0 && streq(a.reason, "status 401"));
        a = try_token(e, net_path("token"));
        CHECK(a.r >= 0 && streq(a.reason, "status 200"));
}

static void test_config(void) {
        const char *want = "invalid url 'https://ntfy.example/%s' for type ntfy: expected https://HOST/TOPIC, "
                           "TOPIC 1 to 64 letters, digits, '-' or '_'";
        char buf[512];

        CHECK_STREQ(notify_channel_error("type = ntfy\nurl = https://ntfy.example/alerts-1_b"), "ok");
        snprintf(buf, sizeof(buf), want, "");
        CHECK_STREQ(notify_channel_error("type = ntfy\nurl = https://ntfy.example/"), buf);
        snprintf(buf, sizeof(buf), want, "a/b");
        CHECK_STREQ(notify_channel_error("type = ntfy\nurl = https://ntfy.example/a/b"), buf);
        CHECK_STREQ(notify_channel_error("type = ntfy\nurl = https://ntfy.example/x\nheader = X-A: b"),
                    "key 'header' is not used by type ntfy");
        net_write("open-token", TOKEN "\n");
        CHECK(chmod(net_path("open-token"), 0644) == 0);
        CHECK(strstr(notify_channel_error(net_conf("type = ntfy\nurl = https://ntfy.example/x\ntoken_file = %s",
                                                   net_path("open-token"))),
                     "is readable by every user (mode 0644): chmod o-r it, it holds a secret"));
}

int main(void) {
        sd_event *e = NULL;
        pid_t receiver;

        net_require("/usr/bin/python3");
        net_require(NET_OPENSSL);
        net_setup();
        test_config();
        net_make_certs("ntfy.example");
        net_write("token", TOKEN "\n");
        CHECK(chmod(net_path("token"), 0600) == 0);
        port = net_free_port();
        receiver = ntfy_receiver();
        CHECK(receiver > 0);
        CHECK(sd_event_new(&e) >= 0);
        if (receiver > 0) {
                test_delivery(e);
                test_token(e);
        }
        sd_event_unref(e);
        net_kill(receiver);
        net_cleanup();
        return tests_summary("test-notify-ntfy");
}
