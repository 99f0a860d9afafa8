/* lmtp.c: the "lmtp" probe: greeting, LHLO, QUIT (RFC 2033), on TCP or a unix socket.
 *
 * Dovecot delivers mail into the mailboxes through its LMTP service, and
 * Postfix hands every message for them there (virtual_transport =
 * lmtp:unix:private/dovecot-lmtp): an LMTP service that still accepts
 * connections but no longer greets leaves all incoming mail in Postfix's
 * queue, with IMAP still answering. This is the smtp conversation (smtp.h)
 * with LHLO for EHLO: greeting 220, LHLO answered 250, QUIT. `socket =
 * /path` connects to a unix socket (the stream engine's) instead of
 * host:port, since LMTP listens on one more often than not
 * (stream-socket.c); the port defaults to 24, RFC 2033's.
 *
 * See also: smtp.c, stream.c, tests/test-lmtp-net.c (against Dovecot's own).
 */
#include "probes/smtp.h"

static const SmtpDialect lmtp_dialect = { .hello = "LHLO", .awaiting_hello = "reply to LHLO" };

static const StreamOps lmtp_ops = {
        .input = smtp_stream_input,
        .tls_ready = smtp_stream_hello,
        .data = &lmtp_dialect,
};

static int lmtp_start(Probe *p) {
        return stream_start_unix(p, &lmtp_ops, NULL, stream_socket_path(p->config));
}

const ProbeType probe_type_lmtp = {
        .name = "lmtp",
        .default_port = 24,
        .start = lmtp_start,
        STREAM_SOCKET_TYPE_MEMBERS,
};
