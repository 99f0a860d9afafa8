/* events.h: the events mailsupd reports, and where they go.
 *
 * Every decision an operator may need to read back (a check failed, a unit
 * was restarted, a check was disabled) is one event with a kind, a severity
 * and a stable journal MESSAGE_ID. Events go to the journal (or stderr),
 * and to the one sink the supervisor registers (event_set_sink()), which
 * hands them to the notification channels.
 *
 * See also: supervisor/log.h.
 */
#pragma once

#include "common/util.h"

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
        _EVENT_KIND_MAX,
} EventKind;

typedef enum EventSeverity {
        SEVERITY_INFO,
        SEVERITY_WARNING,
        SEVERITY_CRITICAL,
} EventSeverity;

const char *event_kind_to_string(EventKind k);
EventSeverity event_kind_severity(EventKind k);

/* Where events go besides the log: one sink, the supervisor's (NULL: none).
 * Like the log target, it is process-wide; message is the formatted text. */
typedef void (*EventSink)(EventKind kind, const char *check, const char *unit, const char *message,
                          void *userdata);
void event_set_sink(EventSink sink, void *userdata);

/* Report one event; check and unit may be NULL. */
void event_emit(EventKind kind, const char *check, const char *unit, const char *fmt, ...) _printf_(4, 5);
