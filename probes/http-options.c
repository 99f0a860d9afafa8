/* http-options.c: the "http" probe's own keys (see http.h).
 *
 * Everything that can be wrong with them is found at config time, with
 * FILE:LINE: a URL curl would refuse or that is not http(s), an
 * expect_status that is not codes and ranges, a regex that does not
 * compile, a body_file without method = POST. The regex is compiled once
 * here, not per run; the body is read at each run (http.c), so a missing
 * one is that run's failure and --check-config's warning.
 *
 * See also: http.c, options.c, supervisor/config.c (when the hooks run).
 */
#include "probes/http.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/options.h"
#include "common/url.h"
#include "probes/cert.h"

static HttpOptions *http_options(ProbeConfig *c) {
        HttpOptions *o = option_get(&c->options, sizeof(HttpOptions));

        if (!o->tls_verify_set)
                o->tls_verify = true;
        return o;
}

/* http:// or https:// with a host, as curl itself parses it. */
static int check_url(const char *value, char **error) {
        if (!url_is_http(value))
                return option_error(error, "invalid url '%s': expected http://HOST[:PORT]/PATH or https://...",
                                    value);
        return 0;
}

static int set_body_regex(HttpOptions *o, const char *value, char **error) {
        char msg[128];
        int r;

        if (o->body_re_compiled) {
                regfree(&o->body_re);
                o->body_re_compiled = false;
        }
        r = regcomp(&o->body_re, value, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
                regerror(r, &o->body_re, msg, sizeof(msg));
                return option_error(error, "invalid regular expression '%s' for expect_body: %s", value, msg);
        }
        o->body_re_compiled = true;
        option_set_string(&o->expect_body, value);
        return 0;
}

int http_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        HttpOptions *o = http_options(c);
        int r;

        if (streq(key, "url")) {
                r = check_url(value, error);
                if (r < 0)
                        return r;
                option_set_string(&o->url, value);
        } else if (streq(key, "expect_status")) {
                if (http_status_set_parse(value, &o->expect_status) < 0)
                        return option_error(error, "invalid value '%s' for expect_status: expected status codes "
                                            "or ranges such as 200, 200-299 or 200,204", value);
                o->expect_status_given = true;
        } else if (streq(key, "method")) {
                if (!streq(value, "GET") && !streq(value, "POST"))
                        return option_error(error, "invalid value '%s' for method: expected GET or POST", value);
                o->post = streq(value, "POST");
        } else if (streq(key, "body_file")) {
                if (value[0] != '/')
                        return option_error(error, "invalid path '%s' for body_file: must be absolute", value);
                option_set_string(&o->body_file, value);
        } else if (streq(key, "expect_body"))
                return set_body_regex(o, value, error);
        else if (streq(key, "tls_verify")) {
                r = option_parse_bool(key, value, &o->tls_verify, error);
                if (r < 0)
                        return r;
                o->tls_verify_set = true;
        } else if (streq(key, "unix_socket"))
                return option_parse_socket_path(key, value, &o->unix_socket, error);
        else
                return option_parse_cert_key(key, value, &o->ca_file, &o->cert_warn_days, &o->cert_warn_days_set,
                                             error);
        return 0;
}

int http_verify(ProbeConfig *c, char **error) {
        HttpOptions *o = http_options(c);

        if (!o->url)
                return option_error(error, "missing required key 'url'");
        /* host/port belong in the URL; a port given here would be silently unused. */
        if (c->port != 0)
                return option_error(error, "key 'port' is not used by type http: put the port in the url");
        /* Certificate keys on a plain http url would be silently unused. */
        if ((o->ca_file || o->cert_warn_days_set) && strncasecmp(o->url, "https:", 6) != 0)
                return option_error(error, "key '%s' needs an https url", o->ca_file ? "ca_file" : "cert_warn_days");
        if (!o->cert_warn_days_set)
                o->cert_warn_days = CERT_WARN_DAYS_DEFAULT;
        /* A body a GET never sends, or a POST of nothing, is a mistake. */
        if (o->body_file && !o->post)
                return option_error(error, "key 'body_file' needs method = POST");
        if (o->post && !o->body_file)
                return option_error(error, "method = POST needs body_file");
        if (!o->expect_status_given)
                (void) http_status_set_parse("200-299", &o->expect_status);
        return 0;
}

void http_free_options(ProbeConfig *c) {
        HttpOptions *o = c->options;

        if (!o)
                return;
        if (o->body_re_compiled)
                regfree(&o->body_re);
        free(o->url);
        free(o->body_file);
        free(o->expect_body);
        free(o->unix_socket);
        free(o->ca_file);
        free(o);
        c->options = NULL;
}

int http_read_body_file(const char *path, char **ret, size_t *ret_len, char *reason, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t n;

        if (fd < 0 || fstat(fd, &st) < 0) {
                snprintf(reason, size, "cannot read body_file %s: %s", path, strerror(errno));
                return -errno;
        }
        if (!S_ISREG(st.st_mode) || st.st_size > (off_t) HTTP_BODY_MAX) {
                snprintf(reason, size, "body_file %s is %s", path, S_ISREG(st.st_mode) ? "larger than 64 KiB"
                                                                                          : "not a regular file");
                return -EFBIG;
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        n = read(fd, buf, (size_t) st.st_size + 1);
        if (n < 0 || n > st.st_size) {
                snprintf(reason, size, "cannot read body_file %s: %s", path, n < 0 ? strerror(errno) : "it grew");
                return n < 0 ? -errno : -EFBIG;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = (size_t) n;
        return 0;
}

/* --check-config: can this user read the body? */
int http_check_access(const void *options, char *buf, size_t size) {
        const HttpOptions *o = options;
        _cleanup_free_ char *body = NULL;
        size_t len;

        if (!o || !o->body_file)
                return 0;
        return http_read_body_file(o->body_file, &body, &len, buf, size);
}
