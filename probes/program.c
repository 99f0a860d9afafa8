/* program.c: the "program" probe: run a command, exit 0 means healthy.
 *
 * For what no protocol probe covers (postqueue -p, a site's own script).
 * The command runs as child.h runs it: no shell, a process group of its
 * own, its output read without blocking (the first PROGRAM_OUTPUT_MAX
 * bytes kept, the rest dropped), its exit from sd-event's child source. At
 * the deadline the whole group gets SIGKILL and is reaped later by the
 * loop, never with a blocking wait.
 *
 * The child gets only stdin (/dev/null), stdout and stderr and a clean
 * environment (child.h). A command without a '/' is looked up in
 * CHILD_PATH once, at load; the executable that runs must be trusted as a
 * config file is (common/trust.h): one that anyone but root can change is
 * refused.
 *
 * Keys: command (required).
 *
 * See also: program.h, child.h, probe.h.
 */
#include "probes/program.h"

#include <limits.h>

#include "common/options.h"
#include "common/trust.h"
#include "probes/child.h"
#include "probes/probe.h"

typedef struct ProgramOptions {
        char **argv;
        char *exe;                      /* argv[0] found in CHILD_PATH, or as given; NULL: not found */
} ProgramOptions;

typedef struct Program {
        Probe *probe;
        Child *child;
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

/* The first PROGRAM_OUTPUT_MAX bytes are kept; the rest is dropped. */
static void on_output(Child *c, const char *buf, size_t len, void *userdata) {
        Program *pr = userdata;
        size_t n = len < sizeof(pr->out) - pr->len ? len : sizeof(pr->out) - pr->len;

        memcpy(pr->out + pr->len, buf, n);
        pr->len += n;
}

static void on_exited(Child *c, const siginfo_t *si, void *userdata) {
        Program *pr = userdata;
        char out[PROBE_REASON_MAX];
        const char *sep;

        program_output_line(out, sizeof(out), pr->out, pr->len);
        sep = out[0] ? ": " : "";
        if (si->si_code == CLD_EXITED && si->si_status == 0)
                probe_finish(pr->probe, PROBE_OK, "exited 0%s%s", sep, out);
        else if (si->si_code == CLD_EXITED)
                probe_finish(pr->probe, PROBE_BAD_REPLY, "exited %d%s%s", si->si_status, sep, out);
        else
                probe_finish(pr->probe, PROBE_BAD_REPLY, "killed by SIG%s%s%s",
                             sigabbrev_np(si->si_status) ?: "?", sep, out);
}

static const ChildOps program_child_ops = { .output = on_output, .exited = on_exited };

static void program_stop(Probe *p) {
        Program *pr = p->data;

        if (!pr)
                return;
        child_free(pr->child);
        free(pr);
        p->data = NULL;
}

static int program_start(Probe *p) {
        const ProgramOptions *o = p->config->options;
        Program *pr;
        int r;

        pr = calloc(1, sizeof(*pr));
        if (!pr)
                return -ENOMEM;
        pr->probe = p;
        p->data = pr;
        r = child_spawn(p->event, o->exe, o->argv, &program_child_ops, pr, &pr->child);
        if (r < 0) /* a local failure: the run's result, from the loop */
                probe_finish(p, PROBE_INTERNAL_ERROR, "cannot run %s: %s", o->argv[0], strerror(-r));
        return 0;
}

static void program_describe_timeout(Probe *p, ProbeStatus *status, char *reason, size_t size) {
        Program *pr = p->data;
        char buf[32], out[PROBE_REASON_MAX];

        if (!pr)
                return;
        child_drain(pr->child);
        program_output_line(out, sizeof(out), pr->out, pr->len);
        snprintf(reason, size, "not finished within %s, killed%s%s",
                 format_duration(buf, sizeof(buf), p->config->timeout), out[0] ? ": " : "", out);
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
        exe = child_find(argv[0]);
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
