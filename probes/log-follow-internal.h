/* log-follow-internal.h: what log-follow.c shares with its two sources.
 *
 * A source (log-file.c, log-journal.c) opens, reads one slice within a
 * budget, closes, and says how far behind it is; log-follow.c runs the
 * slices, the poll and retry timer, the catch-up requests and the stats.
 * Not a public interface.
 *
 * See also: log-follow.h.
 */
#pragma once

#include <sys/types.h>
#include <systemd/sd-journal.h>

#include "probes/log-follow.h"

typedef struct LogBudget {
        unsigned lines;         /* journal entries */
        size_t bytes;           /* bytes of a file */
        usec_t until;           /* CLOCK_MONOTONIC: the pass ends by then, whatever is left */
} LogBudget;

/* Whether the pass's time is up (looked at every few entries or reads). */
static inline bool log_budget_spent(const LogBudget *b) {
        return now_usec(CLOCK_MONOTONIC) >= b->until;
}

typedef struct LogSource {
        /* Open the source; first: the very first time (start at its end). On
         * failure, log_follow_fail() has said why; close() is called. */
        int (*open)(LogFollow *f, bool first);
        /* Read within the budget: 1 caught up, 0 budget spent, <0 failed. */
        int (*step)(LogFollow *f, LogBudget *b);
        void (*close)(LogFollow *f);
        uint64_t (*behind)(const LogFollow *f);
} LogSource;

struct LogFollow {
        sd_event *event;
        sd_event_source *slice;         /* idle-priority defer: one pass */
        sd_event_source *timer;         /* the poll, and the retry of a source that failed */
        const LogSource *source;
        log_follow_want_t want;
        log_follow_line_t line;
        void *userdata;
        log_follow_done_t done;         /* a pending catch-up */
        void *done_userdata;
        LogFollowStats stats;
        bool opened;                    /* the source was tried once */
        bool is_open;
        usec_t retry_at;                /* CLOCK_MONOTONIC */

        /* a file (log-file.c) */
        char *path;
        int fd;
        dev_t dev;
        ino_t ino;
        uint64_t offset;                /* the next byte to read */
        char *buf;                      /* one read */
        char *line_buf;                 /* LOG_FOLLOW_LINE_MAX: the line being assembled */
        size_t line_len;
        bool discard;                   /* drop bytes up to the next newline (started mid-line) */
        bool cut;                       /* this line was longer than the buffer */

        /* the journal (log-journal.c) */
        sd_journal *journal;
        sd_event_source *io;            /* the journal's inotify fd */
        char *cursor;                   /* where reading stopped */
};

extern const LogSource log_source_file, log_source_journal;

/* A line of the source: handed to the user when its identifier is wanted. */
void log_follow_emit(LogFollow *f, const SyslogLine *l);
/* Records why the source cannot be read; returns r. */
int log_follow_fail(LogFollow *f, int r, const char *fmt, ...) _printf_(3, 4);
/* There is something to read: run a pass soon. */
void log_follow_wake(LogFollow *f);
