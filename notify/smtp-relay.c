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

int smtp_render(const ChannelConfig *c, const Notification *n, char *buf, size_t size) {
        char subject[400], check[sizeof(n->check)], kind[sizeof(n->kind)], host[sizeof(n->host)];
        char date[64], t[40], since[40], to[512] = "";
        size_t pos = 0;
        int len;

        for (size_t i = 0; i < c->n_to && pos < sizeof(to); i++)
                pos += (size_t) snprintf(to + pos, sizeof(to) - pos, "%s%s", i > 0 ? ", " : "", c->to[i]);

        header_value(check, sizeof(check), n->check);
        header_value(kind, sizeof(kind), n->kind);
        header_value(host, sizeof(host), n->host);
        snprintf(subject, sizeof(subject), "[mailsup] %s %s%s%s on %s%s", severity_to_string(n->severity), check,
                 check[0] ? ": " : "", kind, host,
                 n->phase == NOTIFY_RESOLVED ? " (resolved)" : n->reminder ? " (still)" : "");
        len = snprintf(buf, size,
                       "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s.%s@mailsup>\r\n"
                       "X-Mailsup-Id: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: 8bit\r\n\r\n"
                       "%s\r\n\r\nkind:     %s (%s)\r\nseverity: %s\r\ncheck:    %s\r\nunit:     %s\r\n"
                       "state:    %s\r\nhost:     %s\r\ntime:     %s\r\nsince:    %s\r\nid:       %s\r\n",
                       c->from, to, subject,
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
        for (size_t i = 0; i < c->n_to; i++) {
                char rcpt[300];
                struct curl_slist *l;

                snprintf(rcpt, sizeof(rcpt), "<%s>", c->to[i]);
                l = curl_slist_append(req->recipients, rcpt);
                if (!l)
                        return -ENOMEM;
                req->recipients = l;
        }
        snprintf(from, sizeof(from), "<%s>", c->from);
        if (curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_MAIL_RCPT, req->recipients) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_READDATA, req) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) req->body_len) != CURLE_OK)
                return -EINVAL;
        if (c->username && (curl_easy_setopt(e, CURLOPT_USERNAME, c->username) != CURLE_OK ||
                            curl_easy_setopt(e, CURLOPT_PASSWORD, c->password ? c->password : "") != CURLE_OK))
                return -EINVAL;
        return 0;
}

static int smtp_judge(const ChannelConfig *c, ChannelRequest *req, CURLcode result, char *reason, size_t size) {
        if (result == CURLE_OK) {
                snprintf(reason, size, "accepted by the relay");
                return 0;
        }
        return channel_curl_error(req, result, reason, size);
}

static int smtp_error(char **error, const char *fmt, const char *a, const char *b) {
        if (asprintf(error, fmt, a, b) < 0)
                abort();
        return -EINVAL;
}

static int smtp_verify(ChannelConfig *c, char **error) {
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL;
        int r = 0;

        if (!u)
                abort();
        if (curl_url_set(u, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
            (!streq(scheme, "smtp") && !streq(scheme, "smtps")))
                r = smtp_error(error, "invalid url '%s' for type smtp: expected smtps://HOST[:PORT] or "
                               "smtp://HOST[:PORT] (STARTTLS)%s", c->url, "");
        else if (channel_host_is_local(host) && !c->allow_local_relay)
                r = smtp_error(error, "smtp relay '%s' is on this host: alerts must not depend on the mail "
                               "server they report on (set allow_local_relay = yes to use it anyway)%s", host, "");
        else if (!c->from)
                r = smtp_error(error, "missing required key 'from'%s%s", "", "");
        else if (c->n_to == 0)
                r = smtp_error(error, "missing required key 'to'%s%s", "", "");
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        return r;
}

const ChannelType channel_smtp = {
        .name = "smtp",
        .keys = (const char *const[]) { "username", "password", "password_file", "from", "to",
                                        "allow_local_relay", NULL },
        .verify = smtp_verify,
        .prepare = smtp_prepare,
        .judge = smtp_judge,
};
