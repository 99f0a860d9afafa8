/* roundtrip-smtp.c: the canary's submission, an SMTP transaction.
 *
 * The smtp probe's opening (greeting, EHLO, STARTTLS: smtp.h) and then
 * what a mail client says: AUTH PLAIN when a username is set, MAIL FROM,
 * RCPT TO, DATA, the canary (its token in X-Mailsup-Canary and the
 * subject), and the 250 that must name the queue id ("queued as
 * 4XyZABC12"): without it a late canary could not be followed into the
 * queue, so a 250 that names none is a named failure. Each refusal names
 * its command and the reply ("RCPT answered 451 4.3.0 ..."), including a
 * milter's refusal of the message itself.
 *
 * See also: smtp.c, smtp-parse.h, roundtrip.c.
 */
#include "probes/roundtrip.h"

#include <time.h>

#include "common/dl-openssl.h"
#include "probes/smtp.h"

enum {
        RT_SMTP_AUTH = SMTP_STEP_NEXT,
        RT_SMTP_MAIL,
        RT_SMTP_RCPT,
        RT_SMTP_DATA,
        RT_SMTP_MESSAGE,
};

static Roundtrip *rt_of(const Stream *s) {
        return s->userdata;
}

static void send_line(Stream *s, unsigned step, const char *what, const char *fmt, const char *arg) {
        char line[STREAM_OUT_MAX];

        if ((size_t) snprintf(line, sizeof(line), fmt, arg) >= sizeof(line) || stream_send(s, line) < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "%s line does not fit the output buffer", what);
                return;
        }
        s->step = step;
        stream_expect(s, what);
}

static void send_mail_from(Stream *s) {
        send_line(s, RT_SMTP_MAIL, "reply to MAIL FROM", "MAIL FROM:<%s>\r\n", rt_of(s)->o->from);
}

/* AUTH PLAIN: base64 of "\0user\0password" (RFC 4616). */
static void send_auth(Stream *s, const char *buf, const SmtpReply *reply) {
        Roundtrip *rt = rt_of(s);
        unsigned char plain[512];
        char b64[4 * sizeof(plain) / 3 + 4];
        size_t u = strlen(rt->o->username), w = strlen(rt->password);
        int r;

        if (!smtp_ehlo_offers(buf, reply->consumed, "AUTH", "PLAIN")) {
                (void) stream_send(s, "QUIT\r\n");
                stream_end(s, PROBE_BAD_REPLY, "AUTH PLAIN not offered%s", s->tls ? "" : " (without TLS)");
                return;
        }
        if (u + w + 2 > sizeof(plain)) {
                stream_end(s, PROBE_INTERNAL_ERROR, "username and password too long for AUTH PLAIN");
                return;
        }
        plain[0] = '\0';
        memcpy(plain + 1, rt->o->username, u);
        plain[1 + u] = '\0';
        memcpy(plain + 2 + u, rt->password, w);
        r = base64_encode(b64, plain, u + w + 2);
        explicit_bzero(plain, sizeof(plain));
        if (r < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "cannot encode AUTH PLAIN: %s", strerror(-r));
                return;
        }
        send_line(s, RT_SMTP_AUTH, "reply to AUTH", "AUTH PLAIN %s\r\n", b64);
        explicit_bzero(b64, sizeof(b64));
}

static void hello_done(Stream *s, const char *buf, const SmtpReply *reply) {
        if (rt_of(s)->o->username)
                send_auth(s, buf, reply);
        else
                send_mail_from(s);
}

/* The canary, dot-stuffing needless: every line is ours and none starts with '.'. */
static void send_message(Stream *s) {
        Roundtrip *rt = rt_of(s);
        const Canary *c = &rt->sending;
        char token[160], date[64], msg[STREAM_OUT_MAX];
        time_t t = (time_t) (c->sent / USEC_PER_SEC);
        struct tm tm;
        int n;

        if (canary_header_format(token, sizeof(token), rt->probe->config->name, c) < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "check name too long for the canary's header");
                return;
        }
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&t, &tm));
        n = snprintf(msg, sizeof(msg),
                     "From: <%s>\r\nTo: <%s>\r\nSubject: mailsup canary %s\r\nDate: %s\r\n"
                     "Message-ID: <%s.%llu@mailsup.invalid>\r\n" RT_HEADER_NAME ": %s\r\n"
                     "Auto-Submitted: auto-generated\r\n\r\n"
                     "mailsup's delivery canary; it deletes it on arrival.\r\n.\r\n",
                     rt->o->from, rt->o->to, c->id, date, c->id, (unsigned long long) c->sent, token);
        if (n < 0 || (size_t) n >= sizeof(msg) || stream_send(s, msg) < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "the canary does not fit the output buffer");
                return;
        }
        s->step = RT_SMTP_MESSAGE;
        stream_expect(s, "reply to the message");
}

static void on_queued(Stream *s, const SmtpReply *reply) {
        Roundtrip *rt = rt_of(s);
        char line[96];

        if (smtp_queue_id_parse(reply->text, reply->text_len, rt->sending.queue_id,
                                sizeof(rt->sending.queue_id)) < 0) {
                sanitize_line(line, sizeof(line), reply->text, reply->text_len);
                (void) stream_send(s, "QUIT\r\n");
                stream_end(s, PROBE_PROTOCOL_ERROR, "message answered 250 without a queue id: \"%s\"", line);
                return;
        }
        rt->sent = true;
        (void) stream_send(s, "QUIT\r\n");
        stream_end(s, PROBE_OK, "queued as %s", rt->sending.queue_id);
}

static const char *command_of(unsigned step) {
        switch (step) {
        case RT_SMTP_AUTH:
                return "AUTH";
        case RT_SMTP_MAIL:
                return "MAIL FROM";
        case RT_SMTP_RCPT:
                return "RCPT";
        case RT_SMTP_DATA:
                return "DATA";
        default:
                return "message";
        }
}

static void on_reply(Stream *s, const SmtpReply *reply) {
        bool yes = s->step == RT_SMTP_AUTH ? reply->code == 235 : s->step == RT_SMTP_DATA ? reply->code == 354 :
                   s->step == RT_SMTP_RCPT ? reply->code == 250 || reply->code == 251 : reply->code == 250;
        char text[160];

        if (!yes) {
                sanitize_line(text, sizeof(text), reply->text, reply->text_len);
                (void) stream_send(s, "QUIT\r\n");
                stream_end(s, reply->code >= 400 ? PROBE_BAD_REPLY : PROBE_PROTOCOL_ERROR, "%s answered %u%s%s",
                           command_of(s->step), reply->code, *text ? " " : "", text);
                return;
        }
        switch (s->step) {
        case RT_SMTP_AUTH:
                send_mail_from(s);
                break;
        case RT_SMTP_MAIL:
                send_line(s, RT_SMTP_RCPT, "reply to RCPT", "RCPT TO:<%s>\r\n", rt_of(s)->o->to);
                break;
        case RT_SMTP_RCPT:
                send_line(s, RT_SMTP_DATA, "reply to DATA", "%s\r\n", "DATA");
                break;
        case RT_SMTP_DATA:
                send_message(s);
                break;
        default:
                on_queued(s, reply);
        }
}

static size_t rt_smtp_input(Stream *s, const char *buf, size_t len) {
        SmtpReply reply;

        if (s->step < SMTP_STEP_NEXT)
                return smtp_stream_input(s, buf, len);
        if (smtp_stream_reply(s, buf, len, &reply) <= 0)
                return 0;
        on_reply(s, &reply);
        return reply.consumed;
}

static const SmtpDialect submission_dialect = {
        .hello = "EHLO",
        .awaiting_hello = "reply to EHLO",
        .hello_done = hello_done,
};

static const StreamOps submission_ops = {
        .input = rt_smtp_input,
        .tls_ready = smtp_stream_hello,
        .data = &submission_dialect,
        .finished = roundtrip_session_done,
};

int roundtrip_smtp_start(Roundtrip *rt) {
        const ProbeConfig *c = rt->probe->config;
        StreamTarget t = { .host = c->host, .port = c->port, .tls = tls_options_get(c) };

        return stream_session_start(rt->probe, &submission_ops, &t, rt, &rt->smtp);
}
