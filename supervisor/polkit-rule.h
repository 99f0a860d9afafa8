/* polkit-rule.h: the polkit rule that lets the unprivileged mailsupd restart
 * exactly the units its configuration names.
 *
 * mailsupd runs as the system user "mailsup". systemd asks polkit before it
 * restarts or signals a unit for anyone but root, and a polkit rule cannot
 * read mailsupd.conf: so mailsupd writes the rule from its configuration,
 * as root, from the unit's ExecStartPre=+ and ExecReload=+ lines and the
 * package's postinst. The text is deterministic (no time stamp), so
 * --check-config can tell whether the installed rule is out of date.
 *
 * See also: units/mailsupd.service.in, man/mailsupd.8.scd ("PRIVILEGES").
 */
#pragma once

#include "supervisor/config.h"

#define POLKIT_RULE_PATH "/etc/polkit-1/rules.d/60-mailsup.rules"
#define POLKIT_RULE_USER "mailsup"
#define POLKIT_RULE_MAX (256U * 1024U)

/* The rule's text for config, granting user restart and kill of the units of
 * the checks with action = restart (each once). Returns a malloc'd string. */
char *polkit_rule_text(const Config *c, const char *user);

/* Writes the rule to path atomically (temp file, fsync, rename, mode 0644).
 * Returns 0 or -errno. */
int polkit_rule_write(const Config *c, const char *user, const char *path);

/* 1: the file at path is exactly the rule for c; 0: it differs; -errno: it
 * cannot be read (-ENOENT: missing). */
int polkit_rule_installed(const Config *c, const char *user, const char *path);

/* mailsupd --print-polkit-rule / --write-polkit-rule[=PATH]: loads the
 * configuration (config_path NULL: the default), prints or writes the rule,
 * and returns the process exit status. write_path NULL: print. */
int polkit_rule_main(const char *config_path, const char *write_path, const char *user);
