/* imap.c: the "imap" probe: greeting, LOGOUT (RFC 3501), over TLS too.
 *
 * A Dovecot whose master runs but whose imap-login or auth processes are
 * stuck accepts TCP and then greets late, says BYE, or nothing at all. This
 * wants an untagged OK (or PREAUTH) greeting, sends "m1 LOGOUT" and waits for
 * "m1 OK": a server that completes a command is serving. Dovecot's "* OK
 * Waiting for authentication process to respond.." is an OK greeting too
 * (and its real greeting may follow, as an untagged line we skip).
 *
 * With starttls = yes the probe says "m1 STARTTLS" after the greeting,
 * wants "m1 OK", lets the engine shake hands and says "m2 LOGOUT" over TLS.
 * With tls = yes (993) the engine shakes hands first; the conversation is
 * the plain one. Certificates: tls.h. The greeting and STARTTLS are shared
 * with roundtrip (imap.h).
 *
 * See also: imap.h, imap-parse.h, stream.h, tls.h, smtp.c.
 */
#include "probes/imap.h"

enum {
        IMAP_STEP_LOGOUT = IMAP_STEP_NEXT,
};

static const ImapDialect *dialect(const Stream *s) {
        return s->ops->data;
}

bool imap_is_our_tag(const Stream *s, const ImapLine *l) {
        char tag[16];
        int n = snprintf(tag, sizeof(tag), "m%u", s->tag);

        return l->tag && l->tag_len == (size_t) n && memcmp(l->tag, tag, l->tag_len) == 0;
}

void imap_send_command(Stream *s, unsigned step, const char *command, const char *expect) {
        char line[STREAM_OUT_MAX];

        s->step = step;
        s->tag++;
        if ((size_t) snprintf(line, sizeof(line), "m%u %s\r\n", s->tag, command) >= sizeof(line) ||
            stream_send(s, line) < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "%.32s line does not fit the output buffer", command);
                return;
        }
        stream_expect(s, expect);
}

void imap_stream_ready(Stream *s) {
        dialect(s)->ready(s);
}

static void on_greeting(Stream *s, const ImapLine *l, const char *text, const char *line) {
        const char *sep = *text ? " " : "";

        switch (l->kind) {
        case IMAP_UNTAGGED_OK:
        case IMAP_UNTAGGED_PREAUTH:
                if (s->tls_options && s->tls_options->starttls)
                        imap_send_command(s, IMAP_STEP_STARTTLS, "STARTTLS", "reply to STARTTLS");
                else
                        imap_stream_ready(s);
                break;
        case IMAP_UNTAGGED_BYE:
        case IMAP_UNTAGGED_NO:
        case IMAP_UNTAGGED_BAD:
                stream_end(s, PROBE_BAD_GREETING, "greeting %s%s%s", imap_kind_to_string(l->kind), sep, text);
                break;
        default:
                stream_end(s, PROBE_PROTOCOL_ERROR, "unexpected greeting: \"%s\"", line);
        }
}

/* Untagged lines before the tagged answer ("* BYE Logging out", a late
 * Dovecot greeting) are expected and skipped. "m1 OK" alone is enough:
 * whether or not BYE came first, the server completed a command. */
static void on_logout_reply(Stream *s, const ImapLine *l, const char *text, const char *line) {
        const char *sep = *text ? " " : "";

        if (l->kind == IMAP_CONTINUATION || (l->tag && !imap_is_our_tag(s, l)))
                stream_end(s, PROBE_PROTOCOL_ERROR, "unexpected reply to LOGOUT: \"%s\"", line);
        else if (l->kind == IMAP_TAGGED_OK)
                stream_end(s, PROBE_OK, "LOGOUT %sanswered OK", s->tls ? "over TLS " : "");
        else if (l->tag)
                stream_end(s, PROBE_BAD_REPLY, "LOGOUT answered %s%s%s", imap_kind_to_string(l->kind), sep, text);
}

/* Untagged lines first (a CAPABILITY) are skipped, as for LOGOUT. */
static void on_starttls_reply(Stream *s, const ImapLine *l, const char *text, const char *line) {
        if (l->kind == IMAP_CONTINUATION || (l->tag && !imap_is_our_tag(s, l)))
                stream_end(s, PROBE_PROTOCOL_ERROR, "unexpected reply to STARTTLS: \"%s\"", line);
        else if (l->kind == IMAP_TAGGED_OK)
                stream_upgrade_tls(s);
        else if (l->tag)
                stream_end(s, PROBE_BAD_REPLY, "STARTTLS answered %s%s%s", imap_kind_to_string(l->kind),
                           *text ? " " : "", text);
}

void imap_line_texts(const ImapLine *l, const char *buf, char *text, size_t text_size, char *line, size_t line_size) {
        size_t n = l->consumed - 1; /* without the LF, and without the CR */

        sanitize_line(text, text_size, l->text, l->text_len);
        sanitize_line(line, line_size, buf, n > 0 && buf[n - 1] == '\r' ? n - 1 : n);
}

/* One line, judged by the step it came in. */
static size_t imap_line_input(Stream *s, const char *buf, size_t len) {
        ImapLine l;
        char text[160], line[96];
        int r;

        r = imap_line_parse(buf, len, &l);
        if (r == 0)
                return 0;
        if (r == -EMSGSIZE)
                stream_end(s, PROBE_OVERLONG, "%s has a line longer than %u bytes", s->waiting, IMAP_LINE_MAX);
        else if (r < 0)
                stream_end_malformed(s, s->step == IMAP_STEP_GREETING ? "greeting" : "reply", buf, len);
        if (r < 0)
                return 0;

        imap_line_texts(&l, buf, text, sizeof(text), line, sizeof(line));
        if (s->step == IMAP_STEP_GREETING)
                on_greeting(s, &l, text, line);
        else if (s->step == IMAP_STEP_STARTTLS)
                on_starttls_reply(s, &l, text, line);
        else
                on_logout_reply(s, &l, text, line);
        return l.consumed;
}

size_t imap_stream_input(Stream *s, const char *buf, size_t len) {
        if (s->step >= IMAP_STEP_NEXT && dialect(s)->input)
                return dialect(s)->input(s, buf, len);
        return imap_line_input(s, buf, len);
}

static void send_logout(Stream *s) {
        imap_send_command(s, IMAP_STEP_LOGOUT, "LOGOUT", "reply to LOGOUT");
}

/* The imap probe's own part is LOGOUT, read line by line like the greeting. */
static const ImapDialect logout_dialect = { .ready = send_logout };

static const StreamOps imap_ops = {
        .input = imap_stream_input,
        .tls_ready = imap_stream_ready,
        .data = &logout_dialect,
};

static int imap_start(Probe *p) {
        return stream_start_unix(p, &imap_ops, tls_options_get(p->config), tls_options_socket(p->config));
}

const ProbeType probe_type_imap = {
        .name = "imap",
        .default_port = 143,
        .start = imap_start,
        STREAM_TLS_TYPE_MEMBERS,
};
