/* test-notify.c: the pure parts of notify/: JSON, outbox files, conditions, config.
 *
 * The JSON escaper on hostile strings (quotes, control bytes, invalid
 * UTF-8) and a body that does not fit; an outbox item's file round trip and
 * corrupt files set aside; which item a full outbox drops; the condition
 * tracker on synthetic time (start, reminders every 4h, resolved, 0 = no
 * reminders); and every [notify] config error a user can make, with its
 * message (world-readable secrets, a local relay, a key of another type).
 *
 * See also: test-notify-webhook.c and friends (real receivers).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "notify/condition.h"
#include "notify/notifier.h"
#include "common/json.h"
#include "notify/outbox.h"
#include "tests/tests.h"

static void test_json(void) {
        char buf[64];
        size_t pos = 0;
        JsonWriter w;

        CHECK_INT(json_escape(buf, sizeof(buf), &pos, "a\"b\\c\n\x01\x7f", 8), 0);
        CHECK_STREQ(buf, "a\\\"b\\\\c\\u000a\\u0001\\u007f");
        pos = 0;
        CHECK_INT(json_escape(buf, sizeof(buf), &pos, "\xc3\xa9 \xff \xe0\x80\x80 \xed\xa0\x80 \xf0\x9f\x98\x80", 17), 0);
        CHECK_STREQ(buf, "\xc3\xa9 \\\\xff \\\\xe0\\\\x80\\\\x80 \\\\xed\\\\xa0\\\\x80 \xf0\x9f\x98\x80");
        pos = 2;
        memcpy(buf, "ok", 3);
        CHECK_INT(json_escape(buf, 8, &pos, "toolongtext", 11), -ENOBUFS);
        CHECK_STREQ(buf, "ok"); /* nothing half-written */
        CHECK_INT(pos, 2);

        json_init(&w, buf, sizeof(buf));
        json_open(&w, '{');
        json_member_string(&w, "a", "x\"y");
        json_member_uint(&w, "n", 42);
        json_member_string(&w, "skipped", "");
        json_key(&w, "l");
        json_open(&w, '[');
        json_bool(&w, true);
        json_string(&w, NULL);
        json_close(&w, ']');
        json_close(&w, '}');
        CHECK_INT(json_finish(&w), (int) strlen("{\"a\":\"x\\\"y\",\"n\":42,\"l\":[true,null]}"));
        CHECK_STREQ(buf, "{\"a\":\"x\\\"y\",\"n\":42,\"l\":[true,null]}");
        json_init(&w, buf, 10);
        json_open(&w, '{');
        json_member_string(&w, "key", "a value too long");
        json_close(&w, '}');
        CHECK_INT(json_finish(&w), -ENOBUFS);
        CHECK_STREQ(json_format_time(buf, sizeof(buf), 1714564800123456ULL), "2024-05-01T12:00:00.123Z");
}

static void test_outbox_file(void) {
        OutboxEntry e = { .queued = 1714564800000000ULL }, back;
        char buf[4096];
        int len;

        snprintf(e.n.id, sizeof(e.n.id), "%032x", 7);
        snprintf(e.channel, sizeof(e.channel), "ops.pager");
        notification_set(e.n.kind, "check-failed");
        notification_set(e.n.reason, "two\nlines = x");
        e.n.severity = SEVERITY_CRITICAL;
        e.n.phase = NOTIFY_RESOLVED;
        e.n.time = 5;
        len = outbox_format(&e, buf, sizeof(buf));
        CHECK(len > 0);
        CHECK_INT(outbox_parse(buf, (size_t) len, &back), 0);
        CHECK_STREQ(back.n.id, e.n.id);
        CHECK_STREQ(back.channel, "ops.pager");
        CHECK_STREQ(back.n.reason, "two?lines = x");
        CHECK_INT(back.n.severity, SEVERITY_CRITICAL);
        CHECK_INT(back.n.phase, NOTIFY_RESOLVED);
        CHECK_INT(back.queued, e.queued);
        CHECK_INT(outbox_parse(buf, (size_t) len - 200, &back), -EBADMSG); /* torn: required keys missing */
        CHECK_INT(outbox_parse("garbage\n", 8, &back), -EBADMSG);
        CHECK(!outbox_channel_name_valid("../x"));
        CHECK(!outbox_channel_name_valid(".hidden"));
        CHECK(outbox_channel_name_valid("ops-1_a.b"));
}

static void test_outbox_dir(void) {
        char dir[] = "/tmp/mailsup-outbox-XXXXXX", path[128];
        Notification n = { .severity = SEVERITY_INFO };
        Outbox *o = NULL;
        int fd;

        CHECK(mkdtemp(dir) != NULL);
        CHECK_INT(outbox_open(dir, 3, &o), 0);
        notification_set(n.kind, "unit-restarted");
        for (unsigned i = 0; i < 3; i++) {
                snprintf(n.id, sizeof(n.id), "%032x", i);
                n.severity = i == 0 ? SEVERITY_WARNING : SEVERITY_INFO;
                CHECK_INT(outbox_add(o, &n, "ops", NULL), 0);
        }
        CHECK_INT(outbox_add(o, &n, "ops", NULL), -EXFULL);
        CHECK_STREQ(outbox_victim(o)->n.id, "00000000000000000000000000000001"); /* oldest info, not the warning */
        o = outbox_free(o);
        snprintf(path, sizeof(path), "%s/%032x.ops", dir, 9);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        CHECK(fd >= 0 && write(fd, "mailsup-outbox 1\nid=zz\n", 23) == 23);
        close(fd);
        snprintf(path, sizeof(path), "%s/.tmp.%032x.ops", dir, 8);
        close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        CHECK_INT(outbox_open(dir, 10, &o), 0);
        CHECK_INT(o->n, 3);
        CHECK_INT(o->corrupt, 1);
        CHECK(access(path, F_OK) < 0); /* stale temp file removed */
        while (o->head)
                CHECK_INT(outbox_remove(o, o->head), 0);
        outbox_free(o);
        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        CHECK(system(path) == 0);
}

static void test_conditions(void) {
        ConditionTracker *t = NULL, *never = NULL;
        usec_t h = USEC_PER_HOUR, since = 0;
        static const struct {
                usec_t at;
                bool active;
                ConditionChange want;
        } steps[] = {
                { 0, false, CONDITION_NONE },
                { 1 * USEC_PER_MINUTE, true, CONDITION_STARTED },
                { 3 * USEC_PER_MINUTE, true, CONDITION_NONE },
                { 4 * USEC_PER_HOUR, true, CONDITION_NONE },              /* 4h minus 1min after the start */
                { 4 * USEC_PER_HOUR + USEC_PER_MINUTE, true, CONDITION_REMINDER },
                { 6 * USEC_PER_HOUR, true, CONDITION_NONE },
                { 8 * USEC_PER_HOUR + USEC_PER_MINUTE, true, CONDITION_REMINDER },
                { 9 * USEC_PER_HOUR, false, CONDITION_RESOLVED },
                { 9 * USEC_PER_HOUR + USEC_PER_MINUTE, false, CONDITION_NONE },
                { 10 * USEC_PER_HOUR, true, CONDITION_STARTED },          /* a new condition */
        };

        CHECK_INT(condition_tracker_new(4 * h, &t), 0);
        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                ConditionChange c = condition_update(t, "postfix", "check-failed", steps[i].active, steps[i].at, &since);
                if (c != steps[i].want)
                        fprintf(stderr, "step %zu: got %d\n", i, c);
                CHECK_INT(c, steps[i].want);
                if (c == CONDITION_REMINDER || c == CONDITION_RESOLVED)
                        CHECK_INT(since, USEC_PER_MINUTE);
        }
        /* Keyed by (check, kind): another check or kind is its own condition. */
        CHECK_INT(condition_update(t, "dovecot", "check-failed", true, 10 * h, NULL), CONDITION_STARTED);
        CHECK_INT(condition_update(t, "postfix", "check-disabled", true, 10 * h, NULL), CONDITION_STARTED);
        CHECK_INT(condition_active_count(t), 3);
        condition_tracker_free(t);

        CHECK_INT(condition_tracker_new(0, &never), 0);
        CHECK_INT(condition_update(never, "", "threshold-breached", true, 0, NULL), CONDITION_STARTED);
        CHECK_INT(condition_update(never, "", "threshold-breached", true, 1000 * h, NULL), CONDITION_NONE);
        CHECK_INT(condition_update(never, "", "threshold-breached", false, 1001 * h, NULL), CONDITION_RESOLVED);
        condition_tracker_free(never);
}

/* Parses "key = value" lines; returns verify()'s or the first parse error's message. */
static const char *config_error(const char *text) {
        static char msg[512];
        _cleanup_free_ char *copy = strdup(text), *error = NULL;
        char *save = NULL;
        ChannelConfig c;
        int r = 0;

        channel_config_init(&c, "t");
        for (char *l = strtok_r(copy, "\n", &save); l && r >= 0; l = strtok_r(NULL, "\n", &save)) {
                char *eq = strstr(l, " = ");
                *eq = '\0';
                r = channel_config_parse_key(&c, l, eq + 3, &error);
                if (r == -ENOENT)
                        snprintf(msg, sizeof(msg), "unknown key '%s'", l);
        }
        if (r >= 0)
                r = channel_config_verify(&c, &error);
        if (r != -ENOENT)
                snprintf(msg, sizeof(msg), "%s", r >= 0 ? "ok" : error ? error : "?");
        channel_config_done(&c);
        return msg;
}

static void test_config(void) {
        char dir[] = "/tmp/mailsup-secret-XXXXXX", path[128], text[512];
        FILE *f;

        CHECK_STREQ(config_error("type = webhook\nurl = https://hooks.example.org/x\nmin_severity = info"), "ok");
        CHECK_STREQ(config_error("type = pager\nurl = http://x/"),
                    "unknown notify type 'pager': expected webhook, alertmanager, smtp or ntfy");
        CHECK_STREQ(config_error("type = webhook\nurl = http://x/\nmin_severity = high"),
                    "invalid value 'high' for min_severity: expected info, warning or critical");
        CHECK_STREQ(config_error("type = webhook\nurl = http://x/\nfrom = a@b.c"), "key 'from' is not used by type webhook");
        CHECK_STREQ(config_error("from = a@b.c\ntype = webhook\nurl = http://x/"), "key 'from' is not used by type webhook");
        CHECK_STREQ(config_error("type = webhook\nurl = http://x/\ncolour = red"), "unknown key 'colour'");
        CHECK_STREQ(config_error("type = webhook"), "missing required key 'url'");
        CHECK_STREQ(config_error("url = http://x/"), "missing required key 'type'");
        CHECK_STREQ(config_error("type = webhook\nurl = smtp://x/"),
                    "invalid url 'smtp://x/' for type webhook: expected http:// or https://");
        CHECK_STREQ(config_error("type = webhook\nurl = http://x/\nheader = no colon"),
                    "invalid header 'no colon': expected Name: value");
        CHECK_STREQ(config_error("type = webhook\nurl = http://x/\nmax_age = forever"), "invalid duration 'forever' for max_age");
        CHECK_STREQ(config_error("type = smtp\nurl = smtps://relay.example.net\nfrom = a@b.c"), "missing required key 'to'");
        CHECK_STREQ(config_error("type = smtp\nurl = smtps://relay.example.net\nfrom = a@b.c\nto = x@y.z, bad"),
                    "invalid address 'bad' for to: expected user@domain");
        CHECK_STREQ(config_error("type = smtp\nurl = smtps://localhost:465\nfrom = a@b.c\nto = x@y.z"),
                    "smtp relay 'localhost' is on this host: alerts must not depend on the mail server they report "
                    "on (set allow_local_relay = yes to use it anyway)");
        CHECK_STREQ(config_error("type = smtp\nurl = smtp://[::1]:25\nfrom = a@b.c\nto = x@y.z\nallow_local_relay = yes"), "ok");
        CHECK_STREQ(config_error("type = smtp\nurl = https://relay.example.net\nfrom = a@b.c\nto = x@y.z"),
                    "invalid url 'https://relay.example.net' for type smtp: expected smtps://HOST[:PORT] or "
                    "smtp://HOST[:PORT] (STARTTLS)");
        CHECK(channel_host_is_local("127.0.0.2") && channel_host_is_local("LOCALHOST") && !channel_host_is_local("192.0.2.1"));

        CHECK(mkdtemp(dir) != NULL);
        snprintf(path, sizeof(path), "%s/secret", dir);
        f = fopen(path, "we");
        fputs("Authorization: Bearer t0ken\n# comment\nX-Other: 1\n", f);
        fclose(f);
        snprintf(text, sizeof(text), "type = webhook\nurl = http://x/\nheader_file = %s", path);
        CHECK(chmod(path, 0644) == 0);
        CHECK(strstr(config_error(text), "is readable by every user (mode 0644): chmod o-r it, it holds a secret"));
        CHECK(chmod(path, 0640) == 0);
        CHECK_STREQ(config_error(text), "ok");
        snprintf(text, sizeof(text), "type = smtp\nurl = smtps://relay.example.net\nfrom = a@b.c\nto = x@y.z\n"
                 "password_file = %s/missing", dir);
        CHECK(strstr(config_error(text), "cannot open password_file"));
        snprintf(path, sizeof(path), "rm -rf '%s'", dir);
        CHECK(system(path) == 0);
}

/* What the drop observer heard (the metrics exporter counts it per channel). */
static unsigned drops_full;

static void on_drop(const Notification *n, const char *channel, int r, const char *reason, void *userdata) {
        if (r == -EXFULL && streq(channel, "ops") && streq(reason, "outbox full"))
                drops_full++;
}

/* A full outbox drops the oldest info item first, and never a critical one for an info. */
static void test_outbox_full(void) {
        char dir[] = "/tmp/mailsup-full-XXXXXX", cmd[128];
        NotifierOptions o = { .outbox_max = 3, .host = "h" };
        ChannelConfig c;
        sd_event *e = NULL;
        Notifier *nf = NULL;
        NotifierStats st;
        Notification n = {};
        _cleanup_free_ char *error = NULL;

        CHECK(mkdtemp(dir) != NULL);
        o.outbox_dir = dir;
        CHECK(sd_event_new(&e) >= 0);
        CHECK_INT(notifier_new(e, &o, &nf), 0);
        channel_config_init(&c, "ops");
        CHECK_INT(channel_config_parse_key(&c, "type", "webhook", &error), 0);
        CHECK_INT(channel_config_parse_key(&c, "url", "http://127.0.0.1:9/", &error), 0);
        CHECK_INT(channel_config_parse_key(&c, "min_severity", "info", &error), 0);
        CHECK_INT(channel_config_verify(&c, &error), 0);
        CHECK_INT(notifier_add_channel(nf, &c), 0);
        CHECK_INT(notifier_add_channel(nf, &c), -EINVAL); /* the same name twice */
        channel_config_done(&c);
        notifier_set_drop_observer(nf, on_drop, NULL);
        notification_set(n.kind, "x");
        for (unsigned i = 0; i < 5; i++) {
                n.severity = i < 2 ? SEVERITY_INFO : SEVERITY_CRITICAL;
                n.id[0] = '\0';
                CHECK_INT(notifier_submit(nf, &n), 1);
        }
        n.severity = SEVERITY_INFO;
        n.id[0] = '\0';
        CHECK_INT(notifier_submit(nf, &n), 0); /* full of critical ones: the info newcomer goes */
        notifier_get_stats(nf, &st);
        CHECK_INT(st.pending, 3);
        CHECK_INT(st.dropped, 3);
        CHECK_INT(drops_full, 3); /* each drop told, with its channel */
        notifier_free(nf);
        sd_event_unref(e);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
}

int main(void) {
        test_json();
        test_outbox_file();
        test_outbox_dir();
        test_conditions();
        test_config();
        test_outbox_full();
        return tests_summary("test-notify");
}
