#!/usr/bin/env bash
# The polkit rule that `mailsupd --print-polkit-rule` / `--write-polkit-rule`
# makes from the configuration, judged by a real polkitd (tests/harness/
# polkit.sh) for a process of the unprivileged user mailsup:
#   - pkcheck: restart and kill of a configured unit granted, kill (only)
#     of its template's instances (Debian's postfix@-.service); restart of a
#     unit only an alert check names, or of any other unit, refused; stop,
#     start and reset-failed of a configured unit refused;
#   - real calls to the sandbox's systemd manager as mailsup: RestartUnit of
#     the configured unit runs (a new MainPID), another unit's is "Access
#     denied", StopUnit is "Access denied";
#   - --check-config (as root) says when the installed rule is out of date,
#     and --write-polkit-rule brings it up to date, which polkitd picks up.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../harness/sandbox.sh"
source "$HERE/../harness/polkit.sh"
: "${MAILSUPD:?MAILSUPD must name the mailsupd binary}"
sandbox_reexec "$@"

fail() {
	echo "FAIL: $*" >&2
	tail -n 20 "$SANDBOX_DIR/polkitd.log" "$SANDBOX_DIR/pkcheck.log" >&2 2>/dev/null || true
	exit 1
}
pass() { echo "PASS: $*"; }

polkit_add_user mailsup
polkit_bus_setup mailsup || fail "could not open the user bus to mailsup"

conf=$SANDBOX_DIR/mailsupd.conf
cat >"$conf" <<EOF2
[supervisor]
bus = system
state_directory = $SANDBOX_DIR/state

[check postfix]
type = smtp
unit = demo.service

[check postfix-submission]
type = tcp
port = 587
unit = demo.service

[check dovecot]
type = imap
unit = dovecot.service

[check watched]
type = tcp
port = 9
unit = alerted.service
action = alert
EOF2
rule=$SANDBOX_DIR/60-mailsup.rules
"$MAILSUPD" --config "$conf" --print-polkit-rule >"$rule" || fail "--print-polkit-rule failed"
[[ $(grep -c '"demo.service"' "$rule") == 1 ]] || fail "a unit two checks share must be listed once"
! grep -q alerted.service "$rule" || fail "an alert check's unit must not be in the rule"
polkit_start "$rule" || fail "polkitd did not start"

expect() { # expect granted|refused UNIT VERB
	local rc=0
	polkit_check mailsup "$2" "$3" || rc=$?
	((rc != 2)) || fail "no process of mailsup to ask about"
	case $1 in
	granted) ((rc == 0)) || fail "$3 of $2 should be granted to mailsup (pkcheck $rc)" ;;
	refused) ((rc != 0)) || fail "$3 of $2 should be refused to mailsup" ;;
	esac
}
expect granted demo.service restart
expect granted demo.service kill
expect granted demo@-.service kill
expect refused demo@-.service restart
expect refused demo@-.service stop
expect refused demo@-.socket kill
expect refused other@-.service kill
expect granted dovecot.service restart
expect refused alerted.service restart
expect refused other.service restart
expect refused demo.service stop
expect refused demo.service start
expect refused demo.service reset-failed
expect refused dovecot.service stop
pass "pkcheck: restart and kill of the configured units, kill of their instances; stop, start, reset-failed and other units refused"

sandbox_install_unit demo.service "[Service]
ExecStart=/bin/sleep 1000"
sandbox_install_unit other.service "[Service]
ExecStart=/bin/sleep 1000"
systemctl --user start demo.service other.service
as_mailsup() {
	setpriv --reuid=mailsup --regid=mailsup --init-groups busctl --system call org.freedesktop.systemd1 \
		/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager "$@" 2>&1
}
old=$(unit_prop demo.service MainPID)
as_mailsup RestartUnit ss demo.service replace >/dev/null || fail "mailsup could not restart demo.service"
wait_for '[[ $(unit_prop demo.service MainPID) != '"$old"' && $(unit_prop demo.service ActiveState) == active ]]' \
	20 "demo.service restarted" || fail "demo.service has the same MainPID $old"
out=$(as_mailsup RestartUnit ss other.service replace) && fail "mailsup restarted other.service"
[[ $out == *"Access denied"* ]] || fail "refusal of other.service says '$out', not Access denied"
out=$(as_mailsup StopUnit ss demo.service replace) && fail "mailsup stopped demo.service"
[[ $out == *"Access denied"* ]] || fail "refusal of stop says '$out', not Access denied"
[[ $(unit_prop demo.service ActiveState) == active ]] || fail "demo.service is not active after a refused stop"
pass "the manager, asked as mailsup: RestartUnit of demo.service done, other.service and StopUnit Access denied"

# The rule as installed, and refreshed after a change of the configuration.
"$MAILSUPD" --config "$conf" --write-polkit-rule || fail "--write-polkit-rule failed"
cmp -s "$rule" /etc/polkit-1/rules.d/60-mailsup.rules || fail "the written rule differs from the printed one"
out=$("$MAILSUPD" --config "$conf" --check-config 2>&1) || fail "--check-config failed: $out"
[[ $out != *warning* ]] || fail "--check-config warns with the rule up to date: $out"
printf '\n[check redis]\ntype = redis\nunit = redis-server.service\n' >>"$conf"
out=$("$MAILSUPD" --config "$conf" --check-config 2>&1) || fail "--check-config failed: $out"
[[ $out == *"60-mailsup.rules is out of date"* ]] || fail "--check-config does not see the stale rule: $out"
expect refused redis-server.service restart
"$MAILSUPD" --config "$conf" --write-polkit-rule || fail "--write-polkit-rule failed"
wait_for 'polkit_check mailsup redis-server.service restart' 20 "polkitd grants the new unit" ||
	fail "polkitd did not pick up the rewritten rule"
out=$("$MAILSUPD" --config "$conf" --check-config 2>&1)
[[ $out != *warning* ]] || fail "--check-config still warns after --write-polkit-rule: $out"
pass "--check-config finds the stale rule; --write-polkit-rule refreshes it and polkitd follows"
