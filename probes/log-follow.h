/* log-follow.h: reading a log as it grows, in slices on the loop.
 *
 * postfix_log must count what Postfix logs between two cycles without ever
 * holding mailsupd's one loop: a burst of 100,000 lines, a log file of
 * gigabytes or a line of megabytes without a newline. A LogFollow reads
 * its source from an idle-priority defer source, at most
 * LOG_FOLLOW_SLICE_LINES lines, LOG_FOLLOW_SLICE_BYTES bytes and about
 * LOG_FOLLOW_SLICE_USEC per loop pass, and measures the longest pass. Sources:
 *   - "journal": sd-journal (the local system journal), started at its
 *     tail; its inotify fd on the loop with sd_journal_process(); the
 *     cursor is kept, so a journal reopened after an error goes on where it
 *     stopped. Entries are filtered by SYSLOG_IDENTIFIER before MESSAGE is
 *     read; data above LOG_FOLLOW_LINE_MAX is cut by sd-journal itself.
 *   - an absolute path: a syslog file followed like `tail -F`: started at
 *     its end, looked at every LOG_FOLLOW_POLL, and at its end checked for
 *     rotation (another file at the path: read from its start, after what
 *     was left in the old one) and truncation (read again from 0). A line
 *     longer than LOG_FOLLOW_LINE_MAX keeps its start, the rest is skipped.
 * A source that cannot be read (no file yet, no permission) is tried again
 * every LOG_FOLLOW_RETRY and at every catch-up; the stats say why. A file
 * missing at the start is read from its start once it appears.
 *
 * See also: postfix-log.c (the one user), log-file.c, log-journal.c.
 */
#pragma once

#include <systemd/sd-event.h>

#include "common/util.h"
#include "probes/postfix-log-parse.h"

#define LOG_FOLLOW_LINE_MAX 8192U
#define LOG_FOLLOW_SLICE_LINES 512U
#define LOG_FOLLOW_SLICE_BYTES (256U * 1024U)
#define LOG_FOLLOW_SLICE_USEC (10 * USEC_PER_MSEC) /* and at most this long */
#define LOG_FOLLOW_POLL (1 * USEC_PER_SEC)
#define LOG_FOLLOW_RETRY (10 * USEC_PER_SEC)
#define LOG_FOLLOW_ERROR_MAX 160

typedef struct LogFollow LogFollow;

typedef struct LogFollowStats {
        uint64_t lines;         /* lines handed over (after the identifier filter) */
        uint64_t read;          /* journal entries, or bytes of a file, read */
        uint64_t overlong;      /* lines longer than LOG_FOLLOW_LINE_MAX */
        uint64_t rotations;     /* a file replaced or truncated */
        uint64_t slices;        /* loop passes that read */
        usec_t max_slice;       /* the longest time one pass held the loop */
        usec_t max_slice_cpu;   /* the most CPU time one pass used (the rest of a
                                 * long pass was the machine running others) */
        usec_t since;           /* CLOCK_MONOTONIC: reading began */
        int error;              /* 0, or -errno: the source cannot be read now */
        char error_text[LOG_FOLLOW_ERROR_MAX]; /* "cannot open /var/log/mail.log: Permission denied" */
} LogFollowStats;

/* Which identifiers are wanted (postfix_log_ident()). */
typedef bool (*log_follow_want_t)(const char *ident, size_t len);
/* One wanted line; pointers valid during the call only. */
typedef void (*log_follow_line_t)(const SyslogLine *line, void *userdata);
/* A catch-up ended: all there was has been read, or the source failed. */
typedef void (*log_follow_done_t)(LogFollow *f, void *userdata);

/* source: "journal" or an absolute path. Never fails for a source that
 * cannot be read yet: that is in the stats, and tried again. */
int log_follow_new(sd_event *e, const char *source, log_follow_want_t want, log_follow_line_t line,
                   void *userdata, LogFollow **ret);
LogFollow *log_follow_free(LogFollow *f);

/* Read what there is now, then call done once, from the loop. A later call
 * replaces a pending one; cancel drops it. */
void log_follow_catch_up(LogFollow *f, log_follow_done_t done, void *userdata);
void log_follow_cancel(LogFollow *f);

const LogFollowStats *log_follow_stats(const LogFollow *f);
/* Bytes of a file not read yet (0 for the journal, which does not say). */
uint64_t log_follow_behind(const LogFollow *f);
