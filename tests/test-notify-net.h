/* test-notify-net.h: helpers for the notification tests against real receivers.
 *
 * On top of test-net.h (temp dir, free ports, spawning real daemons): the
 * path of a script in tests/ (notify-receiver.py), a channel built from
 * config text through the real channel_config_parse_key()/verify(), running
 * the loop until a condition holds, reading the receiver's record file, and
 * counting the items an outbox directory holds.
 *
 * See also: test-notify-webhook.c, test-notify-alertmanager.c, notify-receiver.py.
 */
#pragma once

#include <libgen.h>
#include <limits.h>

#include "notify/notifier.h"
#include "tests/test-net.h"

/* How many items the outbox directory net_dir/dir holds (hidden ones not). */
static inline unsigned notify_outbox_files(const char *dir) {
        _cleanup_closedir_ DIR *d = opendir(net_path(dir));
        struct dirent *de;
        unsigned n = 0;

        while (d && (de = readdir(d)))
                n += de->d_name[0] != '.';
        return n;
}

/* tests/NAME, found from the test binary (BUILD/tests/x) or from the source path. */
static inline const char *notify_script(const char *name) {
        static char path[PATH_MAX];
        char exe[PATH_MAX] = "", src[PATH_MAX];
        ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        snprintf(src, sizeof(src), "%s", __FILE__);
        snprintf(path, sizeof(path), "%s/%s", dirname(src), name);
        if (access(path, R_OK) == 0)
                return path;
        if (l > 0) {
                exe[l] = '\0';
                snprintf(src, sizeof(src), "%s/../%s", dirname(exe), __FILE__);
                snprintf(path, sizeof(path), "%s/%s", dirname(src), name);
        }
        return path;
}

static inline pid_t notify_receiver(uint16_t port, const char *record, const char *status) {
        char p[8], *argv[] = { "/usr/bin/python3", (char *) notify_script("notify-receiver.py"), p,
                               (char *) net_path(record), (char *) status, NULL };
        pid_t pid;

        snprintf(p, sizeof(p), "%u", port);
        pid = net_spawn("receiver.log", argv);
        return net_wait_port(port, "receiver.log") ? pid : -1;
}

/* "key = value" lines into a verified ChannelConfig; returns as verify(),
 * with *error (malloc'd) on error. */
static inline int notify_channel_parse(ChannelConfig *c, const char *name, const char *text, char **error) {
        _cleanup_free_ char *copy = xstrdup(text);
        char *save = NULL;
        int r = 0;

        channel_config_init(c, name);
        for (char *l = strtok_r(copy, "\n", &save); l && r >= 0; l = strtok_r(NULL, "\n", &save)) {
                char *eq = strstr(l, " = ");
                if (!eq)
                        abort();
                *eq = '\0';
                r = channel_config_parse_key(c, l, eq + 3, error);
        }
        return r >= 0 ? channel_config_verify(c, error) : r;
}

/* The same; false (printed) on error. */
static inline bool notify_channel(ChannelConfig *c, const char *name, const char *text) {
        _cleanup_free_ char *error = NULL;
        int r = notify_channel_parse(c, name, text, &error);

        if (r < 0)
                fprintf(stderr, "channel %s: %s (%d)\n", name, error ? error : "unknown key", r);
        return r >= 0;
}

/* The error of such lines as a channel, or "ok" (a static buffer). */
static inline const char *notify_channel_error(const char *text) {
        static char msg[512];
        _cleanup_free_ char *error = NULL;
        ChannelConfig c;
        int r = notify_channel_parse(&c, "t", text, &error);

        snprintf(msg, sizeof(msg), "%s", r >= 0 ? "ok" : error ? error : "unknown key");
        channel_config_done(&c);
        return msg;
}

/* Runs the loop until pred(ud) or timeout; returns pred's last answer. */
static inline bool notify_run(sd_event *e, bool (*pred)(void *), void *ud, usec_t timeout) {
        usec_t end = now_usec(CLOCK_MONOTONIC) + timeout;

        while (!(pred && pred(ud)) && now_usec(CLOCK_MONOTONIC) < end)
                if (sd_event_run(e, 50 * USEC_PER_MSEC) < 0)
                        abort();
        return pred && pred(ud);
}

/* The record file's text (static buffer, bounded). */
static inline const char *notify_record(const char *name) {
        static char buf[256 * 1024];
        FILE *f = fopen(net_path(name), "re");
        size_t l = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

        if (f)
                fclose(f);
        buf[l] = '\0';
        return buf;
}

static inline unsigned notify_count(const char *haystack, const char *needle) {
        unsigned n = 0;

        for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}
