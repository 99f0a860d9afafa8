/* metrics.c: the exporter's subscriber, its listener and its textfile
 * (metrics.h).
 *
 * It hears the news and only counts: a restart by mailsupd (the event
 * unit-restarted), systemd's own (growth of a unit's NRestarts, as the
 * policy counts them), each channel's deliveries and drops, and the values
 * of each check's last probe result. The page is rendered when asked for,
 * at most once per second or when news came in since, and shared by every
 * scraper reading it. A scrape is served at idle priority on the same loop
 * (common/http-server.c): a probe's socket or timer always goes first.
 *
 * See also: metrics-page.c (what the page says), metrics-counters.c.
 */
#include "supervisor/metrics-internal.h"

#include "common/log.h"
#include "common/prom-text.h"
#include "supervisor/units.h"

#define PAGE_MAX_AGE USEC_PER_SEC

static char *render(Supervisor *s, Metrics *m, size_t *ret_len) {
        char *text = NULL;
        FILE *f = open_memstream(&text, ret_len);

        if (!f)
                return NULL;
        metrics_render(f, s, m);
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

static HttpResponse *on_request(const char *path, void *userdata) {
        Supervisor *s = userdata;
        Metrics *m = s->metrics;
        usec_t now = now_usec(CLOCK_MONOTONIC);
        HttpResponse *r;
        size_t len;
        char *text;

        if (!streq(path, "/metrics"))
                return NULL;
        if (m->page && !m->stale && now < m->page_time + PAGE_MAX_AGE)
                return m->page;
        text = render(s, m, &len);
        if (!text || http_response_new(PROM_CONTENT_TYPE, text, len, &r) < 0)
                return m->page; /* out of memory: the last page, or 404 */
        http_response_unref(m->page); /* scrapers still reading it keep theirs */
        m->page = r;
        m->page_time = now;
        m->stale = false;
        return r;
}

static void write_textfile(Supervisor *s, Metrics *m) {
        _cleanup_free_ char *text = NULL;
        const char *path = s->config->metrics_textfile;
        size_t len;
        int r;

        if (!path)
                return;
        text = render(s, m, &len);
        r = text ? write_file_atomic(path, text, len, 0644) : -ENOMEM;
        if (r < 0)
                log_error_errno(r, "cannot write the metrics textfile %s: %m", path);
}

/* At start and after a reload. A new address that cannot be bound leaves
 * the old listener (if any) serving: scrapes go on, and the error says so. */
static void listen_as_configured(Supervisor *s, Metrics *m) {
        const char *want = s->config->metrics_listen;
        HttpServerOptions o = { .listen = want };
        HttpServer *h = NULL;
        int r;

        if (streq_ptr(want, m->listen))
                return;
        if (want) {
                r = http_server_new(s->event, &o, on_request, s, &h);
                if (r < 0) {
                        log_error_errno(r, "cannot serve metrics on %s: %m; %s%s", want,
                                        m->listen ? "still serving on " : "running without /metrics",
                                        m->listen ?: "");
                        return;
                }
                log_info("serving metrics on http://%s/metrics", want);
        }
        http_server_free(m->http);
        free(m->listen);
        m->http = h;
        m->listen = want ? xstrdup(want) : NULL;
}

/* systemd's own restarts: growth of NRestarts; a smaller value (the unit
 * was started by hand, or reset) starts over from it, as policy.c does. */
static bool observe_unit(Metrics *m, const WatchedUnit *wu) {
        MetricsUnit *u = metrics_unit(m, wu->name);
        uint32_t now = wu->view.n_restarts;
        bool grew;

        if (now == N_RESTARTS_UNKNOWN)
                return false;
        grew = u->seen_n_restarts != N_RESTARTS_UNKNOWN && now > u->seen_n_restarts;
        if (grew)
                u->by_systemd += now - u->seen_n_restarts;
        if (now == u->seen_n_restarts)
                return false;
        u->seen_n_restarts = now;
        return true;
}

static void keep_values(Metrics *m, const Check *c, const ProbeResult *r) {
        MetricsValues *v = NULL;

        for (size_t i = 0; i < m->n_values && !v; i++)
                if (streq(m->values[i].check, c->config->name))
                        v = &m->values[i];
        if (!v) {
                if (r->n_values == 0)
                        return;
                v = reallocarray(m->values, m->n_values + 1, sizeof(*v));
                if (!v)
                        return; /* figures, not supervision: leave them out */
                m->values = v;
                v = &m->values[m->n_values++];
                v->check = xstrdup(c->config->name);
        }
        v->n = r->n_values;
        memcpy(v->values, r->values, sizeof(r->values[0]) * r->n_values);
}

static void forget_values(Metrics *m, const char *check) {
        for (size_t i = 0; i < m->n_values; i++)
                if (streq(m->values[i].check, check)) {
                        free(m->values[i].check);
                        m->values[i] = m->values[--m->n_values];
                        return;
                }
}

static void on_news(Supervisor *s, const News *n, void *userdata) {
        Metrics *m = userdata;
        bool save = false;

        m->stale = true;
        switch (n->kind) {
        case NEWS_EVENT:
                if (n->event.kind == EVENT_UNIT_RESTARTED && n->event.unit) {
                        metrics_unit(m, n->event.unit)->by_mailsup++;
                        save = true;
                }
                break;
        case NEWS_UNIT:
                save = observe_unit(m, n->unit.unit);
                break;
        case NEWS_CHECK:
                if (n->check.result)
                        keep_values(m, n->check.check, n->check.result);
                break;
        case NEWS_CHECK_REMOVED:
                forget_values(m, n->removed.name);
                break;
        case NEWS_DELIVERY:
                if (n->delivery.error >= 0)
                        metrics_channel(m, n->delivery.channel)->delivered++;
                break;
        case NEWS_DROPPED:
                metrics_channel(m, n->delivery.channel)->dropped++;
                break;
        case NEWS_CYCLE_DONE:
                write_textfile(s, m);
                break;
        case NEWS_RELOADED:
                listen_as_configured(s, m);
                break;
        default:
                break;
        }
        if (save)
                (void) metrics_counters_save(m, s->config->state_directory);
}

int metrics_start(Supervisor *s) {
        Metrics *m = calloc(1, sizeof(*m));
        bool changed = false;

        if (!m)
                return -ENOMEM;
        (void) metrics_counters_load(m, s->config->state_directory);
        /* Units read at start-up, before we subscribed: what systemd did while we were down. */
        for (size_t i = 0; i < s->n_units; i++)
                changed |= observe_unit(m, s->units[i]);
        if (changed)
                (void) metrics_counters_save(m, s->config->state_directory);
        s->metrics = m;
        listen_as_configured(s, m);
        news_subscribe(s, "metrics", on_news, m);
        return 0;
}

void metrics_stop(Supervisor *s) {
        Metrics *m = s->metrics;

        if (!m)
                return;
        http_server_free(m->http);
        http_response_unref(m->page);
        free(m->listen);
        metrics_tables_free(m);
        free(m);
        s->metrics = NULL;
}
