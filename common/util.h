/* util.h: small helpers shared by every module of mailsup.
 *
 * Cleanup attributes in the style of systemd's CODING_STYLE, time in
 * microseconds (usec_t, the unit sd-event uses), and the duration and size
 * parsers the configuration is written in ("500ms", "30s", "2min", "1h").
 *
 * See also: supervisor/config.h (where durations come from).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef uint64_t usec_t;

#define USEC_INFINITY ((usec_t) UINT64_MAX)
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MSEC ((usec_t) 1000ULL)
#define USEC_PER_MINUTE ((usec_t) (60ULL * USEC_PER_SEC))
#define USEC_PER_HOUR ((usec_t) (60ULL * USEC_PER_MINUTE))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _sentinel_ __attribute__((sentinel))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

/* Take ownership of *p, leaving NULL behind. */
#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) _p_ = (p);        \
                (p) = NULL;                     \
                _p_;                            \
        })

usec_t now_usec(clockid_t clock);

/* "500ms", "30s", "2min", "1h", "1h 30min"; a bare number is seconds.
 * Returns 0, or -EINVAL for anything else (no silent zero). */
int parse_duration(const char *s, usec_t *ret);

/* Writes a short human form of d ("2min", "500ms", "1h 5min") into buf. */
const char *format_duration(char *buf, size_t size, usec_t d);

/* Replace control characters with '?' and cut at max-1 bytes: text from a
 * peer goes into one-line log messages and reasons. */
void sanitize_line(char *dst, size_t max, const char *src, size_t len);

/* The length of the valid UTF-8 character at s (at most left bytes): 1 for
 * ASCII, 0 for an invalid, overlong or cut sequence. */
size_t utf8_char_len(const char *s, size_t left);
/* Copy src to dst[size], each invalid UTF-8 byte as U+FFFD, cut at a whole
 * character: a peer's bytes in text that must be UTF-8. */
void utf8_sanitize(char *dst, size_t size, const char *src);

/* strdup that aborts on out-of-memory, for configuration and state. */
char *xstrdup(const char *s);

/* Lists of strings (*v, *n of them), aborting on out-of-memory like xstrdup(). */
void strv_add(char ***v, size_t *n, const char *s);
void strv_copy(char ***dst, size_t *n, char *const *src, size_t m);
void strv_free(char ***v, size_t *n);

/* Replace path with data atomically: PATH.tmp written, fsync'd, renamed
 * over path, the directory fsync'd. A reader sees the old file or the new
 * one, never half of either. 0 or -errno. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
