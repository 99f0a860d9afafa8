/* alertmanager.c: the "alertmanager" channel: Prometheus Alertmanager API v2.
 *
 * POST <url>/api/v2/alerts (url is the Alertmanager base, e.g.
 * http://am:9093) with a JSON array of alerts:
 *
 *   [{"labels":{"alertname":"check-failed","check":"postfix","unit":"postfix.service",
 *               "instance":"mx1","severity":"warning"},
 *     "annotations":{"summary":"postfix: check-failed on mx1","description":"<reason>",
 *                    "mailsup_id":"<id>","state":"failing"},
 *     "startsAt":"<since>","endsAt":"<time, resolved only>"}]
 *
 * Labels identify the alert (Alertmanager groups and deduplicates on them);
 * what changes from one send to the next goes into annotations. A resolved
 * notification carries endsAt; a firing one none, so Alertmanager keeps it
 * for its resolve_timeout, and the notifier re-sends every firing alert each
 * resend_interval (default 1min, keep it well under resolve_timeout, 5min by
 * default). A one-off event (unit restarted) is one alert that then expires
 * after resolve_timeout.
 *
 * See also: notifier-alerts.c (re-sends), channel.h, tests/test-notify-alertmanager.c.
 */
#include "common/json.h"
#include "common/options.h"
#include "common/url.h"
#include "notify/channel.h"

typedef struct AlertmanagerOptions {
        usec_t resend_interval;         /* resend_interval (1min) */
} AlertmanagerOptions;

static AlertmanagerOptions *am_options(ChannelConfig *c) {
        AlertmanagerOptions *o = c->options;

        if (!o) {
                o = option_get(&c->options, sizeof(*o));
                o->resend_interval = USEC_PER_MINUTE;
        }
        return o;
}

static void render_alert(JsonWriter *w, const Notification *n) {
        char t[40], summary[256];

        snprintf(summary, sizeof(summary), "%s%s%s on %s", n->check, n->check[0] ? ": " : "", n->kind, n->host);
        json_open(w, '{');
        json_key(w, "labels");
        json_open(w, '{');
        json_member_string(w, "alertname", n->kind);
        json_member_string(w, "check", n->check);
        json_member_string(w, "unit", n->unit);
        json_member_string(w, "instance", n->host);
        json_member_string(w, "severity", severity_to_string(n->severity));
        json_close(w, '}');
        json_key(w, "annotations");
        json_open(w, '{');
        json_member_string(w, "summary", summary);
        json_member_string(w, "description", n->reason);
        json_member_string(w, "mailsup_id", n->id);
        json_member_string(w, "state", n->state);
        json_close(w, '}');
        json_member_string(w, "startsAt", json_format_time(t, sizeof(t), n->since ? n->since : n->time));
        if (n->phase == NOTIFY_RESOLVED)
                json_member_string(w, "endsAt", json_format_time(t, sizeof(t), n->time));
        json_close(w, '}');
}

int alertmanager_render(const Notification *const *list, size_t n, char *buf, size_t size) {
        JsonWriter w;

        json_init(&w, buf, size);
        json_open(&w, '[');
        for (size_t i = 0; i < n; i++)
                render_alert(&w, list[i]);
        json_close(&w, ']');
        return json_finish(&w);
}

static int post(const ChannelConfig *c, const Notification *const *list, size_t n, ChannelRequest *req) {
        size_t size = CHANNEL_BODY_MAX * (n > 1 ? 4 : 1);
        _cleanup_free_ char *url = NULL;
        size_t l = strlen(c->url);
        int len;

        req->body = malloc(size);
        if (!req->body)
                return -ENOMEM;
        len = alertmanager_render(list, n, req->body, size);
        if (len < 0)
                return len;
        req->body_len = (size_t) len;
        if (asprintf(&url, "%.*s/api/v2/alerts", (int) (l > 0 && c->url[l - 1] == '/' ? l - 1 : l), c->url) < 0)
                return -ENOMEM;
        if (sym_curl_easy_setopt(req->easy, CURLOPT_URL, url) != CURLE_OK) /* libcurl copies it */
                return -EINVAL;
        return channel_request_post(c, req, "application/json");
}

static int alertmanager_prepare(const ChannelConfig *c, const Notification *n, ChannelRequest *req) {
        return post(c, &n, 1, req);
}

static int alertmanager_parse_key(ChannelConfig *c, const char *key, const char *value, char **error) {
        /* resend_interval is its one key of its own. */
        return channel_parse_duration(key, value, &am_options(c)->resend_interval, error);
}

static int alertmanager_verify(ChannelConfig *c, char **error) {
        (void) am_options(c); /* the default resend_interval */
        if (!url_is_http(c->url))
                return option_error(error, "invalid url '%s' for type alertmanager: expected http(s)://HOST:PORT",
                                    c->url);
        return 0;
}

static usec_t alertmanager_refresh_interval(const ChannelConfig *c) {
        const AlertmanagerOptions *o = c->options;

        return o ? o->resend_interval : USEC_PER_MINUTE;
}

static void *alertmanager_copy_options(const void *options) {
        AlertmanagerOptions *o = malloc(sizeof(*o));

        if (!o)
                abort(); /* like xstrdup(): configuration is small */
        *o = *(const AlertmanagerOptions *) options;
        return o;
}

const ChannelType channel_alertmanager = {
        .name = "alertmanager",
        .keys = (const char *const[]) { "header", "header_file", "username", "password", "password_file",
                                        "resend_interval", NULL },
        .parse_key = alertmanager_parse_key,
        .verify = alertmanager_verify,
        .copy_options = alertmanager_copy_options,
        .free_options = free,
        .prepare = alertmanager_prepare,
        .judge = channel_judge_http,
        .prepare_refresh = post,
        .refresh_interval = alertmanager_refresh_interval,
};
