/* listen-discover.h: where a mail service listens, read from its own config.
 *
 * The embedded default used to guess (OpenDKIM on 127.0.0.1:8891) while
 * Debian 12's stock OpenDKIM listens on local:/run/opendkim/opendkim.sock:
 * a healthy OpenDKIM was restarted three times, disabled, and paged about.
 * A check with `listen_from = SERVICE` connects where that service's own
 * configuration says it listens, read when the configuration is loaded:
 *   opendkim   Socket in /etc/opendkim.conf (Debian's opendkim.service runs
 *              plain /usr/sbin/opendkim: /etc/default/opendkim is read only
 *              by the old init script and the override generator)
 *   postsrsd   SRS_FORWARD_PORT and SRS_LISTEN_ADDR in /etc/default/postsrsd
 *              (postsrsd-systemd-launcher reads it)
 *   postfix    the smtp inet listener in /etc/postfix/master.cf
 *   dovecot    IMAP's (or LMTP's) listener, asked of Dovecot's own parser,
 *              doveconf (listen-dovecot.c): its config is many files
 * The parsers are pure functions over a file's bytes (tests/data holds
 * Debian 12's stock files); names are never resolved, only localhost.
 *
 * See also: config.c (applies it), config-default.c, test-listen-discover.c.
 */
#pragma once

#include "common/util.h"

typedef enum ListenService {
        LISTEN_OPENDKIM,
        LISTEN_POSTSRSD,
        LISTEN_POSTFIX,
        LISTEN_DOVECOT,
        _LISTEN_SERVICE_MAX,
        _LISTEN_SERVICE_INVALID = -EINVAL,
} ListenService;

typedef struct Listen {
        char socket[108];               /* a unix socket path, or "" */
        char host[64];                  /* numeric; with port */
        uint16_t port;
        bool tls;                       /* TLS from the first byte (Dovecot's imaps) */
        unsigned line;                  /* where it was found in the file, 0 not found */
        char from[192];                 /* or where else, when not a file's line ("doveconf ...") */
} Listen;

ListenService listen_service_from_string(const char *s);
const char *listen_service_to_string(ListenService s);
/* The file the service's listener is read from (Dovecot: doveconf's path). */
const char *listen_service_file(ListenService s);

/* A listen address as mailsupd connects to it (len bytes of s, "[...]"
 * allowed): 127.0.0.1 for localhost, "*", "0.0.0.0" and ""; ::1 for "::";
 * numeric ones as they are; names refused (-EINVAL, why says so). */
int listen_host(const char *s, size_t len, char *out, size_t size, char *why, size_t why_size);

/* Pure parsers of the file's bytes: 1 and *ret when found, 0 when the file
 * says nothing (the service's own default then applies: the caller's
 * fallback), -EINVAL with why (size bytes) when it says something mailsupd
 * cannot use (a host name, a malformed port). */
int listen_parse_opendkim(const char *text, size_t n, Listen *ret, char *why, size_t size);
int listen_parse_postsrsd(const char *text, size_t n, Listen *ret, char *why, size_t size);
int listen_parse_master_cf(const char *text, size_t n, Listen *ret, char *why, size_t size);
/* doveconf's output (DOVECONF_ARGS) for protocol "imap" or "lmtp":
 * 1, or -EINVAL with why (Dovecot always listens somewhere by default, so
 * nothing usable is an error: imap not in protocols, every port 0). */
int listen_parse_doveconf(const char *text, size_t n, const char *protocol, Listen *ret, char *why, size_t size);

/* Read the service's file and parse it. found (size bytes) says what was
 * found and where ("socket /run/opendkim/opendkim.sock (from
 * /etc/opendkim.conf:37)") or why nothing ("/etc/opendkim.conf: no such
 * file"). 1 found, 0 not, -errno. */
int listen_discover(ListenService s, Listen *ret, char *found, size_t size);
/* Dovecot's listener for protocol (imap, lmtp): doveconf run as child.h's
 * child_run() runs it (at most DOVECONF_TIMEOUT, its output bounded, a
 * trusted executable), then parsed. found as for listen_discover(), or
 * "doveconf: ..." saying why not. */
int listen_discover_dovecot(const char *protocol, Listen *ret, char *found, size_t size);
/* why (size bytes) from fmt; returns -EINVAL, for the parsers. */
int listen_error(char *why, size_t size, const char *fmt, ...) _printf_(3, 4);
/* What listen_discover() says of a parser's result r (from: l->from, else
 * file:l->line). */
void listen_describe(int r, const Listen *l, const char *file, const char *why, char *found, size_t size);
/* Tests: the doveconf to run (NULL: the one in CHILD_PATH). */
void listen_set_doveconf(const char *path);
