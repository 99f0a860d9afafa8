/* http-parse.h: the pure parts of the http probe: expect_status values.
 *
 * "200", "200-299", "200,204,301-302": a small set of ranges, parsed once at
 * config time and matched against every response's status code.
 *
 * See also: http.c, tests/test-probe-parsers.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_STATUS_RANGES_MAX 16

typedef struct HttpStatusSet {
        size_t n;
        struct {
                uint16_t lo, hi;
        } range[HTTP_STATUS_RANGES_MAX];
} HttpStatusSet;

/* 0, or -EINVAL for anything but comma-separated codes or ranges of
 * 100..599 (blanks around items allowed), -E2BIG beyond the maximum. */
int http_status_set_parse(const char *s, HttpStatusSet *ret);
bool http_status_set_contains(const HttpStatusSet *set, long code);
