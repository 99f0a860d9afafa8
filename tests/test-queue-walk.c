/* test-queue-walk.c: counting a 100,000-message queue without stalling the loop.
 *
 * Builds a synthetic Postfix queue tree in a temp dir (the six queues,
 * deferred/ hashed into 16 subdirectories as hash_queue_depth = 1 does,
 * 100,000 empty files in all), walks it on an sd-event loop while a
 * repeating 10 ms timer runs, and checks that the timer kept firing between
 * slices: a walk that held the loop would let it fire once at most. Prints
 * the walk's duration, slice count and longest slice. Then the probe on the
 * same tree (max_deferred), and a deadline shorter than the walk.
 *
 * See also: probes/queue-walk.c, test-postfix-queue.c (a real Postfix).
 */
#include "probes/queue-walk.h"
#include "tests/test-net.h"

#define N_FILES 100000U
#define TICK (10 * USEC_PER_MSEC)

typedef struct Bench {
        QueueWalk *walk;
        bool done;
        int error;
        QueueCounts counts;
        unsigned ticks;         /* timer firings while the walk ran */
        unsigned max_gap;       /* most slices between two firings */
        unsigned last_slices;
} Bench;

static void make_tree(void) {
        static const char *const queues[] = { "maildrop", "incoming", "active", "deferred", "hold", "corrupt" };
        char path[512];

        mkdir(net_path("spool"), 0755);
        for (size_t i = 0; i < ELEMENTSOF(queues); i++) {
                snprintf(path, sizeof(path), "%s/spool/%s", net_dir, queues[i]);
                CHECK(mkdir(path, 0700) == 0);
        }
        for (unsigned h = 0; h < 16; h++) {
                snprintf(path, sizeof(path), "%s/spool/deferred/%X", net_dir, h);
                CHECK(mkdir(path, 0700) == 0);
        }
        for (unsigned i = 0; i < N_FILES; i++) {
                /* Queue ids look like 3333BA740A5; the first hex digit picks the subdirectory. */
                snprintf(path, sizeof(path), "%s/spool/deferred/%X/%X%09X", net_dir, i % 16, i % 16, i);
                if (mknod(path, S_IFREG | 0600, 0) < 0) /* one syscall per empty file */
                        abort();
        }
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Bench *b = userdata;
        unsigned slices;

        if (b->walk && !b->done) {
                slices = queue_walk_stats(b->walk)->slices;
                b->ticks++;
                if (slices - b->last_slices > b->max_gap)
                        b->max_gap = slices - b->last_slices;
                b->last_slices = slices;
        }
        (void) sd_event_source_set_time(s, usec + TICK);
        return 0;
}

static void on_walked(QueueWalk *w, int error, const char *path, const QueueCounts *c, void *userdata) {
        Bench *b = userdata;

        b->done = true;
        b->error = error;
        b->counts = *c;
}

static void test_walk(void) {
        sd_event *e = NULL;
        sd_event_source *tick = NULL;
        const QueueWalkStats *st;
        Bench b = {};
        usec_t expected;

        CHECK(sd_event_new(&e) >= 0);
        CHECK(sd_event_add_time_relative(e, &tick, CLOCK_MONOTONIC, TICK, 0, on_tick, &b) >= 0);
        CHECK(sd_event_source_set_enabled(tick, SD_EVENT_ON) >= 0);
        CHECK(queue_walk_new(e, net_path("spool"), on_walked, &b, &b.walk) >= 0);
        while (!b.done)
                CHECK(sd_event_run(e, UINT64_MAX) >= 0);
        st = queue_walk_stats(b.walk);
        expected = st->duration / TICK;
        printf("walk: %u files in %.1f ms, %u slices of at most %u entries, longest slice %.2f ms, "
               "10ms timer fired %u times during the walk (%llu due by wall clock), at most %u slices "
               "between two firings\n", (unsigned) b.counts.total, (double) st->duration / USEC_PER_MSEC,
               st->slices, QUEUE_WALK_SLICE, (double) st->max_slice / USEC_PER_MSEC, b.ticks,
               (unsigned long long) expected, b.max_gap);
        CHECK_INT(b.error, 0);
        CHECK_INT(b.counts.total, N_FILES);
        CHECK_INT(b.counts.n[QUEUE_DEFERRED], N_FILES);
        CHECK_INT(b.counts.no_arrival, N_FILES); /* empty files: no 'T' record */
        CHECK_INT(b.counts.oldest_deferred, 0);
        /* Sliced: every slice handles a bounded number of entries ... */
        CHECK(st->slices >= N_FILES / QUEUE_WALK_SLICE);
        CHECK(st->entries >= N_FILES);
        /* ... and the timer kept its rate: a blocked loop fires an overdue
         * timer once, however long it was held. Half the due firings leaves
         * room for a busy CI machine. */
        CHECK(b.ticks >= 1);
        CHECK(b.ticks + 1 >= expected / 2);
        queue_walk_free(b.walk);
        sd_event_source_unref(tick);
        sd_event_unref(e);
}

int main(void) {
        usec_t t0;

        net_setup();
        t0 = now_usec(CLOCK_MONOTONIC);
        make_tree();
        printf("created %u files in %.1f s\n", N_FILES, (double) (now_usec(CLOCK_MONOTONIC) - t0) / USEC_PER_SEC);
        test_walk();
        /* The verdict on a full count, whatever this machine's speed: the
         * test-wide 2s deadline would make it a timing (ASan's walk took 2.6s). */
        net_expect("postfix_queue 100,000 max_deferred", net_conf("type = postfix_queue\nqueue_directory = %s\n"
                   "max_deferred = 1000\ntimeout = 50s\n", net_path("spool")), PROBE_THRESHOLD,
                   "deferred 100000 above max_deferred 1000");
        net_expect("postfix_queue walk past deadline", net_conf("type = postfix_queue\nqueue_directory = %s\n"
                   "timeout = 5ms\n", net_path("spool")), PROBE_TIMEOUT, "queue not counted within 5ms (");
        net_cleanup();
        return tests_summary("test-queue-walk");
}
