/* mailsupctl.c: the operator's view of mailsupd, over its D-Bus API.
 *
 * "mailsupctl status" lists every check with its state, the reason of its
 * last result and how many restarts the window holds, and exits 3 when any
 * check is failing or disabled (0 when all are well, 1 on error), so it is
 * usable from scripts the way `systemctl is-active` is.
 *
 * See also: bus-api.h (the methods), units/mailsupd.service.
 */
#include <getopt.h>
#include <inttypes.h>
#include <systemd/sd-bus.h>

#include "supervisor/bus-api.h"
#include "supervisor/util.h"

typedef struct CheckRow {
        const char *name, *type, *unit, *state, *action, *reason;
        uint64_t latency, last_change;
        uint32_t failures, restarts, window, limit;
        uint64_t next_probe;
} CheckRow;

static void help(void) {
        printf("Usage: mailsupctl [--user] COMMAND\n\n"
               "Commands:\n"
               "  status [NAME...]   show the checks and their state\n\n"
               "Options:\n"
               "      --user         talk to mailsupd on the user bus\n"
               "  -h, --help         show this help\n"
               "      --version      show the version\n\n"
               "Exit status of status: 0 all ok, 3 a check is failing or disabled, 1 error.\n");
}

static bool wanted(char **names, int n, const char *name) {
        if (n == 0)
                return true;
        for (int i = 0; i < n; i++)
                if (streq(names[i], name))
                        return true;
        return false;
}

static void print_row(const CheckRow *c) {
        char lat[32] = "-";

        if (c->latency > 0)
                snprintf(lat, sizeof(lat), "%.1fms", (double) c->latency / USEC_PER_MSEC);
        printf("%-12s %-5s %-22s %-10s %8s  restarts %" PRIu32 "/%" PRIu32 " in %" PRIu32 " cycles  %s\n",
               c->name, c->type, *c->unit ? c->unit : "-", c->state, lat,
               c->restarts, c->limit, c->window, c->reason);
}

static int read_row(sd_bus_message *reply, CheckRow *c) {
        return sd_bus_message_read(reply, MAILSUP_CHECK_SIGNATURE, &c->name, &c->type, &c->unit, &c->state,
                                   &c->action, &c->reason, &c->latency, &c->last_change, &c->failures,
                                   &c->restarts, &c->window, &c->limit, &c->next_probe);
}

static int cmd_status(sd_bus *bus, char **names, int n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool bad = false;
        int found = 0, r;
        CheckRow c;

        r = sd_bus_call_method(bus, MAILSUP_BUS_NAME, MAILSUP_BUS_PATH, MAILSUP_BUS_INTERFACE,
                               "ListChecks", &error, &reply, "");
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        fprintf(stderr, "mailsupd is not running (no %s on the bus)\n", MAILSUP_BUS_NAME);
                else
                        fprintf(stderr, "mailsupctl: ListChecks failed: %s\n", error.message ? error.message : strerror(-r));
                return 1;
        }
        r = sd_bus_message_enter_container(reply, 'a', MAILSUP_CHECK_SIGNATURE);
        if (r < 0)
                goto bad_reply;
        while ((r = read_row(reply, &c)) > 0) {
                if (!wanted(names, n, c.name))
                        continue;
                found++;
                print_row(&c);
                if (!streq(c.state, "ok") && !streq(c.state, "unknown") && !streq(c.state, "restarting"))
                        bad = true;
        }
        if (r < 0)
                goto bad_reply;
        for (int i = 0; i < n; i++) {
                bool seen = false;
                /* Re-walk the reply to name each check asked for that does not exist. */
                sd_bus_message_rewind(reply, true);
                sd_bus_message_enter_container(reply, 'a', MAILSUP_CHECK_SIGNATURE);
                while (read_row(reply, &c) > 0)
                        seen = seen || streq(c.name, names[i]);
                if (!seen) {
                        fprintf(stderr, "mailsupctl: no check named '%s'\n", names[i]);
                        return 1;
                }
        }
        return bad ? 3 : 0;
bad_reply:
        fprintf(stderr, "mailsupctl: malformed reply from mailsupd: %s\n", strerror(-r));
        return 1;
}

int main(int argc, char *argv[]) {
        enum { ARG_USER = 0x100, ARG_SYSTEM, ARG_VERSION };
        static const struct option options[] = {
                { "user", no_argument, NULL, ARG_USER },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool user = false;
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case ARG_USER: user = true; break;
                case ARG_SYSTEM: user = false; break;
                case 'h': help(); return 0;
                case ARG_VERSION: printf("mailsupctl %s\n", MAILSUP_VERSION); return 0;
                default:
                        fprintf(stderr, "mailsupctl: unknown option '%s' (see mailsupctl --help)\n", argv[optind - 1]);
                        return 1;
                }
        if (optind >= argc) {
                fprintf(stderr, "mailsupctl: missing command (see mailsupctl --help)\n");
                return 1;
        }
        if (!streq(argv[optind], "status")) {
                fprintf(stderr, "mailsupctl: unknown command '%s' (see mailsupctl --help)\n", argv[optind]);
                return 1;
        }
        r = user ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "mailsupd is not running (cannot reach the %s bus: %s)\n",
                        user ? "user" : "system", strerror(-r));
                return 1;
        }
        return cmd_status(bus, argv + optind + 1, argc - optind - 1);
}
