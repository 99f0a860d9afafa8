/* redis-event.h: a hiredis 0.14 async context driven by the sd-event loop.
 *
 * hiredis 0.14.1 has no sd-event adapter; this one has the shape of its
 * adapters/ae.h: one fd, one io source whose mask follows the hooks
 * addRead/delRead/addWrite/delWrite (all idempotent), and cleanup, which
 * hiredis calls when it frees the context itself (EOF, error, a failed
 * connect). The RedisEvent outlives the context: redis_event_context()
 * returns NULL once hiredis let it go. Attach before
 * redisAsyncSetConnectCallback(), which already asks for write readiness.
 * Bounded: once more than max_in bytes wait unparsed in hiredis' reader
 * (0.14.1 itself has no limit on a bulk reply), reading stops and
 * overflow() is called.
 *
 * Never call redis_event_free() from inside a hiredis callback: record the
 * verdict there and act from the loop (redis.c uses a defer source).
 *
 * See also: redis.c, /usr/include/hiredis/adapters/ae.h.
 */
#pragma once

#include <hiredis/async.h>
#include <systemd/sd-event.h>

#include "common/util.h"

typedef struct RedisEvent RedisEvent;

int redis_event_attach(redisAsyncContext *ac, sd_event *e, size_t max_in, void (*overflow)(void *userdata),
                       void *userdata, RedisEvent **ret);
/* Frees the context too (redisAsyncFree) if hiredis has not already. */
RedisEvent *redis_event_free(RedisEvent *re);
redisAsyncContext *redis_event_context(RedisEvent *re);
