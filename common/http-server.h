/* http-server.h: a small HTTP server on sd-event, with libmicrohttpd.
 *
 * mailsupd serves /metrics from its one loop: a scraper must never cost a
 * probe its deadline, and a slow or hostile one (1 byte a second, ten
 * thousand connections, a 1 MB request) must cost bounded memory. So the
 * parsing is libmicrohttpd's (a well-kept server, not a hand-written
 * parser), run with no thread of its own: its epoll fd is one io source on
 * our loop, MHD_run() runs when it is readable and when MHD_get_timeout()
 * says, and its sources have idle priority, so every probe's socket and
 * timer is served first. The bounds are libmicrohttpd's (connections at
 * once, per client address, memory per connection, an idle timeout) plus
 * one of ours: a connection lives at most `deadline`, then its socket is
 * shut down, so a client that trickles bytes cannot hold a slot for hours.
 * Every response says "Connection: close"; a page is one shared,
 * reference-counted buffer however many clients read it.
 *
 * See also: supervisor/metrics.c (its one user), curl-event.h (the same
 * idea for libcurl), libmicrohttpd's "external select" documentation.
 */
#pragma once

#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "common/util.h"

#define HTTP_SERVER_MAX_CONNECTIONS 32U
#define HTTP_SERVER_MAX_PER_IP 8U
#define HTTP_SERVER_CONNECTION_MEMORY (16U * 1024U)     /* request line and headers must fit */
#define HTTP_SERVER_IDLE_TIMEOUT_SEC 10U
#define HTTP_SERVER_DEADLINE (10 * USEC_PER_SEC)

typedef struct HttpServer HttpServer;
typedef struct HttpResponse HttpResponse;

/* "PORT" (on 127.0.0.1), "A.B.C.D:PORT" or "[V6]:PORT", numeric only.
 * -EINVAL for anything else. */
int http_listen_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);

typedef struct HttpServerOptions {
        const char *listen;             /* as http_listen_parse() takes it */
        unsigned max_connections;       /* 0: HTTP_SERVER_MAX_CONNECTIONS */
        unsigned max_per_ip;            /* 0: HTTP_SERVER_MAX_PER_IP */
        size_t connection_memory;       /* 0: HTTP_SERVER_CONNECTION_MEMORY */
        usec_t deadline;                /* 0: HTTP_SERVER_DEADLINE */
} HttpServerOptions;

/* The response to GET or HEAD of path: borrowed (the handler keeps its
 * reference), served with status 200; NULL: 404. Other methods get 405. */
typedef HttpResponse *(*HttpServerHandler)(const char *path, void *userdata);

/* Listens now: -EADDRINUSE, -EACCES, -EINVAL (a bad address) are the
 * caller's to report. */
int http_server_new(sd_event *e, const HttpServerOptions *o, HttpServerHandler handler, void *userdata,
                    HttpServer **ret);
/* Closes every connection; never from inside the handler. */
HttpServer *http_server_free(HttpServer *h);
/* Connections open now, and those cut at their deadline so far. */
unsigned http_server_connections(const HttpServer *h);
uint64_t http_server_cut(const HttpServer *h);

/* A 200 response of body (taken: free()d when the last client is done). */
int http_response_new(const char *content_type, char *body, size_t len, HttpResponse **ret);
/* Drops the caller's reference; clients still reading keep theirs. */
HttpResponse *http_response_unref(HttpResponse *r);
