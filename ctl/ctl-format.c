/* ctl-format.c: how mailsupctl writes times and colors (see ctl.h).
 *
 * Times read the way systemctl writes them: "3.2s ago", "in 1min 5s",
 * "Tue 2026-11-24 14:00:01 UTC". Colors only on a terminal, and never when
 * NO_COLOR is set (https://no-color.org), so piped output stays plain.
 */
#include <inttypes.h>

#include "ctl/ctl.h"

#define ANSI_GREEN "\033[0;1;32m"
#define ANSI_RED "\033[0;1;31m"
#define ANSI_YELLOW "\033[0;1;33m"
#define ANSI_GREY "\033[0;38;5;245m"
#define ANSI_NORMAL "\033[0m"

const char *ctl_state_color(const Ctl *ctl, const char *state) {
        if (!ctl->color)
                return "";
        if (streq(state, "ok") || streq(state, "running"))
                return ANSI_GREEN;
        if (streq(state, "failing") || streq(state, "disabled") || streq(state, "degraded") ||
            streq(state, "failed") || streq(state, "timeout"))
                return ANSI_RED;
        if (streq(state, "restarting") || streq(state, "skipped"))
                return ANSI_YELLOW;
        return ANSI_GREY;
}

const char *ctl_normal(const Ctl *ctl) {
        return ctl->color ? ANSI_NORMAL : "";
}

const char *ctl_dot(const Ctl *ctl) {
        return ctl->color ? "\u25cf " : "";
}

/* A span, rounded the way a person reads it: two units at most. */
static const char *format_span(char *buf, size_t size, usec_t d) {
        uint64_t s = d / USEC_PER_SEC;

        if (d < USEC_PER_SEC)
                snprintf(buf, size, "%" PRIu64 "ms", d / USEC_PER_MSEC);
        else if (d < USEC_PER_MINUTE)
                snprintf(buf, size, "%.1fs", (double) d / USEC_PER_SEC);
        else if (d < USEC_PER_HOUR)
                snprintf(buf, size, "%" PRIu64 "min %" PRIu64 "s", s / 60, s % 60);
        else if (d < 24 * USEC_PER_HOUR)
                snprintf(buf, size, "%" PRIu64 "h %" PRIu64 "min", s / 3600, s % 3600 / 60);
        else
                snprintf(buf, size, "%" PRIu64 "d %" PRIu64 "h", s / 86400, s % 86400 / 3600);
        return buf;
}

const char *ctl_format_relative(char *buf, size_t size, usec_t when) {
        usec_t now = now_usec(CLOCK_REALTIME);
        char span[64];

        if (when == 0)
                snprintf(buf, size, "never");
        else if (when <= now)
                snprintf(buf, size, "%s ago", format_span(span, sizeof(span), now - when));
        else
                snprintf(buf, size, "in %s", format_span(span, sizeof(span), when - now));
        return buf;
}

const char *ctl_format_timestamp(char *buf, size_t size, usec_t when) {
        time_t t = (time_t) (when / USEC_PER_SEC);
        struct tm tm;

        if (when == 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "never");
        return buf;
}

const char *ctl_format_latency(char *buf, size_t size, usec_t latency) {
        if (latency == 0)
                snprintf(buf, size, "-");
        else if (latency < USEC_PER_SEC)
                snprintf(buf, size, "%.1fms", (double) latency / USEC_PER_MSEC);
        else
                snprintf(buf, size, "%.2fs", (double) latency / USEC_PER_SEC);
        return buf;
}
