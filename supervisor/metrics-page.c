/* metrics-page.c: the exposition mailsupd serves and writes.
 *
 * One function renders everything from what the supervisor holds now (the
 * checks, their records, the units, the notifier) and from the exporter's
 * own tables (metrics-internal.h). Names follow Prometheus' conventions:
 * base units (seconds, bytes), `_total` for counters, one family's samples
 * together, each family's HELP and TYPE once. A probe's measured values
 * become gauges named mailsup_<value name> with the labels check and the
 * value's own label (probes/probe.h, probe_add_value()): a new probe type's
 * figures appear here without a line of this file changing. A value whose
 * name is not a valid metric name, or would take one of the names below,
 * is left out (a bug in a probe must not break the scrape).
 *
 * See also: metrics.c, common/prom-text.h, contrib/ (rules and dashboard).
 */
#include "supervisor/metrics-internal.h"

#include "common/prom-text.h"
#include "supervisor/alerting.h"
#include "supervisor/units.h"

#define NAME_MAX_LEN 128
#define DISTINCT_MAX 256U       /* value names of all probe types together */

static void render_checks(FILE *f, const Supervisor *s) {
        prom_family(f, "mailsup_check_up", PROM_GAUGE, "1 when the check counts as ok, 0 when it counts as failed.");
        for (size_t i = 0; i < s->n_checks; i++) {
                const Check *c = &s->checks[i];

                if (c->rec.has_result)
                        prom_sample(f, "mailsup_check_up", c->rec.ok, "check", c->config->name, "type",
                                    c->config->type->name, "unit", c->config->unit, NULL);
        }
        prom_family(f, "mailsup_check_state", PROM_GAUGE, "The check's state: 1 for the current one.");
        for (size_t i = 0; i < s->n_checks; i++)
                for (int st = 0; st < _CHECK_STATE_MAX; st++)
                        prom_sample(f, "mailsup_check_state", check_state(&s->checks[i]) == (CheckState) st, "check",
                                    s->checks[i].config->name, "state", check_state_to_string((CheckState) st),
                                    NULL);
        prom_family(f, "mailsup_check_duration_seconds", PROM_GAUGE, "How long the check's last probe took.");
        for (size_t i = 0; i < s->n_checks; i++)
                if (s->checks[i].rec.has_result)
                        prom_sample(f, "mailsup_check_duration_seconds",
                                    (double) s->checks[i].rec.latency / USEC_PER_SEC, "check",
                                    s->checks[i].config->name, NULL);
        prom_family(f, "mailsup_check_disabled", PROM_GAUGE,
                    "1 when the check hit its restart limit: never restarted again until reset.");
        for (size_t i = 0; i < s->n_checks; i++)
                prom_sample(f, "mailsup_check_disabled", s->checks[i].rec.policy.disabled, "check",
                            s->checks[i].config->name, NULL);
}

static void render_supervisor(FILE *f, const Supervisor *s, const Metrics *m) {
        AlertingStatus st;

        prom_family(f, "mailsup_build_info", PROM_GAUGE, "mailsupd's version, as a label.");
        prom_sample(f, "mailsup_build_info", 1, "version", MAILSUP_VERSION, NULL);
        prom_family(f, "mailsup_unit_restarts_total", PROM_COUNTER,
                    "Restarts of the unit, by mailsupd or by systemd itself (Restart=); kept across mailsupd's restarts.");
        for (size_t i = 0; i < m->n_units; i++) {
                prom_sample(f, "mailsup_unit_restarts_total", (double) m->units[i].by_mailsup, "unit",
                            m->units[i].name, "by", "mailsup", NULL);
                prom_sample(f, "mailsup_unit_restarts_total", (double) m->units[i].by_systemd, "unit",
                            m->units[i].name, "by", "systemd", NULL);
        }
        prom_family(f, "mailsup_cycle_duration_seconds", PROM_GAUGE,
                    "How long the last cycle took, from its start until its last probe ended.");
        if (s->last_cycle_duration > 0)
                prom_sample(f, "mailsup_cycle_duration_seconds", (double) s->last_cycle_duration / USEC_PER_SEC,
                            NULL);
        prom_family(f, "mailsup_last_cycle_timestamp_seconds", PROM_GAUGE,
                    "When the last cycle started, in seconds since the epoch (a textfile that stops moving is stale).");
        if (s->last_cycle_start > 0)
                prom_sample(f, "mailsup_last_cycle_timestamp_seconds", (double) s->last_cycle_start / USEC_PER_SEC,
                            NULL);
        alerting_get_status(s, &st);
        prom_family(f, "mailsup_heartbeat_failures_total", PROM_COUNTER,
                    "Heartbeat pings that failed since mailsupd started.");
        prom_sample(f, "mailsup_heartbeat_failures_total", (double) st.heartbeat.failed, NULL);
}

static void render_channels(FILE *f, const Supervisor *s, Metrics *m) {
        size_t pending;
        const char *name;

        /* Every configured channel has its series from the start, at zero. */
        for (size_t i = 0; (name = alerting_channel(s, i, NULL)); i++)
                (void) metrics_channel(m, name);
        prom_family(f, "mailsup_notifications_queued", PROM_GAUGE, "Notifications waiting in the outbox for the channel.");
        for (size_t i = 0; (name = alerting_channel(s, i, &pending)); i++)
                prom_sample(f, "mailsup_notifications_queued", (double) pending, "channel", name, NULL);
        prom_family(f, "mailsup_notifications_delivered_total", PROM_COUNTER,
                    "Notifications the channel accepted since mailsupd started.");
        for (size_t i = 0; i < m->n_channels; i++)
                prom_sample(f, "mailsup_notifications_delivered_total", (double) m->channels[i].delivered, "channel",
                            m->channels[i].name, NULL);
        prom_family(f, "mailsup_notifications_dropped_total", PROM_COUNTER,
                    "Notifications given up for the channel (outbox full, or not accepted within max_age) since mailsupd started.");
        for (size_t i = 0; i < m->n_channels; i++)
                prom_sample(f, "mailsup_notifications_dropped_total", (double) m->channels[i].dropped, "channel",
                            m->channels[i].name, NULL);
}

/* Names this file writes itself: a probe value must not take them. */
static bool reserved(const char *name) {
        static const char *const prefixes[] = { "check_", "unit_restarts", "cycle_", "last_cycle_", "notifications_",
                                                "heartbeat_", "build_info" };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return false;
}

static bool value_exportable(const ProbeValue *v, char *full, size_t size) {
        if (!v->name || reserved(v->name) || (v->label && !prom_label_name_valid(v->label)) ||
            (v->label && streq(v->label, "check")))
                return false;
        return (size_t) snprintf(full, size, "mailsup_%s", v->name) < size && prom_metric_name_valid(full);
}

static void render_family(FILE *f, const Metrics *m, const ProbeValue *first, const char *full) {
        prom_family(f, full, PROM_GAUGE, first->help ? first->help : first->name);
        for (size_t i = 0; i < m->n_values; i++)
                for (unsigned j = 0; j < m->values[i].n; j++) {
                        const ProbeValue *v = &m->values[i].values[j];
                        const char *names[2] = { "check", v->label }, *vals[2] = { m->values[i].check, v->label_value };

                        if (streq(v->name, first->name) && streq_ptr(v->label, first->label))
                                prom_sample_labels(f, full, v->value, names, vals, v->label ? 2 : 1);
                }
}

/* Each distinct value name once, its samples from every check together. */
static void render_values(FILE *f, const Metrics *m) {
        const ProbeValue *distinct[DISTINCT_MAX];
        size_t n = 0;
        char full[NAME_MAX_LEN];

        for (size_t i = 0; i < m->n_values; i++)
                for (unsigned j = 0; j < m->values[i].n; j++) {
                        const ProbeValue *v = &m->values[i].values[j];
                        size_t k = 0;

                        while (k < n && !streq(distinct[k]->name, v->name))
                                k++;
                        if (k == n && n < DISTINCT_MAX && value_exportable(v, full, sizeof(full)))
                                distinct[n++] = v;
                }
        for (size_t k = 0; k < n; k++) {
                (void) value_exportable(distinct[k], full, sizeof(full));
                render_family(f, m, distinct[k], full);
        }
}

void metrics_render(FILE *f, const Supervisor *s, Metrics *m) {
        render_checks(f, s);
        render_supervisor(f, s, m);
        render_channels(f, s, m);
        render_values(f, m);
}
