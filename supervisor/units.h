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

struct WatchedUnit {
        Supervisor *sup;
        char *name;
        UnitView view;
        UnitProps props;
        sd_bus_slot *watch;
        bool refreshing, refresh_again;
        bool restarting;
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
