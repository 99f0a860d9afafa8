/* bus-api.h: mailsupd's own D-Bus API, what mailsupctl talks to.
 *
 * Name org.mailsup.Supervisor1 on the bus the config names (system in
 * production, user in tests), one object /org/mailsup/Supervisor1 with
 * interface org.mailsup.Supervisor1. Methods return structured data, never
 * preformatted text. Durations are in µs; points in time are µs of
 * CLOCK_REALTIME, 0 meaning never.
 *
 * For everyone:
 *   ListChecks() -> a(ssssssttuuuut)
 *     name, type, unit, state, action, reason, latency_usec,
 *     last_change_usec, consecutive_failures, restarts_in_window,
 *     restart_window, restart_limit, next_probe_usec (0: not scheduled)
 *   GetCheck(s name) -> a{sv}        every ListChecks field and details
 *   GetSupervisor() -> a{sv}         the daemon: version, config, cycles,
 *                                    heartbeat, outbox per channel
 * For root only (the caller's effective uid, from the bus; also mailsupd's
 * own uid, so a user-bus instance answers its owner):
 *   Reset(s name) -> as              clear window and disabled flag, probe now
 *   ResetAll() -> as                 the same for every check
 *   Reload() -> a{sv}                Path, Checks, Kept, Added, Removed
 *   TestAlert() -> a(sbs)            channel, accepted, detail (empty: no channels)
 *   Drill(s name, b confirmed) -> b a(ssts)
 *                                    ok, steps: step, result, elapsed_usec, detail
 * Signals:
 *   CheckChanged(s name, s state, s reason)   on every change of either
 *   DrillStep(s name, s step, s result, t elapsed_usec, s detail)
 * Errors: org.mailsup.Supervisor1.NoSuchCheck, .InvalidConfig (message:
 * the FILE:LINE errors, one per line), .Busy, .NotConfirmed, .Refused, and
 * org.freedesktop.DBus.Error.AccessDenied ("Access denied: reset requires root").
 *
 * See also: mailsupctl.c, units/org.mailsup.Supervisor1.conf (the policy).
 */
#pragma once

#define MAILSUP_BUS_NAME "org.mailsup.Supervisor1"
#define MAILSUP_BUS_PATH "/org/mailsup/Supervisor1"
#define MAILSUP_BUS_INTERFACE "org.mailsup.Supervisor1"
#define MAILSUP_CHECK_SIGNATURE "(ssssssttuuuut)"
#define MAILSUP_DRILL_STEP_SIGNATURE "(ssts)"

#define MAILSUP_ERROR_NO_SUCH_CHECK "org.mailsup.Supervisor1.NoSuchCheck"
#define MAILSUP_ERROR_INVALID_CONFIG "org.mailsup.Supervisor1.InvalidConfig"
#define MAILSUP_ERROR_BUSY "org.mailsup.Supervisor1.Busy"
#define MAILSUP_ERROR_NOT_CONFIRMED "org.mailsup.Supervisor1.NotConfirmed"
#define MAILSUP_ERROR_REFUSED "org.mailsup.Supervisor1.Refused"

struct Supervisor;

/* The daemon's side: registers the object, requests the name, and
 * subscribes to the news: CheckChanged and DrillStep are sent from here. */
int bus_api_start(struct Supervisor *s);
void bus_api_stop(struct Supervisor *s);
