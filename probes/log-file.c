/* log-file.c: a syslog file followed like `tail -F` (log-follow.h).
 *
 * Read with pread() at our own offset, LOG_FILE_READ bytes at a time within
 * the pass's byte budget. Only at the end of what there is do we look for
 * rotation (another inode at the path: the rest of the old file was read,
 * the new one is read from its start) and truncation (the file is shorter
 * than our offset: read again from 0), so nothing written before a rotation
 * is lost. A line is assembled in a buffer of LOG_FOLLOW_LINE_MAX bytes:
 * a longer one keeps its start and skips the rest up to its newline, so a
 * 10 MB line without a newline costs no memory and no time beyond reading.
 */
#include <fcntl.h>
#include <sys/param.h>
#include <sys/stat.h>

#include "probes/log-follow-internal.h"

#define LOG_FILE_READ (64U * 1024U)
#define LOG_FILE_DROP (4U * 1024U * 1024U) /* page cache given back every 4 MiB read */

static void file_close(LogFollow *f) {
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
}

static int file_open(LogFollow *f, bool first) {
        struct stat st;
        int fd, r;

        if (!f->buf)
                f->buf = malloc(LOG_FILE_READ);
        if (!f->line_buf)
                f->line_buf = malloc(LOG_FOLLOW_LINE_MAX);
        if (!f->buf || !f->line_buf)
                return log_follow_fail(f, -ENOMEM, "cannot read %s: out of memory", f->path);
        fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                return log_follow_fail(f, r, "cannot open %s: %s", f->path, strerror(-r));
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return log_follow_fail(f, -EINVAL, "%s is not a regular file", f->path);
        }
        f->fd = fd;
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        f->offset = 0;
        f->line_len = 0;
        f->discard = f->cut = false;
        if (first && st.st_size > 0) {
                char last;

                /* At the end; a line being written there is not ours. */
                f->offset = (uint64_t) st.st_size;
                f->discard = pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n';
        }
        return 0;
}

static void end_line(LogFollow *f) {
        SyslogLine l;

        if (!f->discard && syslog_line_split(f->line_buf, f->line_len, &l) >= 0)
                log_follow_emit(f, &l);
        f->line_len = 0;
        f->discard = f->cut = false;
}

static void take_bytes(LogFollow *f, const char *p, size_t n) {
        while (n > 0) {
                const char *nl = memchr(p, '\n', n);
                size_t k = nl ? (size_t) (nl - p) : n, room = LOG_FOLLOW_LINE_MAX - f->line_len;

                if (!f->discard) {
                        if (k > room && !f->cut) {
                                f->cut = true;
                                f->stats.overlong++;
                        }
                        memcpy(f->line_buf + f->line_len, p, MIN(k, room));
                        f->line_len += MIN(k, room);
                }
                if (nl) {
                        end_line(f);
                        k++;
                }
                p += k;
                n -= k;
        }
}

/* At the end of what was there: 1 caught up, 0 read on (rotated or
 * truncated), <0 the new file cannot be opened. */
static int at_end(LogFollow *f) {
        struct stat st;

        if (fstat(f->fd, &st) >= 0 && (uint64_t) st.st_size < f->offset) {
                f->offset = 0; /* truncated (copytruncate): the same file from its start */
                f->line_len = 0;
                f->discard = f->cut = false;
                f->stats.rotations++;
                return 0;
        }
        if (stat(f->path, &st) < 0 || (st.st_dev == f->dev && st.st_ino == f->ino))
                return 1; /* the same file, or none yet at the path: keep the one we have */
        if (f->line_len > 0)
                end_line(f); /* the old file's last line had no newline */
        file_close(f);
        f->stats.rotations++;
        return file_open(f, false);
}

static int file_step(LogFollow *f, LogBudget *b) {
        ssize_t n;
        int r;

        while (b->bytes > 0 && !log_budget_spent(b)) {
                n = pread(f->fd, f->buf, MIN(LOG_FILE_READ, b->bytes), (off_t) f->offset);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        return log_follow_fail(f, r, "cannot read %s: %s", f->path, strerror(-r));
                }
                if (n == 0) {
                        r = at_end(f);
                        if (r != 0)
                                return r;
                        continue;
                }
                /* What was read is never read again: give its page cache back
                 * as we go, so catching up on a log of gigabytes does not push
                 * the mail services' pages out (and pay for reclaim here). */
                if ((f->offset + (uint64_t) n) / LOG_FILE_DROP > f->offset / LOG_FILE_DROP)
                        (void) posix_fadvise(f->fd, (off_t) (f->offset / LOG_FILE_DROP * LOG_FILE_DROP),
                                             LOG_FILE_DROP, POSIX_FADV_DONTNEED);
                f->offset += (uint64_t) n;
                f->stats.read += (uint64_t) n;
                b->bytes -= MIN((size_t) n, b->bytes);
                take_bytes(f, f->buf, (size_t) n);
        }
        return 0;
}

static uint64_t file_behind(const LogFollow *f) {
        struct stat st;

        return fstat(f->fd, &st) >= 0 && (uint64_t) st.st_size > f->offset ? (uint64_t) st.st_size - f->offset : 0;
}

const LogSource log_source_file = {
        .open = file_open,
        .step = file_step,
        .close = file_close,
        .behind = file_behind,
};
