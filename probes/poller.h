/* poller.h: one sd-event source for the sockets of every stream probe.
 *
 * sd-event dispatches one source per iteration and, in each iteration,
 * walks everything epoll reports ready: with N probes connecting at once,
 * every one of N dispatches walked up to N ready sources, so a cycle cost
 * grew as N squared (measured with callgrind: 2,500 calls of sd-event's
 * pending bookkeeping per probe at 1,000 checks). The poller keeps the
 * probes' sockets in an epoll set of its own, which is one io source on the
 * loop, and hands every ready socket to its handler in one dispatch: the
 * cost per probe no longer depends on how many others are in flight.
 *
 * One poller per sd_event, made by the first watch and freed with the
 * last, so an idle daemon holds no extra fd between cycles.
 *
 * See also: stream.c (its only user), probe.h.
 */
#pragma once

#include <systemd/sd-event.h>

#include "common/util.h"

typedef struct PollerWatch PollerWatch;

/* Called from the loop with the events epoll reported (EPOLLIN, EPOLLOUT,
 * EPOLLHUP, EPOLLERR); may poller_watch_free() its own watch. */
typedef void (*poller_handler_t)(PollerWatch *w, int fd, uint32_t revents, void *userdata);

/* Watch fd (level-triggered, as sd-event's io sources) for events. */
int poller_watch_new(sd_event *e, int fd, uint32_t events, poller_handler_t handler, void *userdata,
                     PollerWatch **ret);
int poller_watch_set_events(PollerWatch *w, uint32_t events);
/* Stops watching (the fd stays open: it is the caller's). NULL is fine. */
PollerWatch *poller_watch_free(PollerWatch *w);
