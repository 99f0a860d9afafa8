/* alerting.h: the supervisor's side of notifications and the heartbeat.
 *
 * A subscriber to the news (news.h), and the one path to the Notifier
 * (notify/notifier.h: durable outbox under state_directory/outbox, channels
 * from [notify NAME]): one-off events and each check's conditions alike,
 * both as the kind table says (events.h). Conditions alert on change
 * (started, reminders, resolved): check-failed, check-disabled,
 * threshold-warning and threshold-critical. Checks with action = none
 * never notify. The heartbeat (notify/heartbeat.h) pings an outside monitor
 * after every completed cycle, so that mailsupd's own death or a hung loop
 * is noticed too.
 *
 * See also: news.h, events.h, test-alert.c, bus-api-read.c (the status).
 */
#pragma once

#include "notify/heartbeat.h"
#include "notify/notifier.h"
#include "supervisor/supervisor.h"

/* Notifier and heartbeat from s->config; subscribes. */
int alerting_start(Supervisor *s);
void alerting_stop(Supervisor *s);

/* What GetSupervisor shows. heartbeat_state is "not-configured", "waiting",
 * "ok" or "failing". */
typedef struct AlertingStatus {
        const char *heartbeat_state;
        HeartbeatStats heartbeat;       /* zero without a heartbeat */
        NotifierStats notifier;         /* zero without a notifier */
} AlertingStatus;
void alerting_get_status(const Supervisor *s, AlertingStatus *ret);

/* The channels by index (NULL past the end), and what each has queued. */
const char *alerting_channel(const Supervisor *s, size_t i, size_t *ret_pending);
/* Channels that take notifications of severity sev (0 with alerting off). */
size_t alerting_channels_for(const Supervisor *s, EventSeverity sev);
/* notifier_test() through every channel (test-alert.c); -ENOTCONN with
 * alerting off. */
int alerting_test(Supervisor *s, const Notification *n, NotifierResultCallback cb, void *userdata);
