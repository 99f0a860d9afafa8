/* unit-procs.h: the processes of a unit's cgroup and their state, for a
 * frozen process that still holds its sockets.
 *
 * A SIGSTOPped Postfix master spawns nothing, yet its warm smtpd children
 * keep greeting for minutes: no probe sees it, systemd neither (the unit
 * stays active). The kernel does: the master's state in /proc/PID/stat is
 * T. This module lists the PIDs of a unit's cgroup (its ControlGroup
 * property, under the cgroup v2 root or v1's name=systemd hierarchy) and
 * finds a process stopped by a signal (T; t is a tracer's stop, not an
 * outage). Reads only small /proc and /sys files, bounded in count.
 *
 * See also: supervisor/units.c (who asks, and what a stop means).
 */
#pragma once

#include "common/util.h"

/* At most this many processes of a unit are looked at, per call. */
#define UNIT_PROCS_MAX 4096

typedef struct ProcStat {
        int pid;
        char comm[32];          /* the kernel's comm: 15 bytes, more for safety */
        char state;             /* R S D T t Z X I ... */
} ProcStat;

/* Parse the bytes of /proc/PID/stat ("1234 (master) T 1 ..."): comm may
 * hold spaces and parentheses, so it ends at the last ')'. -EINVAL when the
 * bytes are not such a line. Pure. */
int proc_stat_parse(const char *buf, size_t n, ProcStat *ret);

/* Stopped by a signal (SIGSTOP, SIGTSTP, ...): T. Pure. */
bool proc_state_stopped(char state);

/* Parse a cgroup.procs buffer's next PID at *pos; 0 at the end. Pure. */
int cgroup_procs_next(const char *buf, size_t n, size_t *pos);

/* The first process of the cgroup control_group (and the cgroups below it)
 * that is stopped by a signal: 1 and *ret, 0 when none, -errno when the
 * cgroup cannot be read (-ENOENT: no such cgroup, e.g. nothing runs). */
int unit_cgroup_find_stopped(const char *control_group, ProcStat *ret);

/* How many processes the cgroup (and those below it) holds, up to
 * UNIT_PROCS_MAX; -errno as above. */
int unit_cgroup_count(const char *control_group);
