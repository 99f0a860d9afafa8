#!/usr/bin/env bash
# The fire drill on a real Dovecot (Debian's dovecot.service, stock config):
# `mailsupctl drill dovecot --yes` freezes every process of dovecot.service
# for real, and reports each step with its time: frozen, detected, notified
# (honestly: no channels yet), restarted, recovered. Dovecot then answers
# from a new process. Without --yes nothing happens; a disabled check is
# never drilled; test-alert says there is no channel rather than pretend.
# (The drill of Debian's Postfix, whose processes are in postfix@-.service,
# not the oneshot postfix.service, is pending: postfix-drill.sh.)
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

ctl() { "$MAILSUPCTL" --user "$@"; }
# step_line OUTPUT STEP RESULT: the drill's line for STEP, if its result is RESULT
step_line() {
	grep -E "^  $2 +$3 +\+[0-9]+\.[0-9]{3}s  " <<<"$1"
}

iport=$(free_port)
debian_dovecot "$iport" || fail "Debian's dovecot did not start"
# broken: dies half a second after every start, so the unit's failures
# (judged at once, not by the cycle) disable it after three restarts.
bport=$(free_port)
starts=$SANDBOX_DIR/broken.starts
sandbox_install_unit broken.service "[Service]
ExecStartPre=/bin/sh -c 'echo start >> $starts'
ExecStart=/bin/sh -c 'sleep 0.5; exit 1'
"
systemctl --user start broken.service
# A long interval: the drill must not wait for the next cycle.
write_config "interval = 1min
timeout = 2s
restart_grace = 2s
restart_window = 1000

[check dovecot]
type = imap
port = $iport
unit = dovecot.service

$(broken_check "$bport")"
start_mailsupd
wait_for '[[ $(check_state dovecot) == ok ]]' 30 "dovecot ok" || fail "dovecot never ok"
wait_for '[[ $(check_state broken) == disabled ]]' 30 "broken disabled" || fail "broken never disabled"

# broken is disabled after its crash loop: never drilled.
n_starts=$(count_lines "$starts")
set +e
err=$(ctl drill broken --yes 2>&1)
rc=$?
set -e
[[ $rc == 1 && $err == "mailsupctl: 'broken' is disabled: a drill never runs on a disabled check" ]] ||
	fail "drill of a disabled check: rc $rc, '$err'"
sleep 2
[[ $(count_lines "$starts") == "$n_starts" ]] || fail "the refused drill touched broken.service"
[[ $(count_events drill-started) == 0 ]] || fail "a drill of a disabled check started"
pass "a disabled check is never drilled"

old_main=$(unit_prop dovecot.service MainPID)
set +e
err=$(ctl drill dovecot 2>&1)
rc=$?
set -e
[[ $rc == 1 && $err == *"run 'mailsupctl drill dovecot --yes' to confirm"* ]] || fail "drill without --yes: rc $rc, '$err'"
err=$(busctl --user call org.mailsup.Supervisor1 /org/mailsup/Supervisor1 org.mailsup.Supervisor1 \
	Drill sb dovecot false 2>&1 || true)
[[ $err == *"confirm it (mailsupctl drill dovecot --yes)"* ]] || fail "Drill(confirmed=false) was not refused: $err"
[[ $(ps -o stat= -p "$old_main") != T* ]] || fail "an unconfirmed drill froze dovecot"
[[ $(count_events drill-started) == 0 ]] || fail "an unconfirmed drill started"
pass "no confirmation, no drill: dovecot untouched"

# The DrillStep signals, as another client would see them.
dbus-monitor --session "type='signal',interface='org.mailsup.Supervisor1',member='DrillStep'" \
	>"$SANDBOX_DIR/monitor.log" 2>&1 &
monitor_pid=$!
trap 'kill $monitor_pid 2>/dev/null || true' EXIT
sleep 0.5
start=$SECONDS
out=$(ctl drill dovecot --yes) || fail "the drill failed: $out"
took=$((SECONDS - start))
echo "$out"
step_line "$out" frozen ok | grep -q "SIGSTOP sent to every process of dovecot.service" || fail "no frozen step"
step_line "$out" detected ok | grep -q "no greeting within 2s" || fail "no detected step with the reason"
step_line "$out" notified skipped | grep -q "no notification channels configured" || fail "no honest notified step"
step_line "$out" restarted ok | grep -q "RestartUnit(dovecot.service) job done" || fail "no restarted step"
step_line "$out" recovered ok | grep -q "LOGOUT answered OK" || fail "no recovered step"
[[ $(tail -n1 <<<"$out") =~ ^"drill of dovecot passed after "[0-9.]+s$ ]] || fail "no verdict line"
# The steps come in order, with growing times.
[[ $(grep -oE '\+[0-9.]+s' <<<"$out" | tr -d '+s' | sort -n | paste -sd' ') == \
	$(grep -oE '\+[0-9.]+s' <<<"$out" | tr -d '+s' | paste -sd' ') ]] || fail "step times out of order"
((took < 50)) || fail "the drill waited for the cycle (${took}s)"
new_main=$(unit_prop dovecot.service MainPID)
[[ $new_main != "$old_main" && $new_main != 0 ]] || fail "MainPID unchanged: no real restart"
imap_greets "$iport" 2 || fail "dovecot does not greet after the drill"
[[ $(check_state dovecot) == ok ]] || fail "dovecot not ok after the drill"
[[ $(ctl status dovecot || true) == *"restarts 1/3"* ]] || fail "the drill's restart is not in the window"
[[ $(count_events drill-finished) == 1 ]] || fail "expected one drill-finished event"
events drill-finished | grep -q "dovecot: drill passed" || fail "the drill-finished event does not say passed"
wait_for '[[ $(grep -c "member=DrillStep" "$SANDBOX_DIR/monitor.log") == 5 ]]' 5 "5 DrillStep signals" ||
	fail "expected 5 DrillStep signals: $(cat "$SANDBOX_DIR/monitor.log")"
grep -A5 "member=DrillStep" "$SANDBOX_DIR/monitor.log" | paste -sd' ' | tr -s ' ' |
	grep -q 'string "dovecot" string "detected" string "ok" uint64 [0-9]* string "no greeting within 2s"' ||
	fail "DrillStep signal not (check, step, result, elapsed, detail): $(cat "$SANDBOX_DIR/monitor.log")"
pass "drill on Debian's dovecot.service: frozen, detected, notified (none), restarted, recovered, in ${took}s"

set +e
err=$(ctl test-alert 2>&1)
rc=$?
set -e
[[ $rc == 1 && $err == "no notification channels configured: nothing was sent" ]] || fail "test-alert: rc $rc, '$err'"
pass "test-alert: no channels configured, said so, exit 1"
