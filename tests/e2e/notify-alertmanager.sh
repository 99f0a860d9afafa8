#!/usr/bin/env bash
# A real Prometheus Alertmanager (Debian's) on loopback: a crash-looping
# check is disabled and the alert is active in GET /api/v2/alerts with our
# labels, and Alertmanager notifies its own receiver (a webhook, with
# send_resolved); the service is made healthy and the check reset: the
# alert resolves (endsAt), long before Alertmanager's own resolve_timeout:
# Alertmanager tells its receiver "resolved", and its API, answering, no
# longer lists the alert.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
AM=/usr/bin/prometheus-alertmanager
[[ -x $AM ]] || fail "$AM not installed (tests/install-deps.sh)"

aport=$(free_port)
rport=$(free_port)
amrec=$SANDBOX_DIR/am-receiver.jsonl
start_receiver am-receiver.service "$rport" "$amrec"
cat >"$SANDBOX_DIR/am.yml" <<YML
route:
  receiver: rec
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: rec
    webhook_configs:
      - url: http://127.0.0.1:$rport/am
        send_resolved: true
YML
sandbox_install_unit alertmanager.service "[Service]
ExecStart=$AM --config.file=$SANDBOX_DIR/am.yml --storage.path=$SANDBOX_DIR/am-data --web.listen-address=127.0.0.1:$aport --cluster.listen-address=
StandardError=append:$SANDBOX_DIR/alertmanager.log
"
systemctl --user start alertmanager.service
wait_for "tcp_connects $aport 1" 30 "alertmanager listens" || fail "alertmanager never listened"
alerts() { curl -sf --max-time 5 "http://127.0.0.1:$aport/api/v2/alerts"; }
# am_says STATUS: Alertmanager notified its receiver that the check-disabled
# alert of check broken is STATUS (firing or resolved)
am_says() {
	python3 - "$amrec" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]) if __import__("os").path.exists(sys.argv[1]) else []:
    body = json.loads(line).get("body") or {}
    for a in body.get("alerts", []):
        l = a.get("labels", {})
        if l.get("alertname") == "check-disabled" and l.get("check") == "broken" and a.get("status") == sys.argv[2]:
            sys.exit(0)
sys.exit(1)
PY
}
# no_active_alert: Alertmanager answers, with a list that lacks our alert
no_active_alert() {
	local a
	a=$(alerts) || return 1
	python3 -c 'import json, sys; a = json.loads(sys.argv[1]); sys.exit(0 if isinstance(a, list) and not any(x["labels"].get("alertname") == "check-disabled" for x in a) else 1)' "$a"
}

bport=$(free_port)
install_hung_smtp broken.service "$bport"
write_config "$FAST_CYCLE
restart_limit = 2

$(broken_check "$bport")

[notify am]
type = alertmanager
url = http://127.0.0.1:$aport/"
start_mailsupd

wait_for '[[ $(check_state broken) == disabled ]]' 60 "broken disabled" || fail "broken never disabled"
wait_for 'alerts | grep -q "\"alertname\":\"check-disabled\""' 30 "alert active" || fail "no alert: $(alerts)"
a=$(alerts)
for want in '"check":"broken"' '"unit":"broken.service"' '"severity":"critical"' '"state":"active"' \
	'failed to restart after 2 attempts within 5 cycles'; do
	grep -qF "$want" <<<"$a" || fail "the alert lacks $want: $a"
done
wait_for 'am_says firing' 30 "Alertmanager notifies its receiver" || fail "Alertmanager did not notify its receiver of the alert"
pass "disabled check: check-disabled alert active in Alertmanager with its labels, sent on to its receiver"

# Make it healthy: a real SMTP server (aiosmtpd) on the same port, then reset.
sandbox_install_unit broken.service "[Service]
ExecStart=/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:$bport
"
systemctl --user restart broken.service
wait_for "smtp_greets $bport 1" 20 "healthy service greets" || fail "the healthy service does not greet"
"$MAILSUPCTL" --user reset broken >/dev/null || fail "reset failed"
wait_for '[[ $(check_state broken) == ok ]]' 30 "broken ok" || fail "broken not ok after reset"
wait_for 'am_says resolved' 30 "Alertmanager says resolved" || fail "Alertmanager never notified its receiver of the resolution"
no_active_alert || fail "Alertmanager still lists the alert, or does not answer: $(alerts)"
pass "reset and healthy: Alertmanager resolves the alert, tells its receiver, and lists it no more"
