/* drill.h: the fire drill (mailsupctl drill NAME --yes).
 *
 * Practice says: deliberately stop a service and verify that the alert
 * fires and the restart works. A drill freezes every process of the check's
 * unit for real (systemd's KillUnit with SIGSTOP, as `kill -STOP` of a hung
 * master), then follows the ordinary machinery and reports each step with
 * its time: frozen, detected, notified, restarted, recovered. Nothing is
 * simulated: the restart counts in the window like any other.
 *
 * One drill at a time, never on a disabled check, only from a healthy one
 * with room in its restart window, and only when the caller confirmed it.
 * A drill that does not end in a restart thaws the unit (SIGCONT).
 *
 * See also: bus-api.c (Drill, DrillStep), check.c (check_changed).
 */
#pragma once

#include <systemd/sd-bus.h>

#include "notify/events.h"
#include "supervisor/supervisor.h"

typedef struct Drill Drill;

/* Start a drill of c for the Drill method call (answered when it ends).
 * Returns 1, or a negative errno with error set when refused. */
int drill_start(Check *c, sd_bus_message *call, sd_bus_error *error);

/* Fed by check_changed(): what happened to c, and why. */
void drill_observe(Check *c, EventKind why);

/* A delivery result from the Notifier: the "notified" step, when it is the
 * drill's check-failed alert. */
void drill_notified(Supervisor *s, const Notification *n, const char *channel, int r, const char *reason);

/* Abandon (mailsupd stops): thaw the unit if frozen, answer the caller. */
Drill *drill_free(Drill *d);

bool drill_running_on(const Supervisor *s, const Check *c);
const char *drill_check_name(const Supervisor *s); /* "" when none runs */
