#!/usr/bin/env bash
# A real Prometheus (Debian's) scrapes a real mailsupd (metrics_listen):
# `up` is 1; a healthy check's mailsup_check_up is 1 and a failing one's 0;
# the unit mailsupd restarted shows in mailsup_unit_restarts_total with
# by="mailsup", a unit systemd restarts by itself (Restart=) with
# by="systemd"; the exposition and the textfile pass `promtool check
# metrics`; deliveries and drops are counted per channel; after a SIGKILL
# of mailsupd the restart counters go on from where they were
# (state_directory/metrics); a reload moves the listener.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
PROM=/usr/bin/prometheus
[[ -x $PROM ]] || fail "$PROM not installed (tests/install-deps.sh)"

mport=$(free_port)
pport=$(free_port)
cat >"$SANDBOX_DIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: mailsup
    static_configs:
      - targets: ['127.0.0.1:$mport']
YML
sandbox_install_unit prometheus.service "[Service]
ExecStart=$PROM --config.file=$SANDBOX_DIR/prometheus.yml --storage.tsdb.path=$SANDBOX_DIR/prom-data --web.listen-address=127.0.0.1:$pport
StandardError=append:$SANDBOX_DIR/prometheus.log
"
systemctl --user start prometheus.service
wait_for "tcp_connects $pport 1" 30 "prometheus listens" || fail "prometheus never listened"

# query EXPR: the value of the first series of an instant query, or nothing
query() {
	curl -s --max-time 5 "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null || true
}

gport=$(free_port)
sandbox_install_unit good.service "[Service]
ExecStart=/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:$gport
"
systemctl --user start good.service
wait_for "smtp_greets $gport 1" 20 "good greets" || fail "the healthy service does not greet"
bport=$(free_port)
install_hung_smtp broken.service "$bport" "$SANDBOX_DIR/broken.starts"
# Restarted by systemd alone: it exits after a second, Restart=always.
sandbox_install_unit flappy.service "[Service]
ExecStart=/bin/sleep 1
Restart=always
RestartSec=2s
"
systemctl --user start flappy.service
fport=$(free_port)
# Notifications: a receiver that takes them, and a channel nobody answers
# whose items are given up after max_age.
rport=$(free_port)
start_receiver receiver.service "$rport" "$SANDBOX_DIR/hook.jsonl"
dead=$(free_port)

write_config "$FAST_CYCLE
restart_limit = 2
metrics_listen = 127.0.0.1:$mport
metrics_textfile = $SANDBOX_DIR/mailsup.prom

[check good]
type = smtp
port = $gport
unit = good.service

$(broken_check "$bport")

[check flappy]
type = tcp
port = $fport
unit = flappy.service
action = none

[notify hook]
type = webhook
url = http://127.0.0.1:$rport/
min_severity = info

[notify nowhere]
type = webhook
url = http://127.0.0.1:$dead/
min_severity = info
max_age = 2s"
start_mailsupd

wait_for '[[ $(query "up{job=\"mailsup\"}") == 1 ]]' 30 "up is 1" || fail "up is not 1: $(query up)"
pass "Prometheus scrapes mailsupd: up is 1"

wait_for '[[ $(query "mailsup_check_up{check=\"good\"}") == 1 ]]' 30 "good up" ||
	fail "mailsup_check_up of good is not 1"
wait_for '[[ $(query "mailsup_check_up{check=\"broken\"}") == 0 ]]' 30 "broken down" ||
	fail "mailsup_check_up of broken is not 0"
[[ $(query 'mailsup_check_up{check="good",type="smtp",unit="good.service"}') == 1 ]] ||
	fail "mailsup_check_up lacks its type and unit labels"
pass "mailsup_check_up: 1 for the healthy check, 0 for the failing one"

wait_for '[[ $(check_state broken) == disabled ]]' 60 "broken disabled" || fail "broken never disabled"
wait_for '[[ $(query "mailsup_check_disabled{check=\"broken\"}") == 1 ]]' 30 "disabled in prometheus" ||
	fail "mailsup_check_disabled of broken is not 1"
restarts=$(count_events unit-restarted)
wait_for '[[ $(query "mailsup_unit_restarts_total{unit=\"broken.service\",by=\"mailsup\"}") == '"$restarts"' ]]' 30 \
	"restarts by mailsup" || fail "restarts by mailsup: $(query 'mailsup_unit_restarts_total{unit="broken.service",by="mailsup"}'), the log says $restarts"
[[ $(query 'mailsup_check_state{check="broken",state="disabled"}') == 1 &&
	$(query 'mailsup_check_state{check="broken",state="ok"}') == 0 ]] || fail "mailsup_check_state is wrong for broken"
pass "the unit mailsupd restarted: mailsup_unit_restarts_total{by=\"mailsup\"} = $restarts, as its log says"

wait_for '(( $(query "mailsup_unit_restarts_total{unit=\"flappy.service\",by=\"systemd\"}" || echo 0) >= 2 ))' 30 \
	"restarts by systemd" || fail "flappy's restarts by systemd not counted: $(query 'mailsup_unit_restarts_total{unit="flappy.service"}')"
[[ $(query 'mailsup_unit_restarts_total{unit="flappy.service",by="mailsup"}') == 0 ]] ||
	fail "flappy was never restarted by mailsupd, yet by=mailsup is not 0"
pass "a unit systemd restarts itself: mailsup_unit_restarts_total{by=\"systemd\"} grows, by=\"mailsup\" stays 0"

wait_for '(( $(query "mailsup_notifications_delivered_total{channel=\"hook\"}" || echo 0) >= 1 ))' 30 "delivered" ||
	fail "no delivery counted for hook; the receiver got $(records "$SANDBOX_DIR/hook.jsonl" | grep -c .)"
wait_for '(( $(query "mailsup_notifications_dropped_total{channel=\"nowhere\"}" || echo 0) >= 1 ))' 30 "dropped" ||
	fail "no drop counted for the channel nobody answers"
[[ $(query 'mailsup_notifications_dropped_total{channel="hook"}') == 0 ]] || fail "drops counted for hook"
pass "notifications: delivered to the receiver and given up for the dead channel, counted per channel"

curl -s --max-time 5 "http://127.0.0.1:$mport/metrics" >"$SANDBOX_DIR/page.prom" || fail "no page"
out=$(promtool check metrics <"$SANDBOX_DIR/page.prom" 2>&1) || fail "promtool check metrics: $out"
[[ -z $out ]] || fail "promtool check metrics complains: $out"
for name in mailsup_check_up mailsup_check_state mailsup_check_duration_seconds mailsup_check_disabled \
	mailsup_unit_restarts_total mailsup_cycle_duration_seconds mailsup_notifications_queued \
	mailsup_notifications_delivered_total mailsup_notifications_dropped_total \
	mailsup_heartbeat_failures_total mailsup_build_info; do
	grep -q "^# TYPE $name " "$SANDBOX_DIR/page.prom" || fail "the page has no $name"
done
pass "the exposition passes promtool check metrics and names every required family"

[[ -f $SANDBOX_DIR/mailsup.prom ]] || fail "no textfile written"
out=$(promtool check metrics <"$SANDBOX_DIR/mailsup.prom" 2>&1) || fail "promtool on the textfile: $out"
[[ -z $out ]] || fail "promtool check metrics complains about the textfile: $out"
grep -q '^mailsup_check_up{check="good",type="smtp",unit="good.service"} 1$' "$SANDBOX_DIR/mailsup.prom" ||
	fail "the textfile lacks good's mailsup_check_up"
pass "the textfile is written and passes promtool check metrics"

# SIGKILL: the restart counters go on from where they were.
before_m=$(query 'mailsup_unit_restarts_total{unit="broken.service",by="mailsup"}')
before_s=$(query 'mailsup_unit_restarts_total{unit="flappy.service",by="systemd"}')
systemctl --user kill --signal=SIGKILL mailsupd.service
wait_for '[[ $(unit_prop mailsupd.service ActiveState) != active ]]' 20 "mailsupd dead" || fail "mailsupd survived SIGKILL"
systemctl --user reset-failed mailsupd.service 2>/dev/null || true
systemctl --user start mailsupd.service || fail "mailsupd did not start again"
page() { curl -s --max-time 5 "http://127.0.0.1:$mport/metrics"; }
wait_for 'page | grep -q "^mailsup_unit_restarts_total{unit=\"broken.service\",by=\"mailsup\"} "' 30 "page again" ||
	fail "no page after the restart"
after_m=$(page | sed -n 's/^mailsup_unit_restarts_total{unit="broken.service",by="mailsup"} //p')
after_s=$(page | sed -n 's/^mailsup_unit_restarts_total{unit="flappy.service",by="systemd"} //p')
[[ $after_m == "$before_m" ]] || fail "restarts by mailsup after SIGKILL: $after_m, before: $before_m"
((after_s >= before_s)) || fail "restarts by systemd went back after SIGKILL: $after_s, before: $before_s"
pass "after SIGKILL the restart counters go on: by mailsup $after_m, by systemd $after_s (was $before_s)"

# Reload: a new address is taken at once and the old one closed; an address
# already in use is logged and the listener keeps serving where it was.
mport2=$(free_port)
sed -i "s/^metrics_listen = .*/metrics_listen = 127.0.0.1:$mport2/" "$MAILSUPD_CONF"
systemctl --user kill --signal=SIGHUP mailsupd.service
wait_for 'curl -s --max-time 2 "http://127.0.0.1:$mport2/metrics" | grep -q "^mailsup_build_info"' 20 "new port" ||
	fail "no page on the new metrics_listen after a reload"
wait_for '! tcp_connects $mport 1' 10 "old port closed" || fail "the old port still listens after the reload"
sed -i "s/^metrics_listen = .*/metrics_listen = 127.0.0.1:$pport/" "$MAILSUPD_CONF" # Prometheus' own port
systemctl --user kill --signal=SIGHUP mailsupd.service
wait_for 'grep -q "cannot serve metrics on 127.0.0.1:$pport: Address already in use; still serving on 127.0.0.1:$mport2" "$SANDBOX_DIR/mailsupd.log"' \
	20 "bind error logged" || fail "no error for an address in use"
curl -s --max-time 5 "http://127.0.0.1:$mport2/metrics" | grep -q "^mailsup_build_info" ||
	fail "the listener stopped after a reload to an address in use"
[[ $(unit_prop mailsupd.service ActiveState) == active ]] || fail "mailsupd is not running"
pass "reload: a new metrics_listen is served, the old closed; an address in use is logged, the old one kept"
