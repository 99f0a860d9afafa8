#!/usr/bin/env bash
# Scenario 4: Dovecot's main process is SIGKILLed. The unit enters failed,
# and mailsupd restarts it from that state change, before its next cycle
# would have run: the interval is long, and the log shows no cycle between
# the start-up probe and the restart.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

port=$(free_port)
mailstack_dovecot dovecot.service "$port"
write_config "interval = 1h
timeout = 5s
restart_grace = 1s

[check dovecot]
type = imap
port = $port
unit = dovecot.service"
start_mailsupd

wait_for '[[ $(check_state dovecot) == ok ]]' 30 "dovecot ok" || fail "dovecot never ok"
old_main=$(unit_prop dovecot.service MainPID)
kill -KILL "$old_main"
wait_for '[[ -n $(events unit-restarted) ]]' 30 "dovecot restarted" || fail "no restart after the kill"
events unit-restarting | grep -q "unit dovecot.service entered failed" ||
	fail "the restart was not triggered by the unit's state change"
# Order of events: cycle 1 (start-up), then the restart, and no cycle 2 in between.
grep -q "cycle 1$" "$SANDBOX_DIR/mailsupd.log" || fail "no first cycle logged"
! grep -q "cycle 2$" "$SANDBOX_DIR/mailsupd.log" || fail "a second cycle ran: the reaction was not instant"
wait_for 'imap_greets '"$port"' 1' 30 "IMAP answers again" || fail "IMAP does not answer after the restart"
[[ $(unit_prop dovecot.service MainPID) != "$old_main" ]] || fail "MainPID unchanged"
pass "killed dovecot restarted from its unit state change, before the next cycle"
