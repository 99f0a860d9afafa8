/* notification.c: names of phases (see notification.h). */
#include "notify/notification.h"

static const char *const phase_names[_NOTIFY_PHASE_MAX] = {
        [NOTIFY_EVENT] = "event",
        [NOTIFY_FIRING] = "firing",
        [NOTIFY_RESOLVED] = "resolved",
};

const char *notify_phase_to_string(NotifyPhase p) {
        return (size_t) p < ELEMENTSOF(phase_names) ? phase_names[p] : "unknown";
}

int notify_phase_from_string(const char *s, NotifyPhase *ret) {
        for (size_t i = 0; i < ELEMENTSOF(phase_names); i++)
                if (streq(s, phase_names[i])) {
                        *ret = (NotifyPhase) i;
                        return 0;
                }
        return -EINVAL;
}
