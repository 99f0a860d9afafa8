/* grants.c: what the unprivileged mailsupd would lack, said at --check-config.
 *
 * The packaged mailsupd runs as the system user mailsup. What that user may
 * not do shows only when it is needed: a restart refused by polkit at night,
 * a Postfix queue that cannot be counted. So --check-config looks ahead. Run
 * as root where the user mailsup exists, it checks that the polkit rule
 * (polkit-rule.h) is installed and matches this configuration, then forks a
 * child that becomes mailsup (with all its groups) and asks each check's
 * probe type whether it can read what it needs (ProbeType.check_access),
 * and judges whether that user may connect to each check's unix socket
 * (socket-access.h). Run as any other user, it asks as that user. Warnings,
 * not errors: the configuration itself is valid, and the daemon may run as
 * root.
 *
 * See also: polkit-rule.c, probes/postfix-queue.c, man/mailsupd.conf.5.scd.
 */
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/wait.h>

#include "probes/probe.h"
#include "supervisor/grants.h"
#include "supervisor/polkit-rule.h"
#include "supervisor/socket-access.h"

static int report_access(const Config *c, const char *who, FILE *out) {
        char buf[PATH_MAX + 128];
        int n = 0;

        for (size_t i = 0; i < c->n_checks; i++) {
                const CheckConfig *cc = &c->checks[i];

                if (!cc->type->check_access || cc->type->check_access(cc->options, buf, sizeof(buf)) >= 0)
                        continue;
                fprintf(out, "%s: warning: check %s: %s %s (it needs a grant, see mailsupd(8), "
                        "PRIVILEGES)\n", cc->source, cc->name, who, buf);
                n++;
        }
        return n;
}

/* The same, in a child that dropped to pw's uid, gid and groups. */
static int report_access_as(const Config *c, const struct passwd *pw, FILE *out) {
        char who[128];
        int status = 0;
        pid_t pid;

        snprintf(who, sizeof(who), "as user %s (without capabilities the unit may add), mailsupd",
                 pw->pw_name);
        fflush(out);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
                    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
                    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
                        fprintf(out, "mailsupd: cannot become user %s to check its access: %s\n", pw->pw_name,
                                strerror(errno));
                        _exit(255);
                }
                int n = report_access(c, who, out);
                fflush(out);
                _exit(n > 100 ? 100 : n);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) == 255)
                return -EPERM;
        return WEXITSTATUS(status);
}

/* Each check's unix socket, judged for pw (owner, group, mode, pw's groups). */
static int report_sockets(const Config *c, const struct passwd *pw, FILE *out) {
        char buf[2 * PATH_MAX + 256];
        int n = 0;

        for (size_t i = 0; i < c->n_checks; i++) {
                const CheckConfig *cc = &c->checks[i];

                if (!cc->socket || socket_access_check(cc->socket, pw, buf, sizeof(buf)) >= 0)
                        continue;
                fprintf(out, "%s: warning: check %s: %s\n", cc->source, cc->name, buf);
                n++;
        }
        return n;
}

static int report_polkit_rule(const Config *c, FILE *out) {
        int r;

        if (c->bus != BUS_SYSTEM)
                return 0;
        r = polkit_rule_installed(c, POLKIT_RULE_USER, POLKIT_RULE_PATH);
        if (r > 0)
                return 0;
        if (r == 0)
                fprintf(out, "mailsupd: warning: %s is out of date: systemd would refuse user %s restarts of "
                        "units this configuration adds; run 'systemctl reload mailsupd' (or 'mailsupd "
                        "--write-polkit-rule')\n", POLKIT_RULE_PATH, POLKIT_RULE_USER);
        else
                fprintf(out, "mailsupd: warning: cannot read %s (%s): systemd will refuse every restart "
                        "asked by user %s; run 'mailsupd --write-polkit-rule'\n", POLKIT_RULE_PATH,
                        strerror(-r), POLKIT_RULE_USER);
        return 1;
}

int grants_report(const Config *c, FILE *out) {
        const struct passwd *pw;
        char who[128];
        int n, r;

        if (geteuid() != 0) {
                pw = getpwuid(geteuid());
                snprintf(who, sizeof(who), "as user %s, mailsupd", pw ? pw->pw_name : "(unknown)");
                n = pw ? report_sockets(c, pw, out) : 0;
                return n + report_access(c, who, out);
        }
        /* As root: only where the package made the unprivileged user. */
        pw = getpwnam(POLKIT_RULE_USER);
        if (!pw)
                return 0;
        n = report_polkit_rule(c, out);
        n += report_sockets(c, pw, out);
        r = report_access_as(c, pw, out);
        return r < 0 ? r : n + r;
}
