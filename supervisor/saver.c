/* saver.c: the state file follows what the checks learn.
 *
 * A subscriber to the news (news.h). The restart window and the disabled
 * flag must survive a SIGKILL at once, so a restart, a disable, a reset, a
 * stand-aside or a unit's state is saved as soon as the loop is idle (a
 * defer source at idle priority: one write for everything that happened
 * meanwhile, never between two probes' events). Results (a check failing,
 * recovering, one more cycle) wait for the cycle's end: with 10,000 checks,
 * 2,000 of them timing out, the file of 10,000 entries is written once per
 * cycle, not once per failure; and not at all when no check's record
 * changed in what the file keeps (state_record_changed(): a healthy check's
 * new latency is not worth a write, an fsync and a rename every cycle). A
 * SIGKILL loses at most a cycle's results, which the next cycle probes
 * afresh, never a restart.
 *
 * A save that fails (a full disk) is an event, state-save-failed, once per
 * spell of failures; it shows in mailsupctl status and the heartbeat's
 * summary while it lasts, is retried at every cycle's end, and is logged
 * again at most every SAVER_LOG_EVERY, then once when a save works again.
 *
 * See also: state.c (the file), news.h.
 */
#include "supervisor/saver.h"

#include <inttypes.h>

#include "common/log.h"
#include "supervisor/news.h"

#define SAVER_LOG_EVERY (10 * USEC_PER_MINUTE)

typedef struct Saver {
        sd_event_source *defer;
        bool at_cycle_end;              /* routine results wait for the cycle end */
        int error;                      /* the last save's error, 0 when it worked */
        uint64_t failures;              /* failed saves in this spell */
        usec_t logged;                  /* CLOCK_MONOTONIC, when last said */
} Saver;

/* Said once when saves start failing, at most every SAVER_LOG_EVERY while
 * they do, once when they work again. */
static void note_save(Supervisor *s, Saver *sv, int r) {
        const char *dir = s->config->state_directory;
        usec_t now = now_usec(CLOCK_MONOTONIC);

        if (r >= 0) {
                if (sv->failures > 0)
                        log_notice("state saved to %s again, after %" PRIu64 " failed save%s", dir, sv->failures,
                                   sv->failures == 1 ? "" : "s");
                sv->error = 0, sv->failures = 0;
                return;
        }
        sv->error = r;
        sv->at_cycle_end = true; /* retried at the cycle's end */
        if (sv->failures++ == 0) {
                sv->logged = now;
                news_event(s, EVENT_STATE_SAVE_FAILED, NULL, NULL, "cannot save state to %s: %s; "
                           "the restart history is kept in memory and saved when it can", dir, strerror(-r));
        } else if (now - sv->logged >= SAVER_LOG_EVERY) {
                sv->logged = now;
                log_error("still cannot save state to %s: %s (%" PRIu64 " failed saves)", dir, strerror(-r),
                          sv->failures);
        } else
                log_debug("cannot save state to %s: %s (%" PRIu64 " failed saves)", dir, strerror(-r),
                          sv->failures);
}

int saver_save_now(Supervisor *s) {
        _cleanup_free_ StateEntry *entries = calloc(s->n_checks + 1, sizeof(StateEntry));
        int r;

        if (!entries)
                return -ENOMEM;
        if (s->saver)
                s->saver->at_cycle_end = false;
        for (size_t i = 0; i < s->n_checks; i++) {
                entries[i] = (StateEntry) { .name = s->checks[i].config->name, .record = s->checks[i].rec };
                s->checks[i].unsaved = false;
        }
        r = state_write(s->config->state_directory, entries, s->n_checks);
        if (s->saver)
                note_save(s, s->saver, r);
        else if (r < 0)
                log_error_errno(r, "cannot save state to %s: %m", s->config->state_directory);
        return r;
}

static int on_save(sd_event_source *src, void *userdata) {
        (void) saver_save_now(userdata);
        return 0;
}

static void save_soon(Saver *sv) {
        (void) sd_event_source_set_enabled(sv->defer, SD_EVENT_ONESHOT);
}

/* Must this change of a check survive a SIGKILL at once? Restarts and
 * their bookkeeping must; a probe's verdict can wait for the cycle's end. */
static bool for_the_record(const News *n) {
        CheckState st = check_state(n->check.check);

        if (st == CHECK_STATE_RESTARTING || st == CHECK_STATE_DISABLED)
                return n->check.visible || n->check.why != _EVENT_KIND_MAX;
        switch (n->check.why) {
        case EVENT_CHECK_FAILED:
        case EVENT_CHECK_RECOVERED:
        case EVENT_THRESHOLD_BREACHED:
        case _EVENT_KIND_MAX:
                return false;
        default:
                return true;
        }
}

static void on_news(Supervisor *s, const News *n, void *userdata) {
        Saver *sv = userdata;

        switch (n->kind) {
        case NEWS_CHECK:
                if (for_the_record(n))
                        save_soon(sv);
                else if (n->check.check->unsaved)
                        sv->at_cycle_end = true;
                break;
        case NEWS_UNIT:
        case NEWS_RELOADED:
        case NEWS_CHECK_REMOVED:
                save_soon(sv);
                break;
        case NEWS_CYCLE_STARTED: /* results of probes outside a cycle, or of a cycle that never ended */
        case NEWS_CYCLE_DONE:
                if (sv->at_cycle_end)
                        save_soon(sv);
                break;
        default:
                break;
        }
}

int saver_start(Supervisor *s) {
        Saver *sv = calloc(1, sizeof(*sv));
        int r;

        if (!sv)
                return -ENOMEM;
        r = sd_event_add_defer(s->event, &sv->defer, on_save, s);
        if (r < 0) {
                free(sv);
                return r;
        }
        (void) sd_event_source_set_priority(sv->defer, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_enabled(sv->defer, SD_EVENT_OFF);
        s->saver = sv;
        news_subscribe(s, "state-saver", on_news, sv);
        return 0;
}

int saver_error(const Supervisor *s, uint64_t *ret_failures) {
        if (ret_failures)
                *ret_failures = s->saver ? s->saver->failures : 0;
        return s->saver ? s->saver->error : 0;
}

void saver_stop(Supervisor *s) {
        if (!s->saver)
                return;
        sd_event_source_disable_unref(s->saver->defer);
        free(s->saver);
        s->saver = NULL;
}
