#!/usr/bin/env bash
# Scenario 2: a service that comes up and is broken again every time (it
# accepts connections and never greets). Exactly three restarts, then the
# check is disabled, and no fourth restart, whatever happens next: not on
# later failed probes, not when the unit itself fails.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
export MAILSUPD_LOG=journal

port=$(free_port)
starts=$SANDBOX_DIR/broken.service.starts
install_hung_smtp broken.service "$port"

write_config "$FAST_CYCLE
restart_limit = 3
restart_window = 5

$(broken_check "$port")"
start_mailsupd

wait_for '[[ $(check_state broken) == disabled ]]' 90 "broken disabled" || fail "never disabled"
[[ $(count_lines "$starts") == 4 ]] || fail "expected 1 start + 3 restarts, saw $(count_lines "$starts") starts"
[[ $(count_events unit-restarting) == 3 ]] || fail "expected 3 restarts, log has $(count_events unit-restarting)"
events check-disabled | grep -q "broken: failed to restart after 3 attempts within 5 cycles" ||
	fail "no disable event naming 3 attempts within 5 cycles"
pass "three restarts, then disabled"

# What an admin reads: the disable under its catalog MESSAGE_ID, with the
# check named in CHECK= and the unit in OBJECT_SYSTEMD_UNIT=.
j=$(journalctl -q --no-pager -o export MESSAGE_ID=b502421f353a468187ad7ee3bf848fc2)
[[ $(grep -c '^MESSAGE_ID=' <<<"$j") == 1 ]] || fail "journalctl MESSAGE_ID=<check-disabled> found $(grep -c '^MESSAGE_ID=' <<<"$j") entries, want 1"
grep -qx 'CHECK=broken' <<<"$j" || fail "the disable's journal entry has no CHECK=broken: $j"
grep -qx 'OBJECT_SYSTEMD_UNIT=broken.service' <<<"$j" || fail "the disable's journal entry has no OBJECT_SYSTEMD_UNIT=broken.service: $j"
[[ $(journalctl -q --no-pager -o cat -p err MESSAGE_ID=b502421f353a468187ad7ee3bf848fc2 | wc -l) == 1 ]] ||
	fail "journalctl -p err does not show the disable: $j"
[[ $(journalctl -q --no-pager -o cat OBJECT_SYSTEMD_UNIT=broken.service MAILSUP_EVENT=unit-restarting | wc -l) == 3 ]] ||
	fail "journalctl OBJECT_SYSTEMD_UNIT=broken.service does not show the 3 restarts"
pass "journalctl MESSAGE_ID= finds the disable with CHECK= and the unit; the unit's filter shows 3 restarts"

set +e
"$MAILSUPCTL" --user status >/dev/null
rc=$?
set -e
[[ $rc == 3 ]] || fail "status should exit 3 with a disabled check, got $rc"
pass "mailsupctl status exits 3 with a disabled check"

# Whatever happens next: more failing cycles, and the unit dying outright.
sleep 4
kill -KILL "$(unit_prop broken.service MainPID)"
wait_for '[[ $(unit_prop broken.service ActiveState) == failed ]]' 20 "unit failed" || fail "unit did not fail"
sleep 4
[[ $(count_lines "$starts") == 4 ]] || fail "a fourth restart happened ($(count_lines "$starts") starts)"
[[ $(count_events unit-restarting) == 3 ]] || fail "restart count grew to $(count_events unit-restarting)"
[[ $(check_state broken) == disabled ]] || fail "no longer disabled: $(check_state broken)"
pass "no fourth restart after more failures and a dead unit"
