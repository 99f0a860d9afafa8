/* smtp.c: the "smtp" probe: greeting, EHLO, QUIT (RFC 5321), over TLS too.
 *
 * A Postfix whose master still runs but whose smtpd cannot serve (full
 * queue, broken maps, stuck proxymap) accepts TCP and then says 421, or
 * nothing at all. This reads the 220 greeting, says EHLO and wants 250, then
 * sends QUIT and finishes without waiting for the 221: the server has shown
 * it serves. Each reply is judged by smtp_reply_parse() on the buffered bytes.
 *
 * With starttls = yes (RFC 3207) the EHLO reply must offer STARTTLS; the
 * probe says STARTTLS, wants 220, lets the engine shake hands, and says
 * EHLO again over TLS. With tls = yes (465, RFC 8314) the engine shakes
 * hands first and the conversation is the plain one. Certificates: tls.h.
 *
 * The conversation is shared with lmtp and roundtrip's submission (smtp.h):
 * the hello verb and its wording come from the type's dialect, and so does
 * what follows the hello (roundtrip sends a message).
 *
 * See also: smtp-parse.h, stream.h, tls.h, imap.c, lmtp.c.
 */
#include "probes/smtp.h"

#include "probes/smtp-parse.h"

#include <assert.h>

#include <ctype.h>
#include <limits.h>

#define SMTP_FALLBACK_HELO "mailsup.invalid"

static const SmtpDialect *dialect(const Stream *s) {
        return s->ops->data;
}

/* A host name fit for EHLO: letters, digits, '-' and '.', with a dot inside. */
static bool is_helo_domain(const char *name) {
        size_t n = strlen(name);

        if (n == 0 || !strchr(name, '.') || !isalnum((unsigned char) name[0]) ||
            !isalnum((unsigned char) name[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) name[i]) && name[i] != '-' && name[i] != '.')
                        return false;
        return true;
}

void smtp_stream_hello(Stream *s) {
        const SmtpDialect *d = dialect(s);
        char host[HOST_NAME_MAX + 1] = {}, line[sizeof(host) + 8];

        /* gethostname() reads the kernel's uts name: no lookup, no blocking. */
        if (gethostname(host, sizeof(host) - 1) < 0 || !is_helo_domain(host))
                snprintf(host, sizeof(host), "%s", SMTP_FALLBACK_HELO);
        snprintf(line, sizeof(line), "%s %s\r\n", d->hello, host);
        if (stream_send(s, line) < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "%s line does not fit the output buffer", d->hello);
                return;
        }
        stream_expect(s, d->awaiting_hello);
        s->step = s->step == SMTP_STEP_STARTTLS ? SMTP_STEP_EHLO_TLS : SMTP_STEP_EHLO;
}

static void on_greeting(Stream *s, const SmtpReply *reply, const char *text) {
        const char *sep = *text ? " " : "";

        if (reply->code == 220)
                smtp_stream_hello(s);
        else if (reply->code >= 400)
                stream_end(s, PROBE_BAD_GREETING, "greeting %u%s%s", reply->code, sep, text);
        else
                stream_end(s, PROBE_PROTOCOL_ERROR, "unexpected greeting %u%s%s", reply->code, sep, text);
}

static void send_starttls(Stream *s, const char *buf, const SmtpReply *reply) {
        if (!smtp_ehlo_offers(buf, reply->consumed, "STARTTLS", NULL)) {
                (void) stream_send(s, "QUIT\r\n");
                stream_end(s, PROBE_BAD_REPLY, "STARTTLS not offered");
                return;
        }
        (void) stream_send(s, "STARTTLS\r\n"); /* the output buffer is empty: EHLO was answered */
        stream_expect(s, "reply to STARTTLS");
        s->step = SMTP_STEP_STARTTLS;
}

static void on_starttls_reply(Stream *s, const SmtpReply *reply, const char *text) {
        if (reply->code == 220)
                stream_upgrade_tls(s);
        else
                stream_end(s, PROBE_BAD_REPLY, "STARTTLS answered %u%s%s", reply->code, *text ? " " : "", text);
}

static void on_ehlo_reply(Stream *s, const SmtpReply *reply, const char *text, const char *buf) {
        const char *hello = dialect(s)->hello;

        if (reply->code != 250) {
                stream_end(s, PROBE_BAD_REPLY, "%s %sanswered %u%s%s", hello, s->step == SMTP_STEP_EHLO_TLS ?
                           "over TLS " : "", reply->code, *text ? " " : "", text);
                return;
        }
        if (s->step == SMTP_STEP_EHLO && s->tls_options && s->tls_options->starttls) {
                send_starttls(s, buf, reply);
                return;
        }
        if (dialect(s)->hello_done) {
                dialect(s)->hello_done(s, buf, reply);
                return;
        }
        /* Polite, and written before the close; the 221 is not awaited. */
        (void) stream_send(s, "QUIT\r\n");
        stream_end(s, PROBE_OK, "%s %sanswered 250", hello, s->tls ? "over TLS " : "");
}

int smtp_stream_reply(Stream *s, const char *buf, size_t len, SmtpReply *reply) {
        int r = smtp_reply_parse(buf, len, reply);

        if (r == -EMSGSIZE)
                stream_end(s, PROBE_OVERLONG, "%s has a line longer than %u bytes", s->waiting, SMTP_LINE_MAX);
        else if (r == -E2BIG)
                stream_end(s, PROBE_OVERLONG, "%s has more than %u lines", s->waiting, SMTP_REPLY_LINES_MAX);
        else if (r < 0)
                stream_end_malformed(s, "reply", buf, len);
        return r < 0 ? -1 : r > 0;
}

size_t smtp_stream_input(Stream *s, const char *buf, size_t len) {
        SmtpReply reply;
        char text[160];

        if (smtp_stream_reply(s, buf, len, &reply) <= 0)
                return 0;

        assert(s->step < SMTP_STEP_NEXT);
        sanitize_line(text, sizeof(text), reply.text, reply.text_len);
        if (s->step == SMTP_STEP_GREETING)
                on_greeting(s, &reply, text);
        else if (s->step == SMTP_STEP_STARTTLS)
                on_starttls_reply(s, &reply, text);
        else
                on_ehlo_reply(s, &reply, text, buf);
        return reply.consumed;
}

static const SmtpDialect smtp_dialect = { .hello = "EHLO", .awaiting_hello = "reply to EHLO" };

static const StreamOps smtp_ops = {
        .input = smtp_stream_input,
        .tls_ready = smtp_stream_hello,
        .data = &smtp_dialect,
};

static int smtp_start(Probe *p) {
        return stream_start_unix(p, &smtp_ops, tls_options_get(p->config), tls_options_socket(p->config));
}

const ProbeType probe_type_smtp = {
        .name = "smtp",
        .default_port = 25,
        .start = smtp_start,
        STREAM_TLS_TYPE_MEMBERS,
};
