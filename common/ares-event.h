/* ares-event.h: one c-ares channel driven by the sd-event loop.
 *
 * An AresEvent asks one resolver (the one under test, "127.0.0.1:53") one
 * question at a time, without blocking the loop: c-ares tells us which
 * sockets to watch (ARES_OPT_SOCK_STATE_CB), we call ares_process_fd() when
 * they are ready or when ares_timeout() says a retry is due. The answer is
 * delivered from the loop, never from inside c-ares, so the done callback
 * may free the AresEvent. c-ares status codes become -errno here.
 *
 * See also: dns.c (the one user), ares_process_fd(3), ares_timeout(3).
 */
#pragma once

#include <ares.h>
#include <systemd/sd-event.h>

#include "common/util.h"

typedef struct AresEvent AresEvent;

/* status is the c-ares status (ARES_SUCCESS, ARES_ENOTFOUND, ARES_ETIMEOUT,
 * ...); abuf the raw answer when one came (SERVFAIL and REFUSED included:
 * ARES_FLAG_NOCHECKRESP), else NULL. */
typedef void (*ares_event_done_t)(AresEvent *ae, int status, const unsigned char *abuf, size_t alen,
                                  void *userdata);

/* server: "host:port" as ares_set_servers_ports_csv() takes it; try_timeout:
 * per try, tries: how many. */
int ares_event_new(sd_event *e, const char *server, usec_t try_timeout, unsigned tries,
                   ares_event_done_t done, void *userdata, AresEvent **ret);
AresEvent *ares_event_free(AresEvent *ae);

/* Ask for name/type (class IN); -EBUSY while a question is open. */
int ares_event_query(AresEvent *ae, const char *name, int type);
