/* test-socket-access.c: may the daemon's user connect to a check's socket?
 *
 * The kernel's rule on fixed owners, groups and modes (Debian 12's stock
 * OpenDKIM socket, srwxrwx--- opendkim:opendkim, for a mailsup in and out
 * of group opendkim; the owner class deciding alone; root); then, as root,
 * real sockets and directories judged for the user nobody, and what
 * `mailsupd --check-config` prints for a check whose socket nobody cannot
 * reach (grants_report() in a child that became nobody, as the daemon's
 * user is checked when mailsupd itself runs as that user).
 */
#include "tests.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "supervisor/config.h"
#include "supervisor/grants.h"
#include "supervisor/socket-access.h"

enum { OPENDKIM = 110, OPENDKIM_G = 115, MAILSUP = 120, MAILSUP_G = 121 };

static void test_judge(void) {
        const gid_t out[] = { MAILSUP_G, 4 /* adm */ }, in[] = { MAILSUP_G, OPENDKIM_G };
        mode_t sock = S_IFSOCK | 0770, dir = S_IFDIR;

        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, sock, MAILSUP, out, 2, 2), ACCESS_JOIN_GROUP);
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, sock, MAILSUP, in, 2, 2), ACCESS_OK);
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, sock, 0, NULL, 0, 2), ACCESS_OK); /* root */
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, S_IFSOCK | 0700, MAILSUP, in, 2, 2), ACCESS_DENIED);
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, S_IFSOCK | 0666, MAILSUP, out, 2, 2), ACCESS_OK);
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, S_IFSOCK | 0444, MAILSUP, out, 2, 2), ACCESS_DENIED);
        /* the owner class alone decides for the owner, even when the group's would allow */
        CHECK_INT(access_judge(MAILSUP, OPENDKIM_G, S_IFSOCK | 0070, MAILSUP, in, 2, 2), ACCESS_DENIED);
        /* a member is judged by the group class, not by others' */
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, S_IFSOCK | 0706, MAILSUP, in, 2, 2), ACCESS_DENIED);
        /* directories: search */
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, dir | 0750, MAILSUP, out, 2, 1), ACCESS_JOIN_GROUP);
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, dir | 0750, MAILSUP, in, 2, 1), ACCESS_OK);
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, dir | 0711, MAILSUP, out, 2, 1), ACCESS_OK);
        CHECK_INT(access_judge(OPENDKIM, OPENDKIM_G, dir | 0744, MAILSUP, out, 2, 1), ACCESS_DENIED);
}

static void test_mode_string(void) {
        char buf[16];

        access_mode_string(S_IFSOCK | 0770, buf, sizeof(buf));
        CHECK_STREQ(buf, "srwxrwx---");
        access_mode_string(S_IFDIR | 01777, buf, sizeof(buf));
        CHECK_STREQ(buf, "drwxrwxrwt");
        access_mode_string(S_IFDIR | 02750, buf, sizeof(buf));
        CHECK_STREQ(buf, "drwxr-s---");
        access_mode_string(S_IFREG | 04644, buf, sizeof(buf));
        CHECK_STREQ(buf, "-rwSr--r--");
}

static char dir[] = "/tmp/test-socket-access.XXXXXX";
static char sock[sizeof(dir) + 16];

static int make_socket(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
                return -1;
        return fd;
}

static void expect(const struct passwd *pw, int r, const char *msg) {
        char buf[1024] = "";

        CHECK_INT(socket_access_check(sock, pw, buf, sizeof(buf)), r);
        CHECK_STREQ(buf, msg);
}

/* --check-config's warning, from grants_report() run as nobody. */
static void test_report(const struct passwd *pw) {
        char text[256], *out = NULL, want[512];
        size_t len = 0;
        int pipefd[2], status = 0;
        ssize_t n;
        pid_t pid;

        snprintf(text, sizeof(text), "[check dkim]\ntype = milter\nsocket = %s\n", sock);
        CHECK(pipe(pipefd) == 0);
        pid = fork();
        if (pid == 0) {
                FILE *f = fdopen(pipefd[1], "w");
                Config *c = NULL;

                if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
                    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0 || config_load_string(text, "t.conf", &c, NULL) < 0)
                        _exit(2);
                _exit(grants_report(c, f) == 1 && fflush(f) == 0 ? 0 : 1);
        }
        close(pipefd[1]);
        out = calloc(1, 2048);
        while (out && len < 2047 && (n = read(pipefd[0], out + len, 2047 - len)) > 0)
                len += (size_t) n;
        close(pipefd[0]);
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        snprintf(want, sizeof(want), "t.conf:1: warning: check dkim: socket %s: user nobody cannot connect "
                 "(srw-rw---- root:root; add nobody to group root)\n", sock);
        CHECK_STREQ(out, want);
        free(out);
}

static void test_paths(void) {
        struct passwd *p = getpwnam("nobody"), pw;
        char msg[1024];
        int fd;

        if (!p) {
                printf("no user nobody: skipped\n");
                return;
        }
        pw = *p;
        pw.pw_name = strdup(p->pw_name);
        CHECK(mkdtemp(dir) != NULL);
        snprintf(sock, sizeof(sock), "%s/s.sock", dir);
        CHECK(chmod(dir, 0755) == 0);
        expect(&pw, 0, ""); /* not there yet: nothing to say */
        fd = make_socket(sock);
        CHECK(fd >= 0);
        CHECK(chown(dir, 0, 0) == 0 && chown(sock, 0, 0) == 0);
        CHECK(chmod(dir, 0750) == 0 && chmod(sock, 0660) == 0);
        snprintf(msg, sizeof(msg), "socket %s: user nobody cannot connect: cannot search directory %s "
                 "(drwxr-x--- root:root; add nobody to group root)", sock, dir);
        expect(&pw, -EACCES, msg);
        CHECK(chmod(dir, 0700) == 0);
        snprintf(msg, sizeof(msg), "socket %s: user nobody cannot connect: cannot search directory %s "
                 "(drwx------ root:root)", sock, dir);
        expect(&pw, -EACCES, msg);
        CHECK(chmod(dir, 0755) == 0);
        snprintf(msg, sizeof(msg), "socket %s: user nobody cannot connect (srw-rw---- root:root; "
                 "add nobody to group root)", sock);
        expect(&pw, -EACCES, msg);
        test_report(&pw);
        CHECK(chmod(sock, 0666) == 0);
        expect(&pw, 0, "");
        close(fd);
        unlink(sock);
        rmdir(dir);
        free(pw.pw_name);
}

int main(void) {
        test_judge();
        test_mode_string();
        if (geteuid() == 0) /* chown, and becoming nobody */
                test_paths();
        else
                printf("test_paths skipped: needs root\n");
        return tests_summary("test-socket-access");
}
