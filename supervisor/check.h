/* check.h: per-check and per-unit handling inside the supervisor (check.c),
 * and the supervisor's internal helpers shared by check.c, reload.c,
 * drill.c and bus-api*.c. */
#pragma once

#include "supervisor/supervisor.h"

/* Set up a check; saved is its record from the state file or a kept check
 * (NULL: a fresh start). */
void check_init(Check *c, Supervisor *s, const CheckConfig *cc, WatchedUnit *u, const CheckRecord *saved);

/* Start a probe of c unless one runs or a restart is in progress. Returns 1
 * when a probe was started, 0 when not. */
int check_start_probe(Check *c, usec_t next_probe);

/* Stop a running probe without a result (reload). */
void check_cancel_probe(Check *c);

/* c's state, result or unit changed (why: the event, or _EVENT_KIND_MAX):
 * published as NEWS_CHECK, visible when its state or reason differ from
 * what was last announced. */
void check_changed(Check *c, EventKind why);
/* Publish c as a visible change (a check a reload added). */
void check_announce(Check *c);

/* Re-read the unit's state; judges checks waiting for it. */
void unit_refresh(WatchedUnit *u);
void unit_view_update(WatchedUnit *u, const UnitProps *props, int error);
void unit_on_changed(const char *name, void *userdata); /* unit_watch() callback */

/* The unit of that name, created and watched on first use (supervisor.c). */
WatchedUnit *supervisor_unit(Supervisor *s, const char *name, bool sync);

void supervisor_cycle_probe_ended(Supervisor *s);
void supervisor_rearm_cycle(Supervisor *s);
