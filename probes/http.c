/* http.c: the "http" probe: one GET or POST, judged on status code and body.
 *
 * For rspamd's controller, a webmail, an autoconfig endpoint: a process can
 * hold its port and still answer 502, or an error page instead of the
 * expected text, or a spam filter whose /ping says pong while its scanner
 * is broken (the default rspamd check POSTs GTUBE to /checkv2 and wants
 * "action": "reject"). libcurl does the HTTP and TLS on the shared loop through
 * curl-event.c. Each run has its own multi handle and so a fresh connection:
 * a reused one would hide a server that no longer accepts (and the cost, one
 * handle per check per cycle, is nothing). No proxy from the environment, no
 * redirects (a 3xx is judged by expect_status), no decompression, and at
 * most HTTP_BODY_MAX bytes of body are kept: beyond that the transfer is cut
 * and judged on what was read, however many callbacks brought them. Header
 * lines are bounded by count and bytes, 1xx responses and trailers too
 * (Debian's curl 7.88 caps headers at 300 KiB in all, trailers not at
 * all): past a bound the transfer is cut, PROBE_OVERLONG. Reasons name
 * the phase: "connect failed: Connection refused", "TLS: ...", "timeout
 * after 10s waiting for response", "status 503", "body does not match
 * 'pong'", "response of more than 100 header lines". An https check with
 * tls_verify also judges the leaf certificate's expiry (cert.h) from curl's
 * CERTINFO: "certificate expires in 5 days (2026-11-29)" is a warning; an
 * expired, untrusted or wrong-name certificate fails the handshake, "TLS:
 * SSL certificate problem: certificate has expired".
 *
 * See also: curl-event.c, http-parse.c, http-options.c.
 */
#include "probes/http.h"

#include <sys/socket.h>

#include "common/curl-easy.h"
#include "common/curl-event.h"
#include "probes/cert.h"

typedef struct Http {
        Probe *probe;
        CurlEvent *ce;
        CURL *easy;
        int fd;                 /* curl's socket, -1 when none: connected means a peer name */
        char errbuf[CURL_ERROR_SIZE];
        size_t body_len;
        bool truncated;
        EasyHeaders headers;    /* counted and bounded by easy_setup()'s callback */
        char *request;          /* a POST's body */
        size_t request_len;
        char body[HTTP_BODY_MAX + 1];
} Http;

static void http_stop(Probe *p) {
        Http *h = p->data;

        if (!h)
                return;
        curl_event_remove(h->ce, h->easy);
        if (h->easy)
                sym_curl_easy_cleanup(h->easy);
        h->ce = curl_event_free(h->ce);
        free(h->request);
        free(h);
        p->data = NULL;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Http *h = userdata;
        size_t n = size * nmemb, room = HTTP_BODY_MAX - h->body_len;

        if (n > room) {
                /* Bounded: keep what fits and stop the transfer (CURLE_WRITE_ERROR). */
                memcpy(h->body + h->body_len, ptr, room);
                h->body_len += room;
                h->truncated = true;
                return 0;
        }
        memcpy(h->body + h->body_len, ptr, n);
        h->body_len += n;
        return n;
}

/* Every socket curl opens: close-on-exec and non-blocking from the start. */
static curl_socket_t on_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a) {
        Http *h = clientp;
        int fd = socket(a->family, a->socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->protocol);

        if (fd < 0)
                return CURL_SOCKET_BAD;
        h->fd = fd;
        return fd;
}

static int on_closesocket(void *clientp, curl_socket_t fd) {
        Http *h = clientp;

        if (h->fd == fd)
                h->fd = -1;
        return close(fd);
}

/* curl 7.88 sets CONNECT_TIME only once TLS is up too: ask the socket. */
static bool tcp_connected(const Http *h) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);

        return h->fd >= 0 && getpeername(h->fd, (struct sockaddr *) &ss, &len) == 0;
}

static bool is_tls_error(CURLcode c) {
        switch (c) {
        case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER: case CURLE_SSL_CACERT_BADFILE: case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS: case CURLE_SSL_CRL_BADFILE:
        case CURLE_USE_SSL_FAILED: case CURLE_SSL_ENGINE_INITFAILED: case CURLE_SSL_CLIENTCERT:
                return true;
        default:
                return false;
        }
}

/* A transfer that did not complete: name the phase it failed in. */
static void http_fail(Http *h, CURLcode c) {
        const char *msg = h->errbuf[0] ? h->errbuf : sym_curl_easy_strerror(c);
        long os_errno = 0;

        (void) sym_curl_easy_getinfo(h->easy, CURLINFO_OS_ERRNO, &os_errno);
        if (c == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED)
                probe_finish(h->probe, PROBE_CONNECT_REFUSED, "connect failed: connection refused");
        else if (c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST)
                probe_finish(h->probe, PROBE_CONNECT_ERROR, "connect failed: %s",
                             os_errno > 0 ? strerror((int) os_errno) : msg);
        else if (is_tls_error(c))
                probe_finish(h->probe, PROBE_CONNECT_ERROR, "TLS: %s", msg);
        else if (c == CURLE_GOT_NOTHING || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
                 c == CURLE_PARTIAL_FILE)
                probe_finish(h->probe, PROBE_CLOSED, "connection closed: %s", msg);
        else if (c == CURLE_OUT_OF_MEMORY) /* what 7.88 says for a header over its 100 KiB limit */
                probe_finish(h->probe, PROBE_OVERLONG, "response header over curl's limit, or out of memory");
        else if (c == CURLE_OPERATION_TIMEDOUT)
                probe_finish(h->probe, PROBE_TIMEOUT, "timeout: %s", msg);
        else
                probe_finish(h->probe, PROBE_PROTOCOL_ERROR, "malformed response: %s", msg);
}

static bool is_https(const HttpOptions *o) {
        return strncasecmp(o->url, "https:", 6) == 0;
}

/* The leaf's "Expire date:" from curl's CERTINFO; 0 when curl has none. */
static usec_t leaf_not_after(Http *h) {
        struct curl_certinfo *ci = NULL;
        usec_t t;

        if (sym_curl_easy_getinfo(h->easy, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
                return 0;
        for (const struct curl_slist *l = ci->certinfo[0]; l; l = l->next)
                if (strncmp(l->data, "Expire date:", 12) == 0 && cert_parse_expire_date(l->data + 12, &t) >= 0)
                        return t;
        return 0;
}

/* The response was as expected; a certificate about to expire still warns. */
static void http_judge_cert(Http *h, const HttpOptions *o, long code) {
        char reason[PROBE_REASON_MAX] = "";
        ProbeSeverity sev = PROBE_SEVERITY_NONE;
        usec_t not_after = 0;

        if (is_https(o) && o->tls_verify)
                not_after = leaf_not_after(h);
        if (not_after > 0) {
                cert_add_value(h->probe, not_after);
                sev = cert_judge_expiry(not_after, now_usec(CLOCK_REALTIME), (unsigned) o->cert_warn_days,
                                        reason, sizeof(reason));
        }
        if (sev != PROBE_SEVERITY_NONE)
                probe_finish_threshold(h->probe, sev, "status %ld, %s", code, reason);
        else
                probe_finish(h->probe, PROBE_OK, "status %ld%s%s%s", code,
                             o->body_re_compiled ? ", body matches" : "", reason[0] ? ", " : "", reason);
}

static void http_judge(Http *h) {
        const HttpOptions *o = h->probe->config->options;
        long code = 0;
        char snippet[64];

        (void) sym_curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
        if (!http_status_set_contains(&o->expect_status, code)) {
                probe_finish(h->probe, PROBE_BAD_REPLY, "status %ld", code);
                return;
        }
        h->body[h->body_len] = '\0'; /* regexec stops at the first NUL of a binary body */
        if (o->body_re_compiled && regexec(&o->body_re, h->body, 0, NULL, 0) != 0) {
                char got[96];

                /* What came instead: rspamd's verdict is in its first bytes. */
                sanitize_line(snippet, sizeof(snippet), o->expect_body, strlen(o->expect_body));
                sanitize_line(got, sizeof(got), h->body, h->body_len);
                probe_finish(h->probe, PROBE_BAD_REPLY, "body does not match '%s'%s: \"%s\"", snippet,
                             h->truncated ? " in its first 64 KiB" : "", got);
                return;
        }
        http_judge_cert(h, o, code);
}

static void on_done(CurlEvent *ce, CURL *easy, CURLcode result, void *userdata) {
        Http *h = userdata;

        if (h->headers.refused[0])
                probe_finish(h->probe, PROBE_OVERLONG, "%s", h->headers.refused);
        else if (result == CURLE_OK || (result == CURLE_WRITE_ERROR && h->truncated))
                http_judge(h);
        else
                http_fail(h, result);
}

static int http_setup(Http *h, const HttpOptions *o, usec_t timeout) {
        /* A margin past the probe's own deadline, so probe.c's wording
         * (describe_timeout) wins and curl's limits are only a backstop. */
        EasySetup setup = { .url = o->url, .protocols = "http,https", .timeout = timeout + USEC_PER_SEC,
                            .errbuf = h->errbuf, .ca_file = o->ca_file, .write = on_body, .write_data = h,
                            .opensocket = on_opensocket, .opensocket_data = h, .headers = &h->headers };
        CURL *e = h->easy;

        if (easy_setup(e, &setup) < 0 ||
            sym_curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_MAXREDIRS, 0L) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h) != CURLE_OK)
                return -EINVAL;
        if (!o->tls_verify && (sym_curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK ||
                               sym_curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK))
                return -EINVAL;
        if (o->unix_socket && sym_curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, o->unix_socket) != CURLE_OK)
                return -EINVAL;
        if (is_https(o) && sym_curl_easy_setopt(e, CURLOPT_CERTINFO, 1L) != CURLE_OK)
                return -EINVAL;
        if (h->request && (sym_curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long) h->request_len) != CURLE_OK ||
                           sym_curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->request) != CURLE_OK))
                return -EINVAL;
        return 0;
}

static int http_start(Probe *p) {
        const HttpOptions *o = p->config->options;
        Http *h;
        int r;

        if (!o || !o->url) {
                probe_finish(p, PROBE_INTERNAL_ERROR, "no url configured");
                return 0;
        }
        if (dl_curl() < 0) {
                probe_finish(p, PROBE_INTERNAL_ERROR, "libcurl cannot be loaded (see the log)");
                return 0;
        }
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->probe = p;
        h->fd = -1;
        p->data = h;
        if (o->post) {
                char reason[PROBE_REASON_MAX];

                /* Read at each run: a body replaced on disk is the next run's. */
                r = http_read_body_file(o->body_file, &h->request, &h->request_len, reason, sizeof(reason));
                if (r == -ENOMEM) {
                        http_stop(p);
                        return r;
                }
                if (r < 0) {
                        probe_finish(p, PROBE_INTERNAL_ERROR, "%s", reason);
                        return 0;
                }
        }
        h->easy = sym_curl_easy_init();
        r = h->easy ? curl_event_new(p->event, on_done, h, &h->ce) : -ENOMEM;
        if (r >= 0)
                r = http_setup(h, o, p->config->timeout);
        if (r >= 0)
                r = curl_event_add(h->ce, h->easy);
        if (r < 0) {
                http_stop(p);
                return r;
        }
        return 0;
}

static void http_describe_timeout(Probe *p, ProbeStatus *status, char *reason, size_t size) {
        Http *h = p->data;
        const HttpOptions *o = p->config->options;
        curl_off_t tls = 0;
        char buf[32];
        bool https = is_https(o);

        if (!h)
                return;
        format_duration(buf, sizeof(buf), p->config->timeout);
        (void) sym_curl_easy_getinfo(h->easy, CURLINFO_APPCONNECT_TIME_T, &tls);
        if (!tcp_connected(h)) {
                *status = PROBE_CONNECT_TIMEOUT;
                snprintf(reason, size, "connect failed: no connection within %s", buf);
        } else if (https && tls == 0)
                snprintf(reason, size, "TLS: timeout after %s in the handshake", buf);
        else
                snprintf(reason, size, "timeout after %s waiting for response", buf);
}

const ProbeType probe_type_http = {
        .name = "http",
        .needs_port = false,
        .start = http_start,
        .stop = http_stop,
        .describe_timeout = http_describe_timeout,
        .keys = (const char *const[]) { "url", "method", "body_file", "expect_status", "expect_body", "tls_verify",
                                        "unix_socket", "ca_file", "cert_warn_days", NULL },
        .parse_key = http_parse_key,
        .verify = http_verify,
        .free_options = http_free_options,
        .check_access = http_check_access,
};
