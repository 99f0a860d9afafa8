/* roundtrip.c: the "roundtrip" probe, a canary through the whole pipeline.
 *
 * Every service of a mail server can answer its own probe while mail
 * stops: a frozen qmgr, an LMTP that refuses, a spam filter skipped. Each
 * run sweeps the mailbox over IMAP for this check's earlier canaries
 * (measuring, judging and deleting what it finds), then submits a new one
 * over SMTP through the real path, milters included. Nothing waits for a
 * delivery: a canary sent in one run is looked for in the next ones, each
 * with its own deadline (max_delay), at most RT_IN_FLIGHT_MAX at once.
 * When one is late, `postqueue -j` (a child on the loop) says where
 * Postfix holds it. Verdicts, worst first: the submission refused, the
 * mailbox unreachable, a canary not delivered within max_delay, one that
 * arrived without an expected header, or late, or in the junk mailbox (a
 * warning); else ok with the latency (to the second: the server's
 * INTERNALDATE), also a measured value.
 *
 * See also: roundtrip.h, roundtrip-imap.c, roundtrip-smtp.c, child.h.
 */
#include "probes/roundtrip.h"

#include <sys/random.h>

#include "common/options.h"

#define PQ_LINE_MAX 4096

static void format_canary_age(char *buf, size_t size, usec_t d) {
        /* "2m03s", "1.2s": to a tenth below a minute, whole seconds above. */
        if (d < USEC_PER_MINUTE)
                snprintf(buf, size, "%llu.%llus", (unsigned long long) (d / USEC_PER_SEC),
                         (unsigned long long) (d % USEC_PER_SEC / (USEC_PER_SEC / 10)));
        else
                snprintf(buf, size, "%llum%02llus", (unsigned long long) (d / USEC_PER_MINUTE),
                         (unsigned long long) (d % USEC_PER_MINUTE / USEC_PER_SEC));
}

/* The latency of a found canary: its arrival, stamped to the second, is
 * taken at the second's end, so a delivery is never shown faster than it was. */
static usec_t latency_of(const Found *f) {
        usec_t arrived = f->arrived + USEC_PER_SEC;

        return arrived > f->canary.sent ? arrived - f->canary.sent : 0;
}

static void remember_found(RoundtripOptions *o, Found *f) {
        for (unsigned i = 0; i < o->n_in_flight; i++)
                if (streq(o->in_flight[i].id, f->canary.id)) {
                        snprintf(f->canary.queue_id, sizeof(f->canary.queue_id), "%s", o->in_flight[i].queue_id);
                        memmove(o->in_flight + i, o->in_flight + i + 1, (o->n_in_flight - i - 1) * sizeof(Canary));
                        o->n_in_flight--;
                        return;
                }
}

static void add_in_flight(RoundtripOptions *o, const Canary *c) {
        if (o->n_in_flight == RT_IN_FLIGHT_MAX) {
                memmove(o->in_flight, o->in_flight + 1, (RT_IN_FLIGHT_MAX - 1) * sizeof(Canary));
                o->n_in_flight--;
        }
        o->in_flight[o->n_in_flight++] = *c;
}

/* The oldest canary still in flight past max_delay, or NULL. */
static const Canary *oldest_late(const RoundtripOptions *o, usec_t now) {
        if (o->n_in_flight > 0 && now > o->in_flight[0].sent + o->max_delay)
                return &o->in_flight[0];
        return NULL;
}

/* The newest canary found, which says how the pipeline is now. */
static const Found *newest_found(const Roundtrip *rt) {
        const Found *best = NULL;

        for (size_t i = 0; i < rt->n_found; i++)
                if (!best || rt->found[i].canary.sent > best->canary.sent)
                        best = &rt->found[i];
        return best;
}

static void judge_found(Roundtrip *rt, const Found *f, const char *sent_note) {
        const RoundtripOptions *o = rt->o;
        char age[32], limit[32], queued[64] = "";
        usec_t latency = latency_of(f);

        format_canary_age(age, sizeof(age), latency);
        if (f->canary.queue_id[0])
                snprintf(queued, sizeof(queued), " (queued as %s)", f->canary.queue_id);
        if (f->missing >= 0)
                probe_finish(rt->probe, PROBE_BAD_REPLY, "arrived in %s without a header matching '%s'%s", age,
                             o->expect_src[f->missing], queued);
        else if (latency > o->max_delay)
                probe_finish(rt->probe, PROBE_TIMEOUT, "delivered in %s, later than max_delay %s%s", age,
                             format_duration(limit, sizeof(limit), o->max_delay), queued);
        else if (f->junk)
                probe_finish_threshold(rt->probe, PROBE_SEVERITY_WARNING, "filed as spam: arrived in %s in '%s'%s",
                                       age, o->junk_mailbox, queued);
        else
                probe_finish(rt->probe, PROBE_OK, "delivered in %s%s%s", age, queued, sent_note);
}

static void late_reason(const Roundtrip *rt, const Canary *late, char *buf, size_t size) {
        char age[32], limit[32];

        format_canary_age(age, sizeof(age), now_usec(CLOCK_REALTIME) - late->sent);
        snprintf(buf, size, "not delivered within %s (queued as %s, accepted %s ago)%s%s",
                 format_duration(limit, sizeof(limit), rt->o->max_delay), late->queue_id, age,
                 rt->stuck[0] ? "; " : "", rt->stuck);
}

static void judge(Roundtrip *rt) {
        RoundtripOptions *o = rt->o;
        const Found *f = newest_found(rt);
        char note[96] = "", age[32], reason[PROBE_REASON_MAX];
        const Canary *late = oldest_late(o, now_usec(CLOCK_REALTIME));

        if (o->has_latency)
                probe_add_value(rt->probe, "roundtrip_delivery_seconds", "the last canary's delivery latency",
                                NULL, NULL, (double) o->last_latency / USEC_PER_SEC);
        probe_add_value(rt->probe, "roundtrip_in_flight", "canaries sent and not yet found", NULL, NULL,
                        o->n_in_flight);
        if (late) {
                late_reason(rt, late, reason, sizeof(reason));
                probe_finish(rt->probe, PROBE_TIMEOUT, "%s", reason);
                return;
        }
        if (rt->sent)
                snprintf(note, sizeof(note), "; sent %s", rt->sending.queue_id);
        if (f) {
                judge_found(rt, f, note);
                return;
        }
        if (o->has_latency)
                format_canary_age(age, sizeof(age), o->last_latency);
        probe_finish(rt->probe, PROBE_OK, "canary queued as %s, not arrived yet%s%s",
                     rt->sent ? rt->sending.queue_id : "-", o->has_latency ? "; last delivered in " : "",
                     o->has_latency ? age : "");
}

/* postqueue -j, line by line, looking for the late canary's queue id. */
static void on_pq_output(Child *c, const char *buf, size_t len, void *userdata) {
        Roundtrip *rt = userdata;

        for (size_t i = 0; i < len; i++) {
                if (buf[i] != '\n') {
                        if (rt->pq_len + 1 < sizeof(rt->pq_line))
                                rt->pq_line[rt->pq_len++] = buf[i];
                        else
                                rt->pq_skip = true;
                        continue;
                }
                if (!rt->pq_skip && !rt->stuck[0] &&
                    postqueue_line_parse(rt->pq_line, rt->pq_len, rt->late->queue_id, rt->pq_line,
                                         sizeof(rt->pq_line)) > 0)
                        sanitize_line(rt->stuck, sizeof(rt->stuck), rt->pq_line, strlen(rt->pq_line));
                rt->pq_len = 0;
                rt->pq_skip = false;
        }
}

static void on_pq_exited(Child *c, const siginfo_t *si, void *userdata) {
        Roundtrip *rt = userdata;

        rt->postqueue = child_free(rt->postqueue);
        judge(rt);
}

static const ChildOps pq_ops = { .output = on_pq_output, .exited = on_pq_exited };

/* Both conversations are over: ask Postfix about a late canary, or judge. */
static void sessions_over(Roundtrip *rt) {
        char *argv[] = { "postqueue", "-j", NULL, NULL, NULL };

        rt->late = oldest_late(rt->o, now_usec(CLOCK_REALTIME));
        if (rt->late && rt->o->postqueue) {
                if (rt->o->config_directory)
                        argv[1] = "-c", argv[2] = rt->o->config_directory, argv[3] = "-j";
                if (child_spawn(rt->probe->event, NULL, argv, &pq_ops, rt, &rt->postqueue) >= 0)
                        return;
                snprintf(rt->stuck, sizeof(rt->stuck), "postqueue could not be run");
        }
        judge(rt);
}

void roundtrip_session_done(Stream *s) {
        Roundtrip *rt = s->userdata;
        bool imap = s == rt->imap;
        int r;

        if (s->status != PROBE_OK) {
                probe_finish(rt->probe, s->status, "%s: %s", imap ? "mailbox" : "submission", s->reason);
                return;
        }
        if (imap) {
                RoundtripOptions *o = rt->o;
                const Found *f = NULL;

                for (size_t i = 0; i < rt->n_found; i++)
                        remember_found(o, &rt->found[i]);
                f = newest_found(rt);
                if (f) {
                        o->last_latency = latency_of(f);
                        o->has_latency = true;
                }
                rt->imap_done = true;
                r = roundtrip_smtp_start(rt);
                if (r < 0)
                        probe_finish(rt->probe, PROBE_INTERNAL_ERROR, "submission: %s", strerror(-r));
                return;
        }
        rt->smtp_done = true;
        if (rt->sent)
                add_in_flight(rt->o, &rt->sending);
        sessions_over(rt);
}

/* A password longer than the buffer is cut; the server then refuses it. */
static void copy_secret(char *dst, size_t size, const char *src) {
        size_t n = strnlen(src, size - 1);

        memcpy(dst, src, n);
        dst[n] = '\0';
}

static int read_passwords(Roundtrip *rt, char **error) {
        const RoundtripOptions *o = rt->o;
        char buf[OPTION_SECRET_MAX];
        int r;

        r = option_read_secret("imap_password_file", o->imap_password_file, buf, sizeof(buf), error);
        if (r >= 0) {
                buf[strcspn(buf, "\r\n")] = '\0';
                copy_secret(rt->imap_password, sizeof(rt->imap_password), buf);
        }
        if (r >= 0 && o->password_file) {
                r = option_read_secret("password_file", o->password_file, buf, sizeof(buf), error);
                buf[strcspn(buf, "\r\n")] = '\0';
                copy_secret(rt->password, sizeof(rt->password), buf);
        }
        explicit_bzero(buf, sizeof(buf));
        return r;
}

static void new_canary(Canary *c) {
        uint8_t rnd[8];

        if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t) sizeof(rnd))
                for (size_t i = 0; i < sizeof(rnd); i++)
                        rnd[i] = (uint8_t) (now_usec(CLOCK_MONOTONIC) >> (i * 3));
        *c = (Canary) { .sent = now_usec(CLOCK_REALTIME) };
        for (size_t i = 0; i < sizeof(rnd); i++)
                snprintf(c->id + 2 * i, sizeof(c->id) - 2 * i, "%02x", rnd[i]);
}

static int roundtrip_start(Probe *p) {
        _cleanup_free_ char *error = NULL;
        Roundtrip *rt = calloc(1, sizeof(Roundtrip));
        int r;

        if (!rt)
                return -ENOMEM;
        p->data = rt;
        rt->probe = p;
        rt->o = p->config->options;
        if (read_passwords(rt, &error) < 0) {
                probe_finish(p, PROBE_INTERNAL_ERROR, "%s", error ? error : "cannot read a password file");
                return 0;
        }
        new_canary(&rt->sending);
        r = roundtrip_imap_start(rt);
        return r < 0 ? r : 0;
}

static void roundtrip_stop(Probe *p) {
        Roundtrip *rt = p->data;

        if (!rt)
                return;
        stream_free(rt->imap);
        stream_free(rt->smtp);
        child_free(rt->postqueue);
        explicit_bzero(rt->password, sizeof(rt->password));
        explicit_bzero(rt->imap_password, sizeof(rt->imap_password));
        free(rt);
        p->data = NULL;
}

static void roundtrip_describe_timeout(Probe *p, ProbeStatus *status, char *reason, size_t size) {
        Roundtrip *rt = p->data;
        char what[PROBE_REASON_MAX];

        if (!rt)
                return;
        if (rt->postqueue) {
                /* The verdict stands without postqueue's word. */
                rt->postqueue = child_free(rt->postqueue);
                snprintf(rt->stuck, sizeof(rt->stuck), "postqueue -j gave no answer in time");
                *status = PROBE_TIMEOUT;
                late_reason(rt, rt->late, reason, size);
                return;
        }
        stream_describe(rt->imap_done ? rt->smtp : rt->imap, p->config->timeout, status, what, sizeof(what));
        snprintf(reason, size, "%s: %s", rt->imap_done ? "submission" : "mailbox", what);
}

const ProbeType probe_type_roundtrip = {
        .name = "roundtrip",
        .default_port = 25,
        .needs_port = true,
        .default_alert = true,
        .keys = roundtrip_keys,
        .start = roundtrip_start,
        .stop = roundtrip_stop,
        .describe_timeout = roundtrip_describe_timeout,
        .parse_key = roundtrip_parse_key,
        .verify = roundtrip_verify,
        .free_options = roundtrip_free_options,
        .check_access = roundtrip_check_access,
};
