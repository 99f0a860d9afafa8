/* bus-api.h: mailsupd's own D-Bus API, what mailsupctl talks to.
 *
 * Name org.mailsup.Supervisor1 on the bus the config names (system in
 * production, user in tests), one object /org/mailsup/Supervisor1 with
 * interface org.mailsup.Supervisor1. Methods return structured data, never
 * preformatted text:
 *   ListChecks() -> a(ssssssttuuuut)
 *     name, type, unit, state, action, reason, latency_usec,
 *     last_change_usec (CLOCK_REALTIME), consecutive_failures,
 *     restarts_in_window, restart_window, restart_limit,
 *     next_probe_usec (CLOCK_REALTIME, 0 when not scheduled)
 *
 * See also: mailsupctl.c.
 */
#pragma once

#define MAILSUP_BUS_NAME "org.mailsup.Supervisor1"
#define MAILSUP_BUS_PATH "/org/mailsup/Supervisor1"
#define MAILSUP_BUS_INTERFACE "org.mailsup.Supervisor1"
#define MAILSUP_CHECK_SIGNATURE "(ssssssttuuuut)"

struct Supervisor;

int bus_api_start(struct Supervisor *s);
void bus_api_stop(struct Supervisor *s);
