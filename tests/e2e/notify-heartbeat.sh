#!/usr/bin/env bash
# The monitor is monitored: mailsupd pings a heartbeat URL after every
# cycle (healthchecks.io style), URL/fail with a plain-text summary while a
# check is disabled, and the pings stop while mailsupd is frozen (SIGSTOP),
# which is what lets the outside service page someone; thawed, it resumes
# one ping per cycle, without a burst of caught-up cycles.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

hport=$(free_port)
rec=$SANDBOX_DIR/heartbeat.jsonl
start_receiver heartbeat.service "$hport" "$rec"
pings() { records "$rec" | grep -c '"path": "/ping/abc' || true; }

# A healthy check first: the receiver's own port.
write_config "$FAST_CYCLE
restart_limit = 1
heartbeat_url = http://127.0.0.1:$hport/ping/abc

[check good]
type = tcp
port = $hport"
start_mailsupd

wait_for '[[ $(records "$rec" | grep -c "\"path\": \"/ping/abc\"") -ge 3 ]]' 30 "3 success pings" ||
	fail "no pings to the heartbeat URL"
records "$rec" | grep '"path": "/ping/abc"' | head -1 | grep -q '"method": "POST".*1 check: 1 ok' ||
	fail "a success ping is not a POST with the summary: $(records "$rec" | head -1)"
"$MAILSUPCTL" --user status | head -1 | grep -q "heartbeat ok" || fail "status does not show the heartbeat ok"
pass "a POST to the URL per cycle while all is well, shown by mailsupctl status"

# A check that gets disabled: URL/fail with a body naming it.
bport=$(free_port)
install_hung_smtp broken.service "$bport"
cat >>"$MAILSUPD_CONF" <<CONF

$(broken_check "$bport")
CONF
"$MAILSUPCTL" --user reload >/dev/null || fail "reload refused"
wait_for '[[ $(check_state broken) == disabled ]]' 60 "broken disabled" || fail "broken never disabled"
wait_for 'records "$rec" | grep "/ping/abc/fail" | grep -q "broken disabled: no greeting"' 20 "a /fail ping" ||
	fail "no /fail ping with a body naming the disabled check"
body=$(records "$rec" | grep "/ping/abc/fail" | tail -1)
grep -q '2 checks: 1 ok, 1 disabled (broken)' <<<"$body" || fail "the /fail body lacks the summary: $body"
pass "URL/fail with a plain-text summary while a check is disabled"

# Frozen and thawed. That a SIGSTOPped process pings no one is true of any
# build; what can go wrong is the thaw: the cycles missed while frozen must
# not run back to back (each pinged at once and cancelled the ping before
# it, counted as a heartbeat failure: the outside monitor saw a burst, and
# status blamed it). After SIGCONT: one cycle, then one per interval.
json_supervisor() {
	{ "$MAILSUPCTL" --user status --json || true; } |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["Supervisor"][sys.argv[1]])' "$1"
}
# hb_idle: every ping begun is done (mailsupd logs "heartbeat: ... after
# cycle N" as one starts, "heartbeat: ping done" as it ends)
hb_idle() {
	local log
	log=$(mailsupd_log)
	(($(grep -cE 'heartbeat: .* after cycle [0-9]+ ' <<<"$log") == $(grep -c 'heartbeat: ping done' <<<"$log")))
}
# freeze_idle PID: SIGSTOP between two pings. A ping in flight across the
# freeze would outlive its timeout (the cycle's 500ms) and count as failed
# on the thaw: a failure of the frozen mailsupd's own making, not what this
# test is about.
freeze_idle() {
	local i
	for ((i = 0; i < 20; i++)); do
		wait_for hb_idle 10 "no ping in flight" || return 1
		kill -STOP "$1"
		hb_idle && return 0 # the log cannot move while it is stopped
		kill -CONT "$1"
	done
	return 1
}
sleep 3
before=$(pings)
[[ $before -ge 5 ]] || fail "too few pings so far ($before)"
hb_failures=$(json_supervisor HeartbeatFailures)
main=$(unit_prop mailsupd.service MainPID)
freeze_idle "$main" || fail "could not freeze mailsupd between two pings"
frozen_start=$(pings)
cycles_frozen=$(cycle_count)
sleep 5
frozen_end=$(pings)
kill -CONT "$main"
sleep 0.9
burst=$(($(cycle_count) - cycles_frozen))
[[ $frozen_end == "$frozen_start" ]] || fail "pings went on while mailsupd was stopped ($frozen_start -> $frozen_end)"
((burst <= 2)) || fail "$burst cycles ran in the first 0.9s after SIGCONT: the missed ones were caught up back to back"
wait_for '[[ $(pings) -ge $((frozen_end + 3)) ]]' 20 "pings resume" || fail "pings did not resume after SIGCONT"
[[ $(json_supervisor HeartbeatFailures) == "$hb_failures" ]] ||
	fail "heartbeat failures grew from $hb_failures to $(json_supervisor HeartbeatFailures) after the thaw"
pass "frozen 5s: no pings; thawed: $burst cycles in the first 0.9s, then one per interval, no ping cancelled by the next"
