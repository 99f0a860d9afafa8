/* program.c: the "program" probe: run a command, exit 0 means healthy.
 *
 * For what no protocol probe covers (postqueue -p, a site's own script).
 * The command is fork/exec'ed without a shell, in a process group of its
 * own, stdout and stderr to one pipe read without blocking (the first
 * PROGRAM_OUTPUT_MAX bytes kept, the rest drained and dropped); its exit
 * comes from sd-event's child source. At the deadline the whole group gets
 * SIGKILL and is reaped later by the loop (a floating source), never with
 * a blocking wait. sd_event_add_child() needs SIGCHLD blocked: the first
 * run blocks it in the process (the supervisor is single-threaded and
 * reaps children only through sd-event), so the owner need not.
 *
 * The child gets only stdin (/dev/null), stdout and stderr (every other fd
 * is closed: libcurl's socketpairs, for one, lack CLOEXEC) and a clean
 * environment (PROGRAM_PATH, LANG=C, nothing inherited). A command without
 * a '/' is looked up in PROGRAM_PATH once, at load; the executable that
 * runs must be trusted as a config file is (common/trust.h): one that
 * anyone but root can change is refused.
 *
 * Keys: command (required).
 *
 * See also: program.h, probe.h.
 */
#include "probes/program.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "common/options.h"
#include "common/trust.h"
#include "probes/probe.h"

static int close_fd(int fd) {
        if (fd >= 0)
                close(fd);
        return -1;
}

#define PROGRAM_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct ProgramOptions {
        char **argv;
        char *exe;                      /* argv[0] found in PROGRAM_PATH, or as given; NULL: not found */
} ProgramOptions;

typedef struct Program {
        Probe *probe;
        pid_t pid;
        int fd;
        bool exited;
        sd_event_source *child, *io;
        size_t len;
        char out[PROGRAM_OUTPUT_MAX];
} Program;

int program_argv_parse(const char *s, char ***ret) {
        char **argv = calloc(PROGRAM_ARGS_MAX + 1, sizeof(char *));
        size_t n = 0;
        int r = 0;

        if (!argv)
                return -ENOMEM;
        for (;;) {
                char *arg, quote = 0;
                size_t len = 0;

                s += strspn(s, " \t");
                if (!*s)
                        break;
                if (n == PROGRAM_ARGS_MAX) {
                        r = -E2BIG;
                        break;
                }
                arg = argv[n++] = calloc(strlen(s) + 1, 1);
                if (!arg) {
                        r = -ENOMEM;
                        break;
                }
                /* Quotes may start mid-word: --name="a b" gives --name=a b. */
                for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
                        if (quote && *s == quote)
                                quote = 0;
                        else if (!quote && (*s == '"' || *s == '\''))
                                quote = *s;
                        else
                                arg[len++] = *s;
                }
                if (quote) {
                        r = -EINVAL;
                        break;
                }
        }
        if (r == 0 && n == 0)
                r = -EINVAL;
        if (r < 0) {
                program_argv_free(argv);
                return r;
        }
        *ret = argv;
        return 0;
}

char **program_argv_free(char **argv) {
        for (size_t i = 0; argv && argv[i]; i++)
                free(argv[i]);
        free(argv);
        return NULL;
}

void program_output_line(char *dst, size_t size, const char *out, size_t len) {
        char folded[PROGRAM_OUTPUT_MAX];
        size_t n = 0;

        /* Blanks and line ends fold into one space, none at either end;
         * other control bytes become '?' and bytes that are not UTF-8
         * "\xNN", as sanitize_line() has them. */
        for (size_t i = 0; i < len && n < sizeof(folded); i++) {
                char c = out[i] == '\n' || out[i] == '\r' || out[i] == '\t' ? ' ' : out[i];

                if (c != ' ' || (n > 0 && folded[n - 1] != ' '))
                        folded[n++] = c;
        }
        while (n > 0 && folded[n - 1] == ' ')
                n--;
        sanitize_line(dst, size, folded, n);
}

static void program_drain(Program *pr) {
        char scratch[4096];

        while (pr->fd >= 0) {
                bool keep = pr->len < sizeof(pr->out);
                ssize_t n = read(pr->fd, keep ? pr->out + pr->len : scratch,
                                 keep ? sizeof(pr->out) - pr->len : sizeof(scratch));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) { /* EOF or error: nothing more to read */
                        pr->io = sd_event_source_disable_unref(pr->io);
                        pr->fd = close_fd(pr->fd);
                        return;
                }
                if (keep)
                        pr->len += (size_t) n;
        }
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        program_drain(userdata);
        return 0;
}

/* The child of a finished run, reaped by the loop after us. */
static int on_orphan_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        (void) sd_event_source_set_floating(s, false);
        sd_event_source_unref(s);
        return 0;
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Program *pr = userdata;
        char out[PROBE_REASON_MAX];
        const char *sep;

        if (!pr)
                return on_orphan_exit(s, si, userdata);
        pr->exited = true;
        /* Still a zombie here, so the group id cannot be reused yet: end what
         * the command left behind in its group. */
        (void) kill(-pr->pid, SIGKILL);
        program_drain(pr);
        program_output_line(out, sizeof(out), pr->out, pr->len);
        sep = out[0] ? ": " : "";
        if (si->si_code == CLD_EXITED && si->si_status == 0)
                probe_finish(pr->probe, PROBE_OK, "exited 0%s%s", sep, out);
        else if (si->si_code == CLD_EXITED)
                probe_finish(pr->probe, PROBE_BAD_REPLY, "exited %d%s%s", si->si_status, sep, out);
        else
                probe_finish(pr->probe, PROBE_BAD_REPLY, "killed by SIG%s%s%s",
                             sigabbrev_np(si->si_status) ?: "?", sep, out);
        return 0;
}

static void program_stop(Probe *p) {
        Program *pr = p->data;

        if (!pr)
                return;
        if (pr->child && !pr->exited) {
                /* Not exited: kill the group; the loop reaps it, not us. */
                (void) kill(-pr->pid, SIGKILL);
                (void) sd_event_source_set_userdata(pr->child, NULL);
                (void) sd_event_source_set_child_process_own(pr->child, true);
                (void) sd_event_source_set_floating(pr->child, true);
        }
        pr->child = sd_event_source_unref(pr->child);
        pr->io = sd_event_source_disable_unref(pr->io);
        close_fd(pr->fd);
        free(pr);
        p->data = NULL;
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

__attribute__((noreturn)) static void program_exec(const ProgramOptions *o, int out) {
        static char *clean_env[] = { (char *) "PATH=" PROGRAM_PATH, (char *) "LANG=C", NULL };
        sigset_t none;
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

        (void) setpgid(0, 0);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) signal(SIGPIPE, SIG_DFL); /* the daemon ignores it; exec keeps ignored signals */
        if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                _exit(126);
        close_other_fds();
        environ = clean_env;
        if (o->exe)
                execv(o->exe, o->argv);
        else
                execvp(o->argv[0], o->argv); /* not found at load: PROGRAM_PATH, once more */
        dprintf(2, "cannot execute %s: %m", o->argv[0]);
        _exit(127);
}

static int program_spawn(Program *pr, const ProgramOptions *o) {
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
        pr->fd = fds[0];
        if (fcntl(pr->fd, F_SETFL, O_NONBLOCK) < 0) {
                r = -errno;
                close(fds[1]);
                return r;
        }
        pr->pid = fork();
        if (pr->pid == 0)
                program_exec(o, fds[1]);
        r = pr->pid < 0 ? -errno : 0;
        close(fds[1]);
        if (r < 0)
                return r;
        (void) setpgid(pr->pid, pr->pid); /* also here: no window where kill(-pid) misses */
        r = sd_event_add_child(pr->probe->event, &pr->child, pr->pid, WEXITED, on_child_exit, pr);
        if (r < 0) {
                (void) kill(-pr->pid, SIGKILL);
                (void) waitpid(pr->pid, NULL, 0); /* just forked and killed: immediate */
                return r;
        }
        (void) sd_event_source_set_description(pr->child, "probe-program");
        r = sd_event_add_io(pr->probe->event, &pr->io, pr->fd, EPOLLIN, on_output, pr);
        return r;
}

static int program_start(Probe *p) {
        const ProgramOptions *o = p->config->options;
        Program *pr;
        int r;

        pr = calloc(1, sizeof(*pr));
        if (!pr)
                return -ENOMEM;
        *pr = (Program) { .probe = p, .fd = -1 };
        p->data = pr;
        r = program_spawn(pr, o);
        if (r < 0) /* a local failure: the run's result, from the loop */
                probe_finish(p, PROBE_INTERNAL_ERROR, "cannot run %s: %s", o->argv[0], strerror(-r));
        return 0;
}

static void program_describe_timeout(Probe *p, ProbeStatus *status, char *reason, size_t size) {
        Program *pr = p->data;
        char buf[32], out[PROBE_REASON_MAX];

        if (!pr)
                return;
        program_drain(pr);
        program_output_line(out, sizeof(out), pr->out, pr->len);
        snprintf(reason, size, "not finished within %s, killed%s%s",
                 format_duration(buf, sizeof(buf), p->config->timeout), out[0] ? ": " : "", out);
}

/* name as given when it has a '/', else the first executable in PROGRAM_PATH;
 * NULL when there is none. */
static char *program_find(const char *name) {
        char path[PATH_MAX];

        if (strchr(name, '/'))
                return xstrdup(name);
        for (const char *dir = PROGRAM_PATH; *dir;) {
                size_t len = strcspn(dir, ":");

                snprintf(path, sizeof(path), "%.*s/%s", (int) len, dir, name);
                if (access(path, X_OK) == 0)
                        return xstrdup(path);
                dir += len + (dir[len] == ':');
        }
        return NULL;
}

static int program_parse_key(ProbeConfig *c, const char *key, const char *value, char **error) {
        _cleanup_free_ char *exe = NULL;
        char why[PATH_MAX + 128];
        ProgramOptions *o;
        char **argv;
        int r;

        if (!streq(key, "command"))
                return -ENOENT;
        r = program_argv_parse(value, &argv);
        if (r < 0)
                return option_error(error, "invalid command '%s': %s", value,
                                    r == -E2BIG ? "too many arguments" : "empty or an unterminated quote");
        exe = program_find(argv[0]);
        if (strchr(argv[0], '/') && access(argv[0], X_OK) < 0) {
                r = errno;
                program_argv_free(argv);
                return option_error(error, "invalid command '%s': cannot execute: %s", value, strerror(r));
        }
        if (exe && trust_path(exe, why, sizeof(why)) == -EPERM) {
                program_argv_free(argv);
                return option_error(error, "command '%s' is not trusted: %s", value, why);
        }
        o = option_get(&c->options, sizeof(ProgramOptions));
        program_argv_free(o->argv);
        free(o->exe);
        o->argv = argv;
        o->exe = TAKE_PTR(exe);
        return 0;
}

static int program_verify(ProbeConfig *c, char **error) {
        const ProgramOptions *o = c->options;

        if (!o || !o->argv)
                return option_error(error, "missing required key 'command'");
        return 0;
}

static void program_free_options(ProbeConfig *c) {
        ProgramOptions *o = c->options;

        if (!o)
                return;
        program_argv_free(o->argv);
        free(o->exe);
        free(o);
        c->options = NULL;
}

const ProbeType probe_type_program = {
        .name = "program",
        .start = program_start,
        .stop = program_stop,
        .describe_timeout = program_describe_timeout,
        .keys = (const char *const[]) { "command", NULL },
        .parse_key = program_parse_key,
        .verify = program_verify,
        .free_options = program_free_options,
};
