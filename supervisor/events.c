/* events.c: event kinds, their severities, journal ids and alerting (see events.h). */
#include "supervisor/events.h"

static const struct {
        const char *name;
        const char *message_id;
        EventSeverity severity;
        EventAlert alert;
} event_kinds[_EVENT_KIND_MAX] = {
        [EVENT_SUPERVISOR_STARTED] = { "supervisor-started", "616893b709164fe2ab2c0064cc7063f2", SEVERITY_INFO,
                                       EVENT_ALERT_ONCE },
        [EVENT_SUPERVISOR_STOPPING] = { "supervisor-stopping", "2ee9da6a0f5e453987c542869e6fb3ca", SEVERITY_INFO,
                                        EVENT_ALERT_ONCE },
        [EVENT_CHECK_FAILED] = { "check-failed", "b2e61486ad03402cb8da0854c89568d4", SEVERITY_WARNING,
                                 EVENT_ALERT_CONDITION },
        [EVENT_CHECK_RECOVERED] = { "check-recovered", "5d2fbd4624734583967c718caeb1e995", SEVERITY_INFO,
                                    EVENT_ALERT_ONCE },
        [EVENT_STAND_ASIDE] = { "stand-aside", "3d91e4d4ae2843a49e0c5208d18dd9da", SEVERITY_INFO, EVENT_ALERT_NONE },
        [EVENT_UNIT_RESTARTING] = { "unit-restarting", "8f72eb27aab847718fd625d01b5b4995", SEVERITY_INFO,
                                    EVENT_ALERT_NONE },
        [EVENT_UNIT_RESTARTED] = { "unit-restarted", "96c05a6d78c64b1d95416683ea03829c", SEVERITY_INFO,
                                   EVENT_ALERT_ONCE },
        [EVENT_RESTART_FAILED] = { "restart-failed", "a801eb60c8d34bf8bb322e1369d25fcc", SEVERITY_CRITICAL,
                                   EVENT_ALERT_ONCE },
        [EVENT_CHECK_DISABLED] = { "check-disabled", "b502421f353a468187ad7ee3bf848fc2", SEVERITY_CRITICAL,
                                   EVENT_ALERT_CONDITION },
        [EVENT_CHECK_RESET] = { "check-reset", "2c7679e3c1034e7da2c191798eb83396", SEVERITY_INFO, EVENT_ALERT_ONCE },
        [EVENT_CONFIG_RELOADED] = { "config-reloaded", "d889c5b19b02403b856612807dec6440", SEVERITY_INFO,
                                    EVENT_ALERT_NONE },
        [EVENT_RELOAD_FAILED] = { "reload-failed", "bea6561acce54b7a9545cbe2a301d2d3", SEVERITY_WARNING,
                                  EVENT_ALERT_NONE },
        [EVENT_TEST_ALERT] = { "test-alert", "e464988aa9f94eaca5e39a530ffe00d7", SEVERITY_INFO, EVENT_ALERT_NONE },
        [EVENT_DRILL_STARTED] = { "drill-started", "c6dfdf97baec423e9fd18d8ae25a716e", SEVERITY_WARNING,
                                  EVENT_ALERT_NONE },
        [EVENT_DRILL_FINISHED] = { "drill-finished", "0a51825cbdff4fbfb6871858067dd93d", SEVERITY_INFO,
                                   EVENT_ALERT_NONE },
        /* In the journal; what is notified are the conditions below, by severity. */
        [EVENT_THRESHOLD_BREACHED] = { "threshold-breached", "4a57cac9fb934d41b4619d485a3fb0b4", SEVERITY_WARNING,
                                       EVENT_ALERT_NONE },
        [EVENT_THRESHOLD_WARNING] = { "threshold-warning", "9bd0c4f1c0ef44f0b9ab39a1ff0e66d5", SEVERITY_WARNING,
                                      EVENT_ALERT_CONDITION },
        [EVENT_THRESHOLD_CRITICAL] = { "threshold-critical", "37e0a4ca4d6b47628d1d7e909f890505", SEVERITY_CRITICAL,
                                       EVENT_ALERT_CONDITION },
        [EVENT_STATE_SAVE_FAILED] = { "state-save-failed", "7c3f5a0e9d2b4e61a8f4c2d9b6e1a053", SEVERITY_WARNING,
                                      EVENT_ALERT_ONCE },
};

const char *event_kind_to_string(EventKind k) {
        return k < _EVENT_KIND_MAX ? event_kinds[k].name : "unknown";
}

int event_kind_from_string(const char *s, EventKind *ret) {
        for (int k = 0; k < _EVENT_KIND_MAX; k++)
                if (streq(s, event_kinds[k].name)) {
                        *ret = (EventKind) k;
                        return 0;
                }
        return -EINVAL;
}

EventSeverity event_kind_severity(EventKind k) {
        return k < _EVENT_KIND_MAX ? event_kinds[k].severity : SEVERITY_WARNING;
}

EventAlert event_kind_alert(EventKind k) {
        return k < _EVENT_KIND_MAX ? event_kinds[k].alert : EVENT_ALERT_NONE;
}

const char *event_kind_message_id(EventKind k) {
        return k < _EVENT_KIND_MAX ? event_kinds[k].message_id : "00000000000000000000000000000000";
}
