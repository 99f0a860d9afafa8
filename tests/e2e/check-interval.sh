#!/usr/bin/env bash
# A check with its own interval runs at its own pace beside the cycle:
# with a 1s cycle, a check of interval 6s runs about once per six cycles
# (not every cycle, and still runs), status shows its pace and when it
# runs next, and a reload that keeps its interval keeps its schedule.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

: >"$SANDBOX_DIR/probed"
write_config "$FAST_CYCLE

[check fast]
type = file
path = $SANDBOX_DIR/probed

[check slow]
type = file
path = $SANDBOX_DIR/probed
interval = 6s"
start_mailsupd

runs() {
	mailsupd_log | grep -c "^debug: $1: ok, " || true
}

wait_for '[[ $(runs fast) -ge 13 ]]' 60 "13 cycles" || fail "the cycle did not run: $(runs fast) runs"
fast=$(runs fast)
slow=$(runs slow)
echo "in the same time: fast ran $fast times, slow $slow times"
((slow >= 2)) || fail "the check with its own interval ran $slow times while the cycle ran $fast"
((slow * 3 <= fast)) || fail "the check with interval 6s ran $slow times while a 1s cycle ran $fast"
out=$("$MAILSUPCTL" --user status slow || true)
grep -q "(every 6s)" <<<"$out" || fail "status does not show the pace: $out"
grep -Eq "next probe (in [0-9.]+m?s|running now)" <<<"$out" || fail "status does not say when it runs next: $out"
out=$("$MAILSUPCTL" --user status fast || true)
grep -q "(every 1s)" <<<"$out" || fail "status does not show the cycle's pace for fast: $out"
pass "slow ran $slow times while fast ran $fast; status: $(grep -o 'next probe.*' <<<"$out")"

# A reload keeps the slow check's schedule: right after it ran, a reload
# does not run it again at once, and it runs within its interval.
before=$(runs slow)
wait_for '[[ $(runs slow) -gt '"$before"' ]]' 10 "a run of slow" || fail "slow did not run within 10s"
ran=$(runs slow)
"$MAILSUPCTL" --user reload >/dev/null || fail "reload failed"
sleep 2
[[ $(runs slow) == "$ran" ]] || fail "a reload ran the slow check at once"
wait_for '[[ $(runs slow) -gt '"$ran"' ]]' 10 "the slow check after the reload" ||
	fail "the slow check did not run within its interval after a reload"
pass "a reload keeps its pace"
