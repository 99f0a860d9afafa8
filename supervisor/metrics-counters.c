/* metrics-counters.c: the exporter's tables, and the restart counters that
 * outlive mailsupd.
 *
 * A Prometheus counter may start over, but restarts are what an alert on
 * "restarts climbing" watches, and mailsupd is itself restarted (SIGKILL,
 * the watchdog, an upgrade): so each unit's restarts by mailsupd and by
 * systemd, and the NRestarts last seen (systemd's restarts while mailsupd
 * was down count too), are kept in STATE_DIRECTORY/metrics, one line per
 * unit, written atomically on every change:
 *
 *   unit postfix.service mailsup 3 systemd 1 nrestarts 1
 *
 * The directory is opened as state.c opens it (trust.h: refused when others
 * could write or swap it), the file without following a link. A bad line
 * is skipped with a warning (FILE:LINE), never fatal: these are
 * figures, not the restart policy's memory (that is the state file's).
 *
 * See also: metrics.c, state.c (the policy's own file).
 */
#include "supervisor/metrics-internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>

#include "common/log.h"
#include "supervisor/policy.h"
#include "supervisor/state.h"

#define METRICS_FILE_MAX (1024U * 1024U)
#define METRICS_NAME_MAX 256U

MetricsUnit *metrics_unit(Metrics *m, const char *name) {
        MetricsUnit *u;

        for (size_t i = 0; i < m->n_units; i++)
                if (streq(m->units[i].name, name))
                        return &m->units[i];
        u = reallocarray(m->units, m->n_units + 1, sizeof(*u));
        if (!u)
                abort(); /* as xstrdup(): a handful of units */
        m->units = u;
        u = &m->units[m->n_units++];
        *u = (MetricsUnit) { .name = xstrdup(name), .seen_n_restarts = N_RESTARTS_UNKNOWN };
        return u;
}

MetricsChannel *metrics_channel(Metrics *m, const char *name) {
        MetricsChannel *c;

        for (size_t i = 0; i < m->n_channels; i++)
                if (streq(m->channels[i].name, name))
                        return &m->channels[i];
        c = reallocarray(m->channels, m->n_channels + 1, sizeof(*c));
        if (!c)
                abort();
        m->channels = c;
        c = &m->channels[m->n_channels++];
        *c = (MetricsChannel) { .name = xstrdup(name) };
        return c;
}

void metrics_counters_format(FILE *f, const Metrics *m) {
        fputs("# mailsupd: restarts per unit for /metrics, kept across its own restarts\n", f);
        for (size_t i = 0; i < m->n_units; i++) {
                const MetricsUnit *u = &m->units[i];

                fprintf(f, "unit %s mailsup %" PRIu64 " systemd %" PRIu64, u->name, u->by_mailsup, u->by_systemd);
                if (u->seen_n_restarts != N_RESTARTS_UNKNOWN)
                        fprintf(f, " nrestarts %" PRIu32, u->seen_n_restarts);
                fputc('\n', f);
        }
}

static bool parse_count(const char *s, uint64_t *ret) {
        char *end;

        if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
                return false;
        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno == 0;
}

/* "unit NAME mailsup N systemd N [nrestarts N]" */
static bool parse_line(Metrics *m, char *line) {
        char *save = NULL, *w[9] = {};
        uint64_t mailsup, systemd, seen = N_RESTARTS_UNKNOWN;
        size_t n = 0;
        MetricsUnit *u;

        for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
                if (n < ELEMENTSOF(w))
                        w[n++] = t;
                else
                        return false;
        if ((n != 6 && n != 8) || !streq(w[0], "unit") || strlen(w[1]) >= METRICS_NAME_MAX ||
            !streq(w[2], "mailsup") || !parse_count(w[3], &mailsup) || !streq(w[4], "systemd") ||
            !parse_count(w[5], &systemd))
                return false;
        if (n == 8 && (!streq(w[6], "nrestarts") || !parse_count(w[7], &seen) || seen >= N_RESTARTS_UNKNOWN))
                return false;
        u = metrics_unit(m, w[1]);
        *u = (MetricsUnit) { .name = u->name, .by_mailsup = mailsup, .by_systemd = systemd,
                             .seen_n_restarts = (uint32_t) seen };
        return true;
}

int metrics_counters_parse(Metrics *m, const char *text, const char *where) {
        _cleanup_free_ char *copy = xstrdup(text);
        char *rest = copy, *l;
        unsigned line = 0, bad = 0;

        while ((l = strsep(&rest, "\n"))) {
                char shown[64];

                line++;
                if (l[0] == '#' || l[0] == '\0')
                        continue;
                sanitize_line(shown, sizeof(shown), l, strlen(l)); /* before parse_line() cuts it up */
                if (!parse_line(m, l)) {
                        log_warning("%s:%u: not a counter line, skipped: %s", where, line, shown);
                        bad++;
                }
        }
        return bad ? -EBADMSG : 0;
}

/* The state directory as state.c opens it: created if missing, refused
 * when others could swap or write it (trust.h). */
static int open_dir(const char *dir) {
        char why[PATH_MAX + 128];
        int dfd = state_directory_open(dir, why, sizeof(why));

        if (dfd < 0)
                log_error_errno(dfd, "restart counters not kept: %s", why);
        return dfd;
}

int metrics_counters_load(Metrics *m, const char *dir) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_close_ int dfd = open_dir(dir);
        _cleanup_fclose_ FILE *f = NULL;
        struct stat st;
        size_t len;
        int fd;

        if (dfd < 0)
                return dfd;
        if (asprintf(&path, "%s/" METRICS_FILE_NAME, dir) < 0)
                return -ENOMEM;
        fd = openat(dfd, METRICS_FILE_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd >= 0 && !(f = fdopen(fd, "r")))
                close(fd);
        if (!f)
                return errno == ENOENT ? 0 : log_error_errno(-errno, "cannot read %s: %m", path);
        if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t) METRICS_FILE_MAX)
                return log_error_errno(-EFBIG, "%s: not a regular file of at most %u bytes, ignored", path,
                                       METRICS_FILE_MAX);
        text = calloc(1, (size_t) st.st_size + 1);
        if (!text)
                return -ENOMEM;
        len = fread(text, 1, (size_t) st.st_size, f);
        text[len] = '\0';
        if (strlen(text) != len)
                return log_error_errno(-EBADMSG, "%s: holds a NUL byte, ignored", path);
        return metrics_counters_parse(m, text, path);
}

int metrics_counters_save(const Metrics *m, const char *dir) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dfd = -EBADF;
        size_t len = 0;
        FILE *f;
        int r;

        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        metrics_counters_format(f, m);
        if (fclose(f) != 0)
                return -ENOMEM;
        dfd = open_dir(dir);
        if (dfd < 0)
                return dfd;
        r = write_file_atomic_at(dfd, METRICS_FILE_NAME, text, len, 0600);
        if (r < 0)
                log_error_errno(r, "cannot save the restart counters to %s/" METRICS_FILE_NAME ": %m", dir);
        return r;
}

void metrics_tables_free(Metrics *m) {
        for (size_t i = 0; i < m->n_units; i++)
                free(m->units[i].name);
        for (size_t i = 0; i < m->n_channels; i++)
                free(m->channels[i].name);
        for (size_t i = 0; i < m->n_values; i++)
                free(m->values[i].check);
        free(m->units);
        free(m->channels);
        free(m->values);
        m->units = NULL;
        m->channels = NULL;
        m->values = NULL;
        m->n_units = m->n_channels = m->n_values = 0;
}
