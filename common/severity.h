/* severity.h: how bad something is, on one scale for every part.
 *
 * An event's severity (supervisor/events.c), a notification's and the
 * min_severity a channel takes (notify/) are values of this one scale, in
 * this order, so "at or above" is a comparison. The journal priority of an
 * event follows from it too.
 *
 * See also: supervisor/events.h (each kind's severity), notify/channel.h.
 */
#pragma once

#include "common/util.h"

typedef enum EventSeverity {
        SEVERITY_INFO,
        SEVERITY_WARNING,
        SEVERITY_CRITICAL,
} EventSeverity;

const char *severity_to_string(EventSeverity s);
int severity_from_string(const char *s, EventSeverity *ret);
/* LOG_NOTICE, LOG_WARNING or LOG_ERR. */
int severity_log_priority(EventSeverity s);
