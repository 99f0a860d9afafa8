/* http-parse.c: expect_status values (see http-parse.h). */
#include "probes/http-parse.h"

#include <ctype.h>
#include <errno.h>

/* Exactly three digits, 100..599; advances *p past them. */
static int parse_code(const char **p, uint16_t *ret) {
        const char *s = *p;
        unsigned v = 0;

        for (int i = 0; i < 3; i++) {
                if (!isdigit((unsigned char) s[i]))
                        return -EINVAL;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        if (isdigit((unsigned char) s[3]) || v < 100 || v > 599)
                return -EINVAL;
        *ret = (uint16_t) v;
        *p = s + 3;
        return 0;
}

static void skip_blanks(const char **p) {
        while (**p == ' ' || **p == '\t')
                (*p)++;
}

int http_status_set_parse(const char *s, HttpStatusSet *ret) {
        HttpStatusSet set = {};
        uint16_t lo, hi;

        for (;;) {
                skip_blanks(&s);
                if (parse_code(&s, &lo) < 0)
                        return -EINVAL;
                hi = lo;
                skip_blanks(&s);
                if (*s == '-') {
                        s++;
                        skip_blanks(&s);
                        if (parse_code(&s, &hi) < 0 || hi < lo)
                                return -EINVAL;
                        skip_blanks(&s);
                }
                if (set.n == HTTP_STATUS_RANGES_MAX)
                        return -E2BIG;
                set.range[set.n].lo = lo;
                set.range[set.n].hi = hi;
                set.n++;
                if (*s == '\0')
                        break;
                if (*s++ != ',')
                        return -EINVAL;
        }
        *ret = set;
        return 0;
}

bool http_status_set_contains(const HttpStatusSet *set, long code) {
        for (size_t i = 0; i < set->n; i++)
                if (code >= set->range[i].lo && code <= set->range[i].hi)
                        return true;
        return false;
}
