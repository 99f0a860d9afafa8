/* status.c: how the checks are, in one line: STATUS=, the heartbeat, D-Bus.
 *
 * `systemctl status mailsupd` shows STATUS=, always like "7 checks: 6 ok,
 * 1 disabled (postfix)". The line follows the news (news.h): a change that
 * shows, a reload, a removed check; many in one loop iteration make one
 * sd_notify(). The same summary, with a line per check that is not ok, is
 * the heartbeat's body (alerting.c). What mailsupd cannot write to disk
 * (the state file, the outbox) is said in both while it lasts.
 *
 * See also: supervisor.h (supervisor_summary), news.h.
 */
#include "supervisor/status.h"

#include <systemd/sd-daemon.h>

#include "supervisor/alerting.h"
#include "supervisor/saver.h"

typedef struct StatusLine {
        sd_event_source *defer;
} StatusLine;

const char *supervisor_state(const Supervisor *s) {
        for (size_t i = 0; i < s->n_checks; i++) {
                CheckState st = check_state(&s->checks[i]);
                if (st == CHECK_STATE_FAILING || st == CHECK_STATE_DISABLED)
                        return "degraded";
        }
        return "running";
}

/* "; state not saved: ERROR", "; outbox not written: ERROR" at buf + l. */
static size_t disk_trouble(const Supervisor *s, char *buf, size_t size, size_t l) {
        AlertingStatus st;
        int r = saver_error(s, NULL);

        if (r < 0 && l < size)
                l += (size_t) snprintf(buf + l, size - l, "; state not saved: %s", strerror(-r));
        alerting_get_status(s, &st);
        if (st.notifier.write_error < 0 && l < size)
                l += (size_t) snprintf(buf + l, size - l, "; outbox not written: %s (%zu in memory)",
                                       strerror(-st.notifier.write_error), st.notifier.unstored);
        return l;
}

void supervisor_summary(const Supervisor *s, bool details, char *buf, size_t size) {
        unsigned n[_CHECK_STATE_MAX] = {};
        char names[256] = "";
        size_t len = 0, l;
        bool first = true;

        for (size_t i = 0; i < s->n_checks; i++) {
                CheckState st = check_state(&s->checks[i]);
                n[st]++;
                if ((st == CHECK_STATE_FAILING || st == CHECK_STATE_DISABLED) && len < sizeof(names))
                        len += snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
                                        s->checks[i].config->name);
        }
        l = (size_t) snprintf(buf, size, "%zu check%s:", s->n_checks, s->n_checks == 1 ? "" : "s");
        for (int st = 0; st < _CHECK_STATE_MAX && l < size; st++)
                if (n[st] > 0) {
                        l += (size_t) snprintf(buf + l, size - l, "%s %u %s", first ? "" : ",", n[st],
                                               check_state_to_string((CheckState) st));
                        first = false;
                }
        if (len && l < size)
                l += (size_t) snprintf(buf + l, size - l, " (%s)", names);
        l = disk_trouble(s, buf, size, l);
        for (size_t i = 0; details && i < s->n_checks && l < size; i++) {
                const Check *c = &s->checks[i];
                CheckState st = check_state(c);

                if (st != CHECK_STATE_OK)
                        l += (size_t) snprintf(buf + l, size - l, "\n%s %s: %s", c->config->name,
                                               check_state_to_string(st), c->rec.has_result ? c->rec.reason : "");
        }
}

void status_line_update(Supervisor *s) {
        char text[512] = "STATUS=";

        supervisor_summary(s, false, text + 7, sizeof(text) - 7);
        (void) sd_notify(false, text);
}

static int on_defer(sd_event_source *src, void *userdata) {
        status_line_update(userdata);
        return 0;
}

static void on_news(Supervisor *s, const News *n, void *userdata) {
        StatusLine *sl = userdata;

        /* A reload is framed by RELOADING=1 and READY=1: the new line goes in between. */
        if (n->kind == NEWS_RELOADED)
                status_line_update(s);
        else if ((n->kind == NEWS_CHECK && n->check.visible) || n->kind == NEWS_CHECK_REMOVED)
                (void) sd_event_source_set_enabled(sl->defer, SD_EVENT_ONESHOT);
}

int status_line_start(Supervisor *s) {
        StatusLine *sl = calloc(1, sizeof(*sl));
        int r;

        if (!sl)
                return -ENOMEM;
        r = sd_event_add_defer(s->event, &sl->defer, on_defer, s);
        if (r < 0) {
                free(sl);
                return r;
        }
        (void) sd_event_source_set_enabled(sl->defer, SD_EVENT_OFF);
        s->status = sl;
        news_subscribe(s, "status-line", on_news, sl);
        return 0;
}

void status_line_stop(Supervisor *s) {
        if (!s->status)
                return;
        sd_event_source_disable_unref(s->status->defer);
        free(s->status);
        s->status = NULL;
}
