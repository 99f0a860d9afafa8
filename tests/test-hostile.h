/* test-hostile.h: peers that attack memory and time, and the meters for it.
 *
 * A library adapter (hiredis, c-ares, libcurl) must cost bounded memory and
 * give its result by the probe's deadline whatever a peer announces or
 * trickles. hostile_stream_peer() sends a head, then a chunk again and
 * again (flat out or paced) up to a byte cap, or until the probe hangs up,
 * then holds the connection or closes it.
 * hostile_expect() runs one probe as net_expect() does and meters the test
 * process itself, where the probe runs: its peak RSS growth during the run
 * (VmHWM, reset through /proc/self/clear_refs, against VmRSS before) and
 * the time until the result came. Both are printed and checked against the
 * case's bounds: a user sees them as mailsupd's memory and a stalled loop.
 *
 * See also: test-net.h, test-redis-net.c, test-dns-net.c, test-http-net.c.
 */
#pragma once

#include <time.h>

#include "tests/test-net.h"

typedef struct HostileStream {
        const void *head;
        size_t head_len;
        const void *chunk;      /* sent after head, again and again */
        size_t chunk_len;
        unsigned gap_ms;        /* pause between chunks; 0: flat out */
        size_t max_bytes;       /* stop sending chunks past this many bytes, then hold */
        bool close;             /* then read the request once and close, instead of holding */
} HostileStream;

static inline void hostile_sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        (void) nanosleep(&ts, NULL);
}

static inline bool hostile_write_all(int fd, const void *buf, size_t len) {
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n <= 0)
                        return false; /* the probe hung up: expected */
                p += n;
                len -= (size_t) n;
        }
        return true;
}

/* Accepts one connection on a free loopback port and plays s on it. */
static inline pid_t hostile_stream_peer(const HostileStream *s, uint16_t *ret_port) {
        int lfd = net_listen(ret_port);
        pid_t pid = fork();

        if (pid < 0)
                abort();
        if (pid == 0) {
                size_t sent = 0;
                char buf[4096];
                int fd;

                alarm(60);
                setpgid(0, 0);
                fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0 || !hostile_write_all(fd, s->head, s->head_len))
                        _exit(0);
                while (s->chunk_len > 0 && (s->max_bytes == 0 || sent < s->max_bytes)) {
                        if (!hostile_write_all(fd, s->chunk, s->chunk_len))
                                _exit(0);
                        sent += s->chunk_len;
                        if (s->gap_ms > 0)
                                hostile_sleep_ms(s->gap_ms);
                }
                if (s->close) /* after the request, so no unread byte turns the FIN into a reset */
                        (void) !read(fd, buf, sizeof(buf));
                while (!s->close && read(fd, buf, 1) > 0)
                        ;
                _exit(0);
        }
        close(lfd);
        return pid;
}

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"), -1 if absent. */
static inline long hostile_status_kb(const char *field) {
        char line[256];
        size_t flen = strlen(field);
        long kb = -1;
        FILE *f = fopen("/proc/self/status", "re");

        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
                        kb = strtol(line + flen + 1, NULL, 10);
                        break;
                }
        if (f)
                fclose(f);
        return kb;
}

/* "5" resets VmHWM to the current RSS (Linux 4.0+). */
static inline bool hostile_reset_peak(void) {
        int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
        bool ok = fd >= 0 && write(fd, "5", 1) == 1;

        if (fd >= 0)
                close(fd);
        return ok;
}

static inline double hostile_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* net_expect(), and the run's peak RSS growth below max_kb and its result
 * within max_seconds. */
static inline void hostile_expect(const char *name, const char *body, ProbeStatus status, const char *words,
                                  long max_kb, double max_seconds) {
        long before = hostile_status_kb("VmRSS"), growth;
        double t0, seconds;

        CHECK(hostile_reset_peak());
        t0 = hostile_now();
        net_expect(name, body, status, words);
        seconds = hostile_now() - t0;
        growth = hostile_status_kb("VmHWM") - before;
        printf("%-36s peak RSS %+ld kB (bound %ld kB), result after %.2fs (bound %.1fs)\n", "", growth, max_kb,
               seconds, max_seconds);
        CHECK(before > 0 && growth < max_kb);
        CHECK(seconds < max_seconds);
}
