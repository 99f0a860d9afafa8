/* prom-text.h: writing the Prometheus text exposition format (version 0.0.4).
 *
 * What a scraper reads must parse, whatever a check's name or a peer's
 * bytes hold: a label value with a quote, a backslash, a newline or bytes
 * that are not UTF-8 would otherwise break the whole scrape (Prometheus
 * drops every sample of a page it cannot parse). So every label value and
 * help text is escaped here, invalid UTF-8 becomes U+FFFD, and numbers are
 * written the way Prometheus reads them back (NaN, +Inf, the shortest
 * decimal that round-trips). A family's # HELP and # TYPE come once, before
 * its samples; keeping one family's samples together is the caller's part.
 *
 * Pure functions over a FILE (open_memstream() for a page): no I/O of
 * their own, so tests feed them any name or value.
 *
 * See also: supervisor/metrics.c (the page mailsupd serves), http-server.h.
 */
#pragma once

#include <stdio.h>

#include "common/util.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef enum PromType {
        PROM_GAUGE,
        PROM_COUNTER,
} PromType;

/* [a-zA-Z_:][a-zA-Z0-9_:]*, and a label name [a-zA-Z_][a-zA-Z0-9_]* not
 * starting with "__" (reserved by Prometheus). */
bool prom_metric_name_valid(const char *s);
bool prom_label_name_valid(const char *s);

/* v as Prometheus writes it: "NaN", "+Inf", "-Inf", integers without a
 * fraction, else the shortest %g form that reads back as v. */
const char *prom_format_value(char *buf, size_t size, double v);

/* "# HELP name help" (escaped) and "# TYPE name gauge|counter". */
void prom_family(FILE *f, const char *name, PromType type, const char *help);

/* One sample: name{l1="v1",...} value. The labels are NULL-terminated
 * name, value pairs; a NULL value leaves its label out. */
void prom_sample(FILE *f, const char *name, double value, ...) _sentinel_;
/* The same with the labels in arrays of n (probe values, built at runtime). */
void prom_sample_labels(FILE *f, const char *name, double value, const char *const *label_names,
                        const char *const *label_values, size_t n);
