/* redis.c: the "redis" probe: PING must answer PONG; optionally memory.
 *
 * rspamd keeps its state in Redis; a Redis that accepts but answers
 * LOADING, NOAUTH or nothing stalls every message. This sends (pipelined)
 * AUTH when a password is set, PING, and INFO memory when max_memory is set,
 * through hiredis on the shared loop (redis-event.c). used_memory above
 * max_memory is PROBE_THRESHOLD: an alert, not a reason to restart.
 * hiredis callbacks only record the first verdict and arm a defer source;
 * the run is finished from there, never inside hiredis, which may be about
 * to free the context itself. Numeric addresses and unix sockets only:
 * redisAsyncConnect() would resolve a name with a blocking getaddrinfo().
 * Bounded by bytes (what waits unparsed, redis-event.c) and by count: every
 * object hiredis builds is admitted first (redis_reply_admit()), so an
 * announced "*2147483647", deep nesting, or more replies than commands
 * (hiredis 0.14.1 asserts on those) fail the run with a named reason.
 *
 * Keys: host/port (default 127.0.0.1:6379) or socket (a unix path),
 * password, max_memory ("512MB", "80%" of the server's maxmemory).
 *
 * See also: redis-event.c, redis-parse.c.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/un.h>

#include "common/options.h"
#include "probes/probe.h"
#include "common/redis-event.h"
#include "probes/redis-parse.h"

#define REDIS_IN_MAX (64U * 1024U)

typedef struct RedisOptions {
        char *socket;
        char *password;
        bool has_max_memory;
        RedisMaxMemory max_memory;
} RedisOptions;

typedef struct Redis {
        Probe *probe;
        RedisEvent *re;
        redisReplyObjectFunctions *builder;     /* hiredis' own, which ours call once admitted */
        RedisReplyBudget budget;
        sd_event_source *defer;
        bool connected, judged, stopping;
        const char *waiting;    /* "reply to PING": for timeout and EOF reasons */
        ProbeStatus status;
        char reason[PROBE_REASON_MAX];
} Redis;

static int on_defer(sd_event_source *s, void *userdata) {
        Redis *r = userdata;
        char reason[PROBE_REASON_MAX];

        memcpy(reason, r->reason, sizeof(reason));
        probe_finish(r->probe, r->status, "%s", reason); /* frees r */
        return 0;
}

/* The first verdict wins; the run is finished from the loop. */
static void verdict(Redis *r, ProbeStatus status, const char *fmt, ...) _printf_(3, 4);
static void verdict(Redis *r, ProbeStatus status, const char *fmt, ...) {
        va_list ap;

        if (r->judged || r->stopping)
                return;
        r->judged = true;
        r->status = status;
        va_start(ap, fmt);
        vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
        va_end(ap);
        if (sd_event_add_defer(r->probe->event, &r->defer, on_defer, r) < 0)
                r->defer = NULL; /* the deadline finishes it, with describe_timeout's words */
}

/* The context is going away without a reply for us: say why. */
static void lost(Redis *r, const redisAsyncContext *ac) {
        if (ac->err == REDIS_ERR_PROTOCOL)
                verdict(r, PROBE_PROTOCOL_ERROR, "malformed reply: %s", ac->errstr);
        else if (ac->err == REDIS_ERR_EOF || ac->err == 0)
                verdict(r, PROBE_CLOSED, "connection closed by peer while waiting for %s", r->waiting);
        else
                verdict(r, PROBE_CLOSED, "%s while waiting for %s", ac->errstr, r->waiting);
}

/* Common checks of a reply; true when it is a status or string to look at. */
static bool reply_usable(Redis *r, const redisAsyncContext *ac, const redisReply *reply, const char *cmd) {
        char text[128];

        if (!reply) {
                if (!r->stopping)
                        lost(r, ac);
                return false;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
                sanitize_line(text, sizeof(text), reply->str, reply->len);
                verdict(r, PROBE_BAD_REPLY, "%s answered %s", cmd, text);
                return false;
        }
        if (reply->type != REDIS_REPLY_STATUS && reply->type != REDIS_REPLY_STRING) {
                verdict(r, PROBE_PROTOCOL_ERROR, "%s answered with a reply of type %d", cmd, reply->type);
                return false;
        }
        return true;
}

static void on_auth(redisAsyncContext *ac, void *reply, void *privdata) {
        Redis *r = privdata;

        if (reply_usable(r, ac, reply, "AUTH"))
                r->waiting = "reply to PING";
}

static void on_info(redisAsyncContext *ac, void *reply, void *privdata) {
        Redis *r = privdata;
        const RedisOptions *o = r->probe->config->options;
        const redisReply *rep = reply;
        uint64_t used, max = 0, limit;
        char a[32], b[32], c[64], d[32];

        if (!reply_usable(r, ac, reply, "INFO memory"))
                return;
        if (redis_info_get_u64(rep->str, rep->len, "used_memory", &used) < 0 ||
            (o->max_memory.percent && redis_info_get_u64(rep->str, rep->len, "maxmemory", &max) < 0)) {
                verdict(r, PROBE_PROTOCOL_ERROR, "INFO memory has no used_memory%s",
                        o->max_memory.percent ? " or maxmemory" : "");
                return;
        }
        (void) probe_add_value(r->probe, "redis_memory_used_bytes", "Redis' used_memory (INFO memory).", NULL, NULL,
                               (double) used);
        if (max > 0)
                (void) probe_add_value(r->probe, "redis_memory_max_bytes", "Redis' maxmemory (INFO memory).", NULL,
                                       NULL, (double) max);
        if (o->max_memory.percent && max == 0) {
                verdict(r, PROBE_THRESHOLD, "max_memory %llu%% set, but the server has no maxmemory",
                        (unsigned long long) o->max_memory.value);
                return;
        }
        /* max is the peer's word: any 64-bit value. */
        limit = o->max_memory.percent ? redis_percent_of(max, o->max_memory.value) : o->max_memory.value;
        redis_format_bytes(a, sizeof(a), used);
        redis_format_bytes(b, sizeof(b), limit);
        if (o->max_memory.percent)
                snprintf(c, sizeof(c), " (%llu%% of %s)", (unsigned long long) o->max_memory.value,
                         redis_format_bytes(d, sizeof(d), max));
        else
                c[0] = '\0';
        if (used > limit)
                verdict(r, PROBE_THRESHOLD, "used_memory %s above max_memory %s%s", a, b, c);
        else
                verdict(r, PROBE_OK, "PING answered PONG, used_memory %s within max_memory %s%s", a, b, c);
}

static void on_ping(redisAsyncContext *ac, void *reply, void *privdata) {
        Redis *r = privdata;
        const redisReply *rep = reply;
        const RedisOptions *o = r->probe->config->options;
        char text[64];

        if (!reply_usable(r, ac, reply, "PING"))
                return;
        if (rep->len != 4 || strncasecmp(rep->str, "PONG", 4) != 0) {
                sanitize_line(text, sizeof(text), rep->str, rep->len);
                verdict(r, PROBE_BAD_REPLY, "PING answered '%s', not PONG", text);
        } else if (o && o->has_max_memory)
                r->waiting = "reply to INFO memory";
        else
                verdict(r, PROBE_OK, "PING answered PONG");
}

static void on_connect(const redisAsyncContext *ac, int status) {
        Redis *r = ac->data;

        if (status == REDIS_OK) {
                r->connected = true;
                return;
        }
        if (strcasestr(ac->errstr, "refused"))
                verdict(r, PROBE_CONNECT_REFUSED, "connection refused");
        else
                verdict(r, PROBE_CONNECT_ERROR, "connect failed: %s", ac->errstr);
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
        Redis *r = ac->data;

        if (!r->stopping)
                lost(r, ac);
}

static void on_overflow(void *userdata) {
        Redis *r = userdata;

        verdict(r, PROBE_OVERLONG, "%s longer than %u bytes", r->waiting, REDIS_IN_MAX);
}

/* hiredis builds replies through these, with the run as the reader's
 * privdata; each object is admitted before hiredis' own function allocates
 * it. A refusal (NULL) makes hiredis fail the read as out of memory, after
 * our verdict named the bound. */
static bool admit(const redisReadTask *task, long long elements, size_t len) {
        Redis *r = task->privdata;
        char reason[PROBE_REASON_MAX];
        unsigned depth = 0;

        for (const redisReadTask *t = task->parent; t; t = t->parent)
                depth++;
        if (redis_reply_admit(&r->budget, depth, elements, len, reason, sizeof(reason)) >= 0)
                return true;
        verdict(r, PROBE_OVERLONG, "%s", reason);
        return false;
}

static void *create_string(const redisReadTask *task, char *str, size_t len) {
        const Redis *r = task->privdata;

        return admit(task, -1, len) ? r->builder->createString(task, str, len) : NULL;
}

static void *create_array(const redisReadTask *task, int elements) {
        const Redis *r = task->privdata;

        return admit(task, elements, 0) ? r->builder->createArray(task, elements) : NULL;
}

static void *create_integer(const redisReadTask *task, long long value) {
        const Redis *r = task->privdata;

        return admit(task, -1, 0) ? r->builder->createInteger(task, value) : NULL;
}

static void *create_nil(const redisReadTask *task) {
        const Redis *r = task->privdata;

        return admit(task, -1, 0) ? r->builder->createNil(task) : NULL;
}

static redisReplyObjectFunctions bounded_builder = {
        .createString = create_string,
        .createArray = create_array,
        .createInteger = create_integer,
        .createNil = create_nil,
        .freeObject = freeReplyObject,
};

static void redis_stop(Probe *p) {
        Redis *r = p->data;

        if (!r)
                return;
        r->stopping = true; /* redisAsyncFree() calls back with NULL replies */
        r->re = redis_event_free(r->re);
        r->defer = sd_event_source_disable_unref(r->defer);
        free(r);
        p->data = NULL;
}

static int redis_send(Redis *r, redisAsyncContext *ac) {
        const RedisOptions *o = r->probe->config->options;

        /* Pipelined: hiredis writes them once connected; replies come in order. */
        if (o && o->password && redisAsyncCommand(ac, on_auth, r, "AUTH %s", o->password) != REDIS_OK)
                return -ENOMEM;
        if (redisAsyncCommand(ac, on_ping, r, "PING") != REDIS_OK)
                return -ENOMEM;
        if (o && o->has_max_memory && redisAsyncCommand(ac, on_info, r, "INFO memory") != REDIS_OK)
                return -ENOMEM;
        r->budget.replies_max = 1 + (o && o->password) + (o && o->has_max_memory);
        return 0;
}

static int redis_start(Probe *p) {
        const ProbeConfig *c = p->config;
        const RedisOptions *o = c->options;
        redisAsyncContext *ac;
        Redis *r;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        *r = (Redis) { .probe = p, .waiting = o && o->password ? "reply to AUTH" : "reply to PING" };
        p->data = r;
        ac = o && o->socket ? redisAsyncConnectUnix(o->socket)
                            : redisAsyncConnect(c->host, c->port ? c->port : p->type->default_port);
        if (!ac)
                k = -ENOMEM;
        else if (ac->err) {
                /* Failed at once (no such socket path): ours to free, not attached yet. */
                bool refused = ac->c.err == REDIS_ERR_IO && strcasestr(ac->errstr, "refused");
                probe_finish(p, refused ? PROBE_CONNECT_REFUSED : PROBE_CONNECT_ERROR, "%s%s",
                             refused ? "connection refused" : "connect failed: ", refused ? "" : ac->errstr);
                redisAsyncFree(ac);
                return 0;
        } else {
                (void) fcntl(ac->c.fd, F_SETFD, FD_CLOEXEC); /* hiredis 0.14 opens without it */
                ac->data = r;
                r->builder = ac->c.reader->fn;
                ac->c.reader->fn = &bounded_builder;
                ac->c.reader->privdata = r;
                k = redis_event_attach(ac, p->event, REDIS_IN_MAX, on_overflow, r, &r->re);
                if (k < 0)
                        redisAsyncFree(ac);
        }
        if (k >= 0 && (redisAsyncSetConnectCallback(ac, on_connect) != REDIS_OK ||
                       redisAsyncSetDisconnectCallback(ac, on_disconnect) != REDIS_OK))
                k = -EINVAL;
        if (k >= 0)
                k = redis_send(r, ac);
        if (k < 0)
                redis_stop(p);
        return k;
}

static void redis_describe_timeout(Probe *p, ProbeStatus *status, char *reason, size_t size) {
        Redis *r = p->data;
        char buf[32];

        if (!r)
                return;
        format_duration(buf, sizeof(buf), p->config->timeout);
        if (!r->connected) {
                *status = PROBE_CONNECT_TIMEOUT;
                snprintf(reason, size, "no connection within %s", buf);
        } else
                snprintf(reason, size, "no %s within %s", r->waiting, buf);
}

static int redis_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        RedisOptions *o = option_get(&c->options, sizeof(RedisOptions));

        if (streq(key, "socket"))
                return option_parse_socket_path(key, value, &o->socket, error);
        else if (streq(key, "password"))
                option_set_string(&o->password, value);
        else if (streq(key, "max_memory")) {
                if (redis_max_memory_parse(value, &o->max_memory) < 0)
                        return option_error(error, "invalid value '%s' for max_memory: expected a size such as "
                                            "512MB or a percentage of maxmemory such as 80%%", value);
                o->has_max_memory = true;
        } else
                return -ENOENT;
        return 0;
}

/* Options exist even without a key of redis' own: the probe reads them. */
static int redis_verify(ProbeConfig *c, char **error) {
        (void) option_get(&c->options, sizeof(RedisOptions));
        return 0;
}

static void redis_free_options(ProbeConfig *c) {
        RedisOptions *o = c->options;

        if (!o)
                return;
        free(o->socket);
        free(o->password);
        free(o);
        c->options = NULL;
}

const ProbeType probe_type_redis = {
        .name = "redis",
        .default_port = 6379,
        .needs_port = true,
        .start = redis_start,
        .stop = redis_stop,
        .describe_timeout = redis_describe_timeout,
        .keys = (const char *const[]) { "socket", "password", "max_memory", NULL },
        .parse_key = redis_parse_key,
        .verify = redis_verify,
        .free_options = redis_free_options,
};
