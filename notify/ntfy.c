/* ntfy.c: the "ntfy" channel: a push notification to a phone, through ntfy.
 *
 * ntfy (ntfy.sh, or the server a self-hoster runs) turns one HTTP POST to
 * https://HOST/TOPIC into a notification on every phone subscribed to the
 * topic: the body is the message, and the Title, Priority and Tags
 * headers shape it. So a page reaches someone even when mail is what broke.
 * What a real ntfy server takes, and so what is sent: a topic of 1 to 64
 * letters, digits, '-' or '_' (checked at config time); Priority 1 to 5
 * (info and resolved 3, warning 4, critical 5); Tags, comma-separated
 * (an emoji's name first, then the kind); a title in RFC 2047 words when
 * it is not plain ASCII; a body of valid UTF-8 under 4096 bytes (beyond
 * that ntfy would make it an attachment). A protected topic takes a bearer
 * token (token_file, a secret file: "tk_...") or username and password.
 * Any 2xx means delivered.
 *
 * See also: channel.h, tests/test-notify-ntfy.c, tests/ntfy-receiver.py.
 */

#include "common/dl-openssl.h"
#include "common/options.h"
#include "common/url.h"
#include "notify/channel.h"

#define NTFY_MESSAGE_MAX 4096           /* a real ntfy's message limit, in bytes */
#define NTFY_TOPIC_MAX 64

static bool topic_valid(const char *t) {
        size_t n = strlen(t);

        return n >= 1 && n <= NTFY_TOPIC_MAX &&
               strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static int ntfy_verify(ChannelConfig *c, char **error) {
        _cleanup_free_ char *scheme = NULL, *path = NULL;

        if (!url_is_http(c->url) || url_split(c->url, &scheme, NULL, &path) < 0 || path[0] != '/' ||
            !topic_valid(path + 1))
                return option_error(error, "invalid url '%s' for type ntfy: expected https://HOST/TOPIC, TOPIC "
                                    "1 to %d letters, digits, '-' or '_'", c->url, NTFY_TOPIC_MAX);
        return 0;
}

/* How loud the phone is: ntfy's 3 (default), 4 (high), 5 (max). */
static int priority(const Notification *n) {
        if (n->phase == NOTIFY_RESOLVED)
                return 3;
        return n->severity == SEVERITY_CRITICAL ? 5 : n->severity == SEVERITY_WARNING ? 4 : 3;
}

/* The first tag is an emoji's short name, which ntfy shows as the emoji. */
static const char *emoji(const Notification *n) {
        if (n->phase == NOTIFY_RESOLVED)
                return "white_check_mark";
        return n->severity == SEVERITY_CRITICAL ? "rotating_light" : n->severity == SEVERITY_WARNING ? "warning"
                                                                                                   : "information_source";
}

/* "Title: ..." as a header line: plain ASCII as is, else one RFC 2047 word. */
static int title_header(const Notification *n, char *buf, size_t size) {
        char raw[400], title[400];
        char b64[4 * sizeof(title) / 3 + 4];
        bool ascii = true;

        notification_subject(n, raw, sizeof(raw));
        utf8_sanitize(title, sizeof(title), raw);
        for (const char *p = title; *p && ascii; p++)
                ascii = *p >= 0x20 && *p < 0x7f;
        if (ascii)
                return snprintf(buf, size, "Title: %s", title) < (int) size ? 0 : -ENOBUFS;
        if (base64_encode(b64, title, strlen(title)) < 0)
                return snprintf(buf, size, "Title: mailsup") < (int) size ? 0 : -ENOBUFS; /* no OpenSSL: said in the log */
        return snprintf(buf, size, "Title: =?UTF-8?B?%s?=", b64) < (int) size ? 0 : -ENOBUFS;
}

/* The message: the reason, then where it comes from. Bounded and UTF-8. */
static int render(const Notification *n, char *buf, size_t size) {
        char reason[sizeof(n->reason)], body[NTFY_MESSAGE_MAX];
        int len;

        utf8_sanitize(reason, sizeof(reason), n->reason[0] ? n->reason : "(no reason given)");
        len = snprintf(body, sizeof(body), "%s\n\ncheck: %s\nunit: %s\nstate: %s\nhost: %s\nkind: %s (%s)\nid: %s",
                       reason, n->check[0] ? n->check : "-", n->unit[0] ? n->unit : "-", n->state[0] ? n->state : "-",
                       n->host, n->kind, notify_phase_to_string(n->phase), n->id);
        if (len < 0 || (size_t) len >= sizeof(body))
                return -ENOBUFS;
        utf8_sanitize(buf, size, body); /* host and check are the notifier's, but a kind from a file is not */
        return (int) strlen(buf);
}

static int ntfy_prepare(const ChannelConfig *c, const Notification *n, ChannelRequest *req) {
        char line[sizeof(n->kind) + 600];
        int len, r;

        req->body = malloc(NTFY_MESSAGE_MAX);
        if (!req->body)
                return -ENOMEM;
        len = render(n, req->body, NTFY_MESSAGE_MAX);
        if (len < 0)
                return len;
        req->body_len = (size_t) len;
        r = title_header(n, line, sizeof(line));
        if (r >= 0)
                r = channel_request_header(req, line);
        snprintf(line, sizeof(line), "Priority: %d", priority(n));
        if (r >= 0)
                r = channel_request_header(req, line);
        /* A kind is letters, digits and '-': a tag as it is. */
        snprintf(line, sizeof(line), "Tags: %s,%s", emoji(n), n->kind);
        if (r >= 0)
                r = channel_request_header(req, line);
        return r < 0 ? r : channel_request_post(c, req, "text/plain; charset=utf-8");
}

const ChannelType channel_ntfy = {
        .name = "ntfy",
        .keys = (const char *const[]) { "token_file", "username", "password", "password_file", NULL },
        .verify = ntfy_verify,
        .prepare = ntfy_prepare,
        .judge = channel_judge_http,
};
