/* test-prom-text.c: the exposition format's escaping and numbers. */
#include <math.h>

#include "common/prom-text.h"
#include "tests/tests.h"

static char *capture(void (*fn)(FILE *f)) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        fn(f);
        fclose(f);
        return buf;
}

static void write_escapes(FILE *f) {
        prom_family(f, "mailsup_x", PROM_GAUGE, "Help with a \\ and a\nnewline \"quoted\".");
        prom_sample(f, "mailsup_x", 1, "check", "a\"b\\c\nd", "unit", NULL, "type", "\xff\xfe ok", NULL);
        prom_sample(f, "mailsup_x", 0.25, NULL);
        prom_family(f, "mailsup_y_total", PROM_COUNTER, "Counted.");
        prom_sample(f, "mailsup_y_total", 3, "by", "mailsup", NULL);
}

static void test_escapes(void) {
        _cleanup_free_ char *text = capture(write_escapes);

        CHECK_STREQ(text,
                    "# HELP mailsup_x Help with a \\\\ and a\\nnewline \"quoted\".\n"
                    "# TYPE mailsup_x gauge\n"
                    "mailsup_x{check=\"a\\\"b\\\\c\\nd\",type=\"\xef\xbf\xbd\xef\xbf\xbd ok\"} 1\n"
                    "mailsup_x 0.25\n"
                    "# HELP mailsup_y_total Counted.\n"
                    "# TYPE mailsup_y_total counter\n"
                    "mailsup_y_total{by=\"mailsup\"} 3\n");
}

static void test_values(void) {
        char buf[32];

        CHECK_STREQ(prom_format_value(buf, sizeof(buf), 0), "0");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), -7), "-7");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), 1764547200), "1764547200");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), 0.1), "0.1");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), 0.0079), "0.0079");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), 1e300), "1e+300");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), 1.0 / 3), "0.3333333333333333");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), NAN), "NaN");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), INFINITY), "+Inf");
        CHECK_STREQ(prom_format_value(buf, sizeof(buf), -INFINITY), "-Inf");
        CHECK(strtod(prom_format_value(buf, sizeof(buf), 123456.789), NULL) == 123456.789);
}

static void test_names(void) {
        CHECK(prom_metric_name_valid("mailsup_check_up"));
        CHECK(prom_metric_name_valid("a:b_c9"));
        CHECK(!prom_metric_name_valid("9a"));
        CHECK(!prom_metric_name_valid("a-b"));
        CHECK(!prom_metric_name_valid(""));
        CHECK(!prom_metric_name_valid(NULL));
        CHECK(prom_label_name_valid("queue"));
        CHECK(!prom_label_name_valid("__name__"));
        CHECK(!prom_label_name_valid("a:b"));
        CHECK(!prom_label_name_valid("1a"));
}

int main(void) {
        test_escapes();
        test_values();
        test_names();
        return tests_summary("test-prom-text");
}
