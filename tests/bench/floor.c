/* floor.c: the least CPU an SMTP check can cost, for the benchmark's "floor".
 *
 * The benchmark compares mailsupd with monit; this says how close either is
 * to the limit. A minimal client, one epoll loop, no configuration, no
 * policy, no bus: it holds a conversation with each of the given ports at
 * once (connect, read the 220 greeting, EHLO, read the 250 reply, QUIT,
 * close), then starts the next round at once, for SECONDS. It prints one
 * JSON line: conversations completed and its own CPU time (getrusage, user
 * and system), so CPU per exchange is what the kernel and one loop need.
 * Replies are only checked for their first digit; a conversation that
 * fails or stalls for 5 s counts as failed. Built by run.sh with cc -O2.
 *
 * Usage: floor SECONDS PORT...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { GREETING, EHLO_REPLY, QUIT_REPLY };

typedef struct Conv {
        int fd, step;
        unsigned short port;
        size_t len;
        char buf[512];
} Conv;

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int conv_open(int ep, Conv *c) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(c->port) };

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c->step = GREETING;
        c->len = 0;
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                return -errno;
        if (connect(c->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
                return -errno;
        return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &(struct epoll_event) { .events = EPOLLIN, .data.ptr = c });
}

static void conv_close(int ep, Conv *c) {
        (void) epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
}

/* Read what came; returns 1 when the conversation ended well, -1 badly, 0 for more. */
static int conv_input(Conv *c) {
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
        char *line, *end;

        if (n < 0 && errno == EAGAIN)
                return 0;
        if (n <= 0 || c->len + (size_t) n >= sizeof(c->buf) - 1)
                return -1;
        c->len += (size_t) n;
        c->buf[c->len] = '\0';
        /* the last complete line decides: "250 " ends a multi-line reply */
        for (line = c->buf; (end = strstr(line, "\r\n")); line = end + 2) {
                if (end - line < 4 || line[3] == '-')
                        continue;
                if (c->step == GREETING && line[0] == '2') {
                        c->step = EHLO_REPLY;
                        (void) send(c->fd, "EHLO floor.bench.invalid\r\n", 26, MSG_NOSIGNAL);
                } else if (c->step == EHLO_REPLY && line[0] == '2') {
                        c->step = QUIT_REPLY;
                        (void) send(c->fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
                        return 1; /* like a probe: judged once EHLO is answered */
                } else
                        return -1;
        }
        memmove(c->buf, line, c->len - (size_t) (line - c->buf));
        c->len -= (size_t) (line - c->buf);
        return 0;
}

int main(int argc, char **argv) {
        struct epoll_event ev[256];
        unsigned long done = 0, failed = 0, rounds = 0;
        double seconds, start, round_start;
        struct rusage ru;
        size_t n, open_convs;
        Conv *convs;
        int ep;

        if (argc < 3) {
                fprintf(stderr, "usage: floor SECONDS PORT...\n");
                return 2;
        }
        seconds = atof(argv[1]);
        n = (size_t) argc - 2;
        convs = calloc(n, sizeof(Conv));
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (!convs || ep < 0)
                return 1;
        for (size_t i = 0; i < n; i++)
                convs[i].port = (unsigned short) atoi(argv[i + 2]);
        start = now();
        while (now() - start < seconds) {
                round_start = now();
                open_convs = 0;
                for (size_t i = 0; i < n; i++)
                        if (conv_open(ep, &convs[i]) < 0) {
                                failed++;
                                if (convs[i].fd >= 0)
                                        close(convs[i].fd);
                                convs[i].fd = -1;
                        } else
                                open_convs++;
                while (open_convs > 0 && now() - round_start < 5.0) {
                        int k = epoll_wait(ep, ev, 256, 1000);

                        for (int i = 0; i < k; i++) {
                                Conv *c = ev[i].data.ptr;
                                int r = conv_input(c);

                                if (r == 0)
                                        continue;
                                r > 0 ? done++ : failed++;
                                conv_close(ep, c);
                                open_convs--;
                        }
                }
                for (size_t i = 0; i < n; i++)
                        if (convs[i].fd >= 0) {
                                conv_close(ep, &convs[i]);
                                failed++;
                        }
                rounds++;
        }
        getrusage(RUSAGE_SELF, &ru);
        printf("{\"kind\":\"floor\",\"n\":%zu,\"seconds\":%.3f,\"rounds\":%lu,\"done\":%lu,\"failed\":%lu,"
               "\"cpu_s\":%.6f,\"maxrss_kb\":%ld}\n",
               n, now() - start, rounds, done, failed,
               (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
                       (double) ru.ru_stime.tv_usec / 1e6,
               ru.ru_maxrss);
        return 0;
}
