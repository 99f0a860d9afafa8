/* cert.h: judging a server certificate's expiry (http, and later smtp/imap TLS).
 *
 * A stale certificate silently breaks mail: clients refuse the server long
 * before anyone reads its logs. Trust and name are checked by the TLS
 * library (a failure, with its reason); this judges the leaf's notAfter
 * against cert_warn_days (default CERT_WARN_DAYS_DEFAULT): within it is a
 * PROBE_THRESHOLD warning, "certificate expires in 5 days (2026-11-29)".
 * Pure functions over text and times, so tests feed them any date.
 *
 * See also: http.c (libcurl's CERTINFO gives the leaf's "Expire date").
 */
#pragma once

#include "probes/probe.h"

#define CERT_WARN_DAYS_DEFAULT 14U
#define USEC_PER_DAY (24ULL * USEC_PER_HOUR)

/* "Nov 29 12:00:00 2026 GMT" (OpenSSL's ASN1_TIME_print(), as curl's
 * CERTINFO "Expire date:" gives it) to CLOCK_REALTIME usec. -EINVAL if not. */
int cert_parse_expire_date(const char *s, usec_t *ret);

/* Days left, rounded up: a certificate made with -days 5 "expires in 5 days". */
uint64_t cert_days_left(usec_t not_after, usec_t now);

/* PROBE_SEVERITY_WARNING with "certificate expires in N days (DATE)" when
 * fewer than warn_days + 1 days are left (warn_days 0: never),
 * CRITICAL with "certificate expired on DATE" when past, else NONE with
 * "certificate valid until DATE". */
ProbeSeverity cert_judge_expiry(usec_t not_after, usec_t now, unsigned warn_days, char *reason, size_t size);

/* The peer certificate's notAfter as the probe's measured value
 * cert_expiry_timestamp_seconds (seconds since the epoch). */
void cert_add_value(Probe *p, usec_t not_after);
