/* test-postfix-queue.c: the postfix_queue probe on a real Postfix queue.
 *
 * A private Postfix instance in a temp dir (net_postfix_start(): its own
 * main.cf, master.cf, queue and data directories, smtpd on a free loopback
 * port, its master killed by the alarm too) relays to a dead 127.0.0.1
 * port, so injected mail gets deferred for real. Checked:
 * counts per queue, the oldest deferred message's age from its 'T' record
 * (while the file's mtime, Postfix's next retry, lies in the future),
 * max_deferred, max_deferred_age, max_growth across two cycles of one
 * config, hold (postsuper -h ALL) and max_total, queue_directory found
 * through postconf -c, and config errors. Postfix is stopped at the end.
 * Also the record parser on a recorded queue file head and hostile bytes.
 *
 * See also: probes/postfix-queue.c, test-queue-walk.c (100,000 files).
 */
#include "probes/postfix-queue-parse.h"
#include "tests/test-net.h"

/* The first 108 bytes of a deferred file written by Postfix 3.7.11: a 'C'
 * (size) record of 95 bytes, then 'T' "1795530582 194419". */
static const uint8_t recorded_head[] = {
        0x43, 0x5f, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x32, 0x37,
        0x39, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x32, 0x34,
        0x34, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x31, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x30, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x32, 0x37,
        0x39, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x30, 0x54, 0x11, 0x31, 0x37, 0x39, 0x35, 0x35, 0x33, 0x30, 0x35, 0x38, 0x32, 0x20, 0x31, 0x39,
        0x34, 0x34, 0x31, 0x39, 0x41, 0x16, 0x63, 0x72,
};

static char conf_dir[300];

static void test_parser(void) {
        usec_t t = 0;

        CHECK_INT(postfix_queue_arrival(recorded_head, sizeof(recorded_head), &t), 1);
        CHECK_INT(t, 1795530582ULL * USEC_PER_SEC + 194419);
        CHECK_INT(postfix_queue_arrival(recorded_head, 100, &t), 0);    /* cut inside the 'T' record */
        CHECK_INT(postfix_queue_arrival(recorded_head, 60, &t), 0);     /* cut inside the 'C' record */
        CHECK_INT(postfix_queue_arrival("", 0, &t), 0);
        CHECK_INT(postfix_queue_arrival("T\x0a" "1700000000", 12, &t), 1); /* seconds only */
        CHECK_INT(t, 1700000000ULL * USEC_PER_SEC);
        /* A two-byte length: 0x82 0x01 = 130. */
        {
                uint8_t buf[140] = { 'X', 0x82, 0x01 };
                memcpy(buf + 133, "T\x04" "1234", 6);
                CHECK_INT(postfix_queue_arrival(buf, sizeof(buf) - 1, &t), 1);
                CHECK_INT(t, 1234 * USEC_PER_SEC);
        }
        CHECK_INT(postfix_queue_arrival("\0\0\0\0", 4, &t), -EBADMSG);         /* not records */
        CHECK_INT(postfix_queue_arrival("T\x05" "12x34", 7, &t), -EBADMSG);    /* not a time */
        CHECK_INT(postfix_queue_arrival("T\x00", 2, &t), -EBADMSG);            /* empty time */
        CHECK_INT(postfix_queue_arrival("T\x09" "1 2345678", 11, &t), -EBADMSG); /* usec too long */
        CHECK_INT(postfix_queue_arrival("C\xff\xff\xff\xff\x01", 6, &t), -EBADMSG); /* absurd length */
        CHECK_INT(postfix_queue_arrival("C\x7f" "abc", 5, &t), 0);            /* runs past the head */
}

/* Relays to a dead port, so injected mail gets deferred. */
static pid_t start_postfix(void) {
        uint16_t smtp_port = net_free_port(), dead_port = net_free_port();
        char services[64];

        snprintf(conf_dir, sizeof(conf_dir), "%s/conf", net_dir);
        snprintf(services, sizeof(services), "127.0.0.1:%u inet n - n - - smtpd\n", smtp_port);
        return net_postfix_start(NULL, services,
                                 net_conf("myhostname = mailsup-test.localdomain\nrelayhost = [127.0.0.1]:%u\n",
                                          dead_port),
                                 &smtp_port, 1);
}

static void inject(unsigned n) {
        for (unsigned i = 0; i < n; i++)
                net_sh("printf 'Subject: test %u\\n\\nhello\\n' | /usr/sbin/sendmail -C %s -f a@b.example c@d.example",
                   i, conf_dir);
}

/* Runs the probe until its reason has the words (Postfix moves mail on its own time). */
static bool wait_for(const char *body, const char *words) {
        ProbeResult r = {};

        for (int i = 0; i < 200; i++) {
                if (net_probe(body, &r) && strstr(r.reason, words))
                        return true;
                usleep(100000);
        }
        fprintf(stderr, "waited in vain for \"%s\", last: \"%s\"\n", words, r.reason);
        return false;
}

/* The mtime of a deferred file is its next retry, in the future; its 'T'
 * record says when it arrived. */
static void check_real_files(time_t before, time_t after) {
        char cmd[400], path[512];
        unsigned n = 0;
        FILE *f;

        snprintf(cmd, sizeof(cmd), "find %s/spool/deferred -type f", net_dir);
        f = popen(cmd, "re");
        while (f && fgets(path, sizeof(path), f)) {
                uint8_t head[POSTFIX_QUEUE_HEAD_MAX];
                struct stat st;
                usec_t t = 0;
                ssize_t len;
                int fd;

                path[strcspn(path, "\n")] = '\0';
                fd = open(path, O_RDONLY | O_CLOEXEC);
                len = fd >= 0 ? read(fd, head, sizeof(head)) : -1;
                CHECK(fd >= 0 && fstat(fd, &st) == 0 && len > 0);
                CHECK(st.st_mtime > after); /* the retry time */
                CHECK_INT(postfix_queue_arrival(head, (size_t) len, &t), 1);
                CHECK((time_t) (t / USEC_PER_SEC) >= before && (time_t) (t / USEC_PER_SEC) <= after);
                if (fd >= 0)
                        close(fd);
                n++;
        }
        if (f)
                pclose(f);
        CHECK_INT(n, 3);
}

/* The sizes the probe measured, per queue, for the metrics exporter: they
 * add up to the total its reason names, and the deferred one matches it. */
static void check_queue_values(const ProbeResult *r, double total) {
        static const char *const queues[] = { "maildrop", "incoming", "active", "deferred", "hold", "corrupt" };
        double sum = 0, v = -1, deferred = -1;
        const char *in_reason = strstr(r->reason, "deferred ");

        for (size_t i = 0; i < ELEMENTSOF(queues); i++) {
                CHECK_INT(probe_result_value(r, "postfix_queue_messages", queues[i], &v), 0);
                sum += v;
        }
        CHECK(sum == total);
        CHECK_INT(probe_result_value(r, "postfix_queue_messages", "deferred", &deferred), 0);
        if (in_reason)
                CHECK(deferred == strtod(in_reason + 9, NULL));
}

static void run_loaded(Config *config, ProbeResult *ret) {
        sd_event *e = NULL;
        NetRun run = {};
        Probe *p;

        CHECK(sd_event_new(&e) >= 0);
        CHECK(probe_start(e, &config->checks[0].probe, net_on_done, &run, &p) >= 0);
        while (!run.done)
                if (sd_event_run(e, UINT64_MAX) < 0)
                        abort();
        sd_event_unref(e);
        *ret = run.result;
        printf("%-36s %s/%s \"%s\"\n", "postfix_queue cycle", probe_status_to_string(ret->status),
               probe_severity_to_string(ret->severity), ret->reason);
}

/* max_growth compares with the previous cycle of the same loaded config. */
static void test_growth(void) {
        Config *config = NULL;
        ConfigErrors errors = {};
        ProbeResult r;
        char text[NET_CONF_MAX];

        snprintf(text, sizeof(text), "[supervisor]\ninterval = 1min\ntimeout = 5s\n[check q]\n"
                 "type = postfix_queue\nqueue_directory = %s/spool\nmax_growth = 1\n", net_dir);
        CHECK(config_load_string(text, "t.conf", &config, &errors) >= 0);
        if (!config)
                return;
        run_loaded(config, &r);
        CHECK(r.status == PROBE_OK && strstr(r.reason, "total 3 "));
        check_queue_values(&r, 3);
        run_loaded(config, &r); /* no growth */
        CHECK(r.status == PROBE_OK);
        inject(2);
        CHECK(wait_for(net_conf("type = postfix_queue\nqueue_directory = %s/spool\n", net_dir), "deferred 2, hold 3"));
        run_loaded(config, &r);
        CHECK(r.status == PROBE_THRESHOLD && r.severity == PROBE_SEVERITY_WARNING);
        CHECK(strstr(r.reason, "total grew by 2 to 5 in one cycle, above max_growth 1"));
        check_queue_values(&r, 5); /* a threshold result carries its figures too */
        run_loaded(config, &r); /* steady again */
        CHECK(r.status == PROBE_OK && strstr(r.reason, "total 5 "));
        config_free(config);
}

static void config_error(const char *body, const char *words) {
        net_config_error("[check q]\ntype = postfix_queue\n", body, words);
}

static void test_config(void) {
        char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

        config_error("queue_directory = spool\n", "invalid path 'spool' for queue_directory: must be absolute");
        config_error("queue_directory = /q\nmax_deferred = lots\n", "invalid value 'lots' for max_deferred");
        config_error("queue_directory = /q\nmax_total = -1\n", "invalid value '-1' for max_total");
        config_error("queue_directory = /q\nmax_deferred_age = 0\n", "invalid value '0' for max_deferred_age");
        config_error("queue_directory = /q\nmax_queue = 3\n", "unknown key 'max_queue'");
        config_error("config_directory = /nonexistent/postfix\n", "'postconf -c /nonexistent/postfix -h "
                     "queue_directory' failed: no absolute path in its output in [check q]");
        setenv("PATH", "/nonexistent", 1);
        config_error("", "t.conf:1: missing required key 'queue_directory' (postconf, which would give "
                     "Postfix's default, is not installed) in [check q]");
        if (path)
                setenv("PATH", path, 1);
        free(path);
}

int main(void) {
        const char *q;
        time_t before, after;

        test_parser();
        test_config();
        net_require(NET_POSTFIX);
        net_setup();
        CHECK(start_postfix() > 0);
        q = net_conf("type = postfix_queue\nqueue_directory = %s/spool\n", net_dir);
        net_expect("postfix_queue empty", q, PROBE_OK, "total 0 (maildrop 0, incoming 0, active 0, deferred 0, "
                   "hold 0, corrupt 0)");
        before = time(NULL);
        inject(3);
        after = time(NULL);
        CHECK(wait_for(net_conf("type = postfix_queue\nqueue_directory = %s/spool\n", net_dir),
                       "total 3 (maildrop 0, incoming 0, active 0, deferred 3, hold 0, corrupt 0), oldest deferred"));
        check_real_files(before, after);
        net_expect("postfix_queue deferred", net_conf("type = postfix_queue\nqueue_directory = %s/spool\n"
                   "max_deferred = 3\nmax_deferred_age = 1h\n", net_dir), PROBE_OK, "deferred 3, hold 0, corrupt 0), "
                   "oldest deferred ");
        net_expect("postfix_queue via postconf -c", net_conf("type = postfix_queue\nconfig_directory = %s\n",
                   conf_dir), PROBE_OK, "total 3 (");
        net_expect("postfix_queue max_deferred", net_conf("type = postfix_queue\nqueue_directory = %s/spool\n"
                   "max_deferred = 2\n", net_dir), PROBE_THRESHOLD, "deferred 3 above max_deferred 2");
        {
                ProbeResult r = {};
                CHECK(net_probe(net_conf("type = postfix_queue\nqueue_directory = %s/spool\nmax_deferred = 2\n",
                                         net_dir), &r) && r.severity == PROBE_SEVERITY_CRITICAL);
        }
        sleep(2);
        net_expect("postfix_queue max_deferred_age", net_conf("type = postfix_queue\nqueue_directory = %s/spool\n"
                   "max_deferred_age = 1s\n", net_dir), PROBE_THRESHOLD, "oldest deferred message arrived ");
        net_expect("postfix_queue age and count", net_conf("type = postfix_queue\nqueue_directory = %s/spool\n"
                   "max_deferred_age = 1s\nmax_deferred = 1\n", net_dir), PROBE_THRESHOLD,
                   "deferred 3 above max_deferred 1; oldest deferred message arrived ");
        net_sh("/usr/sbin/postsuper -c %s -h ALL 2>/dev/null", conf_dir);
        CHECK(wait_for(q, "deferred 0, hold 3, corrupt 0)"));
        net_expect("postfix_queue held", q, PROBE_OK, "total 3 (maildrop 0, incoming 0, active 0, deferred 0, "
                   "hold 3, corrupt 0)");
        net_expect("postfix_queue max_total", net_conf("type = postfix_queue\nqueue_directory = %s/spool\n"
                   "max_total = 2\n", net_dir), PROBE_THRESHOLD, "total 3 above max_total 2");
        test_growth();
        net_expect("postfix_queue no such dir", net_conf("type = postfix_queue\nqueue_directory = %s/nope\n",
                   net_dir), PROBE_INTERNAL_ERROR, "nope/maildrop: No such file or directory");
        net_postfix_stop();
        net_cleanup();
        return tests_summary("test-postfix-queue");
}
