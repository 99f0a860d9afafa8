/* dns-parse.c: DNS answer messages (see dns-parse.h).
 *
 * Names are read with our own bounded decoder (each compression pointer
 * must point before all of the name read so far, 255 bytes at most), not
 * c-ares' parsers: one code path for every record type, and hostile bytes
 * cannot make it loop or overrun. Each refusal names its offset.
 */
#include "probes/dns-parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
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

/* "TXT", or "TYPE99" (RFC 3597) for a type we do not ask for. */
static const char *type_name(unsigned type, char *buf, size_t size) {
        const char *s = dns_type_to_string((int) type);

        if (strcmp(s, "?") != 0)
                return s;
        snprintf(buf, size, "TYPE%u", type);
        return buf;
}

static unsigned get16(const unsigned char *p) {
        return (unsigned) p[0] << 8 | p[1];
}

/* Says what and where in err (DNS_ERROR_MAX bytes); returns r. */
static int refuse(char *err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *err, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, DNS_ERROR_MAX, fmt, ap);
        va_end(ap);
        return r;
}

/* Decodes the name at *pos into out (NULL: skip), moves *pos past it. A
 * pointer must point before every byte of the name read so far (its
 * "prior occurrence"): the targets fall, so no chain of them can loop. */
static int read_name(const unsigned char *msg, size_t len, size_t *pos, char *out, size_t size, char *err) {
        size_t start = *pos, p = *pos, floor = *pos, o = 0, end = 0, wire = 1;

        for (;;) {
                if (p >= len || ((msg[p] & 0xC0) == 0xC0 && p + 1 >= len))
                        return refuse(err, -EBADMSG, "name at offset %zu runs past the end", start);
                unsigned l = msg[p];
                if ((l & 0xC0) == 0xC0) {
                        size_t target = (l & 0x3F) << 8 | msg[p + 1];
                        if (target > p)
                                return refuse(err, -EBADMSG, "name compression pointer at offset %zu points forward", p);
                        if (target >= floor)
                                return refuse(err, -EBADMSG, "name compression loop at offset %zu", p);
                        if (end == 0)
                                end = p + 2;
                        p = floor = target;
                        continue;
                }
                if (l & 0xC0)
                        return refuse(err, -EBADMSG, "name at offset %zu: label type 0x%02x", p, l & 0xC0);
                if (l == 0)
                        break;
                if (p + 1 + l > len)
                        return refuse(err, -EBADMSG, "name at offset %zu runs past the end", start);
                wire += 1 + l;
                if (wire > 255)
                        return refuse(err, -EBADMSG, "name at offset %zu longer than 255 bytes", start);
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

static int format_txt(const unsigned char *msg, size_t rd, size_t rdlen, char *out, size_t size, char *err) {
        size_t p = rd, o = 0;

        while (p < rd + rdlen) {
                size_t l = msg[p++];
                if (p + l > rd + rdlen)
                        return refuse(err, -EBADMSG, "TXT record at offset %zu: string runs past its end", rd);
                for (size_t i = 0; i < l && o + 1 < size; i++)
                        out[o++] = isprint(msg[p + i]) ? (char) msg[p + i] : '?';
                p += l;
        }
        out[o] = '\0';
        return 0;
}

/* The text of one record's data, or -EBADMSG. */
static int format_rdata(const unsigned char *msg, size_t rd, size_t rdlen, int type, char *out, size_t size,
                        char *err) {
        char name[DNS_VALUE_MAX - 8]; /* room for "65535 " before it */
        size_t p = rd;

        switch (type) {
        case DNS_TYPE_A:
        case DNS_TYPE_AAAA:
                if (rdlen != (type == DNS_TYPE_A ? 4u : 16u) ||
                    !inet_ntop(type == DNS_TYPE_A ? AF_INET : AF_INET6, msg + rd, out, (socklen_t) size))
                        return refuse(err, -EBADMSG, "%s record at offset %zu of %zu bytes", dns_type_to_string(type),
                                      rd, rdlen);
                return 0;
        case DNS_TYPE_MX:
                if (rdlen < 3)
                        return refuse(err, -EBADMSG, "MX record at offset %zu of %zu bytes", rd, rdlen);
                p += 2;
                if (read_name(msg, rd + rdlen, &p, name, sizeof(name), err) < 0)
                        return -EBADMSG;
                snprintf(out, size, "%u %s", get16(msg + rd), name);
                return 0;
        case DNS_TYPE_NS:
        case DNS_TYPE_PTR:
                return read_name(msg, rd + rdlen, &p, out, size, err);
        case DNS_TYPE_TXT:
                return format_txt(msg, rd, rdlen, out, size, err);
        default:
                return refuse(err, -EBADMSG, "record type %d", type);
        }
}

/* The header's counts and the question section; *pos past it. */
static int parse_header(const unsigned char *msg, size_t len, DnsAnswers *a, unsigned *ret_an, size_t *pos) {
        unsigned qd, an;

        if (len < DNS_HEADER)
                return refuse(a->error, -EBADMSG, "answer of %zu bytes, shorter than a header", len);
        if (!(msg[2] & 0x80))
                return refuse(a->error, -EBADMSG, "a query, not a response");
        if (len > DNS_MESSAGE_MAX)
                return refuse(a->error, -E2BIG, "answer of %zu bytes above %d", len, DNS_MESSAGE_MAX);
        a->rcode = msg[3] & 0x0F;
        qd = get16(msg + 4);
        an = get16(msg + 6);
        if (an > DNS_RECORDS_MAX)
                return refuse(a->error, -E2BIG, "answer of %u records above %d", an, DNS_RECORDS_MAX);
        *pos = DNS_HEADER;
        for (unsigned i = 0; i < qd; i++) {
                if (read_name(msg, len, pos, NULL, 0, a->error) < 0)
                        return -EBADMSG;
                if (*pos + 4 > len)
                        return refuse(a->error, -EBADMSG, "question at offset %zu runs past the end", *pos);
                *pos += 4;
        }
        *ret_an = an;
        return 0;
}

/* One answer record at *pos: kept when of the type asked, skipped if not
 * (the CNAMEs of a chain), refused when above a bound. */
static int parse_record(const unsigned char *msg, size_t len, int type, DnsAnswers *a, size_t *pos) {
        size_t at = *pos;
        unsigned rtype, rdlen;
        char tname[16];

        if (read_name(msg, len, pos, NULL, 0, a->error) < 0)
                return -EBADMSG;
        if (*pos + 10 > len)
                return refuse(a->error, -EBADMSG, "record at offset %zu runs past the end", at);
        rtype = get16(msg + *pos);
        rdlen = get16(msg + *pos + 8);
        *pos += 10;
        if (*pos + rdlen > len)
                return refuse(a->error, -EBADMSG, "record at offset %zu runs past the end", at);
        if (rdlen > DNS_RDATA_MAX)
                return refuse(a->error, -E2BIG, "%s record of %u bytes above %d",
                              type_name(rtype, tname, sizeof(tname)), rdlen, DNS_RDATA_MAX);
        if ((int) rtype == type) {
                a->n_total++;
                if (a->n < DNS_ANSWERS_MAX) {
                        if (format_rdata(msg, *pos, rdlen, type, a->value[a->n], DNS_VALUE_MAX, a->error) < 0)
                                return -EBADMSG;
                        a->n++;
                }
        }
        *pos += rdlen;
        return 0;
}

int dns_answers_parse(const unsigned char *msg, size_t len, int type, DnsAnswers *ret) {
        DnsAnswers a = {};
        size_t pos = 0;
        unsigned an = 0;
        int r;

        r = parse_header(msg, len, &a, &an, &pos);
        for (unsigned i = 0; r >= 0 && i < an; i++)
                r = parse_record(msg, len, type, &a, &pos);
        if (r < 0) {
                memcpy(ret->error, a.error, sizeof(a.error));
                return r;
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
