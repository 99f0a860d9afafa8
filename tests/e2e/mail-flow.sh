#!/usr/bin/env bash
# Mail flows, or mailsupd says where it stopped (issue 10). One real
# pipeline for every scenario: Postfix -> rspamd (milter, unscanned mail
# accepted when it is gone) -> LMTP -> Dovecot -> IMAP, with a roundtrip
# canary beside plain smtp and lmtp checks, rspamd's GTUBE scan and /ping:
#   1. healthy: ok with the delivery latency; canaries never pile up in the
#      mailbox, and a user's own message there is never touched;
#   2. rspamd's scanner frozen: the GTUBE check fails, /ping still says pong;
#   3. qmgr alone SIGSTOPped: smtp stays ok, the canary fails within
#      max_delay plus a cycle naming the queue id; after SIGCONT it
#      recovers and the late canaries are deleted;
#   then, reloaded with depends_on = lmtp, rspamd and action = restart of
#   postfix.service:
#   4. Dovecot's LMTP gone: the failure says deferred and why, names lmtp;
#      Postfix is not restarted;
#   5. rspamd stopped: the canary arrives without X-Spam-Status, the failure
#      says so and names rspamd as the cause; Postfix is not restarted.
source "$(dirname "$0")/lib.sh"
source "$HERE/../harness/mailflow.sh"
sandbox_reexec "$@"

smtp=$(free_port)
imap=$(free_port)
lmtp=$(free_port)
milter=$(free_port)
normal=$(free_port)
controller=$(free_port)
mailflow_rspamd rspamd.service "$milter" "$normal" "$controller" || fail "rspamd did not start"
mailflow_stack postfix.service "$smtp" dovecot.service "$imap" "$lmtp" || fail "mail stack did not start"
mailflow_milter postfix.service "$milter" || fail "could not add the milter"
user=canary@test.invalid
printf 'test\n' >"$SANDBOX_DIR/imap.pw"
chmod 600 "$SANDBOX_DIR/imap.pw"

# A message of the user's own, delivered before mailsupd runs: it must stay.
python3 - "$smtp" <<'EOF' || fail "could not deliver the user's own message"
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
    s.sendmail("someone@example.org", ["canary@test.invalid"],
               "From: someone@example.org\r\nSubject: keep me\r\nX-Mailsup-Canary: not yours\r\n\r\nhello\r\n")
EOF
wait_for '[[ $(imap_count dovecot.service $user) == 1 ]]' 30 "the user's message delivered" ||
	fail "the user's own message was not delivered"

# config FLOW_EXTRA: the checks, with FLOW_EXTRA added to [check flow].
config() {
	write_config "interval = 4s
timeout = 3s
restart_grace = 1s

[check smtp]
type = smtp
port = $smtp

[check lmtp]
type = lmtp
port = $lmtp

[check rspamd]
type = http
url = http://127.0.0.1:$normal/checkv2
method = POST
body_file = $HERE/../../data/gtube.eml
expect_body = \"action\": *\"reject\"

[check rspamd-ping]
type = http
url = http://127.0.0.1:$controller/ping
expect_body = pong

[check flow]
type = roundtrip
port = $smtp
from = mailsup@test.invalid
to = $user
imap_port = $imap
imap_user = $user
imap_password_file = $SANDBOX_DIR/imap.pw
max_delay = 12s
expect_header = ^X-Spam-Status:
config_directory = $(postfix_dir postfix.service)/conf
$1"
}
config ""
start_mailsupd
status() { "$MAILSUPCTL" --user status "$1"; }

# 1. Healthy.
wait_for 'grep -q "delivered in" <<<"$(status flow)"' 60 "a canary delivered" || fail "no canary delivered: $(status flow)"
[[ $(check_state flow) == ok ]] || fail "flow not ok: $(status flow)"
grep -Eq 'delivered in [0-9]+\.[0-9]s \(queued as [0-9A-Za-z]+\)' <<<"$(status flow)" ||
	fail "status does not show the latency and queue id: $(status flow)"
pass "healthy pipeline: $(status flow | grep -o 'delivered in [^;]*(queued as [^)]*)' | head -n 1)"
for _ in 1 2 3 4 5; do
	n=$(imap_count dovecot.service $user)
	((n <= 2)) || fail "$n messages in the mailbox: canaries pile up"
	sleep 3
done
grep -rlq "Subject: keep me" "$(dovecot_dir dovecot.service)/mail/$user" || fail "the user's own message was deleted"
pass "canaries deleted on arrival (at most the user's message and one canary in the mailbox), the user's message kept"
[[ $(check_state rspamd) == ok && $(check_state rspamd-ping) == ok ]] ||
	fail "rspamd checks not ok: $(status rspamd) $(status rspamd-ping)"
pass "rspamd: GTUBE rejected via /checkv2, /ping pong"

# 2. The scanner frozen, the controller still answering.
worker=$(rspamd_worker_pid rspamd.service normal)
[[ -n $worker ]] || fail "no rspamd normal worker"
kill -STOP "$worker"
wait_for '[[ $(check_state rspamd) == failing ]]' 30 "the scan check fails" || fail "GTUBE check still $(status rspamd)"
[[ $(check_state rspamd-ping) == ok ]] || fail "/ping should still answer: $(status rspamd-ping)"
pass "scanner frozen: $(events check-failed | grep -o 'rspamd: http check failed: .*' | tail -n 1); /ping still ok"
kill -CONT "$worker"
wait_for '[[ $(check_state rspamd) == ok ]]' 30 "the scan check recovers" || fail "GTUBE check $(status rspamd)"

# 3. qmgr frozen: accepted, never delivered.
qmgr=$(postfix_qmgr_pid postfix.service) || fail "no qmgr"
kill -STOP "$qmgr"
frozen_at=$SECONDS
wait_for 'grep -q "not delivered within 12s" <<<"$(status flow)"' 40 "flow fails" ||
	fail "flow never failed for the frozen qmgr: $(status flow)"
took=$((SECONDS - frozen_at))
((took <= 12 + 4 + 6)) || fail "failure after ${took}s, more than max_delay plus a cycle (and the run)"
[[ $(check_state flow) == failing ]] || fail "flow is $(check_state flow)"
[[ $(check_state smtp) == ok ]] || fail "the smtp check should stay ok while qmgr is frozen"
grep -Eq 'not delivered within 12s \(queued as [0-9A-Za-z]+, accepted [0-9.ms]+ ago\); still in the incoming queue' \
	<<<"$(status flow)" || fail "the failure does not name the queue id and queue: $(status flow)"
pass "qmgr frozen: smtp ok, flow failed after ${took}s: $(status flow | grep -o 'not delivered.*' | head -n 1)"
kill -CONT "$qmgr"
wait_for '[[ $(check_state flow) == ok ]]' 60 "flow recovers" || fail "flow did not recover after SIGCONT"
wait_for '(( $(imap_count dovecot.service '"$user"') <= 2 ))' 20 "late canaries cleaned up" ||
	fail "late canaries left in the mailbox: $(imap_count dovecot.service $user)"
pass "after SIGCONT: recovered, late canaries deleted"

# Root cause first: the canary may restart Postfix, unless a dependency explains its failure.
config "unit = postfix.service
action = restart
depends_on = lmtp, rspamd"
"$MAILSUPCTL" --user reload >/dev/null || fail "reload refused"
wait_for '[[ $(check_state flow) == ok ]]' 30 "flow ok after the reload" || fail "flow $(status flow)"

# 4. LMTP gone: deferred, and why.
mailflow_lmtp off dovecot.service "$lmtp" || fail "could not stop LMTP"
wait_for 'grep -q "deferred: " <<<"$(status flow)"' 60 "failure names the deferral" || fail "no deferred reason: $(status flow)"
grep -q "not delivered within 12s .*; deferred: connect to 127.0.0.1\[127.0.0.1\]:$lmtp: Connection refused; lmtp is failing" \
	<<<"$(status flow)" || fail "the deferral reason is not Postfix's with the cause: $(status flow)"
grep -q "flow: failing while lmtp is failing: the restart of postfix.service waits" <<<"$(events stand-aside)" ||
	fail "no stand-aside naming lmtp: $(events stand-aside)"
[[ $(count_events unit-restarting) == 0 ]] || fail "postfix was restarted: $(events unit-restarting)"
pass "LMTP gone: $(status flow | grep -o 'deferred: .*' | head -n 1); postfix not restarted"
mailflow_lmtp on dovecot.service "$lmtp" || fail "could not restart LMTP"
wait_for '[[ $(check_state flow) == ok ]]' 60 "flow recovers" || fail "flow did not recover with LMTP back"
# What Postfix deferred meanwhile waits for its queue's next try: a canary
# late then is not lmtp's any more, and may restart Postfix (the policy).
wait_for '[[ -z $(postqueue -c "$(postfix_dir postfix.service)/conf" -j) ]]' 90 "Postfix's queue drained" ||
	fail "mail left in Postfix's queue with LMTP back"
wait_for '[[ $(check_state flow) == ok ]]' 60 "flow ok" || fail "flow $(status flow)"
pass "LMTP back: flow ok, the queue drained"
restarts=$(count_events unit-restarting)

# 5. rspamd gone: mail passes unscanned.
systemctl --user stop rspamd.service
wait_for 'grep -q "without a header matching" <<<"$(status flow)"' 40 "flow names the header" ||
	fail "no missing-header failure: $(status flow)"
grep -Eq "arrived in [0-9.]+s without a header matching '\^X-Spam-Status:' \(queued as [0-9A-Za-z]+\); rspamd is failing" \
	<<<"$(status flow)" || fail "the failure does not say the header and the cause: $(status flow)"
grep -q "flow: failing while rspamd is failing: the restart of postfix.service waits" <<<"$(events stand-aside)" ||
	fail "no stand-aside naming rspamd: $(events stand-aside)"
[[ $(count_events unit-restarting) == "$restarts" ]] || fail "postfix was restarted: $(events unit-restarting)"
pass "rspamd stopped: $(status flow | grep -o 'arrived in.*' | head -n 1); postfix not restarted"
