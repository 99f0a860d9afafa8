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
 * The drill is a subscriber to the news (news.h): it follows the check's
 * changes and the notifier's delivery results while it runs, and publishes
 * its steps (NEWS_DRILL_STEP; the D-Bus API turns them into DrillStep).
 *
 * See also: bus-api.c (Drill, DrillStep), news.h.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "supervisor/supervisor.h"

typedef struct Drill Drill;

/* Start a drill of c for the Drill method call (answered when it ends).
 * Returns 1, or a negative errno with error set when refused. */
int drill_start(Check *c, sd_bus_message *call, sd_bus_error *error);

/* Subscribes (at start-up); the subscriber is idle while no drill runs. */
void drill_setup(Supervisor *s);

/* Abandon (mailsupd stops): thaw the unit if frozen, answer the caller. */
Drill *drill_free(Drill *d);

bool drill_running_on(const Supervisor *s, const Check *c);
const char *drill_check_name(const Supervisor *s); /* "" when none runs */
