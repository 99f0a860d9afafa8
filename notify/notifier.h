/* notifier.h: notifications out of mailsupd, durable and never blocking.
 *
 * The Notifier owns the channels ([notify NAME] sections), the outbox and
 * the condition tracker. notifier_submit() stores one file per channel that
 * wants the notification (its severity >= the channel's min_severity), each
 * fsynced before the first attempt, and returns; delivery runs on the
 * sd-event loop through libcurl multi (probes/curl-event.c), at most
 * NOTIFIER_MAX_IN_FLIGHT at a time. A failed attempt is retried with
 * exponential backoff (retry_min doubling up to retry_max) until the
 * channel's max_age; then it is dropped, counted and logged. A full outbox
 * drops the least severe, oldest item (never a more severe one for a less
 * severe newcomer); a file that cannot be written (a full disk) drops
 * nothing: the item is kept in memory, delivered, and written when the disk
 * takes it again. Pending items survive notifier_free(), a restart and
 * SIGKILL: notifier_new() on the same directory resumes them. Delivery is
 * at-least-once; every notification has a stable id for deduplication.
 *
 * Alert on change: call notifier_condition() every cycle with whether a
 * condition (check, kind) holds; it sends "firing" when it starts, a
 * reminder every `reminder` while it lasts, "resolved" when it ends.
 * Alertmanager channels also get every firing alert re-sent each
 * resend_interval, so Alertmanager does not resolve it by timeout.
 *
 * Wiring (for the supervisor, supervisor/alerting.c):
 *     NotifierOptions o = { .outbox_dir = "/var/lib/mailsup/outbox",
 *                           .reminder = NOTIFIER_REMINDER_DEFAULT };
 *     notifier_new(event, &o, &nf);
 *     notifier_add_channel(nf, &channel_config);   // per [notify NAME]
 *     a one-off event -> notifier_submit(nf, &n);
 *     per cycle, per check -> notifier_condition(nf, &n, failing);
 *
 * See also: channel.h, outbox.h, condition.h, heartbeat.h.
 */
#pragma once

#include <systemd/sd-event.h>

#include "notify/channel.h"

#define NOTIFIER_REMINDER_DEFAULT (4 * USEC_PER_HOUR)
#define NOTIFIER_RETRY_MIN_DEFAULT (10 * USEC_PER_SEC)
#define NOTIFIER_RETRY_MAX_DEFAULT (10 * USEC_PER_MINUTE)
#define NOTIFIER_MAX_IN_FLIGHT 8
#define NOTIFIER_ACTIVE_MAX 256         /* firing alerts kept for re-sending */

typedef struct Notifier Notifier;

typedef struct NotifierOptions {
        const char *outbox_dir;         /* required; created 0700 */
        size_t outbox_max;              /* items; 0 = OUTBOX_DEFAULT_MAX (1000) */
        const char *host;               /* "host"/"instance" in notifications; NULL = gethostname() */
        usec_t reminder;                /* 0 = never remind */
        usec_t retry_min, retry_max;    /* 0 = the defaults above */
} NotifierOptions;

typedef struct NotifierStats {
        uint64_t queued;                /* (notification, channel) items written */
        uint64_t delivered;
        uint64_t failed_attempts;
        uint64_t expired;               /* dropped after max_age */
        uint64_t dropped;               /* dropped because the outbox was full (outbox_max) */
        uint64_t refreshes;             /* Alertmanager re-sends accepted */
        size_t pending;                 /* items in the outbox now */
        unsigned corrupt;               /* outbox files set aside at start */
        size_t unstored;                /* of pending, held in memory: their files could not be written */
        int write_error;                /* why (-errno), 0 when every file is written */
} NotifierStats;

int notifier_new(sd_event *e, const NotifierOptions *o, Notifier **ret);
/* Stops every transfer; pending items stay in the outbox for the next start. */
Notifier *notifier_free(Notifier *nf);

/* Copies c (verified); items already in the outbox for c->name resume. */
int notifier_add_channel(Notifier *nf, const ChannelConfig *c);

/* Queues n for every channel that wants it; fills an empty id, host and
 * time. Returns the number of channels it was queued for, or -errno (the
 * outbox could not be written: nothing was queued durably). */
int notifier_submit(Notifier *nf, const Notification *n);

/* Reports whether the condition n->kind for n->check holds now; sends what
 * the tracker decides (firing, reminder, resolved, or nothing). Returns as
 * notifier_submit(), or 0 when nothing was due. */
int notifier_condition(Notifier *nf, const Notification *n, bool active);

void notifier_get_stats(const Notifier *nf, NotifierStats *ret);
/* The channels, by index (NULL past the end), and the items each has queued. */
const char *notifier_channel_name(const Notifier *nf, size_t i);
size_t notifier_channel_pending(const Notifier *nf, const char *channel);

/* Reload: the channels become exactly these (copied). Items of a channel
 * that is gone wait in the outbox (and expire) unless it comes back;
 * transfers in flight are stopped and retried. Firing conditions are kept,
 * so a reload does not re-announce them. */
int notifier_set_channels(Notifier *nf, const ChannelConfig *c, size_t n);
void notifier_set_reminder(Notifier *nf, usec_t reminder);

/* The result of one delivery attempt: r >= 0 accepted, else -errno and why. */
typedef void (*NotifierResultCallback)(const Notification *n, const char *channel, int r, const char *reason,
                                       void *userdata);
/* Told of every outbox delivery attempt (one observer; NULL: none). */
void notifier_set_observer(Notifier *nf, NotifierResultCallback cb, void *userdata);
/* Told of every item given up without delivery: r is -ETIME (not accepted
 * within max_age) or -EXFULL (the outbox was full); reason says so. */
void notifier_set_drop_observer(Notifier *nf, NotifierResultCallback cb, void *userdata);
/* Sends n once through every channel, whatever its min_severity, not
 * through the outbox (a test must say now whether the path works); cb gets
 * each channel's result (-ECANCELED if the channel goes away first).
 * Returns the number of channels tried, or -errno. */
int notifier_test(Notifier *nf, const Notification *n, NotifierResultCallback cb, void *userdata);
/* Nothing pending and nothing in flight. */
bool notifier_idle(const Notifier *nf);
