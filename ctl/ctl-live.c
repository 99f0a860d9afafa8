/* ctl-live.c: the mailsupctl commands that wait and print as things
 * happen: drill (DrillStep signals, then the method's reply) and follow
 * (CheckChanged signals until interrupted).
 *
 * The match for the signals is in place before the call or the first
 * listing, so no step or change can slip by unseen.
 */
#include <inttypes.h>

#include "ctl/ctl.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define DRILL_CALL_TIMEOUT (15 * USEC_PER_MINUTE)

/* Process and wait until *done. */
static int run_until(sd_bus *bus, const bool *done) {
        int r;

        while (!*done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

typedef struct DrillRun {
        Ctl *ctl;
        const char *name;
        size_t printed;
        bool done;
        int status;
} DrillRun;

static void print_step(DrillRun *run, const char *step, const char *result, uint64_t elapsed, const char *detail) {
        const Ctl *ctl = run->ctl;

        if (run->printed++ == 0)
                printf("drill of %s:\n", run->name);
        printf("  %-10s %s%-11s%s %+9.3fs  %s\n", step, ctl_state_color(ctl, result), result, ctl_normal(ctl),
               (double) elapsed / USEC_PER_SEC, detail);
        fflush(stdout);
}

static int on_drill_step(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        DrillRun *run = userdata;
        const char *name, *step, *result, *detail;
        uint64_t elapsed;

        if (sd_bus_message_read(m, "sssts", &name, &step, &result, &elapsed, &detail) < 0 ||
            !streq(name, run->name))
                return 0;
        print_step(run, step, result, elapsed, detail);
        return 0;
}

/* The reply is the record: steps no signal showed (none, normally) are printed from it. */
static int on_drill_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        DrillRun *run = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *step, *result, *detail;
        uint64_t elapsed, last = 0;
        size_t i = 0;
        int ok, r;

        run->done = true;
        run->status = CTL_EXIT_ERROR;
        if (e) {
                ctl_print_error(run->ctl, "Drill", e, -EIO);
                return 0;
        }
        r = sd_bus_message_read(m, "b", &ok);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', MAILSUP_DRILL_STEP_SIGNATURE);
        while (r >= 0 && (r = sd_bus_message_read(m, MAILSUP_DRILL_STEP_SIGNATURE, &step, &result, &elapsed, &detail)) > 0) {
                if (i++ >= run->printed)
                        print_step(run, step, result, elapsed, detail);
                last = MAX(last, elapsed);
        }
        if (r < 0) {
                fprintf(stderr, "mailsupctl: malformed Drill reply: %s\n", strerror(-r));
                return 0;
        }
        printf("drill of %s %s%s%s after %.1fs\n", run->name, ctl_state_color(run->ctl, ok ? "ok" : "failed"),
               ok ? "passed" : "FAILED", ctl_normal(run->ctl), (double) last / USEC_PER_SEC);
        run->status = ok ? CTL_EXIT_OK : CTL_EXIT_NOT_OK;
        return 0;
}

int cmd_drill(Ctl *ctl, char **args, int n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *match = NULL, *call = NULL;
        DrillRun run = { .ctl = ctl, .status = CTL_EXIT_ERROR };
        int r;

        if (n != 1) {
                fprintf(stderr, "mailsupctl: drill needs exactly one check name (see mailsupctl drill --help)\n");
                return CTL_EXIT_ERROR;
        }
        run.name = args[0];
        if (!ctl->yes) {
                fprintf(stderr, "mailsupctl: a drill really stops the service of '%s' until mailsupd restarts it:\n"
                        "run 'mailsupctl drill %s --yes' to confirm\n", run.name, run.name);
                return CTL_EXIT_ERROR;
        }
        r = sd_bus_match_signal(ctl->bus, &match, MAILSUP_BUS_NAME, MAILSUP_BUS_PATH, MAILSUP_BUS_INTERFACE,
                                "DrillStep", on_drill_step, &run);
        if (r >= 0)
                r = sd_bus_message_new_method_call(ctl->bus, &m, MAILSUP_BUS_NAME, MAILSUP_BUS_PATH,
                                                   MAILSUP_BUS_INTERFACE, "Drill");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", run.name, 1);
        if (r >= 0)
                r = sd_bus_call_async(ctl->bus, &call, m, on_drill_reply, &run, DRILL_CALL_TIMEOUT);
        if (r < 0) {
                fprintf(stderr, "mailsupctl: cannot ask mailsupd for a drill: %s\n", strerror(-r));
                return CTL_EXIT_ERROR;
        }
        r = run_until(ctl->bus, &run.done);
        if (r < 0) {
                fprintf(stderr, "mailsupctl: lost mailsupd during the drill: %s\n", strerror(-r));
                return CTL_EXIT_ERROR;
        }
        return run.status;
}

static void print_change(const Ctl *ctl, const char *name, const char *state, const char *reason) {
        usec_t now = now_usec(CLOCK_REALTIME);
        time_t t = (time_t) (now / USEC_PER_SEC);
        char stamp[32] = "";
        struct tm tm;

        if (localtime_r(&t, &tm))
                strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
        if (ctl->json) {
                printf("{\"Time\":%" PRIu64 ",\"Name\":", now);
                json_fprint_string(stdout, name);
                printf(",\"State\":");
                json_fprint_string(stdout, state);
                printf(",\"Reason\":");
                json_fprint_string(stdout, reason);
                printf("}\n");
        } else
                printf("%s.%03u %s %s%s%s %s\n", stamp, (unsigned) (now % USEC_PER_SEC / USEC_PER_MSEC), name,
                       ctl_state_color(ctl, state), state, ctl_normal(ctl), reason);
        fflush(stdout);
}

static int on_check_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name, *state, *reason;

        if (sd_bus_message_read(m, "sss", &name, &state, &reason) >= 0)
                print_change(userdata, name, state, reason);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || ((Ctl *) userdata)->json)
                return 0;
        printf("-- mailsupd %s --\n", *new_owner ? "started" : "stopped");
        fflush(stdout);
        return 0;
}

/* The current state of every check, as the first lines. */
static int print_current(Ctl *ctl) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        CheckRow row;
        int r;

        r = ctl_call(ctl, "ListChecks", &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', MAILSUP_CHECK_SIGNATURE);
        while (r >= 0 && (r = ctl_read_row(reply, &row)) > 0)
                print_change(ctl, row.name, row.state, row.reason);
        return r;
}

int cmd_follow(Ctl *ctl, char **args, int n) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *changed = NULL, *owner = NULL;
        bool never = false;
        int r;

        if (n > 0) {
                fprintf(stderr, "mailsupctl: follow takes no arguments\n");
                return CTL_EXIT_ERROR;
        }
        r = sd_bus_match_signal(ctl->bus, &changed, MAILSUP_BUS_NAME, MAILSUP_BUS_PATH, MAILSUP_BUS_INTERFACE,
                                "CheckChanged", on_check_changed, ctl);
        if (r >= 0)
                r = sd_bus_add_match(ctl->bus, &owner, "type='signal',sender='org.freedesktop.DBus',"
                                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                     "arg0='" MAILSUP_BUS_NAME "'", on_owner_changed, ctl);
        if (r < 0) {
                fprintf(stderr, "mailsupctl: cannot listen for changes: %s\n", strerror(-r));
                return CTL_EXIT_ERROR;
        }
        if (print_current(ctl) < 0)
                return CTL_EXIT_ERROR;
        r = run_until(ctl->bus, &never);
        fprintf(stderr, "mailsupctl: lost the %s bus: %s\n", ctl_bus_name(ctl), strerror(-r));
        return CTL_EXIT_ERROR;
}
