/* imap.c: the "imap" probe: greeting, LOGOUT (RFC 3501).
 *
 * A Dovecot whose master runs but whose imap-login or auth processes are
 * stuck accepts TCP and then greets late, says BYE, or nothing at all. This
 * wants an untagged OK (or PREAUTH) greeting, sends "m1 LOGOUT" and waits for
 * "m1 OK": a server that completes a command is serving. Dovecot's "* OK
 * Waiting for authentication process to respond.." is an OK greeting too
 * (and its real greeting may follow, as an untagged line we skip).
 *
 * See also: imap-parse.h, stream.h, smtp.c.
 */
#include "probes/imap-parse.h"
#include "probes/stream.h"

#define IMAP_TAG "m1"

enum {
        IMAP_STEP_GREETING,
        IMAP_STEP_LOGOUT,
};

static bool is_our_tag(const ImapLine *l) {
        return l->tag_len == strlen(IMAP_TAG) && memcmp(l->tag, IMAP_TAG, l->tag_len) == 0;
}

static void on_greeting(Stream *s, const ImapLine *l, const char *text, const char *line) {
        const char *sep = *text ? " " : "";

        switch (l->kind) {
        case IMAP_UNTAGGED_OK:
        case IMAP_UNTAGGED_PREAUTH:
                if (stream_send(s, IMAP_TAG " LOGOUT\r\n") < 0) {
                        stream_end(s, PROBE_INTERNAL_ERROR, "LOGOUT line does not fit the output buffer");
                        return;
                }
                stream_expect(s, "reply to LOGOUT");
                s->step = IMAP_STEP_LOGOUT;
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

        if (l->kind == IMAP_CONTINUATION || (l->tag && !is_our_tag(l)))
                stream_end(s, PROBE_PROTOCOL_ERROR, "unexpected reply to LOGOUT: \"%s\"", line);
        else if (l->kind == IMAP_TAGGED_OK)
                stream_end(s, PROBE_OK, "LOGOUT answered OK");
        else if (l->tag)
                stream_end(s, PROBE_BAD_REPLY, "LOGOUT answered %s%s%s", imap_kind_to_string(l->kind), sep, text);
}

static size_t imap_input(Stream *s, const char *buf, size_t len) {
        ImapLine l;
        char text[160], line[96];
        size_t n;
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

        sanitize_line(text, sizeof(text), l.text, l.text_len);
        n = l.consumed - 1; /* without the LF, and without the CR */
        sanitize_line(line, sizeof(line), buf, n > 0 && buf[n - 1] == '\r' ? n - 1 : n);
        if (s->step == IMAP_STEP_GREETING)
                on_greeting(s, &l, text, line);
        else
                on_logout_reply(s, &l, text, line);
        return l.consumed;
}

static const StreamOps imap_ops = {
        .input = imap_input,
};

static int imap_start(Probe *p) {
        return stream_start(p, &imap_ops);
}

const ProbeType probe_type_imap = {
        .name = "imap",
        .default_port = 143,
        .needs_port = true,
        .start = imap_start,
        .stop = stream_stop,
        .describe_timeout = stream_describe_timeout,
};
