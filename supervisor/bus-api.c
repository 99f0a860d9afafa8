/* bus-api.c: the server side of mailsupd's D-Bus API (bus-api.h), and
 * who may call what.
 *
 * Two walls keep the control methods (reset, reload, test-alert, drill) to
 * root: the bus policy (units/org.mailsup.Supervisor1.conf) lets only root
 * send them, and every one of them checks the caller's effective uid here,
 * as the bus daemon saw it on connect, never from /proc (a pid can be
 * reused between the call and a look at /proc). The policy is the outer
 * wall; this check holds even when a policy lets everyone through.
 *
 * The signals are the API's subscription to the news (news.h): a check's
 * change that shows (CheckChanged), a check a reload removed, a drill step.
 *
 * See also: bus-api-read.c (the read methods), drill.c, reload.c.
 */
#include "supervisor/bus-api-internal.h"

#include "supervisor/check.h"
#include "supervisor/drill.h"
#include "common/log.h"
#include "supervisor/test-alert.h"

typedef struct BusApi {
        sd_bus_slot *vtable;
} BusApi;

/* Root, or the uid mailsupd itself runs as (the owner of a user bus). */
static int require_root(sd_bus_message *m, const char *verb, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0) {
                log_warning_errno(r, "%s refused: cannot tell who %s is: %m", verb,
                                  sd_bus_message_get_sender(m) ?: "the caller");
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Access denied: %s requires root (caller unknown)", verb);
        }
        if (euid != 0 && euid != geteuid()) {
                log_notice("%s refused: caller %s has uid %u, not root", verb,
                           sd_bus_message_get_sender(m) ?: "?", (unsigned) euid);
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied: %s requires root", verb);
        }
        return 0;
}

static int reply_names(sd_bus_message *m, char **names) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, names);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int method_reset(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Check *c;
        int r;

        r = require_root(m, "reset", error);
        if (r >= 0)
                r = bus_read_check(m, userdata, &c, error);
        if (r < 0)
                return r;
        supervisor_reset_check(c);
        return reply_names(m, (char *[]) { c->config->name, NULL });
}

static int method_reset_all(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Supervisor *s = userdata;
        _cleanup_free_ char **names = NULL;
        int r;

        r = require_root(m, "reset", error);
        if (r < 0)
                return r;
        names = calloc(s->n_checks + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_checks; i++) {
                names[i] = s->checks[i].config->name;
                supervisor_reset_check(&s->checks[i]);
        }
        return reply_names(m, names);
}

static int reply_reload(sd_bus_message *m, const Supervisor *s, ReloadSummary *sum) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const Config *cfg = s->config;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = bus_dict_append(reply, "Path", "s", cfg->path && !cfg->embedded ? cfg->path : "");
        if (r >= 0)
                r = bus_dict_append(reply, "Checks", "u", (uint32_t) s->n_checks);
        if (r >= 0)
                r = bus_dict_append_strv(reply, "Kept", sum->kept);
        if (r >= 0)
                r = bus_dict_append_strv(reply, "Added", sum->added);
        if (r >= 0)
                r = bus_dict_append_strv(reply, "Removed", sum->removed);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        reload_summary_done(sum);
        return r;
}

/* The FILE:LINE lines, one per line, as mailsupd --check-config prints them. */
static int reload_error(const ConfigErrors *errors, int error, sd_bus_error *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < errors->n; i++)
                fprintf(f, "%s%s", i > 0 ? "\n" : "", errors->lines[i]);
        if (errors->n == 0)
                fprintf(f, "cannot load configuration: %s", strerror(-error));
        if (fclose(f) != 0)
                return -ENOMEM;
        return sd_bus_error_setf(ret, MAILSUP_ERROR_INVALID_CONFIG, "%s", text);
}

static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Supervisor *s = userdata;
        ConfigErrors errors = {};
        ReloadSummary sum = {};
        int r;

        r = require_root(m, "reload", error);
        if (r < 0)
                return r;
        r = supervisor_reload(s, &errors, &sum);
        if (r >= 0)
                return reply_reload(m, s, &sum);
        if (r == -EBUSY)
                r = sd_bus_error_setf(error, MAILSUP_ERROR_BUSY, "a drill of '%s' is running: reload after it",
                                      drill_check_name(s));
        else
                r = reload_error(&errors, r, error);
        config_errors_clear(&errors);
        return r;
}

/* A real notification through every channel; the reply waits for their answers. */
static int method_test_alert(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        int r;

        r = require_root(m, "test-alert", error);
        if (r < 0)
                return r;
        return test_alert_start(userdata, m, error);
}

static int method_drill(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Supervisor *s = userdata;
        const char *name;
        int confirmed, r;
        Check *c;

        r = require_root(m, "drill", error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "sb", &name, &confirmed);
        if (r < 0)
                return r;
        c = bus_find_check(s, name, error);
        if (!c)
                return -ENOENT;
        if (!confirmed)
                return sd_bus_error_setf(error, MAILSUP_ERROR_NOT_CONFIRMED,
                                         "a drill really stops %s: confirm it (mailsupctl drill %s --yes)",
                                         c->config->unit ? c->config->unit : name, name);
        /* The reply comes when the drill ends. */
        return drill_start(c, m, error);
}

static const sd_bus_vtable supervisor_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("ListChecks", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a" MAILSUP_CHECK_SIGNATURE, checks),
                                method_list_checks, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetCheck", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a{sv}", check),
                                method_get_check, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetSupervisor", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", supervisor),
                                method_get_supervisor, SD_BUS_VTABLE_UNPRIVILEGED),
        /* Privileged: marked unprivileged so the handler itself checks the uid. */
        SD_BUS_METHOD_WITH_ARGS("Reset", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", reset),
                                method_reset, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ResetAll", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", reset),
                                method_reset_all, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", result),
                                method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TestAlert", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sbs)", channels),
                                method_test_alert, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Drill", SD_BUS_ARGS("s", name, "b", confirmed),
                                SD_BUS_RESULT("b", ok, "a" MAILSUP_DRILL_STEP_SIGNATURE, steps),
                                method_drill, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("CheckChanged", SD_BUS_ARGS("s", name, "s", state, "s", reason), 0),
        SD_BUS_SIGNAL_WITH_ARGS("DrillStep", SD_BUS_ARGS("s", name, "s", step, "s", result,
                                                         "t", elapsed_usec, "s", detail), 0),
        SD_BUS_VTABLE_END,
};

static void emit_check_changed(Supervisor *s, const char *name, const char *state, const char *reason) {
        (void) sd_bus_emit_signal(s->bus, MAILSUP_BUS_PATH, MAILSUP_BUS_INTERFACE, "CheckChanged", "sss", name,
                                  state, TEXT_OUT(reason));
}

static void on_news(Supervisor *s, const News *n, void *userdata) {
        const Check *c;

        switch (n->kind) {
        case NEWS_CHECK:
                c = n->check.check;
                if (n->check.visible)
                        emit_check_changed(s, c->config->name, check_state_to_string(c->announced),
                                           c->announced_reason);
                break;
        case NEWS_CHECK_REMOVED:
                emit_check_changed(s, n->removed.name, "removed", "removed by reload");
                break;
        case NEWS_DRILL_STEP:
                (void) sd_bus_emit_signal(s->bus, MAILSUP_BUS_PATH, MAILSUP_BUS_INTERFACE, "DrillStep", "sssts",
                                          n->drill_step.check, n->drill_step.step, TEXT_OUT(n->drill_step.result),
                                          (uint64_t) n->drill_step.elapsed, TEXT_OUT(n->drill_step.detail));
                break;
        default:
                break;
        }
}

static int on_name_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                log_error("cannot own bus name %s: %s (mailsupctl will not reach this daemon)",
                          MAILSUP_BUS_NAME, e->message ? e->message : e->name);
        return 0;
}

int bus_api_start(Supervisor *s) {
        BusApi *api = calloc(1, sizeof(*api));
        int r;

        if (!api)
                return -ENOMEM;
        s->api = api;
        r = sd_bus_add_object_vtable(s->bus, &api->vtable, MAILSUP_BUS_PATH, MAILSUP_BUS_INTERFACE,
                                     supervisor_vtable, s);
        if (r < 0)
                return log_error_errno(r, "cannot register %s: %m", MAILSUP_BUS_PATH);
        news_subscribe(s, "bus-api", on_news, api);
        /* Asynchronous: a missing bus policy must not keep the checks from running. */
        r = sd_bus_request_name_async(s->bus, NULL, MAILSUP_BUS_NAME, 0, on_name_reply, NULL);
        if (r < 0)
                log_warning_errno(r, "cannot request bus name %s: %m", MAILSUP_BUS_NAME);
        return 0;
}

void bus_api_stop(Supervisor *s) {
        BusApi *api = s->api;

        if (!api)
                return;
        sd_bus_slot_unref(api->vtable);
        free(api);
        s->api = NULL;
}
