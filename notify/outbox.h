/* outbox.h: the durable queue of notifications not yet accepted.
 *
 * A notification the supervisor raises while the webhook is down, or just
 * before mailsupd is SIGKILLed, must still arrive. So every (notification,
 * channel) pair is one file in the outbox directory, written to a temp name,
 * fsynced, renamed into place and the directory fsynced, before the first
 * delivery attempt; it is removed only once the channel accepted it. On
 * start the directory is rescanned and every pending item resumes. The
 * queue is bounded: the owner asks outbox_victim() for the item to drop
 * (least severe first, oldest within a severity) when outbox_add() says full
 * (-EXFULL: outbox_max items, and only that). A file that cannot be written
 * (a full disk, an I/O error) never loses the item: it is kept in memory,
 * counted against outbox_max, delivered like any other, and written by
 * outbox_store_pending() once the disk takes it again.
 *
 * File "<id>.<channel>": "mailsup-outbox 1" then key=value lines. Stale
 * ".tmp.*" files are removed on open; unreadable items are renamed to
 * ".corrupt.<name>" and counted, never fatal.
 *
 * See also: notifier.h (delivery, retry, expiry), supervisor/state.c.
 */
#pragma once

#include "notify/notification.h"

#define OUTBOX_CHANNEL_MAX 64
#define OUTBOX_DEFAULT_MAX 1000
#define OUTBOX_FILE_MAX 4096           /* bytes of one item file, as read back */

typedef struct OutboxEntry OutboxEntry;

struct OutboxEntry {
        Notification n;
        char channel[OUTBOX_CHANNEL_MAX];
        usec_t queued;                  /* CLOCK_REALTIME, when first written */

        /* The deliverer's bookkeeping: kept in memory only. */
        unsigned attempts;
        usec_t next_attempt;            /* CLOCK_MONOTONIC; 0 = due now */
        void *transfer;                 /* non-NULL while a delivery is in flight */
        bool stored;                    /* its file is on disk (else in memory only, for now) */

        OutboxEntry *next;              /* oldest first */
};

typedef struct Outbox {
        char *dir;
        int dir_fd;
        size_t max;
        size_t n;
        OutboxEntry *head;
        unsigned corrupt;               /* files set aside by the last scan */
        size_t unstored;                /* items held in memory only: their write failed */
        int write_error;                /* the last write's error (-errno), 0 once all are stored */
} Outbox;

/* Creates dir (0700) if needed and loads every pending item. max 0 = default. */
int outbox_open(const char *dir, size_t max, Outbox **ret);
Outbox *outbox_free(Outbox *o);

/* Durably stores n for channel: 0. When its file cannot be written, the
 * item is kept in memory all the same and 1 is returned (o->write_error
 * says why). -EXFULL when outbox_max items are queued (nothing added). */
int outbox_add(Outbox *o, const Notification *n, const char *channel, OutboxEntry **ret);
/* Writes the items held in memory only, oldest first: the number written,
 * or the first error (-errno; those not yet written stay in memory). */
int outbox_store_pending(Outbox *o);
/* Removes the item's file and frees it. */
int outbox_remove(Outbox *o, OutboxEntry *e);
/* The item to drop when full: the least severe, oldest within; NULL if empty. */
OutboxEntry *outbox_victim(const Outbox *o);

/* Pure parts, for tests: one item's file text, and back. */
int outbox_format(const OutboxEntry *e, char *buf, size_t size);
int outbox_parse(const char *text, size_t len, OutboxEntry *ret);
/* A valid channel name (letters, digits, '-', '_', '.'; not starting with '.'). */
bool outbox_channel_name_valid(const char *name);
