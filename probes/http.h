/* http.h: the "http" probe's options (see http.c).
 *
 * Keys: url (required, http:// or https://), method (GET or POST, default
 * GET), body_file (POST only: the request body, read at each run, at most
 * HTTP_BODY_MAX bytes: rspamd's /checkv2 scans the GTUBE message),
 * expect_status (default 200-299), expect_body (POSIX extended regex over
 * the first HTTP_BODY_MAX bytes), tls_verify (default yes), unix_socket (optional path
 * to connect to instead of the URL's host); for https: ca_file (a CA bundle
 * to trust instead of the system's) and cert_warn_days (default 14, 0: no
 * warning; judged only with tls_verify = yes).
 */
#pragma once

#include <regex.h>

#include "probes/http-parse.h"
#include "probes/probe.h"

#define HTTP_BODY_MAX (64U * 1024U)

typedef struct HttpOptions {
        char *url;
        bool post;              /* method = POST */
        char *body_file;
        HttpStatusSet expect_status;
        bool expect_status_given;
        char *expect_body;
        regex_t body_re;
        bool body_re_compiled;
        bool tls_verify_set, tls_verify;
        char *unix_socket;
        char *ca_file;
        uint64_t cert_warn_days;
        bool cert_warn_days_set;
} HttpOptions;

/* The ProbeType configuration hooks, in http-options.c. */
int http_parse_key(ProbeConfig *c, const char *key, const char *value, char **error);
int http_verify(ProbeConfig *c, char **error);
void http_free_options(ProbeConfig *c);
int http_check_access(const void *options, char *buf, size_t size);

/* The request body of a POST from body_file, malloc'd into *ret (*ret_len
 * bytes), or -errno with the reason in reason. */
int http_read_body_file(const char *path, char **ret, size_t *ret_len, char *reason, size_t size);
