/* file.c: the "file" probe: a file or directory that must stay small or moving.
 *
 * Some failures show only on disk: the BCC mailbox nobody drains any more
 * grows without bound (max_size), a log or spool that stopped moving means
 * the writer is stuck (max_age: the newest write is older than this). For a
 * directory, sizes and ages are those of its entries (and its own mtime,
 * which moves when entries come and go), at most FILE_DIR_MAX of them, not
 * recursive: a bounded walk on the loop. Past a limit is PROBE_THRESHOLD
 * (critical); a file that is not there is a failure unless missing = ok.
 *
 * Keys: path (required, absolute), max_size ("50MB"), max_age ("1h"),
 * missing = ok | fail (default fail).
 *
 * See also: options.h (sizes), system.c.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "common/options.h"
#include "probes/probe.h"

#define FILE_DIR_MAX 4096U

typedef struct FileOptions {
        char *path;
        uint64_t max_size;      /* 0: not checked */
        usec_t max_age;         /* 0: not checked */
        bool missing_ok;
} FileOptions;

typedef struct FileStat {
        uint64_t size;
        usec_t mtime;           /* newest, CLOCK_REALTIME */
        unsigned entries;
        bool dir, cut;          /* cut: more than FILE_DIR_MAX entries */
} FileStat;

/* "3000B" below 10KB, else one decimal: "2.9MB" (1024-based, as max_size). */
static const char *format_size(char *buf, size_t size, uint64_t n) {
        static const char units[] = "KMGT";
        double v = (double) n;
        size_t i = 0;

        if (n < 10 * 1024) {
                snprintf(buf, size, "%lluB", (unsigned long long) n);
                return buf;
        }
        for (v /= 1024; v >= 1024 && i < sizeof(units) - 2; i++)
                v /= 1024;
        snprintf(buf, size, "%.1f%cB", v, units[i]);
        return buf;
}

static usec_t timespec_usec(const struct timespec *ts) {
        return (usec_t) ts->tv_sec * USEC_PER_SEC + (usec_t) ts->tv_nsec / 1000;
}

static int stat_dir(int fd, FileStat *fs) {
        DIR *d = fdopendir(fd);
        struct dirent *de;

        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fs->entries == FILE_DIR_MAX) {
                        fs->cut = true;
                        break;
                }
                fs->entries++;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* gone meanwhile: a moving spool */
                if (S_ISREG(st.st_mode))
                        fs->size += (uint64_t) st.st_size;
                if (timespec_usec(&st.st_mtim) > fs->mtime)
                        fs->mtime = timespec_usec(&st.st_mtim);
        }
        closedir(d);
        return 0;
}

static int file_stat(const char *path, FileStat *fs) {
        struct stat st;
        int fd;

        *fs = (FileStat) {};
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        fs->mtime = timespec_usec(&st.st_mtim);
        if (!S_ISDIR(st.st_mode)) {
                fs->size = (uint64_t) st.st_size;
                close(fd);
                return 0;
        }
        fs->dir = true;
        return stat_dir(fd, fs);
}

static int file_start(Probe *p) {
        const FileOptions *o = p->config->options;
        usec_t now = now_usec(CLOCK_REALTIME), age;
        char a[32], b[32], what[64] = "";
        FileStat fs;
        int r;

        r = file_stat(o->path, &fs);
        if (r == -ENOENT) {
                probe_finish(p, o->missing_ok ? PROBE_OK : PROBE_BAD_REPLY, "%s does not exist%s", o->path,
                             o->missing_ok ? " (missing = ok)" : "");
                return 0;
        }
        if (r < 0) {
                probe_finish(p, PROBE_INTERNAL_ERROR, "cannot read %s: %s", o->path, strerror(-r));
                return 0;
        }
        if (fs.dir)
                snprintf(what, sizeof(what), " (%u%s entries)", fs.entries, fs.cut ? "+" : "");
        age = now > fs.mtime ? now - fs.mtime : 0;
        format_size(a, sizeof(a), fs.size);
        format_age(b, sizeof(b), age);
        if (o->max_size > 0 && fs.size > o->max_size) {
                char c[32];
                probe_finish(p, PROBE_THRESHOLD, "%s%s is %s, above max_size %s", o->path, what, a,
                             format_size(c, sizeof(c), o->max_size));
        } else if (o->max_age > 0 && age > o->max_age) {
                char c[32];
                probe_finish(p, PROBE_THRESHOLD, "%s%s last written %s ago, longer than max_age %s", o->path, what,
                             b, format_duration(c, sizeof(c), o->max_age));
        } else
                probe_finish(p, PROBE_OK, "%s%s is %s, last written %s ago", o->path, what, a, b);
        return 0;
}

static int file_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        FileOptions *o = option_get(&c->options, sizeof(FileOptions));

        if (streq(key, "path")) {
                if (value[0] != '/')
                        return option_error(error, "invalid path '%s': must be absolute", value);
                option_set_string(&o->path, value);
        } else if (streq(key, "max_size"))
                return option_parse_size(key, value, &o->max_size, error);
        else if (streq(key, "max_age")) {
                if (parse_duration(value, &o->max_age) < 0 || o->max_age == 0)
                        return option_error(error, "invalid value '%s' for max_age: expected a duration such as "
                                            "30min", value);
        } else if (streq(key, "missing")) {
                if (!streq(value, "ok") && !streq(value, "fail"))
                        return option_error(error, "invalid value '%s' for missing: expected ok or fail", value);
                o->missing_ok = streq(value, "ok");
        } else
                return -ENOENT;
        return 0;
}

static int file_verify(ProbeConfig *c, char **error) {
        const FileOptions *o = c->options;

        if (!o || !o->path)
                return option_error(error, "missing required key 'path'");
        return 0;
}

static void file_free_options(ProbeConfig *c) {
        FileOptions *o = c->options;

        if (!o)
                return;
        free(o->path);
        free(o);
        c->options = NULL;
}

const ProbeType probe_type_file = {
        .name = "file",
        .default_alert = true,
        .start = file_start,
        .keys = (const char *const[]) { "path", "max_size", "max_age", "missing", NULL },
        .parse_key = file_parse_key,
        .verify = file_verify,
        .free_options = file_free_options,
};
