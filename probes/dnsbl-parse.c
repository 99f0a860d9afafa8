/* dnsbl-parse.c: names and answers of DNS blocklists (dnsbl-parse.h).
 *
 * Kept apart from dnsbl.c's I/O so the rules that decide "listed" (a
 * verdict an operator acts on, and one that is costly when wrong) are
 * tested on their own.
 */
#include "probes/dnsbl-parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int dnsbl_address_parse(const char *s, DnsblAddress *ret) {
        DnsblAddress a = {};

        if (inet_pton(AF_INET, s, a.bytes) == 1)
                a.family = AF_INET;
        else if (inet_pton(AF_INET6, s, a.bytes) == 1)
                a.family = AF_INET6;
        else
                return -EINVAL;
        if (!inet_ntop(a.family, a.bytes, a.text, sizeof(a.text)))
                return -EINVAL;
        *ret = a;
        return 0;
}

int dnsbl_query_name(const DnsblAddress *a, const char *zone, char *buf, size_t size) {
        static const char hex[] = "0123456789abcdef";
        char rev[80];
        size_t o = 0;
        int n;

        if (a->family == AF_INET)
                o = (size_t) snprintf(rev, sizeof(rev), "%u.%u.%u.%u", a->bytes[3], a->bytes[2], a->bytes[1],
                                      a->bytes[0]);
        else
                for (int i = 15; i >= 0; i--) {
                        rev[o++] = hex[a->bytes[i] & 0xf];
                        rev[o++] = '.';
                        rev[o++] = hex[a->bytes[i] >> 4];
                        rev[o++] = i > 0 ? '.' : '\0';
                }
        n = snprintf(buf, size, "%s.%s", rev, zone);
        if (n < 0 || (size_t) n >= size || n > 253)
                return -ENAMETOOLONG;
        return 0;
}

bool dnsbl_zone_valid(const char *zone) {
        size_t label = 0, n = strlen(zone);

        if (n == 0 || n > 200 || zone[0] == '.' || zone[n - 1] == '.')
                return false;
        for (const char *p = zone; *p; p++) {
                if (*p == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                } else if (isalnum((unsigned char) *p) || *p == '-' || *p == '_') {
                        if (++label > 63)
                                return false;
                } else
                        return false;
        }
        return true;
}

DnsblVerdict dnsbl_classify(const char *a_record) {
        struct in_addr in;
        uint32_t v;

        if (inet_pton(AF_INET, a_record, &in) != 1)
                return DNSBL_UNEXPECTED;
        v = ntohl(in.s_addr);
        if ((v & 0xffffff00U) == 0x7fffff00U)
                return DNSBL_REFUSED;
        if ((v >> 24) == 127 && v >= 0x7f000002U)
                return DNSBL_LISTED;
        return DNSBL_UNEXPECTED;
}

const char *dnsbl_refusal_to_string(const char *a_record) {
        if (strcmp(a_record, "127.255.255.252") == 0)
                return "a typo in the zone name";
        if (strcmp(a_record, "127.255.255.254") == 0)
                return "queries through a public or open resolver are refused";
        if (strcmp(a_record, "127.255.255.255") == 0)
                return "too many queries";
        return "an error code";
}
