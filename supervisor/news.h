/* news.h: the one publish point of mailsupd.
 *
 * Whatever the supervisor learns (an event, a check's change, a unit's
 * state, a cycle's end, a notification's delivery) is published once, here,
 * to the subscribers registered at start: the D-Bus API (signals), alerting
 * (every notification, conditions and one-off events alike, and the
 * heartbeat), the fire drill, the state saver, the STATUS= line and the
 * metrics exporter. The module that learns something never calls its
 * consumers by name, so a new consumer is one more subscriber and touches
 * nothing that publishes. Subscribers run in the order they subscribed, inside the
 * publishing call; they may publish in turn.
 *
 * See also: events.h (the kinds), supervisor.c (who subscribes), check.c.
 */
#pragma once

#include "probes/probe.h"
#include "supervisor/events.h"

struct Supervisor;
struct Check;
struct WatchedUnit;
struct Notification;

typedef enum NewsKind {
        NEWS_EVENT,             /* something happened; already in the journal */
        NEWS_CHECK,             /* a check's state, result or restart bookkeeping changed */
        NEWS_CHECK_REMOVED,     /* a reload dropped a check */
        NEWS_UNIT,              /* systemd told us a unit's state (its NRestarts: restarts of its own) */
        NEWS_CYCLE_STARTED,
        NEWS_CYCLE_DONE,        /* the cycle's last probe ended */
        NEWS_RELOADED,          /* a new configuration is in place, its checks rebuilt */
        NEWS_DELIVERY,          /* one delivery attempt of a notification ended */
        NEWS_DROPPED,           /* a notification was given up (outbox full, max_age): .delivery */
        NEWS_DRILL_STEP,        /* a step of the fire drill */
        _NEWS_KIND_MAX,
} NewsKind;

typedef struct News {
        NewsKind kind;
        union {
                struct {
                        EventKind kind;
                        const char *check, *unit;       /* either may be NULL */
                        const char *message;
                } event;
                struct {
                        struct Check *check;
                        EventKind why;                  /* what changed it; _EVENT_KIND_MAX: a routine result */
                        bool visible;                   /* state or reason differ from the last announced */
                        const ProbeResult *result;      /* the probe result just counted, or NULL */
                } check;
                struct {
                        const char *name;
                } removed;
                struct {
                        const struct WatchedUnit *unit;
                } unit;
                struct {
                        uint64_t number;
                        usec_t duration;                /* NEWS_CYCLE_DONE */
                } cycle;
                struct {
                        const struct Notification *notification;
                        EventKind kind;                 /* its kind; _EVENT_KIND_MAX when not one of ours */
                        const char *channel;
                        int error;                      /* >= 0: accepted; NEWS_DROPPED: -ETIME, -EXFULL */
                        const char *reason;
                } delivery;
                struct {
                        const char *check, *step, *result, *detail;
                        usec_t elapsed;
                } drill_step;
        };
} News;

typedef void (*news_handler_t)(struct Supervisor *s, const News *n, void *userdata);

#define NEWS_SUBSCRIBERS_MAX 16

typedef struct Subscriber {
        const char *name;
        news_handler_t handler;
        void *userdata;
} Subscriber;

/* At start-up (supervisor_new()); aborts past NEWS_SUBSCRIBERS_MAX, a
 * programming error. */
void news_subscribe(struct Supervisor *s, const char *name, news_handler_t handler, void *userdata);
void news_publish(struct Supervisor *s, const News *n);

/* Journal the event (MESSAGE_ID, CHECK=, OBJECT_SYSTEMD_UNIT=), then
 * publish it as NEWS_EVENT. check and unit may be NULL. */
void news_event(struct Supervisor *s, EventKind kind, const char *check, const char *unit, const char *fmt, ...)
        _printf_(5, 6);
