/* test-polkit-rule.c: the polkit rule's unit list, and the installed-rule
 * comparison --check-config relies on.
 *
 * The rule must name each unit of a restart check once, and never the unit
 * of an alert or none check (it would let mailsupd restart what its
 * configuration says to leave alone). polkit_rule_installed() must see any
 * change of that list. polkitd itself judges the rule in polkit-rule.sh.
 */
#include <sys/stat.h>

#include "supervisor/polkit-rule.h"
#include "tests/tests.h"

static const char conf[] =
        "[supervisor]\n"
        "[check postfix]\ntype = smtp\nunit = postfix.service\n"
        "[check submission]\ntype = tcp\nport = 587\nunit = postfix.service\n"
        "[check dovecot]\ntype = imap\nunit = dovecot.service\naction = restart\n"
        "[check redis]\ntype = redis\nunit = redis-server.service\naction = alert\n"
        "[check unbound]\ntype = dns\nquery = localhost\nunit = unbound.service\naction = none\n"
        "[check disk]\ntype = system\nmetric = disk\n";

static Config *load(const char *text) {
        ConfigErrors e = {};
        Config *c = NULL;

        CHECK_INT(config_load_string(text, "t.conf", &c, &e), 0);
        config_errors_print(&e, stderr);
        config_errors_clear(&e);
        return c;
}

static size_t count(const char *hay, const char *needle) {
        size_t n = 0;

        for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
                n++;
        return n;
}

static void test_units(void) {
        _cleanup_(config_freep) Config *c = load(conf);
        _cleanup_free_ char *rule = polkit_rule_text(c, "mailsup");

        CHECK_INT(count(rule, "\"postfix.service\""), 1);
        CHECK_INT(count(rule, "\"dovecot.service\""), 1);
        CHECK_INT(count(rule, "redis-server.service"), 0);
        CHECK_INT(count(rule, "unbound.service"), 0);
        CHECK(strstr(rule, "subject.user != \"mailsup\"") != NULL);
        CHECK(strstr(rule, "(verb == \"restart\" || verb == \"kill\") && units.indexOf(unit) >= 0") != NULL);
        CHECK(strstr(rule, "if (verb == \"kill\" && at > 0") != NULL);
        CHECK(strstr(rule, "return polkit.Result.NO;\n});\n") != NULL);
}

static void test_no_restart_check(void) {
        _cleanup_(config_freep) Config *c = load("[check disk]\ntype = system\nmetric = disk\n");
        _cleanup_free_ char *rule = polkit_rule_text(c, "mailsup");

        CHECK(strstr(rule, "var units = [];\n") != NULL);
}

static void test_installed(void) {
        _cleanup_(config_freep) Config *c = load(conf);
        _cleanup_(config_freep) Config *more = NULL;
        _cleanup_free_ char *more_text = NULL;
        char dir[] = "/tmp/test-polkit-rule.XXXXXX", path[64];
        struct stat st;
        mode_t old = umask(077);

        CHECK(mkdtemp(dir) != NULL);
        snprintf(path, sizeof(path), "%s/60-mailsup.rules", dir);
        CHECK_INT(polkit_rule_installed(c, "mailsup", path), -ENOENT);
        CHECK_INT(polkit_rule_write(c, "mailsup", path), 0);
        CHECK_INT(stat(path, &st), 0);
        CHECK_INT(st.st_mode & 07777, 0644); /* polkitd reads it as its own user */
        CHECK_INT(polkit_rule_installed(c, "mailsup", path), 1);
        CHECK(asprintf(&more_text, "%s[check spam]\ntype = http\nurl = http://127.0.0.1:11334/ping\n"
                       "unit = rspamd.service\n", conf) > 0);
        more = load(more_text);
        CHECK_INT(polkit_rule_installed(more, "mailsup", path), 0);
        CHECK_INT(polkit_rule_installed(c, "other", path), 0);
        CHECK_INT(polkit_rule_write(c, "mailsup", "/nonexistent/dir/60-mailsup.rules"), -ENOENT);
        umask(old);
        unlink(path);
        rmdir(dir);
}

int main(void) {
        test_units();
        test_no_restart_check();
        test_installed();
        return tests_summary("test-polkit-rule");
}
