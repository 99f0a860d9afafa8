/* trust.h: what mailsupd may trust on disk, as sshd's StrictModes does.
 *
 * mailsupd runs as root (or its own user) and does what its config files
 * say: runs `program` commands, restarts units, reads secrets. A config
 * file, a drop-in directory or an executable that another user can change
 * (or replace, through a directory above it) is a way to run commands as
 * root, so it is refused with the path and the reason. Trusted: owned by
 * root or by mailsupd's own user, and writable by no one else (a group
 * other than root's or mailsupd's, or everyone). Links are resolved first
 * and the real path is judged, then each directory above it up to "/". A
 * directory above that everyone may write is trusted only with the sticky
 * bit and a trusted owner (like /tmp): others cannot replace what is not
 * theirs there.
 *
 * See also: supervisor/config-load.c, probes/program.c, supervisor/state.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum TrustProblem {
        TRUST_OK,
        TRUST_OWNER,                    /* owned by another user */
        TRUST_GROUP_WRITABLE,           /* writable by a group other than root's or ours */
        TRUST_OTHERS_WRITABLE,          /* writable by everyone */
} TrustProblem;

/* The pure decision on one object: its owner, group and mode, against our
 * uid and gid; above: a directory above the object judged (sticky ok). */
TrustProblem trust_judge(uid_t owner, gid_t group, mode_t mode, uid_t uid, gid_t gid, bool above);

/* Judges path and every directory above it for this process (geteuid(),
 * getegid()). 0 when trusted; else -EPERM, or -errno when a path cannot be
 * examined, with why[] saying which path and how, e.g. "/etc/x is writable
 * by everyone (mode 0777)". */
int trust_path(const char *path, char *why, size_t size);
