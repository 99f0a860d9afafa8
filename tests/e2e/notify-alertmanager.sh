#!/usr/bin/env bash
# A real Prometheus Alertmanager (Debian's) on loopback: a crash-looping
# check is disabled and the alert is active in GET /api/v2/alerts with our
# labels; the service is made healthy and the check reset: the alert
# resolves (endsAt), long before Alertmanager's own resolve_timeout.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
AM=/usr/bin/prometheus-alertmanager
[[ -x $AM ]] || fail "$AM not installed (tests/install-deps.sh)"

aport=$(free_port)
printf "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n" >"$SANDBOX_DIR/am.yml"
sandbox_install_unit alertmanager.service "[Service]
ExecStart=$AM --config.file=$SANDBOX_DIR/am.yml --storage.path=$SANDBOX_DIR/am-data --web.listen-address=127.0.0.1:$aport --cluster.listen-address=
StandardError=append:$SANDBOX_DIR/alertmanager.log
"
systemctl --user start alertmanager.service
wait_for "tcp_connects $aport 1" 30 "alertmanager listens" || fail "alertmanager never listened"
alerts() { curl -s --max-time 5 "http://127.0.0.1:$aport/api/v2/alerts"; }

bport=$(free_port)
install_hung_smtp broken.service "$bport" "$SANDBOX_DIR/broken.starts"
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
pass "disabled check: check-disabled alert active in Alertmanager with its labels"

# Make it healthy: a real SMTP server (aiosmtpd) on the same port, then reset.
sandbox_install_unit broken.service "[Service]
ExecStart=/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:$bport
"
systemctl --user restart broken.service
wait_for "smtp_greets $bport 1" 20 "healthy service greets" || fail "the healthy service does not greet"
"$MAILSUPCTL" --user reset broken >/dev/null || fail "reset failed"
wait_for '[[ $(check_state broken) == ok ]]' 30 "broken ok" || fail "broken not ok after reset"
wait_for '! alerts | grep -q check-disabled' 30 "alert resolved" || fail "the alert is still active: $(alerts)"
pass "reset and healthy: the alert is resolved in Alertmanager"
