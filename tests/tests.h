/* tests.h: the tiny assertion kit of mailsup's C unit tests.
 *
 * Each test program runs its cases, prints one line per failed assertion
 * with file and line, and exits non-zero when any failed. meson test runs
 * them all (tests/meson.build).
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tests_failed, tests_run;

#define CHECK(expr)                                                                      \
        do {                                                                             \
                tests_run++;                                                             \
                if (!(expr)) {                                                           \
                        tests_failed++;                                                  \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
                }                                                                        \
        } while (0)

#define CHECK_STREQ(a, b)                                                                \
        do {                                                                             \
                const char *_a = (a), *_b = (b);                                         \
                tests_run++;                                                             \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                 \
                        tests_failed++;                                                  \
                        fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, \
                                _b ? _b : "(null)", _a ? _a : "(null)");                 \
                }                                                                        \
        } while (0)

#define CHECK_INT(a, b)                                                                  \
        do {                                                                             \
                long long _a = (long long) (a), _b = (long long) (b);                    \
                tests_run++;                                                             \
                if (_a != _b) {                                                          \
                        tests_failed++;                                                  \
                        fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, \
                                #a, _b, _a);                                             \
                }                                                                        \
        } while (0)

static inline int tests_summary(const char *name) {
        printf("%s: %u checks, %u failed\n", name, tests_run, tests_failed);
        return tests_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
