/* notification.c: names of phases, and a notification's one-line subject (see notification.h). */
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

void notification_subject(const Notification *n, char *buf, size_t size) {
        snprintf(buf, size, "[mailsup] %s %s%s%s on %s%s", severity_to_string(n->severity), n->check,
                 n->check[0] ? ": " : "", n->kind, n->host,
                 n->phase == NOTIFY_RESOLVED ? " (resolved)" : n->reminder ? " (still)" : "");
}
