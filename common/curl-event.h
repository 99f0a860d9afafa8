/* curl-event.h: libcurl's multi interface driven by the sd-event loop.
 *
 * One CurlEvent is one CURLM handle joined to an sd_event: one io source per
 * socket curl asks us to watch (kept with curl_multi_assign), one timer for
 * curl's own timeouts. Transfers added with curl_event_add() run without
 * ever blocking the loop; each ends in one call of the done callback with
 * its CURLcode. The callback may free the CurlEvent.
 *
 * See also: probes/http.c, notify/notifier.c, notify/heartbeat.c, curl's docs/examples/ephiperfifo.c.
 */
#pragma once

#include "common/dl-curl.h"
#include <systemd/sd-event.h>

typedef struct CurlEvent CurlEvent;

typedef void (*curl_event_done_t)(CurlEvent *ce, CURL *easy, CURLcode result, void *userdata);

int curl_event_new(sd_event *e, curl_event_done_t done, void *userdata, CurlEvent **ret);
/* Safe inside the done callback: then the free happens once the handler
 * that called it returns. Transfers still added are removed, not cleaned up. */
CurlEvent *curl_event_free(CurlEvent *ce);

/* Start a transfer; the easy handle stays the caller's. */
int curl_event_add(CurlEvent *ce, CURL *easy);
/* Stop a transfer (no done call follows); NULL-safe. */
void curl_event_remove(CurlEvent *ce, CURL *easy);
