/* state.c: the state file, written atomically, read with inih (state.h). */
#include "supervisor/state.h"

#include <fcntl.h>
#include <inttypes.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>

#include "common/trust.h"

#define STATE_VERSION 1

static void write_entry(FILE *f, const StateEntry *e) {
        const CheckRecord *r = &e->record;
        char reason[STATE_REASON_MAX], *text = reason;
        size_t len;

        fprintf(f, "\n[check %s]\ncycle = %" PRIu64 "\n", e->name, r->policy.cycle);
        /* One line per restart: inih reads lines of at most 200 bytes. */
        for (unsigned i = 0; i < r->policy.n_restarts; i++)
                fprintf(f, "restart = %" PRIu64 "\n", r->policy.restarts[i]);
        if (r->policy.seen_n_restarts != N_RESTARTS_UNKNOWN)
                fprintf(f, "unit_nrestarts = %" PRIu32 "\n", r->policy.seen_n_restarts);
        fprintf(f, "disabled = %s\n", r->policy.disabled ? "yes" : "no");
        if (r->policy.streak > 0)
                fprintf(f, "streak = %u\n", r->policy.streak);
        if (!r->has_result)
                return;
        /* One line, no inline-comment marker: inih would cut the value at " ;";
         * and no blanks around it, which inih strips: it reads back the same. */
        sanitize_line(reason, sizeof(reason), r->reason, strlen(r->reason));
        for (char *p = reason; *p; p++)
                if (*p == ';' || *p == '#')
                        *p = ',';
        text += strspn(text, " ");
        for (len = strlen(text); len > 0 && text[len - 1] == ' '; len--)
                text[len - 1] = '\0';
        fprintf(f, "result = %s\nreason = %s\nlatency_usec = %" PRIu64 "\n"
                "last_change_usec = %" PRIu64 "\nconsecutive_failures = %u\n",
                r->ok ? "ok" : "failed", text, r->latency, r->last_change,
                r->consecutive_failures);
}

void state_format(FILE *f, const StateEntry *entries, size_t n) {
        fprintf(f, "# mailsupd state: restart history and disabled checks. Written by\n"
                   "# mailsupd; use 'mailsupctl reset' rather than editing it.\n"
                   "[mailsupd]\nversion = %d\n", STATE_VERSION);
        for (size_t i = 0; i < n; i++)
                write_entry(f, &entries[i]);
}

int state_directory_open(const char *dir, char *why, size_t size) {
        _cleanup_close_ int fd = -EBADF;
        char parent[PATH_MAX];
        struct stat st;
        int r;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return r = -errno, snprintf(why, size, "cannot create %s: %s", dir, strerror(-r)), r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
                snprintf(why, size, "%s is a symbolic link: not followed", dir);
                return -ELOOP;
        }
        if (fd < 0 || fstat(fd, &st) < 0)
                return r = -errno, snprintf(why, size, "cannot open %s: %s", dir, strerror(-r)), r;
        if (st.st_uid != geteuid()) {
                snprintf(why, size, "%s is owned by uid %u, not by mailsupd's user (uid %u)", dir,
                         (unsigned) st.st_uid, (unsigned) geteuid());
                return -EPERM;
        }
        if (st.st_mode & 022) {
                snprintf(why, size, "%s is writable by %s (mode %04o)", dir,
                         st.st_mode & 002 ? "everyone" : "its group", (unsigned) (st.st_mode & 07777));
                return -EPERM;
        }
        snprintf(parent, sizeof(parent), "%s", dir);
        r = trust_path(dirname(parent), why, size); /* nobody else may swap it either */
        if (r < 0)
                return r;
        r = fd;
        fd = -EBADF;
        return r;
}

int state_write(const char *dir, const StateEntry *entries, size_t n) {
        _cleanup_close_ int dfd = -EBADF;
        char why[PATH_MAX + 128];
        FILE *f;
        int fd, r = 0;

        dfd = state_directory_open(dir, why, sizeof(why));
        if (dfd < 0)
                return dfd;
        fd = openat(dfd, "." STATE_FILE_NAME ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                goto fail;
        }
        state_format(f, entries, n);
        if (fflush(f) != 0 || fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r < 0)
                goto fail;
        if (renameat(dfd, "." STATE_FILE_NAME ".tmp", dfd, STATE_FILE_NAME) < 0) {
                r = -errno;
                goto fail;
        }
        return fsync(dfd) < 0 ? -errno : 0;
fail:
        (void) unlinkat(dfd, "." STATE_FILE_NAME ".tmp", 0);
        return r;
}

typedef struct Reader {
        StateFile *file;
        StateEntry *current;
        bool seen_version;
        char *problem;
} Reader;

static int parse_u64(const char *v, uint64_t *ret) {
        char *end;

        if (!*v || *v == '-')
                return -EINVAL;
        errno = 0;
        *ret = strtoull(v, &end, 10);
        return errno == 0 && *end == '\0' ? 0 : -EINVAL;
}

static int add_restart(const char *v, PolicyState *p) {
        if (p->n_restarts == POLICY_MAX_RESTARTS)
                return -EINVAL;
        return parse_u64(v, &p->restarts[p->n_restarts++]);
}

static int entry_set(CheckRecord *r, const char *key, const char *v) {
        uint64_t u;

        if (streq(key, "cycle"))
                return parse_u64(v, &r->policy.cycle);
        if (streq(key, "restart"))
                return add_restart(v, &r->policy);
        if (streq(key, "disabled") && (streq(v, "yes") || streq(v, "no"))) {
                r->policy.disabled = streq(v, "yes");
                return 0;
        }
        if (streq(key, "result") && (streq(v, "ok") || streq(v, "failed"))) {
                r->has_result = true;
                r->ok = streq(v, "ok");
                return 0;
        }
        if (streq(key, "reason")) {
                /* An older mailsupd saved a peer's bytes as they came: repaired here. */
                sanitize_line(r->reason, sizeof(r->reason), v, strlen(v));
                return utf8_valid(v, strlen(v)) ? 0 : 1;
        }
        if (streq(key, "latency_usec"))
                return parse_u64(v, &r->latency);
        if (streq(key, "last_change_usec"))
                return parse_u64(v, &r->last_change);
        if (parse_u64(v, &u) < 0)
                return -EINVAL;
        if (streq(key, "unit_nrestarts") && u < N_RESTARTS_UNKNOWN)
                r->policy.seen_n_restarts = (uint32_t) u;
        else if (streq(key, "consecutive_failures") && u <= UINT32_MAX)
                r->consecutive_failures = (unsigned) u;
        else if (streq(key, "streak") && u <= UINT32_MAX)
                r->policy.streak = (unsigned) u;
        else
                return -EINVAL;
        return 0;
}

static StateEntry *entry_new(StateFile *f, const char *name) {
        StateEntry *e;

        /* Room doubles at 16, 32, 64...: 10,000 entries, not 10,000 reallocs. */
        if (f->n == 0 || (f->n >= 16 && (f->n & (f->n - 1)) == 0)) {
                StateEntry *n = realloc(f->entries, (f->n ? f->n * 2 : 16) * sizeof(*n));

                if (!n)
                        abort();
                f->entries = n;
        }
        e = &f->entries[f->n];
        *e = (StateEntry) { .name = xstrdup(name) };
        if (strmap_put(&f->index, e->name, f->n) < 0)
                abort();
        f->n++;
        policy_state_init(&e->record.policy);
        return e;
}

static int on_key(void *userdata, const char *section, const char *key, const char *value) {
        Reader *rd = userdata;

        if (streq(section, "mailsupd")) {
                if (streq(key, "version") && atoi(value) == STATE_VERSION) {
                        rd->seen_version = true;
                        return 1;
                }
        } else if (strncmp(section, "check ", 6) == 0 && section[6]) {
                const char *name = section + 6;
                if (!rd->current || !streq(rd->current->name, name)) {
                        if (state_file_find(rd->file, name))
                                goto bad;
                        rd->current = entry_new(rd->file, name);
                }
                int r = entry_set(&rd->current->record, key, value);

                rd->file->repaired += r > 0;
                if (r >= 0)
                        return 1;
        }
bad:
        if (!rd->problem && asprintf(&rd->problem, "unexpected '%s = %s' in [%s]", key, value, section) < 0)
                rd->problem = NULL;
        return 0;
}

static void set_aside(int dfd, const char *dir, char **problem) {
        _cleanup_free_ char *aside = NULL, *msg = NULL;

        if (asprintf(&aside, STATE_FILE_NAME ".corrupt-%" PRIu64, now_usec(CLOCK_REALTIME) / USEC_PER_SEC) < 0)
                return;
        if (asprintf(&msg, "%s; moved to %s/%s%s", *problem ? *problem : "unreadable", dir, aside,
                     renameat(dfd, STATE_FILE_NAME, dfd, aside) < 0 ? " failed" : "") < 0)
                return;
        free(*problem);
        *problem = TAKE_PTR(msg);
}

int state_parse(const char *text, size_t len, StateFile *ret, char **problem) {
        _cleanup_free_ char *copy = NULL;
        Reader rd = { .file = ret };
        const char *nul = memchr(text, '\0', len);
        int r;

        *ret = (StateFile) {};
        *problem = NULL;
        if (nul) {
                if (asprintf(problem, "NUL byte at offset %zu", (size_t) (nul - text)) < 0)
                        *problem = NULL;
                return -EBADMSG;
        }
        copy = strndup(text, len);
        if (!copy)
                return -ENOMEM;
        r = ini_parse_string(copy, on_key, &rd);
        if (r == 0 && rd.seen_version)
                return 0;

        if (!rd.problem && asprintf(&rd.problem, r > 0 ? "syntax error on line %d" : "no version line", r) < 0)
                rd.problem = NULL;
        *problem = rd.problem;
        state_file_done(ret);
        return -EBADMSG;
}

/* The whole file into a NUL-terminated buffer; -EFBIG beyond STATE_FILE_MAX.
 * Never through a link, never a FIFO or device. */
static int read_text(int dfd, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = openat(dfd, STATE_FILE_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        buf = malloc(STATE_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        while (n <= STATE_FILE_MAX) {
                ssize_t l = read(fd, buf + n, STATE_FILE_MAX + 1 - n);

                if (l < 0 && errno == EINTR)
                        continue;
                if (l < 0)
                        return -errno;
                if (l == 0)
                        break;
                n += (size_t) l;
        }
        if (n > STATE_FILE_MAX)
                return -EFBIG;
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

int state_read(const char *dir, StateFile *ret, char **problem) {
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ char *text = NULL;
        char why[PATH_MAX + 128];
        size_t len = 0;
        int r;

        *ret = (StateFile) {};
        *problem = NULL;
        dfd = state_directory_open(dir, why, sizeof(why));
        if (dfd < 0) {
                *problem = xstrdup(why);
                return dfd;
        }
        r = read_text(dfd, &text, &len);
        if (r == -EFBIG && asprintf(problem, "larger than %u bytes", STATE_FILE_MAX) < 0)
                *problem = NULL;
        else if (r == -EBADFD)
                *problem = xstrdup("not a regular file");
        else if (r >= 0)
                r = state_parse(text, len, ret, problem);
        if (r != -EBADMSG && r != -EFBIG && r != -EBADFD)
                return r;
        set_aside(dfd, dir, problem);
        return -EBADMSG;
}

const StateEntry *state_file_find(const StateFile *f, const char *name) {
        size_t i;

        return strmap_get(&f->index, name, &i) ? &f->entries[i] : NULL;
}

bool state_record_changed(const CheckRecord *a, const CheckRecord *b, unsigned window) {
        const PolicyState *x = &a->policy, *y = &b->policy;

        if (x->cycle != y->cycle && policy_restarts_in_window(x, window) > 0)
                return true;
        if (x->n_restarts != y->n_restarts || x->seen_n_restarts != y->seen_n_restarts ||
            x->disabled != y->disabled || x->streak != y->streak || x->failed != y->failed ||
            memcmp(x->restarts, y->restarts, x->n_restarts * sizeof(x->restarts[0])) != 0)
                return true;
        return a->has_result != b->has_result || a->ok != b->ok || a->last_change != b->last_change ||
               a->consecutive_failures != b->consecutive_failures || !streq(a->reason, b->reason);
}

void state_file_done(StateFile *f) {
        for (size_t i = 0; i < f->n; i++)
                free(f->entries[i].name);
        free(f->entries);
        strmap_clear(&f->index);
        *f = (StateFile) {};
}
