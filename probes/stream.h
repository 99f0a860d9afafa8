/* stream.h: the engine for line-oriented TCP conversations (tcp, smtp, imap).
 *
 * A stream probe connects without blocking to ProbeConfig.host:port (numeric
 * IPv4/IPv6 only: no DNS on the loop), then feeds what the peer sends to the
 * type's input() callback, which judges it with a pure parser and answers by
 * queueing a line, saying what it waits for next, or ending the run. The
 * engine owns the socket, its watch in the probes' poller, an output buffer
 * sized to what was queued (STREAM_OUT_MIN steps, at most STREAM_OUT_MAX:
 * an SMTP probe's EHLO and QUIT take 64 bytes, not 1 KiB per probe in
 * flight) and a bounded input buffer that grows with what the peer sent:
 * STREAM_IN_MIN bytes at first, doubled when full (a peer that never sends
 * a line end costs STREAM_IN_MAX bytes and ends the run PROBE_OVERLONG,
 * never more).
 *
 * Reasons name the step that failed: "connection refused", "no connection
 * within 10s", "no greeting within 10s", "no reply to EHLO within 10s",
 * "connection closed by peer while waiting for reply to EHLO", "no TLS
 * handshake within 10s". With TLS (tls.h) the same bytes pass through an
 * OpenSSL session on the same socket, into the same bounded buffer.
 *
 * A type with one conversation per run hands the engine its probe (the
 * stream is p->data and its verdict finishes the run); a type with several
 * (roundtrip: SMTP, then IMAP) opens sessions, each with its own target
 * and a finished() callback that hears the session's verdict.
 *
 * See also: probe.h (the run life cycle), tcp.c, smtp.c, imap.c, roundtrip.c.
 */
#pragma once

#include "probes/probe.h"
#include "probes/tls.h"

#define STREAM_IN_MIN 512U
#define STREAM_IN_MAX (16U * 1024U)
#define STREAM_OUT_MIN 64U
#define STREAM_OUT_MAX 1024U

typedef struct Stream Stream;

typedef struct StreamOps {
        /* Optional: the connection is up. tcp ends the run here. */
        void (*connected)(Stream *s);
        /* Everything read and not yet consumed is in buf[0, len). Return how
         * many bytes were used (0: need more; then called again on new bytes,
         * or on what is left if more than 0). May call stream_send(),
         * stream_expect() and stream_end(); once ended it is not called again. */
        size_t (*input)(Stream *s, const char *buf, size_t len);
        /* With starttls: the handshake that stream_upgrade_tls() asked for is
         * done and verified; say the first thing over TLS (EHLO, LOGOUT). */
        void (*tls_ready)(Stream *s);
        /* The type's own constants for its callbacks (s->ops->data), e.g. a dialect. */
        const void *data;
        /* Sessions only (stream_session_start()): the verdict is in s->status
         * and s->reason; the owner frees s (stream_free()), here or later.
         * Never called from inside stream_session_start(). */
        void (*finished)(Stream *s);
} StreamOps;

/* Where a session connects, and how. */
typedef struct StreamTarget {
        const char *host;       /* numeric IPv4/IPv6, borrowed for the session */
        uint16_t port;
        const char *unix_path;  /* instead of host:port when set */
        const TlsOptions *tls;  /* NULL: plain TCP only */
} StreamTarget;

struct Stream {
        Probe *probe;
        const StreamOps *ops;
        unsigned step;          /* the type's own conversation step, starts at 0 */
        unsigned tag;           /* IMAP: the number of the last tag sent ("m<tag>") */
        void *userdata;         /* the session owner's */

        /* The engine's; types use the functions below. */
        const char *unix_path;  /* connect here instead of host:port; the type's options own it */
        const char *host;       /* numeric; the config's (or the session target's) */
        uint16_t port;
        sd_event_source *defer; /* sessions: delivers a verdict taken inside start */
        int fd;
        struct PollerWatch *watch;      /* the socket in the probes' poller (poller.h) */
        bool connected;
        const char *waiting;    /* "greeting", "reply to EHLO": for timeout and EOF reasons */
        bool ended;             /* verdict taken; finish once output is flushed */
        ProbeStatus status;
        char reason[PROBE_REASON_MAX];
        const TlsOptions *tls_options; /* NULL: plain TCP only */
        Tls *tls;               /* once the handshake started */
        bool handshaking, upgrade;
        uint32_t hs_events, read_events, write_events; /* what each direction waits for */
        usec_t not_after;       /* the verified leaf's expiry, 0 if none */
        size_t out_len, in_len;
        size_t in_size;         /* allocated: 0, then STREAM_IN_MIN doubled up to STREAM_IN_MAX */
        char *in;
        size_t out_size;        /* allocated: what was queued at most, in STREAM_OUT_MIN steps */
        char *out;
};

/* The ProbeType members of a stream type whose own keys are the TLS keys
 * (smtp, imap): name, port and start are the type's. */
#define STREAM_TLS_TYPE_MEMBERS                                 \
        .needs_port = true,                                     \
        .stop = stream_stop,                                    \
        .describe_timeout = stream_describe_timeout,            \
        .keys = tls_option_keys,                                \
        .parse_key = tls_options_parse_key,                     \
        .verify = tls_options_verify,                           \
        .free_options = tls_options_free

/* The options of a stream type whose one key is `socket` (stream-socket.c):
 * a unix socket path instead of host:port. */
typedef struct StreamSocketOptions {
        char *socket;
} StreamSocketOptions;
extern const char *const stream_socket_keys[];
int stream_socket_parse_key(ProbeConfig *c, const char *key, const char *value, char **error);
void stream_socket_free_options(ProbeConfig *c);
/* The socket path of such a type's check, NULL for host:port. */
const char *stream_socket_path(const ProbeConfig *c);

/* The ProbeType members of a stream type whose one key is `socket`
 * (lmtp, milter): name, port and start are the type's. */
#define STREAM_SOCKET_TYPE_MEMBERS                              \
        .needs_port = true,                                     \
        .stop = stream_stop,                                    \
        .describe_timeout = stream_describe_timeout,            \
        .keys = stream_socket_keys,                             \
        .parse_key = stream_socket_parse_key,                   \
        .free_options = stream_socket_free_options

/* ProbeType hooks, shared by every stream type. start returns <0 only when
 * out of memory; every other failure becomes the run's result. */
int stream_start(Probe *p, const StreamOps *ops);
/* The same with TLS when o is not NULL: o->tls, a handshake right after
 * connecting ("no TLS handshake within 10s"), then the conversation as in
 * plain text; o->starttls, the type upgrades with stream_upgrade_tls(). A
 * verified certificate expiring within cert_warn_days turns an OK verdict
 * into a PROBE_THRESHOLD warning "..., certificate expires in 5 days (DATE)". */
int stream_start_with_tls(Probe *p, const StreamOps *ops, const TlsOptions *o);
/* The same over the unix socket at unix_path (absolute) instead of
 * host:port; unix_path NULL is stream_start_with_tls(). */
int stream_start_unix(Probe *p, const StreamOps *ops, const TlsOptions *o, const char *unix_path);
void stream_stop(Probe *p);
void stream_describe_timeout(Probe *p, ProbeStatus *status, char *reason, size_t size);

/* Room for the next read at in + in_len (in_size - in_len > 0): grows the
 * input buffer when it is full. -ENOMEM, or -ENOBUFS past STREAM_IN_MAX. */
int stream_in_reserve(Stream *s);
/* One of several conversations of a run, on p's loop, to t (copied; its
 * strings borrowed), with ops->finished set. Returns -ENOMEM, else 0 and
 * the session in *ret; every other failure is its verdict. */
int stream_session_start(Probe *p, const StreamOps *ops, const StreamTarget *t, void *userdata, Stream **ret);
Stream *stream_free(Stream *s);
/* What s still waits for at a deadline, as stream_describe_timeout() words it. */
void stream_describe(const Stream *s, usec_t timeout, ProbeStatus *status, char *reason, size_t size);

/* Queue a line (CRLF included) to send. -ENOBUFS when it does not fit. */
int stream_send(Stream *s, const char *line);
/* The same for binary frames (milter): len bytes, NULs allowed. */
int stream_send_bytes(Stream *s, const void *buf, size_t len);
/* What comes next, as a noun phrase: "reply to EHLO". Must be a literal. */
void stream_expect(Stream *s, const char *what);
/* From input(), on the server's yes to STARTTLS: once input() returns, the
 * TLS handshake starts (bytes after that reply are an injection and end the
 * run), then ops->tls_ready() is called. */
void stream_upgrade_tls(Stream *s);
/* Take the run's verdict; the engine flushes queued output (a polite QUIT),
 * closes and finishes the probe with it. Later calls are ignored. */
void stream_end(Stream *s, ProbeStatus status, const char *fmt, ...) _printf_(3, 4);
/* PROBE_PROTOCOL_ERROR 'malformed <what>: "<first line of buf, sanitized>"'. */
void stream_end_malformed(Stream *s, const char *what, const char *buf, size_t len);
