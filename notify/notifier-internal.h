/* notifier-internal.h: what notifier.c and notifier-alerts.c share. */
#pragma once

#include "notify/condition.h"
#include "notify/notifier.h"
#include "notify/outbox.h"
#include "common/curl-event.h"

typedef struct Transfer Transfer;

typedef struct Channel {
        ChannelConfig config;
        Notifier *notifier;
        sd_event_source *refresh_timer; /* types with prepare_refresh */
        Transfer *refresh;              /* the re-send in flight */
} Channel;

struct Transfer {
        Channel *channel;
        OutboxEntry *entry;             /* NULL: a re-send of the firing alerts, or a test */
        ChannelRequest *req;
        NotifierResultCallback test_cb; /* a test (notifier_test()) */
        void *test_userdata;
        Notification *test_n;
        Transfer *test_next;            /* Notifier.tests */
};

struct Notifier {
        sd_event *event;
        CurlEvent *curl;
        Outbox *outbox;
        ConditionTracker *conditions;
        sd_event_source *timer;
        Channel **channels;
        size_t n_channels;
        char host[128];
        usec_t retry_min, retry_max;
        unsigned in_flight;
        uint64_t id_counter;
        Notification active[NOTIFIER_ACTIVE_MAX]; /* firing alerts, for re-sends */
        size_t n_active;
        NotifierStats stats;
        NotifierResultCallback observer, drop_observer;
        void *observer_userdata, *drop_observer_userdata;
        Transfer *tests;                /* test transfers in flight */
        bool write_failing;             /* outbox files not written (said once) */
        usec_t next_store;              /* CLOCK_MONOTONIC: next try to write them */
};

Channel *notifier_find_channel(Notifier *nf, const char *name);
int notifier_start_transfer(Notifier *nf, Channel *ch, OutboxEntry *e, const Notification *const *list, size_t n);
void notifier_transfer_free(Notifier *nf, Transfer *t);
void notifier_kick(Notifier *nf);
void notifier_test_done(Notifier *nf, Transfer *t, int r, const char *reason);
void notifier_channel_free(Notifier *nf, Channel *ch);
void notifier_track_alert(Notifier *nf, const Notification *n);
void notifier_supersede(Notifier *nf, Channel *ch, const Notification *resolved);
void notifier_refresh_done(Notifier *nf, Channel *ch, int r, const char *reason);
/* The outbox timer (armed: a restart resumes at once). */
int notifier_setup_loop(Notifier *nf);
/* Hand a transfer's handle to libcurl's multi, made on first use. */
int notifier_curl_add(Notifier *nf, CURL *easy);
