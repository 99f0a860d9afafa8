/* metrics-internal.h: what metrics.c keeps, for the page and the counters'
 * file (metrics-page.c, metrics-counters.c). Not for other modules: they
 * publish news, and the exporter hears it. */
#pragma once

#include <stdio.h>

#include "common/http-server.h"
#include "supervisor/metrics.h"

#define METRICS_FILE_NAME "metrics"

typedef struct MetricsUnit {
        char *name;
        uint64_t by_mailsup, by_systemd;        /* restarts, persisted */
        uint32_t seen_n_restarts;               /* the unit's NRestarts last seen; N_RESTARTS_UNKNOWN */
} MetricsUnit;

typedef struct MetricsChannel {
        char *name;
        uint64_t delivered, dropped;            /* since mailsupd started */
} MetricsChannel;

typedef struct MetricsValues {
        char *check;
        unsigned n;
        ProbeValue values[PROBE_VALUES_MAX];    /* from the check's last result */
} MetricsValues;

typedef struct Metrics {
        HttpServer *http;
        char *listen;                           /* what http listens on */
        HttpResponse *page;                     /* the last page rendered */
        usec_t page_time;                       /* CLOCK_MONOTONIC */
        bool stale;                             /* news since the page was rendered */
        MetricsUnit *units;
        size_t n_units;
        MetricsChannel *channels;
        size_t n_channels;
        MetricsValues *values;
        size_t n_values;
} Metrics;

/* The whole exposition of s, as Prometheus reads it (metrics-page.c). */
void metrics_render(FILE *f, const Supervisor *s, Metrics *m);

/* The unit's counters, created at zero on first use (metrics-counters.c). */
MetricsUnit *metrics_unit(Metrics *m, const char *name);
MetricsChannel *metrics_channel(Metrics *m, const char *name);
/* Text of the persisted counters, and back; a bad line is skipped with a
 * warning naming FILE:LINE, never fatal. */
void metrics_counters_format(FILE *f, const Metrics *m);
int metrics_counters_parse(Metrics *m, const char *text, const char *where);
/* STATE_DIRECTORY/metrics, read at start and written on every change. */
int metrics_counters_load(Metrics *m, const char *dir);
int metrics_counters_save(const Metrics *m, const char *dir);
void metrics_tables_free(Metrics *m);
