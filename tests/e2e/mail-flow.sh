#!/usr/bin/env bash
# Mail flows, or the canary says where it stopped (issue 10). One pipeline
# for every scenario: Postfix -> LMTP -> Dovecot -> IMAP, all real,
# with a roundtrip check beside a plain smtp check:
#   1. healthy: ok with the delivery latency; canaries never pile up in the
#      mailbox, and a user's own message there is never touched;
#   2. qmgr alone SIGSTOPped: smtp stays ok, roundtrip fails within
#      max_delay plus a cycle naming the queue id; after SIGCONT it
#      recovers and the late canaries are deleted;
#   3. Dovecot's LMTP gone: the failure says deferred and why.
source "$(dirname "$0")/lib.sh"
source "$HERE/../harness/mailflow.sh"
sandbox_reexec "$@"

smtp=$(free_port)
imap=$(free_port)
lmtp=$(free_port)
mailflow_stack postfix.service "$smtp" dovecot.service "$imap" "$lmtp" || fail "mail stack did not start"
user=canary@test.invalid
printf 'test\n' >"$SANDBOX_DIR/imap.pw"
chmod 600 "$SANDBOX_DIR/imap.pw"

# A message of the user's own, delivered before mailsupd runs: it must stay.
python3 - "$smtp" <<'EOF' || fail "could not deliver the user's own message"
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.sendmail("someone@example.org", ["canary@test.invalid"],
               "From: someone@example.org\r\nSubject: keep me\r\nX-Mailsup-Canary: not yours\r\n\r\nhello\r\n")
EOF
wait_for '[[ $(imap_count dovecot.service $user) == 1 ]]' 30 "the user's message delivered" ||
	fail "the user's own message was not delivered"

write_config "interval = 3s
timeout = 2s
restart_grace = 1s

[check smtp]
type = smtp
port = $smtp

[check flow]
type = roundtrip
port = $smtp
from = mailsup@test.invalid
to = $user
imap_port = $imap
imap_user = $user
imap_password_file = $SANDBOX_DIR/imap.pw
max_delay = 12s
config_directory = $(postfix_dir postfix.service)/conf"
start_mailsupd

# 1. Healthy.
wait_for '"$MAILSUPCTL" --user status flow | grep -q "delivered in"' 40 "a canary delivered" ||
	fail "no canary delivered: $("$MAILSUPCTL" --user status flow)"
[[ $(check_state flow) == ok ]] || fail "flow not ok: $("$MAILSUPCTL" --user status flow)"
status=$("$MAILSUPCTL" --user status flow)
grep -Eq 'delivered in [0-9]+\.[0-9]s \(queued as [0-9A-Za-z]+\)' <<<"$status" ||
	fail "status does not show the latency and queue id: $status"
pass "healthy pipeline: $(grep -o 'delivered in [^;]*' <<<"$status")"
for _ in 1 2 3 4 5; do
	n=$(imap_count dovecot.service $user)
	((n <= 2)) || fail "$n messages in the mailbox: canaries pile up"
	sleep 3
done
grep -rlq "Subject: keep me" "$(dovecot_dir dovecot.service)/mail/$user" ||
	fail "the user's own message was deleted"
pass "canaries deleted on arrival (at most the user's message and one canary in the mailbox), the user's message kept"

# 2. qmgr frozen: accepted, never delivered.
qmgr=$(postfix_qmgr_pid postfix.service) || fail "no qmgr"
kill -STOP "$qmgr"
frozen_at=$SECONDS
wait_for '[[ $(check_state flow) == failing ]]' 40 "flow fails" || fail "flow never failed with qmgr frozen"
took=$((SECONDS - frozen_at))
((took <= 12 + 3 + 6)) || fail "failure after ${took}s, more than max_delay plus a cycle (and the run)"
[[ $(check_state smtp) == ok ]] || fail "the smtp check should stay ok while qmgr is frozen"
events check-failed | grep -Eq 'flow: roundtrip check failed: not delivered within 12s \(queued as [0-9A-Za-z]+, accepted [0-9.ms]+ ago\)' ||
	fail "the failure does not name the queue id: $(events check-failed)"
pass "qmgr frozen: smtp ok, flow failed after ${took}s: $(events check-failed | grep -o 'not delivered.*' | head -n 1)"
kill -CONT "$qmgr"
wait_for '[[ $(check_state flow) == ok ]]' 60 "flow recovers" || fail "flow did not recover after SIGCONT"
wait_for '(( $(imap_count dovecot.service '"$user"') <= 2 ))' 20 "late canaries cleaned up" ||
	fail "late canaries left in the mailbox: $(imap_count dovecot.service $user)"
pass "after SIGCONT: recovered, late canaries deleted"

# 3. LMTP gone: deferred, and why.
mailflow_lmtp off dovecot.service "$lmtp" || fail "could not stop LMTP"
wait_for 'events check-failed | grep -q "deferred: "' 60 "failure names the deferral" ||
	fail "no deferred reason: $(events check-failed | tail -n 2)"
events check-failed | grep -q "deferred: .*127.0.0.1\[127.0.0.1\]:$lmtp: Connection refused" ||
	fail "the deferral reason is not Postfix's: $(events check-failed | tail -n 1)"
pass "LMTP gone: $(events check-failed | grep -o 'deferred: .*' | tail -n 1)"
mailflow_lmtp on dovecot.service "$lmtp" || fail "could not restart LMTP"
wait_for '[[ $(check_state flow) == ok ]]' 60 "flow recovers" || fail "flow did not recover with LMTP back"
pass "LMTP back: flow ok"
