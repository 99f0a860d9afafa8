/* test-notify-smtp.c: mail through a real SMTP relay (aiosmtpd), STARTTLS required.
 *
 * python3-aiosmtpd on loopback as the "external" relay, with STARTTLS on a
 * certificate made here by openssl and a Maildir behind it. The relay is on
 * this host, so the channel needs allow_local_relay = yes; without it the
 * config is refused with a message saying why. A relay that does not offer
 * STARTTLS gets nothing (the attempt fails and the mail waits), since the
 * channel never sends in clear over smtp://.
 *
 * See also: notify/smtp-relay.c, notify/channel-config.c.
 */
#include <dirent.h>

#include "tests/test-notify-net.h"

#define OPENSSL "/usr/bin/openssl"

static pid_t start_relay(uint16_t port, bool tls, const char *maildir) {
        char listen[32];
        char *with_tls[] = { "/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", listen, "--tlscert",
                             (char *) net_path("cert.pem"), "--tlskey", (char *) net_path("key.pem"), "-c",
                             "aiosmtpd.handlers.Mailbox", (char *) net_path(maildir), NULL };
        char *plain[] = { "/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", listen, "-c",
                          "aiosmtpd.handlers.Mailbox", (char *) net_path(maildir), NULL };
        pid_t pid;

        snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
        pid = net_spawn("relay.log", tls ? with_tls : plain);
        return net_wait_port(port, "relay.log") ? pid : -1;
}

static void make_cert(void) {
        char *argv[] = { OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                         (char *) net_path("key.pem"), "-out", (char *) net_path("cert.pem"), NULL };
        pid_t pid = net_spawn("openssl.log", argv);

        CHECK(waitpid(pid, NULL, 0) == pid);
}

/* The text of the first mail in maildir/new, or "". */
static const char *first_mail(const char *maildir) {
        char dir[PATH_MAX], name[PATH_MAX + 300] = "";
        struct dirent *de;
        DIR *d;

        snprintf(dir, sizeof(dir), "%s/new", net_path(maildir));
        d = opendir(dir);
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.') {
                        snprintf(name, sizeof(name), "%s/new/%s", maildir, de->d_name);
                        break;
                }
        if (d)
                closedir(d);
        return name[0] ? notify_record(name) : "";
}

static bool idle(void *ud) {
        return notifier_idle(ud);
}

static Notifier *smtp_notifier(sd_event *e, uint16_t port, const char *outbox) {
        NotifierOptions o = { .outbox_dir = net_path(outbox), .host = "mx-smtp", .retry_min = 200 * USEC_PER_MSEC };
        char text[512];
        ChannelConfig c;
        Notifier *nf = NULL;

        snprintf(text, sizeof(text), "type = smtp\nurl = smtp://127.0.0.1:%u\nfrom = mailsup@mx-smtp.test\n"
                 "to = ops@example.org, oncall@example.org\nca_file = %s\nallow_local_relay = yes\ntimeout = 5s\n",
                 port, net_path("cert.pem"));
        CHECK(notifier_new(e, &o, &nf) >= 0);
        CHECK(notify_channel(&c, "mail", text));
        CHECK(notifier_add_channel(nf, &c) >= 0);
        channel_config_done(&c);
        return nf;
}

static void test_local_relay_refused(void) {
        ChannelConfig c;
        _cleanup_free_ char *error = NULL;

        channel_config_init(&c, "mail");
        CHECK(channel_config_parse_key(&c, "type", "smtp", &error) == 0);
        CHECK(channel_config_parse_key(&c, "url", "smtps://127.0.0.1:465", &error) == 0);
        CHECK(channel_config_parse_key(&c, "from", "a@b.test", &error) == 0);
        CHECK(channel_config_parse_key(&c, "to", "c@d.test", &error) == 0);
        CHECK_INT(channel_config_verify(&c, &error), -EINVAL);
        printf("local relay: %s\n", error);
        CHECK_STREQ(error, "smtp relay '127.0.0.1' is on this host: alerts must not depend on the mail server "
                           "they report on (set allow_local_relay = yes to use it anyway)");
        channel_config_done(&c);
}

int main(void) {
        Notification n = { .severity = SEVERITY_CRITICAL };
        sd_event *e = NULL;
        Notifier *nf;
        NotifierStats st;
        uint16_t port = 0, plain_port = 0;
        pid_t relay, plain;
        const char *mail;

        net_require("/usr/bin/python3");
        net_require(OPENSSL);
        if (system("/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null") != 0) {
                printf("SKIP: python3-aiosmtpd is not installed (tests/install-deps.sh installs it)\n");
                return 77;
        }
        net_setup();
        test_local_relay_refused();
        make_cert();
        port = net_free_port();
        plain_port = net_free_port();
        relay = start_relay(port, true, "maildir");
        plain = start_relay(plain_port, false, "plain-maildir");
        CHECK(relay > 0 && plain > 0);
        CHECK(sd_event_new(&e) >= 0);
        notification_set(n.kind, "check-disabled");
        notification_set(n.check, "postfix");
        notification_set(n.unit, "postfix.service");
        notification_set(n.state, "disabled");
        notification_set(n.reason, "postfix: failed to restart after 3 attempts within 5 cycles");

        nf = smtp_notifier(e, port, "outbox");
        CHECK_INT(notifier_submit(nf, &n), 1);
        CHECK(notify_run(e, idle, nf, 10 * USEC_PER_SEC));
        mail = first_mail("maildir");
        printf("mail:\n%s\n", mail);
        CHECK(strstr(mail, "Subject: [mailsup] critical postfix: check-disabled on mx-smtp"));
        CHECK(strstr(mail, "From: mailsup@mx-smtp.test"));
        CHECK(strstr(mail, "To: ops@example.org, oncall@example.org"));
        CHECK(strstr(mail, "X-RcptTo: ops@example.org, oncall@example.org"));
        CHECK(strstr(mail, "postfix: failed to restart after 3 attempts within 5 cycles"));
        CHECK(strstr(mail, "X-Mailsup-Id: "));
        notifier_free(nf);

        /* No STARTTLS offered: nothing is sent in clear, the mail waits. */
        nf = smtp_notifier(e, plain_port, "outbox-plain");
        CHECK_INT(notifier_submit(nf, &n), 1);
        notify_run(e, NULL, NULL, USEC_PER_SEC);
        notifier_get_stats(nf, &st);
        CHECK(st.failed_attempts >= 1);
        CHECK_INT(st.pending, 1);
        CHECK_STREQ(first_mail("plain-maildir"), "");
        notifier_free(nf);

        sd_event_unref(e);
        net_kill(relay);
        net_kill(plain);
        net_cleanup();
        return tests_summary("test-notify-smtp");
}
