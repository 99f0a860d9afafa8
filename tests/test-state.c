/* test-state.c: the state file survives a round trip, and a corrupt one is
 * set aside with a reason instead of stopping the daemon: every corrupt file,
 * with its own bytes, where the reason says it went. */
#include <dirent.h>
#include <sys/stat.h>

#include "supervisor/state.h"
#include "tests/tests.h"

static unsigned count_prefix(const char *dir, const char *prefix) {
        DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d)))
                if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
                        n++;
        closedir(d);
        return n;
}

static void write_text(const char *dir, const char *text) {
        char path[700];
        FILE *f;

        snprintf(path, sizeof(path), "%s/state", dir);
        f = fopen(path, "we");
        CHECK(f != NULL);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void test_round_trip(const char *dir) {
        StateEntry in[2] = { { .name = (char *) "postfix" }, { .name = (char *) "dovecot" } };
        StateFile out;
        char *problem = NULL;
        const StateEntry *e;

        policy_state_init(&in[0].record.policy);
        policy_state_init(&in[1].record.policy);
        in[0].record.policy.cycle = 123456789012ULL;
        for (unsigned i = 0; i < POLICY_MAX_RESTARTS; i++)
                in[0].record.policy.restarts[in[0].record.policy.n_restarts++] = 123456789000ULL + i;
        in[0].record.policy.seen_n_restarts = 7;
        in[0].record.policy.disabled = true;
        in[0].record.has_result = true;
        in[0].record.ok = false;
        snprintf(in[0].record.reason, sizeof(in[0].record.reason),
                 "greeting 421 4.3.2 busy ; try later # \x01 \n next");
        in[0].record.latency = 1500;
        in[0].record.consecutive_failures = 4;

        CHECK_INT(state_write(dir, in, 2), 0);
        CHECK_INT(state_read(dir, &out, &problem), 0);
        CHECK(problem == NULL);
        CHECK_INT(out.n, 2);
        e = state_file_find(&out, "postfix");
        CHECK(e != NULL);
        if (e) {
                CHECK_INT(e->record.policy.cycle, 123456789012ULL);
                CHECK_INT(e->record.policy.n_restarts, POLICY_MAX_RESTARTS);
                CHECK_INT(e->record.policy.restarts[31], 123456789031ULL);
                CHECK_INT(e->record.policy.seen_n_restarts, 7);
                CHECK(e->record.policy.disabled);
                CHECK(e->record.has_result && !e->record.ok);
                CHECK_STREQ(e->record.reason, "greeting 421 4.3.2 busy , try later , ? ? next");
                CHECK_INT(e->record.latency, 1500);
                CHECK_INT(e->record.consecutive_failures, 4);
                CHECK(!e->record.policy.restart_pending && !e->record.policy.in_grace);
        }
        e = state_file_find(&out, "dovecot");
        CHECK(e != NULL && !e->record.has_result && !e->record.policy.disabled &&
              e->record.policy.seen_n_restarts == N_RESTARTS_UNKNOWN);
        state_file_done(&out);
        CHECK_INT(count_prefix(dir, ".state.tmp"), 0);
}

/* The reason names where the corrupt file went ("...; moved to PATH"), and
 * PATH holds exactly its bytes. */
static void check_set_aside(const char *problem, const char *content) {
        const char *p = problem ? strstr(problem, "; moved to ") : NULL;
        char buf[256];
        size_t n;
        FILE *f;

        CHECK(p != NULL);
        if (!p)
                return;
        p += strlen("; moved to ");
        f = fopen(p, "re"); /* a failed rename adds " failed": no such file */
        CHECK(f != NULL);
        if (!f)
                return;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        CHECK_STREQ(buf, content);
}

static void test_corrupt(const char *dir) {
        static const char *const bad[] = {
                "garbage without section\n",
                "[mailsupd]\nversion = 1\n[check x]\ncycle = -3\n",
                "[mailsupd]\nversion = 1\n[check x]\ndisabled = maybe\n",
                "[mailsupd]\nversion = 99\n",
                "[check x]\ncycle = 1\n",          /* no version: not ours */
                "[mailsupd]\nversion = 1\n[check x]\nfrobnicate = 1\n",
                "",
        };
        StateFile out;
        char *problem;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                write_text(dir, bad[i]);
                CHECK_INT(state_read(dir, &out, &problem), -EBADMSG);
                CHECK_INT(out.n, 0);
                check_set_aside(problem, bad[i]);
                free(problem);
                /* gone from where mailsupd reads it */
                CHECK_INT(state_read(dir, &out, &problem), -ENOENT);
        }
        CHECK(count_prefix(dir, "state.corrupt-") >= 1);
}

/* A reason saved by an older mailsupd with a peer's raw bytes is repaired
 * on load (shown as "\xNN", counted), and a reason cut to its bound is cut
 * at a character; what is written back is UTF-8. */
static void test_repair(const char *dir) {
        char text[512], long_reason[STATE_REASON_MAX + 8];
        StateFile out;
        char *problem = NULL;
        const StateEntry *e;

        memset(long_reason, 'a', STATE_REASON_MAX - 2);
        strcpy(long_reason + STATE_REASON_MAX - 2, "\xc3\xa9"); /* the bound falls inside the last char */
        snprintf(text, sizeof(text), "[mailsupd]\nversion = 1\n[check latin1]\nresult = failed\n"
                 "reason = greeting 554 r\xe9" "essayez \xc3\n[check long]\nresult = failed\nreason = %s\n"
                 "[check fine]\nresult = failed\nreason = caf\xc3\xa9\n", long_reason);
        write_text(dir, text);
        CHECK_INT(state_read(dir, &out, &problem), 0);
        CHECK(problem == NULL);
        CHECK_INT(out.repaired, 1);
        e = state_file_find(&out, "latin1");
        CHECK(e && streq(e->record.reason, "greeting 554 r\\xe9" "essayez \\xc3"));
        e = state_file_find(&out, "long");
        CHECK(e && strlen(e->record.reason) == STATE_REASON_MAX - 2 && e->record.reason[0] == 'a');
        e = state_file_find(&out, "fine");
        CHECK(e && streq(e->record.reason, "caf\xc3\xa9"));

        /* written back, the file reads clean */
        CHECK_INT(state_write(dir, out.entries, out.n), 0);
        state_file_done(&out);
        CHECK_INT(state_read(dir, &out, &problem), 0);
        CHECK_INT(out.repaired, 0);
        e = state_file_find(&out, "latin1");
        CHECK(e && streq(e->record.reason, "greeting 554 r\\xe9" "essayez \\xc3"));
        state_file_done(&out);
}

static void expect_refused(const char *dir, int r, const char *why) {
        char got[1024] = "";
        int fd = state_directory_open(dir, got, sizeof(got));

        CHECK_INT(fd, r);
        CHECK_STREQ(got, why);
        if (fd >= 0)
                close(fd);
}

/* The state file is never written or read through a link, and only in a
 * directory that is mailsupd's own. */
static void test_links_and_owner(const char *top) {
        char dir[600], target[600], link[700], why[1400], text[64] = "";
        StateEntry in[1] = { { .name = (char *) "postfix" } };
        StateFile out;
        char *problem = NULL;
        FILE *f;

        snprintf(dir, sizeof(dir), "%s/own", top);
        snprintf(target, sizeof(target), "%s/precious", top);
        policy_state_init(&in[0].record.policy);
        CHECK_INT(state_write(dir, in, 1), 0);
        f = fopen(target, "we");
        CHECK(f && fputs("precious\n", f) >= 0 && fclose(f) == 0);

        /* DIR/state a link: not read; replaced by the next write, its target untouched. */
        snprintf(link, sizeof(link), "%s/state", dir);
        CHECK(unlink(link) == 0 && symlink(target, link) == 0);
        CHECK_INT(state_read(dir, &out, &problem), -ELOOP);
        free(problem);
        problem = NULL;
        CHECK_INT(state_write(dir, in, 1), 0);
        /* DIR/.state.tmp a link: the write fails rather than follow it. */
        snprintf(link, sizeof(link), "%s/.state.tmp", dir);
        CHECK(symlink(target, link) == 0);
        CHECK_INT(state_write(dir, in, 1), -ELOOP);
        CHECK(unlink(link) == 0);
        f = fopen(target, "re");
        CHECK(f && fgets(text, sizeof(text), f));
        if (f)
                fclose(f);
        CHECK_STREQ(text, "precious\n");

        /* The directory: a link, another owner, writable by others, under a directory anyone may write. */
        snprintf(link, sizeof(link), "%s/via-link", top);
        CHECK(symlink(dir, link) == 0);
        snprintf(why, sizeof(why), "%s is a symbolic link: not followed", link);
        expect_refused(link, -ELOOP, why);
        CHECK_INT(state_read(link, &out, &problem), -ELOOP);
        CHECK_STREQ(problem, why);
        free(problem);
        problem = NULL;
        CHECK(chmod(dir, 0770) == 0);
        snprintf(why, sizeof(why), "%s is writable by its group (mode 0770)", dir);
        expect_refused(dir, -EPERM, why);
        CHECK(chmod(dir, 0707) == 0);
        snprintf(why, sizeof(why), "%s is writable by everyone (mode 0707)", dir);
        expect_refused(dir, -EPERM, why);
        CHECK_INT(state_write(dir, in, 1), -EPERM);
        CHECK(chmod(dir, 0700) == 0 && chown(dir, 65534, 65534) == 0);
        snprintf(why, sizeof(why), "%s is owned by uid 65534, not by mailsupd's user (uid 0)", dir);
        expect_refused(dir, -EPERM, why);
        CHECK(chown(dir, 0, 0) == 0 && chmod(top, 0777) == 0);
        snprintf(why, sizeof(why), "%s is writable by everyone (mode 0777)", top);
        expect_refused(dir, -EPERM, why);
        CHECK(chmod(top, 0700) == 0);
        expect_refused(dir, 3, "");
}

/* What makes the saver write at a cycle's end: what a restarted mailsupd
 * would decide differently on, never a new latency alone. */
static void test_record_changed(void) {
        CheckRecord a = { .has_result = true, .ok = true, .reason = "greeting 220", .latency = 900,
                          .policy = { .cycle = 40, .seen_n_restarts = N_RESTARTS_UNKNOWN } }, b = a;

        b.latency = 1200;
        b.policy.cycle = 41;
        CHECK(!state_record_changed(&a, &b, 5)); /* healthy, no restart: nothing to save */
        a.policy.restarts[a.policy.n_restarts++] = 30;
        b.policy = a.policy;
        b.policy.cycle = 41;
        CHECK(!state_record_changed(&a, &b, 5)); /* the restart left the window long ago */
        a.policy.restarts[a.policy.n_restarts - 1] = 38;
        b.policy.restarts[b.policy.n_restarts - 1] = 38;
        CHECK(state_record_changed(&a, &b, 5));  /* it counts: the window moves */
        b = a;
        CHECK(!state_record_changed(&a, &b, 5));
        b.policy.restarts[b.policy.n_restarts++] = 40;
        CHECK(state_record_changed(&a, &b, 5));
        b = a, b.policy.streak = 1;
        CHECK(state_record_changed(&a, &b, 5));
        b = a, b.policy.disabled = true;
        CHECK(state_record_changed(&a, &b, 5));
        b = a, b.ok = false;
        CHECK(state_record_changed(&a, &b, 5));
        b = a, b.consecutive_failures = 1;
        CHECK(state_record_changed(&a, &b, 5));
        b = a, snprintf(b.reason, sizeof(b.reason), "greeting 421");
        CHECK(state_record_changed(&a, &b, 5));
        b = a, b.policy.seen_n_restarts = 2;
        CHECK(state_record_changed(&a, &b, 5));
}

int main(void) {
        char dir[] = "/tmp/test-state-XXXXXX";
        StateFile out;
        char *problem;

        CHECK(mkdtemp(dir) != NULL);
        char sub[600];
        snprintf(sub, sizeof(sub), "%s/lib", dir); /* state_write creates it */
        CHECK_INT(state_read(sub, &out, &problem), -ENOENT);
        test_round_trip(sub);
        test_record_changed();
        test_corrupt(sub);
        test_repair(sub);
        if (geteuid() == 0) /* chown */
                test_links_and_owner(dir);
        else
                printf("test_links_and_owner skipped: needs root\n");

        char cmd[700];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
        return tests_summary("test-state");
}
