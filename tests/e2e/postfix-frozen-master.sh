#!/usr/bin/env bash
# PENDING (suite "pending", not run by tests/run.sh until the daemon side of
# issue 8 lands): a frozen Postfix master on a Debian server is detected
# within one cycle and healed through postfix.service.
#
# Debian's own units and stock master.cf (no max_use=1): the master runs in
# postfix@-.service, which is PartOf the oneshot postfix.service. Frozen
# with SIGSTOP, the master still has warm smtpd children that accept on the
# listen socket and greet until they retire (max_idle 100s, max_use 100),
# so a greeting alone does not show the outage; nothing new can be spawned.
# Today's mailsupd, checking postfix.service by greeting, misses it for
# minutes (measured: not detected in 30s at a 2s interval).
#
# Expected of mailsupd (the way is the daemon's choice: the state of the
# unit's processes, a deeper protocol step, or both):
#   - the check says only what the embedded default says: type smtp, unit =
#     postfix.service; mailsupd finds the unit that holds the master itself
#     (the units PartOf postfix.service: its ConsistsOf property);
#   - the first cycle that starts after the freeze fails the check;
#   - the restart goes through postfix.service, as an admin restarts Postfix,
#     once, and a new master greets.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
export MAILSUPD_LOG=journal

watch_debian_postfix "$DEBIAN_CYCLE"
port=$PORT
sleep 4 # a few probes: the smtpd that answered them is warm
smtpds=$(debian_postfix_smtpds | paste -sd' ')
[[ -n $smtpds ]] || fail "no warm smtpd child to begin with"
pass "Debian's postfix.service/postfix@-.service, stock master.cf, warm smtpd: $smtpds"

master=$(debian_postfix_master)
kill -STOP "$master"
sleep 0.3
n0=$(cycle_count)
smtp_greets "$port" 2 && echo "(a warm smtpd still greets for the frozen master)"
wait_for '[[ -n $(events check-failed | grep "^postfix: ") ]]' 30 "postfix failed" ||
	fail "a frozen master was not detected in 30s"
n1=$(cycles_before 'postfix: smtp check failed')
((n1 - n0 <= 1)) || fail "detected only in the $((n1 - n0))th cycle after the freeze, not the first"
pass "frozen master (warm children $smtpds) detected in the first cycle after the freeze"

healed_once_through_postfix "$master"
pass "restarted once through postfix.service; master $master -> $(debian_postfix_master), greeting again"
