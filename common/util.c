/* util.c: time, duration parsing and string helpers (see util.h). */
#include "common/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sys/stat.h>

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

const char *format_age(char *buf, size_t size, usec_t d) {
        uint64_t s = d / USEC_PER_SEC;

        if (s < 120)
                snprintf(buf, size, "%" PRIu64 "s", s);
        else if (s < 120 * 60)
                snprintf(buf, size, "%" PRIu64 "min", s / 60);
        else if (s < 48 * 3600)
                snprintf(buf, size, "%" PRIu64 "h", s / 3600);
        else
                snprintf(buf, size, "%" PRIu64 "d", s / 86400);
        return buf;
}

void strbuf_add(char *buf, size_t size, const char *sep, const char *fmt, ...) {
        size_t len = strlen(buf), k = strlen(sep);
        va_list ap;

        if (len > 0 && buf[len - 1] != ' ' && len + k < size) {
                memcpy(buf + len, sep, k + 1);
                len += k;
        }
        va_start(ap, fmt);
        vsnprintf(buf + len, size - len, fmt, ap);
        va_end(ap);
}

size_t utf8_char_len(const char *str, size_t left) {
        const unsigned char *s = (const unsigned char *) str;
        size_t n;
        uint32_t c;

        if (left == 0)
                return 0;
        if (s[0] < 0x80)
                return 1;
        if (s[0] < 0xc2 || s[0] > 0xf4)
                return 0;
        n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
        if (n > left)
                return 0;
        c = s[0] & (0xff >> (n + 1));
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        return n;
}

bool utf8_valid(const char *s, size_t len) {
        for (size_t i = 0, n; i < len; i += n) {
                n = utf8_char_len(s + i, len - i);
                if (n == 0)
                        return false;
        }
        return true;
}

/* C0, DEL, and C1 (U+0080..U+009F, which some terminals obey as escapes). */
static bool is_control(const unsigned char *s, size_t n) {
        return (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

size_t text_clean(char *dst, size_t size, const char *src, size_t len, TextMode mode) {
        size_t j = 0;

        if (size == 0)
                return 0;
        for (size_t i = 0, n; i < len; i += n) {
                const unsigned char *s = (const unsigned char *) src + i;
                const char *from = src + i;
                char esc[8];
                size_t m;

                n = m = utf8_char_len(src + i, len - i);
                if (n == 0 || (mode == TEXT_ANY && s[0] == 0)) {
                        snprintf(esc, sizeof(esc), "\\x%02x", s[0]);
                        from = esc, n = 1, m = 4;
                } else if (mode != TEXT_ANY && is_control(s, n) &&
                           !(mode == TEXT_LINES && (s[0] == '\n' || s[0] == '\t')))
                        from = "?", m = 1;
                if (j + m + 1 > size)
                        break; /* cut at a character or escape, never inside one */
                memcpy(dst + j, from, m);
                j += m;
        }
        dst[j] = '\0';
        return j;
}

const char *utf8_checked(const char *s, char *buf, size_t size) {
        size_t len = strlen(s);

        if (utf8_valid(s, len))
                return s;
        (void) text_clean(buf, size, s, len, TEXT_ANY);
        return buf;
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

DIR *opendir_at(int dfd, const char *name, int flags) {
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | flags);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d) {
                int e = errno;

                close(fd);
                errno = e;
        }
        return d;
}

int write_file_atomic_at(int dfd, const char *name, const char *data, size_t len, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (asprintf(&tmp, "%s.tmp", name) < 0)
                return -ENOMEM;
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < len;) {
                ssize_t n = write(fd, data + done, len - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        errno = n == 0 ? EIO : errno;
                        goto fail;
                }
                done += (size_t) n;
        }
        /* the umask must not make it unreadable to its reader (node_exporter's user) */
        if (fchmod(fd, mode) < 0 || fsync(fd) < 0 || renameat(dfd, tmp, dfd, name) < 0)
                goto fail;
        return fsync(dfd) < 0 ? -errno : 0;
fail:
        r = -errno; /* before unlinkat() may change it */
        (void) unlinkat(dfd, tmp, 0);
        return r;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode) {
        _cleanup_free_ char *dir = xstrdup(path), *base = xstrdup(path);
        _cleanup_close_ int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd < 0)
                return -errno;
        return write_file_atomic_at(dfd, basename(base), data, len, mode);
}
