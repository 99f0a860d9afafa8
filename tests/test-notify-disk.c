/* test-notify-disk.c: a full disk loses no notification.
 *
 * The outbox lives on a real, small tmpfs mounted in a private mount
 * namespace of this test (unshare), filled to the last byte. The story a
 * user would notice: the disk alert (the real "system" probe's verdict on
 * that filesystem) and the other notifications raised while the disk is
 * full reach a real receiver all the same; those for a channel whose
 * receiver is down are kept in memory; "cannot write outbox: No space left
 * on device" is said once, not per retry; once space returns they are on
 * disk again, and when that receiver comes up each arrives. Nothing lost,
 * nothing dropped, nothing sent twice.
 *
 * See also: notify/outbox.c (outbox_store_pending), notify/notifier.c.
 */
#include <sched.h>
#include <sys/mount.h>

#include "tests/test-notify-net.h"

#define N_ALERTS 4

static uint16_t port_ops, port_late;

static Notifier *notifier(sd_event *e) {
        NotifierOptions o = { .outbox_dir = net_path("disk/outbox"), .host = "mx-test",
                              .retry_min = 100 * USEC_PER_MSEC, .retry_max = 200 * USEC_PER_MSEC };
        const struct {
                const char *name;
                uint16_t port;
        } ch[] = { { "ops", port_ops }, { "late", port_late } };
        Notifier *nf = NULL;

        CHECK(notifier_new(e, &o, &nf) >= 0);
        for (size_t i = 0; i < ELEMENTSOF(ch); i++) {
                char text[256];
                ChannelConfig c;

                snprintf(text, sizeof(text), "type = webhook\nurl = http://127.0.0.1:%u/hook\ntimeout = 2s\n",
                         ch[i].port);
                CHECK(notify_channel(&c, ch[i].name, text));
                CHECK(notifier_add_channel(nf, &c) >= 0);
                channel_config_done(&c);
        }
        return nf;
}

/* Writes until the filesystem says ENOSPC; returns that errno. */
static int fill_disk(void) {
        static char block[4096];
        int fd = open(net_path("disk/filler"), O_WRONLY | O_CREAT | O_CLOEXEC, 0600), r = 0;

        CHECK(fd >= 0);
        memset(block, 'x', sizeof(block));
        while (r == 0) {
                ssize_t l = write(fd, block, sizeof(block));
                r = l < 0 ? errno : 0;
        }
        close(fd);
        return r;
}

/* The real disk probe on the full filesystem: the disk alert. */
static void disk_alert(Notification *n) {
        ProbeResult res;

        CHECK(net_probe(net_conf("type = system\nmetric = disk\npath = %s\n", net_path("disk")), &res));
        printf("disk probe: %s\n", res.reason);
        CHECK_INT(res.status, PROBE_THRESHOLD);
        CHECK_INT(res.severity, PROBE_SEVERITY_CRITICAL);
        CHECK(strstr(res.reason, "100% used"));
        *n = (Notification) { .severity = SEVERITY_CRITICAL, .phase = NOTIFY_FIRING };
        snprintf(n->id, sizeof(n->id), "%032x", 0xd15c0);
        notification_set(n->kind, "threshold-critical");
        notification_set(n->check, "disk");
        notification_set(n->reason, res.reason);
}

static unsigned ids_in(const char *record, unsigned min_each) {
        const char *rec = notify_record(record);
        unsigned ok = 0;

        for (unsigned i = 0; i < N_ALERTS; i++) {
                char id[64];
                snprintf(id, sizeof(id), "\"id\": \"%032x\"", 0xd15c0 + i);
                ok += notify_count(rec, id) >= min_each;
        }
        return ok;
}

static bool ops_has_all(void *ud) {
        return ids_in("ops.jsonl", 1) == N_ALERTS;
}

static bool all_on_disk(void *ud) {
        return notify_outbox_files("disk/outbox") == N_ALERTS;
}

static bool idle(void *ud) {
        return notifier_idle(ud);
}

/* Everything logged while fn runs, from stderr (where log.c writes here). */
static const char *captured(bool start) {
        static char buf[16384];
        static int saved = -1;
        FILE *f;
        size_t l;

        fflush(stderr);
        if (start) {
                int fd = open(net_path("log"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                CHECK(fd >= 0);
                saved = dup(STDERR_FILENO);
                CHECK(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
                close(fd);
                return NULL;
        }
        CHECK(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
        close(saved);
        f = fopen(net_path("log"), "re");
        l = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
                fclose(f);
        buf[l] = '\0';
        fprintf(stderr, "%s", buf);
        return buf;
}

static void test_full_disk(sd_event *e) {
        pid_t ops, late;
        NotifierStats st;
        Notifier *nf;
        Notification n;
        const char *log;

        CHECK(mkdir(net_path("disk/outbox"), 0700) == 0);
        CHECK_INT(fill_disk(), ENOSPC);
        ops = notify_receiver(port_ops, "ops.jsonl", NULL);
        CHECK(ops > 0);

        captured(true);
        nf = notifier(e);
        disk_alert(&n);
        for (unsigned i = 0; i < N_ALERTS; i++) {
                if (i > 0) {
                        n.id[31] = (char) ('0' + i);
                        snprintf(n.reason, sizeof(n.reason), "raised while the disk is full, %u", i);
                }
                CHECK_INT(notifier_submit(nf, &n), 2); /* queued for both channels */
        }
        CHECK_INT(notify_outbox_files("disk/outbox"), 0);
        CHECK(notify_run(e, ops_has_all, NULL, 10 * USEC_PER_SEC));
        notify_run(e, NULL, NULL, 600 * USEC_PER_MSEC); /* several write retries and failed attempts */
        notifier_get_stats(nf, &st);
        printf("disk full: %" PRIu64 " delivered, %zu pending, %zu in memory (%s)\n", st.delivered, st.pending,
               st.unstored, strerror(-st.write_error));
        CHECK_INT(st.delivered, N_ALERTS);
        CHECK_INT(st.pending, N_ALERTS); /* those for "late" */
        CHECK_INT(st.unstored, N_ALERTS);
        CHECK_INT(st.write_error, -ENOSPC);
        CHECK_INT(st.dropped, 0);
        CHECK(strstr(notify_record("ops.jsonl"), "disk") && strstr(notify_record("ops.jsonl"), "100% used"));

        /* Space returns: the items still pending are written. */
        CHECK(unlink(net_path("disk/filler")) == 0);
        CHECK(notify_run(e, all_on_disk, NULL, 5 * USEC_PER_SEC));
        notifier_get_stats(nf, &st);
        CHECK_INT(st.unstored, 0);
        CHECK_INT(st.write_error, 0);
        log = captured(false);
        CHECK_INT(notify_count(log, "cannot write outbox: No space left on device"), 1);
        CHECK_INT(notify_count(log, "is written again: 4 notifications kept in memory now on disk"), 1);
        CHECK(!strstr(log, "outbox full"));

        /* What is on disk survives this Notifier; the receiver comes up for a new one. */
        nf = notifier_free(nf);
        late = notify_receiver(port_late, "late.jsonl", NULL);
        CHECK(late > 0);
        nf = notifier(e);
        CHECK(notify_run(e, idle, nf, 10 * USEC_PER_SEC));
        CHECK_INT(ids_in("late.jsonl", 1), N_ALERTS);
        CHECK_INT(notify_count(notify_record("late.jsonl"), "\"method\""), N_ALERTS);
        CHECK_INT(notify_count(notify_record("ops.jsonl"), "\"method\""), N_ALERTS);
        CHECK_INT(notify_outbox_files("disk/outbox"), 0);
        printf("space back: %u on disk, then delivered to late; ops got each once\n", N_ALERTS);
        notifier_free(nf);
        net_kill(ops);
        net_kill(late);
}

int main(void) {
        sd_event *e = NULL;

        net_require("/usr/bin/python3");
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                printf("SKIP: cannot make a private mount namespace (%m): needs root\n");
                return 77;
        }
        net_setup();
        CHECK(mkdir(net_path("disk"), 0700) == 0);
        CHECK(mount("mailsup-test", net_path("disk"), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700") == 0);
        port_ops = net_free_port();
        port_late = net_free_port();
        CHECK(sd_event_new(&e) >= 0);
        test_full_disk(e);
        sd_event_unref(e);
        CHECK(umount(net_path("disk")) == 0);
        net_cleanup();
        return tests_summary("test-notify-disk");
}
