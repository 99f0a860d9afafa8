/* curl-event.c: libcurl multi on sd-event (see curl-event.h).
 *
 * curl tells us what to watch through two callbacks, and we must never call
 * back into libcurl from inside them: the socket callback adds, changes or
 * drops an io source (CURL_POLL_REMOVE), the timer callback only moves one
 * sd-event timer (-1 disables it). Our io and timer handlers then call
 * curl_multi_socket_action() and drain curl_multi_info_read() until NULL.
 * A done callback may free the CurlEvent: the multi handle and sources go
 * at once, the struct itself at the end of our handler ("dispatching").
 *
 * See also: curl-event.h, systemd's src/import/curl-util.c.
 */
#include "common/curl-event.h"

#include <sys/epoll.h>

#include "common/util.h"

typedef struct CurlSocket CurlSocket;

struct CurlSocket {
        CurlEvent *ce;
        curl_socket_t fd;
        sd_event_source *io;
        CurlSocket *next;
};

struct CurlEvent {
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;
        CurlSocket *sockets;    /* every io source we hold, freed with us */
        curl_event_done_t done;
        void *userdata;
        unsigned dispatching;
        bool free_pending;
};

static void curl_socket_drop(CurlEvent *ce, CurlSocket *cs) {
        for (CurlSocket **i = &ce->sockets; *i; i = &(*i)->next)
                if (*i == cs) {
                        *i = cs->next;
                        break;
                }
        cs->io = sd_event_source_disable_unref(cs->io);
        free(cs);
}

/* Everything but the struct itself: libcurl is not running here (we only
 * get here from our own handlers or the owner), so cleanup is safe even
 * while a handler of ours is on the stack. */
static void curl_event_release(CurlEvent *ce) {
        if (ce->multi)
                sym_curl_multi_cleanup(ce->multi); /* may still call curl_on_socket and curl_on_timer */
        ce->multi = NULL;
        while (ce->sockets)
                curl_socket_drop(ce, ce->sockets);
        ce->timer = sd_event_source_disable_unref(ce->timer);
        ce->event = sd_event_unref(ce->event);
}

CurlEvent *curl_event_free(CurlEvent *ce) {
        if (!ce)
                return NULL;
        /* Now, so nothing the owner frees next (the clientp of curl's socket
         * callbacks) is used by a later cleanup. */
        curl_event_release(ce);
        if (ce->dispatching > 0)
                ce->free_pending = true; /* our handler on the stack still reads ce */
        else
                free(ce);
        return NULL;
}

/* Hand finished transfers to their owner, until none is left or the owner
 * asked us to go away. */
static void curl_event_drain(CurlEvent *ce) {
        CURLMsg *msg;
        int left;

        while (!ce->free_pending && (msg = sym_curl_multi_info_read(ce->multi, &left)))
                if (msg->msg == CURLMSG_DONE) {
                        CURL *easy = msg->easy_handle;
                        CURLcode result = msg->data.result;

                        sym_curl_multi_remove_handle(ce->multi, easy);
                        ce->done(ce, easy, result, ce->userdata);
                }
}

static void curl_event_action(CurlEvent *ce, curl_socket_t fd, int mask) {
        int running;

        ce->dispatching++;
        (void) sym_curl_multi_socket_action(ce->multi, fd, mask, &running);
        curl_event_drain(ce);
        ce->dispatching--;
        if (ce->dispatching == 0 && ce->free_pending)
                free(ce);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        CurlSocket *cs = userdata;
        int mask = 0;

        if (revents & (EPOLLIN | EPOLLHUP))
                mask |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                mask |= CURL_CSELECT_OUT;
        if (revents & EPOLLERR)
                mask |= CURL_CSELECT_ERR;
        curl_event_action(cs->ce, fd, mask);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        curl_event_action(userdata, CURL_SOCKET_TIMEOUT, 0);
        return 0;
}

/* CURLMOPT_SOCKETFUNCTION: only bookkeeping, never a libcurl call. */
static int curl_on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        CurlEvent *ce = userp;
        CurlSocket *cs = socketp;
        uint32_t events = 0;

        if (what == CURL_POLL_REMOVE) {
                if (cs) /* curl forgets the assignment itself */
                        curl_socket_drop(ce, cs);
                return 0;
        }
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
                events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
                events |= EPOLLOUT;
        if (cs)
                return sd_event_source_set_io_events(cs->io, events) < 0 ? -1 : 0;

        cs = calloc(1, sizeof(*cs));
        if (!cs)
                return -1;
        *cs = (CurlSocket) { .ce = ce, .fd = fd, .next = ce->sockets };
        if (sd_event_add_io(ce->event, &cs->io, fd, events, on_io, cs) < 0) {
                free(cs);
                return -1;
        }
        (void) sd_event_source_set_description(cs->io, "curl-socket");
        ce->sockets = cs;
        sym_curl_multi_assign(ce->multi, fd, cs);
        return 0;
}

/* CURLMOPT_TIMERFUNCTION: arm or disarm our one timer; no libcurl call. */
static int curl_on_timer(CURLM *multi, long timeout_ms, void *userp) {
        CurlEvent *ce = userp;

        if (!ce->timer) /* being released */
                return 0;
        if (timeout_ms < 0)
                return sd_event_source_set_enabled(ce->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        if (sd_event_source_set_time_relative(ce->timer, (usec_t) timeout_ms * USEC_PER_MSEC) < 0 ||
            sd_event_source_set_enabled(ce->timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

int curl_event_new(sd_event *e, curl_event_done_t done, void *userdata, CurlEvent **ret) {
        CurlEvent *ce;
        int r = dl_curl();

        if (r < 0)
                return r;
        ce = calloc(1, sizeof(*ce));
        if (!ce)
                return -ENOMEM;
        ce->event = sd_event_ref(e);
        ce->done = done;
        ce->userdata = userdata;
        r = sd_event_add_time(e, &ce->timer, CLOCK_MONOTONIC, 0, USEC_PER_MSEC, on_timer, ce); /* disabled below */
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(ce->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(ce->timer, "curl-timer");
        r = -ENOMEM;
        ce->multi = sym_curl_multi_init();
        if (!ce->multi ||
            sym_curl_multi_setopt(ce->multi, CURLMOPT_SOCKETFUNCTION, curl_on_socket) != CURLM_OK ||
            sym_curl_multi_setopt(ce->multi, CURLMOPT_SOCKETDATA, ce) != CURLM_OK ||
            sym_curl_multi_setopt(ce->multi, CURLMOPT_TIMERFUNCTION, curl_on_timer) != CURLM_OK ||
            sym_curl_multi_setopt(ce->multi, CURLMOPT_TIMERDATA, ce) != CURLM_OK)
                goto fail;
        *ret = ce;
        return 0;
fail:
        curl_event_free(ce);
        return r;
}

int curl_event_add(CurlEvent *ce, CURL *easy) {
        switch (sym_curl_multi_add_handle(ce->multi, easy)) {
        case CURLM_OK:
                return 0;
        case CURLM_OUT_OF_MEMORY:
                return -ENOMEM;
        default:
                return -EINVAL;
        }
}

void curl_event_remove(CurlEvent *ce, CURL *easy) {
        if (ce && easy)
                (void) sym_curl_multi_remove_handle(ce->multi, easy);
}
