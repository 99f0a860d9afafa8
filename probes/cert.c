/* cert.c: a server certificate's expiry, judged (see cert.h). */
#include "probes/cert.h"

#include <strings.h>

int cert_parse_expire_date(const char *s, usec_t *ret) {
        static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        char mon[4], zone[4];
        unsigned day, h, m, sec, year;
        struct tm tm = {};
        time_t t;
        int n = 0;

        if (sscanf(s, "%3s %u %u:%u:%u %u %3s%n", mon, &day, &h, &m, &sec, &year, zone, &n) != 7 ||
            s[n] != '\0' || !streq(zone, "GMT") || day < 1 || day > 31 || h > 23 || m > 59 || sec > 60 ||
            year < 1970 || year > 9999)
                return -EINVAL;
        tm.tm_mon = -1;
        for (int i = 0; i < 12; i++)
                if (strcasecmp(mon, months[i]) == 0)
                        tm.tm_mon = i;
        if (tm.tm_mon < 0)
                return -EINVAL;
        tm.tm_mday = (int) day;
        tm.tm_hour = (int) h;
        tm.tm_min = (int) m;
        tm.tm_sec = (int) sec;
        tm.tm_year = (int) year - 1900;
        t = timegm(&tm);
        if (t < 0)
                return -EINVAL;
        *ret = (usec_t) t * USEC_PER_SEC;
        return 0;
}

uint64_t cert_days_left(usec_t not_after, usec_t now) {
        return not_after <= now ? 0 : (not_after - now + USEC_PER_DAY - 1) / USEC_PER_DAY;
}

static const char *format_date(char *buf, size_t size, usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        if (!gmtime_r(&s, &tm) || strftime(buf, size, "%Y-%m-%d", &tm) == 0)
                snprintf(buf, size, "?");
        return buf;
}

ProbeSeverity cert_judge_expiry(usec_t not_after, usec_t now, unsigned warn_days, char *reason, size_t size) {
        uint64_t days = cert_days_left(not_after, now);
        char date[32];

        format_date(date, sizeof(date), not_after);
        if (not_after <= now) {
                snprintf(reason, size, "certificate expired on %s", date);
                return PROBE_SEVERITY_CRITICAL;
        }
        if (days <= warn_days) {
                snprintf(reason, size, "certificate expires in %llu day%s (%s)", (unsigned long long) days,
                         days == 1 ? "" : "s", date);
                return PROBE_SEVERITY_WARNING;
        }
        snprintf(reason, size, "certificate valid until %s", date);
        return PROBE_SEVERITY_NONE;
}

void cert_add_value(Probe *p, usec_t not_after) {
        (void) probe_add_value(p, "cert_expiry_timestamp_seconds",
                               "When the peer's certificate expires (notAfter), in seconds since the epoch.", NULL,
                               NULL, (double) (not_after / USEC_PER_SEC));
}
