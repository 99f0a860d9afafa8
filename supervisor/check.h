/* check.h: one check inside the supervisor (check.c): its probe, its
 * verdict, its news; what units.c tells it; and the cycle's helpers
 * (supervisor.c) that check.c, reload.c and drill.c share. */
#pragma once

#include "supervisor/supervisor.h"

/* Set up a check; saved is its record from the state file or a kept check
 * (NULL: a fresh start). */
void check_init(Check *c, Supervisor *s, const CheckConfig *cc, WatchedUnit *u, const CheckRecord *saved);

/* Start a probe of c unless one runs or a restart is in progress. Returns 1
 * when a probe was started, 0 when not. */
int check_start_probe(Check *c, usec_t next_probe);

/* Make what c's probe type keeps between runs, or take old's over when
 * the type says it can go on with c's config (a reload; old may be NULL).
 * Freed by check_done(). */
void check_setup_state(Check *c, Check *old);
/* Free what c holds: its own timer, a running probe, its type's state. */
void check_done(Check *c);

/* Stop a running probe without a result (reload). */
void check_cancel_probe(Check *c);

/* c's state, result or unit changed (why: the event, or _EVENT_KIND_MAX):
 * published as NEWS_CHECK, visible when its state or reason differ from
 * what was last announced. */
void check_changed(Check *c, EventKind why);
/* Publish c as a visible change (a check a reload added). */
void check_announce(Check *c);

/* What units.c tells each check of a unit: its state was read (count
 * systemd's own restarts, judge a failure that waited for it); it entered
 * failed (judged at once); a restart of it started, and ended. */
void check_unit_read(Check *c);
void check_unit_failed(Check *c, const char *reason);
void check_restart_started(Check *c);
void check_restart_finished(Check *c, bool ok);

void supervisor_cycle_probe_ended(Supervisor *s);
void supervisor_rearm_cycle(Supervisor *s);
