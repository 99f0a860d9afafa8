/* postfix-log.c: the "postfix_log" probe: what Postfix's own log says.
 *
 * A Postfix that answers every probe can still fail its users: it bounces
 * for hours, defers to a provider that refuses it, or is brute-forced on
 * 587. This reads Postfix's log as it grows (log-follow.h: the journal or a
 * file such as /var/log/mail.log) and counts, over a sliding `window`,
 * deliveries by status, rejects by SMTP phase, SASL failures and TLS among
 * inbound connections (postfix-log-count.h). A run reads what was logged up
 * to now, then judges the counts against the limits: past one is
 * PROBE_THRESHOLD with that limit's severity, never a restart.
 *
 * The reader and the window outlive a run: they are the check's state
 * (ProbeType.state_new), made once with the check and kept across reloads
 * that keep the source and the window, so the lines between two runs are
 * read as they come, in slices, and counted once.
 *
 * Keys: source (journal, the default, or an absolute path), window (default
 * 10min), max_bounced, max_deferred, max_rejected, max_sasl_failures,
 * min_delivered (counts), max_bounce_ratio (percent), each with an optional
 * severity after it: "max_bounced = 20 critical" (default warning).
 *
 * See also: postfix-log-parse.h, log-follow.h, postfix-log-count.h.
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/param.h>

#include "common/log.h"
#include "common/options.h"
#include "probes/log-follow.h"
#include "probes/postfix-log-count.h"
#include "probes/probe.h"

#define TLS_PIDS 32

typedef struct PostfixLogOptions {
        char *source;
        usec_t window;
        PostfixLogLimits limits;
} PostfixLogOptions;

typedef struct PostfixLogState {
        char *source;
        LogFollow *follow;
        PostfixLogWindow window;
        uint32_t tls_pids[TLS_PIDS];    /* smtpd processes whose connection did TLS, not yet ended */
        unsigned tls_next;
} PostfixLogState;

/* smtpd logs "TLS connection established" and, later, "disconnect": a
 * connection did TLS when its process said so in between (smtps has no
 * starttls= in its disconnect line). */
static bool tls_pid_take(PostfixLogState *st, uint32_t pid) {
        for (unsigned i = 0; pid > 0 && i < TLS_PIDS; i++)
                if (st->tls_pids[i] == pid) {
                        st->tls_pids[i] = 0;
                        return true;
                }
        return false;
}

static void on_line(const SyslogLine *l, void *userdata) {
        PostfixLogState *st = userdata;
        PostfixLogEvent ev;

        postfix_log_classify(l->ident, l->ident_len, l->msg, l->msg_len, &ev);
        if (ev.kind == POSTFIX_LOG_TLS && l->pid > 0) {
                st->tls_pids[st->tls_next] = l->pid;
                st->tls_next = (st->tls_next + 1) % TLS_PIDS;
                return;
        }
        if (ev.kind == POSTFIX_LOG_DISCONNECT)
                ev.starttls = tls_pid_take(st, l->pid) || ev.starttls;
        postfix_log_window_add(&st->window, &ev, now_usec(CLOCK_MONOTONIC));
}

static void pl_state_free(void *state) {
        PostfixLogState *st = state;

        if (!st)
                return;
        log_follow_free(st->follow);
        free(st->source);
        free(st);
}

static int pl_state_new(sd_event *e, const ProbeConfig *c, void **ret) {
        const PostfixLogOptions *o = c->options;
        PostfixLogState *st = calloc(1, sizeof(*st));
        int r;

        if (!st)
                return -ENOMEM;
        st->source = strdup(o->source);
        if (!st->source) {
                pl_state_free(st);
                return -ENOMEM;
        }
        postfix_log_window_init(&st->window, o->window, now_usec(CLOCK_MONOTONIC));
        r = log_follow_new(e, o->source, postfix_log_ident, on_line, st, &st->follow);
        if (r < 0) {
                pl_state_free(st);
                return r;
        }
        *ret = st;
        return 0;
}

static bool pl_state_keep(const void *state, const ProbeConfig *c) {
        const PostfixLogState *st = state;
        const PostfixLogOptions *o = c->options;

        return streq(st->source, o->source) && st->window.length == o->window;
}

static const char *const status_labels[] = { "sent", "bounced", "deferred", "expired" };

static void add_values(Probe *p, PostfixLogState *st, usec_t now) {
        const LogFollowStats *fs = log_follow_stats(st->follow);
        PostfixLogSums s;

        postfix_log_window_sum(&st->window, now, &s);
        for (size_t i = 0; i < ELEMENTSOF(status_labels); i++)
                (void) probe_add_value(p, "postfix_log_deliveries", "Recipients by delivery status logged in the window",
                                       "status", status_labels[i], (double) s.n[COUNT_SENT + i]);
        (void) probe_add_value(p, "postfix_log_received", "Messages received (smtpd, pickup) in the window", NULL,
                               NULL, (double) s.n[COUNT_RECEIVED]);
        for (size_t i = 0; i < _POSTFIX_PHASE_MAX; i++)
                (void) probe_add_value(p, "postfix_log_rejects", "Clients rejected in the window, by SMTP phase",
                                       "phase", postfix_log_phase_to_string(i), (double) s.n[COUNT_REJECTED + i]);
        (void) probe_add_value(p, "postfix_log_sasl_failures", "SASL authentication failures in the window", NULL,
                               NULL, (double) s.n[COUNT_SASL_FAILED]);
        (void) probe_add_value(p, "postfix_log_connections", "Inbound SMTP connections ended in the window", "tls",
                               "yes", (double) MIN(s.n[COUNT_TLS], s.n[COUNT_CONNECTIONS]));
        (void) probe_add_value(p, "postfix_log_connections", "Inbound SMTP connections ended in the window", "tls",
                               "no", (double) (s.n[COUNT_CONNECTIONS] - MIN(s.n[COUNT_TLS], s.n[COUNT_CONNECTIONS])));
        (void) probe_add_value(p, "postfix_log_slice_max_seconds",
                               "The longest time one pass of reading the log held the loop", NULL, NULL,
                               (double) fs->max_slice / USEC_PER_SEC);
}

/* Judge the window now; caught_up false: the deadline's half came first. */
static void judge(Probe *p, bool caught_up) {
        const PostfixLogOptions *o = p->config->options;
        PostfixLogState *st = p->state;
        const LogFollowStats *fs = log_follow_stats(st->follow);
        usec_t now = now_usec(CLOCK_MONOTONIC);
        char reason[PROBE_REASON_MAX], behind[64] = "";
        ProbeSeverity sev;
        uint64_t left = log_follow_behind(st->follow);

        if (fs->error < 0) {
                probe_finish(p, PROBE_CONNECT_ERROR, "%s", fs->error_text);
                return;
        }
        add_values(p, st, now);
        log_debug("%s: %llu lines of %llu read, %llu overlong, %llu rotations, longest slice %.1f ms "
                  "(CPU %.1f ms) in %llu", p->config->name, (unsigned long long) fs->lines,
                  (unsigned long long) fs->read, (unsigned long long) fs->overlong,
                  (unsigned long long) fs->rotations, (double) fs->max_slice / USEC_PER_MSEC,
                  (double) fs->max_slice_cpu / USEC_PER_MSEC, (unsigned long long) fs->slices);
        sev = postfix_log_judge(&o->limits, &st->window, now, reason, sizeof(reason));
        if (!caught_up)
                snprintf(behind, sizeof(behind), " (still reading%s%llu%s)", left ? ", " : "",
                         (unsigned long long) (left / 1024), left ? " KiB behind" : "");
        if (sev == PROBE_SEVERITY_NONE)
                probe_finish(p, PROBE_OK, "%s%s", reason, behind);
        else
                probe_finish_threshold(p, sev, "%s%s", reason, behind);
}

static void on_caught_up(LogFollow *f, void *userdata) {
        judge(userdata, true);
}

static int on_half_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        judge(userdata, false);
        return 0;
}

static void pl_stop(Probe *p) {
        PostfixLogState *st = p->state;

        if (st)
                log_follow_cancel(st->follow);
        p->data = sd_event_source_disable_unref(p->data);
}

static int pl_start(Probe *p) {
        PostfixLogState *st = p->state;
        sd_event_source *s;
        int r;

        /* A backlog (a burst, a rotated file of gigabytes) must not fail the
         * check: at half its deadline it judges what was read so far. */
        r = sd_event_add_time_relative(p->event, &s, CLOCK_MONOTONIC, p->config->timeout / 2, USEC_PER_MSEC,
                                       on_half_deadline, p);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(s, "postfix-log-half-deadline");
        p->data = s;
        log_follow_catch_up(st->follow, on_caught_up, p);
        return 0;
}

/* "20", "20 critical", and for a ratio "30%" or "30% warning". */
static int parse_limit(const char *key, const char *value, bool percent, PostfixLogLimit *ret, char **error) {
        const char *sp = strchr(value, ' ');
        const char *word = sp ? sp + strspn(sp, " ") : "";
        char num[24];
        size_t n = sp ? (size_t) (sp - value) : strlen(value);
        uint64_t v;
        int r;

        if (n >= sizeof(num))
                return option_error(error, "invalid value '%s' for %s: expected a number", value, key);
        memcpy(num, value, n);
        num[n] = '\0';
        if (percent && n > 0 && num[n - 1] == '%')
                num[--n] = '\0';
        r = option_parse_count(key, num, &v, error);
        if (r < 0)
                return r;
        if (percent && (v < 1 || v > 100))
                return option_error(error, "invalid value '%s' for %s: expected a percentage from 1%% to 100%%",
                                    value, key);
        if (!*word || streq(word, "warning"))
                ret->severity = PROBE_SEVERITY_WARNING;
        else if (streq(word, "critical"))
                ret->severity = PROBE_SEVERITY_CRITICAL;
        else
                return option_error(error, "invalid severity '%s' for %s: expected warning or critical", word, key);
        ret->value = v;
        ret->set = true;
        return 0;
}

static PostfixLogOptions *pl_options(ProbeConfig *c) {
        PostfixLogOptions *o = c->options;

        if (!o) {
                o = option_get(&c->options, sizeof(PostfixLogOptions));
                o->source = xstrdup("journal");
                o->window = 10 * USEC_PER_MINUTE;
        }
        return o;
}

static int pl_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        PostfixLogOptions *o = pl_options(c);
        PostfixLogLimits *l = &o->limits;

        if (streq(key, "source")) {
                if (!streq(value, "journal") && value[0] != '/')
                        return option_error(error, "invalid value '%s' for source: expected journal or an absolute "
                                            "path such as /var/log/mail.log", value);
                option_set_string(&o->source, value);
        } else if (streq(key, "window")) {
                if (parse_duration(value, &o->window) < 0 || o->window < USEC_PER_MINUTE ||
                    o->window > 24 * USEC_PER_HOUR)
                        return option_error(error, "invalid value '%s' for window: expected a duration from 1min "
                                            "to 24h", value);
        } else if (streq(key, "max_bounced"))
                return parse_limit(key, value, false, &l->bounced, error);
        else if (streq(key, "max_deferred"))
                return parse_limit(key, value, false, &l->deferred, error);
        else if (streq(key, "max_rejected"))
                return parse_limit(key, value, false, &l->rejected, error);
        else if (streq(key, "max_sasl_failures"))
                return parse_limit(key, value, false, &l->sasl_failures, error);
        else if (streq(key, "min_delivered"))
                return parse_limit(key, value, false, &l->delivered, error);
        else if (streq(key, "max_bounce_ratio"))
                return parse_limit(key, value, true, &l->bounce_ratio, error);
        else
                return -ENOENT;
        return 0;
}

static int pl_verify(ProbeConfig *c, char **error) {
        const PostfixLogOptions *o = pl_options(c);
        char a[32], b[32];

        if (c->port != 0)
                return option_error(error, "key 'port' is not used by type postfix_log");
        /* Lines between two runs that no run sees would be lost. */
        if (c->interval > o->window)
                return option_error(error, "window %s is shorter than the check's interval %s: what is logged "
                                    "between two runs would never be judged",
                                    format_duration(a, sizeof(a), o->window),
                                    format_duration(b, sizeof(b), c->interval));
        return 0;
}

static void pl_free_options(ProbeConfig *c) {
        PostfixLogOptions *o = c->options;

        if (!o)
                return;
        free(o->source);
        free(o);
        c->options = NULL;
}

static bool in_group(const char *name) {
        const struct group *g = getgrnam(name);
        gid_t groups[256];
        int n;

        if (!g)
                return false;
        if (getegid() == g->gr_gid)
                return true;
        n = getgroups(ELEMENTSOF(groups), groups);
        for (int i = 0; i < n; i++)
                if (groups[i] == g->gr_gid)
                        return true;
        return false;
}

static int pl_check_access(const void *options, char *buf, size_t size) {
        const PostfixLogOptions *o = options;
        int fd;

        if (streq(o->source, "journal")) {
                if (geteuid() == 0 || in_group("systemd-journal") || in_group("adm"))
                        return 0;
                snprintf(buf, size, "cannot read the system journal (not in group systemd-journal or adm)");
                return -EACCES;
        }
        fd = open(o->source, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0 && errno == EACCES) {
                snprintf(buf, size, "cannot read %s (Permission denied)", o->source);
                return -EACCES;
        }
        if (fd >= 0)
                close(fd);
        return 0; /* missing: not a grant, and the check says so itself */
}

const ProbeType probe_type_postfix_log = {
        .name = "postfix_log",
        .default_alert = true,
        .start = pl_start,
        .stop = pl_stop,
        .keys = (const char *const[]) { "source", "window", "max_bounced", "max_deferred", "max_rejected",
                                        "max_sasl_failures", "min_delivered", "max_bounce_ratio", NULL },
        .parse_key = pl_parse_key,
        .verify = pl_verify,
        .free_options = pl_free_options,
        .check_access = pl_check_access,
        .state_new = pl_state_new,
        .state_keep = pl_state_keep,
        .state_free = pl_state_free,
};
