#!/usr/bin/env bash
# mailsupctl against a running mailsupd: `status` (text and --json) and
# `follow` track the real states as they change. A frozen Postfix (Debian's
# units, every process of postfix@-.service stopped) goes
# ok -> failing -> restarting -> ok; a service that stays broken after
# every restart ends disabled; after the operator fixes it, `reset` makes it
# ok again at once. Exit statuses: 0 all ok, 3 failing or disabled, 1 error.
#
# Passing states are seen in `follow` (a signal per change, none missed);
# `status` and `--json` are compared on states that last (ok, disabled), as
# a poll can miss a state that lasts a second on a loaded machine.
# (This test failed in 2 of 3 runs on a loaded machine while the harness ran
# Postfix as Type=simple `postfix start-fg`: systemd called it active seconds
# before it listened, the first probe after restart_grace was refused, and
# mailsupd restarted it again. Debian's postfix@.service is Type=forking
# around `postfix start`, which returns once the master listens.)
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

ctl() { "$MAILSUPCTL" --user "$@"; }
# json_state NAME: the State of NAME in `status --json`
json_state() {
	ctl status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((c["State"] for c in d["Checks"] if c["Name"] == sys.argv[1]), "missing"))' "$1"
}
status_rc() {
	local rc=0
	ctl status >/dev/null 2>&1 || rc=$?
	echo "$rc"
}
# both_say NAME STATE: text and JSON agree on NAME's state
both_say() {
	[[ $(check_state "$1") == "$2" && $(json_state "$1") == "$2" ]]
}
# follow_states NAME: the successive states `follow` printed for NAME
follow_states() {
	awk -v n="$1" '$2 == n { print $3 }' "$SANDBOX_DIR/follow.log" | uniq | paste -sd' '
}

# flaky: an SMTP service (smtp-peer.py) whose health the test sets.
fport=$(free_port)
install_peer flaky.service "$fport"
starts=$SANDBOX_DIR/flaky.service.starts
pport=$(free_port)
debian_postfix "$pport" || fail "Debian's postfix did not start"

# DEBIAN_CYCLE (lib.sh): probe deadlines that Debian's Postfix meets on a
# loaded machine. At 500ms, a fresh master's first greeting (a cold,
# chrooted smtpd) was failed now and then, and restarted again.
write_config "$DEBIAN_CYCLE

[check postfix]
type = smtp
port = $pport
unit = postfix.service

[check flaky]
type = smtp
port = $fport
unit = flaky.service"
start_mailsupd
ctl follow >"$SANDBOX_DIR/follow.log" 2>&1 &
follow_pid=$!
trap 'kill $follow_pid 2>/dev/null || true' EXIT

wait_for '[[ $(check_state postfix) == ok && $(check_state flaky) == ok ]]' 30 "both ok" || fail "checks never ok"
both_say postfix ok && both_say flaky ok || fail "status and --json disagree"
[[ $(status_rc) == 0 ]] || fail "status exits $(status_rc) while all is ok"
out=$(ctl status)
head -n1 <<<"$out" | grep -q "^mailsupd .*: running, 2 checks, cycle [0-9]* .*, heartbeat not configured, outbox: no channels configured$" ||
	fail "bad header line: $(head -n1 <<<"$out")"
grep -q "^postfix  *smtp  *postfix.service  *ok  .*restarts 0/3 in 5 cycles  EHLO answered 250$" <<<"$out" ||
	fail "bad postfix line in: $out"
[[ $out != *$'\e'* ]] || fail "colors when not on a terminal"
pass "status: header and lines, text and JSON say ok, exit 0"

systemctl --user kill --signal=SIGSTOP postfix@-.service
# (follow may start before the first probe: "unknown" first)
wait_for '[[ $(follow_states postfix) =~ ^(unknown )?"ok failing restarting ok"$ ]]' 120 "follow shows the sequence" ||
	fail "follow saw '$(follow_states postfix)', not 'ok failing restarting ok'"
wait_for 'both_say postfix ok' 30 "postfix ok again" || fail "postfix never ok again"
out=$(ctl status postfix || true)
grep -q "Unit: postfix.service: active" <<<"$out" || fail "no unit details for a named check: $out"
grep -qE " postfix failing process [0-9]+ \(.*\) of postfix@-\.service is stopped$" "$SANDBOX_DIR/follow.log" ||
	fail "follow lacks the failure reason"
[[ $(count_events unit-restarting) == 1 ]] || fail "expected one restart: $(events unit-restarting)"
[[ $(ctl status postfix || true) == *"restarts 1/3"* ]] || fail "the restart is not counted in status"
pass "frozen postfix: ok -> failing -> restarting -> ok, in status, --json and follow"

# The restart's start is held (ExecStartPre waits): "restarting" lasts.
touch "$SANDBOX_DIR/flaky.service.hold"
peer_hang flaky.service forever
wait_for '[[ $(check_state flaky) == restarting ]]' 60 "flaky restarting" || fail "flaky never restarting"
[[ $(status_rc) == 3 ]] || fail "status exits $(status_rc) while a check is restarting, not 3"
rm "$SANDBOX_DIR/flaky.service.hold"
pass "status exits 3 while a check is restarting"
wait_for '[[ $(check_state flaky) == disabled ]]' 90 "flaky disabled" || fail "flaky never disabled"
both_say flaky disabled || fail "status and --json disagree on disabled"
[[ $(status_rc) == 3 ]] || fail "status exits $(status_rc) with a disabled check, not 3"
out=$(ctl status flaky || true)
grep -q "State: disabled; failing since " <<<"$out" || fail "no disabled state in the details: $out"
[[ $(follow_states flaky) =~ ^(unknown )?"ok failing restarting".*"disabled"$ ]] || fail "follow saw '$(follow_states flaky)'"
pass "crash loop: disabled after 3 restarts, status exits 3"

# The operator fixes flaky while mailsupd's probe of it still waits for a
# greeting, then resets: that probe began before the fix, so its answer is
# not the one reset promises (it used to be taken: a restart, "1 of 3").
probing() {
	{ ctl status flaky --json || true; } | python3 -c 'import json, sys; print(json.load(sys.stdin)["Checks"][0]["Probing"])'
}
wait_for '[[ $(probing) == True ]]' 30 "a probe of flaky in flight" || fail "never saw a probe of flaky in flight"
peer_hang flaky.service 0
n_starts=$(count_lines "$starts")
out=$(ctl reset flaky) || fail "reset failed"
[[ $out == "reset flaky: restart window cleared, probing now" ]] || fail "reset said: $out"
wait_for '[[ $(check_state flaky) == ok ]]' 10 "flaky ok after reset" || fail "flaky not ok after reset"
both_say flaky ok || fail "status and --json disagree on ok"
[[ $(count_lines "$starts") == "$n_starts" ]] || fail "reset restarted the unit; it should only probe"
[[ $(ctl status flaky || true) == *"restarts 0/3"* ]] || fail "reset did not clear the window"
[[ $(status_rc) == 0 ]] || fail "status exits $(status_rc) after reset"
events check-reset | grep -q "flaky: reset by the operator: 3 restarts forgotten, enabled again" || fail "no check-reset event"
pass "reset during a probe from before the fix: flaky ok again at once, not restarted, window cleared, exit 0"

set +e
err=$(ctl status nosuch 2>&1); rc=$?
set -e
[[ $rc == 1 && $err == "mailsupctl: no check named 'nosuch'" ]] || fail "status nosuch: rc $rc, '$err'"
set +e
err=$(ctl frobnicate 2>&1); rc=$?
set -e
[[ $rc == 1 && $err == *"unknown command 'frobnicate'"* ]] || fail "unknown command: rc $rc, '$err'"
set +e
err=$(ctl reset nosuch 2>&1); rc=$?
set -e
[[ $rc == 1 && $err == "mailsupctl: no check named 'nosuch'" ]] || fail "reset nosuch: rc $rc, '$err'"
pass "unknown check names and commands are named, exit 1"

# Completion: commands, and check names from the running daemon.
# shellcheck source=../../units/mailsupctl.bash-completion
source "$HERE/../../units/mailsupctl.bash-completion"
PATH=$(dirname "$MAILSUPCTL"):$PATH
COMP_WORDS=(mailsupctl --user re)
COMP_CWORD=2
_mailsupctl
[[ "${COMPREPLY[*]}" == "reset reload" ]] || fail "completion of 're': ${COMPREPLY[*]}"
COMP_WORDS=(mailsupctl --user reset "")
COMP_CWORD=3
_mailsupctl
[[ "${COMPREPLY[*]}" == *postfix* && "${COMPREPLY[*]}" == *flaky* ]] || fail "no check names completed: ${COMPREPLY[*]}"
pass "bash completion: commands and check names"

systemctl --user stop mailsupd.service
set +e
err=$(ctl status 2>&1); rc=$?
set -e
[[ $rc == 1 && $err == "mailsupd is not running (no org.mailsup.Supervisor1 on the user bus)" ]] ||
	fail "with mailsupd stopped: rc $rc, '$err'"
pass "mailsupd stopped: 'mailsupd is not running', exit 1"
