/* webhook.c: the "webhook" channel: one JSON object POSTed per notification.
 *
 * The body (version 1), every string escaped by notify-json.c:
 *
 *   {"version":1,"id":"<32 hex, stable across retries and channels>",
 *    "kind":"check-disabled","severity":"critical","phase":"event|firing|resolved",
 *    "reminder":false,"check":"postfix","unit":"postfix.service","host":"mx1",
 *    "state":"disabled","reason":"...","time":"2024-05-01T12:00:00.000Z",
 *    "time_usec":1714564800000000,"since":"<RFC 3339: the condition's start>"}
 *
 * check, unit, state and reason are left out when empty. Any 2xx answer
 * means delivered; anything else is retried, so receivers should
 * deduplicate on "id" (delivery is at-least-once). `header = Name: value`
 * lines (or header_file) carry tokens.
 *
 * See also: channel.h, notifier.h, tests/webhook-receiver.py.
 */
#include "common/json.h"
#include "common/options.h"
#include "common/url.h"
#include "notify/channel.h"

int webhook_render(const Notification *n, char *buf, size_t size) {
        char t[40], since[40];
        JsonWriter w;

        json_init(&w, buf, size);
        json_open(&w, '{');
        json_member_uint(&w, "version", 1);
        json_member_string(&w, "id", n->id);
        json_member_string(&w, "kind", n->kind);
        json_member_string(&w, "severity", severity_to_string(n->severity));
        json_member_string(&w, "phase", notify_phase_to_string(n->phase));
        json_key(&w, "reminder");
        json_bool(&w, n->reminder);
        json_member_string(&w, "check", n->check);
        json_member_string(&w, "unit", n->unit);
        json_member_string(&w, "host", n->host);
        json_member_string(&w, "state", n->state);
        json_member_string(&w, "reason", n->reason);
        json_member_string(&w, "time", json_format_time(t, sizeof(t), n->time));
        json_member_uint(&w, "time_usec", n->time);
        json_member_string(&w, "since", json_format_time(since, sizeof(since), n->since ? n->since : n->time));
        json_close(&w, '}');
        return json_finish(&w);
}

static int webhook_prepare(const ChannelConfig *c, const Notification *n, ChannelRequest *req) {
        int len;

        req->body = malloc(CHANNEL_BODY_MAX);
        if (!req->body)
                return -ENOMEM;
        len = webhook_render(n, req->body, CHANNEL_BODY_MAX);
        if (len < 0)
                return len;
        req->body_len = (size_t) len;
        return channel_request_post(c, req, "application/json");
}

static int webhook_verify(ChannelConfig *c, char **error) {
        if (!url_is_http(c->url))
                return option_error(error, "invalid url '%s' for type webhook: expected http:// or https://", c->url);
        return 0;
}

const ChannelType channel_webhook = {
        .name = "webhook",
        .keys = (const char *const[]) { "header", "header_file", "username", "password", "password_file", NULL },
        .verify = webhook_verify,
        .prepare = webhook_prepare,
        .judge = channel_judge_http,
};
