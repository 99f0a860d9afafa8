/* test-file.c: the file probe on temp files and directories.
 *
 * A file within and above max_size, written recently and long ago (mtime
 * set with utimensat), missing with missing = ok and = fail, a directory
 * whose newest entry is old or new (its own mtime old too), an unreadable
 * path, size units and bad keys through the real config parser.
 *
 * See also: probes/file.c, test-net.h.
 */
#include <sys/stat.h>

#include "common/options.h"
#include "tests/test-net.h"

static void age(const char *path, time_t seconds) {
        struct timespec ts[2] = { { .tv_sec = time(NULL) - seconds }, { .tv_sec = time(NULL) - seconds } };

        if (utimensat(AT_FDCWD, path, ts, 0) < 0)
                abort();
}

static void test_size_parse(void) {
        uint64_t v;
        char *e = NULL;

        CHECK_INT(option_parse_size("max_size", "50MB", &v, &e), 0);
        CHECK_INT(v, 50ULL << 20);
        CHECK_INT(option_parse_size("max_size", "512k", &v, &e), 0);
        CHECK_INT(v, 512ULL << 10);
        CHECK_INT(option_parse_size("max_size", "2GiB", &v, &e), 0);
        CHECK_INT(v, 2ULL << 30);
        CHECK_INT(option_parse_size("max_size", "100", &v, &e), 0);
        CHECK_INT(v, 100);
        CHECK_INT(option_parse_size("max_size", "7b", &v, &e), 0);
        CHECK_INT(v, 7);
        CHECK_INT(option_parse_size("max_size", "1.5G", &v, &e), -EINVAL);
        CHECK_STREQ(e, "invalid value '1.5G' for max_size: expected a size such as 50MB");
        free(e);
        e = NULL;
        CHECK_INT(option_parse_size("max_size", "-1", &v, &e), -EINVAL);
        free(e);
        e = NULL;
        CHECK_INT(option_parse_size("max_size", "99999999999T", &v, &e), -EINVAL);
        free(e);
}

static void config_error(const char *body, const char *words) {
        char text[512];
        Config *c = NULL;
        ConfigErrors errors = {};

        snprintf(text, sizeof(text), "[check f]\ntype = file\n%s", body);
        CHECK(config_load_string(text, "t.conf", &c, &errors) < 0);
        CHECK(errors.n == 1 && strstr(errors.lines[0], words));
        if (errors.n > 0)
                printf("config error: %s\n", errors.lines[0]);
        config_errors_clear(&errors);
}

int main(void) {
        char big[3000];

        test_size_parse();
        net_setup();
        memset(big, 'x', sizeof(big));
        net_write("bcc", "%.*s", (int) sizeof(big), big);
        net_expect("file within", net_conf("type = file\npath = %s\nmax_size = 4k\nmax_age = 1h\n", net_path("bcc")),
                   PROBE_OK, "bcc is 3000B, last written 0s ago");
        net_expect("file above max_size", net_conf("type = file\npath = %s\nmax_size = 2k\n", net_path("bcc")),
                   PROBE_THRESHOLD, "bcc is 3000B, above max_size 2048B");
        age(net_path("bcc"), 7200);
        net_expect("file stale", net_conf("type = file\npath = %s\nmax_age = 1h\n", net_path("bcc")),
                   PROBE_THRESHOLD, "bcc last written 2h ago, longer than max_age 1h");
        net_write("big", "%s", "");
        if (truncate(net_path("big"), 60LL << 20) < 0) /* sparse: 60MB apparent size */
                abort();
        net_expect("file 60MB", net_conf("type = file\npath = %s\nmax_size = 50MB\n", net_path("big")),
                   PROBE_THRESHOLD, "big is 60.0MB, above max_size 50.0MB");
        net_expect("file missing", net_conf("type = file\npath = %s\n", net_path("nope")), PROBE_BAD_REPLY,
                   "nope does not exist");
        net_expect("file missing ok", net_conf("type = file\npath = %s\nmissing = ok\n", net_path("nope")),
                   PROBE_OK, "nope does not exist (missing = ok)");
        /* A spool directory: the newest entry decides, old or new. */
        mkdir(net_path("spool"), 0755);
        net_write("spool/a", "1");
        net_write("spool/b", "22");
        age(net_path("spool/a"), 7200);
        age(net_path("spool/b"), 3 * 3600);
        age(net_path("spool"), 7200);
        net_expect("file dir stale", net_conf("type = file\npath = %s\nmax_age = 1h\n", net_path("spool")),
                   PROBE_THRESHOLD, "spool (2 entries) last written 2h ago, longer than max_age 1h");
        age(net_path("spool/b"), 10);
        net_expect("file dir moving", net_conf("type = file\npath = %s\nmax_age = 1h\nmax_size = 1k\n",
                   net_path("spool")), PROBE_OK, "spool (2 entries) is 3B, last written 10s ago");
        mkdir(net_path("closed"), 0);
        if (geteuid() != 0) /* root reads anything */
                net_expect("file unreadable", net_conf("type = file\npath = %s/x\n", net_path("closed")),
                           PROBE_INTERNAL_ERROR, "cannot read");
        config_error("", "missing required key 'path' in [check f]");
        config_error("path = relative\n", "invalid path 'relative': must be absolute");
        config_error("path = /x\nmax_size = lots\n", "invalid value 'lots' for max_size");
        config_error("path = /x\nmax_age = 0\n", "invalid value '0' for max_age");
        config_error("path = /x\nmissing = maybe\n", "expected ok or fail");
        config_error("path = /x\nmax_files = 3\n", "unknown key 'max_files'");
        net_cleanup();
        return tests_summary("test-file");
}
