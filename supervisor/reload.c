/* reload.c: replace the configuration of a running mailsupd (Reload, SIGHUP).
 *
 * A reload must never cost what a restart of mailsupd is careful to keep:
 * a check that keeps its name keeps its record (restart window, disabled
 * flag, last result), so reloading cannot wake up a disabled check or
 * forget the restarts that lead to disabling one. An invalid new config is
 * refused as a whole, with every FILE:LINE error, and the running one
 * stays: a typo must not leave the mail stack unwatched.
 *
 * Running probes hold pointers into the old Config, so they are cancelled
 * and their checks probed again at once. Units are kept (callbacks in
 * flight point at them); those no check uses any more are only unwatched.
 * What the reload did is published (news.h): NEWS_RELOADED (channels and
 * the heartbeat follow the new config; the outbox and the firing
 * conditions stay), then NEWS_CHECK_REMOVED per check that is gone, then
 * each added check as a change that shows.
 *
 * See also: supervisor.c, check.c (check_init), config.h.
 */
#include <systemd/sd-daemon.h>

#include "common/log.h"
#include "supervisor/check.h"
#include "supervisor/units.h"

static void names_add(char ***l, size_t *n, const char *name) {
        char **a = reallocarray(*l, *n + 2, sizeof(char *));

        if (!a)
                abort();
        a[(*n)++] = xstrdup(name);
        a[*n] = NULL;
        *l = a;
}

static void names_free(char **l) {
        for (size_t i = 0; l && l[i]; i++)
                free(l[i]);
        free(l);
}

void reload_summary_done(ReloadSummary *r) {
        names_free(r->kept);
        names_free(r->added);
        names_free(r->removed);
        *r = (ReloadSummary) {};
}

/* The new check c takes over old's record; what was in flight on the old
 * unit stays valid only if the unit is the same one. */
static void take_over(Check *c, const CheckConfig *cc, WatchedUnit *u, Check *old) {
        Supervisor *s = old->sup;
        CheckRecord rec = old->rec;
        bool same_unit = old->unit == u;

        if (!same_unit) {
                /* Another unit's NRestarts says nothing about this one's. */
                rec.policy.seen_n_restarts = N_RESTARTS_UNKNOWN;
                rec.policy.restart_pending = rec.policy.in_grace = false;
        }
        check_init(c, s, cc, u, &rec);
        c->recovering = same_unit && old->recovering;
        c->awaiting_unit = same_unit && old->awaiting_unit;
        c->next_probe = old->next_probe;
        c->last_probe = old->last_probe;
        c->threshold = old->threshold;
        c->announced = old->announced;
        memcpy(c->announced_reason, old->announced_reason, sizeof(c->announced_reason));
}

enum { KEPT, KEPT_REPROBE, ADDED };

/* When a kept check runs next: as before if it keeps its own pace, else now. */
static usec_t kept_due(const Check *old, const CheckConfig *cc) {
        uint64_t due;

        if (old && old->pace && old->config->interval == cc->interval &&
            sd_event_source_get_time(old->pace, &due) >= 0)
                return due;
        return now_usec(CLOCK_MONOTONIC);
}

/* how[i] says what became of the new checks[i], due[i] when it runs next
 * if at its own pace. */
static void rebuild_checks(Supervisor *s, const Config *cfg, ReloadSummary *sum, uint8_t *how, usec_t *due) {
        Check *checks = calloc(cfg->n_checks + 1, sizeof(Check));
        StrMap kept = {}; /* the new checks' names */
        size_t n = 0;

        if (!checks)
                abort();
        for (size_t i = 0; i < cfg->n_checks; i++) {
                const CheckConfig *cc = &cfg->checks[i];
                WatchedUnit *u = cc->unit ? units_get(s, cc->unit, false) : NULL;
                Check *old = supervisor_find_check(s, cc->name);

                if (cfg->skip_missing_units && u && u->view.phase == UNIT_PHASE_MISSING)
                        continue;
                due[n] = kept_due(old, cc);
                if (old) {
                        how[n] = old->probe ? KEPT_REPROBE : KEPT;
                        take_over(&checks[n], cc, u, old);
                        check_setup_state(&checks[n++], old);
                        names_add(&sum->kept, &sum->n_kept, cc->name);
                } else {
                        how[n] = ADDED;
                        check_init(&checks[n], s, cc, u, NULL);
                        check_setup_state(&checks[n++], NULL);
                        names_add(&sum->added, &sum->n_added, cc->name);
                }
                if (strmap_put(&kept, cc->name, n - 1) < 0)
                        abort();
        }
        for (size_t i = 0; i < s->n_checks; i++) {
                const char *name = s->checks[i].config->name;

                if (!strmap_get(&kept, name, NULL))
                        names_add(&sum->removed, &sum->n_removed, name);
                check_cancel_probe(&s->checks[i]);
                check_done(&s->checks[i]); /* what a kept check took over is no longer here */
        }
        free(s->checks);
        s->checks = checks;
        s->n_checks = n;
        strmap_clear(&kept);
        supervisor_index_checks(s);
}

static void announce(Supervisor *s, const uint8_t *how) {
        for (size_t i = 0; i < s->n_checks; i++) {
                if (how[i] == ADDED)
                        check_announce(&s->checks[i]);
                /* New checks, and those whose probe the reload cancelled, run now. */
                if (how[i] != KEPT)
                        (void) check_start_probe(&s->checks[i], s->checks[i].next_probe);
        }
}

static int refuse(Supervisor *s, ConfigErrors *errors, int r) {
        news_event(s, EVENT_RELOAD_FAILED, NULL, NULL,
                   "reload refused: the new configuration has %zu error%s; still running on the old one",
                   errors->n, errors->n == 1 ? "" : "s");
        for (size_t i = 0; i < errors->n; i++)
                log_error("%s", errors->lines[i]);
        return r;
}

void supervisor_log_listeners(const Config *c) {
        for (size_t i = 0; i < c->n_checks; i++)
                if (c->checks[i].listen_found)
                        log_info("%s: listen_from %s", c->checks[i].name, c->checks[i].listen_found);
}

int supervisor_reload(Supervisor *s, ConfigErrors *errors, ReloadSummary *ret) {
        _cleanup_(config_freep) Config *new = NULL;
        _cleanup_free_ uint8_t *how = NULL;
        _cleanup_free_ usec_t *due = NULL;
        ReloadSummary sum = {};
        usec_t old_interval = s->config->interval;
        int r;

        if (s->drill)
                return -EBUSY;
        r = config_load(s->config_arg, &new, errors);
        if (r < 0)
                return refuse(s, errors, r);
        if (new->bus != s->config->bus) {
                config_errors_add(errors, new->path, 0, "bus cannot change on reload: restart mailsupd");
                return refuse(s, errors, -EINVAL);
        }
        how = calloc(new->n_checks + 1, sizeof(uint8_t));
        due = calloc(new->n_checks + 1, sizeof(usec_t));
        if (!how || !due)
                return -ENOMEM;
        (void) sd_notify(false, "RELOADING=1");
        rebuild_checks(s, new, &sum, how, due);
        config_free(s->config);
        s->config = TAKE_PTR(new);
        for (size_t i = 0; i < s->n_checks; i++)
                supervisor_pace_check(s, &s->checks[i], due[i]);
        units_unwatch_unused(s);
        news_publish(s, &(News) { .kind = NEWS_RELOADED });
        for (size_t i = 0; i < sum.n_removed; i++)
                news_publish(s, &(News) { .kind = NEWS_CHECK_REMOVED, .removed = { .name = sum.removed[i] } });
        if (s->config->interval != old_interval)
                supervisor_rearm_cycle(s);
        s->last_reload = now_usec(CLOCK_REALTIME);
        news_event(s, EVENT_CONFIG_RELOADED, NULL, NULL, "reloaded %s: %zu checks (%zu kept, %zu added, %zu removed)",
                   s->config->path ?: "the embedded default", s->n_checks, sum.n_kept, sum.n_added, sum.n_removed);
        announce(s, how);
        supervisor_log_listeners(s->config);
        (void) sd_notify(false, "READY=1");
        if (ret)
                *ret = sum;
        else
                reload_summary_done(&sum);
        return 0;
}
