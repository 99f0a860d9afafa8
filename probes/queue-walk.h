/* queue-walk.h: counting a Postfix queue directory in slices on the loop.
 *
 * A mail server that cannot deliver fills its queue; 100,000 files in
 * deferred/ is exactly when the supervisor must keep working. So the walk
 * never runs to the end in one go: an idle-priority defer source handles at
 * most QUEUE_WALK_SLICE directory entries per loop iteration, across the
 * queues and their hashed subdirectories (deferred/A/..., any depth up to
 * QUEUE_WALK_DEPTH), and every timer and socket of the other probes is
 * served between two slices. For deferred/ it also reads each file's head
 * (POSTFIX_QUEUE_HEAD_MAX bytes) for the arrival time of the oldest message.
 *
 * See also: postfix-queue.c (the probe), postfix-queue-parse.h.
 */
#pragma once

#include <systemd/sd-event.h>

#include "common/util.h"

#define QUEUE_WALK_SLICE 256U
#define QUEUE_WALK_DEPTH 4U

typedef enum PostfixQueue {
        QUEUE_MAILDROP,
        QUEUE_INCOMING,
        QUEUE_ACTIVE,
        QUEUE_DEFERRED,
        QUEUE_HOLD,
        QUEUE_CORRUPT,
        _QUEUE_MAX,
} PostfixQueue;

const char *postfix_queue_to_string(PostfixQueue q);

typedef struct QueueCounts {
        uint64_t n[_QUEUE_MAX];
        uint64_t total;
        usec_t oldest_deferred;  /* arrival, CLOCK_REALTIME; 0: none known */
        uint64_t no_arrival;     /* deferred files without a readable 'T' record */
} QueueCounts;

typedef struct QueueWalkStats {
        unsigned slices;
        uint64_t entries;
        usec_t duration;         /* first slice start to last slice end */
        usec_t max_slice;        /* the longest time the loop was held */
} QueueWalkStats;

typedef struct QueueWalk QueueWalk;

/* error: 0, or -errno with path naming what could not be read. The callee
 * may queue_walk_free() the walk. */
typedef void (*queue_walk_done_t)(QueueWalk *w, int error, const char *path, const QueueCounts *counts,
                                  void *userdata);

int queue_walk_new(sd_event *e, const char *queue_directory, queue_walk_done_t done, void *userdata,
                   QueueWalk **ret);
QueueWalk *queue_walk_free(QueueWalk *w);
const QueueWalkStats *queue_walk_stats(const QueueWalk *w);
/* The counts so far, for a deadline that comes first. */
const QueueCounts *queue_walk_counts(const QueueWalk *w);
