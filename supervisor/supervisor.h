/* supervisor.h: the one supervisor context of mailsupd.
 *
 * Owns the sd-event loop, the bus, the configuration and the checks. Each
 * cycle starts every due probe at once; results feed the policy
 * (policy.c), verdicts become actions on units (actions/unit.c) and events
 * (notify/events.c), and every change is saved (state.c). Unit state
 * changes from the manager are judged at once, not at the next cycle.
 *
 * See also: main.c (start-up), bus-api.c (mailsupd's own D-Bus API).
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "actions/unit.h"
#include "probes/probe.h"
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
        bool awaiting_unit;             /* failed probe waits for fresh unit state */
        usec_t next_probe;              /* CLOCK_REALTIME, for display */
} Check;

struct WatchedUnit {
        Supervisor *sup;
        char *name;
        UnitView view;
        UnitProps props;
        sd_bus_slot *watch;
        bool refreshing, refresh_again;
        bool restarting;
};

struct Supervisor {
        sd_event *event;
        sd_bus *bus;
        UnitManager *units_manager;
        Config *config;
        Check *checks;
        size_t n_checks;
        WatchedUnit *units;
        size_t n_units;
        sd_event_source *cycle_timer;
        sd_event_source *save_defer;
        uint64_t cycles;
        usec_t last_cycle_start;        /* CLOCK_REALTIME */
        void *api;                      /* bus-api.c */
};

int supervisor_new(Config *config, Supervisor **ret);
Supervisor *supervisor_free(Supervisor *s);
int supervisor_run(Supervisor *s);

CheckState check_state(const Check *c);
const char *check_state_to_string(CheckState s);
Check *supervisor_find_check(Supervisor *s, const char *name);
