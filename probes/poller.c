/* poller.c: the probes' own epoll set, one io source on the loop (poller.h).
 *
 * A watch freed while its poller dispatches (a probe that ends in its own
 * handler) is only marked: a later entry of the same batch may still point
 * at it. Marked watches, and a poller left without watches, are freed once
 * the batch is done.
 */
#include "probes/poller.h"

#include <sys/epoll.h>

#define POLLER_BATCH 256

typedef struct Poller Poller;

struct PollerWatch {
        Poller *poller;
        int fd;
        uint32_t events;        /* as last given to epoll_ctl() */
        poller_handler_t handler;
        void *userdata;
        bool dead;
        PollerWatch *next_dead;
};

struct Poller {
        sd_event *event;
        sd_event_source *source;
        int epoll_fd;
        size_t n_watches;
        bool dispatching;
        PollerWatch *dead;
        Poller *next;
};

static Poller *pollers; /* one per sd_event in use; a daemon has one loop */

static Poller *poller_free(Poller *p) {
        for (Poller **i = &pollers; *i; i = &(*i)->next)
                if (*i == p) {
                        *i = p->next;
                        break;
                }
        sd_event_source_disable_unref(p->source);
        if (p->epoll_fd >= 0)
                close(p->epoll_fd);
        sd_event_unref(p->event);
        free(p);
        return NULL;
}

static void poller_reap(Poller *p) {
        while (p->dead) {
                PollerWatch *w = p->dead;

                p->dead = w->next_dead;
                free(w);
        }
        if (p->n_watches == 0)
                poller_free(p);
}

static int on_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Poller *p = userdata;
        struct epoll_event ev[POLLER_BATCH];
        int n = epoll_wait(p->epoll_fd, ev, POLLER_BATCH, 0);

        p->dispatching = true;
        for (int i = 0; i < n; i++) {
                PollerWatch *w = ev[i].data.ptr;

                if (!w->dead)
                        w->handler(w, w->fd, ev[i].events, w->userdata);
        }
        p->dispatching = false;
        poller_reap(p);
        return 0;
}

static int poller_get(sd_event *e, Poller **ret) {
        Poller *p;
        int r;

        for (p = pollers; p; p = p->next)
                if (p->event == e) {
                        *ret = p;
                        return 0;
                }
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->event = sd_event_ref(e);
        p->next = pollers;
        pollers = p;
        p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (p->epoll_fd < 0) {
                r = -errno;
                poller_free(p);
                return r;
        }
        r = sd_event_add_io(e, &p->source, p->epoll_fd, EPOLLIN, on_ready, p);
        if (r < 0) {
                poller_free(p);
                return r;
        }
        (void) sd_event_source_set_description(p->source, "probe-poller");
        *ret = p;
        return 0;
}

int poller_watch_new(sd_event *e, int fd, uint32_t events, poller_handler_t handler, void *userdata,
                     PollerWatch **ret) {
        PollerWatch *w;
        Poller *p = NULL;
        int r;

        r = poller_get(e, &p);
        if (r < 0)
                return r;
        w = calloc(1, sizeof(*w));
        if (!w) {
                r = -ENOMEM;
                goto fail;
        }
        *w = (PollerWatch) { .poller = p, .fd = fd, .events = events, .handler = handler, .userdata = userdata };
        if (epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, fd, &(struct epoll_event) { .events = events, .data.ptr = w }) < 0) {
                r = -errno;
                free(w);
                goto fail;
        }
        p->n_watches++;
        *ret = w;
        return 0;
fail:
        if (p->n_watches == 0 && !p->dispatching)
                poller_free(p);
        return r;
}

/* The same events again (a stream that still waits to read after it sent
 * EHLO) cost no syscall: the set is level-triggered, nothing is lost. */
int poller_watch_set_events(PollerWatch *w, uint32_t events) {
        struct epoll_event ev = { .events = events, .data.ptr = w };

        if (events == w->events)
                return 0;
        if (epoll_ctl(w->poller->epoll_fd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
                return -errno;
        w->events = events;
        return 0;
}

PollerWatch *poller_watch_free(PollerWatch *w) {
        Poller *p;

        if (!w)
                return NULL;
        p = w->poller;
        (void) epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
        p->n_watches--;
        if (p->dispatching) {
                w->dead = true;
                w->next_dead = p->dead;
                p->dead = w;
                return NULL;
        }
        free(w);
        if (p->n_watches == 0)
                poller_free(p);
        return NULL;
}
