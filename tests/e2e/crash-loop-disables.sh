#!/usr/bin/env bash
# Scenario 2: a service that comes up and is broken again every time (it
# accepts connections and never greets). Exactly three restarts, then the
# check is disabled, and no fourth restart, whatever happens next: not on
# later failed probes, not when the unit itself fails.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

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
