#!/usr/bin/env bash
# The drill's failure paths (README, "drill"): it refuses a check with no
# unit to restart, a failing check, a check whose window has no room left,
# and any check while a drill runs; a drill whose restart fails, or whose
# probe never sees the freeze, fails with exit status 3; a drill that got no
# restart thaws the unit (SIGCONT); "notified" says failed, with the reason,
# when the channel refuses.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

ctl() { "$MAILSUPCTL" --user "$@"; }
# drill NAME: run a confirmed drill; sets OUT and RC
drill() {
	RC=0
	OUT=$(ctl drill "$1" --yes 2>&1) || RC=$?
}
step_line() {
	grep -E "^  $2 +$3 +\+[0-9]+\.[0-9]{3}s" <<<"$1"
}

hport=$(free_port) fport=$(free_port) wport=$(free_port) nport=$(free_port) tport=$(free_port)
install_peer held.service "$hport" "Restart=on-failure
RestartSec=200ms"
install_peer full.service "$fport"
install_peer nostart.service "$nport"
install_peer frozen.service "$tport"
# The channel answers every notification with 500.
sandbox_install_unit webhook.service "[Service]
ExecStart=/usr/bin/python3 $HERE/../notify-receiver.py $wport $SANDBOX_DIR/webhook.jsonl 500
"
systemctl --user start webhook.service
wait_for "tcp_connects $wport 1" 20 "the channel listens" || fail "the receiver never listened"
write_config "interval = 2s
timeout = 1s
restart_grace = 2s

[check held]
type = smtp
port = $hport
unit = held.service

[check full]
type = smtp
port = $fport
unit = full.service

[check nostart]
type = smtp
port = $nport
unit = nostart.service

[check alertonly]
type = smtp
port = $nport
unit = nostart.service
action = alert

[check frozen]
type = tcp
port = $tport
unit = frozen.service

[notify hook]
type = webhook
url = http://127.0.0.1:$wport/hook
timeout = 2s"
start_mailsupd
wait_for '[[ $(check_state held) == ok && $(check_state full) == ok && $(check_state nostart) == ok && $(check_state frozen) == ok ]]' \
	30 "every check ok" || fail "not every check ok: $(ctl status)"

drill alertonly
[[ $RC == 1 && $OUT == *"'alertonly' has action = alert: a drill needs a unit to restart"* ]] || fail "drill of an alert check: rc $RC, $OUT"

peer_hang full.service 3
wait_for '[[ $(ctl status full || true) == *"restarts 3/3"* && $(check_state full) == ok ]]' 60 "full at 3/3" ||
	fail "full did not reach 3/3: $(ctl status full)"
drill full
[[ $RC == 1 && $OUT == *"the window of 'full' already holds 3 of 3 restarts: the drill would disable it"* ]] ||
	fail "drill of a full window: rc $RC, $OUT"

touch "$SANDBOX_DIR/held.service.hold"
kill -KILL "$(unit_prop held.service MainPID)"
wait_for '[[ $(check_state held) == failing ]]' 30 "held failing" || fail "held not failing: $(check_state held)"
drill held
[[ $RC == 1 && $OUT == *"'held' is failing: a drill starts from a healthy check"* ]] || fail "drill of a failing check: rc $RC, $OUT"
rm -f "$SANDBOX_DIR/held.service.hold"
[[ $(count_events drill-started) == 0 ]] || fail "a refused drill started"
pass "refused: no unit to restart (action = alert), a full window, a failing check; none started"

# A drill whose restart fails.
touch "$SANDBOX_DIR/nostart.service.nostart"
drill nostart
echo "$OUT"
[[ $RC == 3 ]] || fail "a drill whose restart failed exited $RC"
step_line "$OUT" frozen ok >/dev/null || fail "no frozen step"
step_line "$OUT" detected ok >/dev/null || fail "no detected step"
step_line "$OUT" notified failed | grep -q "hook: .*500" || fail "notified does not say the channel refused, with its status"
step_line "$OUT" restarted failed >/dev/null || fail "no failed restarted step"
[[ $(tail -n1 <<<"$OUT") =~ ^"drill of nostart FAILED after "[0-9.]+s$ ]] || fail "no FAILED verdict"
events restart-failed | grep -q "restart of nostart.service failed" || fail "no restart-failed event"
pass "a drill whose restart fails: restarted failed, notified failed (the channel's 500), FAILED, exit 3"

# A drill the probe cannot see (a tcp check on a frozen process: the kernel
# still accepts): no detection, no restart, the unit is thawed. Meanwhile,
# any other drill is refused as busy.
ctl drill frozen --yes >"$SANDBOX_DIR/drill-frozen.out" 2>&1 &
drill_pid=$!
wait_for '[[ $(count_events drill-started) -ge 2 ]]' 20 "the drill of frozen started" || fail "the drill of frozen did not start"
drill held
[[ $RC == 1 && $OUT == *"a drill of 'frozen' is running"* ]] || fail "a second drill while one runs: rc $RC, $OUT"
pass "a drill while another runs is refused: busy"
rc=0
wait "$drill_pid" || rc=$?
out=$(cat "$SANDBOX_DIR/drill-frozen.out")
echo "$out"
[[ $rc == 3 ]] || fail "a drill that never detected exited $rc"
step_line "$out" detected timeout >/dev/null || fail "no detected timeout step"
step_line "$out" thawed ok | grep -q "SIGCONT sent to every process of frozen.service" || fail "no thawed step"
main=$(unit_prop frozen.service MainPID)
[[ $(ps -o stat= -p "$main") != T* ]] || fail "frozen.service was left stopped"
[[ $(ps -o stat= -p "$main") ]] || fail "no main process"
smtp_greets "$tport" 2 || fail "frozen.service does not answer after the thaw"
[[ $(peer_starts frozen.service) == 1 ]] || fail "frozen.service was restarted"
pass "a drill that never detects: timeout, thawed (SIGCONT), FAILED exit 3, the service answers, unrestarted"
