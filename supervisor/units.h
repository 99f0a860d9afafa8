/* units.h: the systemd units mailsupd watches, each once, and their checks.
 *
 * Several checks may share a unit (smtp and submission on postfix.service);
 * the unit is watched once, read once, restarted once, and what happens to
 * it goes to every one of its checks, since they all count the same
 * restarts. WatchedUnits are never freed before exit (callbacks in flight
 * may point at them), only unwatched when no check uses them.
 *
 * See also: actions/unit.h (the D-Bus mechanism), check.h (what the checks
 * do with it), policy.h (UnitView).
 */
#pragma once

#include "supervisor/check.h"

/* A unit that is PartOf a watched unit (its ConsistsOf): postfix@-.service
 * holds the master of the oneshot postfix.service. Watched while listed;
 * never freed before exit, like WatchedUnits. */
typedef struct UnitPart UnitPart;

struct WatchedUnit {
        Supervisor *sup;
        char *name;
        UnitView view;                  /* the unit's own phase, BUSY while a part is */
        UnitProps props;
        bool props_ok;
        sd_bus_slot *watch;
        bool refreshing, refresh_again;
        bool restarting;
        sd_event_source *settle;        /* the probe after a restart's grace */
        UnitPart **parts;               /* every part ever listed; see UnitPart */
        size_t n_parts;
};

/* Every check's unit, read synchronously before the loop runs (so restarts
 * systemd did while mailsupd was down count, and skip_missing_units knows
 * what is missing). */
void units_setup(Supervisor *s);
WatchedUnit *units_find(Supervisor *s, const char *name);
/* The unit of that name, watched; created on first use, its state read
 * synchronously (start-up) or asynchronously (reload). */
WatchedUnit *units_get(Supervisor *s, const char *name, bool sync);
/* Units no check uses any more stop being watched (reload). */
void units_unwatch_unused(Supervisor *s);
void units_free(Supervisor *s);

/* Re-read the unit's state; its checks hear it (check_unit_read()). */
void watched_unit_refresh(WatchedUnit *u);
/* RestartUnit for trigger's failure; every check of the unit counts it. */
void watched_unit_restart(WatchedUnit *u, Check *trigger);

/* unit-parts.c: the parts as the unit's props list them now (new ones
 * watched and read, gone ones no longer watched); whether systemd is
 * starting or stopping one; unwatch and free them. */
void unit_parts_update(WatchedUnit *u);
bool unit_parts_busy(const WatchedUnit *u);
void unit_parts_unwatch(WatchedUnit *u);
void unit_parts_free(WatchedUnit *u);
/* units.c, from unit-parts.c: a part's state changed; death (NULL: none)
 * says how it died, judged at once as the unit's failure. */
void watched_unit_parts_changed(WatchedUnit *u, const char *death);

/* A process of the unit or of one of its parts that is stopped by a signal
 * (a frozen master): 1 and reason ("process 1234 (master) of
 * postfix@-.service is stopped"), else 0. Reads /proc (unit-procs.h). */
int watched_unit_find_stopped(WatchedUnit *u, char *reason, size_t size);

/* KillUnit(all, signo) to the unit and each of its parts that holds
 * processes (the unit alone when none does); done, if given, hears the last
 * call's answer. *names says which units were signalled. */
int watched_unit_kill_all(WatchedUnit *u, int signo, unit_call_done_t done, void *userdata, sd_bus_slot **ret,
                          char *names, size_t size);
