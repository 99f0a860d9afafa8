/* stream.c: non-blocking stream conversations on the sd-event loop (see stream.h).
 *
 * One socket, one watch (poller.h) whose mask always says what we wait for:
 * EPOLLOUT while connecting, then EPOLLIN, plus EPOLLOUT only while output
 * is queued (sources are level-triggered: an idle EPOLLOUT would spin).
 * Input goes into a buffer sized to what was read (STREAM_IN_MIN, doubled
 * when full, most a probe needs is a greeting and one reply), bounded by
 * STREAM_IN_MAX: a full buffer that the type's parser still calls
 * incomplete ends the run PROBE_OVERLONG.
 *
 * With TLS the mask follows OpenSSL instead: during the handshake, the one
 * event SSL_connect() wants; after it, reads wait for what SSL_read() last
 * wanted and queued output for what SSL_write() last wanted.
 *
 * Every path ends in stream_complete(), the only caller of probe_finish()
 * here besides the deadline (probe.c, worded by stream_describe_timeout()).
 * probe_finish() frees the stream through stream_stop(), so nothing touches
 * it afterwards: each handler calls stream_complete() last or not at all.
 *
 * See also: probe.c, tcp.c, smtp.c, imap.c.
 */
#include "probes/stream.h"

#include "probes/cert.h"
#include "probes/poller.h"
#include "probes/tls-stream.h"

#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

Stream *stream_free(Stream *s) {
        if (!s)
                return NULL;
        s->watch = poller_watch_free(s->watch);
        s->defer = sd_event_source_disable_unref(s->defer);
        s->tls = tls_free(s->tls);
        if (s->fd >= 0)
                close(s->fd);
        free(s->in);
        free(s->out);
        free(s);
        return NULL;
}

int stream_in_reserve(Stream *s) {
        size_t size;
        char *in;

        if (s->in_len < s->in_size)
                return 0;
        if (s->in_size >= STREAM_IN_MAX)
                return -ENOBUFS;
        size = s->in_size == 0 ? STREAM_IN_MIN : s->in_size * 2 > STREAM_IN_MAX ? STREAM_IN_MAX : s->in_size * 2;
        in = realloc(s->in, size);
        if (!in)
                return -ENOMEM;
        s->in = in;
        s->in_size = size;
        return 0;
}

void stream_stop(Probe *p) {
        p->data = stream_free(p->data);
}

void stream_end(Stream *s, ProbeStatus status, const char *fmt, ...) {
        va_list ap;

        if (s->ended)
                return;
        s->ended = true;
        s->status = status;
        va_start(ap, fmt);
        vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
        va_end(ap);
}

void stream_end_malformed(Stream *s, const char *what, const char *buf, size_t len) {
        const char *lf = memchr(buf, '\n', len);
        size_t n = lf ? (size_t) (lf - buf) : len;
        char snippet[64];

        if (n > 0 && buf[n - 1] == '\r')
                n--;
        sanitize_line(snippet, sizeof(snippet), buf, n);
        stream_end(s, PROBE_PROTOCOL_ERROR, "malformed %s: \"%s\"", what, snippet);
}

int stream_send_bytes(Stream *s, const void *buf, size_t len) {
        if (len > STREAM_OUT_MAX - s->out_len)
                return -ENOBUFS;
        if (len == 0)
                return 0;
        if (s->out_len + len > s->out_size) {
                /* TLS allows the move: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER (tls.c). */
                size_t size = (s->out_len + len + STREAM_OUT_MIN - 1) / STREAM_OUT_MIN * STREAM_OUT_MIN;
                char *out = realloc(s->out, size);

                if (!out)
                        return -ENOMEM;
                s->out = out;
                s->out_size = size;
        }
        memcpy(s->out + s->out_len, buf, len);
        s->out_len += len;
        return 0;
}

int stream_send(Stream *s, const char *line) {
        return stream_send_bytes(s, line, strlen(line));
}

void stream_expect(Stream *s, const char *what) {
        s->waiting = what;
}

void stream_upgrade_tls(Stream *s) {
        s->upgrade = true;
}

/* Finish the probe with the verdict. s is freed inside: call it last. */
static void stream_complete(Stream *s) {
        Probe *p = s->probe;
        ProbeStatus status = s->status;
        char reason[PROBE_REASON_MAX];

        assert(s->ended);
        if (s->ops->finished) {
                /* The session's owner judges; it may free s. */
                s->watch = poller_watch_free(s->watch);
                s->ops->finished(s);
                return;
        }
        memcpy(reason, s->reason, sizeof(reason));
        if (s->not_after > 0)
                cert_add_value(p, s->not_after);
        if (status == PROBE_OK && s->not_after > 0) {
                char cert[128];
                ProbeSeverity sev = cert_judge_expiry(s->not_after, now_usec(CLOCK_REALTIME),
                                                      (unsigned) s->tls_options->cert_warn_days, cert, sizeof(cert));

                /* The conversation was fine; only the certificate's date can still warn. */
                if (sev != PROBE_SEVERITY_NONE)
                        probe_finish_threshold(p, sev, "%s, %s", reason, cert);
                else
                        probe_finish(p, status, "%s, %s", reason, cert);
                return;
        }
        probe_finish(p, status, "%s", reason);
}

static int stream_flush(Stream *s) {
        char ignored[PROBE_REASON_MAX];

        while (s->out_len > 0 && !s->handshaking) {
                /* MSG_NOSIGNAL: a peer gone away must not SIGPIPE the daemon (tls.c's BIO too). */
                ssize_t n = s->tls ? tls_write(s->tls, s->out, s->out_len, &s->write_events, ignored, sizeof(ignored))
                                   : send(s->fd, s->out, s->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (s->tls && n < 0)
                        return n == -EAGAIN ? 0 : (int) n;
                s->write_events = EPOLLOUT;
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? 0 : -errno;
                }
                memmove(s->out, s->out + n, s->out_len - (size_t) n);
                s->out_len -= (size_t) n;
        }
        return 0;
}

/* After every event of a connected stream: send what is queued, then finish
 * or wait for exactly what is still needed. */
static void stream_settle(Stream *s) {
        uint32_t events;
        int r;

        r = stream_flush(s);
        if (r < 0 && !s->ended)
                stream_end(s, PROBE_CLOSED, "sending failed while waiting for %s: %s",
                           s->waiting, strerror(-r));
        /* Once ended, a QUIT that cannot be sent changes nothing: the verdict stands. */
        if (s->ended && (s->out_len == 0 || r < 0)) {
                stream_complete(s);
                return;
        }

        if (s->handshaking)
                events = s->hs_events;
        else
                events = (s->ended ? 0 : s->read_events) | (s->out_len > 0 ? s->write_events : 0);
        r = poller_watch_set_events(s->watch, events);
        if (r < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "cannot watch socket: %s", strerror(-r));
                stream_complete(s);
        }
}

/* Hand the buffered input to the type until it needs more or has ended. */
void stream_dispatch(Stream *s) {
        assert(s->ops->input);

        while (!s->ended && s->in_len > 0) {
                size_t n = s->ops->input(s, s->in, s->in_len);

                assert(n <= s->in_len);
                if (n == 0)
                        break;
                memmove(s->in, s->in + n, s->in_len - n);
                s->in_len -= n;
                if (s->upgrade && !s->ended) {
                        stream_tls_begin(s);
                        return;
                }
        }
        if (!s->ended && s->in_len == STREAM_IN_MAX)
                stream_end(s, PROBE_OVERLONG, "%s longer than %u bytes", s->waiting, STREAM_IN_MAX);
}

static void stream_read(Stream *s) {
        ssize_t n;
        int r = stream_in_reserve(s);

        if (r < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "cannot read: %s", strerror(-r));
                return;
        }
        n = recv(s->fd, s->in + s->in_len, s->in_size - s->in_len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n < 0)
                stream_end(s, PROBE_CLOSED, "%s while waiting for %s",
                           errno == ECONNRESET ? "connection reset by peer" : strerror(errno), s->waiting);
        else if (n == 0)
                stream_end(s, PROBE_CLOSED, "connection closed by peer while waiting for %s", s->waiting);
        else {
                s->in_len += (size_t) n;
                stream_dispatch(s);
        }
}

static void stream_end_connect_error(Stream *s, int err) {
        if (err == ECONNREFUSED)
                stream_end(s, PROBE_CONNECT_REFUSED, "connection refused");
        else
                stream_end(s, PROBE_CONNECT_ERROR, "connect failed: %s", strerror(err));
}

static void stream_connected(Stream *s) {
        s->connected = true;
        if (s->tls_options && s->tls_options->tls)
                stream_tls_begin(s);
        else if (s->ops->connected)
                s->ops->connected(s);
        stream_settle(s);
}

static void on_io(PollerWatch *w, int fd, uint32_t revents, void *userdata) {
        Stream *s = userdata;

        if (!s->connected) {
                int err = 0;
                socklen_t len = sizeof(err);

                if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
                if (err == 0)
                        stream_connected(s);
                else {
                        stream_end_connect_error(s, err);
                        stream_complete(s);
                }
                return;
        }
        /* HUP and ERR come whatever the mask: read to learn EOF or the error.
         * TLS reads on any event: OpenSSL knows what it was waiting for. */
        if (!s->ended && s->handshaking)
                stream_tls_handshake(s);
        else if (!s->ended && s->tls)
                stream_tls_read(s);
        else if (!s->ended && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                stream_read(s);
        stream_settle(s);
}

/* Numeric IPv4 or IPv6 only: a name would need a blocking lookup. */
static int parse_address(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *ret_len) {
        struct sockaddr_in *in4 = (struct sockaddr_in *) ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;

        memset(ss, 0, sizeof(*ss));
        if (host && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
                in4->sin_family = AF_INET;
                in4->sin_port = htons(port);
                *ret_len = sizeof(*in4);
                return 0;
        }
        if (host && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                *ret_len = sizeof(*in6);
                return 0;
        }
        return -EINVAL;
}

/* An absolute path that fits sun_path (the config checked it; a type may not have). */
static int parse_unix_path(const char *path, struct sockaddr_storage *ss, socklen_t *ret_len) {
        struct sockaddr_un *un = (struct sockaddr_un *) ss;
        size_t n = strlen(path);

        if (path[0] != '/' || n >= sizeof(un->sun_path))
                return -EINVAL;
        memset(ss, 0, sizeof(*ss));
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path, path, n + 1);
        *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1);
        return 0;
}

/* Where to connect: the unix path, or host:port. Ends the run when neither works. */
static int stream_address(Stream *s, struct sockaddr_storage *ss, socklen_t *ret_len) {
        uint16_t port = s->port;

        if (s->unix_path) {
                if (parse_unix_path(s->unix_path, ss, ret_len) < 0) {
                        stream_end(s, PROBE_CONNECT_ERROR, "invalid socket path \"%s\"", s->unix_path);
                        return -EINVAL;
                }
                return 0;
        }
        if (port == 0) {
                stream_end(s, PROBE_CONNECT_ERROR, "no port configured");
                return -EINVAL;
        }
        if (parse_address(s->host, port, ss, ret_len) < 0) {
                stream_end(s, PROBE_CONNECT_ERROR, "invalid address \"%s\": not a numeric IPv4 or IPv6 address",
                           s->host ? s->host : "");
                return -EINVAL;
        }
        return 0;
}

/* Returns 0 while connecting, 1 when connected at once, <0 with the verdict taken. */
static int stream_open(Stream *s) {
        Probe *p = s->probe;
        struct sockaddr_storage ss;
        socklen_t sslen;
        int r;

        r = stream_address(s, &ss, &sslen);
        if (r < 0)
                return r;
        s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd < 0) {
                r = -errno;
                stream_end(s, PROBE_INTERNAL_ERROR, "cannot create socket: %s", strerror(-r));
                return r;
        }
        r = poller_watch_new(p->event, s->fd, EPOLLOUT, on_io, s, &s->watch);
        if (r < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "cannot watch socket: %s", strerror(-r));
                return r;
        }

        if (connect(s->fd, (struct sockaddr *) &ss, sslen) >= 0)
                return 1;
        if (errno == EINPROGRESS)
                return 0;
        r = -errno;
        /* A unix socket whose listener takes nothing more: its backlog is full. */
        if (r == -EAGAIN && s->unix_path)
                stream_end(s, PROBE_CONNECT_ERROR, "connect failed: %s takes no more connections (backlog full)",
                           s->unix_path);
        else
                stream_end_connect_error(s, -r);
        return r;
}

int stream_start(Probe *p, const StreamOps *ops) {
        return stream_start_with_tls(p, ops, NULL);
}

int stream_start_with_tls(Probe *p, const StreamOps *ops, const TlsOptions *o) {
        return stream_start_unix(p, ops, o, NULL);
}

static Stream *stream_new(Probe *p, const StreamOps *ops, const StreamTarget *t) {
        Stream *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->probe = p;
        s->ops = ops;
        s->fd = -1;
        s->waiting = "greeting";
        s->tls_options = t->tls;
        s->unix_path = t->unix_path;
        s->host = t->host;
        s->port = t->port;
        s->read_events = EPOLLIN;
        s->write_events = EPOLLOUT;
        assert(!t->tls || !t->tls->starttls || ops->tls_ready);
        return s;
}

int stream_start_unix(Probe *p, const StreamOps *ops, const TlsOptions *o, const char *unix_path) {
        const ProbeConfig *c = p->config;
        StreamTarget t = { .host = c->host, .port = c->port ? c->port : p->type->default_port,
                           .unix_path = unix_path, .tls = o };
        Stream *s;
        int r;

        assert(!ops->finished);
        s = stream_new(p, ops, &t);
        if (!s)
                return -ENOMEM;
        p->data = s;

        /* Failures past this point are the run's result, delivered by
         * probe_finish() from the loop, never inside probe_start(). */
        r = stream_open(s);
        if (r < 0)
                stream_complete(s);
        else if (r > 0)
                stream_connected(s);
        return 0;
}

static int on_session_defer(sd_event_source *src, void *userdata) {
        Stream *s = userdata;

        s->defer = sd_event_source_disable_unref(s->defer);
        if (s->ended)
                stream_settle(s);
        else
                stream_connected(s);
        return 0;
}

int stream_session_start(Probe *p, const StreamOps *ops, const StreamTarget *t, void *userdata, Stream **ret) {
        Stream *s;
        int r;

        assert(ops->finished);
        s = stream_new(p, ops, t);
        if (!s)
                return -ENOMEM;
        s->userdata = userdata;
        /* Connected at once (a unix socket) or failed at once: the owner
         * hears it from the loop, never inside this call. */
        r = stream_open(s);
        if (r != 0) {
                r = sd_event_add_defer(p->event, &s->defer, on_session_defer, s);
                if (r < 0) {
                        stream_free(s);
                        return r;
                }
        }
        *ret = s;
        return 0;
}

void stream_describe(const Stream *s, usec_t timeout, ProbeStatus *status, char *reason, size_t size) {
        char buf[32];

        format_duration(buf, sizeof(buf), timeout);
        if (s->ended) {
                /* Judged already, only the QUIT was still queued: the verdict stands. */
                *status = s->status;
                snprintf(reason, size, "%s", s->reason);
        } else if (!s->connected) {
                *status = PROBE_CONNECT_TIMEOUT;
                snprintf(reason, size, "no connection within %s", buf);
        } else {
                *status = PROBE_TIMEOUT;
                snprintf(reason, size, "no %s within %s", s->waiting, buf);
        }
}

void stream_describe_timeout(Probe *p, ProbeStatus *status, char *reason, size_t size) {
        if (p->data)
                stream_describe(p->data, p->config->timeout, status, reason, size);
}
