/* unit-procs.c: a unit's processes and their states (unit-procs.h).
 *
 * The cgroup is found under the root that holds systemd's processes:
 * /sys/fs/cgroup on a unified (v2) system, /sys/fs/cgroup/unified or
 * /sys/fs/cgroup/systemd on a hybrid or legacy (v1) one, the first where
 * the unit's ControlGroup exists. The walk goes down sub-cgroups (a
 * delegated unit's) to a small depth, reads cgroup.procs in bounded chunks
 * and each PID's /proc/PID/stat (one read of a few hundred bytes), and
 * stops at UNIT_PROCS_MAX processes: a unit with 1,000 processes costs
 * 1,000 small reads, never more. A process that exits in the meantime is
 * skipped.
 */
#include "actions/unit-procs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define CGROUP_MAX_DEPTH 3

int proc_stat_parse(const char *buf, size_t n, ProcStat *ret) {
        const char *open = memchr(buf, '(', n), *close = NULL;
        size_t len;
        char *end;
        long pid;

        for (size_t i = n; i > 0; i--)
                if (buf[i - 1] == ')') {
                        close = buf + i - 1;
                        break;
                }
        if (!open || !close || close < open || (size_t) (close - buf) + 3 > n || close[1] != ' ')
                return -EINVAL;
        errno = 0;
        pid = strtol(buf, &end, 10);
        if (errno || end == buf || *end != ' ' || end + 1 != open || pid <= 0 || pid > INT32_MAX)
                return -EINVAL;
        *ret = (ProcStat) { .pid = (int) pid, .state = close[2] };
        len = (size_t) (close - open - 1);
        if (len >= sizeof(ret->comm))
                len = sizeof(ret->comm) - 1;
        memcpy(ret->comm, open + 1, len);
        ret->comm[len] = '\0';
        return 0;
}

bool proc_state_stopped(char state) {
        return state == 'T';
}

int cgroup_procs_next(const char *buf, size_t n, size_t *pos) {
        while (*pos < n) {
                long v = 0;
                bool digits = false;

                while (*pos < n && buf[*pos] >= '0' && buf[*pos] <= '9') {
                        if (v < INT32_MAX)
                                v = v * 10 + (buf[*pos] - '0');
                        digits = true;
                        (*pos)++;
                }
                while (*pos < n && (buf[*pos] < '0' || buf[*pos] > '9'))
                        (*pos)++;
                if (digits && v > 0 && v <= INT32_MAX)
                        return (int) v;
        }
        return 0;
}

static int read_small(int dirfd, const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        ssize_t k;

        if (fd < 0)
                return -errno;
        k = read(fd, buf, size);
        return k < 0 ? -errno : (int) k;
}

typedef struct Walk {
        int n;                          /* processes seen */
        bool want_stopped;
        ProcStat found;
        bool has_found;
} Walk;

static void visit_pid(Walk *w, int pid) {
        char path[32], buf[512];
        ProcStat st;
        int k;

        w->n++;
        if (!w->want_stopped || w->has_found)
                return;
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        k = read_small(AT_FDCWD, path, buf, sizeof(buf));
        if (k <= 0 || proc_stat_parse(buf, (size_t) k, &st) < 0)
                return; /* gone meanwhile */
        if (proc_state_stopped(st.state)) {
                w->found = st;
                w->has_found = true;
        }
}

/* cgroup.procs is read in chunks; a PID cut by a chunk's end is re-read. */
static int walk_procs(int dirfd, Walk *w) {
        _cleanup_close_ int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        char buf[4096];
        size_t have = 0;

        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k = read(fd, buf + have, sizeof(buf) - have);
                size_t pos = 0, end;
                int pid;

                if (k < 0)
                        return -errno;
                end = have + (size_t) k;
                /* the last line is complete only at EOF */
                size_t usable = end;
                if (k > 0)
                        while (usable > 0 && buf[usable - 1] != '\n')
                                usable--;
                while (w->n < UNIT_PROCS_MAX && (pid = cgroup_procs_next(buf, usable, &pos)) > 0)
                        visit_pid(w, pid);
                if (k == 0 || w->n >= UNIT_PROCS_MAX || (w->want_stopped && w->has_found))
                        return 0;
                have = end - usable;
                memmove(buf, buf + usable, have);
                if (have == sizeof(buf))
                        return -EBADMSG; /* no line feed in 4 KiB: not cgroup.procs */
        }
}

static int walk_cgroup(int dirfd, unsigned depth, Walk *w) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = walk_procs(dirfd, w);
        if (r < 0 || depth >= CGROUP_MAX_DEPTH)
                return r;
        d = opendir_at(dirfd, ".", O_NONBLOCK);
        if (!d)
                return -errno;
        while ((de = readdir(d)) && w->n < UNIT_PROCS_MAX && !(w->want_stopped && w->has_found)) {
                _cleanup_close_ int sub = -EBADF;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
                if (sub >= 0)
                        (void) walk_cgroup(sub, depth + 1, w); /* a sub-cgroup may vanish meanwhile */
        }
        return 0;
}

static int open_cgroup(const char *control_group) {
        static const char *const roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup" };
        char path[PATH_MAX];

        if (!control_group || control_group[0] != '/' || strstr(control_group, "/.."))
                return -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                int fd;

                if (snprintf(path, sizeof(path), "%s%s", roots[i], control_group) >= (int) sizeof(path))
                        return -ENAMETOOLONG;
                fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
                if (fd >= 0) {
                        if (faccessat(fd, "cgroup.procs", F_OK, 0) == 0)
                                return fd;
                        close(fd);
                }
        }
        return -ENOENT;
}

static int walk_unit(const char *control_group, Walk *w) {
        _cleanup_close_ int fd = open_cgroup(control_group);

        if (fd < 0)
                return fd;
        return walk_cgroup(fd, 0, w);
}

int unit_cgroup_find_stopped(const char *control_group, ProcStat *ret) {
        Walk w = { .want_stopped = true };
        int r = walk_unit(control_group, &w);

        if (r < 0)
                return r;
        if (!w.has_found)
                return 0;
        *ret = w.found;
        return 1;
}

int unit_cgroup_count(const char *control_group) {
        Walk w = {};
        int r = walk_unit(control_group, &w);

        return r < 0 ? r : w.n;
}
