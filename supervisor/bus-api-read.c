/* bus-api-read.c: the read methods of mailsupd's D-Bus API (bus-api.h).
 *
 * Anyone may call these (the policy file lets every user through, and they
 * need no uid check): they change nothing. ListChecks is the compact table
 * `mailsupctl status` prints; GetCheck and GetSupervisor are a{sv}
 * dictionaries, so fields can be added without breaking clients.
 */
#include <stdarg.h>

#include "supervisor/alerting.h"
#include "supervisor/bus-api-internal.h"
#include "supervisor/drill.h"
#include "supervisor/saver.h"
#include "supervisor/units.h"

int bus_dict_append(sd_bus_message *m, const char *key, const char *type, ...) {
        va_list ap;
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'v', type);
        if (r < 0)
                return r;
        va_start(ap, type);
        r = sd_bus_message_appendv(m, type, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int bus_dict_append_strv(sd_bus_message *m, const char *key, char **strv) {
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, strv);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

Check *bus_find_check(Supervisor *s, const char *name, sd_bus_error *error) {
        Check *c = supervisor_find_check(s, name);

        if (!c)
                sd_bus_error_setf(error, MAILSUP_ERROR_NO_SUCH_CHECK, "no check named '%s'", name);
        return c;
}

int bus_read_check(sd_bus_message *m, Supervisor *s, Check **ret, sd_bus_error *error) {
        const char *name;
        int r = sd_bus_message_read(m, "s", &name);

        if (r < 0)
                return r;
        *ret = bus_find_check(s, name, error);
        return *ret ? 0 : -ENOENT;
}

int bus_reply_array(sd_bus_message *m, const char *contents, bus_fill_t fill, const Supervisor *s, const Check *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', contents);
        if (r >= 0)
                r = fill(reply, s, c);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int append_check(sd_bus_message *reply, const Supervisor *s, const Check *c) {
        const CheckConfig *cc = c->config;

        return sd_bus_message_append(reply, MAILSUP_CHECK_SIGNATURE,
                                     cc->name, cc->type->name, cc->unit ? cc->unit : "",
                                     check_state_to_string(check_state(c)),
                                     check_action_to_string(cc->action),
                                     TEXT_OUT(c->rec.has_result ? c->rec.reason : ""),
                                     (uint64_t) c->rec.latency, (uint64_t) c->rec.last_change,
                                     (uint32_t) c->rec.consecutive_failures,
                                     (uint32_t) policy_restarts_in_window(&c->rec.policy, cc->restart_window),
                                     (uint32_t) cc->restart_window,
                                     (uint32_t) cc->restart_limit,
                                     (uint64_t) c->next_probe);
}

static int append_checks(sd_bus_message *reply, const Supervisor *s, const Check *unused) {
        int r = 0;

        for (size_t i = 0; r >= 0 && i < s->n_checks; i++)
                r = append_check(reply, s, &s->checks[i]);
        return r;
}

int method_list_checks(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return bus_reply_array(m, MAILSUP_CHECK_SIGNATURE, append_checks, userdata, NULL);
}

/* The unit as systemd last told us, for the details of `status NAME`. */
static int append_unit(sd_bus_message *reply, const WatchedUnit *u) {
        int r;

        r = bus_dict_append(reply, "UnitActiveState", "s", u->props.active_state);
        if (r >= 0)
                r = bus_dict_append(reply, "UnitSubState", "s", u->props.sub_state);
        if (r >= 0)
                r = bus_dict_append(reply, "UnitMainPID", "u", u->props.main_pid);
        if (r >= 0 && u->props.n_restarts != UINT32_MAX)
                r = bus_dict_append(reply, "UnitNRestarts", "u", u->props.n_restarts);
        return r;
}

static int append_check_dict(sd_bus_message *reply, const Supervisor *s, const Check *c) {
        const CheckConfig *cc = c->config;
        const CheckRecord *rec = &c->rec;
        int r;

#define ADD(key, type, value) do { r = bus_dict_append(reply, key, type, value); if (r < 0) return r; } while (0)
        ADD("Name", "s", cc->name);
        ADD("Type", "s", cc->type->name);
        ADD("Unit", "s", cc->unit ? cc->unit : "");
        ADD("State", "s", check_state_to_string(check_state(c)));
        ADD("Action", "s", check_action_to_string(cc->action));
        ADD("Result", "s", !rec->has_result ? "" : rec->ok ? "ok" : "failed");
        ADD("Reason", "s", TEXT_OUT(rec->has_result ? rec->reason : ""));
        ADD("Latency", "t", (uint64_t) rec->latency);
        ADD("LastChange", "t", (uint64_t) rec->last_change);
        ADD("LastProbe", "t", (uint64_t) c->last_probe);
        ADD("NextProbe", "t", (uint64_t) c->next_probe);
        ADD("Interval", "t", (uint64_t) cc->interval);
        ADD("ConsecutiveFailures", "u", (uint32_t) rec->consecutive_failures);
        ADD("RestartsInWindow", "u", (uint32_t) policy_restarts_in_window(&rec->policy, cc->restart_window));
        ADD("RestartWindow", "u", (uint32_t) cc->restart_window);
        ADD("RestartLimit", "u", (uint32_t) cc->restart_limit);
        ADD("RestartGrace", "t", (uint64_t) cc->restart_grace);
        ADD("Probing", "b", (int) !!c->probe);
        ADD("Drilling", "b", (int) drill_running_on(s, c));
        ADD("Host", "s", cc->host);
        ADD("Port", "q", (uint16_t) cc->port);
        ADD("Timeout", "t", (uint64_t) cc->timeout);
        ADD("Source", "s", cc->source ? cc->source : "");
#undef ADD
        return c->unit ? append_unit(reply, c->unit) : 0;
}

static int append_supervisor_dict(sd_bus_message *reply, const Supervisor *s);

/* The check's dictionary, or with c NULL the supervisor's. */
static int append_dict(sd_bus_message *reply, const Supervisor *s, const Check *c) {
        return c ? append_check_dict(reply, s, c) : append_supervisor_dict(reply, s);
}

int method_get_check(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Check *c;
        int r = bus_read_check(m, userdata, &c, error);

        return r < 0 ? r : bus_reply_array(m, "{sv}", append_dict, userdata, c);
}

/* Monotonic due time of the cycle timer, as CLOCK_REALTIME. */
static usec_t next_cycle(const Supervisor *s) {
        usec_t now = now_usec(CLOCK_MONOTONIC);
        uint64_t due;

        if (sd_event_source_get_time(s->cycle_timer, &due) < 0)
                return 0;
        return now_usec(CLOCK_REALTIME) + (due > now ? due - now : 0);
}

static int append_outbox(sd_bus_message *reply, const Supervisor *s) {
        const char *name;
        size_t pending = 0;
        int r;

        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "Outbox");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "a{su}");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{su}");
        for (size_t i = 0; r >= 0 && (name = alerting_channel(s, i, &pending)); i++)
                r = sd_bus_message_append(reply, "{su}", name, (uint32_t) pending);
        for (int k = 0; k < 3 && r >= 0; k++)
                r = sd_bus_message_close_container(reply);
        return r;
}

/* The heartbeat (state "not-configured" without one) and the outbox per channel. */
static int append_notify(sd_bus_message *reply, const Supervisor *s) {
        AlertingStatus st;
        int r;

        alerting_get_status(s, &st);
        r = bus_dict_append(reply, "HeartbeatState", "s", st.heartbeat_state);
        if (r >= 0)
                r = bus_dict_append(reply, "HeartbeatLastOk", "t", (uint64_t) st.heartbeat.last_ok);
        if (r >= 0)
                r = bus_dict_append(reply, "HeartbeatFailures", "u", (uint32_t) st.heartbeat.failed);
        if (r >= 0)
                r = bus_dict_append(reply, "HeartbeatSent", "t", (uint64_t) st.heartbeat.sent);
        if (r >= 0)
                r = bus_dict_append(reply, "HeartbeatLastError", "s", TEXT_OUT(st.heartbeat.last_error));
        if (r >= 0)
                r = bus_dict_append(reply, "NotificationsDelivered", "t", (uint64_t) st.notifier.delivered);
        if (r >= 0)
                r = bus_dict_append(reply, "NotificationsDropped", "t",
                                    (uint64_t) (st.notifier.dropped + st.notifier.expired));
        if (r >= 0)
                r = bus_dict_append(reply, "OutboxWriteError", "s",
                                    st.notifier.write_error < 0 ? strerror(-st.notifier.write_error) : "");
        if (r >= 0)
                r = bus_dict_append(reply, "OutboxUnwritten", "u", (uint32_t) st.notifier.unstored);
        if (r >= 0)
                r = append_outbox(reply, s);
        return r;
}

static int append_supervisor_dict(sd_bus_message *reply, const Supervisor *s) {
        const Config *cfg = s->config;
        uint64_t save_failures = 0;
        int r;

#define ADD(key, type, value) do { r = bus_dict_append(reply, key, type, value); if (r < 0) return r; } while (0)
        ADD("Version", "s", MAILSUP_VERSION);
        ADD("State", "s", supervisor_state(s));
        ADD("ConfigPath", "s", cfg->path && !cfg->embedded ? cfg->path : "");
        ADD("Bus", "s", cfg->bus == BUS_USER ? "user" : "system");
        ADD("StateDirectory", "s", cfg->state_directory);
        ADD("Interval", "t", (uint64_t) cfg->interval);
        ADD("Timeout", "t", (uint64_t) cfg->timeout);
        ADD("RestartLimit", "u", (uint32_t) cfg->restart_limit);
        ADD("RestartWindow", "u", (uint32_t) cfg->restart_window);
        ADD("RestartGrace", "t", (uint64_t) cfg->restart_grace);
        ADD("Checks", "u", (uint32_t) s->n_checks);
        ADD("Cycles", "t", (uint64_t) s->cycles);
        ADD("StartedAt", "t", (uint64_t) s->started);
        ADD("LastCycle", "t", (uint64_t) s->last_cycle_start);
        ADD("LastCycleDuration", "t", (uint64_t) s->last_cycle_duration);
        ADD("NextCycle", "t", (uint64_t) next_cycle(s));
        ADD("LastReload", "t", (uint64_t) s->last_reload);
        ADD("Drill", "s", drill_check_name(s));
        ADD("StateSaveError", "s", saver_error(s, &save_failures) < 0 ? strerror(-saver_error(s, NULL)) : "");
        ADD("StateSaveFailures", "t", save_failures);
#undef ADD
        return append_notify(reply, s);
}

int method_get_supervisor(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return bus_reply_array(m, "{sv}", append_dict, userdata, NULL);
}
