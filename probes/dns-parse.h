/* dns-parse.h: the pure parts of the dns probe: a DNS answer message.
 *
 * The resolver's raw reply (RFC 1035 4.1) is judged here: its rcode, and
 * the values of the answer records of the asked type, as text ("192.0.2.1",
 * "2001:db8::1", "10 mx.example.org", "v=spf1 -all", "ns1.example.org").
 * Bounded: at most DNS_ANSWERS_MAX values of DNS_VALUE_MAX bytes each are
 * kept; every length in the message is checked against its end; and a
 * message above DNS_MESSAGE_MAX bytes or DNS_RECORDS_MAX answer records,
 * or with a record of more than DNS_RDATA_MAX bytes, is refused whole
 * (c-ares takes up to 64 KiB over TCP after a truncated UDP answer).
 * A refusal says what and where: "name compression loop at offset 43".
 *
 * See also: dns.c, tests/test-probe-parsers.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_ANSWERS_MAX 16
#define DNS_VALUE_MAX 256
#define DNS_MESSAGE_MAX 16384   /* bytes of the whole answer message */
#define DNS_RECORDS_MAX 64      /* records of its answer section */
#define DNS_RDATA_MAX 4096      /* bytes of one record's data */
#define DNS_ERROR_MAX 96

enum {
        DNS_TYPE_A = 1,
        DNS_TYPE_NS = 2,
        DNS_TYPE_PTR = 12,
        DNS_TYPE_MX = 15,
        DNS_TYPE_TXT = 16,
        DNS_TYPE_AAAA = 28,
};

typedef struct DnsAnswers {
        unsigned rcode;
        size_t n;               /* values kept */
        size_t n_total;         /* answer records of the type, kept or not */
        char value[DNS_ANSWERS_MAX][DNS_VALUE_MAX];
        char error[DNS_ERROR_MAX]; /* why it was refused, "" when it was not */
} DnsAnswers;

/* 0; -EBADMSG for a message that is cut short or inconsistent, -E2BIG for
 * one above a bound: then ret->error says what and where. */
int dns_answers_parse(const unsigned char *msg, size_t len, int type, DnsAnswers *ret);

/* "A" -> DNS_TYPE_A ...; -EINVAL for an unsupported name. */
int dns_type_from_string(const char *s);
const char *dns_type_to_string(int type);
/* "NOERROR", "SERVFAIL", "NXDOMAIN", "REFUSED", ... or "RCODE<n>" into buf. */
const char *dns_rcode_to_string(unsigned rcode, char *buf, size_t size);

/* Whether want is among the answers: names compare without case and
 * trailing dot; an MX matches "PREF HOST" or just "HOST". */
bool dns_answers_contain(const DnsAnswers *a, int type, const char *want);
