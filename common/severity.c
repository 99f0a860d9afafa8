/* severity.c: names and journal priorities of severities (see severity.h). */
#include "common/severity.h"

#include <syslog.h>

static const char *const severity_names[] = {
        [SEVERITY_INFO] = "info",
        [SEVERITY_WARNING] = "warning",
        [SEVERITY_CRITICAL] = "critical",
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

int severity_log_priority(EventSeverity s) {
        switch (s) {
        case SEVERITY_CRITICAL: return LOG_ERR;
        case SEVERITY_WARNING: return LOG_WARNING;
        default: return LOG_NOTICE;
        }
}
