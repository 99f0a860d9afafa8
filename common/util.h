/* util.h: small helpers shared by every module of mailsup.
 *
 * Cleanup attributes in the style of systemd's CODING_STYLE, time in
 * microseconds (usec_t, the unit sd-event uses), and the duration and size
 * parsers the configuration is written in ("500ms", "30s", "2min", "1h").
 *
 * See also: supervisor/config.h (where durations come from).
 */
#pragma once

#include <dirent.h>
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

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

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

/* How long ago, for a person: whole seconds under 2 minutes, then whole
 * minutes under 2 hours, hours under 2 days, then days, rounded down
 * ("45s", "17min", "2h", "3d"): a second more or less never changes the
 * words, as an exact "7201s" would. */
const char *format_age(char *buf, size_t size, usec_t d);

/* Appends formatted text to the string in buf, after sep unless buf is
 * empty or ends with a blank ("in 10min: "); a full buffer cuts it short.
 * For reasons made of parts: "3 bounced, 41 sent", "a; b". */
void strbuf_add(char *buf, size_t size, const char *sep, const char *fmt, ...) _printf_(4, 5);

/* Text that leaves mailsupd (D-Bus, JSON, the journal, the state file, a
 * terminal) must be valid UTF-8, yet much of it comes from peers: a reason
 * in Latin-1, a cut multi-byte sequence. text_clean() is the one place
 * that makes bytes into such text. Copies len bytes of src into dst[size]:
 * every byte that is not part of a valid UTF-8 character (overlong forms,
 * surrogates, beyond U+10FFFF, cut sequences) becomes "\xNN"; control
 * characters (C0, DEL, C1) become '?' (TEXT_LINE), or all but line feed
 * and tab do (TEXT_LINES), or are kept (TEXT_ANY; a NUL becomes "\x00").
 * The copy ends at a whole character or escape, never inside one, and is
 * NUL-terminated; cleaning it again changes nothing. dst and src must not
 * overlap. Returns the length written. */
typedef enum TextMode {
        TEXT_LINE,              /* one line: a reason, a log field */
        TEXT_LINES,             /* a message body: keeps \n and \t */
        TEXT_ANY,               /* only what UTF-8 forbids */
} TextMode;
size_t text_clean(char *dst, size_t size, const char *src, size_t len, TextMode mode);

/* The length of the valid UTF-8 character at s (at most left bytes): 1 for
 * ASCII, 0 for an invalid, overlong or cut sequence. */
size_t utf8_char_len(const char *s, size_t left);
/* Whether s[len] is all valid UTF-8 (NUL bytes included). */
bool utf8_valid(const char *s, size_t len);
/* Where text leaves: s when it is valid UTF-8, else its text_clean(TEXT_ANY)
 * copy in buf[size]. */
const char *utf8_checked(const char *s, char *buf, size_t size);
/* utf8_checked() with a buffer of its own that lives to the end of the block. */
#define TEXT_OUT(s) utf8_checked((s), (char[1024]) {}, 1024)

/* One line from a peer, for a reason or a log message: text_clean(TEXT_LINE). */
static inline void sanitize_line(char *dst, size_t max, const char *src, size_t len) {
        (void) text_clean(dst, max, src, len, TEXT_LINE);
}
/* A message body (an ntfy message, lines kept): text_clean(TEXT_LINES). */
static inline void utf8_sanitize(char *dst, size_t size, const char *src) {
        (void) text_clean(dst, size, src, strlen(src), TEXT_LINES);
}

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
/* The same for name in the directory dfd (one opened with its trust checked). */
/* A directory stream of name, relative to dfd, opened O_RDONLY|O_DIRECTORY|
 * O_CLOEXEC and the extra flags (O_NOFOLLOW, O_NONBLOCK). NULL and errno
 * when it cannot be opened. */
DIR *opendir_at(int dfd, const char *name, int flags);

int write_file_atomic_at(int dfd, const char *name, const char *data, size_t len, mode_t mode);
