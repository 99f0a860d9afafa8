/* probe.h: the common interface of every probe type.
 *
 * A probe is one protocol-level conversation with a service ("does Postfix
 * still say 220 and answer EHLO?"), run asynchronously on the shared sd-event
 * loop. Each type is a small vtable in a registry (probe_types[]); each run
 * ends in exactly one completion call with a named status and a short
 * reason, never blocks the loop, and costs at most its own timeout.
 *
 * A probe sees only its ProbeConfig: the part of a [check NAME] section
 * that says what to talk to and how. The supervisor's CheckConfig holds it
 * (and what to do about the answer), so probes know nothing of units,
 * actions or restart limits, and no header here includes the supervisor's.
 *
 * See also: stream.h (the line-oriented TCP engine smtp and imap share),
 * supervisor/config.h (CheckConfig, where a probe's settings come from).
 */
#pragma once

#include <systemd/sd-event.h>

#include "common/util.h"

typedef struct ProbeType ProbeType;

/* The members of ProbeConfig, once, so that the supervisor's CheckConfig
 * can hold them both as one ProbeConfig (.probe, for probe_start()) and as
 * plain members (cc->host), in the manner of Linux's struct_group(). */
#define PROBE_CONFIG_MEMBERS                                                                            \
        char *name;                     /* the check's name, from [check NAME] */                     \
        const ProbeType *type;          /* type = tcp | smtp | imap ... */                             \
        char *host;                     /* numeric, default 127.0.0.1 */                              \
        uint16_t port;                  /* 0 until set; the type's default_port fills it */           \
        usec_t timeout;                 /* resolved: the check's own, else [supervisor] timeout */    \
        usec_t interval;                /* resolved: its own pace, its type's, else [supervisor]'s */ \
        void *options;                  /* the type's own keys (ProbeType.parse_key) */               \
        unsigned default_fail_after;    /* set by the type's verify: its own fail_after default (0: none) */

typedef struct ProbeConfig {
        PROBE_CONFIG_MEMBERS
} ProbeConfig;

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

/* A value the probe measured on the way (queue sizes, memory used, the
 * days a certificate has left), for whoever wants figures beside the
 * verdict: the metrics exporter shows each as a gauge
 * mailsup_<name>{check="...",<label>="<label_value>"}. name and help are
 * static strings: name in Prometheus' style with its base unit
 * ("redis_memory_used_bytes", "postfix_queue_messages"), label NULL or a
 * label name whose value tells same-named values of one result apart
 * ("queue" = "deferred"). Values past PROBE_VALUES_MAX are dropped. */
#define PROBE_VALUES_MAX 16
#define PROBE_LABEL_MAX 48

typedef struct ProbeValue {
        const char *name;
        const char *help;
        const char *label;
        char label_value[PROBE_LABEL_MAX];
        double value;
} ProbeValue;

typedef struct ProbeResult {
        ProbeStatus status;
        char reason[PROBE_REASON_MAX]; /* "connection refused", "greeting 421 4.3.2 Service not available" */
        usec_t latency;                /* from start to completion */
        ProbeSeverity severity;        /* for PROBE_THRESHOLD: warning or critical; else none */
        unsigned n_values;             /* values measured, in the order added */
        ProbeValue values[PROBE_VALUES_MAX];
} ProbeResult;

typedef struct Probe Probe;

/* Called exactly once per run, from the event loop (never from inside
 * probe_start()). The callee may probe_free() the probe inside it. */
typedef void (*probe_done_t)(Probe *p, const ProbeResult *result, void *userdata);

struct ProbeType {
        const char *name;
        uint16_t default_port;  /* 0: the check must set port */
        bool needs_port;        /* host/port are meaningful for this type */
        bool default_alert;     /* a threshold type: action defaults to alert even with a unit */
        usec_t default_interval; /* 0: the cycle's; else the type's own pace (dnsbl: 1h) */
        /* The type's own keys, NULL-terminated: the configuration accepts
         * exactly these beyond the common ones and hands each to parse_key
         * (mailsupd --list-config-keys prints them). */
        const char *const *keys;

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

        /* Optional configuration hooks for the keys in keys[]. parse_key
         * returns 0 when taken, -EINVAL with *error set (malloc'd) for a bad
         * value (-ENOENT, a key it does not know, is a bug: a test feeds it
         * every listed key). verify checks required keys after parsing, and
         * may set default_fail_after. */
        int (*parse_key)(ProbeConfig *c, const char *key, const char *value, char **error);
        int (*verify)(ProbeConfig *c, char **error);
        void (*free_options)(ProbeConfig *c);
        /* Optional: can this process read what the check needs (files a
         * system user may not see)? Given the check's options (parsed and
         * verified); 0, or -errno with what is missing said in buf. Used by
         * mailsupd --check-config as the daemon's user. */
        int (*check_access)(const void *options, char *buf, size_t size);

        /* Optional: what a type keeps between runs, for one check (the log
         * reader of postfix_log: its cursor and the counts of its window).
         * The check's owner makes it once (probe_state_new()), hands it to
         * every run (probe_start_with_state(), Probe.state) and frees it with
         * the check. On a reload, a check that keeps its name keeps its state
         * when state_keep says the new config can go on with it. The state
         * copies what it needs from the config: it outlives a reload. */
        int (*state_new)(sd_event *e, const ProbeConfig *c, void **ret);
        bool (*state_keep)(const void *state, const ProbeConfig *c);
        void (*state_free)(void *state);
};

struct Probe {
        const ProbeType *type;
        const ProbeConfig *config;
        sd_event *event;
        sd_event_source *deadline;   /* the whole run's timeout */
        sd_event_source *defer;      /* delivers an immediate result asynchronously */
        usec_t started;              /* CLOCK_MONOTONIC */
        probe_done_t done;
        void *userdata;
        bool finished;
        ProbeResult result;
        void *data;                  /* type-specific state of this run */
        void *state;                 /* the check's state across runs (ProbeType.state_new), or NULL */
        bool own_state;              /* state was made for this run alone: freed with it */
};

/* The registry. */
const ProbeType *probe_type_find(const char *name);
extern const ProbeType *const probe_types[];

/* Whether key is one of the type's own keys. */
bool probe_type_has_key(const ProbeType *t, const char *key);

int probe_start(sd_event *e, const ProbeConfig *c, probe_done_t done, void *userdata, Probe **ret);
/* The same with the check's state (probe_state_new()); with NULL, a type
 * that keeps one gets a fresh state for this run alone. */
int probe_start_with_state(sd_event *e, const ProbeConfig *c, void *state, probe_done_t done, void *userdata,
                           Probe **ret);
/* The state c's type keeps between runs: 0 and *ret NULL for a type without
 * one; <0 only when it cannot be made (no memory). */
int probe_state_new(sd_event *e, const ProbeConfig *c, void **ret);
/* Whether a state made for c's type may go on with config c (reload). */
bool probe_state_keep(const ProbeConfig *c, const ProbeType *made_for, const void *state);
void *probe_state_free(const ProbeType *t, void *state);
Probe *probe_free(Probe *p);
static inline void probe_freep(Probe **p) {
        probe_free(*p);
}

/* For probe types: finish the run with a status and a printf-style reason.
 * Safe to call from any callback of the run; later calls are ignored. */
void probe_finish(Probe *p, ProbeStatus status, const char *fmt, ...) _printf_(3, 4);
/* Record a measured value (see ProbeValue) before finishing the run; a
 * second value of the same name and label value replaces the first. label
 * and label_value may be NULL. Later calls after the run finished are
 * ignored. Returns 0, or -ENOSPC past PROBE_VALUES_MAX. */
int probe_add_value(Probe *p, const char *name, const char *help, const char *label, const char *label_value,
                    double value);
/* The value of that name (and label value, NULL: none) in r: 0 and *ret,
 * or -ENOENT. For tests and whoever reads one figure. */
int probe_result_value(const ProbeResult *r, const char *name, const char *label_value, double *ret);
/* The same for PROBE_THRESHOLD with a severity (probe_finish() gives critical). */
void probe_finish_threshold(Probe *p, ProbeSeverity severity, const char *fmt, ...) _printf_(3, 4);
const char *probe_severity_to_string(ProbeSeverity s);

const char *probe_status_to_string(ProbeStatus s);
