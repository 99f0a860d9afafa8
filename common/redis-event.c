/* redis-event.c: hiredis 0.14 async on sd-event (see redis-event.h).
 *
 * Either redisAsyncHandleRead() or redisAsyncHandleWrite() can free the
 * context (an EOF read, a failed connect): the cleanup hook then drops our
 * io source and forgets the context, and the io handler checks for that
 * between the two calls. An io source with an empty mask is disabled, not
 * left on: epoll would still report HUP and ERR.
 *
 * See also: redis-event.h, redis.c.
 */
#include "common/redis-event.h"

#include <sys/epoll.h>

struct RedisEvent {
        sd_event *event;
        redisAsyncContext *ac;  /* NULL once hiredis freed it */
        sd_event_source *io;
        uint32_t events;
        size_t max_in;
        void (*overflow)(void *userdata);
        void *userdata;
};

static void update(RedisEvent *re) {
        if (!re->io)
                return;
        if (re->events == 0)
                (void) sd_event_source_set_enabled(re->io, SD_EVENT_OFF);
        else {
                (void) sd_event_source_set_io_events(re->io, re->events);
                (void) sd_event_source_set_enabled(re->io, SD_EVENT_ON);
        }
}

static void add_read(void *privdata) {
        RedisEvent *re = privdata;

        re->events |= EPOLLIN;
        update(re);
}

static void del_read(void *privdata) {
        RedisEvent *re = privdata;

        re->events &= ~(uint32_t) EPOLLIN;
        update(re);
}

static void add_write(void *privdata) {
        RedisEvent *re = privdata;

        re->events |= EPOLLOUT;
        update(re);
}

static void del_write(void *privdata) {
        RedisEvent *re = privdata;

        re->events &= ~(uint32_t) EPOLLOUT;
        update(re);
}

/* hiredis is done with the context (freeing it now, or on a disconnect). */
static void cleanup(void *privdata) {
        RedisEvent *re = privdata;

        re->io = sd_event_source_disable_unref(re->io);
        re->events = 0;
        re->ac = NULL;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        RedisEvent *re = userdata;
        redisReader *reader;

        if (re->ac && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                reader = re->ac->c.reader;
                if (re->max_in > 0 && reader && reader->len - reader->pos > re->max_in) {
                        re->events = 0;
                        update(re);
                        re->overflow(re->userdata);
                        return 0;
                }
                redisAsyncHandleRead(re->ac);
        }
        /* The read may have freed the context: re->ac says. */
        if (re->ac && (revents & EPOLLOUT))
                redisAsyncHandleWrite(re->ac);
        return 0;
}

int redis_event_attach(redisAsyncContext *ac, sd_event *e, size_t max_in, void (*overflow)(void *userdata),
                       void *userdata, RedisEvent **ret) {
        RedisEvent *re;
        int r;

        if (ac->ev.data)
                return -EEXIST;
        re = calloc(1, sizeof(*re));
        if (!re)
                return -ENOMEM;
        *re = (RedisEvent) { .event = sd_event_ref(e), .ac = ac, .max_in = max_in, .overflow = overflow,
                             .userdata = userdata };
        r = sd_event_add_io(e, &re->io, ac->c.fd, 0, on_io, re);
        if (r < 0) {
                sd_event_unref(re->event);
                free(re);
                return r;
        }
        (void) sd_event_source_set_enabled(re->io, SD_EVENT_OFF);
        (void) sd_event_source_set_description(re->io, "redis-socket");
        ac->ev.addRead = add_read;
        ac->ev.delRead = del_read;
        ac->ev.addWrite = add_write;
        ac->ev.delWrite = del_write;
        ac->ev.cleanup = cleanup;
        ac->ev.data = re;
        *ret = re;
        return 0;
}

RedisEvent *redis_event_free(RedisEvent *re) {
        if (!re)
                return NULL;
        if (re->ac)
                redisAsyncFree(re->ac); /* calls cleanup(): re->ac and re->io go */
        re->io = sd_event_source_disable_unref(re->io);
        sd_event_unref(re->event);
        free(re);
        return NULL;
}

redisAsyncContext *redis_event_context(RedisEvent *re) {
        return re ? re->ac : NULL;
}
