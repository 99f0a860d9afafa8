/* notifier-alerts.c: the Notifier's life cycle, conditions and re-sends.
 *
 * Conditions: notifier_condition() asks the tracker whether something is
 * due. Firing alerts are remembered (bounded) so that channels with a
 * prepare_refresh hook (Alertmanager) get them all again every
 * resend_interval: Alertmanager resolves an alert nobody re-sends within its
 * resolve_timeout (5 min by default), which would be a lie while the
 * condition lasts. A resolved notification supersedes a firing one still
 * waiting in the same channel's outbox: sent after it, it would re-open the
 * alert. Re-sends are not stored: the next one repeats them.
 *
 * See also: notifier.c (outbox delivery), condition.c, alertmanager.c.
 */
#include "notify/notifier-internal.h"

#include "common/log.h"

static bool same_alert(const Notification *a, const Notification *b) {
        return streq(a->kind, b->kind) && streq(a->check, b->check) && streq(a->unit, b->unit);
}

void notifier_track_alert(Notifier *nf, const Notification *n) {
        size_t i;

        if (n->phase == NOTIFY_EVENT)
                return;
        for (i = 0; i < nf->n_active; i++)
                if (same_alert(&nf->active[i], n))
                        break;
        if (n->phase == NOTIFY_RESOLVED) {
                if (i < nf->n_active)
                        nf->active[i] = nf->active[--nf->n_active];
                return;
        }
        if (i < nf->n_active)
                nf->active[i] = *n;
        else if (nf->n_active < NOTIFIER_ACTIVE_MAX)
                nf->active[nf->n_active++] = *n;
}

void notifier_supersede(Notifier *nf, Channel *ch, const Notification *resolved) {
        OutboxEntry *e, *following;

        if (!ch->config.type->prepare_refresh)
                return; /* a webhook or a mail reader wants the whole story */
        for (e = nf->outbox->head; e; e = following) {
                following = e->next;
                if (!e->transfer && e->n.phase == NOTIFY_FIRING && streq(e->channel, ch->config.name) &&
                    same_alert(&e->n, resolved)) {
                        log_debug("notification %s for %s superseded by %s", e->n.id, e->channel, resolved->id);
                        (void) outbox_remove(nf->outbox, e);
                }
        }
}

static int on_refresh(sd_event_source *s, uint64_t usec, void *userdata) {
        Channel *ch = userdata;
        Notifier *nf = ch->notifier;
        const Notification *list[NOTIFIER_ACTIVE_MAX];
        size_t n = 0;

        for (size_t i = 0; i < nf->n_active; i++)
                if (nf->active[i].severity >= ch->config.min_severity)
                        list[n++] = &nf->active[i];
        if (n > 0 && !ch->refresh)
                (void) notifier_start_transfer(nf, ch, NULL, list, n);
        (void) sd_event_source_set_time_relative(s, ch->config.type->refresh_interval(&ch->config));
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

void notifier_refresh_done(Notifier *nf, Channel *ch, int r, const char *reason) {
        if (r >= 0)
                nf->stats.refreshes++;
        else
                log_debug("re-sending firing alerts to %s failed: %s", ch->config.name, reason);
}

int notifier_add_channel(Notifier *nf, const ChannelConfig *c) {
        Channel **v, *ch;
        int r;

        if (!c->type || !c->url || !outbox_channel_name_valid(c->name) || notifier_find_channel(nf, c->name))
                return -EINVAL;
        v = realloc(nf->channels, (nf->n_channels + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        nf->channels = v;
        ch = calloc(1, sizeof(*ch));
        if (!ch)
                return -ENOMEM;
        ch->notifier = nf;
        channel_config_copy(&ch->config, c);
        nf->channels[nf->n_channels++] = ch;
        if (c->type->prepare_refresh) {
                r = sd_event_add_time_relative(nf->event, &ch->refresh_timer, CLOCK_MONOTONIC,
                                               c->type->refresh_interval(c), 0, on_refresh, ch);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(ch->refresh_timer, "notifier-refresh");
        }
        notifier_kick(nf); /* items from before a restart may be waiting for this channel */
        return 0;
}

int notifier_condition(Notifier *nf, const Notification *in, bool active) {
        Notification n = *in;
        usec_t now = n.time ? n.time : now_usec(CLOCK_REALTIME), since = 0;

        switch (condition_update(nf->conditions, n.check, n.kind, active, now, &since)) {
        case CONDITION_STARTED:
                n.phase = NOTIFY_FIRING;
                break;
        case CONDITION_REMINDER:
                n.phase = NOTIFY_FIRING;
                n.reminder = true;
                break;
        case CONDITION_RESOLVED:
                n.phase = NOTIFY_RESOLVED;
                break;
        default:
                return 0;
        }
        n.time = now;
        n.since = since;
        n.id[0] = '\0'; /* a new notification, with its own id */
        return notifier_submit(nf, &n);
}

int notifier_new(sd_event *e, const NotifierOptions *o, Notifier **ret) {
        Notifier *nf;
        int r;

        if (!o->outbox_dir)
                return -EINVAL;
        nf = calloc(1, sizeof(*nf));
        if (!nf)
                return -ENOMEM;
        nf->event = sd_event_ref(e);
        nf->retry_min = o->retry_min ? o->retry_min : NOTIFIER_RETRY_MIN_DEFAULT;
        nf->retry_max = o->retry_max ? o->retry_max : NOTIFIER_RETRY_MAX_DEFAULT;
        if (o->host)
                snprintf(nf->host, sizeof(nf->host), "%s", o->host);
        else if (gethostname(nf->host, sizeof(nf->host) - 1) < 0)
                snprintf(nf->host, sizeof(nf->host), "localhost");
        r = outbox_open(o->outbox_dir, o->outbox_max, &nf->outbox);
        if (r >= 0)
                r = condition_tracker_new(o->reminder, &nf->conditions);
        if (r >= 0)
                r = notifier_setup_loop(nf);
        if (r < 0) {
                notifier_free(nf);
                return r;
        }
        nf->stats.corrupt = nf->outbox->corrupt;
        if (nf->outbox->corrupt > 0)
                log_warning("outbox %s: %u unreadable notification files set aside as .corrupt.*",
                            o->outbox_dir, nf->outbox->corrupt);
        *ret = nf;
        return 0;
}

Notifier *notifier_free(Notifier *nf) {
        if (!nf)
                return NULL;
        for (OutboxEntry *e = nf->outbox ? nf->outbox->head : NULL; e; e = e->next)
                notifier_transfer_free(nf, e->transfer);
        for (size_t i = 0; i < nf->n_channels; i++)
                notifier_channel_free(nf, nf->channels[i]);
        free(nf->channels);
        curl_event_free(nf->curl);
        outbox_free(nf->outbox);
        condition_tracker_free(nf->conditions);
        sd_event_source_disable_unref(nf->timer);
        sd_event_unref(nf->event);
        free(nf);
        return NULL;
}

void notifier_get_stats(const Notifier *nf, NotifierStats *ret) {
        *ret = nf->stats;
        ret->pending = nf->outbox->n;
        ret->unstored = nf->outbox->unstored;
        ret->write_error = nf->outbox->unstored > 0 ? nf->outbox->write_error : 0;
}

bool notifier_idle(const Notifier *nf) {
        return nf->outbox->n == 0 && nf->in_flight == 0;
}
