/* mailsupctl.c: the operator's view of mailsupd, over its D-Bus API.
 *
 * Meant to feel like systemctl: `mailsupctl` alone shows the status,
 * `--user` talks to a user-bus instance, every command has `--help`,
 * status exits 3 when a check is failing, restarting or disabled (0 when all are well,
 * 1 on error) so scripts can use it as they use `systemctl is-active`, and
 * errors say what is wrong in words ("mailsupd is not running", "Access
 * denied: reset requires root"), never as a bus error dump.
 *
 * This file: the command line, dispatch, calling the API and reporting its
 * errors. See also: ctl.h, bus-api.h.
 */
#include <getopt.h>
#include <stdarg.h>

#include "ctl/ctl.h"

typedef struct Command {
        const char *name;
        int (*run)(Ctl *ctl, char **args, int n);
        const char *usage;
        const char *summary;
        const char *help;
} Command;

static const Command commands[] = {
        { "status", cmd_status, "status [NAME...] [--json]",
          "show mailsupd and its checks (the default)",
          "Show mailsupd (state, last cycle, heartbeat, outbox) and one line per check; details\n"
          "for each check named. Exit status: 0 all ok, 3 a check is failing, restarting or\n"
          "disabled, 1 error.\n" },
        { "list-checks", cmd_list_checks, "list-checks",
          "print the names of the checks",
          "Print the names of the checks, one per line (for scripts and completion).\n" },
        { "reset", cmd_reset, "reset NAME...|--all",
          "clear restart windows and disabled flags; probe now",
          "Clear the restart window and the disabled flag of the named checks (or all),\n"
          "and probe them at once. Root only.\n" },
        { "reload", cmd_reload, "reload",
          "re-read mailsupd's configuration",
          "Re-read mailsupd's configuration, as SIGHUP does. An invalid one is refused with\n"
          "its FILE:LINE errors and the running one stays. Checks that keep their name keep\n"
          "their state. Root only.\n" },
        { "test-alert", cmd_test_alert, "test-alert",
          "send a test notification through every channel",
          "Send a test notification through every channel and say which accepted it.\n"
          "Exits 1 when no channel is configured or one refused. Root only.\n" },
        { "drill", cmd_drill, "drill NAME --yes",
          "fail NAME's service on purpose, time the healing",
          "Fire drill: freeze every process of NAME's unit for real (SIGSTOP), then show\n"
          "each step with its time: detected, notified, restarted, recovered. The restart\n"
          "counts in the window like any other. Needs --yes; never runs on a disabled or\n"
          "failing check. Exit status: 0 passed, 3 failed, 1 error. Root only.\n" },
        { "follow", cmd_follow, "follow [--json]",
          "print check state changes as they happen",
          "Print every change of a check's state as it happens (CheckChanged), until\n"
          "interrupted.\n" },
};

static const Command *find_command(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(commands[i].name, name))
                        return &commands[i];
        return NULL;
}

static void help(void) {
        printf("Usage: mailsupctl [OPTIONS] [COMMAND] [ARGS...]\n\n"
               "Show and control mailsupd, the mail service supervisor.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                printf("  %-26s %s\n", commands[i].usage, commands[i].summary);
        printf("\nWithout a command: status.\n\n"
               "Options:\n"
               "      --user       talk to mailsupd on the user bus\n"
               "      --system     talk to mailsupd on the system bus (the default)\n"
               "      --json       machine-readable output (status, follow)\n"
               "  -y, --yes        confirm a drill\n"
               "  -a, --all        reset every check\n"
               "  -h, --help       show this help, or a command's: mailsupctl drill --help\n"
               "      --version    show the version\n\n"
               "Exit status: 0 ok, 1 error, 3 a check is failing, restarting or disabled\n"
               "(status) or a drill failed. Colors only on a terminal; NO_COLOR turns them off.\n");
}

static void command_help(const Command *c) {
        printf("Usage: mailsupctl [--user] %s\n\n%s", c->usage, c->help);
}

const char *ctl_bus_name(const Ctl *ctl) {
        return ctl->user ? "user" : "system";
}

/* The verb an operator typed, for "Access denied: reset requires root". */
static const char *method_verb(const char *method) {
        static const char *const verbs[][2] = {
                { "Reset", "reset" }, { "ResetAll", "reset" }, { "Reload", "reload" },
                { "TestAlert", "test-alert" }, { "Drill", "drill" },
        };

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i][0], method))
                        return verbs[i][1];
        return method;
}

void ctl_print_error(const Ctl *ctl, const char *method, const sd_bus_error *e, int r) {
        const char *msg = e && e->message ? e->message : strerror(-r);

        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                fprintf(stderr, "mailsupd is not running (no %s on the %s bus)\n", MAILSUP_BUS_NAME, ctl_bus_name(ctl));
        else if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) && strncmp(msg, "Access denied:", 14) == 0)
                fprintf(stderr, "%s\n", msg); /* mailsupd's own check */
        else if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED))
                fprintf(stderr, "Access denied: %s requires root (refused by the bus policy)\n", method_verb(method));
        else if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT))
                fprintf(stderr, "mailsupd did not answer %s in time\n", method);
        else if (sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD))
                fprintf(stderr, "mailsupctl: this mailsupd does not know %s (older than mailsupctl?)\n", method);
        else
                fprintf(stderr, "mailsupctl: %s\n", msg);
}

int ctl_call(Ctl *ctl, const char *method, sd_bus_message **reply, const char *types, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(ctl->bus, &m, MAILSUP_BUS_NAME, MAILSUP_BUS_PATH,
                                           MAILSUP_BUS_INTERFACE, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(ctl->bus, m, 0, &error, reply);
        if (r < 0)
                ctl_print_error(ctl, method, &error, r);
        return r;
}

typedef enum ParseResult { PARSE_RUN, PARSE_EXIT_OK, PARSE_EXIT_ERROR } ParseResult;

static ParseResult parse_args(int argc, char *argv[], Ctl *ctl, bool *want_help) {
        enum { ARG_USER = 0x100, ARG_SYSTEM, ARG_JSON, ARG_VERSION };
        static const struct option options[] = {
                { "user", no_argument, NULL, ARG_USER },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "json", no_argument, NULL, ARG_JSON },
                { "yes", no_argument, NULL, 'y' },
                { "all", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        int c;

        opterr = 0;
        /* Options may follow the command, as with systemctl: "drill postfix --yes". */
        while ((c = getopt_long(argc, argv, "yah", options, NULL)) >= 0)
                switch (c) {
                case ARG_USER: ctl->user = true; break;
                case ARG_SYSTEM: ctl->user = false; break;
                case ARG_JSON: ctl->json = true; break;
                case 'y': ctl->yes = true; break;
                case 'a': ctl->all = true; break;
                case 'h': *want_help = true; break;
                case ARG_VERSION: printf("mailsupctl %s\n", MAILSUP_VERSION); return PARSE_EXIT_OK;
                default:
                        fprintf(stderr, "mailsupctl: unknown option '%s' (see mailsupctl --help)\n", argv[optind - 1]);
                        return PARSE_EXIT_ERROR;
                }
        return PARSE_RUN;
}

static bool use_color(void) {
        const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

        return isatty(STDOUT_FILENO) && !(no_color && *no_color) && !streq_ptr(term, "dumb");
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Ctl ctl = { .color = use_color() };
        const Command *cmd;
        bool want_help = false;
        int r;

        switch (parse_args(argc, argv, &ctl, &want_help)) {
        case PARSE_EXIT_OK: return CTL_EXIT_OK;
        case PARSE_EXIT_ERROR: return CTL_EXIT_ERROR;
        default: break;
        }
        cmd = find_command(optind < argc ? argv[optind] : "status");
        if (!cmd) {
                fprintf(stderr, "mailsupctl: unknown command '%s' (see mailsupctl --help)\n", argv[optind]);
                return CTL_EXIT_ERROR;
        }
        if (want_help) {
                if (optind < argc)
                        command_help(cmd);
                else
                        help();
                return CTL_EXIT_OK;
        }
        r = ctl.user ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "mailsupd is not running (cannot reach the %s bus: %s)\n", ctl_bus_name(&ctl),
                        strerror(-r));
                return CTL_EXIT_ERROR;
        }
        ctl.bus = bus;
        optind = optind < argc ? optind + 1 : optind;
        return cmd->run(&ctl, argv + optind, argc - optind);
}
