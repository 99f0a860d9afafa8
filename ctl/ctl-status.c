/* ctl-status.c: mailsupctl status and list-checks.
 *
 * One header line for the daemon (state, last cycle, heartbeat, outbox),
 * then one line per check, columns in a fixed order so scripts can cut
 * them (name type unit state latency restarts... reason); the colored dot
 * only on a terminal. Named checks get a detail block after the table.
 * --json prints the API's own dictionaries. The exit status says whether
 * all is well, like `systemctl is-active`.
 */
#include <inttypes.h>

#include "ctl/ctl.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))

typedef struct Rows {
        sd_bus_message *reply;  /* the strings of rows point into it */
        CheckRow *rows;
        size_t n;
} Rows;

static void rows_done(Rows *r) {
        free(r->rows);
        sd_bus_message_unref(r->reply);
}

static int get_rows(Ctl *ctl, Rows *ret) {
        CheckRow row;
        int r;

        r = ctl_call(ctl, "ListChecks", &ret->reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(ret->reply, 'a', MAILSUP_CHECK_SIGNATURE);
        while (r >= 0 && (r = ctl_read_row(ret->reply, &row)) > 0) {
                ret->rows = reallocarray(ret->rows, ret->n + 1, sizeof(CheckRow));
                if (!ret->rows)
                        return -ENOMEM;
                ret->rows[ret->n++] = row;
        }
        if (r < 0)
                fprintf(stderr, "mailsupctl: malformed ListChecks reply from mailsupd: %s\n", strerror(-r));
        return r;
}

static bool wanted(char **names, int n, const char *name) {
        for (int i = 0; i < n; i++)
                if (streq(names[i], name))
                        return true;
        return n == 0;
}

/* Every name asked for must exist: a typo must not look like "all ok". */
static int check_names(const Rows *rows, char **names, int n) {
        for (int i = 0; i < n; i++) {
                bool seen = false;

                for (size_t j = 0; j < rows->n && !seen; j++)
                        seen = streq(rows->rows[j].name, names[i]);
                if (!seen) {
                        fprintf(stderr, "mailsupctl: no check named '%s'\n", names[i]);
                        return -ENOENT;
                }
        }
        return 0;
}

static int get_dict(Ctl *ctl, const char *method, const char *name, CtlDict *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = name ? ctl_call(ctl, method, &reply, "s", name) : ctl_call(ctl, method, &reply, NULL);
        if (r < 0)
                return r;
        r = ctl_dict_read(reply, ret);
        if (r < 0)
                fprintf(stderr, "mailsupctl: malformed %s reply from mailsupd: %s\n", method, strerror(-r));
        return r;
}

/* What mailsupd cannot write to disk, one line each while it lasts. */
static void print_disk_trouble(const Ctl *ctl, const CtlDict *sup) {
        const char *save = ctl_dict_str(sup, "StateSaveError"), *outbox = ctl_dict_str(sup, "OutboxWriteError");

        if (save[0])
                printf("%s%s%sstate file not saved: %s (%" PRIu64 " failed saves); restart history in memory only\n",
                       ctl_state_color(ctl, "failing"), ctl_dot(ctl), ctl_normal(ctl), save,
                       ctl_dict_num(sup, "StateSaveFailures"));
        if (outbox[0])
                printf("%s%s%soutbox not written: %s; %" PRIu64 " notifications in memory only\n",
                       ctl_state_color(ctl, "failing"), ctl_dot(ctl), ctl_normal(ctl), outbox,
                       ctl_dict_num(sup, "OutboxUnwritten"));
}

static void print_header(const Ctl *ctl, const CtlDict *sup) {
        const char *state = ctl_dict_str(sup, "State");
        const CtlEntry *outbox = ctl_dict_get(sup, "Outbox");
        char ago[64], took[32];

        printf("%s%s%smailsupd %s: %s%s%s, %" PRIu64 " check%s, cycle %" PRIu64 " %s (took %s)",
               ctl_state_color(ctl, state), ctl_dot(ctl), ctl_normal(ctl), ctl_dict_str(sup, "Version"),
               ctl_state_color(ctl, state), state, ctl_normal(ctl), ctl_dict_num(sup, "Checks"),
               ctl_dict_num(sup, "Checks") == 1 ? "" : "s",
               ctl_dict_num(sup, "Cycles"), ctl_format_relative(ago, sizeof(ago), ctl_dict_num(sup, "LastCycle")),
               ctl_format_latency(took, sizeof(took), ctl_dict_num(sup, "LastCycleDuration")));
        if (streq(ctl_dict_str(sup, "HeartbeatState"), "not-configured"))
                printf(", heartbeat not configured");
        else
                printf(", heartbeat %s (last ok %s, %" PRIu64 " failures)", ctl_dict_str(sup, "HeartbeatState"),
                       ctl_format_relative(ago, sizeof(ago), ctl_dict_num(sup, "HeartbeatLastOk")),
                       ctl_dict_num(sup, "HeartbeatFailures"));
        if (!outbox || outbox->kind != CTL_MAP || outbox->n == 0)
                printf(", outbox: no channels configured\n");
        else {
                printf(", outbox:");
                for (size_t i = 0; i < outbox->n; i++)
                        printf("%s %s %" PRIu64, i ? "," : "", outbox->strv[i], outbox->nums[i]);
                printf("\n");
        }
        print_disk_trouble(ctl, sup);
}

static void print_rows(const Ctl *ctl, const Rows *rows, char **names, int n) {
        int wn = 4, wt = 3, wu = 1, ws = 7;

        for (size_t i = 0; i < rows->n; i++) {
                const CheckRow *c = &rows->rows[i];
                if (!wanted(names, n, c->name))
                        continue;
                wn = MAX(wn, (int) strlen(c->name));
                wt = MAX(wt, (int) strlen(c->type));
                wu = MAX(wu, (int) strlen(c->unit));
                ws = MAX(ws, (int) strlen(c->state));
        }
        for (size_t i = 0; i < rows->n; i++) {
                const CheckRow *c = &rows->rows[i];
                const char *color = ctl_state_color(ctl, c->state);
                char lat[32];

                if (!wanted(names, n, c->name))
                        continue;
                printf("%s%s%s%-*s %-*s %-*s %s%-*s%s %8s  restarts %" PRIu32 "/%" PRIu32 " in %" PRIu32 " cycles  %s\n",
                       color, ctl_dot(ctl), ctl_normal(ctl), wn, c->name, wt, c->type, wu, *c->unit ? c->unit : "-",
                       color, ws, c->state, ctl_normal(ctl), ctl_format_latency(lat, sizeof(lat), c->latency),
                       c->restarts, c->limit, c->window, c->reason);
        }
}

static void print_unit_details(const CtlDict *d) {
        if (!*ctl_dict_str(d, "Unit"))
                return;
        printf("        Unit: %s: %s/%s, MainPID %" PRIu64, ctl_dict_str(d, "Unit"),
               *ctl_dict_str(d, "UnitActiveState") ? ctl_dict_str(d, "UnitActiveState") : "?",
               *ctl_dict_str(d, "UnitSubState") ? ctl_dict_str(d, "UnitSubState") : "?",
               ctl_dict_num(d, "UnitMainPID"));
        if (ctl_dict_get(d, "UnitNRestarts"))
                printf(", NRestarts %" PRIu64, ctl_dict_num(d, "UnitNRestarts"));
        printf("\n");
}

static void print_details(const Ctl *ctl, const CtlDict *d) {
        const char *state = ctl_dict_str(d, "State");
        char a[64], b[64], c[64], lat[32];

        printf("\nCheck %s: %s on %s:%" PRIu64 ", timeout %s (defined at %s)\n", ctl_dict_str(d, "Name"),
               ctl_dict_str(d, "Type"), ctl_dict_str(d, "Host"), ctl_dict_num(d, "Port"),
               format_duration(lat, sizeof(lat), ctl_dict_num(d, "Timeout")), ctl_dict_str(d, "Source"));
        /* LastChange is when the result last flipped between ok and failed. */
        printf("       State: %s%s%s", ctl_state_color(ctl, state), state, ctl_normal(ctl));
        if (*ctl_dict_str(d, "Result"))
                printf("; %s since %s (%s)", streq(ctl_dict_str(d, "Result"), "ok") ? "ok" : "failing",
                       ctl_format_timestamp(a, sizeof(a), ctl_dict_num(d, "LastChange")),
                       ctl_format_relative(b, sizeof(b), ctl_dict_num(d, "LastChange")));
        printf("%s\n", ctl_dict_num(d, "Drilling") ? "; a drill is running" : "");
        printf("      Result: %s%s%s, latency %s; probed %s, next probe %s",
               *ctl_dict_str(d, "Result") ? ctl_dict_str(d, "Result") : "none yet",
               *ctl_dict_str(d, "Reason") ? ": " : "", ctl_dict_str(d, "Reason"),
               ctl_format_latency(lat, sizeof(lat), ctl_dict_num(d, "Latency")),
               ctl_format_relative(a, sizeof(a), ctl_dict_num(d, "LastProbe")),
               ctl_dict_num(d, "Probing") ? "running now" : ctl_format_relative(c, sizeof(c), ctl_dict_num(d, "NextProbe")));
        if (ctl_dict_num(d, "Interval") > 0)
                printf(" (every %s)", format_duration(c, sizeof(c), ctl_dict_num(d, "Interval")));
        printf("\n");
        printf("    Failures: %" PRIu64 " in a row\n", ctl_dict_num(d, "ConsecutiveFailures"));
        printf("    Restarts: %" PRIu64 " of %" PRIu64 " allowed within %" PRIu64 " judged cycles\n",
               ctl_dict_num(d, "RestartsInWindow"), ctl_dict_num(d, "RestartLimit"), ctl_dict_num(d, "RestartWindow"));
        printf("      Action: %s\n", ctl_dict_str(d, "Action"));
        print_unit_details(d);
}

/* Not well: failing, being restarted (the service is not back yet, as
 * systemctl is-active fails while a unit is activating), or disabled. A
 * check not probed yet ("unknown", just after start-up) is not a fault. */
static bool row_bad(const CheckRow *c) {
        return streq(c->state, "failing") || streq(c->state, "restarting") || streq(c->state, "disabled");
}

static int print_json(Ctl *ctl, const CtlDict *sup, const Rows *rows, char **names, int n) {
        bool first = true;

        printf("{\"Supervisor\":");
        json_dict(stdout, sup);
        printf(",\"Checks\":[");
        for (size_t i = 0; i < rows->n; i++) {
                CtlDict d = {};

                if (!wanted(names, n, rows->rows[i].name))
                        continue;
                printf("%s", first ? "" : ",");
                first = false;
                /* Named checks: every detail GetCheck has. */
                if (n > 0 && get_dict(ctl, "GetCheck", rows->rows[i].name, &d) >= 0)
                        json_dict(stdout, &d);
                else
                        json_row(stdout, &rows->rows[i]);
                ctl_dict_done(&d);
        }
        printf("]}\n");
        return 0;
}

static int print_text(Ctl *ctl, const CtlDict *sup, const Rows *rows, char **names, int n) {
        int r;

        print_header(ctl, sup);
        print_rows(ctl, rows, names, n);
        for (int i = 0; i < n; i++) {
                CtlDict d = {};

                r = get_dict(ctl, "GetCheck", names[i], &d);
                if (r < 0)
                        return r;
                print_details(ctl, &d);
                ctl_dict_done(&d);
        }
        return 0;
}

int cmd_status(Ctl *ctl, char **names, int n) {
        _cleanup_(ctl_dict_done) CtlDict sup = {};
        _cleanup_(rows_done) Rows rows = {};
        bool bad = false;
        int r;

        r = get_dict(ctl, "GetSupervisor", NULL, &sup);
        if (r >= 0)
                r = get_rows(ctl, &rows);
        if (r >= 0)
                r = check_names(&rows, names, n);
        if (r < 0)
                return CTL_EXIT_ERROR;
        r = ctl->json ? print_json(ctl, &sup, &rows, names, n) : print_text(ctl, &sup, &rows, names, n);
        if (r < 0)
                return CTL_EXIT_ERROR;
        for (size_t i = 0; i < rows.n; i++)
                if (wanted(names, n, rows.rows[i].name))
                        bad = bad || row_bad(&rows.rows[i]);
        return bad ? CTL_EXIT_NOT_OK : CTL_EXIT_OK;
}

int cmd_list_checks(Ctl *ctl, char **args, int n) {
        _cleanup_(rows_done) Rows rows = {};

        if (n > 0) {
                fprintf(stderr, "mailsupctl: list-checks takes no arguments\n");
                return CTL_EXIT_ERROR;
        }
        if (get_rows(ctl, &rows) < 0)
                return CTL_EXIT_ERROR;
        for (size_t i = 0; i < rows.n; i++)
                printf("%s\n", rows.rows[i].name);
        return CTL_EXIT_OK;
}
