/* ares-event.c: c-ares 1.18 on sd-event (see ares-event.h).
 *
 * c-ares may run the query callback inside ares_query() itself, or inside
 * ares_process_fd(), and ares_destroy() must not run inside either. So the
 * callback only keeps the answer and arms our timer to fire at once; the
 * timer handler hands it over from the loop. After every query or process
 * call the timer is re-armed from ares_timeout() (or at once when an answer
 * waits). Every socket c-ares opens is made close-on-exec.
 *
 * See also: ares-event.h, dns.c.
 */
#include "common/ares-event.h"

#include <fcntl.h>
#include <sys/epoll.h>

typedef struct AresSocket AresSocket;

struct AresSocket {
        AresEvent *ae;
        ares_socket_t fd;
        sd_event_source *io;
        AresSocket *next;
};

struct AresEvent {
        sd_event *event;
        ares_channel channel;
        bool channel_ok, destroying;
        sd_event_source *timer;
        AresSocket *sockets;
        ares_event_done_t done;
        void *userdata;
        bool asking, answered;
        int status;
        unsigned char *abuf;
        size_t alen;
};

static void ares_socket_free(AresEvent *ae, AresSocket *as) {
        for (AresSocket **i = &ae->sockets; *i; i = &(*i)->next)
                if (*i == as) {
                        *i = as->next;
                        break;
                }
        as->io = sd_event_source_disable_unref(as->io);
        free(as);
}

AresEvent *ares_event_free(AresEvent *ae) {
        if (!ae)
                return NULL;
        ae->destroying = true; /* ares_destroy() calls back with ARES_EDESTRUCTION */
        if (ae->channel_ok)
                ares_destroy(ae->channel);
        while (ae->sockets)
                ares_socket_free(ae, ae->sockets);
        ae->timer = sd_event_source_disable_unref(ae->timer);
        sd_event_unref(ae->event);
        free(ae->abuf);
        free(ae);
        ares_library_cleanup();
        return NULL;
}

static void rearm(AresEvent *ae) {
        struct timeval tv, *t;
        usec_t usec = 0;

        if (!ae->answered) {
                t = ares_timeout(ae->channel, NULL, &tv);
                if (!t) {
                        (void) sd_event_source_set_enabled(ae->timer, SD_EVENT_OFF);
                        return;
                }
                usec = (usec_t) t->tv_sec * USEC_PER_SEC + (usec_t) t->tv_usec;
        }
        (void) sd_event_source_set_time_relative(ae->timer, usec);
        (void) sd_event_source_set_enabled(ae->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        AresEvent *ae = userdata;

        if (ae->answered) {
                /* From the loop: the callee may free ae. */
                ae->answered = ae->asking = false;
                ae->done(ae, ae->status, ae->abuf, ae->alen, ae->userdata);
                return 0;
        }
        ares_process_fd(ae->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        rearm(ae);
        return 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        AresSocket *as = userdata;
        AresEvent *ae = as->ae;
        bool rd = revents & (EPOLLIN | EPOLLHUP | EPOLLERR), wr = revents & EPOLLOUT;

        /* as may be freed inside (the socket closed): only ae after this. */
        ares_process_fd(ae->channel, rd ? fd : ARES_SOCKET_BAD, wr ? fd : ARES_SOCKET_BAD);
        rearm(ae);
        return 0;
}

/* ARES_OPT_SOCK_STATE_CB: watch, change or forget one socket. */
static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable) {
        AresEvent *ae = data;
        uint32_t events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
        AresSocket *as;

        for (as = ae->sockets; as && as->fd != fd; as = as->next)
                ;
        if (events == 0) {
                if (as)
                        ares_socket_free(ae, as);
                return;
        }
        if (as) {
                (void) sd_event_source_set_io_events(as->io, events);
                return;
        }
        as = calloc(1, sizeof(*as));
        if (!as)
                return; /* unwatched: the query times out, as with a lost packet */
        *as = (AresSocket) { .ae = ae, .fd = fd, .next = ae->sockets };
        if (sd_event_add_io(ae->event, &as->io, fd, events, on_io, as) < 0) {
                free(as);
                return;
        }
        (void) sd_event_source_set_description(as->io, "ares-socket");
        ae->sockets = as;
}

static int on_socket_created(ares_socket_t fd, int type, void *data) {
        return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : ARES_SUCCESS;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen) {
        AresEvent *ae = arg;

        if (ae->destroying)
                return;
        free(ae->abuf);
        ae->abuf = NULL;
        ae->alen = 0;
        if (abuf && alen > 0) {
                ae->abuf = malloc((size_t) alen);
                if (ae->abuf) {
                        memcpy(ae->abuf, abuf, (size_t) alen);
                        ae->alen = (size_t) alen;
                }
        }
        ae->status = abuf && alen > 0 && !ae->abuf ? ARES_ENOMEM : status;
        ae->answered = true;
        rearm(ae); /* at once: delivered from the loop */
}

static int ares_to_errno(int status) {
        return status == ARES_ENOMEM ? -ENOMEM : status == ARES_EBADSTR ? -EINVAL : -EIO;
}

int ares_event_new(sd_event *e, const char *server, usec_t try_timeout, unsigned tries,
                   ares_event_done_t done, void *userdata, AresEvent **ret) {
        struct ares_options o = {
                .flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH,
                .timeout = (int) (try_timeout / USEC_PER_MSEC),
                .tries = (int) tries,
        };
        AresEvent *ae;
        int r;

        r = ares_library_init(ARES_LIB_INIT_ALL);
        if (r != ARES_SUCCESS)
                return ares_to_errno(r);
        ae = calloc(1, sizeof(*ae));
        if (!ae) {
                ares_library_cleanup();
                return -ENOMEM;
        }
        *ae = (AresEvent) { .event = sd_event_ref(e), .done = done, .userdata = userdata };
        o.sock_state_cb = on_sock_state;
        o.sock_state_cb_data = ae;
        r = sd_event_add_time(e, &ae->timer, CLOCK_MONOTONIC, 0, USEC_PER_MSEC, on_timer, ae);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(ae->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(ae->timer, "ares-timer");
        r = ares_init_options(&ae->channel, &o, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
                                                        ARES_OPT_SOCK_STATE_CB);
        if (r != ARES_SUCCESS) {
                r = ares_to_errno(r);
                goto fail;
        }
        ae->channel_ok = true;
        ares_set_socket_callback(ae->channel, on_socket_created, ae);
        r = ares_set_servers_ports_csv(ae->channel, server);
        if (r != ARES_SUCCESS) {
                r = ares_to_errno(r);
                goto fail;
        }
        *ret = ae;
        return 0;
fail:
        ares_event_free(ae);
        return r;
}

int ares_event_query(AresEvent *ae, const char *name, int type) {
        if (ae->asking)
                return -EBUSY;
        ae->asking = true;
        /* The answer may come inside this call (on_answer keeps it). */
        ares_query(ae->channel, name, 1 /* C_IN */, type, on_answer, ae);
        rearm(ae);
        return 0;
}
