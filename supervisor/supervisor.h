/* supervisor.h: the one supervisor context of mailsupd.
 *
 * Owns the sd-event loop, the bus, the configuration and the checks. Each
 * cycle starts every due probe at once, in batches spread over part of the
 * interval when there are thousands (policy_cycle_spread()); a check with
 * an interval of its own runs on its own timer instead; a result feeds the check's policy
 * (check.c, policy.c), a verdict becomes an action on its unit (units.c,
 * actions/unit.c), and everything learnt on the way is published once
 * (news.h) to the subscribers that registered at start: the D-Bus API,
 * alerting, the fire drill, the state saver, the STATUS= line and the
 * metrics exporter. Unit state changes from the manager are judged at
 * once, not at the next cycle.
 *
 * The configuration can be replaced while running (reload.c): checks that
 * keep their name keep their state, and units are never freed before exit
 * (callbacks in flight may still point at them), only unwatched.
 *
 * See also: main.c (start-up), news.h, check.h, docs/ARCHITECTURE.md.
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "actions/unit.h"
#include "probes/probe.h"
#include "supervisor/news.h"
#include "supervisor/state.h"

typedef struct Supervisor Supervisor;
typedef struct WatchedUnit WatchedUnit;

typedef enum CheckState {
        CHECK_STATE_UNKNOWN,    /* no result yet */
        CHECK_STATE_OK,
        CHECK_STATE_FAILING,
        CHECK_STATE_RESTARTING, /* restart in flight or grace running */
        CHECK_STATE_DISABLED,
        _CHECK_STATE_MAX,
} CheckState;

typedef struct Check {
        Supervisor *sup;
        const CheckConfig *config;
        WatchedUnit *unit;              /* NULL: no unit */
        CheckRecord rec;                /* persisted */
        Probe *probe;                   /* running probe */
        void *probe_state;              /* what its probe type keeps between runs (postfix_log's reader) */
        const ProbeType *probe_state_type; /* ... made for this type */
        sd_event_source *pace;          /* its own timer, when its interval is not the cycle's */
        bool awaiting_unit;             /* failed probe waits for fresh unit state */
        bool recovering;                /* restarted; no judged result since */
        bool in_cycle;                  /* the running probe was started by the cycle */
        bool waiting;                   /* its restart waits for a failing dependency (said once) */
        bool unsaved;                   /* rec changed since the state file was written (saver.c) */
        ProbeSeverity threshold;        /* the last result breached a threshold: how badly */
        usec_t next_probe;              /* CLOCK_REALTIME, for display */
        usec_t last_probe;              /* CLOCK_REALTIME of the last probe's end */
        CheckState announced;           /* last change published as visible: state ... */
        char announced_reason[STATE_REASON_MAX]; /* ... and reason */
} Check;

struct Supervisor {
        sd_event *event;
        sd_bus *bus;
        UnitManager *units_manager;
        Config *config;                 /* owned */
        char *config_arg;               /* --config FILE, NULL for the default path */
        Check *checks;
        size_t n_checks;
        StrMap check_index;             /* name -> index into checks (supervisor_index_checks()) */
        WatchedUnit **units;            /* owned, each allocated once, never moved */
        size_t n_units;
        sd_event_source *cycle_timer;
        uint64_t cycles;
        usec_t started;                 /* CLOCK_REALTIME */
        usec_t last_cycle_start;        /* CLOCK_REALTIME */
        usec_t cycle_start_mono;        /* CLOCK_MONOTONIC */
        usec_t last_cycle_duration;     /* until the cycle's last probe ended; 0 none yet */
        size_t cycle_outstanding;       /* probes of the current cycle still running */
        sd_event_source *cycle_feed;    /* starts the cycle's next batch (more than CYCLE_BATCH checks) */
        size_t cycle_next;              /* the next check the cycle starts; n_checks when all started */
        usec_t cycle_spread;            /* over how long this cycle starts its batches */
        usec_t last_reload;             /* CLOCK_REALTIME, 0 never */
        Subscriber subscribers[NEWS_SUBSCRIBERS_MAX]; /* news.c, in the order they subscribed */
        size_t n_subscribers;
        /* Each subscriber's own state, owned by its module. */
        struct BusApi *api;             /* bus-api.c */
        struct Alerting *alerting;      /* alerting.c */
        struct Drill *drill;            /* drill.c, NULL when none runs */
        struct Saver *saver;            /* saver.c */
        struct StatusLine *status;      /* status.c */
        struct Metrics *metrics;        /* metrics.c */
        struct TestAlert *test_alert;   /* test-alert.c, NULL when none runs */
};

/* Takes ownership of config. config_arg as given to --config (may be NULL). */
int supervisor_new(Config *config, const char *config_arg, Supervisor **ret);
Supervisor *supervisor_free(Supervisor *s);
int supervisor_run(Supervisor *s);

CheckState check_state(const Check *c);
const char *check_state_to_string(CheckState s);
Check *supervisor_find_check(Supervisor *s, const char *name);
/* After s->checks changed (start-up, reload): supervisor_find_check() follows. */
void supervisor_index_checks(Supervisor *s);

/* "running", or "degraded" when a check is failing or disabled (status.c). */
const char *supervisor_state(const Supervisor *s);
/* "7 checks: 6 ok, 1 disabled (postfix)", then with details one line per
 * check that is not ok ("postfix disabled: no greeting within 10s") (status.c). */
void supervisor_summary(const Supervisor *s, bool details, char *buf, size_t size);

/* What a reload did, by check name (NULL-terminated, malloc'd). */
typedef struct ReloadSummary {
        char **kept, **added, **removed;
        size_t n_kept, n_added, n_removed;
} ReloadSummary;
void reload_summary_done(ReloadSummary *r);

/* Re-read the configuration (as SIGHUP does). On an invalid one returns
 * -EINVAL with every FILE:LINE error in *errors and keeps running on the old
 * one; -EBUSY while a drill runs. ret may be NULL. */
int supervisor_reload(Supervisor *s, ConfigErrors *errors, ReloadSummary *ret);
/* Logs where each listen_from check found its service (at start and after
 * every reload: the service may have moved). */
void supervisor_log_listeners(const Config *c);

/* Whether c runs at its own pace (its interval is not the cycle's). */
bool check_own_pace(const Supervisor *s, const Check *c);
/* (Re)arm c's own timer for due (CLOCK_MONOTONIC), or drop it for a check
 * that runs with the cycle. */
void supervisor_pace_check(Supervisor *s, Check *c, usec_t due);

/* Clear the check's restart window and disabled flag, and probe it now. */
void supervisor_reset_check(Check *c);
