/* unit-parts.c: the units that are PartOf a watched unit, and the
 * processes of both (units.h).
 *
 * On Debian the oneshot postfix.service stays "active (exited)" whatever
 * happens to Postfix: the master runs, freezes and dies in
 * postfix@-.service, which is PartOf it. The parts are read from the unit's
 * ConsistsOf each time its state is read (so a reload or a new instance is
 * seen, nothing is hard-coded), watched while listed, and never freed
 * before exit (callbacks in flight may point at them). A part that leaves
 * active by itself is reported to units.c as the unit's death; a process
 * of the unit or of a part stopped by a signal is found in their cgroups
 * (actions/unit-procs.h). The drill freezes them all the same way.
 *
 * See also: units.c (what a death and a busy part mean to the checks).
 */
#include "supervisor/units.h"

#include "actions/unit-procs.h"
#include "common/log.h"

struct UnitPart {
        WatchedUnit *whole;
        char *name;
        UnitProps props;
        bool props_ok;
        sd_bus_slot *watch;
        bool listed, refreshing, refresh_again;
        bool up;                        /* active when last read */
};

/* systemd is starting or stopping the part (a job, activating, about to
 * restart it): the unit is busy. Deactivating with no job is not that. */
static bool part_busy(const UnitPart *p) {
        return p->listed && p->props_ok &&
               (p->props.job_id != 0 || streq(p->props.active_state, "activating") ||
                streq(p->props.sub_state, "auto-restart"));
}

bool unit_parts_busy(const WatchedUnit *u) {
        for (size_t i = 0; i < u->n_parts; i++)
                if (part_busy(u->parts[i]))
                        return true;
        return false;
}

/* Left active by itself: no job, no Restart= of its own, the unit active. */
static bool part_died(const UnitPart *p) {
        const WatchedUnit *u = p->whole;
        const char *st = p->props.active_state;

        return p->listed && (streq(st, "deactivating") || streq(st, "inactive") || streq(st, "failed")) &&
               p->props.job_id == 0 && (p->props.restart[0] == '\0' || streq(p->props.restart, "no")) &&
               u->props_ok && streq(u->props.active_state, "active") && u->props.job_id == 0 && !u->restarting;
}

static void part_refresh(UnitPart *p);

static void on_part_props(const char *name, const UnitProps *props, int error, void *userdata) {
        UnitPart *p = userdata;
        WatchedUnit *u = p->whole;
        bool was_up = p->up, died = false;

        p->refreshing = false;
        if (error < 0) {
                log_full_errno(LOG_DEBUG, error, "cannot read the state of %s (part of %s): %m", p->name, u->name);
                p->props_ok = false;
        } else {
                p->props = *props;
                p->props_ok = true;
                p->up = streq(props->active_state, "active") || streq(props->active_state, "reloading");
                if (was_up && part_died(p)) {
                        char reason[256];

                        snprintf(reason, sizeof(reason), "%.64s (part of %.64s) went %s/%s by itself",
                                 p->name, u->name, props->active_state, props->sub_state);
                        watched_unit_parts_changed(u, reason);
                        died = true;
                }
        }
        if (!died)
                watched_unit_parts_changed(u, NULL);
        if (p->refresh_again) {
                p->refresh_again = false;
                part_refresh(p);
        }
}

static void part_refresh(UnitPart *p) {
        int r;

        if (p->refreshing) {
                p->refresh_again = true;
                return;
        }
        p->refreshing = true;
        r = unit_get_props(p->whole->sup->units_manager, p->name, on_part_props, p);
        if (r < 0)
                on_part_props(p->name, NULL, r, p);
}

static void on_part_changed(const char *name, void *userdata) {
        part_refresh(userdata);
}

static UnitPart *part_get(WatchedUnit *u, const char *name) {
        UnitPart *p, **parts;

        for (size_t i = 0; i < u->n_parts; i++)
                if (streq(u->parts[i]->name, name))
                        return u->parts[i];
        parts = reallocarray(u->parts, u->n_parts + 1, sizeof(UnitPart *));
        p = calloc(1, sizeof(*p));
        if (!parts || !p)
                abort();
        u->parts = parts;
        *p = (UnitPart) { .whole = u, .name = xstrdup(name) };
        u->parts[u->n_parts++] = p;
        log_info("watching %s as part of %s", name, u->name);
        return p;
}

/* The parts as the unit lists them now: new ones watched and read, gone
 * ones no longer watched. */
void unit_parts_update(WatchedUnit *u) {
        int r;

        for (size_t i = 0; i < u->n_parts; i++)
                u->parts[i]->listed = false;
        if (u->props.parts_truncated)
                log_warning("%s has more parts than mailsupd watches (%d)", u->name, UNIT_MAX_PARTS);
        for (unsigned i = 0; i < u->props.n_parts; i++) {
                UnitPart *p = part_get(u, u->props.parts[i]);

                p->listed = true;
                if (p->watch)
                        continue;
                r = unit_watch(u->sup->units_manager, p->name, on_part_changed, p, &p->watch);
                if (r < 0)
                        log_warning_errno(r, "cannot watch %s: %m; its death is seen at the next cycle", p->name);
                part_refresh(p);
        }
        for (size_t i = 0; i < u->n_parts; i++)
                if (!u->parts[i]->listed)
                        u->parts[i]->watch = sd_bus_slot_unref(u->parts[i]->watch);
}

static int find_stopped_in(const char *unit, const UnitProps *props, char *reason, size_t size) {
        ProcStat st;
        int r;

        if (!props->control_group[0])
                return 0;
        r = unit_cgroup_find_stopped(props->control_group, &st);
        if (r < 0 && r != -ENOENT)
                log_full_errno(LOG_DEBUG, r, "cannot read the processes of %s (%s): %m", unit, props->control_group);
        if (r <= 0)
                return 0;
        snprintf(reason, size, "process %d (%s) of %s is stopped", st.pid, st.comm, unit);
        return 1;
}

int watched_unit_find_stopped(WatchedUnit *u, char *reason, size_t size) {
        if (u->props_ok && find_stopped_in(u->name, &u->props, reason, size))
                return 1;
        for (size_t i = 0; i < u->n_parts; i++) {
                UnitPart *p = u->parts[i];

                if (p->listed && p->props_ok && find_stopped_in(p->name, &p->props, reason, size))
                        return 1;
        }
        return 0;
}

static bool holds_processes(const UnitProps *props) {
        return props->control_group[0] && unit_cgroup_count(props->control_group) > 0;
}

int watched_unit_kill_all(WatchedUnit *u, int signo, unit_call_done_t done, void *userdata, sd_bus_slot **ret,
                          char *names, size_t size) {
        const char *targets[1 + UNIT_MAX_PARTS];
        size_t n = 0, len = 0;
        int r = 0;

        if (u->props_ok && holds_processes(&u->props))
                targets[n++] = u->name;
        for (size_t i = 0; i < u->n_parts && n < ELEMENTSOF(targets); i++)
                if (u->parts[i]->listed && u->parts[i]->props_ok && holds_processes(&u->parts[i]->props))
                        targets[n++] = u->parts[i]->name;
        if (n == 0)
                targets[n++] = u->name; /* systemd says why not */
        names[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                len += (size_t) snprintf(names + len, len < size ? size - len : 0, "%s%s", i ? ", " : "", targets[i]);
                if (len >= size)
                        len = size;
        }
        /* One connection: systemd answers in order, so the last answer
         * comes after the others were done. */
        for (size_t i = 0; i < n && r >= 0; i++)
                r = unit_kill(u->sup->units_manager, targets[i], "all", signo, i + 1 == n ? done : NULL,
                              userdata, i + 1 == n ? ret : NULL);
        return r;
}

void unit_parts_unwatch(WatchedUnit *u) {
        for (size_t i = 0; i < u->n_parts; i++)
                u->parts[i]->watch = sd_bus_slot_unref(u->parts[i]->watch);
}

void unit_parts_free(WatchedUnit *u) {
        unit_parts_unwatch(u);
        for (size_t i = 0; i < u->n_parts; i++) {
                free(u->parts[i]->name);
                free(u->parts[i]);
        }
        free(u->parts);
        u->parts = NULL;
        u->n_parts = 0;
}
