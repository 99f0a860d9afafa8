/* test-system.c: the system probe on /proc-format files and a real disk.
 *
 * The meminfo and loadavg parsers on recorded text (and broken text); the
 * probe on fed files for each level of memory and load (severity warning
 * or critical), and disk on the temp dir's real filesystem with warn and
 * crit set around its real usage; config errors of the levels.
 *
 * See also: probes/system.c, test-net.h.
 */
#include <math.h>
#include <sys/statvfs.h>

#include "probes/system.h"
#include "tests/test-net.h"

#define MEMINFO(total, avail) "MemTotal:       " total " kB\nMemFree:          123456 kB\nMemAvailable:   " avail \
        " kB\nBuffers:           1234 kB\n"

static void test_parsers(void) {
        const char *m = MEMINFO("8000000", "2000000");
        uint64_t t, a;
        double l;

        CHECK_INT(system_meminfo_parse(m, strlen(m), &t, &a), 0);
        CHECK_INT(t, 8000000);
        CHECK_INT(a, 2000000);
        CHECK_INT(system_meminfo_parse("MemTotal: 100 kB\nMemFree: 5 kB\n", 31, &t, &a), -ENOENT);
        CHECK_INT(system_meminfo_parse("", 0, &t, &a), -ENOENT);
        CHECK_INT(system_loadavg_parse("0.52 1.25 0.90 2/345 6789\n", 26, &l), 0);
        CHECK(fabs(l - 1.25) < 1e-9);
        CHECK_INT(system_loadavg_parse("garbage", 7, &l), -EBADMSG);
        CHECK_INT(system_loadavg_parse("1.0 -3 2", 8, &l), -EBADMSG);
}

static void expect(const char *name, const char *body, ProbeStatus status, ProbeSeverity sev, const char *words) {
        ProbeResult r = {};
        bool ok = net_probe(body, &r) && r.status == status && r.severity == sev && strstr(r.reason, words);

        printf("%-28s %s/%s \"%s\"\n", name, probe_status_to_string(r.status), probe_severity_to_string(r.severity),
               r.reason);
        if (!ok)
                fprintf(stderr, "%s: want %s/%s \"%s\"\n", name, probe_status_to_string(status),
                        probe_severity_to_string(sev), words);
        CHECK(ok);
}

static void config_error(const char *body, const char *words) {
        char text[512];
        Config *c = NULL;
        ConfigErrors errors = {};

        snprintf(text, sizeof(text), "[check s]\ntype = system\n%s", body);
        CHECK(config_load_string(text, "t.conf", &c, &errors) < 0);
        CHECK(errors.n == 1 && strstr(errors.lines[0], words));
        if (errors.n > 0)
                printf("config error: %s\n", errors.lines[0]);
        config_errors_clear(&errors);
}

static void test_memory_load(void) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        const char *mem = net_path("meminfo"), *la = net_path("loadavg");

        net_write("meminfo", MEMINFO("8000000", "2000000"));
        expect("memory 75%", net_conf("type = system\nmetric = memory\nproc_meminfo = %s\n", mem), PROBE_OK,
               PROBE_SEVERITY_NONE, "memory 75% used, within warn 90%");
        {
                ProbeResult r = {};
                double v = 0;

                CHECK(net_probe(net_conf("type = system\nmetric = memory\nproc_meminfo = %s\n", mem), &r));
                CHECK_INT(probe_result_value(&r, "system_used_ratio", "memory", &v), 0);
                CHECK(v == 0.75); /* what the exporter shows as mailsup_system_used_ratio */
        }
        net_write("meminfo", MEMINFO("8000000", "720000"));
        expect("memory 91%", net_conf("type = system\nmetric = memory\nproc_meminfo = %s\n", mem), PROBE_THRESHOLD,
               PROBE_SEVERITY_WARNING, "memory 91% used, above warn 90%");
        net_write("meminfo", MEMINFO("8000000", "80000"));
        expect("memory 99%", net_conf("type = system\nmetric = memory\nproc_meminfo = %s\n", mem), PROBE_THRESHOLD,
               PROBE_SEVERITY_CRITICAL, "memory 99% used, above crit 95%");
        expect("memory own levels", net_conf("type = system\nmetric = memory\nproc_meminfo = %s\nwarn = 99.5%%\n"
               "crit = 100\n", mem), PROBE_OK, PROBE_SEVERITY_NONE, "memory 99% used, within warn 99.5%");
        net_write("meminfo", "MemTotal: 100 kB\n");
        expect("memory no MemAvailable", net_conf("type = system\nmetric = memory\nproc_meminfo = %s\n", mem),
               PROBE_INTERNAL_ERROR, PROBE_SEVERITY_NONE, "has no MemTotal and MemAvailable");
        net_write("loadavg", "0.10 %.2f 0.10 1/100 42\n", 0.5 * (double) cpus);
        expect("load 0.5/CPU", net_conf("type = system\nmetric = load\nproc_loadavg = %s\n", la), PROBE_OK,
               PROBE_SEVERITY_NONE, "(0.50 per CPU), within warn 1.00 per CPU");
        net_write("loadavg", "0.10 %.2f 0.10 1/100 42\n", 1.5 * (double) cpus);
        expect("load 1.5/CPU", net_conf("type = system\nmetric = load\nproc_loadavg = %s\n", la), PROBE_THRESHOLD,
               PROBE_SEVERITY_WARNING, "(1.50 per CPU), above warn 1.00 per CPU");
        net_write("loadavg", "0.10 %.2f 0.10 1/100 42\n", 3.0 * (double) cpus);
        expect("load 3/CPU", net_conf("type = system\nmetric = load\nproc_loadavg = %s\n", la), PROBE_THRESHOLD,
               PROBE_SEVERITY_CRITICAL, "(3.00 per CPU), above crit 2.00 per CPU");
        expect("load real /proc", "type = system\nmetric = load\nwarn = 1000\ncrit = 1000\n", PROBE_OK,
               PROBE_SEVERITY_NONE, "per CPU), within warn 1000.00 per CPU");
        expect("memory real /proc", "type = system\nmetric = memory\nwarn = 100\ncrit = 100\n", PROBE_OK,
               PROBE_SEVERITY_NONE, "% used, within warn 100%");
        expect("loadavg missing", net_conf("type = system\nmetric = load\nproc_loadavg = %s\n", net_path("none")),
               PROBE_INTERNAL_ERROR, PROBE_SEVERITY_NONE, "cannot read");
}

static void test_disk(void) {
        struct statvfs sv;
        double used, pct;

        if (statvfs(net_dir, &sv) < 0)
                abort();
        used = (double) (sv.f_blocks - sv.f_bfree);
        pct = used * 100 / (used + (double) sv.f_bavail);
        printf("disk %s: %.2f%% used\n", net_dir, pct);
        expect("disk within", net_conf("type = system\nmetric = disk\npath = %s\nwarn = 100\ncrit = 100\n",
                                       net_dir), PROBE_OK, PROBE_SEVERITY_NONE, "% used, within warn 100%");
        if (pct > 0.2) {
                expect("disk above warn", net_conf("type = system\nmetric = disk\npath = %s\nwarn = %.3f\ncrit = 100\n",
                       net_dir, pct / 2), PROBE_THRESHOLD, PROBE_SEVERITY_WARNING, "% used, above warn");
                expect("disk above crit", net_conf("type = system\nmetric = disk\npath = %s\nwarn = %.3f\ncrit = %.3f\n",
                       net_dir, pct / 4, pct / 2), PROBE_THRESHOLD, PROBE_SEVERITY_CRITICAL, "% used, above crit");
        }
        expect("disk no path", "type = system\nmetric = disk\npath = /nonexistent-mailsup\n", PROBE_INTERNAL_ERROR,
               PROBE_SEVERITY_NONE, "cannot statvfs /nonexistent-mailsup: No such file");
}

int main(void) {
        test_parsers();
        net_setup();
        test_memory_load();
        test_disk();
        config_error("", "missing required key 'metric' in [check s]");
        config_error("metric = cpu\n", "invalid value 'cpu' for metric: expected memory, load or disk");
        config_error("metric = load\nwarn = 80%\n", "warn and crit of metric load are factors of the CPUs");
        config_error("metric = disk\nwarn = 120\n", "warn and crit must be at most 100%");
        config_error("metric = disk\nwarn = 96\n", "warn 96 is above crit 95");
        config_error("metric = disk\ncrit = lots\n", "invalid value 'lots' for crit");
        config_error("metric = disk\npath = tmp\n", "invalid path 'tmp' for path: must be absolute");
        net_cleanup();
        return tests_summary("test-system");
}
