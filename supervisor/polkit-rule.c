/* polkit-rule.c: write the polkit rule for mailsupd's configuration.
 *
 * A watchdog that may restart any unit on the host is exactly the program
 * that should hold the least power. The rule lets the mailsup user ask
 * systemd for org.freedesktop.systemd1.manage-units with verb "restart"
 * (RestartUnit) or "kill" (KillUnit: the drill's SIGSTOP and SIGCONT) on the
 * units of the checks with action = restart, and "kill" alone on the
 * instances of such a unit's template (postfix@-.service for postfix.service:
 * on Debian the process runs in an instance that is PartOf= the unit the
 * admin restarts, and the drill freezes the parts too; they are restarted
 * through the named unit, never by themselves), and answers NO to every other
 * manage-units request of that user (start, stop, reset-failed, another
 * unit), so no later rule or default can widen it. It is ES5 (polkitd 122's
 * duktape): var, indexOf, no arrow functions.
 *
 * See also: polkit-rule.h, tests/pkg/polkit-rule.sh (a real polkitd judges it).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "supervisor/polkit-rule.h"

/* Unit names are validated by the config parser; anything outside their
 * character set is escaped all the same, so the rule is always valid JS. */
static void put_js_string(FILE *f, const char *s) {
        fputc('"', f);
        for (; *s; s++) {
                unsigned char ch = (unsigned char) *s;

                if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    strchr(":_.@-", ch))
                        fputc(ch, f);
                else
                        fprintf(f, "\\u%04x", ch);
        }
        fputc('"', f);
}

static bool listed_before(const Config *c, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (c->checks[j].action == CHECK_ACTION_RESTART && streq_ptr(c->checks[j].unit, c->checks[i].unit))
                        return true;
        return false;
}

static void put_rule(FILE *f, const Config *c, const char *user) {
        size_t n = 0;

        fprintf(f, "// 60-mailsup.rules: written by `mailsupd --write-polkit-rule` from\n"
                   "// %s.\n"
                   "// Do not edit: after changing the configuration run\n"
                   "// `systemctl reload mailsupd`, which writes it again.\n"
                   "//\n"
                   "// The user %s may restart, and for `mailsupctl drill` signal (KillUnit),\n"
                   "// exactly the units of the checks with action = restart, and signal\n"
                   "// the instances NAME@X.service of such a NAME.service (its parts on\n"
                   "// Debian, e.g. postfix@-.service). Every other request of that user to\n"
                   "// manage units is refused.\n",
                c->path ? c->path : "the embedded default configuration", user);
        fputs("polkit.addRule(function(action, subject) {\n"
              "        if (action.id != \"org.freedesktop.systemd1.manage-units\" || subject.user != ", f);
        put_js_string(f, user);
        fputs(")\n"
              "                return polkit.Result.NOT_HANDLED;\n"
              "        var units = [", f);
        for (size_t i = 0; i < c->n_checks; i++) {
                if (c->checks[i].action != CHECK_ACTION_RESTART || !c->checks[i].unit || listed_before(c, i))
                        continue;
                fputs(n++ ? ",\n                " : "\n                ", f);
                put_js_string(f, c->checks[i].unit);
        }
        fputs(n ? "\n        ];\n" : "];\n", f);
        fputs("        var verb = action.lookup(\"verb\"), unit = action.lookup(\"unit\");\n"
              "        if ((verb == \"restart\" || verb == \"kill\") && units.indexOf(unit) >= 0)\n"
              "                return polkit.Result.YES;\n"
              "        // an instance NAME@X.service of a listed NAME.service: kill only (the drill)\n"
              "        var at = unit ? unit.indexOf(\"@\") : -1;\n"
              "        if (verb == \"kill\" && at > 0 && unit.slice(-8) == \".service\" &&\n"
              "            units.indexOf(unit.substring(0, at) + \".service\") >= 0)\n"
              "                return polkit.Result.YES;\n"
              "        return polkit.Result.NO;\n"
              "});\n", f);
}

char *polkit_rule_text(const Config *c, const char *user) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                abort();
        put_rule(f, c, user);
        if (fclose(f) != 0)
                abort();
        return buf;
}

int polkit_rule_write(const Config *c, const char *user, const char *path) {
        _cleanup_free_ char *text = polkit_rule_text(c, user), *tmp = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int fd;

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f)
                return (void) close(fd), (void) unlink(tmp), -errno;
        /* the umask must not make it unreadable for polkitd's own user */
        if (fputs(text, f) < 0 || fflush(f) != 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0 ||
            rename(tmp, path) < 0)
                return (void) unlink(tmp), -errno;
        return 0;
}

int polkit_rule_installed(const Config *c, const char *user, const char *path) {
        _cleanup_free_ char *want = polkit_rule_text(c, user), *have = NULL;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        size_t len;

        if (!f)
                return -errno;
        have = malloc(POLKIT_RULE_MAX);
        if (!have)
                return -ENOMEM;
        len = fread(have, 1, POLKIT_RULE_MAX - 1, f);
        if (ferror(f))
                return -EIO;
        have[len] = '\0';
        return streq(have, want);
}

int polkit_rule_main(const char *config_path, const char *write_path, const char *user) {
        _cleanup_(config_freep) Config *config = NULL;
        ConfigErrors errors = {};
        int r;

        r = config_load(config_path, &config, &errors);
        if (r < 0) {
                config_errors_print(&errors, stderr);
                fprintf(stderr, "mailsupd: configuration invalid%s%s: no polkit rule written\n",
                        errors.n == 0 ? ": " : "", errors.n == 0 ? strerror(-r) : "");
                config_errors_clear(&errors);
                return 1;
        }
        if (!write_path) {
                _cleanup_free_ char *text = polkit_rule_text(config, user);

                fputs(text, stdout);
                return fflush(stdout) == 0 ? 0 : 1;
        }
        r = polkit_rule_write(config, user, write_path);
        if (r == -ENOENT)
                fprintf(stderr, "mailsupd: cannot write %s: its directory does not exist (is polkitd "
                        "installed?)\n", write_path);
        else if (r < 0)
                fprintf(stderr, "mailsupd: cannot write %s: %s\n", write_path, strerror(-r));
        return r < 0 ? 1 : 0;
}
