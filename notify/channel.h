/* channel.h: notification channels: their configuration and a small vtable.
 *
 * A channel is one [notify NAME] section: where notifications go (webhook,
 * alertmanager, smtp) and which ones (min_severity). Configuration is a
 * plain struct filled key by key, shaped like the probes' parse_key hooks:
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
 * `header` may be given several times (each adds one); `to` is a list
 * separated by commas or spaces. verify() reads password_file and
 * header_file, refuses world-readable ones, and refuses an smtp relay on
 * this host without allow_local_relay = yes.
 *
 * A type (webhook.c, alertmanager.c, smtp-relay.c) only turns a
 * notification into a libcurl request and judges the answer; channel.c sets
 * the options every request shares (timeout, no signals, no proxy from the
 * environment, close-on-exec sockets).
 *
 * See also: notifier.h (delivery), probes/probe.h (the same shape).
 */
#pragma once

#include <curl/curl.h>

#include "notify/notification.h"

#define CHANNEL_BODY_MAX (16 * 1024)

typedef struct ChannelType ChannelType;

typedef struct ChannelConfig {
        char *name;
        const ChannelType *type;        /* required: type = webhook | alertmanager | smtp */
        EventSeverity min_severity;     /* min_severity = info | warning | critical (warning) */
        usec_t max_age;                 /* max_age: retry for this long (24h) */
        usec_t timeout;                 /* timeout: one delivery attempt (10s) */
        char *url;                      /* url: required */
        char *ca_file;                  /* ca_file: trust these CAs instead of the system's */
        char **headers;                 /* header = Name: value (repeatable), and header_file */
        size_t n_headers;
        char *header_file;
        char *username;                 /* username / password / password_file */
        char *password;
        char *password_file;
        char *from;                     /* smtp: from, to (required) */
        char **to;
        size_t n_to;
        bool allow_local_relay;         /* smtp: allow_local_relay (no) */
        usec_t resend_interval;         /* alertmanager: resend_interval (1min) */

        char **given;                   /* type-specific keys seen before type (checked by verify) */
        size_t n_given;
} ChannelConfig;

/* One delivery attempt's libcurl request and the buffers it points into. */
typedef struct ChannelRequest {
        CURL *easy;
        char *body;                     /* malloc'd, body_len bytes */
        size_t body_len, body_pos;
        struct curl_slist *headers;
        struct curl_slist *recipients;
        char errbuf[CURL_ERROR_SIZE];
} ChannelRequest;

struct ChannelType {
        const char *name;
        const char *const *keys;        /* the type's own keys, NULL-terminated */
        int (*verify)(ChannelConfig *c, char **error);
        /* Fill req (easy already has the common options) to deliver n. */
        int (*prepare)(const ChannelConfig *c, const Notification *n, ChannelRequest *req);
        /* After the transfer: 0 if the receiver accepted it, else -errno with
         * a short reason ("status 503", "connection refused"). */
        int (*judge)(const ChannelConfig *c, ChannelRequest *req, CURLcode result, char *reason, size_t size);
        /* Optional: re-send every still-firing alert (list, n of them) so the
         * receiver does not expire it (Alertmanager's resolve_timeout). */
        int (*prepare_refresh)(const ChannelConfig *c, const Notification *const *list, size_t n,
                               ChannelRequest *req);
};

/* The bodies, pure, for tests: length, or -ENOBUFS when size is too small. */
int webhook_render(const Notification *n, char *buf, size_t size);
int alertmanager_render(const Notification *const *list, size_t n, char *buf, size_t size);
int smtp_render(const ChannelConfig *c, const Notification *n, char *buf, size_t size);

extern const ChannelType channel_webhook, channel_alertmanager, channel_smtp;
const ChannelType *channel_type_find(const char *name);

void channel_config_init(ChannelConfig *c, const char *name);
int channel_config_parse_key(ChannelConfig *c, const char *key, const char *value, char **error);
int channel_config_verify(ChannelConfig *c, char **error);
void channel_config_done(ChannelConfig *c);
/* Deep copy (for the notifier, which outlives the parsed config). */
int channel_config_copy(ChannelConfig *dst, const ChannelConfig *src);

/* Is host this machine (loopback, "localhost", its own name or an address
 * of one of its interfaces)? No DNS lookup is made. */
bool channel_host_is_local(const char *host);

/* For types: a fresh request with the common options; the caller frees it. */
int channel_request_new(const ChannelConfig *c, ChannelRequest **ret);
ChannelRequest *channel_request_free(ChannelRequest *req);
/* POST req->body as JSON to c->url with c's headers. */
int channel_request_post_json(const ChannelConfig *c, ChannelRequest *req);
/* Accept 2xx; name the failure otherwise. */
int channel_judge_http(const ChannelConfig *c, ChannelRequest *req, CURLcode result, char *reason, size_t size);
/* CURLcode to -errno for the boundary, with curl's message in reason. */
int channel_curl_error(ChannelRequest *req, CURLcode result, char *reason, size_t size);
