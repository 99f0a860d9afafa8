/* dnsbl.c: the "dnsbl" probe: is this server's address on a blocklist?
 *
 * A mail server that answers every probe can still fail half its mail:
 * its address landed on Spamhaus and the world's receivers refuse it.
 * For each zone, the resolver under test (c-ares through ares-event.c,
 * like the dns probe) is asked the zone's test entry 2.0.0.127.<zone>
 * first: a resolver that does not say it is listed cannot be trusted to
 * say "not listed" either. Then each address (A query, IPv6 by nibbles),
 * and for a listed one its TXT, the list's own reason. Zones are asked in
 * parallel, one question at a time each. The rules for an answer are in
 * dnsbl-parse.h; the verdict:
 *   listed somewhere      PROBE_THRESHOLD (critical), "192.0.2.25 listed on
 *                         zen.spamhaus.org (127.0.0.4: <TXT>)", never a restart
 *   else a zone that cannot be asked (refused with 127.255.255.x, its test
 *   entry missing, SERVFAIL, no answer): a failure saying so
 *   else OK, "192.0.2.25 not listed on 3 zones".
 * Blocklists ask for restraint: the type's default interval is 1h.
 *
 * Keys: address (required; a list), zones (required; a list), server
 * (default 127.0.0.1:53).
 *
 * See also: dnsbl-parse.h, dns.c, ares-event.h.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <sys/param.h>

#include "common/ares-event.h"
#include "common/options.h"
#include "probes/dns-parse.h"
#include "probes/dnsbl-parse.h"
#include "probes/probe.h"

#define DNSBL_ADDRESSES_MAX 8
#define DNSBL_ZONES_MAX 12
#define DNSBL_SERVER_MAX 64
#define DNSBL_ERROR_MAX 160
#define DNSBL_TXT_SHOWN 80

typedef struct DnsblOptions {
        DnsblAddress addr[DNSBL_ADDRESSES_MAX];
        size_t n_addr;
        char *zone[DNSBL_ZONES_MAX];
        size_t n_zones;
        char server[DNSBL_SERVER_MAX];
} DnsblOptions;

typedef struct DnsblRun DnsblRun;

/* One zone's questions: its test entry, each address, each listed one's TXT. */
typedef struct ZoneRun {
        DnsblRun *run;
        const char *zone;
        AresEvent *ae;
        size_t step;                    /* 0 test, 1..n_addr an address, then TXTs */
        bool finished;
        char error[DNSBL_ERROR_MAX];    /* "" while the zone could be asked */
        bool listed[DNSBL_ADDRESSES_MAX];
        char code[DNSBL_ADDRESSES_MAX][16];
        char txt[DNSBL_ADDRESSES_MAX][DNSBL_TXT_SHOWN];
} ZoneRun;

struct DnsblRun {
        Probe *probe;
        const DnsblOptions *o;
        size_t pending;
        ZoneRun zones[DNSBL_ZONES_MAX];
};

static void ask_next(ZoneRun *z);
static void judge(DnsblRun *run);

static void zone_name(const ZoneRun *z, size_t addr, char *buf, size_t size) {
        if (dnsbl_query_name(&z->run->o->addr[addr], z->zone, buf, size) < 0)
                snprintf(buf, size, "(too long)");
}

static void zone_fail(ZoneRun *z, const char *fmt, ...) _printf_(2, 3);
static void zone_fail(ZoneRun *z, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(z->error, sizeof(z->error), fmt, ap);
        va_end(ap);
        z->step = SIZE_MAX; /* no more questions */
}

/* An A answer for the test entry (addr SIZE_MAX) or an address. */
static void take_a(ZoneRun *z, size_t addr, const DnsAnswers *a, const char *name) {
        char rc[16];
        bool test = addr == SIZE_MAX, listed = false;

        if (a->rcode != 0 && a->rcode != 3) {
                zone_fail(z, "%s: rcode %s for %s", z->zone, dns_rcode_to_string(a->rcode, rc, sizeof(rc)), name);
                return;
        }
        for (size_t i = 0; i < a->n; i++) {
                DnsblVerdict v = dnsbl_classify(a->value[i]);

                if (v == DNSBL_REFUSED) {
                        zone_fail(z, "%s refused the query (%s: %s)", z->zone, a->value[i],
                                  dnsbl_refusal_to_string(a->value[i]));
                        return;
                }
                if (v == DNSBL_LISTED && !listed && !test)
                        snprintf(z->code[addr], sizeof(z->code[addr]), "%s", a->value[i]);
                listed = listed || v == DNSBL_LISTED;
        }
        if (test && !listed)
                zone_fail(z, "resolver does not answer %s queries (%s: %s)", z->zone, name,
                          a->rcode == 3 ? "NXDOMAIN" : a->n > 0 ? a->value[0] : "no A record");
        else if (!test && !listed && a->n > 0)
                zone_fail(z, "%s: unexpected answer %s for %s (a resolver that rewrites NXDOMAIN?)", z->zone,
                          a->value[0], name);
        else if (!test)
                z->listed[addr] = listed;
}

static void on_answer(AresEvent *ae, int status, const unsigned char *abuf, size_t alen, void *userdata) {
        ZoneRun *z = userdata;
        const DnsblOptions *o = z->run->o;
        size_t step = z->step, txt = step > o->n_addr ? step - o->n_addr - 1 : SIZE_MAX;
        char name[DNSBL_NAME_MAX], buf[32];
        DnsAnswers a;

        if (step == 0)
                snprintf(name, sizeof(name), "2.0.0.127.%s", z->zone);
        else
                zone_name(z, txt != SIZE_MAX ? txt : step - 1, name, sizeof(name));
        /* A TXT reason is a courtesy: without one, listed stays listed. */
        if (!(abuf && alen > 0 && status != ARES_EBADRESP)) {
                if (txt == SIZE_MAX && status == ARES_ETIMEOUT)
                        zone_fail(z, "%s: no answer from %s within %s", z->zone, o->server,
                                  format_duration(buf, sizeof(buf), z->run->probe->config->timeout));
                else if (txt == SIZE_MAX)
                        zone_fail(z, "%s: resolver %s: %s", z->zone, o->server, ares_strerror(status));
        } else if (dns_answers_parse(abuf, alen, txt != SIZE_MAX ? DNS_TYPE_TXT : DNS_TYPE_A, &a) < 0) {
                if (txt == SIZE_MAX)
                        zone_fail(z, "%s: malformed answer for %s: %s", z->zone, name, a.error);
        } else if (txt != SIZE_MAX) {
                if (a.rcode == 0 && a.n > 0)
                        sanitize_line(z->txt[txt], sizeof(z->txt[txt]), a.value[0], strlen(a.value[0]));
        } else
                take_a(z, step == 0 ? SIZE_MAX : step - 1, &a, name);
        if (z->step != SIZE_MAX)
                z->step++;
        ask_next(z);
}

/* The zone's next question, or its end. */
static void ask_next(ZoneRun *z) {
        const DnsblOptions *o = z->run->o;
        char name[DNSBL_NAME_MAX];
        size_t txt;

        /* Only listed addresses get a TXT question. */
        while (z->step != SIZE_MAX && z->step > o->n_addr && z->step <= 2 * o->n_addr &&
               !z->listed[z->step - o->n_addr - 1])
                z->step++;
        if (z->step == SIZE_MAX || z->step > 2 * o->n_addr) {
                z->finished = true;
                z->ae = ares_event_free(z->ae);
                if (--z->run->pending == 0)
                        judge(z->run); /* frees the run: z is gone */
                return;
        }
        txt = z->step > o->n_addr ? z->step - o->n_addr - 1 : SIZE_MAX;
        if (z->step == 0)
                snprintf(name, sizeof(name), "2.0.0.127.%s", z->zone);
        else
                zone_name(z, txt != SIZE_MAX ? txt : z->step - 1, name, sizeof(name));
        if (ares_event_query(z->ae, name, txt != SIZE_MAX ? DNS_TYPE_TXT : DNS_TYPE_A) < 0) {
                zone_fail(z, "%s: cannot ask for %s", z->zone, name);
                ask_next(z);
        }
}

static void judge(DnsblRun *run) {
        const DnsblOptions *o = run->o;
        Probe *p = run->probe;
        char listed[PROBE_REASON_MAX] = "", failed[PROBE_REASON_MAX] = "", addrs[128] = "";

        for (size_t i = 0; i < o->n_zones; i++) {
                const ZoneRun *z = &run->zones[i];
                bool any = false;

                for (size_t k = 0; k < o->n_addr; k++)
                        if (z->listed[k]) {
                                any = true;
                                strbuf_add(listed, sizeof(listed), "; ", "%s listed on %s (%s%s%s)", o->addr[k].text,
                                           z->zone, z->code[k], z->txt[k][0] ? ": " : "", z->txt[k]);
                        }
                if (z->error[0])
                        strbuf_add(failed, sizeof(failed), "; ", "%s", z->error);
                else
                        (void) probe_add_value(p, "dnsbl_listed", "Whether an address is listed on the zone (1) "
                                               "or not (0)", "zone", z->zone, any ? 1 : 0);
        }
        for (size_t k = 0; k < o->n_addr; k++)
                snprintf(addrs + strlen(addrs), sizeof(addrs) - strlen(addrs), "%s%s", k ? ", " : "",
                         o->addr[k].text);
        if (listed[0])
                probe_finish_threshold(p, PROBE_SEVERITY_CRITICAL, "%s%s%s", listed, failed[0] ? "; " : "", failed);
        else if (failed[0])
                probe_finish(p, PROBE_BAD_REPLY, "%s", failed);
        else
                probe_finish(p, PROBE_OK, "%s not listed on %zu zone%s", addrs, o->n_zones,
                             o->n_zones == 1 ? "" : "s");
}

static void dnsbl_stop(Probe *p) {
        DnsblRun *run = p->data;

        if (!run)
                return;
        for (size_t i = 0; i < DNSBL_ZONES_MAX; i++)
                run->zones[i].ae = ares_event_free(run->zones[i].ae);
        free(run);
        p->data = NULL;
}

static int dnsbl_start(Probe *p) {
        const DnsblOptions *o = p->config->options;
        DnsblRun *run = calloc(1, sizeof(*run));
        /* Each zone asks up to 1 + 2 * n_addr questions in turn, with two tries
         * each (c-ares doubles the second's wait): all within the deadline. */
        usec_t try_timeout = MAX(p->config->timeout / (3 * (1 + 2 * o->n_addr)), 50 * USEC_PER_MSEC);
        int r;

        if (!run)
                return -ENOMEM;
        *run = (DnsblRun) { .probe = p, .o = o, .pending = o->n_zones };
        p->data = run;
        for (size_t i = 0; i < o->n_zones; i++) {
                ZoneRun *z = &run->zones[i];

                *z = (ZoneRun) { .run = run, .zone = o->zone[i] };
                r = ares_event_new(p->event, o->server, try_timeout, 2, on_answer, z, &z->ae);
                if (r < 0) {
                        dnsbl_stop(p);
                        return r;
                }
        }
        /* Asked only now: an answer is always delivered from the loop. */
        for (size_t i = 0; i < o->n_zones; i++)
                ask_next(&run->zones[i]);
        return 0;
}

static DnsblOptions *dnsbl_options(ProbeConfig *c) {
        DnsblOptions *o = c->options;

        if (!o) {
                o = option_get(&c->options, sizeof(DnsblOptions));
                snprintf(o->server, sizeof(o->server), "127.0.0.1:53");
        }
        return o;
}

static void free_zones(DnsblOptions *o) {
        for (size_t i = 0; i < o->n_zones; i++)
                free(o->zone[i]);
        o->n_zones = 0;
}

/* "a, b c": the items of a list split at commas and blanks; a repeated key replaces. */
static int parse_list(const char *key, const char *value, DnsblOptions *o, char **error) {
        _cleanup_free_ char *copy = xstrdup(value);
        bool addresses = streq(key, "address");
        size_t n = 0, max = addresses ? DNSBL_ADDRESSES_MAX : DNSBL_ZONES_MAX;
        char *save = NULL;

        if (!addresses)
                free_zones(o);
        for (char *w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save), n++) {
                if (n >= max)
                        return option_error(error, "too many values for %s: at most %zu", key, max);
                if (addresses && dnsbl_address_parse(w, &o->addr[n]) < 0)
                        return option_error(error, "invalid address '%s' for address: expected the server's "
                                            "public IPv4 or IPv6 address", w);
                if (!addresses && !dnsbl_zone_valid(w))
                        return option_error(error, "invalid zone '%s' for zones: expected a DNS name such as "
                                            "zen.spamhaus.org", w);
                if (!addresses)
                        o->zone[o->n_zones++] = xstrdup(w);
        }
        if (n == 0)
                return option_error(error, "empty value for %s", key);
        if (addresses)
                o->n_addr = n;
        return 0;
}

static int dnsbl_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        DnsblOptions *o = dnsbl_options(c);

        if (streq(key, "server"))
                return option_parse_hostport(key, value, 53, o->server, sizeof(o->server), error);
        if (streq(key, "address") || streq(key, "zones"))
                return parse_list(key, value, o, error);
        return -ENOENT;
}

static int dnsbl_verify(ProbeConfig *c, char **error) {
        DnsblOptions *o = dnsbl_options(c);

        if (o->n_addr == 0)
                return option_error(error, "missing required key 'address'");
        if (o->n_zones == 0)
                return option_error(error, "missing required key 'zones'");
        if (c->port != 0)
                return option_error(error, "key 'port' is not used by type dnsbl: use server = ADDRESS:PORT");
        return 0;
}

static void dnsbl_free_options(ProbeConfig *c) {
        DnsblOptions *o = c->options;

        if (!o)
                return;
        free_zones(o);
        free(o);
        c->options = NULL;
}

const ProbeType probe_type_dnsbl = {
        .name = "dnsbl",
        .default_alert = true,
        .default_interval = USEC_PER_HOUR,
        .start = dnsbl_start,
        .stop = dnsbl_stop,
        .keys = (const char *const[]) { "address", "zones", "server", NULL },
        .parse_key = dnsbl_parse_key,
        .verify = dnsbl_verify,
        .free_options = dnsbl_free_options,
};
