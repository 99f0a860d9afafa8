/* socket-access.h: can the daemon's user connect to a check's unix socket?
 *
 * listen_from finds a service on a unix socket (Debian 12's OpenDKIM:
 * /run/opendkim/opendkim.sock, srwxrwx--- opendkim:opendkim) that root may
 * reach while the unprivileged mailsupd may not: OpenDKIM installed after
 * mailsup, so mailsup is not in group opendkim, and every probe says
 * "permission denied" while the service is fine. --check-config says so
 * beforehand, as a warning (the socket may appear or change later): connect()
 * needs write permission on the socket and search permission on every
 * directory above it, judged by the kernel's rule (owner class, else group
 * class, else others; root passes) from the owner, group and mode against
 * the user's uid and groups (getgrouplist(), what systemd gives User=).
 * ACLs are not read: a warning may be wrong where an ACL grants access.
 *
 * See also: grants.c (the other warnings of --check-config), socket-access.c.
 */
#pragma once

#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum AccessVerdict {
        ACCESS_OK,
        ACCESS_JOIN_GROUP,              /* denied; the object's group may: join it */
        ACCESS_DENIED,                  /* denied; no group would help */
} AccessVerdict;

/* Pure: may uid, with groups (n of them), do want (2: write, a socket's
 * connect; 1: search, a directory) to an object owned by owner:group with
 * mode? */
AccessVerdict access_judge(uid_t owner, gid_t group, mode_t mode, uid_t uid, const gid_t *groups, size_t n,
                           unsigned want);

/* "srwxrwx---" as ls(1) shows it (size >= 11). */
void access_mode_string(mode_t mode, char *buf, size_t size);

/* Judges the directories above path, then path itself, for the user pw.
 * 0 when it may connect, or when it cannot be told (a part does not exist
 * yet); -EACCES with buf saying what and why, e.g. "socket
 * /run/opendkim/opendkim.sock: user mailsup cannot connect (srwxrwx---
 * opendkim:opendkim; add mailsup to group opendkim)". */
int socket_access_check(const char *path, const struct passwd *pw, char *buf, size_t size);
