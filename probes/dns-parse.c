/* dns-parse.c: DNS answer messages (see dns-parse.h).
 *
 * Names are read with our own bounded decoder (compression pointers must
 * point backwards, at most 128 jumps), not c-ares' parsers: one code path
 * for every record type, and hostile bytes cannot make it loop or overrun.
 */
#include "probes/dns-parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DNS_HEADER 12

static const struct {
        int type;
        const char *name;
} types[] = {
        { DNS_TYPE_A, "A" }, { DNS_TYPE_AAAA, "AAAA" }, { DNS_TYPE_MX, "MX" },
        { DNS_TYPE_TXT, "TXT" }, { DNS_TYPE_NS, "NS" }, { DNS_TYPE_PTR, "PTR" },
};

int dns_type_from_string(const char *s) {
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (strcasecmp(s, types[i].name) == 0)
                        return types[i].type;
        return -EINVAL;
}

const char *dns_type_to_string(int type) {
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (types[i].type == type)
                        return types[i].name;
        return "?";
}

const char *dns_rcode_to_string(unsigned rcode, char *buf, size_t size) {
        static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED" };

        if (rcode < sizeof(names) / sizeof(names[0]))
                return names[rcode];
        snprintf(buf, size, "RCODE%u", rcode);
        return buf;
}

static unsigned get16(const unsigned char *p) {
        return (unsigned) p[0] << 8 | p[1];
}

/* Decodes the name at *pos into out (NULL: skip), moves *pos past it. */
static int read_name(const unsigned char *msg, size_t len, size_t *pos, char *out, size_t size) {
        size_t p = *pos, o = 0, end = 0;
        unsigned jumps = 0;

        for (;;) {
                if (p >= len)
                        return -EBADMSG;
                unsigned l = msg[p];
                if ((l & 0xC0) == 0xC0) {
                        size_t target;
                        if (p + 1 >= len || ++jumps > 128)
                                return -EBADMSG;
                        target = (l & 0x3F) << 8 | msg[p + 1];
                        if (target >= p)
                                return -EBADMSG; /* only backwards: no loops */
                        if (end == 0)
                                end = p + 2;
                        p = target;
                        continue;
                }
                if (l & 0xC0)
                        return -EBADMSG;
                if (l == 0)
                        break;
                if (p + 1 + l > len)
                        return -EBADMSG;
                for (unsigned i = 0; out && i < l; i++) {
                        unsigned char c = msg[p + 1 + i];
                        if (o + 3 >= size)
                                break;
                        out[o++] = isgraph(c) && c != '.' ? (char) c : '?';
                }
                if (out && o + 2 < size)
                        out[o++] = '.';
                p += 1 + l;
        }
        if (out) {
                if (o > 0)
                        o--; /* no trailing dot */
                out[o] = '\0';
        }
        *pos = end ? end : p + 1;
        return 0;
}

/* The text of one record's data, or -EBADMSG. */
static int format_rdata(const unsigned char *msg, size_t len, size_t rd, size_t rdlen, int type, char *out,
                        size_t size) {
        char name[DNS_VALUE_MAX - 8]; /* room for "65535 " before it */
        size_t p = rd, o = 0;

        switch (type) {
        case DNS_TYPE_A:
        case DNS_TYPE_AAAA:
                if (rdlen != (type == DNS_TYPE_A ? 4u : 16u))
                        return -EBADMSG;
                return inet_ntop(type == DNS_TYPE_A ? AF_INET : AF_INET6, msg + rd, out, (socklen_t) size)
                       ? 0 : -EBADMSG;
        case DNS_TYPE_MX:
                if (rdlen < 3)
                        return -EBADMSG;
                p += 2;
                if (read_name(msg, rd + rdlen, &p, name, sizeof(name)) < 0)
                        return -EBADMSG;
                snprintf(out, size, "%u %s", get16(msg + rd), name);
                return 0;
        case DNS_TYPE_NS:
        case DNS_TYPE_PTR:
                return read_name(msg, rd + rdlen, &p, out, size);
        case DNS_TYPE_TXT:
                while (p < rd + rdlen) {
                        size_t l = msg[p++];
                        if (p + l > rd + rdlen)
                                return -EBADMSG;
                        for (size_t i = 0; i < l && o + 1 < size; i++)
                                out[o++] = isprint(msg[p + i]) ? (char) msg[p + i] : '?';
                        p += l;
                }
                out[o] = '\0';
                return 0;
        default:
                return -EBADMSG;
        }
        (void) len;
}

int dns_answers_parse(const unsigned char *msg, size_t len, int type, DnsAnswers *ret) {
        DnsAnswers a = {};
        size_t pos = DNS_HEADER;
        unsigned qd, an;

        if (len < DNS_HEADER || !(msg[2] & 0x80))
                return -EBADMSG; /* cut short, or a query, not a response */
        a.rcode = msg[3] & 0x0F;
        qd = get16(msg + 4);
        an = get16(msg + 6);
        for (unsigned i = 0; i < qd; i++) {
                if (read_name(msg, len, &pos, NULL, 0) < 0 || pos + 4 > len)
                        return -EBADMSG;
                pos += 4;
        }
        for (unsigned i = 0; i < an; i++) {
                unsigned rtype, rdlen;
                if (read_name(msg, len, &pos, NULL, 0) < 0 || pos + 10 > len)
                        return -EBADMSG;
                rtype = get16(msg + pos);
                rdlen = get16(msg + pos + 8);
                pos += 10;
                if (pos + rdlen > len)
                        return -EBADMSG;
                if ((int) rtype == type) {
                        a.n_total++;
                        if (a.n < DNS_ANSWERS_MAX) {
                                if (format_rdata(msg, len, pos, rdlen, type, a.value[a.n], DNS_VALUE_MAX) < 0)
                                        return -EBADMSG;
                                a.n++;
                        }
                }
                pos += rdlen; /* CNAMEs of a chain and other types: skipped */
        }
        *ret = a;
        return 0;
}

static bool name_eq(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);

        if (la > 0 && a[la - 1] == '.')
                la--;
        if (lb > 0 && b[lb - 1] == '.')
                lb--;
        return la == lb && strncasecmp(a, b, la) == 0;
}

bool dns_answers_contain(const DnsAnswers *a, int type, const char *want) {
        for (size_t i = 0; i < a->n; i++) {
                const char *v = a->value[i], *sp = strchr(v, ' ');

                if (type == DNS_TYPE_TXT ? strcmp(v, want) == 0 : name_eq(v, want))
                        return true;
                if (type == DNS_TYPE_MX && sp && name_eq(sp + 1, want))
                        return true;
        }
        return false;
}
