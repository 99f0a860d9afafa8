/* notification.h: one notification, as queued, stored and delivered.
 *
 * The supervisor's event (supervisor/events.h: its kind, as a string, and
 * its severity) plus what a receiver needs to act on it and to deduplicate:
 * a stable id (the same for every channel and every retry), the host, the
 * time, the check's state, and whether it starts or ends a condition (so
 * Alertmanager can resolve it). Fields are fixed-size
 * so a notification can be copied, written to the outbox and read back with
 * no allocation and no unbounded input.
 *
 * See also: outbox.h (how it is stored), channel.h (how it is sent).
 */
#pragma once

#include "common/severity.h"

#define NOTIFY_ID_LEN 32        /* 128 bits in hex */

typedef enum NotifyPhase {
        NOTIFY_EVENT,           /* a one-off event: "unit restarted" */
        NOTIFY_FIRING,          /* a condition started, or a reminder that it lasts */
        NOTIFY_RESOLVED,        /* the condition ended */
        _NOTIFY_PHASE_MAX,
} NotifyPhase;

typedef struct Notification {
        char id[NOTIFY_ID_LEN + 1];     /* filled by notifier_submit() when empty */
        char kind[48];                  /* "check-failed": a label the notifier does not interpret */
        EventSeverity severity;
        NotifyPhase phase;
        bool reminder;                  /* NOTIFY_FIRING again, the condition still lasts */
        char check[64];                 /* may be empty */
        char unit[128];                 /* may be empty */
        char host[128];                 /* filled from the notifier when empty */
        char state[32];                 /* the check's state: "failing", "disabled", "ok" */
        char reason[512];               /* one line */
        usec_t time;                    /* CLOCK_REALTIME; 0 = now */
        usec_t since;                   /* CLOCK_REALTIME: when the condition started; 0 = time */
} Notification;

const char *notify_phase_to_string(NotifyPhase p);
int notify_phase_from_string(const char *s, NotifyPhase *ret);

/* "[mailsup] critical postfix: check-disabled on mx1 (resolved)": a mail's
 * Subject, a push notification's title. */
void notification_subject(const Notification *n, char *buf, size_t size);

/* Copy a string into a fixed field: control characters become '?', cut to fit. */
#define notification_set(field, value) \
        sanitize_line((field), sizeof(field), (value) ? (value) : "", (value) ? strlen(value) : 0)
