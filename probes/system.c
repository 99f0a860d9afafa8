/* system.c: the "system" probe: memory, load or disk against warn and crit.
 *
 * A mail server that runs out of memory or disk fails in ways its own
 * processes do not report: amavis killed by the OOM killer, Postfix
 * refusing mail for "insufficient system storage". One metric per check:
 * memory (% used: 1 - MemAvailable/MemTotal of /proc/meminfo), load (the
 * 5-minute load average per online CPU, /proc/loadavg) or disk (% used of
 * path, as df counts it: used / (used + available to users), statvfs).
 * Above warn or crit is PROBE_THRESHOLD with that severity.
 *
 * Keys: metric (required: memory | load | disk), warn, crit (percent, "90"
 * or "90%"; for load a factor of the CPUs, "1.5"), path (disk, default /),
 * proc_meminfo, proc_loadavg (default /proc/...: tests feed files).
 * Defaults: memory warn 90% crit 95%, load warn 1 crit 2 per CPU, disk warn
 * 85% crit 95%; fail_after 3 for memory and load (a spike is not an outage).
 *
 * See also: system.h, file.c.
 */
#include "probes/system.h"

#include <fcntl.h>
#include <math.h>
#include <sys/statvfs.h>

#include "common/options.h"
#include "probes/probe.h"

#define SYSTEM_PROC_MAX (16U * 1024U)

typedef enum SystemMetric { METRIC_NONE, METRIC_MEMORY, METRIC_LOAD, METRIC_DISK } SystemMetric;

typedef struct SystemLevel {
        double value;
        bool given, percent;
} SystemLevel;

typedef struct SystemOptions {
        SystemMetric metric;
        SystemLevel warn, crit;
        char *path, *meminfo, *loadavg;
} SystemOptions;

int system_meminfo_parse(const char *buf, size_t len, uint64_t *ret_total, uint64_t *ret_available) {
        unsigned long long total = 0, avail = 0;
        bool have_total = false, have_avail = false;

        for (const char *l = buf, *end = buf + len; l < end;) {
                const char *nl = memchr(l, '\n', (size_t) (end - l));
                size_t n = nl ? (size_t) (nl - l) : (size_t) (end - l);
                char line[128];

                snprintf(line, sizeof(line), "%.*s", (int) (n < sizeof(line) ? n : sizeof(line) - 1), l);
                if (sscanf(line, "MemTotal: %llu kB", &total) == 1)
                        have_total = true;
                else if (sscanf(line, "MemAvailable: %llu kB", &avail) == 1)
                        have_avail = true;
                l += n + 1;
        }
        if (!have_total || !have_avail || total == 0)
                return -ENOENT;
        *ret_total = total;
        *ret_available = avail < total ? avail : total;
        return 0;
}

int system_loadavg_parse(const char *buf, size_t len, double *ret) {
        char text[128], *end;
        double one, five;

        snprintf(text, sizeof(text), "%.*s", (int) (len < sizeof(text) ? len : sizeof(text) - 1), buf);
        one = strtod(text, &end);
        if (end == text || *end != ' ')
                return -EBADMSG;
        five = strtod(end, &end);
        if (!isfinite(one) || !isfinite(five) || five < 0 || (*end != ' ' && *end != '\n' && *end))
                return -EBADMSG;
        *ret = five;
        return 0;
}

/* A small /proc file, bounded. */
static int read_small(const char *path, char *buf, size_t size, size_t *ret_len) {
        size_t len = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

        if (fd < 0)
                return -errno;
        while (len < size) {
                ssize_t n = read(fd, buf + len, size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        close(fd);
        *ret_len = len;
        return 0;
}

/* Measures the metric: *ret in percent, or load per CPU; text says what. */
static int measure(Probe *p, const SystemOptions *o, double *ret, char *text, size_t size) {
        static char buf[SYSTEM_PROC_MAX]; /* single-threaded loop, used right here */
        size_t len = 0;
        int r;

        if (o->metric == METRIC_DISK) {
                struct statvfs sv;
                double used, avail;

                if (statvfs(o->path, &sv) < 0) {
                        r = -errno;
                        probe_finish(p, PROBE_INTERNAL_ERROR, "cannot statvfs %s: %s", o->path, strerror(-r));
                        return r;
                }
                used = (double) (sv.f_blocks - sv.f_bfree);
                avail = (double) sv.f_bavail;
                *ret = used + avail > 0 ? used * 100 / (used + avail) : 0;
                snprintf(text, size, "disk %s %.0f%% used", o->path, *ret);
                return 0;
        }
        r = read_small(o->metric == METRIC_MEMORY ? o->meminfo : o->loadavg, buf, sizeof(buf), &len);
        if (r < 0)
                return probe_finish(p, PROBE_INTERNAL_ERROR, "cannot read %s: %s",
                                    o->metric == METRIC_MEMORY ? o->meminfo : o->loadavg, strerror(-r)), r;
        if (o->metric == METRIC_MEMORY) {
                uint64_t total, avail;

                if (system_meminfo_parse(buf, len, &total, &avail) < 0)
                        return probe_finish(p, PROBE_INTERNAL_ERROR, "%s has no MemTotal and MemAvailable",
                                            o->meminfo), -EBADMSG;
                *ret = (double) (total - avail) * 100 / (double) total;
                snprintf(text, size, "memory %.0f%% used", *ret);
        } else {
                long cpus = sysconf(_SC_NPROCESSORS_ONLN);
                double load;

                if (system_loadavg_parse(buf, len, &load) < 0)
                        return probe_finish(p, PROBE_INTERNAL_ERROR, "%s is not in /proc/loadavg format",
                                            o->loadavg), -EBADMSG;
                cpus = cpus > 0 ? cpus : 1;
                *ret = load / (double) cpus;
                snprintf(text, size, "load %.2f on %ld CPU%s (%.2f per CPU)", load, cpus, cpus == 1 ? "" : "s", *ret);
        }
        return 0;
}

static const char *format_level(char *buf, size_t size, SystemMetric m, double v) {
        if (m == METRIC_LOAD)
                snprintf(buf, size, "%.2f per CPU", v);
        else
                snprintf(buf, size, "%g%%", v);
        return buf;
}

static int system_start(Probe *p) {
        const SystemOptions *o = p->config->options;
        char text[160], a[32], b[32];
        double v = 0;

        if (measure(p, o, &v, text, sizeof(text)) < 0)
                return 0;
        if (o->metric == METRIC_LOAD)
                (void) probe_add_value(p, "system_load_per_cpu", "5-minute load average per online CPU.", NULL, NULL,
                                       v);
        else
                (void) probe_add_value(p, "system_used_ratio", "Share used of memory, or of the disk at path (0 to 1).",
                                       "resource", o->metric == METRIC_DISK ? "disk" : "memory", v / 100);
        format_level(a, sizeof(a), o->metric, o->warn.value);
        format_level(b, sizeof(b), o->metric, o->crit.value);
        if (v > o->crit.value)
                probe_finish_threshold(p, PROBE_SEVERITY_CRITICAL, "%s, above crit %s", text, b);
        else if (v > o->warn.value)
                probe_finish_threshold(p, PROBE_SEVERITY_WARNING, "%s, above warn %s", text, a);
        else
                probe_finish(p, PROBE_OK, "%s, within warn %s", text, a);
        return 0;
}

static int parse_level(const char *key, const char *value, SystemLevel *ret, char **error) {
        char *end;
        double v;

        errno = 0;
        v = strtod(value, &end);
        if (errno || end == value || !isfinite(v) || v <= 0 || (*end && !streq(end, "%")))
                return option_error(error, "invalid value '%s' for %s: expected a percentage such as 90%% "
                                    "or, for load, a factor of the CPUs such as 1.5", value, key);
        *ret = (SystemLevel) { .value = v, .given = true, .percent = *end == '%' };
        return 0;
}

static int system_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        SystemOptions *o = option_get(&c->options, sizeof(SystemOptions));

        if (streq(key, "metric")) {
                o->metric = streq(value, "memory") ? METRIC_MEMORY : streq(value, "load") ? METRIC_LOAD
                            : streq(value, "disk") ? METRIC_DISK : METRIC_NONE;
                if (o->metric == METRIC_NONE)
                        return option_error(error, "invalid value '%s' for metric: expected memory, load or disk",
                                            value);
        } else if (streq(key, "warn"))
                return parse_level(key, value, &o->warn, error);
        else if (streq(key, "crit"))
                return parse_level(key, value, &o->crit, error);
        else if (streq(key, "path") || streq(key, "proc_meminfo") || streq(key, "proc_loadavg")) {
                if (value[0] != '/')
                        return option_error(error, "invalid path '%s' for %s: must be absolute", value, key);
                option_set_string(streq(key, "path") ? &o->path : streq(key, "proc_meminfo") ? &o->meminfo
                                                                                             : &o->loadavg, value);
        } else
                return -ENOENT;
        return 0;
}

static int system_verify(ProbeConfig *c, char **error) {
        SystemOptions *o = option_get(&c->options, sizeof(SystemOptions));
        static const double defaults[][2] = {
                [METRIC_MEMORY] = { 90, 95 }, [METRIC_LOAD] = { 1, 2 }, [METRIC_DISK] = { 85, 95 },
        };

        if (o->metric == METRIC_NONE)
                return option_error(error, "missing required key 'metric'");
        if (!o->warn.given)
                o->warn.value = defaults[o->metric][0];
        if (!o->crit.given)
                o->crit.value = defaults[o->metric][1];
        if (o->metric == METRIC_LOAD && (o->warn.percent || o->crit.percent))
                return option_error(error, "warn and crit of metric load are factors of the CPUs such as 1.5, "
                                    "not percentages");
        if (o->metric != METRIC_LOAD && (o->warn.value > 100 || o->crit.value > 100))
                return option_error(error, "warn and crit must be at most 100%%");
        if (o->warn.value > o->crit.value)
                return option_error(error, "warn %g is above crit %g", o->warn.value, o->crit.value);
        if (!o->path)
                option_set_string(&o->path, "/");
        if (!o->meminfo)
                option_set_string(&o->meminfo, "/proc/meminfo");
        if (!o->loadavg)
                option_set_string(&o->loadavg, "/proc/loadavg");
        /* Memory and load spike and settle: only a sustained breach counts
         * (memory over 90% for 3 cycles, load over the CPUs for more than 2).
         * A full disk stays full. */
        if (o->metric != METRIC_DISK)
                c->default_fail_after = 3;
        return 0;
}

static void system_free_options(ProbeConfig *c) {
        SystemOptions *o = c->options;

        if (!o)
                return;
        free(o->path);
        free(o->meminfo);
        free(o->loadavg);
        free(o);
        c->options = NULL;
}

const ProbeType probe_type_system = {
        .name = "system",
        .default_alert = true,
        .start = system_start,
        .keys = (const char *const[]) { "metric", "warn", "crit", "path", "proc_meminfo", "proc_loadavg",
                                        NULL },
        .parse_key = system_parse_key,
        .verify = system_verify,
        .free_options = system_free_options,
};
