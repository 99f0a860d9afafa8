#!/usr/bin/env bash
# The supervisor's own watchdog: mailsupd as a Type=notify unit with
# WatchdogSec=2s fed from its event loop and Restart=on-failure. Frozen
# with SIGSTOP, it stops pinging; systemd kills it (Result=watchdog) and
# starts it again, and what it knew survives: a disabled check is still
# disabled.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

bport=$(free_port)
starts=$SANDBOX_DIR/broken.service.starts
install_hung_smtp broken.service "$bport"
write_config "$FAST_CYCLE
restart_limit = 1

$(broken_check "$bport")"
sandbox_install_unit mailsupd.service "[Service]
Type=notify
ExecStart=$MAILSUPD --config $MAILSUPD_CONF --verbose
StandardError=append:$SANDBOX_DIR/mailsupd.log
WatchdogSec=2s
TimeoutAbortSec=2s
Restart=on-failure
RestartSec=3s
"
systemctl --user start mailsupd.service || fail "mailsupd did not start"
wait_for '[[ $(check_state broken) == disabled ]]' 60 "broken disabled" || fail "broken never disabled"
sleep 5
[[ $(unit_prop mailsupd.service NRestarts) == 0 ]] || fail "mailsupd restarted although its loop runs"
[[ $(unit_prop mailsupd.service StatusText) == "1 check: 1 disabled (broken)" ]] ||
	fail "STATUS= is '$(unit_prop mailsupd.service StatusText)'"
pass "running: watchdog fed for 5s (no restart), STATUS='1 check: 1 disabled (broken)'"

old=$(unit_prop mailsupd.service MainPID)
broken_starts=$(count_lines "$starts")
kill -STOP "$old"
wait_for '[[ $(unit_prop mailsupd.service Result) == watchdog ]]' 30 "Result=watchdog" ||
	fail "no watchdog kill: Result=$(unit_prop mailsupd.service Result)"
pass "SIGSTOPped mailsupd killed by systemd with Result=watchdog"

wait_for '[[ $(unit_prop mailsupd.service NRestarts) == 1 && $(unit_prop mailsupd.service ActiveState) == active ]]' \
	30 "mailsupd restarted" || fail "systemd did not restart mailsupd"
new=$(unit_prop mailsupd.service MainPID)
[[ $new != "$old" ]] || fail "same MainPID after the restart"
wait_for '[[ $(check_state broken) == disabled ]]' 10 "state read back" || fail "broken is $(check_state broken)"
sleep 3
[[ $(count_lines "$starts") == "$broken_starts" ]] || fail "the disabled unit was restarted after the watchdog restart"
pass "restarted by systemd (MainPID $old -> $new); broken still disabled and untouched"
