/* socket-access.c: can the daemon's user connect to a unix socket
 * (socket-access.h). */
#include "supervisor/socket-access.h"

#include <grp.h>
#include <limits.h>
#include <sys/stat.h>

#include "common/util.h"

#define GROUPS_MAX 1024

AccessVerdict access_judge(uid_t owner, gid_t group, mode_t mode, uid_t uid, const gid_t *groups, size_t n,
                           unsigned want) {
        bool member = false;

        if (uid == 0)
                return ACCESS_OK;
        if (uid == owner) /* the owner class alone decides, even if the group's would allow */
                return ((mode >> 6) & want) == want ? ACCESS_OK : ACCESS_DENIED;
        for (size_t i = 0; i < n; i++)
                member = member || groups[i] == group;
        if (member)
                return ((mode >> 3) & want) == want ? ACCESS_OK : ACCESS_DENIED;
        if ((mode & want) == want)
                return ACCESS_OK;
        return ((mode >> 3) & want) == want ? ACCESS_JOIN_GROUP : ACCESS_DENIED;
}

void access_mode_string(mode_t mode, char *buf, size_t size) {
        static const char rwx[] = "rwxrwxrwx";
        char s[11];

        s[0] = S_ISSOCK(mode) ? 's' : S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISREG(mode) ? '-' : '?';
        for (int i = 0; i < 9; i++)
                s[1 + i] = mode & (0400 >> i) ? rwx[i] : '-';
        if (mode & S_ISUID)
                s[3] = s[3] == 'x' ? 's' : 'S';
        if (mode & S_ISGID)
                s[6] = s[6] == 'x' ? 's' : 'S';
        if (mode & S_ISVTX)
                s[9] = s[9] == 'x' ? 't' : 'T';
        s[10] = '\0';
        snprintf(buf, size, "%s", s);
}

/* Names without touching getpwnam()'s static result, which the caller
 * may hold (pw). */
static void name_of_user(uid_t uid, char *buf, size_t size) {
        struct passwd pwbuf, *pw = NULL;
        char mem[4096];

        if (getpwuid_r(uid, &pwbuf, mem, sizeof(mem), &pw) == 0 && pw)
                snprintf(buf, size, "%s", pw->pw_name);
        else
                snprintf(buf, size, "%u", (unsigned) uid);
}

static void name_of_group(gid_t gid, char *buf, size_t size) {
        struct group grbuf, *gr = NULL;
        char mem[16384];

        if (getgrgid_r(gid, &grbuf, mem, sizeof(mem), &gr) == 0 && gr)
                snprintf(buf, size, "%s", gr->gr_name);
        else
                snprintf(buf, size, "%u", (unsigned) gid);
}

/* The message for an object of path that pw may not use. */
static int describe(const char *socket, const char *dir, const struct stat *st, const struct passwd *pw,
                    AccessVerdict v, char *buf, size_t size) {
        char mode[16], owner[64], group[64], hint[128] = "";

        access_mode_string(st->st_mode, mode, sizeof(mode));
        name_of_user(st->st_uid, owner, sizeof(owner));
        name_of_group(st->st_gid, group, sizeof(group));
        if (v == ACCESS_JOIN_GROUP)
                snprintf(hint, sizeof(hint), "; add %s to group %s", pw->pw_name, group);
        if (dir)
                snprintf(buf, size, "socket %s: user %s cannot connect: cannot search directory %s (%s %s:%s%s)",
                         socket, pw->pw_name, dir, mode, owner, group, hint);
        else
                snprintf(buf, size, "socket %s: user %s cannot connect (%s %s:%s%s)", socket, pw->pw_name, mode,
                         owner, group, hint);
        return -EACCES;
}

int socket_access_check(const char *path, const struct passwd *pw, char *buf, size_t size) {
        gid_t groups[GROUPS_MAX];
        int n = GROUPS_MAX;
        char dir[PATH_MAX];
        struct stat st;
        AccessVerdict v;

        if (path[0] != '/' || strlen(path) >= sizeof(dir))
                return 0;
        if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
                n = GROUPS_MAX; /* more groups than that: judged on the first ones */
        /* "/", "/run", "/run/opendkim": each must be searchable */
        for (const char *p = path; (p = strchr(p, '/')) && p[1]; p++) {
                size_t len = p == path ? 1 : (size_t) (p - path);

                memcpy(dir, path, len);
                dir[len] = '\0';
                if (stat(dir, &st) < 0)
                        return 0; /* not there (yet): nothing to judge */
                v = access_judge(st.st_uid, st.st_gid, st.st_mode, pw->pw_uid, groups, (size_t) n, 1);
                if (v != ACCESS_OK)
                        return describe(path, dir, &st, pw, v, buf, size);
        }
        if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
                return 0; /* not listening yet, or not a socket: the probe will say */
        v = access_judge(st.st_uid, st.st_gid, st.st_mode, pw->pw_uid, groups, (size_t) n, 2);
        return v == ACCESS_OK ? 0 : describe(path, NULL, &st, pw, v, buf, size);
}
