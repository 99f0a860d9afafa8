/* prom-text.c: the Prometheus text exposition format, escaped (see prom-text.h). */
#include "common/prom-text.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>

#define PROM_LABELS_MAX 8

static bool name_char(char c, bool first, bool colon) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
               (!first && c >= '0' && c <= '9');
}

static bool name_valid(const char *s, bool colon) {
        if (!s || !*s)
                return false;
        for (const char *c = s; *c; c++)
                if (!name_char(*c, c == s, colon))
                        return false;
        return true;
}

bool prom_metric_name_valid(const char *s) {
        return name_valid(s, true);
}

bool prom_label_name_valid(const char *s) {
        return name_valid(s, false) && strncmp(s, "__", 2) != 0;
}

const char *prom_format_value(char *buf, size_t size, double v) {
        if (isnan(v))
                snprintf(buf, size, "NaN");
        else if (isinf(v))
                snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
        else if (v > -1e15 && v < 1e15 && v == (double) (long long) v)
                snprintf(buf, size, "%lld", (long long) v);
        else
                /* The fewest digits that read back as the same double. */
                for (int prec = 15; prec <= 17; prec++) {
                        snprintf(buf, size, "%.*g", prec, v);
                        if (strtod(buf, NULL) == v)
                                break;
                }
        return buf;
}

/* Text as UTF-8 with the format's escapes: \\ and \n always, \" in label
 * values; an invalid byte becomes U+FFFD. */
static void put_escaped(FILE *f, const char *s, bool quote) {
        size_t len = strlen(s);

        for (size_t i = 0; i < len;) {
                size_t n = utf8_char_len(s + i, len - i);

                if (n == 0) {
                        fputs("\xef\xbf\xbd", f);
                        i++;
                        continue;
                }
                if (s[i] == '\\')
                        fputs("\\\\", f);
                else if (s[i] == '\n')
                        fputs("\\n", f);
                else if (s[i] == '"' && quote)
                        fputs("\\\"", f);
                else
                        fwrite(s + i, 1, n, f);
                i += n;
        }
}

void prom_family(FILE *f, const char *name, PromType type, const char *help) {
        fprintf(f, "# HELP %s ", name);
        put_escaped(f, help, false);
        fprintf(f, "\n# TYPE %s %s\n", name, type == PROM_COUNTER ? "counter" : "gauge");
}

void prom_sample_labels(FILE *f, const char *name, double value, const char *const *label_names,
                        const char *const *label_values, size_t n) {
        char num[32];
        bool first = true;

        fputs(name, f);
        for (size_t i = 0; i < n; i++) {
                if (!label_values[i])
                        continue;
                fprintf(f, "%s%s=\"", first ? "{" : ",", label_names[i]);
                put_escaped(f, label_values[i], true);
                fputc('"', f);
                first = false;
        }
        fprintf(f, "%s %s\n", first ? "" : "}", prom_format_value(num, sizeof(num), value));
}

void prom_sample(FILE *f, const char *name, double value, ...) {
        const char *names[PROM_LABELS_MAX], *values[PROM_LABELS_MAX];
        const char *label;
        size_t n = 0;
        va_list ap;

        va_start(ap, value);
        while ((label = va_arg(ap, const char *))) {
                const char *v = va_arg(ap, const char *);

                assert(n < PROM_LABELS_MAX); /* a programming error: labels are written in the code */
                names[n] = label;
                values[n++] = v;
        }
        va_end(ap);
        prom_sample_labels(f, name, value, names, values, n);
}
