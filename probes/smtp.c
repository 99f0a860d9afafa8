/* smtp.c: the "smtp" probe: greeting, EHLO, QUIT (RFC 5321).
 *
 * A Postfix whose master still runs but whose smtpd cannot serve (full
 * queue, broken maps, stuck proxymap) accepts TCP and then says 421, or
 * nothing at all. This reads the 220 greeting, says EHLO and wants 250, then
 * sends QUIT and finishes without waiting for the 221: the server has shown
 * it serves. Each reply is judged by smtp_reply_parse() on the buffered bytes.
 *
 * See also: smtp-parse.h, stream.h, imap.c.
 */
#include "probes/smtp-parse.h"
#include "probes/stream.h"

#include <ctype.h>
#include <limits.h>

#define SMTP_FALLBACK_HELO "mailsup.invalid"

enum {
        SMTP_STEP_GREETING,
        SMTP_STEP_EHLO,
};

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

static void send_ehlo(Stream *s) {
        char host[HOST_NAME_MAX + 1] = {}, line[sizeof(host) + 8];

        /* gethostname() reads the kernel's uts name: no lookup, no blocking. */
        if (gethostname(host, sizeof(host) - 1) < 0 || !is_helo_domain(host))
                snprintf(host, sizeof(host), "%s", SMTP_FALLBACK_HELO);
        snprintf(line, sizeof(line), "EHLO %s\r\n", host);
        if (stream_send(s, line) < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "EHLO line does not fit the output buffer");
                return;
        }
        stream_expect(s, "reply to EHLO");
        s->step = SMTP_STEP_EHLO;
}

static void on_greeting(Stream *s, const SmtpReply *reply, const char *text) {
        const char *sep = *text ? " " : "";

        if (reply->code == 220)
                send_ehlo(s);
        else if (reply->code >= 400)
                stream_end(s, PROBE_BAD_GREETING, "greeting %u%s%s", reply->code, sep, text);
        else
                stream_end(s, PROBE_PROTOCOL_ERROR, "unexpected greeting %u%s%s", reply->code, sep, text);
}

static void on_ehlo_reply(Stream *s, const SmtpReply *reply, const char *text) {
        if (reply->code != 250) {
                stream_end(s, PROBE_BAD_REPLY, "EHLO answered %u%s%s", reply->code, *text ? " " : "", text);
                return;
        }
        /* Polite, and written before the close; the 221 is not awaited. */
        (void) stream_send(s, "QUIT\r\n");
        stream_end(s, PROBE_OK, "EHLO answered 250");
}

static size_t smtp_input(Stream *s, const char *buf, size_t len) {
        SmtpReply reply;
        char text[160];
        int r;

        r = smtp_reply_parse(buf, len, &reply);
        if (r == 0)
                return 0;
        if (r == -EMSGSIZE)
                stream_end(s, PROBE_OVERLONG, "%s has a line longer than %u bytes", s->waiting, SMTP_LINE_MAX);
        else if (r == -E2BIG)
                stream_end(s, PROBE_OVERLONG, "%s has more than %u lines", s->waiting, SMTP_REPLY_LINES_MAX);
        else if (r < 0)
                stream_end_malformed(s, "reply", buf, len);
        if (r < 0)
                return 0;

        sanitize_line(text, sizeof(text), reply.text, reply.text_len);
        if (s->step == SMTP_STEP_GREETING)
                on_greeting(s, &reply, text);
        else
                on_ehlo_reply(s, &reply, text);
        return reply.consumed;
}

static const StreamOps smtp_ops = {
        .input = smtp_input,
};

static int smtp_start(Probe *p) {
        return stream_start(p, &smtp_ops);
}

const ProbeType probe_type_smtp = {
        .name = "smtp",
        .default_port = 25,
        .needs_port = true,
        .start = smtp_start,
        .stop = stream_stop,
        .describe_timeout = stream_describe_timeout,
};
