/* test-metrics.c: the exporter's page and its counters' file, without a loop.
 *
 * A Supervisor is put together by hand from a loaded config (no bus, no
 * loop): checks with results and probe values, units with restarts. What a
 * scraper would notice: every required family, the values each probe
 * measured under mailsup_<name> with its check, one family's samples
 * together, a value with a bad or reserved name left out, and a page that
 * `promtool check metrics` (Debian's prometheus package) finds clean. The
 * counters' file reads back what it wrote, and a bad line costs that line.
 *
 * See also: supervisor/metrics-page.c, tests/e2e/metrics-prometheus.sh.
 */
#include "supervisor/metrics-internal.h"
#include "supervisor/policy.h"
#include "tests/tests.h"

#define PROMTOOL "/usr/bin/promtool"

static const char conf[] = "[supervisor]\ninterval = 1min\n"
                           "[check smtp1]\ntype = smtp\nunit = postfix.service\n"
                           "[check q]\ntype = postfix_queue\nqueue_directory = /nonexistent\n"
                           "[check q2]\ntype = postfix_queue\nqueue_directory = /nonexistent\n"
                           "[check fresh]\ntype = tcp\nport = 1\n";

static void add(MetricsValues *v, const char *name, const char *label, const char *label_value, double value) {
        v->values[v->n] = (ProbeValue) { .name = name, .help = "Help.", .label = label, .value = value };
        if (label_value)
                snprintf(v->values[v->n].label_value, PROBE_LABEL_MAX, "%s", label_value);
        v->n++;
}

static char *page_of(Supervisor *s, Metrics *m) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        metrics_render(f, s, m);
        fclose(f);
        return text;
}

static void promtool_clean(const char *text) {
        char path[] = "/tmp/test-metrics.XXXXXX", cmd[128], out[512] = "";
        int fd = mkstemp(path);
        FILE *p;

        if (access(PROMTOOL, X_OK) < 0) {
                printf("promtool: not installed, page not linted\n");
                return;
        }
        CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t) strlen(text));
        close(fd);
        snprintf(cmd, sizeof(cmd), PROMTOOL " check metrics < %s 2>&1", path);
        p = popen(cmd, "r");
        CHECK(p != NULL);
        if (p) {
                size_t n = fread(out, 1, sizeof(out) - 1, p);
                out[n] = '\0';
                CHECK_INT(pclose(p), 0);
                CHECK_STREQ(out, "");
        }
        unlink(path);
}

static void test_page(Supervisor *s, Metrics *m) {
        _cleanup_free_ char *text = page_of(s, m);
        const char *a, *b;

        CHECK(strstr(text, "\nmailsup_check_up{check=\"smtp1\",type=\"smtp\",unit=\"postfix.service\"} 1\n"));
        CHECK(strstr(text, "\nmailsup_check_up{check=\"q\",type=\"postfix_queue\"} 0\n"));
        CHECK(!strstr(text, "mailsup_check_up{check=\"fresh\"")); /* no result yet: no sample */
        CHECK(strstr(text, "\nmailsup_check_state{check=\"q\",state=\"failing\"} 1\n"));
        CHECK(strstr(text, "\nmailsup_check_state{check=\"q\",state=\"ok\"} 0\n"));
        CHECK(strstr(text, "\nmailsup_check_state{check=\"fresh\",state=\"unknown\"} 1\n"));
        CHECK(strstr(text, "\nmailsup_check_duration_seconds{check=\"smtp1\"} 0.25\n"));
        CHECK(strstr(text, "\nmailsup_check_disabled{check=\"q\"} 0\n"));
        CHECK(strstr(text, "\nmailsup_unit_restarts_total{unit=\"postfix.service\",by=\"mailsup\"} 3\n"));
        CHECK(strstr(text, "\nmailsup_unit_restarts_total{unit=\"postfix.service\",by=\"systemd\"} 2\n"));
        CHECK(strstr(text, "\nmailsup_cycle_duration_seconds 1.5\n"));
        CHECK(strstr(text, "\nmailsup_heartbeat_failures_total 0\n"));
        CHECK(strstr(text, "\nmailsup_build_info{version=\"" MAILSUP_VERSION "\"} 1\n"));
        CHECK(strstr(text, "\nmailsup_notifications_delivered_total{channel=\"ops\"} 4\n"));
        CHECK(strstr(text, "\nmailsup_notifications_dropped_total{channel=\"ops\"} 1\n"));
        /* The probes' values: one family, every check's samples together. */
        a = strstr(text, "# TYPE mailsup_postfix_queue_messages gauge\n"
                         "mailsup_postfix_queue_messages{check=\"q\",queue=\"deferred\"} 2\n"
                         "mailsup_postfix_queue_messages{check=\"q\",queue=\"hold\"} 3\n"
                         "mailsup_postfix_queue_messages{check=\"q2\",queue=\"deferred\"} 7\n");
        CHECK(a != NULL);
        b = strstr(text, "# HELP mailsup_postfix_queue_messages ");
        CHECK(b && !strstr(b + 1, "# HELP mailsup_postfix_queue_messages "));
        CHECK(strstr(text, "\nmailsup_redis_memory_used_bytes{check=\"q2\"} 1048576\n"));
        /* Left out: a name that is no metric name, one of ours, a label named check. */
        CHECK(!strstr(text, "bad-name"));
        CHECK(!strstr(text, "mailsup_check_up{check=\"q2\"}"));
        CHECK(!strstr(text, "mailsup_sneaky"));
        promtool_clean(text);
}

static void test_counters(Metrics *m) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        Metrics back = {};

        metrics_counters_format(f, m);
        fclose(f);
        CHECK(strstr(text, "\nunit postfix.service mailsup 3 systemd 2 nrestarts 5\n"));
        CHECK_INT(metrics_counters_parse(&back, text, "metrics"), 0);
        CHECK_INT(back.n_units, 1);
        CHECK(back.n_units == 1 && back.units[0].by_mailsup == 3 && back.units[0].by_systemd == 2 &&
              back.units[0].seen_n_restarts == 5);
        metrics_tables_free(&back);
        CHECK_INT(metrics_counters_parse(&back, "unit a.service mailsup 1 systemd 0\n"
                                                "unit b.service mailsup x systemd 0\n"
                                                "unit c.service mailsup 1 systemd 99999999999999999999\n"
                                                "nonsense\n\n"
                                                "unit d.service mailsup 7 systemd 8 nrestarts 4294967295\n"
                                                "unit e.service mailsup 2 systemd 1 nrestarts 3\n", "metrics"),
                  -EBADMSG);
        CHECK_INT(back.n_units, 2); /* a and e */
        CHECK(back.n_units == 2 && streq(back.units[0].name, "a.service") &&
              back.units[0].seen_n_restarts == N_RESTARTS_UNKNOWN && streq(back.units[1].name, "e.service"));
        metrics_tables_free(&back);
}

int main(void) {
        Config *config = NULL;
        ConfigErrors errors = {};
        Supervisor s = {};
        Metrics m = {};
        MetricsValues *v;
        MetricsUnit *u;

        CHECK(config_load_string(conf, "t.conf", &config, &errors) >= 0);
        if (!config)
                return tests_summary("test-metrics");
        s.config = config;
        s.n_checks = config->n_checks;
        s.checks = calloc(s.n_checks, sizeof(Check));
        for (size_t i = 0; i < s.n_checks; i++)
                s.checks[i] = (Check) { .sup = &s, .config = &config->checks[i] };
        s.checks[0].rec = (CheckRecord) { .has_result = true, .ok = true, .latency = 250 * USEC_PER_MSEC };
        s.checks[1].rec = (CheckRecord) { .has_result = true, .ok = false };
        s.checks[2].rec = (CheckRecord) { .has_result = true, .ok = true };
        s.last_cycle_duration = 1500 * USEC_PER_MSEC;
        u = metrics_unit(&m, "postfix.service");
        u->by_mailsup = 3;
        u->by_systemd = 2;
        u->seen_n_restarts = 5;
        metrics_channel(&m, "ops")->delivered = 4;
        metrics_channel(&m, "ops")->dropped = 1;
        m.values = calloc(2, sizeof(MetricsValues));
        m.n_values = 2;
        v = &m.values[0];
        v->check = xstrdup("q");
        add(v, "postfix_queue_messages", "queue", "deferred", 2);
        add(v, "postfix_queue_messages", "queue", "hold", 3);
        add(v, "bad-name", NULL, NULL, 1);
        v = &m.values[1];
        v->check = xstrdup("q2");
        add(v, "redis_memory_used_bytes", NULL, NULL, 1048576);
        add(v, "check_up", NULL, NULL, 1);
        add(v, "postfix_queue_messages", "queue", "deferred", 7);
        add(v, "sneaky", "check", "other", 1);
        test_page(&s, &m);
        s.checks[1].rec.policy.disabled = true;
        {
                _cleanup_free_ char *text = page_of(&s, &m);
                CHECK(strstr(text, "\nmailsup_check_disabled{check=\"q\"} 1\n"));
                CHECK(strstr(text, "\nmailsup_check_state{check=\"q\",state=\"disabled\"} 1\n"));
        }
        test_counters(&m);
        metrics_tables_free(&m);
        free(s.checks);
        config_free(config);
        return tests_summary("test-metrics");
}
