/* log-journal.c: the local system journal, followed from its tail (log-follow.h).
 *
 * sd_journal_open(SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM): Postfix's
 * daemons run as system users and log through /dev/log, so their lines
 * are in the system journal files; user sessions' files are not opened.
 * The journal's inotify fd is on the loop: sd_journal_process() there,
 * then a pass. A pass reads at most its budget of entries, looks at
 * SYSLOG_IDENTIFIER first and fetches MESSAGE (cut by
 * sd_journal_set_data_threshold()) only for a wanted one, and keeps the
 * cursor: a journal opened again after an error resumes after it. A
 * journal with no file this user may read (not in systemd-journal or adm)
 * is an error that says so, not a silent zero.
 */
#include "probes/log-follow-internal.h"

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        LogFollow *f = userdata;

        (void) sd_journal_process(f->journal);
        log_follow_wake(f);
        return 0;
}

static void journal_close(LogFollow *f) {
        f->io = sd_event_source_disable_unref(f->io);
        if (f->journal)
                sd_journal_close(f->journal);
        f->journal = NULL;
}

/* Where to read from: after the cursor when there is one, else the tail. */
static int journal_seek(LogFollow *f) {
        int r;

        if (f->cursor && sd_journal_seek_cursor(f->journal, f->cursor) >= 0) {
                r = sd_journal_next(f->journal);
                /* The cursor's entry itself was read; if it is gone, the one
                 * found instead is not read yet. */
                if (r > 0 && sd_journal_test_cursor(f->journal, f->cursor) <= 0)
                        r = sd_journal_previous(f->journal);
                return r < 0 ? r : 0;
        }
        r = sd_journal_seek_tail(f->journal);
        if (r >= 0)
                r = sd_journal_previous(f->journal); /* on the last entry: next() gives only new ones */
        return r < 0 ? r : 0;
}

static int journal_open(LogFollow *f, bool first) {
        int r, fd;

        r = sd_journal_open(&f->journal, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return log_follow_fail(f, r, "cannot open the journal: %s", strerror(-r));
        if (sd_journal_has_runtime_files(f->journal) <= 0 && sd_journal_has_persistent_files(f->journal) <= 0)
                return log_follow_fail(f, -EACCES, "no journal file readable here (the user needs group "
                                       "systemd-journal or adm)");
        (void) sd_journal_set_data_threshold(f->journal, LOG_FOLLOW_LINE_MAX + sizeof("MESSAGE="));
        r = journal_seek(f);
        if (r < 0)
                return log_follow_fail(f, r, "cannot seek in the journal: %s", strerror(-r));
        fd = sd_journal_get_fd(f->journal);
        if (fd < 0)
                return log_follow_fail(f, fd, "cannot watch the journal: %s", strerror(-fd));
        r = sd_event_add_io(f->event, &f->io, fd, (uint32_t) sd_journal_get_events(f->journal), on_io, f);
        if (r < 0)
                return log_follow_fail(f, r, "cannot watch the journal: %s", strerror(-r));
        (void) sd_event_source_set_description(f->io, "log-follow-journal");
        return 0;
}

/* The value of field in the current entry (valid until the next call). */
static bool field(LogFollow *f, const char *field, const char **ret, size_t *len) {
        size_t k = strlen(field);
        const void *d;
        size_t n;

        if (sd_journal_get_data(f->journal, field, &d, &n) < 0 || n <= k + 1)
                return false;
        *ret = (const char *) d + k + 1;
        *len = n - k - 1;
        return true;
}

static void journal_entry(LogFollow *f) {
        char ident[POSTFIX_LOG_IDENT_MAX];
        const char *v;
        size_t n;
        SyslogLine l = { .ident = ident };

        if (!field(f, "SYSLOG_IDENTIFIER", &v, &n) || n > sizeof(ident) || !f->want(v, n))
                return;
        memcpy(ident, v, n);
        l.ident_len = n;
        if (field(f, "SYSLOG_PID", &v, &n))
                for (size_t i = 0; i < n && i < 10 && v[i] >= '0' && v[i] <= '9'; i++)
                        l.pid = l.pid * 10 + (uint32_t) (v[i] - '0');
        if (!field(f, "MESSAGE", &l.msg, &l.msg_len))
                return;
        log_follow_emit(f, &l);
}

static int journal_step(LogFollow *f, LogBudget *b) {
        char *cursor = NULL;
        int r = 1; /* > 0: there may be more */

        for (; b->lines > 0; b->lines--) {
                if (b->lines % 16 == 0 && log_budget_spent(b))
                        break;
                r = sd_journal_next(f->journal);
                if (r <= 0)
                        break;
                f->stats.read++;
                journal_entry(f);
        }
        if (r < 0)
                return log_follow_fail(f, r, "cannot read the journal: %s", strerror(-r));
        if (sd_journal_get_cursor(f->journal, &cursor) >= 0) {
                free(f->cursor);
                f->cursor = cursor;
        }
        return r == 0 ? 1 : 0;
}

static uint64_t journal_behind(const LogFollow *f) {
        return 0;
}

const LogSource log_source_journal = {
        .open = journal_open,
        .step = journal_step,
        .close = journal_close,
        .behind = journal_behind,
};
