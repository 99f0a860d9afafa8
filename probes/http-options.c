/* http-options.c: the "http" probe's own keys (see http.h).
 *
 * Everything that can be wrong with them is found at config time, with
 * FILE:LINE: a URL curl would refuse or that is not http(s), an
 * expect_status that is not codes and ranges, a regex that does not
 * compile. The regex is compiled once here, not per run.
 *
 * See also: http.c, options.c, supervisor/config.c (when the hooks run).
 */
#include "probes/http.h"

#include <strings.h>

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
        free(o->expect_body);
        free(o->unix_socket);
        free(o->ca_file);
        free(o);
        c->options = NULL;
}
