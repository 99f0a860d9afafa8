/* heartbeat.c: the per-cycle ping (see heartbeat.h). */
#include "notify/heartbeat.h"

#include <inttypes.h>

#include "common/curl-easy.h"
#include "common/curl-event.h"
#include "common/log.h"
#include "common/url.h"

struct Heartbeat {
        char *url;
        HeartbeatMethod method;
        bool report_failures, send_start;
        usec_t timeout;
        CurlEvent *curl;
        CURL *easy;                     /* the ping in flight, or NULL */
        char body[HEARTBEAT_BODY_MAX + 1];
        char errbuf[CURL_ERROR_SIZE];
        EasyHeaders headers;            /* the ping's response headers, bounded */
        HeartbeatStats stats;
};

int heartbeat_method_from_string(const char *s, HeartbeatMethod *ret) {
        if (streq(s, "post"))
                *ret = HEARTBEAT_POST;
        else if (streq(s, "get"))
                *ret = HEARTBEAT_GET;
        else
                return -EINVAL;
        return 0;
}

static void fail(Heartbeat *hb, const char *what) {
        hb->stats.failed++;
        hb->stats.last_result = -1;
        sanitize_line(hb->stats.last_error, sizeof(hb->stats.last_error), what, strlen(what));
}

static void ping_free(Heartbeat *hb) {
        if (!hb->easy)
                return;
        curl_event_remove(hb->curl, hb->easy);
        sym_curl_easy_cleanup(hb->easy);
        hb->easy = NULL;
}

static void on_done(CurlEvent *ce, CURL *easy, CURLcode result, void *userdata) {
        Heartbeat *hb = userdata;
        char status[32];
        long code = 0;

        (void) sym_curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
        if (result != CURLE_OK)
                fail(hb, hb->headers.refused[0] ? hb->headers.refused
                         : hb->errbuf[0] ? hb->errbuf : sym_curl_easy_strerror(result));
        else if (code < 200 || code > 299) {
                snprintf(status, sizeof(status), "status %ld", code);
                fail(hb, status);
        } else {
                hb->stats.ok++;
                hb->stats.last_result = 1;
                hb->stats.last_ok = now_usec(CLOCK_REALTIME);
        }
        log_debug("heartbeat: ping done, %s", hb->stats.last_result > 0 ? "ok" : hb->stats.last_error);
        ping_free(hb);
}

int heartbeat_new(sd_event *e, const HeartbeatConfig *c, Heartbeat **ret) {
        Heartbeat *hb;
        int r;

        if (!url_is_http(c->url))
                return -EINVAL;
        r = dl_curl();
        if (r < 0)
                return r;
        hb = calloc(1, sizeof(*hb));
        if (!hb)
                return -ENOMEM;
        hb->url = xstrdup(c->url);
        hb->method = c->method;
        hb->report_failures = c->report_failures;
        hb->send_start = c->send_start;
        hb->timeout = c->timeout ? c->timeout : 10 * USEC_PER_SEC;
        r = curl_event_new(e, on_done, hb, &hb->curl);
        if (r < 0) {
                heartbeat_free(hb);
                return r;
        }
        *ret = hb;
        return 0;
}

Heartbeat *heartbeat_free(Heartbeat *hb) {
        if (!hb)
                return NULL;
        ping_free(hb);
        curl_event_free(hb->curl);
        free(hb->url);
        free(hb);
        return NULL;
}

const HeartbeatStats *heartbeat_stats(const Heartbeat *hb) {
        return &hb->stats;
}

static int query_url(const Heartbeat *hb, bool up, const char *summary, usec_t d, char **ret) {
        char msg[200];
        char *esc;
        int r;

        /* The first line only: push monitors show one short message. */
        snprintf(msg, sizeof(msg), "%.*s", (int) strcspn(summary ? summary : "", "\n"), summary ? summary : "");
        esc = sym_curl_easy_escape(NULL, msg[0] ? msg : (up ? "OK" : "failing"), 0);
        if (!esc)
                return -ENOMEM;
        r = asprintf(ret, "%s%cstatus=%s&msg=%s&ping=%" PRIu64, hb->url, strchr(hb->url, '?') ? '&' : '?',
                     up ? "up" : "down", esc, d / USEC_PER_MSEC);
        sym_curl_free(esc);
        return r < 0 ? -ENOMEM : 0;
}

int heartbeat_url(const Heartbeat *hb, HeartbeatKind kind, const char *summary, usec_t d, char **ret) {
        size_t l = strlen(hb->url);
        bool slash = l > 0 && hb->url[l - 1] == '/';
        const char *suffix = kind == HEARTBEAT_START ? "start" :
                             kind == HEARTBEAT_FAIL && hb->report_failures ? "fail" : NULL;

        if (hb->method == HEARTBEAT_GET)
                return query_url(hb, kind != HEARTBEAT_FAIL || !hb->report_failures, summary, d, ret);
        if (!suffix)
                *ret = strdup(hb->url);
        else if (asprintf(ret, "%.*s/%s", (int) (slash ? l - 1 : l), hb->url, suffix) < 0)
                *ret = NULL;
        return *ret ? 0 : -ENOMEM;
}

static int setup(Heartbeat *hb, const char *url, bool post) {
        CURL *e = hb->easy;

        if (easy_setup(e, &(EasySetup) { .url = url, .protocols = "http,https", .timeout = hb->timeout,
                                         .errbuf = hb->errbuf, .headers = &hb->headers }) < 0)
                return -EINVAL;
        if (post && (sym_curl_easy_setopt(e, CURLOPT_POSTFIELDS, hb->body) != CURLE_OK ||
                     sym_curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(hb->body)) != CURLE_OK))
                return -EINVAL;
        return 0;
}

int heartbeat_ping(Heartbeat *hb, HeartbeatKind kind, const char *summary, usec_t cycle_duration) {
        _cleanup_free_ char *url = NULL;
        int r;

        if (kind == HEARTBEAT_START && !hb->send_start)
                return 0;
        if (hb->easy) {
                ping_free(hb);
                fail(hb, "no answer before the next ping");
        }
        r = heartbeat_url(hb, kind, summary, cycle_duration, &url);
        if (r < 0)
                return r;
        /* Bounded body; libcurl reads it from hb->body, which lives as long as the ping. */
        snprintf(hb->body, sizeof(hb->body), "%s", summary ? summary : "");
        hb->errbuf[0] = '\0';
        hb->easy = sym_curl_easy_init();
        r = hb->easy ? setup(hb, url, hb->method == HEARTBEAT_POST) : -ENOMEM;
        if (r >= 0)
                r = curl_event_add(hb->curl, hb->easy);
        if (r < 0) {
                ping_free(hb);
                fail(hb, "cannot start the ping");
                return r;
        }
        hb->stats.sent++;
        return 1;
}
