/* config-default.c: the configuration used when there is none.
 *
 * With neither /etc/mailsup/mailsupd.conf nor its .d directory, mailsupd
 * watches the standard Debian mail stack (Postfix, Dovecot) on loopback.
 * The supervisor is told (Config.embedded) and watches only the checks whose
 * unit exists, so a host without Dovecot is not alerted about it forever.
 * The text is a valid, commented config file an operator can copy as a
 * starting point; tests/test-config.c parses it.
 *
 * See also: config.h, config.c.
 */
#include "supervisor/config.h"

static const char default_text[] =
        "# mailsupd.conf: watchdog for the local mail services.\n"
        "#\n"
        "# This is mailsupd's built-in default, used when neither\n"
        "# " CONFIG_DEFAULT_PATH " nor " CONFIG_DEFAULT_PATH ".d/ exists;\n"
        "# then only the checks whose unit exists on this host are run.\n"
        "# Copy it there to change it, or add drop-ins NN-name.conf to the .d\n"
        "# directory: they are read in byte order after the main file, and a\n"
        "# drop-in's [check NAME] with one key overrides just that key.\n"
        "# Durations: 500ms, 30s, 2min, 1h, \"1h 30min\"; a bare number is seconds.\n"
        "\n"
        "[supervisor]\n"
        "# Every check runs once per cycle.\n"
        "interval = 2min\n"
        "# How long a probe may take, unless its check says otherwise;\n"
        "# must be shorter than interval.\n"
        "timeout = 10s\n"
        "# The service manager to talk to: system, or user (your own session).\n"
        "bus = system\n"
        "state_directory = /var/lib/mailsup\n"
        "# At most restart_limit restarts within restart_window cycles; then\n"
        "# the check is disabled.\n"
        "restart_limit = 3\n"
        "restart_window = 5\n"
        "# After a restart, the time a service gets to come up before it is\n"
        "# judged again.\n"
        "restart_grace = 30s\n"
        "# Alerting (none by default). A dead man's switch pinged every cycle:\n"
        "#heartbeat_url = https://hc-ping.com/<uuid>\n"
        "#heartbeat_method = post      ; post (healthchecks.io) or get (Uptime Kuma)\n"
        "# Reminders while a condition lasts (0 = never).\n"
        "#reminder = 4h\n"
        "\n"
        "# Alert channels that do not depend on the local mail stack, e.g.:\n"
        "#[notify oncall]\n"
        "#type = alertmanager           ; webhook, alertmanager or smtp\n"
        "#url = http://am.example:9093\n"
        "#min_severity = warning        ; info, warning or critical\n"
        "\n"
        "# Postfix: the SMTP greeting and EHLO on the local listener.\n"
        "# Keys of every check: type (tcp, smtp, imap), host (a numeric address,\n"
        "# never a name), port, unit, action (restart, alert, none; default\n"
        "# restart with a unit, alert without), timeout.\n"
        "[check postfix]\n"
        "type = smtp\n"
        "host = 127.0.0.1\n"
        "port = 25\n"
        "unit = postfix.service\n"
        "action = restart\n"
        "\n"
        "# Dovecot: the IMAP greeting on the local listener.\n"
        "[check dovecot]\n"
        "type = imap\n"
        "host = 127.0.0.1\n"
        "port = 143\n"
        "unit = dovecot.service\n"
        "action = restart\n";

const char *config_default_text(void) {
        return default_text;
}
