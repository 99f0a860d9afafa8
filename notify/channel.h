/* channel.h: notification channels, plug-ins like the probe types.
 *
 * A channel is one [notify NAME] section: where notifications go and which
 * ones (min_severity). Each channel type is one file with a small vtable
 * and one line in the registry (channel_types[], channel.c): the keys it
 * takes, its own key parsing, verification and options, and how it turns a
 * notification into a libcurl request and judges the answer. Configuration
 * is filled key by key, shaped like the probes' parse_key hooks:
 *
 *     ChannelConfig c;
 *     channel_config_init(&c, "ops");
 *     for each "key = value" line of [notify ops], in order:
 *             r = channel_config_parse_key(&c, key, value, &error);
 *             // 0 taken; -ENOENT unknown key; -EINVAL with malloc'd *error
 *     r = channel_config_verify(&c, &error);   // once, after the section
 *     ... notifier_add_channel(notifier, &c) copies it ...
 *     channel_config_done(&c);
 *
 * Errors read like the probes' ("invalid value 'x' for min_severity: ..."),
 * for the caller to prefix with FILE:LINE and suffix with " in [notify ops]".
 * The common keys (type, min_severity, max_age, timeout, url, ca_file) and
 * the shared HTTP auth and header keys (header, repeatable, header_file,
 * username, password, password_file, token_file) are parsed here, for the
 * types that list them; verify() reads the secret files and refuses
 * world-readable ones. channel.c sets the options every request shares
 * (common/curl-easy.h).
 *
 * See also: notifier.h (delivery), probes/probe.h (the same shape),
 * channel.c (the registry: one file per type).
 */
#pragma once

#include "common/dl-curl.h"

#include "common/curl-easy.h"
#include "notify/notification.h"

#define CHANNEL_BODY_MAX (16 * 1024)

typedef struct ChannelType ChannelType;

typedef struct ChannelConfig {
        char *name;
        const ChannelType *type;        /* required: type = a name in channel_types[] */
        EventSeverity min_severity;     /* min_severity = info | warning | critical (warning) */
        usec_t max_age;                 /* max_age: retry for this long (24h) */
        usec_t timeout;                 /* timeout: one delivery attempt (10s) */
        char *url;                      /* url: required */
        char *ca_file;                  /* ca_file: trust these CAs instead of the system's */
        /* The shared auth and header keys, for the types that list them: */
        char **headers;                 /* header = Name: value (repeatable), header_file, token_file */
        size_t n_headers;
        char *header_file;
        char *token_file;               /* a bearer token: "Authorization: Bearer <it>" */
        char *username;                 /* username / password / password_file */
        char *password;
        char *password_file;
        void *options;                  /* the type's own keys (ChannelType.parse_key) */

        char **pending;                 /* key, value pairs given before type: parsed by verify */
        size_t n_pending;
} ChannelConfig;

/* One delivery attempt's libcurl request and the buffers it points into. */
typedef struct ChannelRequest {
        CURL *easy;
        char *body;                     /* malloc'd, body_len bytes */
        size_t body_len, body_pos;
        struct curl_slist *headers;
        struct curl_slist *recipients;
        char errbuf[CURL_ERROR_SIZE];
        EasyHeaders response_headers;   /* the receiver's, counted and bounded */
} ChannelRequest;

struct ChannelType {
        const char *name;
        /* Every key the type takes beyond the common ones, NULL-terminated:
         * its own (for parse_key) and the shared auth keys it uses. The
         * configuration accepts exactly these (mailsupd --list-config-keys). */
        const char *const *keys;
        /* Its own keys: 0, or -EINVAL with *error (malloc'd). */
        int (*parse_key)(ChannelConfig *c, const char *key, const char *value, char **error);
        /* After every key: required keys, and checks across keys. */
        int (*verify)(ChannelConfig *c, char **error);
        /* Deep copy of c->options into *dst (the notifier keeps its own copy). */
        void *(*copy_options)(const void *options);
        void (*free_options)(void *options);
        /* Fill req (easy already has the common options) to deliver n. */
        int (*prepare)(const ChannelConfig *c, const Notification *n, ChannelRequest *req);
        /* After the transfer: 0 if the receiver accepted it, else -errno with
         * a short reason ("status 503", "connection refused"). */
        int (*judge)(const ChannelConfig *c, ChannelRequest *req, CURLcode result, char *reason, size_t size);
        /* Optional: re-send every still-firing alert (list, n of them) so the
         * receiver does not expire it (Alertmanager's resolve_timeout), every
         * refresh_interval(c). */
        int (*prepare_refresh)(const ChannelConfig *c, const Notification *const *list, size_t n,
                               ChannelRequest *req);
        usec_t (*refresh_interval)(const ChannelConfig *c);
};

/* The bodies, pure, for tests: length, or -ENOBUFS when size is too small. */
int webhook_render(const Notification *n, char *buf, size_t size);
int alertmanager_render(const Notification *const *list, size_t n, char *buf, size_t size);

/* The registry, NULL-terminated. */
extern const ChannelType channel_webhook, channel_alertmanager, channel_smtp;
extern const ChannelType *const channel_types[];
const ChannelType *channel_type_find(const char *name);
/* The keys every channel takes (type, url, ...), NULL-terminated. */
extern const char *const channel_common_keys[];

void channel_config_init(ChannelConfig *c, const char *name);
int channel_config_parse_key(ChannelConfig *c, const char *key, const char *value, char **error);
int channel_config_verify(ChannelConfig *c, char **error);
void channel_config_done(ChannelConfig *c);
/* Deep copy (for the notifier, which outlives the parsed config). */
int channel_config_copy(ChannelConfig *dst, const ChannelConfig *src);

/* For types' parse_key: a duration greater than 0 ("invalid duration 'x' for KEY"). */
int channel_parse_duration(const char *key, const char *value, usec_t *ret, char **error);

/* Is host this machine (loopback, "localhost", its own name or an address
 * of one of its interfaces)? No DNS lookup is made. */
bool channel_host_is_local(const char *host);

/* For types: a fresh request with the common options; the caller frees it. */
int channel_request_new(const ChannelConfig *c, ChannelRequest **ret);
ChannelRequest *channel_request_free(ChannelRequest *req);
/* Add one "Name: value" header line to req (sent by channel_request_post()). */
int channel_request_header(ChannelRequest *req, const char *line);
/* POST req->body (of content_type) to c->url with c's headers, and its
 * username and password if any. */
int channel_request_post(const ChannelConfig *c, ChannelRequest *req, const char *content_type);
/* Give req c's username and password, if any (basic auth, SMTP AUTH). */
int channel_request_login(const ChannelConfig *c, ChannelRequest *req);
/* Accept 2xx; name the failure otherwise. */
int channel_judge_http(const ChannelConfig *c, ChannelRequest *req, CURLcode result, char *reason, size_t size);
/* CURLcode to -errno for the boundary, with curl's message in reason. */
int channel_curl_error(ChannelRequest *req, CURLcode result, char *reason, size_t size);
