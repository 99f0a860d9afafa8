/* heartbeat.h: a dead man's switch: one ping per supervisor cycle.
 *
 * Alerts say what mailsupd saw; they cannot say that mailsupd itself (or
 * the whole host) is gone. An external monitor that expects a ping every
 * cycle can. healthchecks.io style (the default, heartbeat_method = post):
 * POST URL/start when a cycle starts (optional), POST URL when it completed
 * with everything healthy, POST URL/fail when a check is failing or disabled
 * (unless report_failures is off: then URL), with a short plain-text summary
 * as the body (at most HEARTBEAT_BODY_MAX bytes). heartbeat_method = get
 * fits Uptime Kuma push monitors: GET URL?status=up|down&msg=<summary's
 * first line>&ping=<cycle ms>.
 *
 * A ping is never retried and never waits: a new ping cancels one still in
 * flight (counted as failed), so a slow monitor costs nothing but its own
 * count. Failures are counted for the supervisor to show.
 *
 * See also: notifier.h (alerts), supervisor/supervisor.c (the cycle).
 */
#pragma once

#include <systemd/sd-event.h>

#include "common/util.h"

#define HEARTBEAT_BODY_MAX (10 * 1000)
#define HEARTBEAT_ERROR_MAX 160

typedef enum HeartbeatKind {
        HEARTBEAT_START,                /* a cycle begins */
        HEARTBEAT_SUCCESS,              /* completed, every check healthy */
        HEARTBEAT_FAIL,                 /* completed, some check failing or disabled */
} HeartbeatKind;

typedef enum HeartbeatMethod {
        HEARTBEAT_POST,                 /* healthchecks.io: URL, URL/start, URL/fail */
        HEARTBEAT_GET,                  /* Uptime Kuma push: URL?status=up|down&msg=&ping= */
} HeartbeatMethod;

typedef struct HeartbeatConfig {
        const char *url;                /* heartbeat_url */
        HeartbeatMethod method;         /* heartbeat_method = post | get (post) */
        bool report_failures;           /* heartbeat_report_failures (yes) */
        bool send_start;                /* heartbeat_start (no): ping URL/start too */
        usec_t timeout;                 /* 0 = 10s; shorter than the interval */
} HeartbeatConfig;

typedef struct HeartbeatStats {
        uint64_t sent, ok, failed;
        usec_t last_ok;                 /* CLOCK_REALTIME, 0 = never */
        int last_result;                /* the last finished ping: 1 accepted, -1 failed, 0 none yet */
        char last_error[HEARTBEAT_ERROR_MAX];
} HeartbeatStats;

typedef struct Heartbeat Heartbeat;

int heartbeat_method_from_string(const char *s, HeartbeatMethod *ret);
/* Checks url (http or https) and copies c. */
int heartbeat_new(sd_event *e, const HeartbeatConfig *c, Heartbeat **ret);
Heartbeat *heartbeat_free(Heartbeat *hb);

/* Sends one ping now (cancelling one in flight). summary may be NULL. */
int heartbeat_ping(Heartbeat *hb, HeartbeatKind kind, const char *summary, usec_t cycle_duration);
const HeartbeatStats *heartbeat_stats(const Heartbeat *hb);
/* The URL a ping of this kind goes to (for tests and `mailsupctl`). */
int heartbeat_url(const Heartbeat *hb, HeartbeatKind kind, const char *summary, usec_t cycle_duration,
                  char **ret);
