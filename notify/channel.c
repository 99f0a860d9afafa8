/* channel.c: the channel registry and what every delivery request shares.
 *
 * Each attempt is one easy handle with a hard timeout, no signals, no proxy
 * taken from the environment, no redirects, sockets close-on-exec and
 * non-blocking, and its own buffers (ChannelRequest) so nothing it points to
 * can go away under libcurl. CURLcode becomes -errno here, at the boundary.
 *
 * See also: channel.h, webhook.c, alertmanager.c, smtp-relay.c.
 */
#include "notify/channel.h"

#include <sys/socket.h>

static const ChannelType *const channel_types[] = { &channel_webhook, &channel_alertmanager, &channel_smtp };

const ChannelType *channel_type_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(channel_types); i++)
                if (streq(channel_types[i]->name, name))
                        return channel_types[i];
        return NULL;
}

static curl_socket_t on_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a) {
        int fd = socket(a->family, a->socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->protocol);

        return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* A receiver's answer is not read, only its status: discard (bounded: nothing kept). */
static size_t on_discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
        return size * nmemb;
}

int channel_request_new(const ChannelConfig *c, ChannelRequest **ret) {
        long ms = (long) (c->timeout / USEC_PER_MSEC);
        ChannelRequest *req = calloc(1, sizeof(*req));
        CURL *e;

        if (!req)
                return -ENOMEM;
        e = req->easy = curl_easy_init();
        if (!e ||
            curl_easy_setopt(e, CURLOPT_URL, c->url) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->errbuf) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_opensocket) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_discard) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_USERAGENT, "mailsup/" MAILSUP_VERSION) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L) != CURLE_OK ||
            (c->ca_file && curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file) != CURLE_OK)) {
                channel_request_free(req);
                return -ENOMEM;
        }
        *ret = req;
        return 0;
}

ChannelRequest *channel_request_free(ChannelRequest *req) {
        if (!req)
                return NULL;
        if (req->easy)
                curl_easy_cleanup(req->easy);
        curl_slist_free_all(req->headers);
        curl_slist_free_all(req->recipients);
        free(req->body);
        free(req);
        return NULL;
}

static int add_header(ChannelRequest *req, const char *h) {
        struct curl_slist *l = curl_slist_append(req->headers, h);

        if (!l)
                return -ENOMEM;
        req->headers = l;
        return 0;
}

int channel_request_post_json(const ChannelConfig *c, ChannelRequest *req) {
        CURL *e = req->easy;
        int r = add_header(req, "Content-Type: application/json");

        for (size_t i = 0; r >= 0 && i < c->n_headers; i++)
                r = add_header(req, c->headers[i]);
        if (r < 0)
                return r;
        if (curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len) != CURLE_OK)
                return -EINVAL;
        if (c->username && (curl_easy_setopt(e, CURLOPT_USERNAME, c->username) != CURLE_OK ||
                            curl_easy_setopt(e, CURLOPT_PASSWORD, c->password ? c->password : "") != CURLE_OK))
                return -EINVAL;
        return 0;
}

int channel_curl_error(ChannelRequest *req, CURLcode result, char *reason, size_t size) {
        snprintf(reason, size, "%s", req->errbuf[0] ? req->errbuf : curl_easy_strerror(result));
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
        (void) curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
        snprintf(reason, size, "status %ld", code);
        return code >= 200 && code <= 299 ? 0 : -EPROTO;
}
