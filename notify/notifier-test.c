/* notifier-test.c: test notifications, reload of channels, per-channel counts.
 *
 * `mailsupctl test-alert` must say whether each channel works now, so a
 * test goes straight to every channel (never through the outbox, whose
 * retries would hide a dead channel for a day) and reports each answer.
 * A reload swaps the channels in place: the outbox, the firing conditions
 * and the alerts being re-sent stay, so nothing is lost or re-announced.
 *
 * See also: notifier.c, notifier-alerts.c, supervisor/alerting.c.
 */
#include "notify/notifier-internal.h"

const char *notifier_channel_name(const Notifier *nf, size_t i) {
        return i < nf->n_channels ? nf->channels[i]->config.name : NULL;
}

size_t notifier_channel_pending(const Notifier *nf, const char *channel) {
        size_t n = 0;

        for (OutboxEntry *e = nf->outbox->head; e; e = e->next)
                n += streq(e->channel, channel);
        return n;
}

void notifier_set_observer(Notifier *nf, NotifierResultCallback cb, void *userdata) {
        nf->observer = cb;
        nf->observer_userdata = userdata;
}

void notifier_set_drop_observer(Notifier *nf, NotifierResultCallback cb, void *userdata) {
        nf->drop_observer = cb;
        nf->drop_observer_userdata = userdata;
}

void notifier_test_done(Notifier *nf, Transfer *t, int r, const char *reason) {
        NotifierResultCallback cb = t->test_cb;
        void *userdata = t->test_userdata;
        Notification n = *t->test_n;
        char channel[OUTBOX_CHANNEL_MAX];

        snprintf(channel, sizeof(channel), "%s", t->channel->config.name);
        notifier_transfer_free(nf, t);
        cb(&n, channel, r, reason, userdata);
}

static int test_one(Notifier *nf, Channel *ch, const Notification *n, NotifierResultCallback cb, void *userdata) {
        Transfer *t = calloc(1, sizeof(*t));
        Notification *copy = malloc(sizeof(*copy));
        ChannelRequest *req = NULL;
        int r = t && copy ? channel_request_new(&ch->config, &req) : -ENOMEM;

        if (r < 0) {
                free(t);
                free(copy);
                return r;
        }
        *copy = *n;
        *t = (Transfer) { .channel = ch, .req = req, .test_cb = cb, .test_userdata = userdata,
                          .test_n = copy, .test_next = nf->tests };
        nf->tests = t;
        nf->in_flight++;
        r = ch->config.type->prepare(&ch->config, t->test_n, t->req);
        if (r >= 0 && sym_curl_easy_setopt(t->req->easy, CURLOPT_PRIVATE, (char *) t) != CURLE_OK)
                r = -EINVAL;
        if (r >= 0)
                r = notifier_curl_add(nf, t->req->easy);
        if (r < 0)
                notifier_transfer_free(nf, t);
        return r;
}

int notifier_test(Notifier *nf, const Notification *in, NotifierResultCallback cb, void *userdata) {
        Notification n = *in;
        int tried = 0;

        /* Through the outbox path's own defaults, without queueing. */
        if (!n.host[0])
                snprintf(n.host, sizeof(n.host), "%s", nf->host);
        if (n.time == 0)
                n.time = now_usec(CLOCK_REALTIME);
        for (size_t i = 0; i < nf->n_channels; i++) {
                Notification one = n;
                int r;

                if (!one.id[0])
                        snprintf(one.id, sizeof(one.id), "%016llx%016llx", (unsigned long long) n.time,
                                 (unsigned long long) i);
                r = test_one(nf, nf->channels[i], &one, cb, userdata);
                if (r < 0) {
                        char reason[64];
                        snprintf(reason, sizeof(reason), "cannot start: %s", strerror(-r));
                        cb(&one, nf->channels[i]->config.name, r, reason, userdata);
                }
                tried++;
        }
        return tried;
}

/* Stops what is in flight on ch and frees it (tests are told). */
void notifier_channel_free(Notifier *nf, Channel *ch) {
        Transfer *t, *following;

        for (t = nf->tests; t; t = following) {
                following = t->test_next;
                if (t->channel == ch)
                        notifier_test_done(nf, t, -ECANCELED, "channel removed");
        }
        for (OutboxEntry *e = nf->outbox->head; e; e = e->next)
                if (e->transfer && ((Transfer *) e->transfer)->channel == ch)
                        notifier_transfer_free(nf, e->transfer);
        notifier_transfer_free(nf, ch->refresh);
        sd_event_source_disable_unref(ch->refresh_timer);
        channel_config_done(&ch->config);
        free(ch);
}

int notifier_set_channels(Notifier *nf, const ChannelConfig *c, size_t n) {
        int r = 0;

        while (nf->n_channels > 0)
                notifier_channel_free(nf, nf->channels[--nf->n_channels]);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = notifier_add_channel(nf, &c[i]);
        notifier_kick(nf);
        return r;
}

void notifier_set_reminder(Notifier *nf, usec_t reminder) {
        condition_tracker_set_reminder(nf->conditions, reminder);
}
