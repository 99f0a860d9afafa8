/* curl-easy.c: what every libcurl transfer of mailsup shares (see curl-easy.h). */
#include "common/curl-easy.h"

#include <sys/socket.h>

curl_socket_t easy_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a) {
        int fd = socket(a->family, a->socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->protocol);

        return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* An answer nobody reads is not kept: bounded by construction. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
        return size * nmemb;
}

/* Every header line of every response curl reads, counted; past a bound
 * the transfer is cut (CURLE_WRITE_ERROR) and refused names it. */
static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata) {
        EasyHeaders *h = userdata;
        size_t n = size * nitems;

        h->bytes += n;
        if (++h->lines > EASY_HEADER_LINES_MAX)
                snprintf(h->refused, sizeof(h->refused), "response of more than %u header lines",
                         EASY_HEADER_LINES_MAX);
        else if (h->bytes > EASY_HEADER_BYTES_MAX)
                snprintf(h->refused, sizeof(h->refused), "response headers of more than %u bytes",
                         EASY_HEADER_BYTES_MAX);
        else
                return n;
        return 0;
}

int easy_setup(CURL *e, const EasySetup *o) {
        long ms = (long) (o->timeout / USEC_PER_MSEC);

        if (!o->headers)
                return -EINVAL;
        *o->headers = (EasyHeaders) {};

        if (sym_curl_easy_setopt(e, CURLOPT_URL, o->url) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION,
                                 o->opensocket ? o->opensocket : easy_open_socket) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, o->opensocket_data) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, o->write ? o->write : discard) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_WRITEDATA, o->write_data) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_HEADERDATA, o->headers) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_USERAGENT, "mailsup/" MAILSUP_VERSION) != CURLE_OK ||
            /* A lookup still running at the deadline must not be joined: detach it. */
            sym_curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L) != CURLE_OK)
                return -EINVAL;
        if (o->errbuf && sym_curl_easy_setopt(e, CURLOPT_ERRORBUFFER, o->errbuf) != CURLE_OK)
                return -EINVAL;
        if (o->protocols && sym_curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, o->protocols) != CURLE_OK)
                return -EINVAL;
        if (o->ca_file && sym_curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file) != CURLE_OK)
                return -EINVAL;
        return 0;
}
