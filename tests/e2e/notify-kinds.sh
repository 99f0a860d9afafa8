#!/usr/bin/env bash
# Every kind of notification README's "Alerting" lists, as a webhook
# receiver on loopback gets it (min_severity = info), each with its severity
# and phase, and what must stay silent:
#   supervisor-started, supervisor-stopping (info events);
#   threshold-warning, then threshold-critical, then both resolved, from a
#     memory check fed by a meminfo file the test writes; while the warning
#     lasts, reminders (reminder = 3s) with "reminder": true;
#   check-failed (warning, firing, then resolved), unit-restarted and
#     check-recovered (info) from a service that hangs once;
#   restart-failed (critical) from a service whose restart job fails;
#   check-reset (info) from mailsupctl reset;
#   a check with action = none fails all along and is never notified.
# mailsupd also starts on a corrupt state file: it says so, sets it aside
# as state.corrupt-<time> with its bytes, and runs.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

wport=$(free_port)
rec=$SANDBOX_DIR/webhook.jsonl
start_receiver webhook.service "$wport" "$rec"
pport=$(free_port)
install_peer peer.service "$pport"
nport=$(free_port)
install_peer nostart.service "$nport"
meminfo() { printf 'MemTotal: 1000000 kB\nMemFree: %s kB\nMemAvailable: %s kB\n' "$1" "$1" >"$SANDBOX_DIR/meminfo.tmp" &&
	mv "$SANDBOX_DIR/meminfo.tmp" "$SANDBOX_DIR/meminfo"; }
meminfo 400000 # 60% used: above warn 50%

mkdir -p "$SANDBOX_DIR/state"
printf 'garbage, not a state file\n' >"$SANDBOX_DIR/state/state"
write_config "interval = 1s
timeout = 500ms
restart_grace = 1s
reminder = 3s

[check mem]
type = system
metric = memory
proc_meminfo = $SANDBOX_DIR/meminfo
warn = 50%
crit = 90%
fail_after = 1

[check peer]
type = smtp
port = $pport
unit = peer.service

[check nostart]
type = smtp
port = $nport
unit = nostart.service

[check quiet]
type = tcp
port = $(free_port)
action = none

[notify hook]
type = webhook
url = http://127.0.0.1:$wport/hook
min_severity = info"
start_mailsupd
wait_for '[[ $(check_state peer) == ok ]]' 30 "mailsupd runs" || fail "mailsupd does not run on a corrupt state file"
aside=$(find "$SANDBOX_DIR/state" -name 'state.corrupt-*' | head -1)
[[ -n $aside && $(cat "$aside") == "garbage, not a state file" ]] || fail "the corrupt state file was not set aside with its bytes"
grep -qF "moved to $aside" "$SANDBOX_DIR/mailsupd.log" || fail "mailsupd did not say where the corrupt state file went"
wait_for '[[ -s $SANDBOX_DIR/state/state ]] && head -c 200 "$SANDBOX_DIR/state/state" | grep -q "^\[mailsupd\]"' 10 "a new state file" ||
	fail "no new state file written"
pass "a corrupt state file at start: reported, set aside as ${aside##*/} with its bytes, mailsupd runs"

wait_for 'notified "$rec" supervisor-started info event' 20 "supervisor-started" || fail "no supervisor-started (info, event)"
wait_for 'notified "$rec" threshold-warning warning firing "mem"' 20 "threshold-warning" || fail "no threshold-warning (warning, firing)"
# reminders KIND: how many reminders of KIND (firing, "reminder": true) arrived
reminders() {
	python3 - "$rec" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    b = json.loads(line).get("body") or {}
    n += b.get("kind") == sys.argv[2] and b.get("phase") == "firing" and b.get("reminder") is True
print(n)
PY
}
wait_for '[[ $(reminders threshold-warning) -ge 2 ]]' 20 "two reminders" || fail "no reminders of the lasting threshold-warning"
pass "supervisor-started (info); threshold-warning (warning, firing) and its reminders every 3s"

meminfo 50000 # 95%: above crit 90%
wait_for 'notified "$rec" threshold-critical critical firing "mem"' 20 "threshold-critical" || fail "no threshold-critical (critical, firing)"
wait_for 'notified "$rec" threshold-warning warning resolved "mem"' 20 "warning resolved" || fail "the warning did not resolve when it became critical"
meminfo 900000 # 10%
wait_for 'notified "$rec" threshold-critical critical resolved "mem"' 20 "critical resolved" || fail "threshold-critical never resolved"
pass "threshold-critical (critical, firing), then resolved, as the meminfo file changes"

peer_hang peer.service 1
wait_for 'notified "$rec" check-recovered info event "peer"' 30 "check-recovered" || fail "no check-recovered (info, event)"
notified "$rec" check-failed warning firing "peer" || fail "no check-failed (warning, firing)"
notified "$rec" unit-restarted info event "peer.service" || fail "no unit-restarted (info, event)"
wait_for 'notified "$rec" check-failed warning resolved "peer"' 20 "check-failed resolved" || fail "check-failed never resolved"
pass "check-failed (warning, firing, resolved), unit-restarted and check-recovered (info) for a service that hung once"

touch "$SANDBOX_DIR/nostart.service.nostart"
peer_hang nostart.service forever
wait_for 'notified "$rec" restart-failed critical event "nostart.service"' 30 "restart-failed" ||
	fail "no restart-failed (critical, event)"
"$MAILSUPCTL" --user reset nostart >/dev/null || fail "reset failed"
wait_for 'notified "$rec" check-reset info event "nostart"' 20 "check-reset" || fail "no check-reset (info, event)"
pass "restart-failed (critical) when the restart job fails; check-reset (info) after mailsupctl reset"

[[ $(check_state quiet) == failing ]] || fail "quiet should be failing: $(check_state quiet)"
python3 - "$rec" <<'PY' || fail "a check with action = none was notified"
import json, sys
sys.exit(1 if any((json.loads(l).get("body") or {}).get("check") == "quiet" for l in open(sys.argv[1])) else 0)
PY
pass "quiet (action = none) failing all along: shown, never notified"

systemctl --user stop mailsupd.service
systemctl --user start mailsupd.service || fail "mailsupd did not start again"
wait_for 'notified "$rec" supervisor-stopping info event' 30 "supervisor-stopping" || fail "no supervisor-stopping (info, event)"
pass "supervisor-stopping (info) arrives (at the latest from the outbox after the next start)"
