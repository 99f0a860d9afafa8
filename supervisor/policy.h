/* policy.h: when to restart a failed service and when to give up on it.
 *
 * A pure function over a check's history: no bus, no clock, no I/O, so the
 * rule "at most restart_limit restarts within the last restart_window
 * judged cycles, then disable" is tested on synthetic histories
 * (tests/test-policy.c). The mechanism that restarts a unit lives in
 * actions/unit.c and knows nothing of cycles.
 *
 * A cycle counts in the window only when the check was judged in it: not
 * while systemd is acting on the unit (job pending, activating, auto-restart
 * ...) and not during the grace period after a restart. Every restart of the
 * unit counts: ours, and systemd's own (growth of the unit's NRestarts).
 *
 * Before that, policy_count() debounces results: a check counts as failed
 * only after fail_after failed results in a row, and as recovered only
 * after recover_after ok results in a row, so a memory spike of one cycle
 * neither alerts nor restarts. A unit the manager reports failed counts at
 * once: it is not a measurement that may be noise.
 *
 * See also: supervisor.c (feeds it), state.c (persists PolicyState).
 */
#pragma once

#include "supervisor/config.h"

#define POLICY_MAX_RESTARTS 32 /* restarts remembered; the window never needs more */
#define N_RESTARTS_UNKNOWN UINT32_MAX

/* What the manager told us about the unit, reduced to what the policy needs. */
typedef enum UnitPhase {
        UNIT_PHASE_UNKNOWN,     /* properties not read (bus trouble): judge, but cautiously */
        UNIT_PHASE_ACTIVE,      /* active, no job */
        UNIT_PHASE_BUSY,        /* systemd is acting: job queued, (de)activating, reloading, auto-restart */
        UNIT_PHASE_FAILED,      /* failed, no job */
        UNIT_PHASE_INACTIVE,    /* inactive (stopped), no job */
        UNIT_PHASE_MISSING,     /* unit does not exist */
} UnitPhase;

typedef struct UnitView {
        UnitPhase phase;
        uint32_t n_restarts;    /* systemd's NRestarts, N_RESTARTS_UNKNOWN if not known */
} UnitView;

UnitPhase unit_phase_from_state(const char *load_state, const char *active_state,
                                const char *sub_state, uint32_t job_id);
const char *unit_phase_to_string(UnitPhase p);

/* The persistent part of a check's policy (saved by state.c). */
typedef struct PolicyState {
        uint64_t cycle;                          /* judged cycles so far */
        uint64_t restarts[POLICY_MAX_RESTARTS];  /* cycle of each restart, oldest first */
        unsigned n_restarts;
        uint32_t seen_n_restarts;                /* unit's NRestarts last seen */
        bool disabled;
        unsigned streak;                         /* results in a row that disagree with failed */
        bool failed;                             /* counts as failed (restored from the last result) */
        /* transient, not saved: */
        bool restart_pending;                    /* a restart job is in flight */
        bool in_grace;                           /* restarted; waiting for active + grace */
        usec_t grace_until;                      /* CLOCK_MONOTONIC */
} PolicyState;

typedef struct PolicyParams {
        unsigned restart_limit;
        unsigned restart_window;
        usec_t restart_grace;
        CheckAction action;
        unsigned fail_after;    /* failed results in a row before the check counts as failed */
        unsigned recover_after; /* ok results in a row before it counts as recovered */
        bool dependency_failing; /* a check of depends_on explains the failure (policy_dependency_cause()) */
} PolicyParams;

/* One result, as policy_count() weighs it. */
typedef enum PolicyResult {
        RESULT_OK,
        RESULT_FAILED,          /* the probe failed: the service did not answer right */
        RESULT_THRESHOLD,       /* answered, but a value is past its limit: fails, never restarts */
        RESULT_UNIT_FAILED,     /* the manager reports the unit failed: counts at once */
} PolicyResult;

typedef enum PolicyEvent {
        POLICY_PROBE_OK,
        POLICY_PROBE_FAILED,
        POLICY_UNIT_FAILED,     /* the manager reports the unit failed: judged at once */
} PolicyEvent;

typedef enum PolicyVerdict {
        VERDICT_OK,             /* judged healthy */
        VERDICT_NOT_JUDGED,     /* restart in flight or grace running: ignore this result */
        VERDICT_STAND_ASIDE,    /* failed, but systemd is already acting */
        VERDICT_RESTART,        /* failed: restart the unit now */
        VERDICT_DISABLE,        /* failed, restart limit reached: disable now (once) */
        VERDICT_DISABLED,       /* failed while disabled: nothing to do */
        VERDICT_FAILED,         /* failed, action is alert or none */
        VERDICT_WAIT,           /* failed while a dependency fails: the restart waits, nothing counts */
        _VERDICT_MAX,
} PolicyVerdict;

void policy_state_init(PolicyState *s);

/* Count one result against fail_after and recover_after; updates
 * s->failed and returns the event to judge: POLICY_PROBE_FAILED only for a
 * failure that counts (pending ones, thresholds and failures still
 * recovering judge as POLICY_PROBE_OK: a judged cycle, no action). */
PolicyEvent policy_count(PolicyState *s, const PolicyParams *p, PolicyResult r);

/* Account for restarts systemd did by itself (growth of NRestarts). */
void policy_observe_unit(PolicyState *s, const UnitView *u);

/* Judge one event. Updates the cycle count and disabled flag. */
PolicyVerdict policy_judge(PolicyState *s, const PolicyParams *p, PolicyEvent ev,
                           const UnitView *u, usec_t now);

/* May the check be probed now? False while a restart is in flight or its
 * grace period runs (the unit must be active and the grace over). */
bool policy_may_probe(PolicyState *s, const UnitView *u, usec_t now);

/* Bookkeeping around a restart of the check's unit. */
void policy_restart_started(PolicyState *s);
void policy_restart_finished(PolicyState *s, const PolicyParams *p, bool ok, usec_t now);

unsigned policy_restarts_in_window(const PolicyState *s, unsigned window);
void policy_reset(PolicyState *s);

const char *policy_verdict_to_string(PolicyVerdict v);

/* A cycle starts its probes in batches of CYCLE_BATCH. */
#define CYCLE_BATCH 256

/* Over how long a cycle of n probes starts its batches: 0 (all at once)
 * when they fit one batch. Otherwise over interval - timeout (the longest
 * probe timeout), so that the last batch still ends before the next cycle,
 * and at most half the interval: the loop's CPU for thousands of probes is
 * spread, and a probe's reply is read long before its deadline instead of
 * queueing behind thousands of others started in the same instant. */
usec_t policy_cycle_spread(size_t n, usec_t interval, usec_t timeout);
/* When, after the cycle's start, batch k of n probes starts. */
usec_t policy_cycle_batch_offset(size_t k, size_t n, usec_t spread);

/* depends_on: what each dependency's check is doing, as the dependent sees it. */
typedef enum DependencyPhase {
        DEPENDENCY_UNKNOWN,     /* not probed yet: explains nothing */
        DEPENDENCY_OK,
        DEPENDENCY_FAILING,
        DEPENDENCY_DISABLED,
        DEPENDENCY_RESTARTING,
        _DEPENDENCY_PHASE_MAX,
} DependencyPhase;

/* The first dependency (in depends_on's order) whose failure explains the
 * dependent's: failing, disabled or restarting. Its index, or -1. */
int policy_dependency_cause(const DependencyPhase *deps, size_t n);
/* "failing", "disabled", "restarting" (for "dovecot is failing"). */
const char *dependency_phase_to_string(DependencyPhase p);
