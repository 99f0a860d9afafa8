/* roundtrip-options.c: the roundtrip canary's keys (see roundtrip.h).
 *
 * The submission side is the check's host and port with the smtp probe's
 * TLS keys (starttls, tls, ...) and optional AUTH (username,
 * password_file); the mailbox side has its own imap_ keys, TLS ones
 * included. Found at config time with FILE:LINE: a missing from, to or
 * imap_user, a bad expect_header pattern, a password sent in plain text
 * off loopback without allow_plaintext = yes. Passwords are read from
 * files others cannot read, each run (a rotated password needs no reload).
 *
 * See also: tls-options.c, common/options.h, roundtrip.c.
 */
#include "probes/roundtrip.h"

#include <arpa/inet.h>

#include "common/options.h"

#define RT_MAX_DELAY_DEFAULT (2 * USEC_PER_MINUTE)
#define IMAP_PREFIX "imap_"

extern const ProbeType probe_type_imap;

const char *const roundtrip_keys[] = {
        "starttls", "tls", "tls_verify", "tls_name", "ca_file", "cert_warn_days",
        "username", "password_file", "allow_plaintext", "from", "to",
        "imap_host", "imap_port", "imap_user", "imap_password_file",
        "imap_starttls", "imap_tls", "imap_tls_verify", "imap_tls_name", "imap_ca_file",
        "mailbox", "junk_mailbox", "max_delay", "expect_header", "postqueue", "config_directory",
        NULL,
};

static bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static RoundtripOptions *options(ProbeConfig *c) {
        RoundtripOptions *o = option_get(&c->options, sizeof(RoundtripOptions));

        if (!o->initialized) {
                o->tls.tls_verify = o->imap_tls.tls_verify = true;
                o->postqueue = true;
                o->initialized = true;
        }
        return o;
}

/* The imap_ TLS keys through tls-options.c, on a stand-in config whose options are imap_tls. */
static int parse_imap_tls_key(RoundtripOptions *o, const char *key, const char *value, char **error) {
        ProbeConfig imap = { .type = &probe_type_imap, .options = &o->imap_tls };

        return tls_options_parse_key(&imap, key + strlen(IMAP_PREFIX), value, error);
}

/* An address for MAIL FROM / RCPT TO: no blanks, brackets or controls. */
static int parse_address(const char *key, const char *value, char **dst, char **error) {
        if (!*value || strlen(value) > 200 || strpbrk(value, " \t<>\r\n\"") || !strchr(value, '@'))
                return option_error(error, "invalid address '%s' for %s: expected user@domain", value, key);
        option_set_string(dst, value);
        return 0;
}

/* A mailbox name sent as an IMAP quoted string: printable ASCII without '"' and '\'. */
static int parse_mailbox(const char *key, const char *value, char **dst, char **error) {
        for (const char *s = value; *s; s++)
                if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
                        return option_error(error, "invalid mailbox name '%s' for %s", value, key);
        if (!*value && streq(key, "mailbox"))
                return option_error(error, "mailbox must not be empty");
        option_set_string(dst, value);
        return 0;
}

static int parse_expect(RoundtripOptions *o, const char *value, char **error) {
        char msg[128];
        int r;

        if (o->n_expect >= RT_EXPECT_MAX)
                return option_error(error, "more than %u expect_header keys", RT_EXPECT_MAX);
        r = regcomp(&o->expect[o->n_expect], value, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
                regerror(r, &o->expect[o->n_expect], msg, sizeof(msg));
                return option_error(error, "invalid expect_header '%s': %s", value, msg);
        }
        o->expect_src[o->n_expect++] = xstrdup(value);
        return 0;
}

static int parse_path(const char *key, const char *value, char **dst, char **error) {
        if (value[0] != '/')
                return option_error(error, "invalid path '%s' for %s: must be absolute", value, key);
        option_set_string(dst, value);
        return 0;
}

static int parse_more(RoundtripOptions *o, const char *key, const char *value, char **error) {
        uint64_t port;

        if (streq(key, "imap_port")) {
                if (option_parse_count(key, value, &port, error) < 0)
                        return -EINVAL;
                if (port == 0 || port > 65535)
                        return option_error(error, "invalid port '%s' for imap_port", value);
                o->imap_port = (uint16_t) port;
                return 0;
        }
        if (streq(key, "imap_host")) {
                unsigned char addr[sizeof(struct in6_addr)];

                if (inet_pton(AF_INET, value, addr) != 1 && inet_pton(AF_INET6, value, addr) != 1)
                        return option_error(error, "invalid imap_host '%s': must be a numeric IPv4 or IPv6 "
                                            "address", value);
                option_set_string(&o->imap_host, value);
                return 0;
        }
        if (streq(key, "max_delay")) {
                if (parse_duration(value, &o->max_delay) < 0 || o->max_delay == 0)
                        return option_error(error, "invalid value '%s' for max_delay: expected a duration "
                                            "such as 2min", value);
                return 0;
        }
        if (streq(key, "postqueue")) {
                o->postqueue_set = true;
                return option_parse_bool(key, value, &o->postqueue, error);
        }
        if (streq(key, "expect_header"))
                return parse_expect(o, value, error);
        if (streq(key, "config_directory"))
                return parse_path(key, value, &o->config_directory, error);
        return -ENOENT;
}

int roundtrip_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        RoundtripOptions *o = options(c);

        if (startswith(key, "imap_") && (strstr(key, "tls") || streq(key, "imap_ca_file")))
                return parse_imap_tls_key(o, key, value, error);
        if (streq(key, "username") || streq(key, "imap_user")) {
                if (!*value || strpbrk(value, "\"\\\r\n"))
                        return option_error(error, "invalid user name '%s' for %s", value, key);
                option_set_string(streq(key, "username") ? &o->username : &o->imap_user, value);
                return 0;
        }
        if (streq(key, "password_file") || streq(key, "imap_password_file"))
                return parse_path(key, value, streq(key, "password_file") ? &o->password_file :
                                  &o->imap_password_file, error);
        if (streq(key, "allow_plaintext"))
                return option_parse_bool(key, value, &o->allow_plaintext, error);
        if (streq(key, "from") || streq(key, "to"))
                return parse_address(key, value, streq(key, "from") ? &o->from : &o->to, error);
        if (streq(key, "mailbox") || streq(key, "junk_mailbox"))
                return parse_mailbox(key, value, streq(key, "mailbox") ? &o->mailbox : &o->junk_mailbox, error);
        if (!startswith(key, "imap_") && (strstr(key, "tls") || streq(key, "ca_file") ||
                                          streq(key, "cert_warn_days")))
                return tls_options_parse_key(c, key, value, error);
        return parse_more(o, key, value, error);
}

static bool is_loopback(const char *host) {
        struct in_addr a4;

        if (!host)
                return true;
        if (inet_pton(AF_INET, host, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        return streq(host, "::1");
}

static bool uses_tls(const TlsOptions *t) {
        return t->starttls || t->tls;
}

static int verify_plaintext(const ProbeConfig *c, const RoundtripOptions *o, char **error) {
        if (o->allow_plaintext)
                return 0;
        if (o->username && !uses_tls(&o->tls) && !is_loopback(c->host))
                return option_error(error, "AUTH to %s would send the password in plain text: set starttls = yes "
                                    "or tls = yes (or allow_plaintext = yes)", c->host);
        if (!uses_tls(&o->imap_tls) && !is_loopback(o->imap_host ? o->imap_host : c->host))
                return option_error(error, "IMAP LOGIN to %s would send the password in plain text: set "
                                    "imap_starttls = yes or imap_tls = yes (or allow_plaintext = yes)",
                                    o->imap_host ? o->imap_host : c->host);
        return 0;
}

int roundtrip_verify(ProbeConfig *c, char **error) {
        RoundtripOptions *o = options(c);
        ProbeConfig imap = { .type = &probe_type_imap, .options = &o->imap_tls, .port = o->imap_port };
        int r;

        if (!o->from || !o->to || !o->imap_user || !o->imap_password_file)
                return option_error(error, "missing required key '%s'", !o->from ? "from" : !o->to ? "to" :
                                    !o->imap_user ? "imap_user" : "imap_password_file");
        if (!!o->username != !!o->password_file)
                return option_error(error, "keys 'username' and 'password_file' go together (AUTH PLAIN)");
        r = tls_options_verify(c, error);
        if (r < 0)
                return r;
        if (!o->imap_port)
                imap.port = o->imap_port = o->imap_tls.tls ? 993 : 143;
        r = tls_options_verify(&imap, error);
        if (r < 0)
                return r;
        if (!o->mailbox)
                o->mailbox = xstrdup("INBOX");
        if (!o->junk_mailbox)
                o->junk_mailbox = xstrdup("Junk");
        else if (streq(o->junk_mailbox, "none"))
                o->junk_mailbox[0] = '\0';
        if (!o->max_delay)
                o->max_delay = RT_MAX_DELAY_DEFAULT;
        return verify_plaintext(c, o, error);
}

void roundtrip_free_options(ProbeConfig *c) {
        RoundtripOptions *o = c->options;

        if (!o)
                return;
        free(o->tls.ca_file);
        free(o->tls.tls_name);
        free(o->imap_tls.ca_file);
        free(o->imap_tls.tls_name);
        free(o->username);
        free(o->password_file);
        free(o->from);
        free(o->to);
        free(o->imap_host);
        free(o->imap_user);
        free(o->imap_password_file);
        free(o->mailbox);
        free(o->junk_mailbox);
        free(o->config_directory);
        for (unsigned i = 0; i < o->n_expect; i++) {
                regfree(&o->expect[i]);
                free(o->expect_src[i]);
        }
        free(o);
        c->options = NULL;
}

int roundtrip_check_access(const void *options, char *buf, size_t size) {
        const RoundtripOptions *o = options;
        char secret[OPTION_SECRET_MAX];
        _cleanup_free_ char *error = NULL;

        if (!o)
                return 0;
        for (int i = 0; i < 2; i++) {
                const char *path = i == 0 ? o->imap_password_file : o->password_file;

                if (path && option_read_secret(i == 0 ? "imap_password_file" : "password_file", path, secret,
                                               sizeof(secret), &error) < 0) {
                        snprintf(buf, size, "%s", error);
                        return -EACCES;
                }
        }
        return 0;
}
