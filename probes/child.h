/* child.h: a command run on the loop without blocking (program, roundtrip).
 *
 * fork/exec without a shell, in a process group of its own, stdin from
 * /dev/null, stdout and stderr to one pipe read without blocking and handed
 * to output() as it comes, every other fd closed (libcurl's socketpairs,
 * for one, lack CLOEXEC) and a clean environment (PATH=CHILD_PATH, LANG=C,
 * nothing inherited); its exit comes from sd-event's child source.
 * child_free() before the exit SIGKILLs the whole group and leaves the
 * reaping to the loop (a floating source), never a blocking wait.
 * sd_event_add_child() needs SIGCHLD blocked: the first spawn blocks it in
 * the process (the supervisor is single-threaded and reaps children only
 * through sd-event), so the owner need not.
 *
 * child_run() runs a command the same way to its end, synchronously and
 * bounded in time and output: for what is asked once when the configuration
 * is loaded (doveconf), never on the loop's hot path.
 *
 * See also: program.c (exit 0 means healthy), roundtrip-queue.c (postqueue -j).
 */
#pragma once

#include <signal.h>
#include <systemd/sd-event.h>

#include "common/util.h"

typedef struct Child Child;

typedef struct ChildOps {
        /* Bytes the command wrote, as they come. */
        void (*output)(Child *c, const char *buf, size_t len, void *userdata);
        /* It exited (si: how), after every byte it wrote was handed over;
         * called once, and c may be freed inside. */
        void (*exited)(Child *c, const siginfo_t *si, void *userdata);
} ChildOps;

#define CHILD_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Starts exe (NULL: argv[0] searched in CHILD_PATH) with argv. 0 and the
 * child in *ret, or -errno for a local failure (no pipe, no fork): then
 * there is no child. */
int child_spawn(sd_event *e, const char *exe, char *const *argv, const ChildOps *ops, void *userdata,
                Child **ret);
/* Hand over what the pipe holds now (before a deadline's verdict). */
void child_drain(Child *c);
/* A running command's group is killed; the loop reaps it later. */
Child *child_free(Child *c);

/* name as given when it has a '/', else the first executable in CHILD_PATH
 * (malloc'd); NULL when there is none. */
char *child_find(const char *name);

#define CHILD_RUN_OUTPUT_MAX (64 * 1024)

typedef struct ChildRun {
        int status;                     /* waitpid()'s */
        char out[CHILD_RUN_OUTPUT_MAX]; /* stdout, NUL-terminated */
        size_t out_len;
        char err[1024];                 /* stderr's first bytes, NUL-terminated; the rest dropped */
        size_t err_len;
} ChildRun;

/* Runs exe (argv[0] for messages) as child_spawn() does (no shell, its own
 * process group, fds 0-2 only, a clean environment) and waits for its end:
 * 0 and ret->status; -ETIMEDOUT when it did not end within timeout, -EFBIG
 * when stdout outgrew ret->out (then its group was killed and reaped), or
 * -errno for a local failure. An exec failure is status 127. Blocks the
 * caller for at most timeout (and the reaping of a killed child). */
int child_run(const char *exe, char *const *argv, usec_t timeout, ChildRun *ret);
