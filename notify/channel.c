/* channel.c: the channel registry and what every delivery request shares.
 *
 * Each attempt is one easy handle set up by common/curl-easy.c (a hard
 * timeout, no signals, no proxy from the environment, sockets close-on-exec
 * and non-blocking, the answer discarded), no redirects, and its own
 * buffers (ChannelRequest) so nothing it points to can go away under
 * libcurl. CURLcode becomes -errno here, at the boundary.
 *
 * See also: channel.h, channel-config.c, webhook.c, alertmanager.c,
 * smtp-relay.c.
 */
#include "notify/channel.h"

#include "common/curl-easy.h"

extern const ChannelType channel_ntfy;

/* The registry: one line per channel type. */
const ChannelType *const channel_types[] = {
        &channel_webhook,
        &channel_alertmanager,
        &channel_smtp,
        &channel_ntfy,
        NULL,
};

const ChannelType *channel_type_find(const char *name) {
        for (size_t i = 0; channel_types[i]; i++)
                if (streq(channel_types[i]->name, name))
                        return channel_types[i];
        return NULL;
}

int channel_request_new(const ChannelConfig *c, ChannelRequest **ret) {
        ChannelRequest *req;
        int r = dl_curl();

        if (r < 0)
                return r;
        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->easy = sym_curl_easy_init();
        if (!req->easy || easy_setup(req->easy, &(EasySetup) { .url = c->url, .timeout = c->timeout,
                                                              .errbuf = req->errbuf, .ca_file = c->ca_file,
                                                              .headers = &req->response_headers }) < 0) {
                channel_request_free(req);
                return -ENOMEM;
        }
        *ret = req;
        return 0;
}

ChannelRequest *channel_request_free(ChannelRequest *req) {
        if (!req)
                return NULL;
        sym_curl_easy_cleanup(req->easy); /* NULL-safe, like the slists */
        sym_curl_slist_free_all(req->headers);
        sym_curl_slist_free_all(req->recipients);
        free(req->body);
        free(req);
        return NULL;
}

int channel_request_header(ChannelRequest *req, const char *line) {
        struct curl_slist *l = sym_curl_slist_append(req->headers, line);

        if (!l)
                return -ENOMEM;
        req->headers = l;
        return 0;
}

int channel_request_login(const ChannelConfig *c, ChannelRequest *req) {
        if (c->username &&
            (sym_curl_easy_setopt(req->easy, CURLOPT_USERNAME, c->username) != CURLE_OK ||
             sym_curl_easy_setopt(req->easy, CURLOPT_PASSWORD, c->password ? c->password : "") != CURLE_OK))
                return -EINVAL;
        return 0;
}

int channel_request_post(const ChannelConfig *c, ChannelRequest *req, const char *content_type) {
        _cleanup_free_ char *type = NULL;
        CURL *e = req->easy;
        int r;

        if (asprintf(&type, "Content-Type: %s", content_type) < 0)
                return -ENOMEM;
        r = channel_request_header(req, type);
        for (size_t i = 0; r >= 0 && i < c->n_headers; i++)
                r = channel_request_header(req, c->headers[i]);
        if (r < 0)
                return r;
        if (sym_curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len) != CURLE_OK)
                return -EINVAL;
        return channel_request_login(c, req);
}

int channel_curl_error(ChannelRequest *req, CURLcode result, char *reason, size_t size) {
        const char *why = req->response_headers.refused[0] ? req->response_headers.refused
                          : req->errbuf[0] ? req->errbuf : sym_curl_easy_strerror(result);

        sanitize_line(reason, size, why, strlen(why)); /* libcurl may quote the receiver */
        switch (result) {
        case CURLE_OK:
                return 0;
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
                return -EHOSTUNREACH;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_LOGIN_DENIED:
                return -EACCES;
        default:
                return -EIO;
        }
}

int channel_judge_http(const ChannelConfig *c, ChannelRequest *req, CURLcode result, char *reason, size_t size) {
        long code = 0;

        if (result != CURLE_OK)
                return channel_curl_error(req, result, reason, size);
        (void) sym_curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
        snprintf(reason, size, "status %ld", code);
        return code >= 200 && code <= 299 ? 0 : -EPROTO;
}
