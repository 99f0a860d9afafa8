#!/usr/bin/env bash
# Scenario 4: Dovecot's main process is SIGKILLed (Debian's dovecot.service,
# stock config). The unit enters failed, and mailsupd restarts it from that
# state change, not at its next cycle: the kill comes right after a cycle
# began, the next one is 20s away, and the restart must be logged before it.
# (With interval = 1h, as this test had, "no second cycle" held for any
# build: a cycle-driven restart would simply never have come.)
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
export MAILSUPD_LOG=journal

port=$(free_port)
debian_dovecot "$port" || fail "Debian's dovecot did not start"
write_config "interval = 20s
timeout = 5s
restart_grace = 1s

[check dovecot]
type = imap
port = $port
unit = dovecot.service"
start_mailsupd

wait_for '[[ $(check_state dovecot) == ok ]]' 30 "dovecot ok" || fail "dovecot never ok"
# Kill right after a cycle started (and its probe said ok).
n=$(cycle_count)
wait_for '[[ $(cycle_count) -gt '"$n"' ]]' 30 "the next cycle" || fail "no second cycle"
n=$(cycle_count)
old_main=$(unit_prop dovecot.service MainPID)
kill -KILL "$old_main"
wait_for '[[ -n $(events unit-restarted) ]]' 30 "dovecot restarted" || fail "no restart after the kill"
events unit-restarting | grep -q "unit dovecot.service entered failed" ||
	fail "the restart was not triggered by the unit's state change: $(events unit-restarting)"
r=$(cycles_before 'restarting dovecot.service')
[[ $r == "$n" ]] || fail "the restart came after cycle $r, not in cycle $n: it waited for the next cycle"
wait_for 'imap_greets '"$port"' 1' 30 "IMAP answers again" || fail "IMAP does not answer after the restart"
[[ $(unit_prop dovecot.service MainPID) != "$old_main" ]] || fail "MainPID unchanged"
pass "killed dovecot restarted from its unit state change within cycle $n, before the next cycle"
