/* notification.c: names of severities and phases (see notification.h). */
#include "notify/notification.h"

static const char *const severity_names[] = {
        [SEVERITY_INFO] = "info",
        [SEVERITY_WARNING] = "warning",
        [SEVERITY_CRITICAL] = "critical",
};

static const char *const phase_names[_NOTIFY_PHASE_MAX] = {
        [NOTIFY_EVENT] = "event",
        [NOTIFY_FIRING] = "firing",
        [NOTIFY_RESOLVED] = "resolved",
};

const char *severity_to_string(EventSeverity s) {
        return (size_t) s < ELEMENTSOF(severity_names) ? severity_names[s] : "unknown";
}

int severity_from_string(const char *s, EventSeverity *ret) {
        for (size_t i = 0; i < ELEMENTSOF(severity_names); i++)
                if (streq(s, severity_names[i])) {
                        *ret = (EventSeverity) i;
                        return 0;
                }
        return -EINVAL;
}

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
