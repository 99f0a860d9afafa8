/* tls-stream.c: the TLS half of the stream engine (see stream.h, tls.h).
 *
 * STARTTLS or implicit TLS on a stream probe's socket: start the session,
 * drive the handshake with the one event OpenSSL wants, then read through
 * the session into the same bounded input buffer. Failures end the run
 * with the reason tls.c worded: a refused certificate as a connect error
 * (as the http probe says it), bytes that are not TLS as a protocol error.
 *
 * See also: stream.c (the engine, which calls these), tls.c.
 */
#include "probes/tls-stream.h"

#include <sys/epoll.h>

/* From here on every byte is TLS. After a STARTTLS yes, plain bytes that
 * came with it would be read as if protected (the STARTTLS injection of
 * CVE-2011-0411, seen from the client): refuse them. */
void stream_tls_begin(Stream *s) {
        char reason[PROBE_REASON_MAX];
        int r;

        s->upgrade = false;
        if (s->in_len > 0 || s->out_len > 0) {
                stream_end(s, PROBE_PROTOCOL_ERROR, "unencrypted data after the STARTTLS reply");
                return;
        }
        r = tls_new(&s->tls, s->fd, s->tls_options, s->host, reason, sizeof(reason));
        if (r < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "%s", reason);
                return;
        }
        s->handshaking = true;
        stream_expect(s, "TLS handshake");
        stream_tls_handshake(s);
}

/* Read what the TLS session has, until it wants more from the socket: a
 * record may hold more than fits, and no event comes for what OpenSSL holds. */
void stream_tls_read(Stream *s) {
        char reason[PROBE_REASON_MAX];

        while (!s->ended && !s->handshaking) {
                int r = stream_in_reserve(s);
                ssize_t n;

                if (r < 0) {
                        stream_end(s, PROBE_INTERNAL_ERROR, "cannot read: %s", strerror(-r));
                        return;
                }
                n = tls_read(s->tls, s->in + s->in_len, s->in_size - s->in_len, &s->read_events, reason,
                             sizeof(reason));
                if (n == -EAGAIN)
                        return;
                if (n == -EPROTO)
                        stream_end(s, PROBE_PROTOCOL_ERROR, "%s while waiting for %s", reason, s->waiting);
                else if (n < 0)
                        stream_end(s, PROBE_CLOSED, "%s while waiting for %s",
                                   n == -ECONNRESET ? "connection reset by peer" : strerror((int) -n), s->waiting);
                else if (n == 0)
                        stream_end(s, PROBE_CLOSED, "connection closed by peer while waiting for %s", s->waiting);
                else {
                        s->in_len += (size_t) n;
                        stream_dispatch(s);
                }
        }
}

void stream_tls_handshake(Stream *s) {
        char reason[PROBE_REASON_MAX];
        int r;

        r = tls_handshake(s->tls, &s->hs_events, reason, sizeof(reason));
        if (r == 0)
                return;
        if (r == -EKEYREJECTED)
                stream_end(s, PROBE_CONNECT_ERROR, "%s", reason); /* as the http probe says it */
        else if (r == -EPROTO)
                stream_end(s, PROBE_PROTOCOL_ERROR, "%s", reason);
        else if (r == -ECONNABORTED)
                stream_end(s, PROBE_CLOSED, "connection closed by peer while waiting for TLS handshake");
        else if (r < 0)
                stream_end(s, PROBE_CLOSED, "%s while waiting for TLS handshake",
                           r == -ECONNRESET ? "connection reset by peer" : strerror(-r));
        if (r < 0)
                return;
        s->handshaking = false;
        s->not_after = tls_peer_not_after(s->tls);
        if (s->tls_options->starttls)
                s->ops->tls_ready(s);
        else
                stream_expect(s, "greeting");
        stream_tls_read(s); /* the handshake's last read may have brought more */
}
