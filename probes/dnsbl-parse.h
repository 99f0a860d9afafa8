/* dnsbl-parse.h: the pure parts of the dnsbl probe: names and answers.
 *
 * A DNS blocklist is asked "is 192.0.2.25 listed?" as an A query for
 * 25.2.0.192.zen.spamhaus.org (IPv6: 32 nibbles, last first, RFC 5782).
 * The answer means (RFC 5782 section 2.1 and the lists' own pages):
 *   NXDOMAIN (or no A record)      not listed
 *   127.0.0.2 - 127.255.255.255    listed, the code saying on which sub-list,
 *     except 127.255.255.x         the list refusing the query: .252 a typo
 *                                  in the zone, .254 asked through a public
 *                                  resolver, .255 too many queries
 *   anything else                  not a list's answer (a resolver that
 *                                  rewrites NXDOMAIN, 127.0.0.1, ...)
 * Every list answers its test entry 127.0.0.2 as listed: a resolver that
 * does not cannot be trusted to say "not listed" either.
 *
 * See also: dnsbl.c, tests/test-dnsbl.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "ffff.....1.0.8.b.d.0.1.0.0.2." + a zone of 253 */
#define DNSBL_NAME_MAX (64 + 256)

typedef enum DnsblVerdict {
        DNSBL_NOT_LISTED,
        DNSBL_LISTED,
        DNSBL_REFUSED,          /* 127.255.255.x: the list refuses this query */
        DNSBL_UNEXPECTED,       /* an A answer that no list gives */
} DnsblVerdict;

typedef struct DnsblAddress {
        int family;             /* AF_INET or AF_INET6 */
        uint8_t bytes[16];
        char text[48];          /* as configured, normalized */
} DnsblAddress;

/* "192.0.2.25" or "2001:db8::25" into ret; -EINVAL for anything else. */
int dnsbl_address_parse(const char *s, DnsblAddress *ret);

/* The query name for a in zone, without the final dot; -ENAMETOOLONG when
 * it does not fit size or DNS's 253 characters. */
int dnsbl_query_name(const DnsblAddress *a, const char *zone, char *buf, size_t size);

/* Whether zone is a host name DNS may ask (letters, digits, '-', '_', dots). */
bool dnsbl_zone_valid(const char *zone);

/* What one A answer (dotted quad text, as dns-parse.h writes it) says. */
DnsblVerdict dnsbl_classify(const char *a_record);

/* Why a list refused: "a typo in the zone name", "queries through a public
 * resolver are refused", "too many queries", or "an error code" for the
 * other 127.255.255.x. */
const char *dnsbl_refusal_to_string(const char *a_record);
