/* depends.h: root cause first, at run time (depends_on).
 *
 * A check whose failure a dependency explains (Postfix's canary while the
 * Dovecot check fails) names that dependency in its reason, and its
 * restart waits (policy.h, VERDICT_WAIT): mailsupd never restarts Postfix
 * because Dovecot is down. The decision is policy_dependency_cause(), a
 * pure function; this file only reads the dependencies' states.
 *
 * See also: policy.h, config-depends.c, check.c.
 */
#pragma once

#include "supervisor/supervisor.h"

/* The dependency of c that explains a failure now, worded "dovecot is
 * failing" into buf (may be NULL); false when none does. */
bool depends_cause(const Check *c, char *buf, size_t size);
