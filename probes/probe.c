/* probe.c: the probe registry and the life cycle every probe run shares.
 *
 * probe_start() arms the run's deadline and hands over to the type;
 * probe_finish() records the one result and delivers it from a defer source,
 * so the owner's callback never runs inside probe_start() or deep inside a
 * type's I/O handler. A run whose deadline passes first is finished by this
 * module, whatever the type was doing: PROBE_TIMEOUT, or the status and
 * reason the type's describe_timeout() gives for the state it was in.
 *
 * See also: probe.h, stream.c.
 */
#include "probes/probe.h"

#include <assert.h>
#include <stdarg.h>

extern const ProbeType probe_type_tcp, probe_type_smtp, probe_type_imap, probe_type_http, probe_type_dns,
        probe_type_redis, probe_type_milter, probe_type_tcp_table,
        probe_type_program, probe_type_file, probe_type_system, probe_type_postfix_queue, probe_type_lmtp,
        probe_type_postfix_log, probe_type_dnsbl, probe_type_roundtrip;

const ProbeType *const probe_types[] = {
        &probe_type_tcp,
        &probe_type_smtp,
        &probe_type_imap,
        &probe_type_http,
        &probe_type_dns,
        &probe_type_redis,
        &probe_type_milter,
        &probe_type_tcp_table,
        &probe_type_program,
        &probe_type_file,
        &probe_type_system,
        &probe_type_postfix_queue,
        &probe_type_lmtp,
        &probe_type_postfix_log,
        &probe_type_dnsbl,
        &probe_type_roundtrip,
        NULL,
};

const ProbeType *probe_type_find(const char *name) {
        for (size_t i = 0; probe_types[i]; i++)
                if (streq(probe_types[i]->name, name))
                        return probe_types[i];
        return NULL;
}

bool probe_type_has_key(const ProbeType *t, const char *key) {
        for (const char *const *k = t->keys; k && *k; k++)
                if (streq(*k, key))
                        return true;
        return false;
}

static const char *const status_names[_PROBE_STATUS_MAX] = {
        [PROBE_OK] = "ok",
        [PROBE_CONNECT_REFUSED] = "connect-refused",
        [PROBE_CONNECT_TIMEOUT] = "connect-timeout",
        [PROBE_CONNECT_ERROR] = "connect-error",
        [PROBE_TIMEOUT] = "timeout",
        [PROBE_CLOSED] = "closed",
        [PROBE_BAD_GREETING] = "bad-greeting",
        [PROBE_BAD_REPLY] = "bad-reply",
        [PROBE_PROTOCOL_ERROR] = "protocol-error",
        [PROBE_OVERLONG] = "overlong",
        [PROBE_INTERNAL_ERROR] = "internal-error",
        [PROBE_THRESHOLD] = "threshold",
};

const char *probe_status_to_string(ProbeStatus s) {
        if (s < 0 || s >= _PROBE_STATUS_MAX)
                return "unknown";
        return status_names[s];
}

static int on_defer(sd_event_source *s, void *userdata) {
        Probe *p = userdata;

        p->defer = sd_event_source_unref(p->defer);
        p->done(p, &p->result, p->userdata);
        return 0;
}

const char *probe_severity_to_string(ProbeSeverity s) {
        static const char *const names[] = { "none", "warning", "critical" };

        if (s < 0 || s >= (ProbeSeverity) ELEMENTSOF(names))
                return "unknown";
        return names[s];
}

int probe_add_value(Probe *p, const char *name, const char *help, const char *label, const char *label_value,
                    double value) {
        ProbeResult *r = &p->result;
        ProbeValue *v = NULL;

        assert(name && help && !label == !label_value);
        if (p->finished)
                return 0;
        for (unsigned i = 0; i < r->n_values && !v; i++)
                if (streq(r->values[i].name, name) && streq_ptr(r->values[i].label, label) &&
                    (!label || streq(r->values[i].label_value, label_value)))
                        v = &r->values[i];
        if (!v) {
                if (r->n_values >= PROBE_VALUES_MAX)
                        return -ENOSPC;
                if (!r->values) {
                        r->values = calloc(PROBE_VALUES_MAX, sizeof(ProbeValue));
                        if (!r->values)
                                return -ENOMEM;
                }
                v = &r->values[r->n_values++];
        }
        *v = (ProbeValue) { .name = name, .help = help, .label = label, .value = value };
        if (label)
                utf8_sanitize(v->label_value, sizeof(v->label_value), label_value);
        return 0;
}

int probe_result_value(const ProbeResult *r, const char *name, const char *label_value, double *ret) {
        for (unsigned i = 0; i < r->n_values; i++)
                if (streq(r->values[i].name, name) &&
                    (label_value ? r->values[i].label && streq(r->values[i].label_value, label_value)
                                 : !r->values[i].label)) {
                        *ret = r->values[i].value;
                        return 0;
                }
        return -ENOENT;
}

static void probe_finishv(Probe *p, ProbeStatus status, ProbeSeverity severity, const char *fmt, va_list ap)
        _printf_(4, 0);
static void probe_finishv(Probe *p, ProbeStatus status, ProbeSeverity severity, const char *fmt, va_list ap) {
        char reason[2 * PROBE_REASON_MAX];
        int r;

        if (p->finished)
                return;
        p->finished = true;
        p->result.status = status;
        p->result.severity = status != PROBE_THRESHOLD ? PROBE_SEVERITY_NONE
                             : severity == PROBE_SEVERITY_NONE ? PROBE_SEVERITY_CRITICAL : severity;
        p->result.latency = now_usec(CLOCK_MONOTONIC) - p->started;
        /* Where a peer's text enters: one line of UTF-8, cut at a character. */
        vsnprintf(reason, sizeof(reason), fmt, ap);
        sanitize_line(p->result.reason, sizeof(p->result.reason), reason, strlen(reason));

        /* Stop I/O now: a finished probe must not keep reading from its peer. */
        if (p->type->stop)
                p->type->stop(p);

        r = sd_event_add_defer(p->event, &p->defer, on_defer, p);
        if (r < 0) {
                /* No memory for a defer source: let the deadline timer, due at
                 * once, deliver it, still never from inside our caller. */
                (void) sd_event_source_set_time_relative(p->deadline, 0);
                (void) sd_event_source_set_enabled(p->deadline, SD_EVENT_ONESHOT);
                return;
        }
        (void) sd_event_source_set_description(p->defer, "probe-done");
        p->deadline = sd_event_source_disable_unref(p->deadline);
}

void probe_finish(Probe *p, ProbeStatus status, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        probe_finishv(p, status, PROBE_SEVERITY_NONE, fmt, ap);
        va_end(ap);
}

void probe_finish_threshold(Probe *p, ProbeSeverity severity, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        probe_finishv(p, PROBE_THRESHOLD, severity, fmt, ap);
        va_end(ap);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        Probe *p = userdata;
        ProbeStatus status = PROBE_TIMEOUT;
        char buf[32], reason[PROBE_REASON_MAX];

        if (p->finished) { /* delivering for probe_finish(), see there */
                p->deadline = sd_event_source_disable_unref(p->deadline);
                p->done(p, &p->result, p->userdata);
                return 0;
        }

        snprintf(reason, sizeof(reason), "no answer within %s",
                 format_duration(buf, sizeof(buf), p->config->timeout));
        /* The type knows what it was waiting for ("no greeting within 10s"). */
        if (p->type->describe_timeout)
                p->type->describe_timeout(p, &status, reason, sizeof(reason));
        probe_finish(p, status, "%s", reason);
        return 0;
}

int probe_state_new(sd_event *e, const ProbeConfig *c, void **ret) {
        *ret = NULL;
        return c->type->state_new ? c->type->state_new(e, c, ret) : 0;
}

bool probe_state_keep(const ProbeConfig *c, const ProbeType *made_for, const void *state) {
        return c->type == made_for && (!state || (c->type->state_keep && c->type->state_keep(state, c)));
}

void *probe_state_free(const ProbeType *t, void *state) {
        if (state && t->state_free)
                t->state_free(state);
        return NULL;
}

int probe_start(sd_event *e, const ProbeConfig *c, probe_done_t done, void *userdata, Probe **ret) {
        return probe_start_with_state(e, c, NULL, done, userdata, ret);
}

int probe_start_with_state(sd_event *e, const ProbeConfig *c, void *state, probe_done_t done, void *userdata,
                           Probe **ret) {
        Probe *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->type = c->type;
        p->config = c;
        p->event = sd_event_ref(e);
        p->done = done;
        p->userdata = userdata;
        p->started = now_usec(CLOCK_MONOTONIC);
        p->state = state;
        if (!state) {
                r = probe_state_new(e, c, &p->state);
                if (r < 0)
                        goto fail;
                p->own_state = true;
        }

        r = sd_event_add_time_relative(e, &p->deadline, CLOCK_MONOTONIC, c->timeout,
                                       USEC_PER_MSEC, on_deadline, p);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(p->deadline, "probe-deadline");

        r = p->type->start(p);
        if (r < 0)
                goto fail;

        *ret = p;
        return 0;
fail:
        p->finished = true; /* no completion call for a run that never started */
        probe_free(p);
        return r;
}

Probe *probe_free(Probe *p) {
        if (!p)
                return NULL;
        p->deadline = sd_event_source_disable_unref(p->deadline);
        p->defer = sd_event_source_disable_unref(p->defer);
        if (!p->finished && p->type->stop)
                p->type->stop(p);
        if (p->own_state)
                probe_state_free(p->type, p->state);
        sd_event_unref(p->event);
        free(p->result.values);
        free(p);
        return NULL;
}
