#!/usr/bin/env bash
# The installed package heals a frozen Postfix, unprivileged: the installed
# mailsupd.service (User=mailsup and its whole sandbox) runs under the test
# sandbox's systemd manager with the installed binaries and the installed
# /etc/mailsup/mailsupd.conf plus one drop-in (the private Postfix's port, a
# faster cycle); its ExecStartPre=+ writes the polkit rule, a real polkitd
# (tests/harness/polkit.sh) decides, and the restart of postfix.service
# asked by the user mailsup is done by the manager; so is the drill's
# KillUnit (SIGSTOP). Then a postfix_queue
# check: --check-config and the check itself say that mailsup cannot read
# the queue, and the grant mailsupd(8) names (CAP_DAC_READ_SEARCH in a
# drop-in) makes it count.
# Run by tests/pkg/deb.sh after `apt install`; needs root.
#
# What differs from a server, and why (a drop-in, printed below):
#   - ProtectHome=read-only instead of yes: the sandbox's manager and bus
#     live in /run/user/0, which ProtectHome=yes hides (on a server they are
#     /run/systemd/notify and /run/dbus/system_bus_socket);
#   - a cycle of 2s (restart_grace 10s: a frozen master's restart takes
#     Postfix 6-7s), and state_directory where
#     systemd 252's user manager puts StateDirectory= ($XDG_CONFIG_HOME/
#     mailsup, owned by mailsup), not /var/lib/mailsup.
# Nothing here writes the machine's /etc: /etc/mailsup, /etc/passwd and
# /etc/polkit-1/rules.d are replaced in the sandbox's mount namespace only.
set -euo pipefail
export MAILSUPD=/usr/sbin/mailsupd MAILSUPCTL=/usr/bin/mailsupctl
# shellcheck source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"
# shellcheck source=../harness/polkit.sh
source "$(dirname "$0")/../harness/polkit.sh"
sandbox_reexec "$@"
# mailsupd logs to the sandbox's journald, as on a server
export MAILSUPD_LOG=journal

getent passwd mailsup >/dev/null || fail "the package did not create the user mailsup"
[[ -f /lib/systemd/system/mailsupd.service ]] || fail "the package did not install mailsupd.service"

port=$(free_port)
mailstack_postfix postfix.service "$port"
polkit_bus_setup mailsup || fail "could not open the user bus to mailsup"
polkit_start || fail "polkitd did not start"

# The installed configuration, seen in this namespace only, with a drop-in.
mkdir -p "$SANDBOX_DIR/etc-mailsup"
cp -a /etc/mailsup/. "$SANDBOX_DIR/etc-mailsup/"
mount --bind "$SANDBOX_DIR/etc-mailsup" /etc/mailsup
mkdir -p /etc/mailsup/mailsupd.conf.d
cat >/etc/mailsup/mailsupd.conf.d/50-test.conf <<EOF2
[supervisor]
interval = 2s
timeout = 1s
restart_grace = 10s
state_directory = $XDG_CONFIG_HOME/mailsup

[check postfix]
port = $port

[check queue]
type = postfix_queue
queue_directory = $(postfix_dir postfix.service)/spool
EOF2
out=$(/usr/sbin/mailsupd --check-config 2>&1) || fail "the installed mailsupd refuses the test's configuration: $out"
[[ $out == *"cannot read /etc/polkit-1/rules.d/60-mailsup.rules"* ]] ||
	fail "--check-config does not say that the polkit rule is missing: $out"
[[ $out == *"check queue: as user mailsup"*"cannot read $(postfix_dir postfix.service)/spool/"*"Permission denied"* ]] ||
	fail "--check-config does not say that mailsup cannot read the Postfix queue: $out"

# On a server /run is a tmpfs of its own, and so it is in the sandbox
# (tests/harness/sandbox-inner.sh); ProtectKernelTunables= /
# ProtectControlGroups= (which imply MountAPIVFS=) need it to be a mount
# point, or they would mount an empty tmpfs over it, hiding the bus and the
# notify socket.
mountpoint -q /run || mount --rbind /run /run
# The system manager's notify socket is open to every user; a user
# manager's is its own user's (0755): let the mailsup process send READY=1.
chmod 0777 /run/user/0/systemd/notify
# The nodes a system manager makes at boot (systemd-tmpfiles makes them in
# the sandbox's /run too), which the sandboxing options mount over what
# they hide (/proc/kallsyms, /dev/kmsg, ...).
[[ -e /run/systemd/inaccessible/reg && -e /run/systemd/inaccessible/sock ]] ||
	fail "the sandbox's /run has no /run/systemd/inaccessible nodes"

unitdir=$XDG_CONFIG_HOME/systemd/user
cp /lib/systemd/system/mailsupd.service "$unitdir/"
mkdir -p "$unitdir/mailsupd.service.d"
cat >"$unitdir/mailsupd.service.d/50-sandbox.conf" <<EOF2
[Service]
ProtectHome=read-only
EOF2
systemctl --user daemon-reload
# shellcheck disable=SC2034 # lib.sh's fail() shows it
MAILSUPD_CONF=/etc/mailsup/mailsupd.conf
systemctl --user start mailsupd.service || {
	systemctl --user status mailsupd.service >&2 || true
	tail -n 30 "$SANDBOX_LOGFILE" >&2
	fail "the installed mailsupd.service did not start"
}
pid=$(unit_prop mailsupd.service MainPID)
[[ $(stat -c %U "/proc/$pid") == mailsup ]] || fail "mailsupd runs as $(stat -c %U "/proc/$pid"), not mailsup"
grep -q '"postfix.service"' /etc/polkit-1/rules.d/60-mailsup.rules ||
	fail "ExecStartPre=+ did not write the polkit rule for postfix.service"
out=$(/usr/sbin/mailsupd --check-config 2>&1)
[[ $out != *60-mailsup.rules* ]] || fail "--check-config still warns about the rule after the start: $out"
pass "the installed unit runs mailsupd as mailsup (pid $pid) and wrote the polkit rule"

wait_for '[[ $(check_state postfix) == ok ]]' 30 "postfix check ok" || fail "postfix never ok"
old_main=$(unit_prop postfix.service MainPID)
kill -STOP "$(postfix_master_pid postfix.service)"
wait_for '[[ -n $(events unit-restarted) ]]' 60 "postfix restarted" || fail "no restart after the freeze"
wait_for 'smtp_greets '"$port"' 1' 30 "SMTP answers again" || fail "SMTP does not answer after the restart"
new_main=$(unit_prop postfix.service MainPID)
[[ $new_main != "$old_main" && $new_main != 0 ]] || fail "MainPID unchanged ($old_main): no real restart"
! events restart-failed | grep -q . || fail "a restart failed: $(events restart-failed)"
wait_for '[[ $(check_state postfix) == ok ]]' 30 "postfix ok again" || fail "check not ok after healing"
# How many restarts it takes is the policy's business (e2e-heal-hung-postfix
# asserts one): on a loaded host Postfix may not listen yet when the grace
# ends, and a second restart follows. Here: each one was granted and done.
[[ $(check_state postfix) != disabled ]] || fail "the postfix check was disabled"
restarts=$(count_events unit-restarted)
[[ $restarts == "$(count_events unit-restarting)" ]] || fail "a restart was not done: $(events unit-restarting) $(events unit-restarted)"
pass "frozen Postfix restarted by the unprivileged mailsupd through polkit ($restarts restart(s), MainPID $old_main -> $new_main)"

# The journal, as an admin reads it. journalctl -u postfix.service shows
# OBJECT_SYSTEMD_UNIT= entries only from senders with _UID=0 (systemd's
# rule against spoofing), so for the unprivileged mailsupd the admin's filter
# is OBJECT_SYSTEMD_UNIT= itself (mailsupd(8) says so).
n=$(journalctl -q --no-pager -o cat OBJECT_SYSTEMD_UNIT=postfix.service MAILSUP_EVENT=unit-restarted _UID="$(id -u mailsup)" | wc -l)
[[ $n == "$restarts" ]] || fail "journalctl OBJECT_SYSTEMD_UNIT=postfix.service shows $n restarts by uid mailsup, want $restarts"
pass "journalctl OBJECT_SYSTEMD_UNIT=postfix.service shows the $restarts restart(s) by the user mailsup"

# The drill: KillUnit (SIGSTOP) as mailsup, granted by the rule's "kill".
"$MAILSUPCTL" --user reset postfix >/dev/null || fail "root could not reset postfix"
out=$("$MAILSUPCTL" --user drill postfix --yes 2>&1) || true
echo "$out"
grep -Eq "^  frozen +ok .*SIGSTOP sent to every process of postfix.service" <<<"$out" ||
	fail "the drill could not freeze postfix.service as mailsup"
grep -Eq "^  restarted +ok .*RestartUnit\(postfix.service\) job done" <<<"$out" ||
	fail "the drill's restart was not done"
wait_for '[[ $(check_state postfix) == ok ]]' 60 "postfix ok after the drill" || fail "postfix not ok after the drill"
pass "mailsupctl drill as root: the unprivileged mailsupd froze (KillUnit) and restarted postfix.service"

# The same user may not touch what the rule does not name.
out=$(setpriv --reuid=mailsup --regid=mailsup --init-groups busctl --system call org.freedesktop.systemd1 \
	/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StopUnit ss postfix.service replace 2>&1) &&
	fail "mailsup could stop postfix.service"
[[ $out == *"Access denied"* ]] || fail "StopUnit as mailsup: '$out', not Access denied"
pass "StopUnit of postfix.service as mailsup: Access denied"

# The Postfix queue: unreadable for mailsup, readable with the grant that
# mailsupd(8) names, in a drop-in, with the rest of the sandbox unchanged.
wait_for 'events check-failed | grep -q "queue: postfix_queue check failed: cannot read .*: Permission denied"' 30 \
	"the queue check fails on permissions" || fail "the queue check does not say Permission denied"
cat >"$unitdir/mailsupd.service.d/60-queue.conf" <<EOF2
[Service]
AmbientCapabilities=CAP_DAC_READ_SEARCH
CapabilityBoundingSet=CAP_DAC_READ_SEARCH
EOF2
systemctl --user daemon-reload
systemctl --user restart mailsupd.service || fail "mailsupd did not start again with the queue grant"
wait_for '[[ $(check_state queue) == ok ]]' 30 "the queue check ok" || fail "the queue check is not ok with the grant"
events check-recovered | grep -q "queue: postfix_queue check ok again: total 0 (maildrop 0" ||
	fail "the queue check does not count the queue"
pass "postfix_queue: Permission denied as plain mailsup, counted with CAP_DAC_READ_SEARCH"
