/* log-follow.c: a log read in slices on the loop (log-follow.h).
 *
 * One idle-priority defer source runs the passes: it stays on while a pass
 * used up its budget (there is more), and goes off once the source is
 * read to its end or failed; then a pending catch-up is told. A timer
 * wakes the passes every LOG_FOLLOW_POLL (a file has no event of its own
 * here; the journal also wakes them from its fd) and opens a failed source
 * again every LOG_FOLLOW_RETRY.
 */
#include "probes/log-follow-internal.h"

#include <stdarg.h>
#include <sys/param.h>

int log_follow_fail(LogFollow *f, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(f->stats.error_text, sizeof(f->stats.error_text), fmt, ap);
        va_end(ap);
        f->stats.error = r;
        return r;
}

void log_follow_emit(LogFollow *f, const SyslogLine *l) {
        if (!f->want(l->ident, l->ident_len))
                return;
        f->stats.lines++;
        f->line(l, f->userdata);
}

void log_follow_wake(LogFollow *f) {
        (void) sd_event_source_set_enabled(f->slice, SD_EVENT_ON);
}

static void try_open(LogFollow *f) {
        int r;

        /* Only the very first try starts at the end: a file that appears
         * later was written after we started, all of it. */
        r = f->source->open(f, !f->opened);
        f->opened = true;
        if (r < 0) {
                f->source->close(f);
                f->retry_at = now_usec(CLOCK_MONOTONIC) + LOG_FOLLOW_RETRY;
                return;
        }
        f->is_open = true;
        f->stats.error = 0;
        f->stats.error_text[0] = '\0';
}

static int on_slice(sd_event_source *s, void *userdata) {
        LogFollow *f = userdata;
        usec_t t0 = now_usec(CLOCK_MONOTONIC), c0 = now_usec(CLOCK_THREAD_CPUTIME_ID), t, c;
        LogBudget b = { LOG_FOLLOW_SLICE_LINES, LOG_FOLLOW_SLICE_BYTES, t0 + LOG_FOLLOW_SLICE_USEC };
        log_follow_done_t done;
        int r;

        r = f->is_open ? f->source->step(f, &b) : (f->stats.error ?: -EIO);
        t = now_usec(CLOCK_MONOTONIC);
        c = now_usec(CLOCK_THREAD_CPUTIME_ID);
        f->stats.slices++;
        f->stats.max_slice = MAX(f->stats.max_slice, t - t0);
        f->stats.max_slice_cpu = MAX(f->stats.max_slice_cpu, c - c0);
        if (r == 0)
                return 0; /* more to read: the next pass comes after the loop's other sources */
        if (r < 0 && f->is_open) {
                f->source->close(f);
                f->is_open = false;
                f->retry_at = t + LOG_FOLLOW_RETRY;
        }
        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        done = TAKE_PTR(f->done);
        if (done)
                done(f, f->done_userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        LogFollow *f = userdata;

        if (!f->is_open && usec >= f->retry_at)
                try_open(f);
        if (f->is_open)
                log_follow_wake(f);
        (void) sd_event_source_set_time(s, usec + LOG_FOLLOW_POLL);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ON);
        return 0;
}

int log_follow_new(sd_event *e, const char *source, log_follow_want_t want, log_follow_line_t line,
                   void *userdata, LogFollow **ret) {
        LogFollow *f = calloc(1, sizeof(*f));
        int r;

        if (!f)
                return -ENOMEM;
        *f = (LogFollow) { .event = sd_event_ref(e), .want = want, .line = line, .userdata = userdata, .fd = -1 };
        f->stats.since = now_usec(CLOCK_MONOTONIC);
        if (streq(source, "journal"))
                f->source = &log_source_journal;
        else {
                f->source = &log_source_file;
                f->path = strdup(source);
                if (!f->path) {
                        log_follow_free(f);
                        return -ENOMEM;
                }
        }
        r = sd_event_add_defer(e, &f->slice, on_slice, f);
        if (r >= 0)
                r = sd_event_source_set_priority(f->slice, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(f->slice, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(e, &f->timer, CLOCK_MONOTONIC, LOG_FOLLOW_POLL, 100 * USEC_PER_MSEC,
                                               on_timer, f);
        if (r < 0) {
                log_follow_free(f);
                return r;
        }
        (void) sd_event_source_set_description(f->slice, "log-follow");
        (void) sd_event_source_set_description(f->timer, "log-follow-poll");
        try_open(f);
        *ret = f;
        return 0;
}

LogFollow *log_follow_free(LogFollow *f) {
        if (!f)
                return NULL;
        f->source->close(f);
        f->slice = sd_event_source_disable_unref(f->slice);
        f->timer = sd_event_source_disable_unref(f->timer);
        sd_event_unref(f->event);
        free(f->path);
        free(f->buf);
        free(f->line_buf);
        free(f->cursor);
        free(f);
        return NULL;
}

void log_follow_catch_up(LogFollow *f, log_follow_done_t done, void *userdata) {
        f->done = done;
        f->done_userdata = userdata;
        /* A run asks now, not at the next retry. */
        if (!f->is_open)
                try_open(f);
        log_follow_wake(f);
}

void log_follow_cancel(LogFollow *f) {
        f->done = NULL;
}

const LogFollowStats *log_follow_stats(const LogFollow *f) {
        return &f->stats;
}

uint64_t log_follow_behind(const LogFollow *f) {
        return f->is_open ? f->source->behind(f) : 0;
}
