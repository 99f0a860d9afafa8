/* alerting.h: the supervisor's side of notifications and the heartbeat.
 *
 * mailsupd's events and its checks' conditions go out through the Notifier
 * (notify/notifier.h: durable outbox under state_directory/outbox, channels
 * from [notify NAME]); the heartbeat (notify/heartbeat.h) pings an outside
 * monitor after every completed cycle, so that mailsupd's own death or a
 * hung loop is noticed too. Conditions per check, each alerting on change
 * (started, reminders, resolved): check-failed (warning), check-disabled
 * (critical), threshold-warning and threshold-critical (alert-only values).
 * One-off events: unit-restarted and check-recovered, check-reset,
 * supervisor-started/-stopping (info), restart-failed (critical).
 * Checks with action = none never notify.
 *
 * See also: supervisor.c (the cycle), check.c (check_changed), test-alert.c.
 */
#pragma once

#include "notify/notifier.h"
#include "supervisor/supervisor.h"

/* Notifier and heartbeat from s->config; the event sink. */
int alerting_start(Supervisor *s);
/* After a reload swapped s->config: channels, reminder and heartbeat follow;
 * conditions of removed checks are resolved. */
void alerting_reload(Supervisor *s, char **removed);
void alerting_stop(Supervisor *s);

/* c's conditions, now (every change of c, and every cycle for reminders). */
void alerting_check(Check *c);
void alerting_cycle_started(Supervisor *s);
void alerting_cycle_done(Supervisor *s, usec_t duration);

/* "7 checks: 6 ok, 1 disabled (postfix)", then with details one line per
 * check that is not ok ("postfix disabled: no greeting within 10s"). */
void alerting_summary(const Supervisor *s, bool details, char *buf, size_t size);

/* For GetSupervisor: "not-configured", "waiting", "ok" or "failing". */
const char *alerting_heartbeat_state(const Supervisor *s);
/* Channels that take notifications of severity sev (drill: "notified"). */
size_t alerting_channels_for(const Supervisor *s, EventSeverity sev);
