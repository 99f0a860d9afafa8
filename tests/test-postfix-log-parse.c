/* test-postfix-log-parse.c: Postfix's log lines, the window and its verdict.
 *
 * The lines are recorded: Postfix 3.7.11 (Debian 12) of the e2e test
 * postfix-log-file.sh wrote them to its maillog_file while it delivered by
 * LMTP to Dovecot, bounced, deferred, rejected, refused a SASL login and
 * did STARTTLS. Then the syslog split on odd and hostile lines, the
 * identifiers Postfix uses (one instance and several), the window sliding
 * past what it counted, and the reasons the judge writes.
 *
 * See also: probes/postfix-log-parse.c, probes/postfix-log-count.c.
 */
#include "probes/postfix-log-count.h"
#include "tests/test-net.h"

#define L_SENT "Dec 02 03:07:37 mailsup-test postfix/lmtp[792]: EFC82A764D3: to=<known@test.invalid>, relay=127.0.0.1[127.0.0.1]:46075, delay=0.26, delays=0.08/0.11/0.01/0.06, dsn=2.0.0, status=sent (250 2.0.0 <known@test.invalid> AHbyBXmLD2tGAQAAg+zDdQ Saved)"
#define L_BOUNCED "Dec 02 03:07:39 mailsup-test postfix/lmtp[792]: 132D1A76469: to=<ghost@test.invalid>, relay=127.0.0.1[127.0.0.1]:46075, delay=0.07, delays=0.01/0.01/0.01/0.05, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <ghost@test.invalid> User doesn't exist: ghost@test.invalid (in reply to RCPT TO command))"
#define L_DEFERRED "Dec 02 03:07:40 mailsup-test postfix/lmtp[792]: ABF7BA76466: to=<someone@dead.invalid>, relay=none, delay=0.03, delays=0.02/0.01/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:36435: Connection refused)"
#define L_REJECT "Dec 02 03:07:42 mailsup-test postfix/smtpd[921]: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 550 5.1.1 <nobody@test.invalid>: Recipient address rejected: User unknown in virtual mailbox table; from=<> to=<nobody@test.invalid> proto=ESMTP helo=<[127.0.0.1]>"
#define L_SASL "Dec 02 03:07:46 mailsup-test postfix/smtpd[963]: warning: localhost[127.0.0.1]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=known@test.invalid"
#define L_TLS "Dec 02 03:07:52 mailsup-test postfix/smtpd[964]: Anonymous TLS connection established from localhost[127.0.0.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"
#define L_DISC_TLS "Dec 02 03:07:52 mailsup-test postfix/smtpd[964]: disconnect from localhost[127.0.0.1] ehlo=2 starttls=1 noop=1 quit=1 commands=5"
#define L_DISC_PLAIN "Dec 02 03:07:42 mailsup-test postfix/smtpd[921]: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=0/1 rset=1 quit=1 commands=4/5"
#define L_CLIENT "Dec 02 03:07:36 mailsup-test postfix/smtpd[789]: EFC82A764D3: client=localhost[127.0.0.1]"
#define L_QMGR "Dec 02 03:07:36 mailsup-test postfix/qmgr[680]: EFC82A764D3: from=<>, size=353, nrcpt=1 (queue active)"
#define L_CONNECT_REFUSED "Dec 02 03:07:40 mailsup-test postfix/lmtp[792]: connect to 127.0.0.1[127.0.0.1]:36435: Connection refused"
#define L_STARTED "Dec 02 03:07:29 mailsup-test postfix/master[605]: daemon started -- version 3.7.11, configuration /tmp/mailsup-test.68n9b6/pf.service/conf"

static PostfixLogEvent classify(const char *line) {
        PostfixLogEvent ev = { .kind = _POSTFIX_LOG_KIND_MAX };
        SyslogLine l;

        CHECK_INT(syslog_line_split(line, strlen(line), &l), 0);
        CHECK(postfix_log_ident(l.ident, l.ident_len));
        postfix_log_classify(l.ident, l.ident_len, l.msg, l.msg_len, &ev);
        return ev;
}

static void test_recorded(void) {
        PostfixLogEvent ev;

        CHECK_INT(classify(L_SENT).kind, POSTFIX_LOG_SENT);
        ev = classify(L_BOUNCED);
        CHECK_INT(ev.kind, POSTFIX_LOG_BOUNCED);
        CHECK_STREQ(ev.cause, "5.1.1 User doesn't exist");
        ev = classify(L_DEFERRED);
        CHECK_INT(ev.kind, POSTFIX_LOG_DEFERRED);
        CHECK_STREQ(ev.cause, "4.4.1 connect to 127.0.0.1[127.0.0.1]:36435: Connection refused");
        ev = classify(L_REJECT);
        CHECK_INT(ev.kind, POSTFIX_LOG_REJECTED);
        CHECK_INT(ev.phase, POSTFIX_PHASE_RCPT);
        CHECK_INT(ev.code, 550);
        CHECK_STREQ(ev.cause, "RCPT 550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table");
        ev = classify(L_SASL);
        CHECK_INT(ev.kind, POSTFIX_LOG_SASL_FAILED);
        CHECK_STREQ(ev.cause, "localhost[127.0.0.1]");
        CHECK_INT(classify(L_TLS).kind, POSTFIX_LOG_TLS);
        ev = classify(L_DISC_TLS);
        CHECK_INT(ev.kind, POSTFIX_LOG_DISCONNECT);
        CHECK(ev.starttls);
        ev = classify(L_DISC_PLAIN);
        CHECK_INT(ev.kind, POSTFIX_LOG_DISCONNECT);
        CHECK(!ev.starttls);
        CHECK_INT(classify(L_CLIENT).kind, POSTFIX_LOG_RECEIVED);
        CHECK_INT(classify(L_QMGR).kind, POSTFIX_LOG_OTHER);
        CHECK_INT(classify(L_CONNECT_REFUSED).kind, POSTFIX_LOG_OTHER);
        CHECK_INT(classify(L_STARTED).kind, POSTFIX_LOG_OTHER);
}

static void test_split(void) {
        const char *rfc3339 = "2026-12-02T03:07:39.123456+00:00 mx postfix/submission/smtpd[6785]: connect from x";
        const char *no_pid = "Dec  2 03:07:39 mx postfix/postfix-script: starting the Postfix mail system";
        SyslogLine l;

        CHECK_INT(syslog_line_split(rfc3339, strlen(rfc3339), &l), 0);
        CHECK_INT(l.ident_len, strlen("postfix/submission/smtpd"));
        CHECK_INT(l.pid, 6785);
        CHECK_INT(l.msg_len, strlen("connect from x"));
        CHECK_INT(syslog_line_split(no_pid, strlen(no_pid), &l), 0);
        CHECK_INT(l.pid, 0);
        CHECK(memcmp(l.msg, "starting", 8) == 0);
        /* Not a syslog line: no crash, no read past the length given. */
        CHECK_INT(syslog_line_split("", 0, &l), -EINVAL);
        CHECK_INT(syslog_line_split("xxxxxxxxxxxxxxxxxxxxxxxxxxx", 27, &l), -EINVAL);
        CHECK_INT(syslog_line_split("Dec  2 03:07:39 mx postfix/smtpd[99999999999]: x", 48, &l), -EINVAL);
        CHECK_INT(syslog_line_split("Dec  2 03:07:39 mx postfix/smtpd[12", 35, &l), -EINVAL);
        CHECK_INT(syslog_line_split(L_SENT, 60, &l), 0); /* cut inside the message */
}

static void test_ident(void) {
        CHECK(postfix_log_ident("postfix/smtpd", 13));
        CHECK(postfix_log_ident("postfix/submission/smtpd", 24));
        CHECK(postfix_log_ident("postfix-out/smtp", 16));   /* postmulti's instance "postfix-out" */
        CHECK(!postfix_log_ident("postfix", 7));            /* postfix(1) itself, and postfix-script has a slash */
        CHECK(!postfix_log_ident("postfix/", 8));
        CHECK(!postfix_log_ident("postfix-/smtpd", 14));
        CHECK(!postfix_log_ident("dovecot", 7));
        CHECK(!postfix_log_ident("postfixadmin", 12));
        CHECK(!postfix_log_ident("postfix/smtpd", 7));      /* only the length given counts */
}

static void test_hostile(void) {
        PostfixLogEvent ev;
        char msg[600];
        /* A reason with control bytes and invalid UTF-8, far longer than a cause. */
        int n = snprintf(msg, sizeof(msg), "0A1B2C3D4E: to=<a@b>, relay=x, dsn=5.7.1, status=bounced (host x said: "
                         "550 5.7.1 \x1b[31mred\xff\xfe %0400d)", 7);

        postfix_log_classify("postfix/smtp", 12, msg, (size_t) n, &ev);
        CHECK_INT(ev.kind, POSTFIX_LOG_BOUNCED);
        CHECK(strlen(ev.cause) < POSTFIX_LOG_CAUSE_MAX);
        CHECK(!strchr(ev.cause, '\x1b'));
        CHECK(strncmp(ev.cause, "5.7.1 ", 6) == 0);
        /* Cut anywhere: never a read past the end (ASan runs these). */
        for (size_t k = 0; k < strlen(L_REJECT); k++) {
                char *copy = malloc(k ?: 1);
                SyslogLine l;

                memcpy(copy, L_REJECT, k);
                if (syslog_line_split(copy, k, &l) == 0)
                        postfix_log_classify(l.ident, l.ident_len, l.msg, l.msg_len, &ev);
                free(copy);
        }
        postfix_log_classify("postfix/smtpd", 13, "warning: ", 9, &ev);
        CHECK_INT(ev.kind, POSTFIX_LOG_OTHER);
}

static void add_line(PostfixLogWindow *w, const char *line, usec_t now) {
        PostfixLogEvent ev = classify(line);

        postfix_log_window_add(w, &ev, now);
}

static void test_window(void) {
        PostfixLogWindow w;
        PostfixLogSums s;
        usec_t t0 = 1000 * USEC_PER_SEC, win = 10 * USEC_PER_MINUTE;
        char top[POSTFIX_LOG_CAUSE_MAX];

        postfix_log_window_init(&w, win, t0);
        add_line(&w, L_BOUNCED, t0);
        add_line(&w, L_BOUNCED, t0 + 60 * USEC_PER_SEC);
        add_line(&w, L_DEFERRED, t0 + 60 * USEC_PER_SEC);
        add_line(&w, L_SENT, t0 + 120 * USEC_PER_SEC);
        add_line(&w, L_REJECT, t0 + 120 * USEC_PER_SEC);
        add_line(&w, L_DISC_TLS, t0 + 120 * USEC_PER_SEC);
        add_line(&w, L_DISC_PLAIN, t0 + 120 * USEC_PER_SEC);
        postfix_log_window_sum(&w, t0 + 180 * USEC_PER_SEC, &s);
        CHECK_INT(s.n[COUNT_BOUNCED], 2);
        CHECK_INT(s.n[COUNT_DEFERRED], 1);
        CHECK_INT(s.n[COUNT_SENT], 1);
        CHECK_INT(s.n[COUNT_REJECTED + POSTFIX_PHASE_RCPT], 1);
        CHECK_INT(s.rejected, 1);
        CHECK_INT(s.n[COUNT_CONNECTIONS], 2);
        CHECK_INT(s.n[COUNT_TLS], 1);
        CHECK_INT(s.covered, 180 * USEC_PER_SEC);
        CHECK_INT(postfix_log_window_top(&w, POSTFIX_LOG_BOUNCED, t0 + 180 * USEC_PER_SEC, top, sizeof(top)), 2);
        CHECK_STREQ(top, "5.1.1 User doesn't exist");
        /* A flood of rejects does not push out the bounces' causes. */
        for (int i = 0; i < 1000; i++)
                add_line(&w, L_REJECT, t0 + 120 * USEC_PER_SEC);
        CHECK_INT(postfix_log_window_top(&w, POSTFIX_LOG_BOUNCED, t0 + 180 * USEC_PER_SEC, top, sizeof(top)), 2);
        CHECK_STREQ(top, "5.1.1 User doesn't exist");
        CHECK_INT(postfix_log_window_top(&w, POSTFIX_LOG_REJECTED, t0 + 180 * USEC_PER_SEC, top, sizeof(top)),
                  POSTFIX_LOG_CAUSES);
        /* The first bounce slides out 10min after it came; the rest stays. */
        postfix_log_window_sum(&w, t0 + win + 30 * USEC_PER_SEC, &s);
        CHECK_INT(s.n[COUNT_BOUNCED], 1);
        CHECK_INT(s.n[COUNT_SENT], 1);
        CHECK_INT(s.covered, win);
        /* A quiet day later: nothing, and no top cause. */
        postfix_log_window_sum(&w, t0 + 24 * USEC_PER_HOUR, &s);
        CHECK_INT(s.n[COUNT_BOUNCED] + s.n[COUNT_SENT] + s.rejected, 0);
        CHECK_INT(postfix_log_window_top(&w, POSTFIX_LOG_BOUNCED, t0 + 24 * USEC_PER_HOUR, top, sizeof(top)), 0);
        CHECK_STREQ(top, "");
}

static void test_judge(void) {
        PostfixLogWindow w;
        PostfixLogLimits l = {};
        usec_t t0 = 5000 * USEC_PER_SEC, win = 10 * USEC_PER_MINUTE, now = t0 + USEC_PER_MINUTE;
        char reason[PROBE_REASON_MAX];

        postfix_log_window_init(&w, win, t0 - win); /* watching for a while */
        for (int i = 0; i < 41; i++)
                add_line(&w, L_SENT, t0 + 1);
        for (int i = 0; i < 3; i++) {
                add_line(&w, L_BOUNCED, t0 + 2);
                add_line(&w, L_DEFERRED, t0 + 2);
                add_line(&w, L_REJECT, t0 + 2);
        }
        CHECK_INT(postfix_log_judge(&l, &w, now, reason, sizeof(reason)), PROBE_SEVERITY_NONE);
        CHECK_STREQ(reason, "in 10min: 41 sent, 3 bounced, 3 deferred, 3 rejected");
        l.bounced = (PostfixLogLimit) { 2, true, PROBE_SEVERITY_WARNING };
        CHECK_INT(postfix_log_judge(&l, &w, now, reason, sizeof(reason)), PROBE_SEVERITY_WARNING);
        CHECK_STREQ(reason, "in 10min: 3 bounced (above max_bounced 2; top: 5.1.1 User doesn't exist), 41 sent, "
                    "3 deferred, 3 rejected");
        l.rejected = (PostfixLogLimit) { 2, true, PROBE_SEVERITY_CRITICAL };
        CHECK_INT(postfix_log_judge(&l, &w, now, reason, sizeof(reason)), PROBE_SEVERITY_CRITICAL);
        CHECK(strstr(reason, "3 rejected (above max_rejected 2)"));
        /* 3 of 47 attempts bounced: 6% */
        l = (PostfixLogLimits) { .bounce_ratio = { 5, true, PROBE_SEVERITY_WARNING } };
        CHECK_INT(postfix_log_judge(&l, &w, now, reason, sizeof(reason)), PROBE_SEVERITY_WARNING);
        CHECK(strstr(reason, "bounce ratio 6% of 47 attempts (above max_bounce_ratio 5%)"));
        l.bounce_ratio.value = 7;
        CHECK_INT(postfix_log_judge(&l, &w, now, reason, sizeof(reason)), PROBE_SEVERITY_NONE);
        /* Silence while mail comes in: judged over a whole window only. */
        l = (PostfixLogLimits) { .delivered = { 1, true, PROBE_SEVERITY_CRITICAL } };
        postfix_log_window_init(&w, win, t0);
        add_line(&w, L_CLIENT, t0 + win / 2);
        CHECK_INT(postfix_log_judge(&l, &w, t0 + win / 2, reason, sizeof(reason)), PROBE_SEVERITY_NONE);
        CHECK_STREQ(reason, "in 5min so far: 0 sent");
        CHECK_INT(postfix_log_judge(&l, &w, t0 + win - 1, reason, sizeof(reason)), PROBE_SEVERITY_NONE);
        CHECK_INT(postfix_log_judge(&l, &w, t0 + win, reason, sizeof(reason)), PROBE_SEVERITY_CRITICAL);
        CHECK_STREQ(reason, "in 10min: 0 sent (below min_delivered 1 while 1 came in)");
}

#define HEAD "[check log]\ntype = postfix_log\n"

/* A bad key is an error with FILE:LINE that says what is wrong. */
static void test_config(void) {
        Config *c = NULL;

        CHECK_INT(config_load_string("[check log]\ntype = postfix_log\nsource = /var/log/mail.log\nwindow = 1h\n"
                                     "max_bounced = 20 critical\nmax_bounce_ratio = 30%\nmin_delivered = 1\n",
                                     "t.conf", &c, NULL), 0);
        CHECK(c && c->n_checks == 1 && c->checks[0].action == CHECK_ACTION_ALERT);
        config_free(c);
        net_config_error(HEAD, "source = mail.log",
                         "t.conf:3: invalid value 'mail.log' for source: expected journal or an absolute path");
        net_config_error(HEAD, "window = 10s",
                         "t.conf:3: invalid value '10s' for window: expected a duration from 1min");
        net_config_error(HEAD, "max_bounced = many",
                         "t.conf:3: invalid value 'many' for max_bounced: expected a number");
        net_config_error(HEAD, "max_deferred = 5 severe", "t.conf:3: invalid severity 'severe' for max_deferred");
        net_config_error(HEAD, "max_bounce_ratio = 150%",
                         "t.conf:3: invalid value '150%' for max_bounce_ratio: expected a percentage");
        net_config_error(HEAD, "port = 25", "key 'port' is not used by type postfix_log");
        net_config_error(HEAD, "interval = 20min", "window 10min is shorter than the check's interval 20min");
}

int main(void) {
        test_config();
        test_recorded();
        test_split();
        test_ident();
        test_hostile();
        test_window();
        test_judge();
        return tests_summary("test-postfix-log-parse");
}
