/* fuzz-metrics-counters.c: the exporter's counters' file on a file's bytes.
 *
 * metrics_counters_parse() is what metrics_counters_load() does with
 * STATE_DIRECTORY/metrics once read (bad lines are skipped with a warning,
 * never fatal). Properties: it returns 0 or -EBADMSG; every unit is named
 * once; and what mailsupd writes back (metrics_counters_format()) reads
 * again without a bad line and is written the same from then on: the
 * restart counters survive any number of restarts unchanged.
 *
 * See also: supervisor/metrics-counters.c, tests/test-metrics.c.
 */
#include "supervisor/metrics-internal.h"
#include "tests/fuzz/fuzz.h"

static char *format(const Metrics *m, size_t *len) {
        char *text = NULL;
        FILE *f = open_memstream(&text, len);

        if (!f)
                abort();
        metrics_counters_format(f, m);
        if (fclose(f) != 0)
                abort();
        return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = fuzz_strndup(data, size), *once, *twice;
        Metrics m = {}, back = {};
        size_t once_len, twice_len;
        int r = metrics_counters_parse(&m, text, "fuzz");

        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        for (size_t i = 0; i < m.n_units; i++)
                FUZZ_CHECK(metrics_unit(&m, m.units[i].name) == &m.units[i]);
        once = format(&m, &once_len);
        if (metrics_counters_parse(&back, once, "fuzz-written") < 0) {
                fprintf(stderr, "mailsupd cannot read what it wrote:\n%s\n", once);
                abort();
        }
        FUZZ_CHECK(back.n_units == m.n_units);
        twice = format(&back, &twice_len);
        if (once_len != twice_len || memcmp(once, twice, once_len) != 0) {
                fprintf(stderr, "written differently the second time:\n%s\n----\n%s\n", once, twice);
                abort();
        }
        metrics_tables_free(&m);
        metrics_tables_free(&back);
        free(once);
        free(twice);
        free(text);
        return 0;
}
