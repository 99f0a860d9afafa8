/* notifier.c: outbox delivery with retry, expiry and bounds (see notifier.h).
 *
 * One timer drives everything: it fires when the earliest pending item is
 * due, starts what may start (oldest first, at most NOTIFIER_MAX_IN_FLIGHT),
 * drops what outlived its channel's max_age, and re-arms. A finished
 * transfer removes its item (accepted) or pushes its next attempt out
 * (retry_min * 2^(attempts-1), at most retry_max), then kicks the timer.
 * Nothing here blocks: files are small and written once per notification.
 *
 * See also: notifier-alerts.c (conditions, Alertmanager re-sends), outbox.c.
 */
#include "notify/notifier-internal.h"

#include <inttypes.h>
#include <sys/random.h>

#include "common/log.h"

Channel *notifier_find_channel(Notifier *nf, const char *name) {
        for (size_t i = 0; i < nf->n_channels; i++)
                if (streq(nf->channels[i]->config.name, name))
                        return nf->channels[i];
        return NULL;
}

void notifier_transfer_free(Notifier *nf, Transfer *t) {
        if (!t)
                return;
        curl_event_remove(nf->curl, t->req->easy);
        channel_request_free(t->req);
        if (t->entry)
                t->entry->transfer = NULL;
        else if (t->test_cb) {
                for (Transfer **p = &nf->tests; *p; p = &(*p)->test_next)
                        if (*p == t) {
                                *p = t->test_next;
                                break;
                        }
                free(t->test_n);
        } else
                t->channel->refresh = NULL;
        nf->in_flight--;
        free(t);
}

static usec_t backoff(const Notifier *nf, unsigned attempts) {
        usec_t d = nf->retry_min;

        for (unsigned i = 1; i < attempts && d < nf->retry_max; i++)
                d *= 2;
        return d < nf->retry_max ? d : nf->retry_max;
}

static void on_transfer_done(CurlEvent *ce, CURL *easy, CURLcode result, void *userdata) {
        Notifier *nf = userdata;
        Transfer *t = NULL;
        OutboxEntry *e;
        Channel *ch;
        char reason[CURL_ERROR_SIZE + 32];
        int r;

        (void) sym_curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &t);
        r = t->channel->config.type->judge(&t->channel->config, t->req, result, reason, sizeof(reason));
        e = t->entry;
        ch = t->channel;
        if (t->test_cb) {
                notifier_test_done(nf, t, r, reason);
                return;
        }
        notifier_transfer_free(nf, t);
        if (e && nf->observer)
                nf->observer(&e->n, e->channel, r, reason, nf->observer_userdata);
        if (!e)
                notifier_refresh_done(nf, ch, r, reason);
        else if (r >= 0) {
                nf->stats.delivered++;
                log_debug("notification %s (%s) delivered to %s: %s", e->n.id, e->n.kind, e->channel, reason);
                (void) outbox_remove(nf->outbox, e);
        } else {
                char d[32];

                e->attempts++;
                e->next_attempt = now_usec(CLOCK_MONOTONIC) + backoff(nf, e->attempts);
                nf->stats.failed_attempts++;
                /* At warning once per item: the operator should learn the channel is down, not every retry. */
                log_full_errno(e->attempts == 1 ? LOG_WARNING : LOG_DEBUG, 0,
                               "notification %s (%s) to %s failed (attempt %u), retrying in %s: %s",
                               e->n.id, e->n.kind, e->channel, e->attempts,
                               format_duration(d, sizeof(d), backoff(nf, e->attempts)), reason);
        }
        notifier_kick(nf);
}

/* Starts one attempt: the request, owned by a Transfer that the done callback frees. */
int notifier_start_transfer(Notifier *nf, Channel *ch, OutboxEntry *e, const Notification *const *list,
                            size_t n) {
        Transfer *t = calloc(1, sizeof(*t));
        int r;

        if (!t)
                return -ENOMEM;
        *t = (Transfer) { .channel = ch, .entry = e };
        r = channel_request_new(&ch->config, &t->req);
        if (r < 0) {
                free(t);
                return r;
        }
        if (e)
                r = ch->config.type->prepare(&ch->config, &e->n, t->req);
        else
                r = ch->config.type->prepare_refresh(&ch->config, list, n, t->req);
        if (r >= 0 && sym_curl_easy_setopt(t->req->easy, CURLOPT_PRIVATE, (char *) t) != CURLE_OK)
                r = -EINVAL;
        if (r >= 0)
                r = notifier_curl_add(nf, t->req->easy);
        nf->in_flight++;
        if (e)
                e->transfer = t;
        else
                ch->refresh = t;
        if (r < 0)
                notifier_transfer_free(nf, t);
        return r;
}

static void dropped(Notifier *nf, const Notification *n, const char *channel, int r, const char *reason) {
        if (nf->drop_observer)
                nf->drop_observer(n, channel, r, reason, nf->drop_observer_userdata);
}

/* Whether the outbox's files are written: said once when they stop being
 * written, and once when they are again, never per notification. */
static void note_outbox_writes(Notifier *nf, int written) {
        Outbox *o = nf->outbox;

        if (o->unstored > 0 && !nf->write_failing) {
                nf->write_failing = true;
                log_error("cannot write outbox: %s (%s); notifications are kept in memory, delivered, "
                          "and written when it can", strerror(-o->write_error), o->dir);
        } else if (o->unstored == 0 && nf->write_failing) {
                nf->write_failing = false;
                log_notice("outbox %s is written again: %d notification%s kept in memory now on disk", o->dir,
                           written, written == 1 ? "" : "s");
        }
}

static void expire(Notifier *nf, OutboxEntry *e) {
        nf->stats.expired++;
        dropped(nf, &e->n, e->channel, -ETIME, "not accepted within max_age");
        log_warning("notification %s (%s, %s) to %s dropped: not accepted within max_age after %u attempts",
                    e->n.id, e->n.kind, severity_to_string(e->n.severity), e->channel, e->attempts);
        (void) outbox_remove(nf->outbox, e);
}

/* One pass over the outbox, oldest first; returns when the next item is due. */
static usec_t dispatch(Notifier *nf) {
        usec_t now = now_usec(CLOCK_MONOTONIC), rt = now_usec(CLOCK_REALTIME), next = USEC_INFINITY;
        OutboxEntry *e, *following;

        if (nf->outbox->unstored > 0 && now >= nf->next_store) {
                int r = outbox_store_pending(nf->outbox);

                note_outbox_writes(nf, r);
                nf->next_store = now + nf->retry_min;
        }
        if (nf->outbox->unstored > 0)
                next = nf->next_store;
        for (e = nf->outbox->head; e; e = following) {
                Channel *ch = notifier_find_channel(nf, e->channel);
                usec_t max_age = ch ? ch->config.max_age : 24 * USEC_PER_HOUR;

                following = e->next;
                if (e->transfer)
                        continue;
                if (rt > e->queued && rt - e->queued > max_age) {
                        expire(nf, e);
                        continue;
                }
                if (!ch) /* its channel is not configured (yet): it waits, and expires */
                        continue;
                if (e->next_attempt > now) {
                        next = e->next_attempt < next ? e->next_attempt : next;
                        continue;
                }
                if (nf->in_flight >= NOTIFIER_MAX_IN_FLIGHT)
                        break; /* a finishing transfer kicks us again */
                if (notifier_start_transfer(nf, ch, e, NULL, 0) < 0) {
                        e->attempts++;
                        e->next_attempt = now + backoff(nf, e->attempts);
                        next = e->next_attempt < next ? e->next_attempt : next;
                }
        }
        return next;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Notifier *nf = userdata;
        usec_t next = dispatch(nf);

        if (next == USEC_INFINITY)
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        (void) sd_event_source_set_time(s, next);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* libcurl's multi handle is made with the first transfer: a mailsupd
 * whose channels never send (or that has none) never loads libcurl. */
int notifier_curl_add(Notifier *nf, CURL *easy) {
        int r = nf->curl ? 0 : curl_event_new(nf->event, on_transfer_done, nf, &nf->curl);

        return r < 0 ? r : curl_event_add(nf->curl, easy);
}

int notifier_setup_loop(Notifier *nf) {
        int r = sd_event_add_time(nf->event, &nf->timer, CLOCK_MONOTONIC, 1, 0, on_timer, nf);

        if (r >= 0)
                (void) sd_event_source_set_description(nf->timer, "notifier-outbox");
        return r;
}

/* Run dispatch() from the loop soon (never from inside a caller's call). */
void notifier_kick(Notifier *nf) {
        (void) sd_event_source_set_time(nf->timer, 1);
        (void) sd_event_source_set_enabled(nf->timer, SD_EVENT_ONESHOT);
}

static void make_id(char id[static NOTIFY_ID_LEN + 1], uint64_t *counter) {
        uint8_t b[16];

        if (getrandom(b, sizeof(b), GRND_NONBLOCK) != sizeof(b)) {
                /* Early boot without entropy yet: time and a counter are unique enough for an id. */
                uint64_t t = now_usec(CLOCK_REALTIME), c = ++*counter ^ ((uint64_t) getpid() << 32);
                memcpy(b, &t, 8);
                memcpy(b + 8, &c, 8);
        }
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(id + 2 * i, 3, "%02x", b[i]);
}

/* Room for one more item of severity s: drop the least severe oldest one,
 * unless the newcomer is the least severe (then it is the one dropped).
 * Only ever for outbox_max: a write error never evicts anything. */
static int make_room(Notifier *nf, const Notification *n, const char *channel) {
        OutboxEntry *v = outbox_victim(nf->outbox);

        nf->stats.dropped++;
        if (!v || v->n.severity > n->severity) {
                log_warning("outbox full (outbox_max = %zu items): notification %s (%s, %s) for %s dropped",
                            nf->outbox->max, n->id, n->kind, severity_to_string(n->severity), channel);
                dropped(nf, n, channel, -EXFULL, "outbox full");
                return -EXFULL;
        }
        log_warning("outbox full (outbox_max = %zu items): dropped older notification %s (%s, %s) for %s",
                    nf->outbox->max, v->n.id, v->n.kind, severity_to_string(v->n.severity), v->channel);
        dropped(nf, &v->n, v->channel, -EXFULL, "outbox full");
        if (v->transfer)
                notifier_transfer_free(nf, v->transfer);
        (void) outbox_remove(nf->outbox, v);
        return 0;
}

static int queue_one(Notifier *nf, Channel *ch, const Notification *n) {
        int r = outbox_add(nf->outbox, n, ch->config.name, NULL);

        if (r == -EXFULL) {
                r = make_room(nf, n, ch->config.name);
                if (r < 0)
                        return r;
                r = outbox_add(nf->outbox, n, ch->config.name, NULL);
        }
        if (r < 0)
                return log_error_errno(r, "cannot queue notification %s for %s: %s", n->id, ch->config.name,
                                       strerror(-r));
        nf->stats.queued++;
        note_outbox_writes(nf, 0);
        return 0;
}

int notifier_submit(Notifier *nf, const Notification *in) {
        Notification n = *in;
        int r, queued = 0, failed = 0;

        if (!n.id[0])
                make_id(n.id, &nf->id_counter);
        if (!n.host[0])
                snprintf(n.host, sizeof(n.host), "%s", nf->host);
        if (n.time == 0)
                n.time = now_usec(CLOCK_REALTIME);
        notifier_track_alert(nf, &n);
        for (size_t i = 0; i < nf->n_channels; i++) {
                Channel *ch = nf->channels[i];

                if (n.severity < ch->config.min_severity)
                        continue;
                if (n.phase == NOTIFY_RESOLVED)
                        notifier_supersede(nf, ch, &n);
                r = queue_one(nf, ch, &n);
                if (r >= 0)
                        queued++;
                else if (r != -EXFULL)
                        failed = r;
        }
        if (queued > 0)
                notifier_kick(nf);
        return failed < 0 && queued == 0 ? failed : queued;
}
