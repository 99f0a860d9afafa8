/* dns.c: the "dns" probe: one question to the resolver under test.
 *
 * A local Unbound that still holds port 53 but answers SERVFAIL (or
 * nothing) breaks every lookup Postfix makes: MX, SPF, DNSBL. This asks
 * `server` for `query`/`record` through c-ares (ares-event.c) and judges
 * the raw answer itself (dns-parse.c), so SERVFAIL, REFUSED and NXDOMAIN are
 * named as such: "rcode SERVFAIL for example.org A", "NXDOMAIN for
 * example.org", "no answer within 10s", "'192.0.2.1' not among answers:
 * 192.0.2.2". Only the resolver under test is asked, never /etc/resolv.conf's.
 * An answer above dns-parse.h's bounds (records, bytes, one record's bytes)
 * is PROBE_OVERLONG, "answer for example.org TXT refused: TXT record of
 * 8000 bytes above 4096"; one with a compression loop is malformed. c-ares
 * 1.18 asks again over TCP when a UDP answer is truncated (TC) or longer
 * than 512 bytes: it reads a 2-byte length and one buffer of that size, so
 * at most 64 KiB, and restarts the try's timeout; the deadline bounds all.
 *
 * Keys: server (default 127.0.0.1:53), query (required), record (A, AAAA,
 * MX, TXT, NS, PTR; default A), expect (optional value among the answers).
 *
 * See also: ares-event.c, dns-parse.c.
 */
#include <arpa/inet.h>

#include "common/ares-event.h"
#include "probes/dns-parse.h"
#include "common/options.h"
#include "probes/probe.h"

#define DNS_SERVER_MAX 64

typedef struct DnsOptions {
        char server[DNS_SERVER_MAX];
        char *query;
        int type;
        char *expect;
} DnsOptions;

/* Writes "v1, v2, ..." of the answers into buf. */
static void join_answers(const DnsAnswers *a, char *buf, size_t size) {
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < a->n && o + 1 < size; i++)
                o += (size_t) snprintf(buf + o, size - o, "%s%s", i ? ", " : "", a->value[i]);
        if (a->n_total > a->n && o + 1 < size)
                snprintf(buf + o, size - o, ", ...");
}

static void judge_answer(Probe *p, const DnsOptions *o, const unsigned char *abuf, size_t alen) {
        const char *t = dns_type_to_string(o->type);
        DnsAnswers a;
        char rc[16], list[160];
        int r;

        r = dns_answers_parse(abuf, alen, o->type, &a);
        if (r == -E2BIG) {
                probe_finish(p, PROBE_OVERLONG, "answer for %s %s refused: %s", o->query, t, a.error);
                return;
        }
        if (r < 0) {
                probe_finish(p, PROBE_PROTOCOL_ERROR, "malformed answer for %s %s: %s", o->query, t, a.error);
                return;
        }
        if (a.rcode == 3)
                probe_finish(p, PROBE_BAD_REPLY, "NXDOMAIN for %s", o->query);
        else if (a.rcode != 0)
                probe_finish(p, PROBE_BAD_REPLY, "rcode %s for %s %s", dns_rcode_to_string(a.rcode, rc, sizeof(rc)),
                             o->query, t);
        else if (a.n == 0)
                probe_finish(p, PROBE_BAD_REPLY, "no %s record for %s (NODATA)", t, o->query);
        else {
                join_answers(&a, list, sizeof(list));
                if (o->expect && !dns_answers_contain(&a, o->type, o->expect))
                        probe_finish(p, PROBE_BAD_REPLY, "'%s' not among answers: %s", o->expect, list);
                else
                        probe_finish(p, PROBE_OK, "%s %s: %s", o->query, t, list);
        }
}

static void on_answer(AresEvent *ae, int status, const unsigned char *abuf, size_t alen, void *userdata) {
        Probe *p = userdata;
        const DnsOptions *o = p->config->options;
        char buf[32];

        /* With NOCHECKRESP any reply comes with its bytes: judge those. */
        if (abuf && alen > 0 && status != ARES_EBADRESP)
                judge_answer(p, o, abuf, alen);
        else if (status == ARES_ETIMEOUT)
                probe_finish(p, PROBE_TIMEOUT, "no answer within %s",
                             format_duration(buf, sizeof(buf), p->config->timeout));
        else if (status == ARES_ECONNREFUSED)
                probe_finish(p, PROBE_CONNECT_REFUSED, "connection refused by %s", o->server);
        else if (status == ARES_EBADRESP || status == ARES_EFORMERR)
                probe_finish(p, PROBE_PROTOCOL_ERROR, "malformed answer: %s", ares_strerror(status));
        else
                probe_finish(p, PROBE_CONNECT_ERROR, "resolver %s: %s", o->server, ares_strerror(status));
}

static void dns_stop(Probe *p) {
        p->data = ares_event_free(p->data);
}

static int dns_start(Probe *p) {
        const DnsOptions *o = p->config->options;
        AresEvent *ae;
        int r;

        if (!o || !o->query) {
                probe_finish(p, PROBE_INTERNAL_ERROR, "no query configured");
                return 0;
        }
        /* Two tries within the deadline (c-ares doubles the second's wait),
         * so one lost UDP datagram does not fail the check. */
        r = ares_event_new(p->event, o->server, p->config->timeout / 4, 2, on_answer, p, &ae);
        if (r < 0)
                return r;
        p->data = ae;
        r = ares_event_query(ae, o->query, o->type);
        if (r < 0)
                dns_stop(p);
        return r;
}

static DnsOptions *dns_options(ProbeConfig *c) {
        DnsOptions *o = c->options;

        if (!o) {
                o = option_get(&c->options, sizeof(DnsOptions));
                snprintf(o->server, sizeof(o->server), "127.0.0.1:53");
                o->type = DNS_TYPE_A;
        }
        return o;
}

static int dns_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        DnsOptions *o = dns_options(c);

        if (streq(key, "server"))
                return option_parse_hostport(key, value, 53, o->server, sizeof(o->server), error);
        if (streq(key, "query")) {
                if (!*value || strlen(value) > 253 || strpbrk(value, " \t\\"))
                        return option_error(error, "invalid name '%s' for query", value);
                option_set_string(&o->query, value);
        } else if (streq(key, "record")) {
                o->type = dns_type_from_string(value);
                if (o->type < 0)
                        return option_error(error, "invalid value '%s' for record: expected A, AAAA, MX, TXT, "
                                            "NS or PTR", value);
        } else if (streq(key, "expect"))
                option_set_string(&o->expect, value);
        else
                return -ENOENT;
        return 0;
}

static int dns_verify(ProbeConfig *c, char **error) {
        DnsOptions *o = dns_options(c);
        unsigned char addr[16];
        char text[INET6_ADDRSTRLEN];
        int af = o->type == DNS_TYPE_A ? AF_INET : AF_INET6;

        if (!o->query)
                return option_error(error, "missing required key 'query'");
        if (c->port != 0)
                return option_error(error, "key 'port' is not used by type dns: use server = ADDRESS:PORT");
        if (o->expect && (o->type == DNS_TYPE_A || o->type == DNS_TYPE_AAAA)) {
                /* One spelling of an address, as the answers are written. */
                if (inet_pton(af, o->expect, addr) != 1 || !inet_ntop(af, addr, text, sizeof(text)))
                        return option_error(error, "invalid value '%s' for expect: not an %s address",
                                            o->expect, o->type == DNS_TYPE_A ? "IPv4" : "IPv6");
                option_set_string(&o->expect, text);
        }
        return 0;
}

static void dns_free_options(ProbeConfig *c) {
        DnsOptions *o = c->options;

        if (!o)
                return;
        free(o->query);
        free(o->expect);
        free(o);
        c->options = NULL;
}

const ProbeType probe_type_dns = {
        .name = "dns",
        .needs_port = false,
        .start = dns_start,
        .stop = dns_stop,
        .keys = (const char *const[]) { "server", "query", "record", "expect", NULL },
        .parse_key = dns_parse_key,
        .verify = dns_verify,
        .free_options = dns_free_options,
};
