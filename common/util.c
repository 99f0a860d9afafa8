/* util.c: time, duration parsing and string helpers (see util.h). */
#include "common/util.h"

#include <ctype.h>
#include <inttypes.h>

usec_t now_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                abort(); /* cannot fail for the clocks we use */
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static const struct {
        const char *suffix;
        usec_t usec;
} duration_units[] = {
        { "us", 1 },
        { "ms", USEC_PER_MSEC },
        { "s", USEC_PER_SEC },
        { "sec", USEC_PER_SEC },
        { "m", USEC_PER_MINUTE },
        { "min", USEC_PER_MINUTE },
        { "h", USEC_PER_HOUR },
        { "hr", USEC_PER_HOUR },
        { "d", 24 * USEC_PER_HOUR },
};

int parse_duration(const char *s, usec_t *ret) {
        usec_t total = 0;
        bool any = false;

        if (!s)
                return -EINVAL;
        for (;;) {
                while (isspace((unsigned char) *s))
                        s++;
                if (!*s)
                        break;
                if (!isdigit((unsigned char) *s))
                        return -EINVAL;

                char *end;
                errno = 0;
                unsigned long long n = strtoull(s, &end, 10);
                if (errno != 0)
                        return -EINVAL;
                s = end;

                size_t len = 0;
                while (isalpha((unsigned char) s[len]))
                        len++;

                usec_t mult = USEC_PER_SEC; /* a bare number is seconds */
                if (len > 0) {
                        mult = 0;
                        for (size_t i = 0; i < ELEMENTSOF(duration_units); i++)
                                if (strlen(duration_units[i].suffix) == len &&
                                    strncmp(duration_units[i].suffix, s, len) == 0)
                                        mult = duration_units[i].usec;
                        if (mult == 0)
                                return -EINVAL;
                }
                s += len;
                if (n > UINT64_MAX / mult || total > UINT64_MAX - n * mult)
                        return -ERANGE;
                total += n * mult;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

const char *format_duration(char *buf, size_t size, usec_t d) {
        if (d == USEC_INFINITY)
                snprintf(buf, size, "infinity");
        else if (d % USEC_PER_HOUR == 0 && d > 0)
                snprintf(buf, size, "%" PRIu64 "h", d / USEC_PER_HOUR);
        else if (d % USEC_PER_MINUTE == 0 && d > 0)
                snprintf(buf, size, "%" PRIu64 "min", d / USEC_PER_MINUTE);
        else if (d % USEC_PER_SEC == 0)
                snprintf(buf, size, "%" PRIu64 "s", d / USEC_PER_SEC);
        else if (d % USEC_PER_MSEC == 0)
                snprintf(buf, size, "%" PRIu64 "ms", d / USEC_PER_MSEC);
        else
                snprintf(buf, size, "%" PRIu64 "us", d);
        return buf;
}

void sanitize_line(char *dst, size_t max, const char *src, size_t len) {
        size_t j = 0;

        if (max == 0)
                return;
        for (size_t i = 0; i < len && j + 1 < max; i++) {
                unsigned char c = (unsigned char) src[i];
                dst[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
        }
        dst[j] = '\0';
}

char *xstrdup(const char *s) {
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                abort();
        return d;
}

void strv_add(char ***v, size_t *n, const char *s) {
        char **nv = reallocarray(*v, *n + 1, sizeof(char *));

        if (!nv)
                abort();
        nv[(*n)++] = xstrdup(s);
        *v = nv;
}

void strv_copy(char ***dst, size_t *n, char *const *src, size_t m) {
        for (size_t i = 0; i < m; i++)
                strv_add(dst, n, src[i]);
}

void strv_free(char ***v, size_t *n) {
        for (size_t i = 0; i < *n; i++)
                free((*v)[i]);
        free(*v);
        *v = NULL;
        *n = 0;
}
