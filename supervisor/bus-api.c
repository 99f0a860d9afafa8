/* bus-api.c: the server side of mailsupd's D-Bus API (bus-api.h). */
#include "supervisor/bus-api.h"

#include "supervisor/log.h"
#include "supervisor/supervisor.h"

static int append_check(sd_bus_message *reply, const Supervisor *s, const Check *c) {
        const CheckConfig *cc = c->config;

        return sd_bus_message_append(reply, MAILSUP_CHECK_SIGNATURE,
                                     cc->name, cc->type->name, cc->unit ? cc->unit : "",
                                     check_state_to_string(check_state(c)),
                                     check_action_to_string(cc->action),
                                     c->rec.has_result ? c->rec.reason : "",
                                     (uint64_t) c->rec.latency, (uint64_t) c->rec.last_change,
                                     (uint32_t) c->rec.consecutive_failures,
                                     (uint32_t) policy_restarts_in_window(&c->rec.policy, s->config->restart_window),
                                     (uint32_t) s->config->restart_window,
                                     (uint32_t) s->config->restart_limit,
                                     (uint64_t) c->next_probe);
}

static int method_list_checks(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Supervisor *s = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', MAILSUP_CHECK_SIGNATURE);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_checks; i++) {
                r = append_check(reply, s, &s->checks[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable supervisor_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("ListChecks", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a" MAILSUP_CHECK_SIGNATURE, checks),
                                method_list_checks, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int on_name_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                log_error("cannot own bus name %s: %s (mailsupctl will not reach this daemon)",
                          MAILSUP_BUS_NAME, e->message ? e->message : e->name);
        return 0;
}

typedef struct BusApi {
        sd_bus_slot *vtable;
} BusApi;

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
