/* depends.c: what c's dependencies are doing (see depends.h). */
#include "supervisor/depends.h"

#include "supervisor/policy.h"

#define DEPENDS_MAX 16 /* looked at per check; more names are ignored at run time */

static DependencyPhase phase_of(const Check *d) {
        switch (d ? check_state(d) : CHECK_STATE_UNKNOWN) {
        case CHECK_STATE_OK:
                return DEPENDENCY_OK;
        case CHECK_STATE_FAILING:
                return DEPENDENCY_FAILING;
        case CHECK_STATE_DISABLED:
                return DEPENDENCY_DISABLED;
        case CHECK_STATE_RESTARTING:
                return DEPENDENCY_RESTARTING;
        default:
                return DEPENDENCY_UNKNOWN;
        }
}

bool depends_cause(const Check *c, char *buf, size_t size) {
        const CheckConfig *cc = c->config;
        DependencyPhase phases[DEPENDS_MAX];
        size_t n = cc->n_depends_on < DEPENDS_MAX ? cc->n_depends_on : DEPENDS_MAX;
        int i;

        for (size_t k = 0; k < n; k++)
                phases[k] = phase_of(supervisor_find_check(c->sup, cc->depends_on[k]));
        i = policy_dependency_cause(phases, n);
        if (i < 0)
                return false;
        if (buf)
                snprintf(buf, size, "%s is %s", cc->depends_on[i], dependency_phase_to_string(phases[i]));
        return true;
}
