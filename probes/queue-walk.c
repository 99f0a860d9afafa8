/* queue-walk.c: counting a Postfix queue directory in slices (see queue-walk.h).
 *
 * The walk is a small machine: a stack of open directories (the queue, then
 * its hash levels) and a budget of entries per loop iteration. Its source
 * has idle priority, so any timer or socket that is ready runs before the
 * next slice; a slice holds the loop for at most QUEUE_WALK_SLICE readdir()
 * calls (and, in deferred/, as many reads of a file's first bytes).
 * Directory entries come with d_type on the file systems a spool lives on;
 * only DT_UNKNOWN costs an fstatat(). A file that vanishes under us (moved
 * between queues, delivered) is counted where it was seen or not at all.
 *
 * See also: queue-walk.h, postfix-queue.c.
 */
#include "probes/queue-walk.h"

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "probes/postfix-queue-parse.h"

struct QueueWalk {
        sd_event_source *source;
        queue_walk_done_t done;
        void *userdata;
        PostfixQueue queue;                     /* the queue being walked */
        DIR *stack[QUEUE_WALK_DEPTH];           /* open directories, the queue's own first */
        size_t path_len[QUEUE_WALK_DEPTH + 1];  /* path's length at each depth */
        unsigned depth;
        QueueCounts counts;
        QueueWalkStats stats;
        usec_t started;
        char path[PATH_MAX];                    /* the directory being read, for errors */
};

static const char *const queue_names[_QUEUE_MAX] = {
        [QUEUE_MAILDROP] = "maildrop",
        [QUEUE_INCOMING] = "incoming",
        [QUEUE_ACTIVE] = "active",
        [QUEUE_DEFERRED] = "deferred",
        [QUEUE_HOLD] = "hold",
        [QUEUE_CORRUPT] = "corrupt",
};

const char *postfix_queue_to_string(PostfixQueue q) {
        return q >= 0 && q < _QUEUE_MAX ? queue_names[q] : "unknown";
}

/* Opens path + "/" + name (relative to dfd, or absolute when dfd is
 * AT_FDCWD) and pushes it. */
static int push_dir(QueueWalk *w, int dfd, const char *name) {
        size_t len = w->path_len[w->depth];
        DIR *d;

        if ((size_t) snprintf(w->path + len, sizeof(w->path) - len, "/%s", name) >= sizeof(w->path) - len)
                return -ENAMETOOLONG;
        d = opendir_at(dfd, dfd == AT_FDCWD ? w->path : name, O_NONBLOCK | O_NOFOLLOW);
        if (!d)
                return -errno;
        w->stack[w->depth++] = d;
        w->path_len[w->depth] = strlen(w->path);
        return 0;
}

static void pop_dir(QueueWalk *w) {
        closedir(w->stack[--w->depth]);
        w->stack[w->depth] = NULL;
        w->path[w->path_len[w->depth]] = '\0';
}

/* The oldest arrival among deferred files, from each file's 'T' record. */
static void read_arrival(QueueWalk *w, int dfd, const char *name) {
        uint8_t head[POSTFIX_QUEUE_HEAD_MAX];
        usec_t t;
        ssize_t n;
        int fd;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0) {
                if (errno != ENOENT) /* ENOENT: delivered or moved since readdir() */
                        w->counts.no_arrival++;
                return;
        }
        n = read(fd, head, sizeof(head));
        close(fd);
        if (n <= 0 || postfix_queue_arrival(head, (size_t) n, &t) <= 0) {
                w->counts.no_arrival++;
                return;
        }
        if (w->counts.oldest_deferred == 0 || t < w->counts.oldest_deferred)
                w->counts.oldest_deferred = t;
}

static int on_entry(QueueWalk *w, DIR *d, const struct dirent *de) {
        unsigned char type = de->d_type;
        int r;

        w->stats.entries++;
        if (type == DT_UNKNOWN) {
                struct stat st;

                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return 0; /* gone meanwhile */
                type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == DT_DIR && w->depth < QUEUE_WALK_DEPTH) {
                r = push_dir(w, dirfd(d), de->d_name);
                return r == -ENOENT ? 0 : r;
        }
        if (type != DT_REG)
                return 0;
        w->counts.n[w->queue]++;
        w->counts.total++;
        if (w->queue == QUEUE_DEFERRED)
                read_arrival(w, dirfd(d), de->d_name);
        return 0;
}

/* One unit of work: 0 more to do, 1 done, -errno failed (w->path says where). */
static int walk_step(QueueWalk *w) {
        struct dirent *de;
        DIR *d;

        if (w->depth == 0) {
                if (w->queue == _QUEUE_MAX)
                        return 1;
                w->path[w->path_len[0]] = '\0';
                return push_dir(w, AT_FDCWD, queue_names[w->queue]);
        }
        d = w->stack[w->depth - 1];
        errno = 0;
        de = readdir(d);
        if (!de) {
                if (errno != 0)
                        return -errno;
                pop_dir(w);
                if (w->depth == 0)
                        w->queue++;
                return 0;
        }
        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                return 0;
        return on_entry(w, d, de);
}

static int on_slice(sd_event_source *s, void *userdata) {
        QueueWalk *w = userdata;
        usec_t t0 = now_usec(CLOCK_MONOTONIC), t1;
        int r = 0;

        if (w->stats.slices++ == 0)
                w->started = t0;
        for (unsigned budget = QUEUE_WALK_SLICE; budget > 0 && r == 0; budget--)
                r = walk_step(w);
        t1 = now_usec(CLOCK_MONOTONIC);
        if (t1 - t0 > w->stats.max_slice)
                w->stats.max_slice = t1 - t0;
        w->stats.duration = t1 - w->started;
        if (r == 0)
                return 0;
        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        w->done(w, r < 0 ? r : 0, w->path, &w->counts, w->userdata);
        return 0;
}

int queue_walk_new(sd_event *e, const char *queue_directory, queue_walk_done_t done, void *userdata,
                   QueueWalk **ret) {
        QueueWalk *w;
        int r;

        assert(queue_directory && done);
        if (strlen(queue_directory) >= sizeof(w->path))
                return -ENAMETOOLONG;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->done = done;
        w->userdata = userdata;
        strcpy(w->path, queue_directory);
        w->path_len[0] = strlen(w->path);
        r = sd_event_add_defer(e, &w->source, on_slice, w);
        if (r >= 0)
                r = sd_event_source_set_priority(w->source, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->source, SD_EVENT_ON);
        if (r < 0) {
                queue_walk_free(w);
                return r;
        }
        (void) sd_event_source_set_description(w->source, "queue-walk");
        *ret = w;
        return 0;
}

QueueWalk *queue_walk_free(QueueWalk *w) {
        if (!w)
                return NULL;
        w->source = sd_event_source_disable_unref(w->source);
        while (w->depth > 0)
                pop_dir(w);
        free(w);
        return NULL;
}

const QueueWalkStats *queue_walk_stats(const QueueWalk *w) {
        return &w->stats;
}

const QueueCounts *queue_walk_counts(const QueueWalk *w) {
        return &w->counts;
}
