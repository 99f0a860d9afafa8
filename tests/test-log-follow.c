/* test-log-follow.c: a log file followed like tail -F, on a real sd-event loop.
 *
 * Started at the end (what was there is not counted, a half-written last
 * line neither); lines appended are handed over once; a burst of 100,000
 * lines is read in many bounded passes, never one (the longest pass is
 * printed, not asserted: timings belong in benchmarks); a rename and a new
 * file (logrotate's create) loses none of the old file's last lines; a
 * copytruncate starts again at 0; a 10 MB line without a newline is cut
 * and counted as overlong, and the line after it is read; a missing file
 * is an error that says so, and is picked up once it appears.
 *
 * See also: probes/log-follow.c, probes/log-file.c, e2e/postfix-log-file.sh.
 */
#include <fcntl.h>
#include <sys/param.h>

#include "probes/log-follow.h"
#include "tests/test-net.h"

#define LINE(id, rcpt) "Dec  2 03:07:37 mx postfix/lmtp[792]: " id ": to=<" rcpt ">, relay=x, dsn=2.0.0, status=sent (250 ok)\n"

static unsigned n_lines, n_caught_up;
static char last_msg[256];

static void on_line(const SyslogLine *l, void *userdata) {
        n_lines++;
        snprintf(last_msg, sizeof(last_msg), "%.*s", (int) MIN(l->msg_len, 200), l->msg);
}

static void on_done(LogFollow *f, void *userdata) {
        n_caught_up++;
}

/* Catch up and run the loop until done is called. */
static void catch_up(sd_event *e, LogFollow *f) {
        unsigned before = n_caught_up;

        log_follow_catch_up(f, on_done, NULL);
        while (n_caught_up == before)
                if (sd_event_run(e, 5 * USEC_PER_SEC) < 0)
                        abort();
}

static void append(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text))
                abort();
        close(fd);
}

static void test_follow(sd_event *e) {
        const char *path = net_path("mail.log");
        LogFollow *f = NULL;
        const LogFollowStats *st;

        append(path, LINE("0A1B2C3D4E", "old@x") "Dec  2 03:07:37 mx postfix/lmtp[1]: half a li");
        CHECK_INT(log_follow_new(e, path, postfix_log_ident, on_line, NULL, &f), 0);
        catch_up(e, f);
        CHECK_INT(n_lines, 0); /* started at the end, mid-line */
        append(path, "ne\n" LINE("0A1B2C3D4F", "a@x") "Dec  2 03:07:37 mx dovecot[1]: not postfix\n");
        catch_up(e, f);
        CHECK_INT(n_lines, 1);
        CHECK(strstr(last_msg, "to=<a@x>"));

        /* A burst, read in bounded passes. */
        FILE *out = fopen(path, "ae");
        for (unsigned i = 0; i < 100000; i++)
                fprintf(out, LINE("0A1B2C3D4F", "burst%u@x"), i);
        fclose(out);
        st = log_follow_stats(f);
        uint64_t slices = st->slices, read = st->read;
        catch_up(e, f);
        CHECK_INT(n_lines, 100001);
        CHECK(st->read - read > 100000 * 80);
        CHECK(st->slices - slices >= (st->read - read) / LOG_FOLLOW_SLICE_BYTES);
        printf("100,000 lines in %llu passes, the longest %.2f ms (CPU %.2f ms)\n",
               (unsigned long long) (st->slices - slices), (double) st->max_slice / USEC_PER_MSEC,
               (double) st->max_slice_cpu / USEC_PER_MSEC);

        /* logrotate's create: renamed, the last line written to the old file
         * after the rename, and a new file. */
        CHECK(rename(path, net_path("mail.log.1")) == 0);
        append(net_path("mail.log.1"), LINE("0A1B2C3D50", "last-in-old@x"));
        append(path, LINE("0A1B2C3D51", "first-in-new@x"));
        catch_up(e, f);
        CHECK_INT(n_lines, 100003);
        CHECK(strstr(last_msg, "first-in-new@x"));
        CHECK_INT(st->rotations, 1);

        /* copytruncate: the same file, shorter than where we were. */
        CHECK(truncate(path, 0) == 0);
        append(path, LINE("0A1B2C3D52", "t@x"));
        catch_up(e, f);
        CHECK_INT(n_lines, 100004);
        CHECK_INT(st->rotations, 2);

        /* 10 MB without a newline, then a newline and one more line. */
        char *big = malloc(1024 * 1024 + 1);
        memset(big, 'x', 1024 * 1024);
        big[1024 * 1024] = '\0';
        append(path, "Dec  2 03:07:37 mx postfix/smtpd[1]: ");
        for (int i = 0; i < 10; i++)
                append(path, big);
        free(big);
        catch_up(e, f);
        CHECK_INT(n_lines, 100004); /* no newline yet: nothing handed over */
        append(path, "\n" LINE("0A1B2C3D53", "after@x"));
        catch_up(e, f);
        CHECK_INT(n_lines, 100006); /* the long line, cut, and the next one */
        CHECK(strstr(last_msg, "after@x"));
        CHECK_INT(st->overlong, 1);
        CHECK_INT(st->error, 0);
        log_follow_free(f);
}

static void test_missing(sd_event *e) {
        const char *path = net_path("later.log");
        LogFollow *f = NULL;
        const LogFollowStats *st;

        n_lines = 0;
        CHECK_INT(log_follow_new(e, path, postfix_log_ident, on_line, NULL, &f), 0);
        st = log_follow_stats(f);
        catch_up(e, f);
        CHECK_INT(st->error, -ENOENT);
        CHECK(strstr(st->error_text, "cannot open") && strstr(st->error_text, "No such file"));
        append(path, LINE("0A1B2C3D54", "new@x"));
        catch_up(e, f); /* a run opens it at once: a file that appears is read from its start */
        CHECK_INT(st->error, 0);
        CHECK_INT(n_lines, 1);
        log_follow_free(f);
}

int main(void) {
        sd_event *e = NULL;

        net_setup();
        if (sd_event_new(&e) < 0)
                abort();
        test_follow(e);
        test_missing(e);
        sd_event_unref(e);
        net_cleanup();
        return tests_summary("test-log-follow");
}
