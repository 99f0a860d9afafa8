/* curl-easy.h: the one setup of a libcurl easy handle, for every transfer.
 *
 * The http probe, the notification channels and the heartbeat all run
 * libcurl transfers on the loop (curl-event.h), and all need the same
 * guards: a hard timeout for the whole transfer and its connect, no
 * signals, no proxy taken from the environment, sockets close-on-exec and
 * non-blocking from the start, a bounded or discarded answer, response
 * headers bounded by count and bytes (a hostile receiver's endless headers
 * cut the transfer; EasyHeaders.refused names the bound), our user agent,
 * and no waiting for a lookup thread at cleanup. They are set here,
 * once; each user adds only what is its own (a body, headers, TLS checks).
 *
 * See also: probes/http.c, notify/channel.c, notify/heartbeat.c.
 */
#pragma once

#include "common/dl-curl.h"

#include "common/util.h"

#define EASY_HEADER_LINES_MAX 100U     /* header lines of a transfer: 1xx, the final response, trailers */
#define EASY_HEADER_BYTES_MAX (32U * 1024U)

/* A transfer's header count; the owner keeps it as long as the transfer. */
typedef struct EasyHeaders {
        unsigned lines;
        size_t bytes;
        char refused[64];               /* the bound broken, "" if none */
} EasyHeaders;

typedef struct EasySetup {
        const char *url;
        const char *protocols;          /* CURLOPT_PROTOCOLS_STR, e.g. "http,https"; NULL: the user sets it */
        usec_t timeout;                 /* the whole transfer, and its connect */
        char *errbuf;                   /* CURL_ERROR_SIZE bytes for curl's message, or NULL */
        const char *ca_file;            /* CAs to trust instead of the system's, or NULL */
        curl_write_callback write;      /* NULL: the answer is discarded */
        void *write_data;
        curl_opensocket_callback opensocket; /* NULL: easy_open_socket() */
        void *opensocket_data;
        EasyHeaders *headers;           /* required: every response header line is counted here */
} EasySetup;

/* Returns 0, or -EINVAL when libcurl refused an option (or no headers). */
int easy_setup(CURL *e, const EasySetup *o);

/* The default CURLOPT_OPENSOCKETFUNCTION: a socket close-on-exec and non-blocking. */
curl_socket_t easy_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a);
