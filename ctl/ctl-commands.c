/* ctl-commands.c: mailsupctl reset, reload and test-alert.
 *
 * The commands that change something. mailsupd decides who may (root
 * only, see bus-api.c); mailsupctl only says plainly what happened, or
 * why not, and exits non-zero when it did not happen.
 */
#include <inttypes.h>

#include "ctl/ctl.h"

int cmd_reset(Ctl *ctl, char **names, int n) {
        if ((n == 0) == !ctl->all) {
                fprintf(stderr, "mailsupctl: reset needs check names or --all, not both (see mailsupctl reset --help)\n");
                return CTL_EXIT_ERROR;
        }
        if (ctl->all) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                const char *name;
                int r;

                if (ctl_call(ctl, "ResetAll", &reply, NULL) < 0)
                        return CTL_EXIT_ERROR;
                r = sd_bus_message_enter_container(reply, 'a', "s");
                while (r >= 0 && (r = sd_bus_message_read(reply, "s", &name)) > 0)
                        printf("reset %s: restart window cleared, probing now\n", name);
                return CTL_EXIT_OK;
        }
        for (int i = 0; i < n; i++) {
                if (ctl_call(ctl, "Reset", NULL, "s", names[i]) < 0)
                        return CTL_EXIT_ERROR;
                printf("reset %s: restart window cleared, probing now\n", names[i]);
        }
        return CTL_EXIT_OK;
}

static void print_names(const char *what, const CtlEntry *e) {
        if (!e || e->kind != CTL_STRV || e->n == 0)
                return;
        printf("  %s:", what);
        for (size_t i = 0; i < e->n; i++)
                printf("%s %s", i ? "," : "", e->strv[i]);
        printf("\n");
}

/* The daemon's error carries the FILE:LINE lines, one per line. */
static int reload_refused(const sd_bus_error *e) {
        fprintf(stderr, "mailsupctl: reload refused, mailsupd keeps running on its current configuration:\n%s\n",
                e->message ? e->message : e->name);
        return CTL_EXIT_ERROR;
}

int cmd_reload(Ctl *ctl, char **args, int n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(ctl_dict_done) CtlDict d = {};
        const char *path;
        int r;

        if (n > 0) {
                fprintf(stderr, "mailsupctl: reload takes no arguments\n");
                return CTL_EXIT_ERROR;
        }
        r = sd_bus_call_method(ctl->bus, MAILSUP_BUS_NAME, MAILSUP_BUS_PATH, MAILSUP_BUS_INTERFACE, "Reload",
                               &error, &reply, "");
        if (r < 0 && sd_bus_error_has_name(&error, MAILSUP_ERROR_INVALID_CONFIG))
                return reload_refused(&error);
        if (r < 0) {
                ctl_print_error(ctl, "Reload", &error, r);
                return CTL_EXIT_ERROR;
        }
        r = ctl_dict_read(reply, &d);
        if (r < 0) {
                fprintf(stderr, "mailsupctl: malformed Reload reply: %s\n", strerror(-r));
                return CTL_EXIT_ERROR;
        }
        path = ctl_dict_str(&d, "Path");
        printf("reloaded %s: %" PRIu64 " checks\n", *path ? path : "the embedded default", ctl_dict_num(&d, "Checks"));
        print_names("kept", ctl_dict_get(&d, "Kept"));
        print_names("added", ctl_dict_get(&d, "Added"));
        print_names("removed", ctl_dict_get(&d, "Removed"));
        return CTL_EXIT_OK;
}

int cmd_test_alert(Ctl *ctl, char **args, int n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *channel, *detail;
        int accepted, status = CTL_EXIT_OK, count = 0, r;

        if (n > 0) {
                fprintf(stderr, "mailsupctl: test-alert takes no arguments\n");
                return CTL_EXIT_ERROR;
        }
        if (ctl_call(ctl, "TestAlert", &reply, NULL) < 0)
                return CTL_EXIT_ERROR;
        r = sd_bus_message_enter_container(reply, 'a', "(sbs)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sbs)", &channel, &accepted, &detail)) > 0) {
                count++;
                printf("%s%s%s%s: %s%s%s\n", ctl_state_color(ctl, accepted ? "ok" : "failed"), ctl_dot(ctl),
                       ctl_normal(ctl), channel, accepted ? "accepted" : "REFUSED", *detail ? ", " : "", detail);
                if (!accepted)
                        status = CTL_EXIT_ERROR;
        }
        if (r < 0) {
                fprintf(stderr, "mailsupctl: malformed TestAlert reply: %s\n", strerror(-r));
                return CTL_EXIT_ERROR;
        }
        if (count == 0) {
                /* Nothing can alert anyone: that is worth a non-zero exit. */
                fprintf(stderr, "no notification channels configured: nothing was sent\n");
                return CTL_EXIT_ERROR;
        }
        return status;
}
