#!/usr/bin/env bash
# Scenario 3: mailsupd is SIGKILLed while one check is disabled and another
# check's window holds 2 restarts. Started again, the disabled check stays
# disabled (its unit is not restarted), and the 2 restarts still count: one
# more restart is allowed, and the failure after it disables the check.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

# "broken": a listener that never greets, disabled after 3 restarts.
bport=$(free_port)
starts=$SANDBOX_DIR/broken.starts
install_hung_smtp broken.service "$bport" "$starts"
# "postfix": real Postfix, frozen twice by the test, healed twice.
pport=$(free_port)
mailstack_postfix postfix.service "$pport"

# A wide window, so the two restarts are still inside it after the SIGKILL.
write_config "$FAST_CYCLE
restart_window = 1000

$(broken_check "$bport")

[check postfix]
type = smtp
port = $pport
unit = postfix.service"
start_mailsupd

wait_for '[[ $(check_state broken) == disabled ]]' 90 "broken disabled" || fail "broken never disabled"
for i in 1 2; do
	kill -STOP "$(postfix_master_pid postfix.service)"
	wait_for '[[ $(events unit-restarted | grep -c postfix.service) == '"$i"' ]]' 60 "postfix restart $i" ||
		fail "postfix restart $i did not happen"
	wait_for '[[ $(check_state postfix) == ok ]]' 30 "postfix ok after restart $i" || fail "postfix not healed"
done
"$MAILSUPCTL" --user status postfix | grep -q "restarts 2/3" || fail "window should hold 2 postfix restarts"
pass "broken disabled, postfix window holds 2 restarts"

systemctl --user kill --signal=SIGKILL mailsupd.service
wait_for '[[ $(unit_prop mailsupd.service ActiveState) != active ]]' 20 "mailsupd dead" || fail "mailsupd survived SIGKILL"
echo "---- mailsupd started again ----" >>"$SANDBOX_DIR/mailsupd.log"
broken_starts=$(count_lines "$starts")
systemctl --user reset-failed mailsupd.service || true
systemctl --user start mailsupd.service || fail "mailsupd did not start again"

after() { sed -n '/^---- mailsupd started again ----$/,$p' "$SANDBOX_DIR/mailsupd.log"; }
wait_for '[[ $(check_state postfix) == ok ]]' 30 "postfix ok after mailsupd restart" || fail "postfix state lost"
[[ $(check_state broken) == disabled ]] || fail "broken re-enabled after SIGKILL: $(check_state broken)"
"$MAILSUPCTL" --user status postfix | grep -q "restarts 2/3" || fail "the 2 restarts were forgotten"
sleep 3
[[ $(count_lines "$starts") == "$broken_starts" ]] || fail "disabled broken.service was restarted after SIGKILL"
pass "after SIGKILL: broken still disabled and untouched, postfix still 2/3"

kill -STOP "$(postfix_master_pid postfix.service)"
wait_for '[[ $(after | grep -c "\[unit-restarted\].*" ) -ge 1 ]]' 60 "third postfix restart" || fail "no third restart"
wait_for '[[ $(check_state postfix) == ok ]]' 30 "postfix ok after restart 3" || fail "postfix not healed"
kill -STOP "$(postfix_master_pid postfix.service)"
wait_for '[[ $(check_state postfix) == disabled ]]' 60 "postfix disabled" || fail "postfix not disabled after the 4th failure"
[[ $(after | grep -c "\[unit-restarting\]") == 1 ]] || fail "expected exactly 1 restart after SIGKILL"
pass "one more restart, then disabled: the window survived SIGKILL"
kill -CONT "$(postfix_master_pid postfix.service)" || true
