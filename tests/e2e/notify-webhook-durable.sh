#!/usr/bin/env bash
# Nothing lost: the webhook receiver is down while a check crash-loops into
# "disabled"; mailsupd is SIGKILLed and started again meanwhile; then the
# receiver comes back. Every notification that was ever in the outbox
# arrives at least once, each body passes the webhook schema and carries
# the configured header, and the outbox ends empty.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

wport=$(free_port)
rec=$SANDBOX_DIR/webhook.jsonl
bport=$(free_port)
install_hung_smtp broken.service "$bport"
write_config "$FAST_CYCLE
restart_limit = 2

$(broken_check "$bport")

[notify ops]
type = webhook
url = http://127.0.0.1:$wport/hook
min_severity = info
header = Authorization: Bearer t0k3n
timeout = 2s"
start_mailsupd

wait_for '[[ $(check_state broken) == disabled ]]' 60 "broken disabled" || fail "broken never disabled"
wait_for '[[ $(outbox_ids | wc -l) -ge 4 ]]' 10 "notifications queued" || fail "the outbox holds $(outbox_ids | wc -l) items"
outbox_ids >"$SANDBOX_DIR/ids"
pass "receiver down: $(wc -l <"$SANDBOX_DIR/ids") notifications wait in the outbox"

systemctl --user kill --signal=SIGKILL mailsupd.service
wait_for '[[ $(unit_prop mailsupd.service ActiveState) != active ]]' 20 "mailsupd dead" || fail "mailsupd survived SIGKILL"
systemctl --user reset-failed mailsupd.service || true
systemctl --user start mailsupd.service || fail "mailsupd did not start again"
sleep 2
outbox_ids >>"$SANDBOX_DIR/ids"
sort -u -o "$SANDBOX_DIR/ids" "$SANDBOX_DIR/ids"
n=$(wc -l <"$SANDBOX_DIR/ids")
pass "SIGKILLed and started again; $n notification ids seen in the outbox in all"

start_receiver webhook.service "$wport" "$rec"
missing() {
	local id k=0
	while read -r id; do grep -q "\"id\": \"$id\"" "$rec" 2>/dev/null || k=$((k + 1)); done <"$SANDBOX_DIR/ids"
	echo "$k"
}
wait_for '[[ $(missing) == 0 ]]' 90 "every notification delivered" || fail "$(missing) of $n notifications never arrived"
wait_for '[[ -z $(outbox_ids) ]]' 30 "outbox empty" || fail "the outbox still holds $(outbox_ids | wc -l) items"
pass "receiver back: all $n notification ids arrived, the outbox is empty"

bad=$(grep -vc '"schema": "ok"' "$rec" || true)
[[ $bad == 0 ]] || fail "$bad bodies fail the webhook schema: $(grep -v '"schema": "ok"' "$rec" | head -1)"
noauth=$(grep -vc '"authorization": "Bearer t0k3n"' "$rec" || true)
[[ $noauth == 0 ]] || fail "$noauth requests without the configured header"
notified "$rec" check-disabled critical firing ||
	fail "no check-disabled notification, critical and firing: $(grep check-disabled "$rec" | head -1)"
notified "$rec" check-disabled critical firing "broken: failed to restart after 2 attempts within 5 cycles" ||
	fail "the disable notification does not say why"
notified "$rec" unit-restarted info event "broken.service" || fail "no unit-restarted notification, info, an event"
pass "every body passes the schema, carries the header; disabled (critical, firing) and restarted (info, event) are there"
