/* probe.h: the common interface of every probe type.
 *
 * A probe is one protocol-level conversation with a service ("does Postfix
 * still say 220 and answer EHLO?"), run asynchronously on the shared sd-event
 * loop. Each type is a small vtable in a registry (probe_types[]); each run
 * ends in exactly one completion call with a named status and a short
 * reason, never blocks the loop, and costs at most its own timeout.
 *
 * See also: stream.h (the line-oriented TCP engine smtp and imap share),
 * supervisor/config.h (CheckConfig, where a probe's settings come from).
 */
#pragma once

#include <systemd/sd-event.h>

#include "supervisor/config.h"

typedef enum ProbeStatus {
        PROBE_OK,
        PROBE_CONNECT_REFUSED,     /* connection refused */
        PROBE_CONNECT_TIMEOUT,     /* no TCP connection within the deadline */
        PROBE_CONNECT_ERROR,       /* other connect failure (unreachable, bad address) */
        PROBE_TIMEOUT,             /* connected, but the conversation did not finish in time */
        PROBE_CLOSED,              /* peer closed the connection mid-conversation */
        PROBE_BAD_GREETING,        /* greeting was a refusal (e.g. SMTP 421, IMAP BYE) */
        PROBE_BAD_REPLY,           /* a later reply was a refusal (e.g. EHLO answered 5xx) */
        PROBE_PROTOCOL_ERROR,      /* bytes that are not the protocol (garbage) */
        PROBE_OVERLONG,            /* reply larger than the bound we read */
        PROBE_INTERNAL_ERROR,      /* our side failed (out of fds, memory) */
        PROBE_THRESHOLD,           /* the service answered, but a measured value is past its
                                    * configured limit (redis used_memory above max_memory):
                                    * an alert condition, not a reason to restart */
        _PROBE_STATUS_MAX,
} ProbeStatus;

#define PROBE_REASON_MAX 256

/* How bad a PROBE_THRESHOLD result is: a value past the warn level or past
 * the crit level (system's warn/crit). Types with a single limit (redis
 * max_memory, file max_size) give critical. Every other status has
 * PROBE_SEVERITY_NONE: its badness is the status itself. */
typedef enum ProbeSeverity {
        PROBE_SEVERITY_NONE,
        PROBE_SEVERITY_WARNING,
        PROBE_SEVERITY_CRITICAL,
} ProbeSeverity;

typedef struct ProbeResult {
        ProbeStatus status;
        char reason[PROBE_REASON_MAX]; /* "connection refused", "greeting 421 4.3.2 Service not available" */
        usec_t latency;                /* from start to completion */
        ProbeSeverity severity;        /* for PROBE_THRESHOLD: warning or critical; else none */
} ProbeResult;

typedef struct Probe Probe;

/* Called exactly once per run, from the event loop (never from inside
 * probe_start()). The callee may probe_free() the probe inside it. */
typedef void (*probe_done_t)(Probe *p, const ProbeResult *result, void *userdata);

typedef struct ProbeType {
        const char *name;
        uint16_t default_port;  /* 0: the check must set port */
        bool needs_port;        /* host/port are meaningful for this type */
        bool default_alert;     /* a threshold type: action defaults to alert even with a unit */

        /* Start the conversation; return <0 only for immediate local errors
         * (then no completion call happens). */
        int (*start)(Probe *p);
        /* Release everything start() set up; called once by probe_free(). */
        void (*stop)(Probe *p);
        /* Optional: the deadline passed; say what was still awaited by
         * overwriting *status and reason (preset to PROBE_TIMEOUT, "no answer
         * within 10s"), e.g. PROBE_CONNECT_TIMEOUT "no connection within 10s".
         * Must not finish the run: probe.c does that with what is left here. */
        void (*describe_timeout)(Probe *p, ProbeStatus *status, char *reason, size_t size);

        /* Optional configuration hooks for keys beyond the common ones
         * (type, host, port, unit, action, timeout, fail_after, recover_after).
         * parse_key returns 0 when taken, -ENOENT for an unknown key, -EINVAL
         * with *error set (malloc'd) for a bad value. verify checks required
         * keys after parsing, and may set defaults of common keys left unset
         * (fail_after 0). */
        int (*parse_key)(CheckConfig *c, const char *key, const char *value, char **error);
        int (*verify)(CheckConfig *c, char **error);
        void (*free_options)(CheckConfig *c);
        /* Optional: can this process read what the check needs (files a
         * system user may not see)? Given the check's options (parsed and
         * verified); 0, or -errno with what is missing said in buf. Used by
         * mailsupd --check-config as the daemon's user. */
        int (*check_access)(const void *options, char *buf, size_t size);
} ProbeType;

struct Probe {
        const ProbeType *type;
        const CheckConfig *config;
        sd_event *event;
        sd_event_source *deadline;   /* the whole run's timeout */
        sd_event_source *defer;      /* delivers an immediate result asynchronously */
        usec_t started;              /* CLOCK_MONOTONIC */
        probe_done_t done;
        void *userdata;
        bool finished;
        ProbeResult result;
        void *data;                  /* type-specific state */
};

/* The registry. */
const ProbeType *probe_type_find(const char *name);
extern const ProbeType *const probe_types[];

int probe_start(sd_event *e, const CheckConfig *c, probe_done_t done, void *userdata, Probe **ret);
Probe *probe_free(Probe *p);
static inline void probe_freep(Probe **p) {
        probe_free(*p);
}

/* For probe types: finish the run with a status and a printf-style reason.
 * Safe to call from any callback of the run; later calls are ignored. */
void probe_finish(Probe *p, ProbeStatus status, const char *fmt, ...) _printf_(3, 4);
/* The same for PROBE_THRESHOLD with a severity (probe_finish() gives critical). */
void probe_finish_threshold(Probe *p, ProbeSeverity severity, const char *fmt, ...) _printf_(3, 4);
const char *probe_severity_to_string(ProbeSeverity s);

const char *probe_status_to_string(ProbeStatus s);
