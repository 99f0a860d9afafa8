/* dl-curl.h: libcurl, loaded on first use (dlopen.h). Call dl_curl()
 * before the first sym_curl_*() of a code path: url_split(), a channel's
 * request, the heartbeat, the http probe, curl_event_new(). */
#pragma once

#include <curl/curl.h>

#include "common/dlopen.h"

#define DL_CURL_SYMS(X)                                                                       \
        X(curl_easy_cleanup) X(curl_easy_escape) X(curl_easy_getinfo) X(curl_easy_init)      \
        X(curl_easy_setopt) X(curl_easy_strerror) X(curl_free) X(curl_multi_add_handle)      \
        X(curl_multi_assign) X(curl_multi_cleanup) X(curl_multi_info_read) X(curl_multi_init) \
        X(curl_multi_remove_handle) X(curl_multi_setopt) X(curl_multi_socket_action)         \
        X(curl_slist_append) X(curl_slist_free_all) X(curl_url) X(curl_url_cleanup)          \
        X(curl_url_get) X(curl_url_set)

DL_CURL_SYMS(DLSYM_EXTERN)

int dl_curl(void);
