#!/usr/bin/env bash
# A full disk, the mail server's most common catastrophe, silences nothing.
# The state directory (and the outbox in it) is a small tmpfs in the
# sandbox's mount namespace, filled to the last byte while mailsupd runs.
# Once, the outbox took ENOSPC for "outbox full (0 items)" and dropped every
# notification, the disk alert included, and failed state saves were only
# log lines, several a second. Now: the disk alert and the state-save-failed
# event reach a real receiver while the disk is full; mailsupctl status and
# the heartbeat's summary say the state is not saved; each failure is said
# once, not per cycle; when space returns, the state is saved again and
# status is clean.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

state=$SANDBOX_DIR/state
mkdir -p "$state"
mount -t tmpfs -o size=256k,mode=0700 mailsup-full-disk "$state"
trap 'umount "$state" 2>/dev/null || true' EXIT

wport=$(free_port)
rec=$SANDBOX_DIR/hook.jsonl
start_receiver hook.service "$wport" "$rec"
ctl() { "$MAILSUPCTL" --user "$@"; }
# status: what mailsupctl status prints (it exits 3 while a check fails)
status() { ctl status 2>&1 || true; }
cycle() { status | sed -n 's/.*cycle \([0-9]*\) .*/\1/p'; }

write_config "$FAST_CYCLE
heartbeat_url = http://127.0.0.1:$wport/ping

[notify ops]
type = webhook
url = http://127.0.0.1:$wport/hook

[check disk]
type = system
metric = disk
path = $state
action = alert"
start_mailsupd
wait_for '[[ $(check_state disk) == ok ]]' 30 "disk ok" || fail "the disk check is not ok on an empty tmpfs"
wait_for "[[ -s $state/state ]]" 10 "state saved" || fail "no state file"

# Fill it up: the next save, and every outbox file, gets ENOSPC.
dd if=/dev/zero of="$state/filler" bs=4k 2>/dev/null || true
[[ $(df --output=avail "$state" | tail -1 | tr -d " ") == 0 ]] || fail "the tmpfs is not full: $(df "$state")"

wait_for '[[ $(check_state disk) == failing ]]' 30 "disk failing" || fail "the disk check never saw the full disk"
wait_for 'records "$rec" | grep "\"kind\": \"threshold-critical\"" | grep -q "100% used"' 30 "disk alert" ||
	fail "the disk alert never reached the receiver: $(records "$rec")"
wait_for 'records "$rec" | grep -q "\"kind\": \"state-save-failed\".*No space left on device"' 30 \
	"state-save-failed" || fail "the state-save-failed event never reached the receiver: $(records "$rec")"
[[ -e $state/filler ]] || fail "the disk is no longer full"
pass "the disk alert and state-save-failed reach the receiver while the disk is full"

out=$(status)
grep -q "state file not saved: No space left on device" <<<"$out" || fail "status does not say the state is not saved: $out"
wait_for 'records "$rec" | grep "\"path\": \"/ping/fail\"" | grep -q "state not saved: No space left on device"' 20 \
	"heartbeat summary" || fail "the heartbeat summary does not say it: $(records "$rec" | grep ping | tail -2)"
ctl status --json >"$SANDBOX_DIR/status.json" || [[ $? == 3 ]] || fail "status --json failed"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["Supervisor"]
assert d["StateSaveError"] == "No space left on device", d
assert d["StateSaveFailures"] >= 1, d' "$SANDBOX_DIR/status.json" || fail "status --json lacks StateSaveError"
pass "status, status --json and the heartbeat's /fail summary say the state is not saved"

# Several cycles on a full disk: each failure said once.
cycles=$(cycle)
wait_for '[[ $(cycle) -ge $((cycles + 4)) ]]' 30 "4 more cycles" ||
	fail "the cycles stopped"
log=$SANDBOX_DIR/mailsupd.log
[[ $(count_events state-save-failed) == 1 ]] || fail "state-save-failed said $(count_events state-save-failed) times"
# (mailsupd runs with --verbose: the retries are there at debug level, and only there)
saves=$(grep -v "^debug: " "$log" | grep -c "cannot save state" || true)
[[ $saves == 1 ]] || fail "the failed save is logged $saves times: $(grep "cannot save" "$log")"
grep -q "^debug: cannot save state .* ([0-9]* failed saves)" "$log" || fail "the failed saves were not retried"

[[ $(grep -c "cannot write outbox: No space left on device" "$log") == 1 ]] ||
	fail "the outbox error is not said exactly once: $(grep -c "cannot write outbox" "$log")"
! grep -q "outbox full" "$log" || fail "a write error was taken for a full outbox: $(grep "outbox full" "$log")"
pass "over 4+ cycles: one state-save-failed, one 'cannot write outbox: No space left on device', no 'outbox full'"

# Space returns.
rm -f "$state/filler"
wait_for 'grep -q "state saved to .* again, after" "$log"' 30 "saved again" || fail "the state is not saved again"
wait_for '! status | grep -q "not saved\|not written"' 30 "status clean" || fail "status still says: $(status)"
wait_for '[[ $(check_state disk) == ok ]]' 30 "disk ok again" || fail "the disk check did not recover"
wait_for '[[ -z $(outbox_ids) ]]' 60 "outbox empty" || fail "the outbox kept: $(outbox_ids)"
grep -q "^\[check disk\]" "$state/state" || fail "the state file lacks the check: $(cat "$state/state")"
ids=$(records "$rec" | python3 -c '
import json, sys, collections
c = collections.Counter(json.loads(l)["body"]["id"] for l in sys.stdin if "\"/hook\"" in l)
print(" ".join("%s:%d" % kv for kv in c.items()))')
[[ -n $ids ]] || fail "no notification recorded"
pass "space back: state saved again, status clean, outbox empty; delivered (id:times) $ids"
