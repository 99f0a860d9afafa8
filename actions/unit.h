/* unit.h: what mailsupd does to a systemd unit, over D-Bus (sd-bus).
 *
 * Restart a unit and follow the job to its end without a race (the
 * JobRemoved match is installed before any RestartUnit call, and a job that
 * ends before its reply is read is remembered), read the properties the
 * policy needs, and hear state changes as they happen. This module knows
 * nothing of checks, cycles or limits: that is supervisor/policy.c.
 *
 * See also: ../shared/docs/SYSTEMD-NOTES.md, supervisor/supervisor.c.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "common/util.h"

typedef struct UnitManager UnitManager;

#define UNIT_MAX_PARTS 8
#define UNIT_NAME_MAX 128

typedef struct UnitProps {
        char load_state[32];
        char active_state[32];
        char sub_state[32];
        char result[32];                 /* Service.Result, "" for other unit types */
        uint32_t job_id;
        uint32_t n_restarts;             /* UINT32_MAX when not a service */
        uint32_t main_pid;
        usec_t active_enter;             /* ActiveEnterTimestampMonotonic */
        char restart[24];                /* Service.Restart, "" for other unit types */
        char control_group[512];         /* ControlGroup, "" when it has none */
        /* ConsistsOf: the units that are PartOf this one (postfix@-.service
         * of postfix.service), the first UNIT_MAX_PARTS of them. */
        char parts[UNIT_MAX_PARTS][UNIT_NAME_MAX];
        unsigned n_parts;
        bool parts_truncated;
} UnitProps;

/* error < 0: the call failed (result/props meaningless). */
typedef void (*unit_job_done_t)(const char *unit, const char *result, int error, void *userdata);
typedef void (*unit_props_done_t)(const char *unit, const UnitProps *props, int error, void *userdata);
typedef void (*unit_changed_t)(const char *unit, void *userdata);

/* Subscribes to the manager's signals and installs the JobRemoved match. */
int unit_manager_new(sd_bus *bus, UnitManager **ret);
UnitManager *unit_manager_free(UnitManager *m);

/* RestartUnit(unit, "replace"), done called once the job is removed. */
int unit_restart(UnitManager *m, const char *unit, unit_job_done_t done, void *userdata);

/* Read the unit's properties asynchronously, or synchronously (start-up only). */
int unit_get_props(UnitManager *m, const char *unit, unit_props_done_t done, void *userdata);
int unit_get_props_sync(UnitManager *m, const char *unit, UnitProps *ret);

/* Call changed whenever the unit's properties change (PropertiesChanged). */
int unit_watch(UnitManager *m, const char *unit, unit_changed_t changed, void *userdata, sd_bus_slot **ret);

/* KillUnit(unit, whom, signo): whom is "main", "control" or "all". done
 * (may be NULL: fire and forget) gets the error and the bus's message;
 * *ret (required with done) cancels the call when unreferenced. */
typedef void (*unit_call_done_t)(const char *unit, int error, const char *message, void *userdata);
int unit_kill(UnitManager *m, const char *unit, const char *whom, int signo,
              unit_call_done_t done, void *userdata, sd_bus_slot **ret);

/* "done" and "skipped" are success; everything else is a failed job. */
bool unit_job_result_ok(const char *result);
