/* condition.h: alert on change, not on every cycle.
 *
 * A pure tracker keyed by (check, condition kind): fed once per cycle with
 * whether the condition holds and the time, it answers what to send: STARTED
 * when it begins, REMINDER every `reminder` while it lasts (0 = never),
 * RESOLVED when it ends, NONE otherwise. No clock, no I/O: tested on
 * synthetic time (tests/test-condition.c).
 *
 * See also: notifier.h (notifier_condition() uses it).
 */
#pragma once

#include "common/util.h"

typedef enum ConditionChange {
        CONDITION_NONE,
        CONDITION_STARTED,
        CONDITION_REMINDER,
        CONDITION_RESOLVED,
} ConditionChange;

typedef struct ConditionTracker ConditionTracker;

int condition_tracker_new(usec_t reminder, ConditionTracker **ret);
ConditionTracker *condition_tracker_free(ConditionTracker *t);
void condition_tracker_set_reminder(ConditionTracker *t, usec_t reminder);

/* check may be "" for supervisor-wide conditions. *ret_since (may be NULL)
 * gets the time the condition started, for every answer but NONE. */
ConditionChange condition_update(ConditionTracker *t, const char *check, const char *kind, bool active,
                                 usec_t now, usec_t *ret_since);
/* What condition_update() would answer now, without changing anything: a
 * caller asks before it builds a notification, which most of the time (a
 * healthy check, every probe) nobody needs. O(1) for a condition that is
 * not tracked, however many are. */
ConditionChange condition_peek(const ConditionTracker *t, const char *check, const char *kind, bool active,
                               usec_t now);
/* How many conditions hold now. */
size_t condition_active_count(const ConditionTracker *t);
