/* smtp-relay.c: the "smtp" channel: a plain-text mail through an external relay.
 *
 * The point of the channel is independence: when the local Postfix is the
 * thing that broke, a mail handed to it goes nowhere. So the relay must be
 * another host: url = smtps://relay:465 (TLS from the start) or
 * smtp://relay:587 (STARTTLS, required: a relay that does not offer it
 * fails the attempt rather than see the password in clear). A relay on
 * this host is refused at config check unless allow_local_relay = yes.
 * Header fields are ASCII only (other bytes become '?'); the body is UTF-8.
 *
 * See also: channel-config.c (the local-relay rule, password_file), channel.h.
 */
#include "notify/channel.h"

#include <strings.h>

#include "common/json.h"
#include "common/options.h"
#include "common/url.h"

typedef struct SmtpOptions {
        char *from;                     /* from, to: required */
        char **to;
        size_t n_to;
        bool allow_local_relay;         /* allow_local_relay (no) */
} SmtpOptions;

static SmtpOptions *smtp_options(ChannelConfig *c) {
        return option_get(&c->options, sizeof(SmtpOptions));
}

static void header_value(char *dst, size_t size, const char *src) {
        size_t j = 0;

        for (size_t i = 0; src[i] && j + 1 < size; i++) {
                unsigned char c = (unsigned char) src[i];
                dst[j++] = (c < 0x20 || c >= 0x7f) ? '?' : (char) c;
        }
        dst[j] = '\0';
}

/* RFC 5322 date, without the locale. */
static const char *mail_date(char *buf, size_t size, usec_t t) {
        static const char days[] = "SunMonTueWedThuFriSat", months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        time_t sec = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        if (!gmtime_r(&sec, &tm))
                tm = (struct tm) { .tm_year = 70, .tm_mday = 1 };
        snprintf(buf, size, "%.3s, %02d %.3s %04d %02d:%02d:%02d +0000", days + 3 * tm.tm_wday, tm.tm_mday,
                 months + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        return buf;
}

static int smtp_render(const ChannelConfig *c, const Notification *n, char *buf, size_t size) {
        const SmtpOptions *o = c->options;
        char subject[400], raw[400], date[64], t[40], since[40], to[512] = "";
        size_t pos = 0;
        int len;

        for (size_t i = 0; i < o->n_to && pos < sizeof(to); i++)
                pos += (size_t) snprintf(to + pos, sizeof(to) - pos, "%s%s", i > 0 ? ", " : "", o->to[i]);

        /* Header fields are ASCII: other bytes of the check, kind or host become '?'. */
        notification_subject(n, raw, sizeof(raw));
        header_value(subject, sizeof(subject), raw);
        len = snprintf(buf, size,
                       "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s.%s@mailsup>\r\n"
                       "X-Mailsup-Id: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: 8bit\r\n\r\n"
                       "%s\r\n\r\nkind:     %s (%s)\r\nseverity: %s\r\ncheck:    %s\r\nunit:     %s\r\n"
                       "state:    %s\r\nhost:     %s\r\ntime:     %s\r\nsince:    %s\r\nid:       %s\r\n",
                       o->from, to, subject,
                       mail_date(date, sizeof(date), n->time), n->id, c->name, n->id,
                       n->reason[0] ? n->reason : "(no reason given)", n->kind, notify_phase_to_string(n->phase),
                       severity_to_string(n->severity), n->check, n->unit, n->state, n->host,
                       json_format_time(t, sizeof(t), n->time),
                       json_format_time(since, sizeof(since), n->since ? n->since : n->time), n->id);
        return len < 0 || (size_t) len >= size ? -ENOBUFS : len;
}

static size_t on_read(char *ptr, size_t size, size_t nmemb, void *userdata) {
        ChannelRequest *req = userdata;
        size_t n = size * nmemb, left = req->body_len - req->body_pos;

        if (n > left)
                n = left;
        memcpy(ptr, req->body + req->body_pos, n);
        req->body_pos += n;
        return n;
}

static int smtp_prepare(const ChannelConfig *c, const Notification *n, ChannelRequest *req) {
        const SmtpOptions *o = c->options;
        char from[300];
        CURL *e = req->easy;
        int len;

        req->body = malloc(CHANNEL_BODY_MAX);
        if (!req->body)
                return -ENOMEM;
        len = smtp_render(c, n, req->body, CHANNEL_BODY_MAX);
        if (len < 0)
                return len;
        req->body_len = (size_t) len;
        for (size_t i = 0; i < o->n_to; i++) {
                char rcpt[300];
                struct curl_slist *l;

                snprintf(rcpt, sizeof(rcpt), "<%s>", o->to[i]);
                l = sym_curl_slist_append(req->recipients, rcpt);
                if (!l)
                        return -ENOMEM;
                req->recipients = l;
        }
        snprintf(from, sizeof(from), "<%s>", o->from);
        if (sym_curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_MAIL_RCPT, req->recipients) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_READDATA, req) != CURLE_OK ||
            sym_curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) req->body_len) != CURLE_OK)
                return -EINVAL;
        return channel_request_login(c, req);
}

static int smtp_judge(const ChannelConfig *c, ChannelRequest *req, CURLcode result, char *reason, size_t size) {
        if (result == CURLE_OK) {
                snprintf(reason, size, "accepted by the relay");
                return 0;
        }
        return channel_curl_error(req, result, reason, size);
}

static int parse_address_list(SmtpOptions *o, const char *value, char **error) {
        _cleanup_free_ char *copy = xstrdup(value);
        char *save = NULL;

        strv_free(&o->to, &o->n_to);
        for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
                if (!strchr(t, '@') || strpbrk(t, "<>\"\r\n"))
                        return option_error(error, "invalid address '%s' for to: expected user@domain", t);
                strv_add(&o->to, &o->n_to, t);
        }
        if (o->n_to == 0)
                return option_error(error, "empty value for to: expected one or more addresses");
        return 0;
}

static int smtp_parse_key(ChannelConfig *c, const char *key, const char *value, char **error) {
        SmtpOptions *o = smtp_options(c);

        if (streq(key, "to"))
                return parse_address_list(o, value, error);
        if (streq(key, "allow_local_relay"))
                return option_parse_bool(key, value, &o->allow_local_relay, error);
        /* from */
        if (!strchr(value, '@') || strpbrk(value, "<>\" \t\r\n"))
                return option_error(error, "invalid address '%s' for from: expected user@domain", value);
        option_set_string(&o->from, value);
        return 0;
}

static int smtp_verify(ChannelConfig *c, char **error) {
        _cleanup_free_ char *scheme = NULL, *host = NULL;
        const SmtpOptions *o = smtp_options(c);

        if (url_split(c->url, &scheme, &host, NULL) < 0 || (!streq(scheme, "smtp") && !streq(scheme, "smtps")))
                return option_error(error, "invalid url '%s' for type smtp: expected smtps://HOST[:PORT] or "
                                    "smtp://HOST[:PORT] (STARTTLS)", c->url);
        if (channel_host_is_local(host) && !o->allow_local_relay)
                return option_error(error, "smtp relay '%s' is on this host: alerts must not depend on the mail "
                                    "server they report on (set allow_local_relay = yes to use it anyway)", host);
        if (!o->from)
                return option_error(error, "missing required key 'from'");
        if (o->n_to == 0)
                return option_error(error, "missing required key 'to'");
        return 0;
}

static void *smtp_copy_options(const void *options) {
        const SmtpOptions *src = options;
        SmtpOptions *o = calloc(1, sizeof(*o));

        if (!o)
                abort(); /* like xstrdup(): configuration is small */
        o->from = xstrdup(src->from);
        strv_copy(&o->to, &o->n_to, src->to, src->n_to);
        o->allow_local_relay = src->allow_local_relay;
        return o;
}

static void smtp_free_options(void *options) {
        SmtpOptions *o = options;

        free(o->from);
        strv_free(&o->to, &o->n_to);
        free(o);
}

const ChannelType channel_smtp = {
        .name = "smtp",
        .keys = (const char *const[]) { "username", "password", "password_file", "from", "to",
                                        "allow_local_relay", NULL },
        .parse_key = smtp_parse_key,
        .verify = smtp_verify,
        .copy_options = smtp_copy_options,
        .free_options = smtp_free_options,
        .prepare = smtp_prepare,
        .judge = smtp_judge,
};
