/* events.h: the kinds of news mailsupd reports, in one table.
 *
 * Every decision an operator may need to read back (a check failed, a unit
 * was restarted, a check was disabled) is one event with a kind. The table
 * in events.c gives each kind its name, its severity, its stable journal
 * MESSAGE_ID, and what alerting makes of it: nothing, one notification, or
 * a condition that fires, reminds and resolves. No other code spells a
 * kind's name or decides its severity; code compares EventKind values.
 *
 * Events are published (news.h), which writes them to the journal and hands
 * them to every subscriber.
 *
 * See also: news.h, alerting.c (notifications), common/severity.h.
 */
#pragma once

#include "common/severity.h"

typedef enum EventKind {
        EVENT_SUPERVISOR_STARTED,
        EVENT_SUPERVISOR_STOPPING,
        EVENT_CHECK_FAILED,
        EVENT_CHECK_RECOVERED,
        EVENT_STAND_ASIDE,
        EVENT_UNIT_RESTARTING,
        EVENT_UNIT_RESTARTED,
        EVENT_RESTART_FAILED,
        EVENT_CHECK_DISABLED,
        EVENT_CHECK_RESET,              /* the operator cleared a check's window (mailsupctl reset) */
        EVENT_CONFIG_RELOADED,
        EVENT_RELOAD_FAILED,            /* invalid new config: the running one stays */
        EVENT_TEST_ALERT,               /* mailsupctl test-alert */
        EVENT_DRILL_STARTED,            /* mailsupctl drill: a service is failed on purpose */
        EVENT_DRILL_FINISHED,
        EVENT_THRESHOLD_BREACHED,       /* an alert-only value past its level (memory, disk, ...) */
        EVENT_THRESHOLD_WARNING,        /* conditions of a breached threshold, by the probe's severity */
        EVENT_THRESHOLD_CRITICAL,
        EVENT_STATE_SAVE_FAILED,        /* the state file cannot be written (a full disk): once per spell */
        _EVENT_KIND_MAX,
} EventKind;

/* What alerting makes of a kind. */
typedef enum EventAlert {
        EVENT_ALERT_NONE,               /* the journal only */
        EVENT_ALERT_ONCE,               /* one notification when it happens */
        EVENT_ALERT_CONDITION,          /* a check's condition: firing, reminders, resolved */
} EventAlert;

const char *event_kind_to_string(EventKind k);
/* The kind of that name; -EINVAL for none. */
int event_kind_from_string(const char *s, EventKind *ret);
EventSeverity event_kind_severity(EventKind k);
EventAlert event_kind_alert(EventKind k);
/* 32 hex digits, the journal's MESSAGE_ID for the kind. */
const char *event_kind_message_id(EventKind k);
