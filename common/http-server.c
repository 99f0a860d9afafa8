/* http-server.c: libmicrohttpd on sd-event (see http-server.h).
 *
 * libmicrohttpd runs in its "external polling" mode with epoll: it owns an
 * epoll fd of its own (the listening socket and every connection are in
 * it), we watch that one fd. Whenever it is readable, and whenever
 * MHD_get_timeout() says (idle timeouts, data already buffered), MHD_run()
 * does one non-blocking pass. Connections are followed from start to close
 * (MHD_OPTION_NOTIFY_CONNECTION), oldest first, for our deadline: a socket
 * shut down at its deadline makes libmicrohttpd close the connection on its
 * next pass, as a client gone away would.
 *
 * See also: http-server.h, curl-event.c.
 */
#include "common/http-server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include "common/dl-mhd.h"
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/epoll.h>

#include "common/log.h"

typedef struct HttpConnection HttpConnection;

struct HttpConnection {
        int fd;
        usec_t started;                 /* CLOCK_MONOTONIC */
        bool cut;
        HttpConnection *prev, *next;    /* oldest first */
};

struct HttpServer {
        struct MHD_Daemon *daemon;
        sd_event_source *io, *timer, *deadline_timer;
        HttpServerHandler handler;
        void *userdata;
        usec_t deadline;
        HttpConnection *head, *tail;
        unsigned n_connections;
        uint64_t n_cut, n_closed;
        struct MHD_Response *not_found, *not_allowed;
};

struct HttpResponse {
        struct MHD_Response *mhd;
};

static int parse_port(const char *s, uint16_t *ret) {
        unsigned long n = 0;

        if (!*s || strlen(s) > 5)
                return -EINVAL;
        for (const char *c = s; *c; c++) {
                if (!isdigit((unsigned char) *c))
                        return -EINVAL;
                n = n * 10 + (unsigned long) (*c - '0');
        }
        if (n == 0 || n > 65535)
                return -EINVAL;
        *ret = htons((uint16_t) n);
        return 0;
}

int http_listen_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len) {
        struct sockaddr_in *in4 = (struct sockaddr_in *) ret;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ret;
        char host[INET6_ADDRSTRLEN + 2];
        const char *colon = strrchr(s, ':');
        size_t n;

        memset(ret, 0, sizeof(*ret));
        if (!colon) {
                /* A port alone: loopback, unless the admin writes another address. */
                in4->sin_family = AF_INET;
                in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                *ret_len = sizeof(*in4);
                return parse_port(s, &in4->sin_port);
        }
        n = (size_t) (colon - s);
        if (n == 0 || n >= sizeof(host))
                return -EINVAL;
        memcpy(host, s, n);
        host[n] = '\0';
        if (host[0] == '[' && host[n - 1] == ']') {
                host[n - 1] = '\0';
                in6->sin6_family = AF_INET6;
                *ret_len = sizeof(*in6);
                if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
                        return -EINVAL;
                return parse_port(colon + 1, &in6->sin6_port);
        }
        in4->sin_family = AF_INET;
        *ret_len = sizeof(*in4);
        if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
                return -EINVAL;
        return parse_port(colon + 1, &in4->sin_port);
}

static void http_run(HttpServer *h);

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        http_run(userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        http_run(userdata);
        return 0;
}

/* Shut down every connection past its deadline; the next pass closes them. */
static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        HttpServer *h = userdata;
        usec_t now = now_usec(CLOCK_MONOTONIC);
        HttpConnection *c = h->head;

        for (; c && c->started + h->deadline <= now; c = c->next)
                if (!c->cut) {
                        log_debug("metrics http: connection open for more than %llu s: cut",
                                  (unsigned long long) (h->deadline / USEC_PER_SEC));
                        (void) shutdown(c->fd, SHUT_RDWR);
                        c->cut = true;
                        h->n_cut++;
                }
        if (c) {
                (void) sd_event_source_set_time(s, c->started + h->deadline);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        http_run(h);
        return 0;
}

/* One non-blocking pass, then the timer MHD asks for. A pass that closed a
 * connection gets another one at once: at its connection limit
 * libmicrohttpd takes the listening socket out of its epoll set, and puts
 * it back only at the start of its next pass, which nothing else would
 * trigger (a client waiting in the backlog makes no event). */
static void http_run(HttpServer *h) {
        MHD_UNSIGNED_LONG_LONG ms = 0;
        uint64_t closed = h->n_closed;

        (void) sym_MHD_run(h->daemon);
        if (h->n_closed != closed)
                ms = 0;
        else if (sym_MHD_get_timeout(h->daemon, &ms) != MHD_YES) {
                (void) sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(h->timer, now_usec(CLOCK_MONOTONIC) + (usec_t) ms * USEC_PER_MSEC);
        (void) sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        HttpServer *h = cls;
        HttpConnection *c = *socket_context;
        const union MHD_ConnectionInfo *info;

        if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
                if (!c)
                        return;
                *(c->prev ? &c->prev->next : &h->head) = c->next;
                *(c->next ? &c->next->prev : &h->tail) = c->prev;
                h->n_connections--;
                h->n_closed++;
                free(c);
                *socket_context = NULL;
                return;
        }
        info = sym_MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        c = calloc(1, sizeof(*c));
        if (!c || !info) {
                free(c);
                return; /* not followed: libmicrohttpd's idle timeout still ends it */
        }
        *c = (HttpConnection) { .fd = info->connect_fd, .started = now_usec(CLOCK_MONOTONIC), .prev = h->tail };
        *(h->tail ? &h->tail->next : &h->head) = c;
        h->tail = c;
        h->n_connections++;
        *socket_context = c;
        if (c == h->head) {
                (void) sd_event_source_set_time(h->deadline_timer, c->started + h->deadline);
                (void) sd_event_source_set_enabled(h->deadline_timer, SD_EVENT_ONESHOT);
        }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
        HttpServer *h = cls;
        HttpResponse *r;

        /* Answered as soon as the headers are in: a body is never read. */
        if (!streq(method, MHD_HTTP_METHOD_GET) && !streq(method, MHD_HTTP_METHOD_HEAD))
                return sym_MHD_queue_response(mc, MHD_HTTP_METHOD_NOT_ALLOWED, h->not_allowed);
        r = h->handler(url, h->userdata);
        if (!r)
                return sym_MHD_queue_response(mc, MHD_HTTP_NOT_FOUND, h->not_found);
        return sym_MHD_queue_response(mc, MHD_HTTP_OK, r->mhd);
}

static void on_log(void *cls, const char *fmt, va_list ap) {
        char msg[256];
        size_t n;

        vsnprintf(msg, sizeof(msg), fmt, ap);
        n = strlen(msg);
        if (n > 0 && msg[n - 1] == '\n')
                msg[n - 1] = '\0';
        log_debug("metrics http: %s", msg);
}

static struct MHD_Response *static_response(const char *text, const char *allow) {
        struct MHD_Response *r = sym_MHD_create_response_from_buffer(strlen(text), (void *) text,
                                                                 MHD_RESPMEM_PERSISTENT);

        if (!r)
                return NULL;
        (void) sym_MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        (void) sym_MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
        if (allow)
                (void) sym_MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
        return r;
}

int http_response_new(const char *content_type, char *body, size_t len, HttpResponse **ret) {
        int e = dl_mhd();
        HttpResponse *r = e >= 0 ? calloc(1, sizeof(*r)) : NULL;

        if (r)
                r->mhd = sym_MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!r || !r->mhd) {
                free(r);
                free(body);
                return e < 0 ? e : -ENOMEM;
        }
        (void) sym_MHD_add_response_header(r->mhd, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        (void) sym_MHD_add_response_header(r->mhd, MHD_HTTP_HEADER_CONNECTION, "close");
        *ret = r;
        return 0;
}

HttpResponse *http_response_unref(HttpResponse *r) {
        if (r) {
                sym_MHD_destroy_response(r->mhd); /* connections still sending hold their own reference */
                free(r);
        }
        return NULL;
}

static int listen_socket(const char *listen_on, unsigned backlog, int *ret) {
        struct sockaddr_storage sa;
        socklen_t len;
        int fd, one = 1;

        if (http_listen_parse(listen_on, &sa, &len) < 0)
                return -EINVAL;
        fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (sa.ss_family == AF_INET6)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &sa, len) < 0 || listen(fd, (int) backlog) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret = fd;
        return 0;
}

static int start_daemon(HttpServer *h, const HttpServerOptions *o, int fd) {
        unsigned max = o->max_connections ?: HTTP_SERVER_MAX_CONNECTIONS;

        h->daemon = sym_MHD_start_daemon(
                MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h,
                MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
                MHD_OPTION_LISTEN_SOCKET, fd,
                MHD_OPTION_CONNECTION_LIMIT, max,
                MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_per_ip ?: HTTP_SERVER_MAX_PER_IP,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) (o->connection_memory ?: HTTP_SERVER_CONNECTION_MEMORY),
                MHD_OPTION_CONNECTION_TIMEOUT, HTTP_SERVER_IDLE_TIMEOUT_SEC,
                MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
                MHD_OPTION_END);
        return h->daemon ? 0 : -EIO;
}

static int add_sources(HttpServer *h, sd_event *e) {
        const union MHD_DaemonInfo *info = sym_MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        int r;

        if (!info)
                return -EIO;
        r = sd_event_add_io(e, &h->io, info->epoll_fd, EPOLLIN, on_io, h);
        if (r >= 0)
                r = sd_event_add_time(e, &h->timer, CLOCK_MONOTONIC, USEC_INFINITY, 0, on_timer, h);
        if (r >= 0)
                r = sd_event_add_time(e, &h->deadline_timer, CLOCK_MONOTONIC, USEC_INFINITY, 0, on_deadline, h);
        if (r < 0)
                return r;
        /* Scrapers wait until every probe's socket and timer has been served. */
        (void) sd_event_source_set_priority(h->io, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_priority(h->timer, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_priority(h->deadline_timer, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_description(h->io, "metrics-http");
        (void) sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(h->deadline_timer, SD_EVENT_OFF);
        return 0;
}

int http_server_new(sd_event *e, const HttpServerOptions *o, HttpServerHandler handler, void *userdata,
                    HttpServer **ret) {
        unsigned max = o->max_connections ?: HTTP_SERVER_MAX_CONNECTIONS;
        int fd = -1, r = dl_mhd();
        HttpServer *h;

        if (r < 0)
                return r;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        *h = (HttpServer) { .handler = handler, .userdata = userdata, .deadline = o->deadline ?: HTTP_SERVER_DEADLINE };
        h->not_found = static_response("not found: mailsupd serves /metrics\n", NULL);
        h->not_allowed = static_response("method not allowed: GET or HEAD\n", "GET, HEAD");
        r = h->not_found && h->not_allowed ? listen_socket(o->listen, 2 * max, &fd) : -ENOMEM;
        if (r >= 0) {
                r = start_daemon(h, o, fd);
                if (r < 0)
                        close(fd); /* never handed over */
        }
        if (r >= 0)
                r = add_sources(h, e);
        if (r < 0) {
                http_server_free(h);
                return r;
        }
        http_run(h);
        *ret = h;
        return 0;
}

HttpServer *http_server_free(HttpServer *h) {
        if (!h)
                return NULL;
        h->io = sd_event_source_disable_unref(h->io);
        h->timer = sd_event_source_disable_unref(h->timer);
        h->deadline_timer = sd_event_source_disable_unref(h->deadline_timer);
        if (h->daemon)
                sym_MHD_stop_daemon(h->daemon); /* closes every connection (on_connection frees ours) and the socket */
        if (h->not_found)
                sym_MHD_destroy_response(h->not_found);
        if (h->not_allowed)
                sym_MHD_destroy_response(h->not_allowed);
        free(h);
        return NULL;
}

unsigned http_server_connections(const HttpServer *h) {
        return h->n_connections;
}

uint64_t http_server_cut(const HttpServer *h) {
        return h->n_cut;
}
