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
        _LISTEN_SERVICE_MAX,
        _LISTEN_SERVICE_INVALID = -EINVAL,
} ListenService;

typedef struct Listen {
        char socket[108];               /* a unix socket path, or "" */
        char host[64];                  /* numeric; with port */
        uint16_t port;
        unsigned line;                  /* where it was found in the file, 0 not found */
} Listen;

ListenService listen_service_from_string(const char *s);
const char *listen_service_to_string(ListenService s);
/* The file the service's listener is read from. */
const char *listen_service_file(ListenService s);

/* Pure parsers of the file's bytes: 1 and *ret when found, 0 when the file
 * says nothing (the service's own default then applies: the caller's
 * fallback), -EINVAL with why (size bytes) when it says something mailsupd
 * cannot use (a host name, a malformed port). */
int listen_parse_opendkim(const char *text, size_t n, Listen *ret, char *why, size_t size);
int listen_parse_postsrsd(const char *text, size_t n, Listen *ret, char *why, size_t size);
int listen_parse_master_cf(const char *text, size_t n, Listen *ret, char *why, size_t size);

/* Read the service's file and parse it. found (size bytes) says what was
 * found and where ("socket /run/opendkim/opendkim.sock (from
 * /etc/opendkim.conf:37)") or why nothing ("/etc/opendkim.conf: no such
 * file"). 1 found, 0 not, -errno. */
int listen_discover(ListenService s, Listen *ret, char *found, size_t size);
