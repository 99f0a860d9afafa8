/* tls.h: TLS for the stream probes (smtp, imap): options and a session.
 *
 * A stale certificate silently breaks mail: clients refuse the server long
 * before anyone reads its logs. smtp and imap checks take `starttls = yes`
 * (upgrade after the plain greeting) or `tls = yes` (implicit TLS, 465/993),
 * with tls_verify (default yes: the system CA store plus ca_file), tls_name
 * (the name the certificate must carry; default the check's host) and
 * cert_warn_days (default 14, 0: never warn; judged with tls_verify only).
 *
 * The session is OpenSSL on the probe's own non-blocking socket, through a
 * small BIO that sends with MSG_NOSIGNAL (OpenSSL 3.0's socket BIO uses
 * write(): a vanished peer would SIGPIPE the daemon). Every call says which
 * event it waits for (EPOLLIN/EPOLLOUT) instead of blocking; OpenSSL's error
 * queue becomes -errno and a reason here, at the boundary:
 * "TLS: certificate has expired", "TLS: certificate name mismatch (expected
 * mail.example.org)", "TLS handshake failed: wrong version number".
 *
 * See also: stream.c (drives it), cert.h (the expiry judge), http-options.c.
 */
#pragma once

#include <sys/types.h>

#include "probes/probe.h"

typedef struct TlsOptions {
        bool starttls, tls;
        bool tls_verify, tls_verify_set;
        char *ca_file;
        char *tls_name;
        uint64_t cert_warn_days;
        bool cert_warn_days_set;
        char *socket;                   /* socket = /path: a unix socket instead of host:port */
} TlsOptions;

/* ProbeType configuration hooks for types whose options are TlsOptions,
 * and their keys (ProbeType.keys). */
extern const char *const tls_option_keys[];
int tls_options_parse_key(ProbeConfig *c, const char *key, const char *value, char **error);
int tls_options_verify(ProbeConfig *c, char **error);
void tls_options_free(ProbeConfig *c);

/* The check's TLS options when it uses TLS at all, else NULL. */
const TlsOptions *tls_options_get(const ProbeConfig *c);
/* The check's socket key (a unix path), NULL for host:port. */
const char *tls_options_socket(const ProbeConfig *c);

typedef struct Tls Tls;

/* A client session on fd (not owned) for the check's host. -ENOMEM, or
 * -EINVAL with reason set (an unreadable ca_file). */
int tls_new(Tls **ret, int fd, const TlsOptions *o, const char *host, char *reason, size_t size);
Tls *tls_free(Tls *t);

/* 1: done; 0: call again when *events (EPOLLIN or EPOLLOUT) come; <0:
 * -EKEYREJECTED (certificate not trusted, expired, wrong name) or -EPROTO
 * (not TLS, an alert), both with reason set; -ECONNABORTED (the peer
 * closed) or the socket's -errno, for the caller to word. */
int tls_handshake(Tls *t, uint32_t *events, char *reason, size_t size);

/* >0 bytes; 0 at the peer's end (tls_write: -EPIPE); -EAGAIN, then wait for
 * *events; -EPROTO with reason set; or the socket's -errno. */
ssize_t tls_read(Tls *t, void *buf, size_t len, uint32_t *events, char *reason, size_t size);
ssize_t tls_write(Tls *t, const void *buf, size_t len, uint32_t *events, char *reason, size_t size);

/* After a verified handshake: the leaf's notAfter (CLOCK_REALTIME usec), 0
 * when the certificate was not verified or has none. */
usec_t tls_peer_not_after(Tls *t);
