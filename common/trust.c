/* trust.c: ownership and mode checks along a path (see trust.h). */
#include "common/trust.h"

#include <limits.h>
#include <sys/stat.h>

#include "common/util.h"

TrustProblem trust_judge(uid_t owner, gid_t group, mode_t mode, uid_t uid, gid_t gid, bool above) {
        bool trusted_owner = owner == 0 || owner == uid;

        if (!trusted_owner)
                return TRUST_OWNER;
        if ((mode & S_IWOTH) && !(above && S_ISDIR(mode) && (mode & S_ISVTX)))
                return TRUST_OTHERS_WRITABLE;
        if ((mode & S_IWGRP) && group != 0 && group != gid && !(above && S_ISDIR(mode) && (mode & S_ISVTX)))
                return TRUST_GROUP_WRITABLE;
        return TRUST_OK;
}

static int judge_one(const char *path, bool above, char *why, size_t size) {
        struct stat st;

        if (lstat(path, &st) < 0) {
                int r = -errno;
                snprintf(why, size, "cannot examine %s: %s", path, strerror(-r));
                return r;
        }
        switch (trust_judge(st.st_uid, st.st_gid, st.st_mode, geteuid(), getegid(), above)) {
        case TRUST_OWNER:
                snprintf(why, size, "%s is owned by uid %u, not by root%s", path, (unsigned) st.st_uid,
                         geteuid() != 0 ? " or mailsupd's user" : "");
                return -EPERM;
        case TRUST_OTHERS_WRITABLE:
                snprintf(why, size, "%s is writable by everyone (mode %04o)", path, (unsigned) (st.st_mode & 07777));
                return -EPERM;
        case TRUST_GROUP_WRITABLE:
                snprintf(why, size, "%s is writable by group %u (mode %04o)", path, (unsigned) st.st_gid,
                         (unsigned) (st.st_mode & 07777));
                return -EPERM;
        default:
                return 0;
        }
}

int trust_path(const char *path, char *why, size_t size) {
        char real[PATH_MAX];

        if (!realpath(path, real)) {
                int r = -errno;
                snprintf(why, size, "cannot examine %s: %s", path, strerror(-r));
                return r;
        }
        for (bool above = false;; above = true) {
                char *slash;
                int r = judge_one(real[0] ? real : "/", above, why, size);

                if (r < 0 || !real[0])
                        return r;
                slash = strrchr(real, '/');
                *slash = '\0'; /* "/etc/x" -> "/etc" -> "" (the root) */
        }
}
