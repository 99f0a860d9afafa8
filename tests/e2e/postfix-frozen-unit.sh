#!/usr/bin/env bash
# Debian's Postfix frozen whole: every process of postfix@-.service (master,
# qmgr, pickup, the warm smtpd) stopped with SIGSTOP, as a stuck cgroup or
# an admin's `systemctl kill -s STOP` leaves it. The port still accepts (the
# kernel completes handshakes) and nothing greets. mailsupd, checking
# postfix.service as the embedded default does, detects it in the first
# cycle after the freeze and restarts postfix.service, which restarts
# postfix@-.service (PartOf); Debian's ExecStop waits for the frozen master,
# then it is killed, and a new master greets. What mailsupd did is in the
# journal where an admin looks: journalctl -u postfix.service.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
export MAILSUPD_LOG=journal

watch_debian_postfix "$DEBIAN_CYCLE"
port=$PORT
master=$(debian_postfix_master)

systemctl --user kill --signal=SIGSTOP postfix@-.service
sleep 0.3
n0=$(cycle_count)
tcp_connects "$port" 1 || fail "the frozen unit's port should still accept"
wait_for '[[ -n $(events check-failed) ]]' 30 "postfix failed" || fail "a frozen postfix@-.service was not detected"
n1=$(cycles_before 'postfix: smtp check failed')
((n1 - n0 <= 1)) || fail "detected only in the $((n1 - n0))th cycle after the freeze, not the first"
events check-failed | grep -q "postfix: smtp check failed: no greeting within 2s" || fail "unexpected reason: $(events check-failed)"
pass "every process of postfix@-.service frozen: detected in the first cycle after the freeze"

healed_once_through_postfix "$master"
pass "restarted once through postfix.service; new master $(debian_postfix_master) greets"

# What an admin reads: mailsupd's entries about postfix.service, with the
# structured fields the README promises.
j=$(journalctl -q --no-pager -o cat -u postfix.service)
grep -q "restarting postfix.service (1 of 3 in 5 cycles): no greeting within 2s" <<<"$j" ||
	fail "journalctl -u postfix.service does not show the restart: $j"
[[ $(journalctl -q --no-pager -o cat MESSAGE_ID=8f72eb27aab847718fd625d01b5b4995 OBJECT_SYSTEMD_UNIT=postfix.service CHECK=postfix MAILSUP_EVENT=unit-restarting | wc -l) == 1 ]] ||
	fail "no journal entry with MESSAGE_ID, OBJECT_SYSTEMD_UNIT, CHECK and MAILSUP_EVENT for the restart"
pass "journalctl -u postfix.service shows what mailsupd did, with MESSAGE_ID=, CHECK=, MAILSUP_EVENT="
