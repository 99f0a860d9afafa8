/* tls-options.c: the TLS keys of the smtp and imap probes (see tls.h).
 *
 * Worded like the http probe's keys (tls_verify, ca_file, cert_warn_days),
 * and found at config time with FILE:LINE: starttls together with tls, a
 * certificate key on a check that does not use TLS (it would be silently
 * unused), implicit TLS on the plain protocol's port.
 *
 * See also: tls.c, http-options.c, options.c.
 */
#include "probes/tls.h"

#include <arpa/inet.h>
#include <ctype.h>

#include "probes/cert.h"
#include "common/options.h"

const char *const tls_option_keys[] = { "starttls", "tls", "tls_verify", "tls_name", "ca_file", "cert_warn_days",
                                         "socket", NULL };

static TlsOptions *tls_options(ProbeConfig *c) {
        TlsOptions *o = option_get(&c->options, sizeof(TlsOptions));

        if (!o->tls_verify_set)
                o->tls_verify = true;
        return o;
}

/* A DNS name (letters, digits, '-', '.') or an IPv4/IPv6 literal. */
static bool is_tls_name(const char *s) {
        unsigned char addr[sizeof(struct in6_addr)];
        size_t n = strlen(s);

        if (inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1)
                return true;
        if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) s[i]) && s[i] != '-' && s[i] != '.')
                        return false;
        return true;
}

static int parse_bool_key(const char *key, const char *value, bool *ret, bool *set, char **error) {
        int r = option_parse_bool(key, value, ret, error);

        if (r >= 0 && set)
                *set = true;
        return r;
}

int tls_options_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        TlsOptions *o = tls_options(c);

        if (streq(key, "starttls"))
                return parse_bool_key(key, value, &o->starttls, NULL, error);
        if (streq(key, "tls"))
                return parse_bool_key(key, value, &o->tls, NULL, error);
        if (streq(key, "tls_verify"))
                return parse_bool_key(key, value, &o->tls_verify, &o->tls_verify_set, error);
        if (streq(key, "socket"))
                return option_parse_socket_path(key, value, &o->socket, error);
        if (streq(key, "tls_name")) {
                if (!is_tls_name(value))
                        return option_error(error, "invalid value '%s' for tls_name: expected a host name "
                                            "such as mail.example.org or an address", value);
                option_set_string(&o->tls_name, value);
                return 0;
        }
        return option_parse_cert_key(key, value, &o->ca_file, &o->cert_warn_days, &o->cert_warn_days_set, error);
}

/* The first certificate key given, for "needs TLS" errors. */
static const char *first_cert_key(const TlsOptions *o) {
        return o->tls_verify_set ? "tls_verify" : o->ca_file ? "ca_file" : o->tls_name ? "tls_name" :
               o->cert_warn_days_set ? "cert_warn_days" : NULL;
}

int tls_options_verify(ProbeConfig *c, char **error) {
        TlsOptions *o = c->options;
        const char *key;

        if (!o)
                return 0;
        if (o->starttls && o->tls)
                return option_error(error, "keys 'starttls' and 'tls' exclude each other: starttls upgrades "
                                    "a plain connection, tls = yes starts with TLS (ports 465, 993)");
        key = first_cert_key(o);
        if (key && !o->starttls && !o->tls)
                return option_error(error, "key '%s' needs starttls = yes or tls = yes", key);
        /* needs_port types got their plain default already: TLS from the first byte there cannot work. */
        if (o->tls && c->port == c->type->default_port)
                return option_error(error, "tls = yes on port %u, the plain %s port: set port "
                                    "(implicit TLS is usually %s)", c->port, c->type->name,
                                    streq(c->type->name, "imap") ? "993" : "465");
        if (!o->cert_warn_days_set)
                o->cert_warn_days = CERT_WARN_DAYS_DEFAULT;
        return 0;
}

void tls_options_free(ProbeConfig *c) {
        TlsOptions *o = c->options;

        if (!o)
                return;
        free(o->ca_file);
        free(o->tls_name);
        free(o->socket);
        free(o);
        c->options = NULL;
}

const TlsOptions *tls_options_get(const ProbeConfig *c) {
        const TlsOptions *o = c->options;

        return o && (o->starttls || o->tls) ? o : NULL;
}

const char *tls_options_socket(const ProbeConfig *c) {
        const TlsOptions *o = c->options;

        return o ? o->socket : NULL;
}
