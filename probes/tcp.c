/* tcp.c: the "tcp" probe: does anything accept connections on host:port?
 *
 * The cheapest liveness check, for services with no protocol probe of their
 * own: a completed TCP handshake within the deadline is "ok", then the
 * connection is closed without a byte sent. It cannot tell a hung service
 * whose kernel still accepts from a working one; prefer smtp or imap.
 *
 * See also: stream.c (connect, deadline wording), smtp.c, imap.c.
 */
#include "probes/stream.h"

static void tcp_connected(Stream *s) {
        stream_end(s, PROBE_OK, "connected");
}

static const StreamOps tcp_ops = {
        .connected = tcp_connected,
};

static int tcp_start(Probe *p) {
        return stream_start(p, &tcp_ops);
}

const ProbeType probe_type_tcp = {
        .name = "tcp",
        .needs_port = true,
        .start = tcp_start,
        .stop = stream_stop,
        .describe_timeout = stream_describe_timeout,
};
