/* postfix-queue.c: the "postfix_queue" probe: how much mail is waiting.
 *
 * A Postfix that accepts mail but cannot deliver it (relay down, DNS gone,
 * a full disk downstream) greets every SMTP probe happily while its queue
 * grows. This counts the messages in each queue (maildrop, incoming,
 * active, deferred, hold, corrupt) with a sliced walk that never stalls the
 * loop (queue-walk.c), and finds the oldest deferred message by its own
 * arrival record (not its mtime: Postfix sets that to the next retry).
 * Past a limit is PROBE_THRESHOLD: max_deferred, max_total and
 * max_deferred_age critical, max_growth (per cycle) a warning.
 *
 * Keys: queue_directory (default: `postconf -h queue_directory`, asked once
 * when the configuration is verified), config_directory (postconf -c),
 * max_deferred, max_total, max_growth (counts), max_deferred_age (duration).
 *
 * See also: queue-walk.h, postfix-queue-parse.h, file.c.
 */
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "common/options.h"
#include "probes/probe.h"
#include "probes/queue-walk.h"

#define POSTCONF_OUTPUT_MAX 4096

typedef struct PostfixQueueOptions {
        char *queue_directory;
        char *config_directory;
        uint64_t max_deferred, max_total, max_growth;
        bool has_max_deferred, has_max_total, has_max_growth;
        usec_t max_deferred_age;        /* 0: not checked */
        uint64_t prev_total;            /* the last complete walk's total, for max_growth */
        bool has_prev_total;
} PostfixQueueOptions;

extern char **environ;

/* The breaches, worst first; returns the severity (NONE: within limits). */
static ProbeSeverity judge(PostfixQueueOptions *o, const QueueCounts *c, usec_t now, char *buf, size_t size) {
        ProbeSeverity sev = PROBE_SEVERITY_NONE;
        usec_t age = c->oldest_deferred > 0 && now > c->oldest_deferred ? now - c->oldest_deferred : 0;
        char a[32], b[32];

        buf[0] = '\0';
        if (o->has_max_deferred && c->n[QUEUE_DEFERRED] > o->max_deferred)
                strbuf_add(buf, size, "; ", "deferred %llu above max_deferred %llu",
                       (unsigned long long) c->n[QUEUE_DEFERRED], (unsigned long long) o->max_deferred);
        if (o->has_max_total && c->total > o->max_total)
                strbuf_add(buf, size, "; ", "total %llu above max_total %llu", (unsigned long long) c->total,
                       (unsigned long long) o->max_total);
        if (o->max_deferred_age > 0 && age > o->max_deferred_age)
                strbuf_add(buf, size, "; ", "oldest deferred message arrived %s ago, longer than max_deferred_age %s",
                       format_duration(a, sizeof(a), age / USEC_PER_SEC * USEC_PER_SEC),
                       format_duration(b, sizeof(b), o->max_deferred_age));
        if (buf[0])
                sev = PROBE_SEVERITY_CRITICAL;
        if (o->has_max_growth && o->has_prev_total && c->total > o->prev_total + o->max_growth) {
                strbuf_add(buf, size, "; ", "total grew by %llu to %llu in one cycle, above max_growth %llu",
                       (unsigned long long) (c->total - o->prev_total), (unsigned long long) c->total,
                       (unsigned long long) o->max_growth);
                if (sev == PROBE_SEVERITY_NONE)
                        sev = PROBE_SEVERITY_WARNING;
        }
        o->prev_total = c->total;
        o->has_prev_total = true;
        return sev;
}

static void on_walked(QueueWalk *w, int error, const char *path, const QueueCounts *counts, void *userdata) {
        Probe *p = userdata;
        PostfixQueueOptions *o = p->config->options;
        usec_t now = now_usec(CLOCK_REALTIME);
        QueueCounts c = *counts; /* finishing frees the walk, and counts with it */
        char breach[PROBE_REASON_MAX], oldest[64] = "", d[32];
        ProbeSeverity sev;

        if (error < 0) {
                probe_finish(p, PROBE_INTERNAL_ERROR, "cannot read %s: %s", path, strerror(-error));
                return;
        }
        for (int q = 0; q < _QUEUE_MAX; q++)
                (void) probe_add_value(p, "postfix_queue_messages", "Messages in the Postfix queue.", "queue",
                                       postfix_queue_to_string((PostfixQueue) q), (double) c.n[q]);
        if (c.oldest_deferred > 0)
                (void) probe_add_value(p, "postfix_queue_oldest_deferred_age_seconds",
                                       "Age of the oldest deferred message when the queue was counted.", NULL, NULL,
                                       now > c.oldest_deferred ? (double) (now - c.oldest_deferred) / USEC_PER_SEC : 0);
        sev = judge(o, &c, now, breach, sizeof(breach));
        if (sev != PROBE_SEVERITY_NONE) {
                probe_finish_threshold(p, sev, "%s", breach);
                return;
        }
        if (c.oldest_deferred > 0)
                snprintf(oldest, sizeof(oldest), ", oldest deferred %s ago",
                         format_age(d, sizeof(d), now > c.oldest_deferred ? now - c.oldest_deferred : 0));
        probe_finish(p, PROBE_OK, "total %llu (maildrop %llu, incoming %llu, active %llu, deferred %llu, "
                     "hold %llu, corrupt %llu)%s", (unsigned long long) c.total,
                     (unsigned long long) c.n[QUEUE_MAILDROP], (unsigned long long) c.n[QUEUE_INCOMING],
                     (unsigned long long) c.n[QUEUE_ACTIVE], (unsigned long long) c.n[QUEUE_DEFERRED],
                     (unsigned long long) c.n[QUEUE_HOLD], (unsigned long long) c.n[QUEUE_CORRUPT], oldest);
}

static int pq_start(Probe *p) {
        const PostfixQueueOptions *o = p->config->options;
        QueueWalk *w;
        int r;

        r = queue_walk_new(p->event, o->queue_directory, on_walked, p, &w);
        if (r < 0)
                return r;
        p->data = w;
        return 0;
}

static void pq_stop(Probe *p) {
        p->data = queue_walk_free(p->data);
}

static void pq_describe_timeout(Probe *p, ProbeStatus *status, char *reason, size_t size) {
        const QueueWalk *w = p->data;
        char buf[32];

        if (w)
                snprintf(reason, size, "queue not counted within %s (%llu files so far)",
                         format_duration(buf, sizeof(buf), p->config->timeout),
                         (unsigned long long) queue_walk_counts(w)->total);
}

static int parse_limit(bool *has, uint64_t *v, const char *key, const char *value, char **error) {
        int r = option_parse_count(key, value, v, error);

        if (r >= 0)
                *has = true;
        return r;
}

static int pq_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        PostfixQueueOptions *o = option_get(&c->options, sizeof(PostfixQueueOptions));

        if (streq(key, "queue_directory") || streq(key, "config_directory")) {
                if (value[0] != '/')
                        return option_error(error, "invalid path '%s' for %s: must be absolute", value, key);
                option_set_string(streq(key, "queue_directory") ? &o->queue_directory : &o->config_directory,
                                  value);
        } else if (streq(key, "max_deferred"))
                return parse_limit(&o->has_max_deferred, &o->max_deferred, key, value, error);
        else if (streq(key, "max_total"))
                return parse_limit(&o->has_max_total, &o->max_total, key, value, error);
        else if (streq(key, "max_growth"))
                return parse_limit(&o->has_max_growth, &o->max_growth, key, value, error);
        else if (streq(key, "max_deferred_age")) {
                if (parse_duration(value, &o->max_deferred_age) < 0 || o->max_deferred_age == 0)
                        return option_error(error, "invalid value '%s' for max_deferred_age: expected a duration "
                                            "such as 4h", value);
        } else
                return -ENOENT;
        return 0;
}

/* Reads at most size-1 bytes of fd, all of it, up to EOF. */
static ssize_t read_all(int fd, char *buf, size_t size) {
        size_t len = 0;

        while (len < size - 1) {
                ssize_t n = read(fd, buf + len, size - 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        return (ssize_t) len;
}

/* `postconf [-c DIR] -h queue_directory`, once, when the config is verified
 * (at start or reload, before any cycle runs). -ENOENT: no postconf. */
static int postconf_queue_directory(const char *config_directory, char **ret) {
        char *argv[] = { "postconf", "-h", "queue_directory", NULL, NULL, NULL }, buf[POSTCONF_OUTPUT_MAX];
        posix_spawn_file_actions_t fa;
        int pipefd[2], status = 0, r;
        pid_t pid;
        ssize_t n;

        if (config_directory) {
                argv[1] = "-c", argv[2] = (char *) config_directory;
                argv[3] = "-h", argv[4] = "queue_directory";
        }
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        r = -posix_spawnp(&pid, "postconf", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        n = r < 0 ? r : read_all(pipefd[0], buf, sizeof(buf));
        close(pipefd[0]);
        if (r < 0)
                return r;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return (int) n;
        buf[strcspn(buf, "\n")] = '\0';
        /* 127: the exec failed in the child (where posix_spawnp() cannot say so, as under valgrind). */
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return -ENOENT;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || buf[0] != '/')
                return -EBADMSG;
        *ret = xstrdup(buf);
        return 0;
}

static int pq_verify(ProbeConfig *c, char **error) {
        PostfixQueueOptions *o = option_get(&c->options, sizeof(PostfixQueueOptions));
        int r;

        if (o->queue_directory)
                return 0;
        r = postconf_queue_directory(o->config_directory, &o->queue_directory);
        if (r == -ENOENT)
                return option_error(error, "missing required key 'queue_directory' (postconf, which would "
                                    "give Postfix's default, is not installed)");
        if (r < 0)
                return option_error(error, "missing key 'queue_directory', and 'postconf%s%s -h "
                                    "queue_directory' failed: %s", o->config_directory ? " -c " : "",
                                    o->config_directory ? o->config_directory : "",
                                    r == -EBADMSG ? "no absolute path in its output" : strerror(-r));
        return 0;
}

static void pq_free_options(ProbeConfig *c) {
        PostfixQueueOptions *o = c->options;

        if (!o)
                return;
        free(o->queue_directory);
        free(o->config_directory);
        free(o);
        c->options = NULL;
}

/* Postfix keeps its queue to root and postfix (mode 0700): the unprivileged
 * mailsupd reads it only with a grant, see mailsupd.conf(5). */
static int pq_check_access(const void *options, char *buf, size_t size) {
        const PostfixQueueOptions *o = options;
        char path[PATH_MAX];

        for (PostfixQueue q = 0; o && o->queue_directory && q < _QUEUE_MAX; q++) {
                snprintf(path, sizeof(path), "%s/%s", o->queue_directory, postfix_queue_to_string(q));
                if (access(path, R_OK | X_OK) < 0 && errno != ENOENT) {
                        int r = -errno;

                        snprintf(buf, size, "cannot read %s: %s", path, strerror(-r));
                        return r;
                }
        }
        return 0;
}

const ProbeType probe_type_postfix_queue = {
        .name = "postfix_queue",
        .default_alert = true,
        .start = pq_start,
        .stop = pq_stop,
        .describe_timeout = pq_describe_timeout,
        .keys = (const char *const[]) { "queue_directory", "config_directory", "max_deferred", "max_total",
                                        "max_growth", "max_deferred_age", NULL },
        .parse_key = pq_parse_key,
        .verify = pq_verify,
        .free_options = pq_free_options,
        .check_access = pq_check_access,
};
