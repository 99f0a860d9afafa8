/* log.h: logging to the journal with structured fields, or to stderr.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) messages go to the journal
 * with PRIORITY=, MESSAGE_ID= per event kind, CHECK= and OBJECT_SYSTEMD_UNIT=
 * (so `journalctl -u postfix.service` shows what mailsupd did to postfix).
 * Elsewhere they are plain lines on stderr, one per message.
 *
 * See also: supervisor/events.c (the event kinds and their MESSAGE_IDs).
 */
#pragma once

#include <syslog.h>

#include "common/util.h"

void log_setup(bool verbose);
bool log_to_journal(void);

/* Plain message. Returns -abs(error) when error != 0, else 0, so callers can
 * "return log_error_errno(r, ...)". */
int log_full_errno(int priority, int error, const char *fmt, ...) _printf_(3, 4);

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)

/* A structured record: message_id is 32 hex digits; check and unit may be NULL;
 * kind is a short tag ("unit-restarted") also shown on stderr. */
void log_struct(int priority, const char *message_id, const char *kind,
                const char *check, const char *unit, const char *message);
