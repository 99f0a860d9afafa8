/* child.c: a command on the loop, its output and its exit (see child.h). */
#include "probes/child.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "common/util.h"

struct Child {
        const ChildOps *ops;
        void *userdata;
        pid_t pid;
        int fd;
        bool exited;
        sd_event_source *child, *io;
};

static int close_fd(int fd) {
        if (fd >= 0)
                close(fd);
        return -1;
}

void child_drain(Child *c) {
        char buf[4096];

        while (c->fd >= 0) {
                ssize_t n = read(c->fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) { /* EOF or error: nothing more to read */
                        c->io = sd_event_source_disable_unref(c->io);
                        c->fd = close_fd(c->fd);
                        return;
                }
                c->ops->output(c, buf, (size_t) n, c->userdata);
        }
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        child_drain(userdata);
        return 0;
}

/* The child of a finished run, reaped by the loop after us. */
static int on_orphan_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        (void) sd_event_source_set_floating(s, false);
        sd_event_source_unref(s);
        return 0;
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Child *c = userdata;

        if (!c)
                return on_orphan_exit(s, si, userdata);
        c->exited = true;
        /* Still a zombie here, so the group id cannot be reused yet: end what
         * the command left behind in its group. */
        (void) kill(-c->pid, SIGKILL);
        child_drain(c);
        c->ops->exited(c, si, c->userdata);
        return 0;
}

Child *child_free(Child *c) {
        if (!c)
                return NULL;
        if (c->child && !c->exited) {
                /* Not exited: kill the group; the loop reaps it, not us. */
                (void) kill(-c->pid, SIGKILL);
                (void) sd_event_source_set_userdata(c->child, NULL);
                (void) sd_event_source_set_child_process_own(c->child, true);
                (void) sd_event_source_set_floating(c->child, true);
        }
        c->child = sd_event_source_unref(c->child);
        c->io = sd_event_source_disable_unref(c->io);
        close_fd(c->fd);
        free(c);
        return NULL;
}

/* In the child: only fds 0-2 stay open. */
static void close_other_fds(void) {
        long max;

        if (close_range(3, ~0U, 0) == 0)
                return;
        max = sysconf(_SC_OPEN_MAX); /* a kernel before 5.9 */
        for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
                (void) close(fd);
}

__attribute__((noreturn)) static void child_exec(const char *exe, char *const *argv, int out, int err) {
        static char *clean_env[] = { (char *) "PATH=" CHILD_PATH, (char *) "LANG=C", NULL };
        sigset_t none;
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

        (void) setpgid(0, 0);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) signal(SIGPIPE, SIG_DFL); /* the daemon ignores it; exec keeps ignored signals */
        if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
                _exit(126);
        close_other_fds();
        environ = clean_env;
        if (exe)
                execv(exe, argv);
        else
                execvp(argv[0], argv); /* searched in CHILD_PATH, the environment's now */
        dprintf(2, "cannot execute %s: %m", argv[0]);
        _exit(127);
}

static int child_fork(Child *c, sd_event *e, const char *exe, char *const *argv) {
        int fds[2], r;
        sigset_t chld;

        /* sd_event_add_child() refuses to work unless SIGCHLD is blocked. */
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
                return -errno;
        /* The write end stays blocking: it is the command's stdout. */
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        c->fd = fds[0];
        if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0) {
                r = -errno;
                close(fds[1]);
                return r;
        }
        c->pid = fork();
        if (c->pid == 0)
                child_exec(exe, argv, fds[1], fds[1]);
        r = c->pid < 0 ? -errno : 0;
        close(fds[1]);
        if (r < 0)
                return r;
        (void) setpgid(c->pid, c->pid); /* also here: no window where kill(-pid) misses */
        r = sd_event_add_child(e, &c->child, c->pid, WEXITED, on_child_exit, c);
        if (r < 0) {
                (void) kill(-c->pid, SIGKILL);
                (void) waitpid(c->pid, NULL, 0); /* just forked and killed: immediate */
                return r;
        }
        (void) sd_event_source_set_description(c->child, "probe-child");
        return sd_event_add_io(e, &c->io, c->fd, EPOLLIN, on_output, c);
}

int child_spawn(sd_event *e, const char *exe, char *const *argv, const ChildOps *ops, void *userdata, Child **ret) {
        Child *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        *c = (Child) { .ops = ops, .userdata = userdata, .fd = -1 };
        r = child_fork(c, e, exe, argv);
        if (r < 0) {
                child_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

char *child_find(const char *name) {
        char path[PATH_MAX];

        if (strchr(name, '/'))
                return xstrdup(name);
        for (const char *dir = CHILD_PATH; *dir;) {
                size_t len = strcspn(dir, ":");

                snprintf(path, sizeof(path), "%.*s/%s", (int) len, dir, name);
                if (access(path, X_OK) == 0)
                        return xstrdup(path);
                dir += len + (dir[len] == ':');
        }
        return NULL;
}

/* One read into a bounded buffer, kept NUL-terminated. Once it is full, more
 * is -EFBIG, or read and dropped with drop (stderr: a chatty child must not
 * block on a full pipe). At the end the fd is closed (-1). */
static int run_read(int *fd, char *buf, size_t size, size_t *len, bool drop) {
        char scratch[4096];
        bool full = *len + 1 >= size;
        ssize_t n = full ? read(*fd, scratch, drop ? sizeof(scratch) : 1) : read(*fd, buf + *len, size - 1 - *len);

        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : -errno;
        if (n == 0) {
                *fd = close_fd(*fd);
                return 0;
        }
        if (full)
                return drop ? 0 : -EFBIG;
        *len += (size_t) n;
        buf[*len] = '\0';
        return 0;
}

/* Both pipes read to their end, bounded; then the exit awaited, all before deadline. */
static int run_collect(pid_t pid, int fds[2], usec_t deadline, ChildRun *ret) {
        for (;;) {
                struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };
                usec_t now = now_usec(CLOCK_MONOTONIC);
                int r, ready, timeout_ms = now >= deadline ? 0 : (int) ((deadline - now + 999) / 1000);
                pid_t w;

                if (fds[0] < 0 && fds[1] < 0) {
                        w = waitpid(pid, &ret->status, WNOHANG);
                        if (w == pid)
                                return 0;
                        if (w < 0 && errno != EINTR)
                                return -errno;
                        timeout_ms = timeout_ms < 10 ? timeout_ms : 10; /* closed its output, still running */
                }
                if (now >= deadline)
                        return -ETIMEDOUT;
                ready = poll(p, 2, timeout_ms);
                if (ready < 0 && errno != EINTR)
                        return -errno;
                if (ready > 0 && fds[0] >= 0 && p[0].revents &&
                    (r = run_read(&fds[0], ret->out, sizeof(ret->out), &ret->out_len, false)) < 0)
                        return r;
                if (ready > 0 && fds[1] >= 0 && p[1].revents &&
                    (r = run_read(&fds[1], ret->err, sizeof(ret->err), &ret->err_len, true)) < 0)
                        return r;
        }
}

int child_run(const char *exe, char *const *argv, usec_t timeout, ChildRun *ret) {
        int out[2] = { -1, -1 }, err[2] = { -1, -1 }, fds[2], r;
        pid_t pid;

        *ret = (ChildRun) {};
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 ||
            fcntl(err[0], F_SETFL, O_NONBLOCK) < 0) {
                r = -errno;
                close_fd(out[0]), close_fd(out[1]), close_fd(err[0]), close_fd(err[1]);
                return r;
        }
        pid = fork();
        if (pid == 0)
                child_exec(exe, argv, out[1], err[1]);
        r = pid < 0 ? -errno : 0;
        close_fd(out[1]), close_fd(err[1]);
        fds[0] = out[0], fds[1] = err[0];
        if (r == 0) {
                (void) setpgid(pid, pid);
                r = run_collect(pid, fds, now_usec(CLOCK_MONOTONIC) + timeout, ret);
                if (r < 0) { /* timed out, too much output: the whole group goes */
                        (void) kill(-pid, SIGKILL);
                        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                                ;
                }
        }
        close_fd(fds[0]), close_fd(fds[1]);
        return r;
}
