/* dl-mhd.h: libmicrohttpd, loaded on first use (dlopen.h): the metrics
 * endpoint's http_server_new() calls dl_mhd(). */
#pragma once

#include <microhttpd.h>

#include "common/dlopen.h"

#define DL_MHD_SYMS(X)                                                                        \
        X(MHD_add_response_header) X(MHD_create_response_from_buffer) X(MHD_destroy_response) \
        X(MHD_get_connection_info) X(MHD_get_daemon_info) X(MHD_get_timeout)                  \
        X(MHD_queue_response) X(MHD_run) X(MHD_start_daemon) X(MHD_stop_daemon)

DL_MHD_SYMS(DLSYM_EXTERN)

int dl_mhd(void);
