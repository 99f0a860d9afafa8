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

int main(void) {
        char dir[] = "/tmp/test-state-XXXXXX";
        StateFile out;
        char *problem;

        CHECK(mkdtemp(dir) != NULL);
        char sub[600];
        snprintf(sub, sizeof(sub), "%s/lib", dir); /* state_write creates it */
        CHECK_INT(state_read(sub, &out, &problem), -ENOENT);
        test_round_trip(sub);
        test_corrupt(sub);

        char cmd[700];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK_INT(system(cmd), 0);
        return tests_summary("test-state");
}
