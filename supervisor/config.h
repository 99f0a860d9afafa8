/* config.h: mailsupd's configuration, read with inih.
 *
 * The file format is part of the product: [supervisor] for the loop and the
 * restart policy, one [check NAME] section per watched service. The main file
 * (default /etc/mailsup/mailsupd.conf) is followed by drop-ins from
 * "<main>.d/NAME.conf" in lexical order, later values winning. Every mistake is
 * an error with FILE:LINE: a typo must never silently leave a service
 * unwatched. [notify NAME] sections are the alert channels (notify/channel.h),
 * merged across drop-ins like checks. With no file at all, an embedded default describing the standard
 * Debian mail stack is used (config_default_text()).
 *
 * See also: probes/probe.h (probe types and their own keys), supervisor.c.
 */
#pragma once

#include "common/util.h"
#include "notify/channel.h"
#include "notify/heartbeat.h"
#include "probes/probe.h"

#define CONFIG_DEFAULT_PATH "/etc/mailsup/mailsupd.conf"

typedef enum CheckAction {
        CHECK_ACTION_RESTART,
        CHECK_ACTION_ALERT,
        CHECK_ACTION_NONE,
        _CHECK_ACTION_MAX,
} CheckAction;

typedef enum BusKind {
        BUS_SYSTEM,
        BUS_USER,
} BusKind;

typedef struct CheckConfig {
        /* What the probe sees: name, type, host, port, timeout, options, as
         * .probe for probe_start() and as plain members (cc->host). */
        union {
                ProbeConfig probe;
                struct {
                        PROBE_CONFIG_MEMBERS
                };
        };
        char *unit;                     /* systemd unit to act on, NULL for none */
        CheckAction action;             /* default restart when unit is set, else alert; threshold
                                         * types (ProbeType.default_alert) alert */
        unsigned fail_after;            /* failed results in a row before it counts as failed (default 1,
                                         * or the type's: 0 until resolved) */
        unsigned recover_after;         /* ok results in a row before it counts as recovered (default 1) */
        unsigned restart_limit;         /* resolved: the check's own restart_limit, else [supervisor]'s */
        unsigned restart_window;        /* the same for restart_window (cycles) */
        usec_t restart_grace;           /* and restart_grace */
        char *source;                   /* "FILE:LINE" of the section header, for messages */
        char *listen_found;             /* listen_from: what was found and where, NULL without it */
        char *socket;                   /* the unix socket it connects to (socket =, or listen_from), or NULL */
        char **depends_on;              /* depends_on = checks whose failure explains this one's */
        size_t n_depends_on;
        size_t *depends_idx;            /* resolved: their indices in Config.checks */
} CheckConfig;

typedef struct Config {
        char *path;                     /* main file read; NULL for the embedded default */
        bool embedded;                  /* running on the embedded default */
        bool skip_missing_units;        /* checks whose unit does not exist are not watched */
        usec_t interval;                /* default 2min */
        usec_t timeout;                 /* default 10s */
        usec_t restart_grace;           /* default 30s; a check's own restart_grace overrides it */
        BusKind bus;                    /* default system */
        char *state_directory;          /* default /var/lib/mailsup */
        unsigned restart_limit;         /* default 3; the defaults of every check's own */
        unsigned restart_window;        /* default 5 (cycles) */
        char *heartbeat_url;            /* NULL: no heartbeat */
        HeartbeatMethod heartbeat_method; /* default post */
        bool heartbeat_report_failures; /* default yes */
        bool heartbeat_start;           /* default no */
        usec_t reminder;                /* default 4h, 0 = never */
        unsigned outbox_max;            /* default 1000 items */
        char *metrics_listen;           /* NULL: no /metrics endpoint; "127.0.0.1:9187" */
        char *metrics_textfile;         /* NULL: none; a path written atomically every cycle */
        CheckConfig *checks;
        size_t n_checks;
        ChannelConfig *channels;        /* [notify NAME], verified */
        size_t n_channels;
} Config;

/* Collected "FILE:LINE: message" lines, in the order found. */
typedef struct ConfigErrors {
        char **lines;
        size_t n;
} ConfigErrors;

/* path NULL: CONFIG_DEFAULT_PATH and its drop-ins, or the embedded default
 * when neither exists. Returns 0 and a Config, or a negative errno; on any
 * error in the text, -EINVAL with every problem appended to *errors. */
int config_load(const char *path, Config **ret, ConfigErrors *errors);

/* Parse text as if read from a file called name (used for the embedded
 * default and by tests). Same contract as config_load. */
int config_load_string(const char *text, const char *name, Config **ret, ConfigErrors *errors);
/* The same for size bytes, NULs included, as a file's are read (fuzzers). */
int config_load_buffer(const char *data, size_t size, const char *name, Config **ret, ConfigErrors *errors);

Config *config_free(Config *c);
static inline void config_freep(Config **c) {
        config_free(*c);
}

void config_errors_add(ConfigErrors *e, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
void config_errors_clear(ConfigErrors *e);
void config_errors_print(const ConfigErrors *e, FILE *f);

const CheckConfig *config_find_check(const Config *c, const char *name);

/* Every key the configuration accepts, one a line: "supervisor KEY",
 * "check KEY" (every check), "check:TYPE KEY" (a probe type's own),
 * "notify KEY" (every channel), "notify:TYPE KEY" (a channel type's),
 * from the very tables the parser uses (config-keys.c). */
void config_list_keys(FILE *f);

/* The embedded default, as text a user can copy to CONFIG_DEFAULT_PATH. */
const char *config_default_text(void);

const char *check_action_to_string(CheckAction a);
int check_action_from_string(const char *s, CheckAction *ret);
