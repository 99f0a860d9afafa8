/* unit.c: restart a systemd unit over D-Bus and follow its job (unit.h).
 *
 * The JobRemoved match exists before the first RestartUnit is sent, so a
 * job can never end unseen; a JobRemoved that arrives before the reply that
 * names its job (both race on a fast restart) is kept in a small ring and
 * matched when the reply comes, as systemctl's bus-wait-for-jobs does.
 */
#include "actions/unit.h"

#include "common/log.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define PROPS_IFACE "org.freedesktop.DBus.Properties"
#define REMOVED_RING 32

typedef struct Request Request;
struct Request {
        Request *next;
        UnitManager *manager;
        sd_bus_slot *slot;
        char *unit;
        char *job;                       /* restarts: job path from the reply */
        unit_job_done_t job_done;
        unit_props_done_t props_done;
        void *userdata;
};

struct UnitManager {
        sd_bus *bus;
        sd_bus_slot *job_removed;
        Request *requests;               /* calls and jobs in flight */
        struct {
                char job[128];
                char result[32];
        } removed[REMOVED_RING];
        unsigned removed_next;
};

bool unit_job_result_ok(const char *result) {
        return result && (streq(result, "done") || streq(result, "skipped"));
}

static Request *request_new(UnitManager *m, const char *unit, void *userdata) {
        Request *q = calloc(1, sizeof(*q));

        if (!q)
                return NULL;
        q->manager = m;
        q->unit = strdup(unit);
        if (!q->unit) {
                free(q);
                return NULL;
        }
        q->userdata = userdata;
        q->next = m->requests;
        m->requests = q;
        return q;
}

static void request_free(Request *q) {
        for (Request **p = &q->manager->requests; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        break;
                }
        sd_bus_slot_unref(q->slot);
        free(q->unit);
        free(q->job);
        free(q);
}

static void job_finish(Request *q, const char *result, int error) {
        unit_job_done_t done = q->job_done;
        void *userdata = q->userdata;
        _cleanup_free_ char *unit = TAKE_PTR(q->unit);

        request_free(q); /* before the callback: it may start a new restart */
        done(unit, result, error, userdata);
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        UnitManager *m = userdata;
        const char *job, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(msg, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        for (Request *q = m->requests; q; q = q->next)
                if (q->job && streq(q->job, job)) {
                        job_finish(q, result, 0);
                        return 0;
                }
        /* Not (yet) ours: remember it in case our reply is still on its way. */
        snprintf(m->removed[m->removed_next].job, sizeof(m->removed[0].job), "%s", job);
        snprintf(m->removed[m->removed_next].result, sizeof(m->removed[0].result), "%s", result);
        m->removed_next = (m->removed_next + 1) % REMOVED_RING;
        return 0;
}

static int on_restart_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Request *q = userdata;
        UnitManager *m = q->manager;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *job;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);
        if (e) {
                job_finish(q, e->message ? e->message : e->name, -sd_bus_error_get_errno(e) ?: -EIO);
                return 0;
        }
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0) {
                job_finish(q, "bad reply", r);
                return 0;
        }
        for (unsigned i = 0; i < REMOVED_RING; i++)
                if (streq(m->removed[i].job, job)) {
                        m->removed[i].job[0] = '\0';
                        job_finish(q, m->removed[i].result, 0);
                        return 0;
                }
        q->job = strdup(job);
        if (!q->job)
                job_finish(q, "out of memory", -ENOMEM);
        return 0;
}

int unit_restart(UnitManager *m, const char *unit, unit_job_done_t done, void *userdata) {
        Request *q = request_new(m, unit, userdata);
        int r;

        if (!q)
                return -ENOMEM;
        q->job_done = done;
        r = sd_bus_call_method_async(m->bus, &q->slot, SD_DEST, SD_PATH, SD_MANAGER, "RestartUnit",
                                     on_restart_reply, q, "ss", unit, "replace");
        if (r < 0)
                request_free(q);
        return r;
}

static void copy_string(char *dst, size_t size, sd_bus_message *msg) {
        const char *s;

        if (sd_bus_message_read(msg, "v", "s", &s) >= 0)
                snprintf(dst, size, "%s", s);
}

/* ConsistsOf ("as"): names too long for the table are skipped, not cut. */
static int read_parts(sd_bus_message *msg, UnitProps *p) {
        const char *part;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(msg, "s", &part)) > 0) {
                if (p->n_parts >= UNIT_MAX_PARTS || strlen(part) >= UNIT_NAME_MAX) {
                        p->parts_truncated = true;
                        continue;
                }
                snprintf(p->parts[p->n_parts++], UNIT_NAME_MAX, "%s", part);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        return r;
}

static int read_prop(sd_bus_message *msg, const char *name, UnitProps *p) {
        const char *job_path;

        if (streq(name, "LoadState"))
                copy_string(p->load_state, sizeof(p->load_state), msg);
        else if (streq(name, "ActiveState"))
                copy_string(p->active_state, sizeof(p->active_state), msg);
        else if (streq(name, "SubState"))
                copy_string(p->sub_state, sizeof(p->sub_state), msg);
        else if (streq(name, "Result"))
                copy_string(p->result, sizeof(p->result), msg);
        else if (streq(name, "Job"))
                return sd_bus_message_read(msg, "v", "(uo)", &p->job_id, &job_path);
        else if (streq(name, "NRestarts"))
                return sd_bus_message_read(msg, "v", "u", &p->n_restarts);
        else if (streq(name, "MainPID"))
                return sd_bus_message_read(msg, "v", "u", &p->main_pid);
        else if (streq(name, "ActiveEnterTimestampMonotonic"))
                return sd_bus_message_read(msg, "v", "t", &p->active_enter);
        else if (streq(name, "Restart"))
                copy_string(p->restart, sizeof(p->restart), msg);
        else if (streq(name, "ControlGroup"))
                copy_string(p->control_group, sizeof(p->control_group), msg);
        else if (streq(name, "ConsistsOf"))
                return read_parts(msg, p);
        else
                return sd_bus_message_skip(msg, "v");
        return 0;
}

static int parse_props(sd_bus_message *msg, UnitProps *p) {
        int r;

        *p = (UnitProps) { .n_restarts = UINT32_MAX };
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *name;

                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        return r;
                r = read_prop(msg, name, p);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

static int unit_path(const char *unit, char **ret) {
        return sd_bus_path_encode(SD_PATH "/unit", unit, ret);
}

static int on_props_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Request *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        unit_props_done_t done = q->props_done;
        void *cb_userdata = q->userdata;
        _cleanup_free_ char *unit = TAKE_PTR(q->unit);
        UnitProps p = {};
        int r;

        r = e ? (-sd_bus_error_get_errno(e) ?: -EIO) : parse_props(reply, &p);
        request_free(q);
        done(unit, &p, r < 0 ? r : 0, cb_userdata);
        return 0;
}

int unit_get_props(UnitManager *m, const char *unit, unit_props_done_t done, void *userdata) {
        _cleanup_free_ char *path = NULL;
        Request *q;
        int r;

        r = unit_path(unit, &path);
        if (r < 0)
                return r;
        q = request_new(m, unit, userdata);
        if (!q)
                return -ENOMEM;
        q->props_done = done;
        /* An empty interface name asks for the properties of every interface. */
        r = sd_bus_call_method_async(m->bus, &q->slot, SD_DEST, path, PROPS_IFACE, "GetAll",
                                     on_props_reply, q, "s", "");
        if (r < 0)
                request_free(q);
        return r;
}

int unit_get_props_sync(UnitManager *m, const char *unit, UnitProps *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = unit_path(unit, &path);
        if (r < 0)
                return r;
        r = sd_bus_call_method(m->bus, SD_DEST, path, PROPS_IFACE, "GetAll", &error, &reply, "s", "");
        if (r < 0)
                return r;
        return parse_props(reply, ret);
}

typedef struct Watch {
        unit_changed_t changed;
        void *userdata;
        char unit[];
} Watch;

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;

        w->changed(w->unit, w->userdata);
        return 0;
}

int unit_watch(UnitManager *m, const char *unit, unit_changed_t changed, void *userdata, sd_bus_slot **ret) {
        _cleanup_free_ char *path = NULL;
        sd_bus_slot *slot = NULL;
        Watch *w;
        int r;

        r = unit_path(unit, &path);
        if (r < 0)
                return r;
        w = malloc(sizeof(*w) + strlen(unit) + 1);
        if (!w)
                return -ENOMEM;
        *w = (Watch) { .changed = changed, .userdata = userdata };
        strcpy(w->unit, unit);
        r = sd_bus_match_signal_async(m->bus, &slot, SD_DEST, path, PROPS_IFACE, "PropertiesChanged",
                                      on_properties_changed, NULL, w);
        if (r < 0) {
                free(w);
                return r;
        }
        (void) sd_bus_slot_set_destroy_callback(slot, free);
        *ret = slot;
        return 0;
}

typedef struct Call {
        unit_call_done_t done;
        void *userdata;
        char unit[];
} Call;

static int on_call_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        c->done(c->unit, e ? (-sd_bus_error_get_errno(e) ?: -EIO) : 0, e ? (e->message ?: e->name) : NULL,
                c->userdata);
        return 0;
}

int unit_kill(UnitManager *m, const char *unit, const char *whom, int signo,
              unit_call_done_t done, void *userdata, sd_bus_slot **ret) {
        sd_bus_slot *slot = NULL;
        Call *c;
        int r;

        if (!done)
                return sd_bus_call_method_async(m->bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "KillUnit",
                                                NULL, NULL, "ssi", unit, whom, signo);
        c = malloc(sizeof(*c) + strlen(unit) + 1);
        if (!c)
                return -ENOMEM;
        *c = (Call) { .done = done, .userdata = userdata };
        strcpy(c->unit, unit);
        r = sd_bus_call_method_async(m->bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "KillUnit",
                                     on_call_reply, c, "ssi", unit, whom, signo);
        if (r < 0) {
                free(c);
                return r;
        }
        (void) sd_bus_slot_set_destroy_callback(slot, free);
        *ret = slot;
        return 0;
}

/* No systemd on this bus (a private bus, a broken manager): checks still
 * run, unit failures are seen at the next cycle instead of at once. */
static int on_subscribe_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e)
                log_warning("cannot subscribe to systemd's unit signals: %s", e->message ?: e->name);
        return 0;
}

int unit_manager_new(sd_bus *bus, UnitManager **ret) {
        UnitManager *m = calloc(1, sizeof(*m));
        int r;

        if (!m)
                return -ENOMEM;
        m->bus = sd_bus_ref(bus);
        /* The match first, so no job of ours can end before we listen. */
        r = sd_bus_match_signal_async(bus, &m->job_removed, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
                                      on_job_removed, NULL, m);
        if (r >= 0)
                /* Without a subscriber the manager sends no unit or job signals. */
                r = sd_bus_call_method_async(bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe",
                                             on_subscribe_reply, NULL, "");
        if (r < 0) {
                unit_manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

UnitManager *unit_manager_free(UnitManager *m) {
        if (!m)
                return NULL;
        while (m->requests)
                request_free(m->requests);
        sd_bus_slot_unref(m->job_removed);
        sd_bus_unref(m->bus);
        free(m);
        return NULL;
}
