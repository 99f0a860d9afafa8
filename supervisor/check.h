/* check.h: per-check and per-unit handling inside the supervisor (check.c). */
#pragma once

#include "supervisor/supervisor.h"

/* Start this cycle's probe of c unless one runs or a restart is in progress. */
void check_start_probe(Check *c, usec_t next_cycle);

/* Re-read the unit's state; judges checks waiting for it. */
void unit_refresh(WatchedUnit *u);
void unit_view_update(WatchedUnit *u, const UnitProps *props, int error);
void unit_on_changed(const char *name, void *userdata); /* unit_watch() callback */

/* Something worth saving changed: save (coalesced) and update STATUS=. */
void supervisor_changed(Supervisor *s);
