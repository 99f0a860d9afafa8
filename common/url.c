/* url.c: URL checks through libcurl's own parser (see url.h). */
#include "common/url.h"

#include "common/dl-curl.h"

int url_split(const char *url, char **ret_scheme, char **ret_host, char **ret_path) {
        char *scheme = NULL, *host = NULL, *path = NULL;
        int r = dl_curl();
        CURLU *u;

        if (r < 0)
                return r;
        u = sym_curl_url();
        if (!u)
                abort(); /* like xstrdup(): configuration is small */
        if (sym_curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            sym_curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            sym_curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
            sym_curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
                r = -EINVAL;
        if (r >= 0 && ret_scheme)
                *ret_scheme = xstrdup(scheme);
        if (r >= 0 && ret_host)
                *ret_host = xstrdup(host);
        if (r >= 0 && ret_path)
                *ret_path = xstrdup(path);
        sym_curl_free(scheme);
        sym_curl_free(host);
        sym_curl_free(path);
        sym_curl_url_cleanup(u);
        return r;
}

bool url_is_http(const char *url) {
        _cleanup_free_ char *scheme = NULL;

        return url && !strpbrk(url, " \t\r\n") && url_split(url, &scheme, NULL, NULL) >= 0 &&
               (streq(scheme, "http") || streq(scheme, "https"));
}
