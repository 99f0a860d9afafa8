/* lmtp.c: the "lmtp" probe: greeting, LHLO, QUIT (RFC 2033), on TCP or a unix socket.
 *
 * Dovecot delivers mail into the mailboxes through its LMTP service, and
 * Postfix hands every message for them there (virtual_transport =
 * lmtp:unix:private/dovecot-lmtp): an LMTP service that still accepts
 * connections but no longer greets leaves all incoming mail in Postfix's
 * queue, with IMAP still answering. This is the smtp conversation (smtp.h)
 * with LHLO for EHLO: greeting 220, LHLO answered 250, QUIT. `socket =
 * /path` connects to a unix socket (the stream engine's) instead of
 * host:port, since LMTP listens on one more often than not; the port
 * defaults to 24, RFC 2033's.
 *
 * See also: smtp.c, stream.c, tests/test-lmtp-net.c (against Dovecot's own).
 */
#include "common/options.h"
#include "probes/smtp.h"

typedef struct LmtpOptions {
        char *socket;                   /* socket: a unix path instead of host:port */
} LmtpOptions;

static const SmtpDialect lmtp_dialect = { .hello = "LHLO", .awaiting_hello = "reply to LHLO" };

static const StreamOps lmtp_ops = {
        .input = smtp_stream_input,
        .tls_ready = smtp_stream_hello,
        .data = &lmtp_dialect,
};

static int lmtp_start(Probe *p) {
        const LmtpOptions *o = p->config->options;

        return stream_start_unix(p, &lmtp_ops, NULL, o ? o->socket : NULL);
}

static int lmtp_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        LmtpOptions *o = option_get(&c->options, sizeof(LmtpOptions));

        return option_parse_socket_path(key, value, &o->socket, error); /* socket, its one key */
}

static void lmtp_free_options(ProbeConfig *c) {
        LmtpOptions *o = c->options;

        if (!o)
                return;
        free(o->socket);
        free(o);
        c->options = NULL;
}

const ProbeType probe_type_lmtp = {
        .name = "lmtp",
        .default_port = 24,
        .needs_port = true,
        .keys = (const char *const[]) { "socket", NULL },
        .start = lmtp_start,
        .stop = stream_stop,
        .describe_timeout = stream_describe_timeout,
        .parse_key = lmtp_parse_key,
        .free_options = lmtp_free_options,
};
