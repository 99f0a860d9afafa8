#!/usr/bin/env bash
# The independent mail relay: a real SMTP server (python3-aiosmtpd, writing
# a maildir, STARTTLS) stands in for the external relay and receives the "disabled"
# mail; test-alert reaches it too. The same config without
# allow_local_relay = yes is refused by --check-config: a relay on this
# host dies with the mail server it should report on.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

rport=$(free_port)
maildir=$SANDBOX_DIR/maildir
# smtp:// means STARTTLS, required: the relay gets a certificate made here.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$SANDBOX_DIR/key.pem" -out "$SANDBOX_DIR/cert.pem" 2>/dev/null || fail "openssl failed"
sandbox_install_unit relay.service "[Service]
ExecStart=/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:$rport --tlscert $SANDBOX_DIR/cert.pem --tlskey $SANDBOX_DIR/key.pem -c aiosmtpd.handlers.Mailbox $maildir
"
systemctl --user start relay.service
wait_for "smtp_greets $rport 1" 20 "relay greets" || fail "the relay does not greet"

bport=$(free_port)
install_hung_smtp broken.service "$bport"
channel="[notify mail]
type = smtp
url = smtp://127.0.0.1:$rport
from = mailsupd@mx.example.org
to = oncall@example.org
min_severity = critical
ca_file = $SANDBOX_DIR/cert.pem"
write_config "$FAST_CYCLE
restart_limit = 2

$(broken_check "$bport")

$channel"
cp "$MAILSUPD_CONF" "$SANDBOX_DIR/refused.conf"
echo "allow_local_relay = yes" >>"$MAILSUPD_CONF"

set +e
out=$("$MAILSUPD" --check-config --config "$SANDBOX_DIR/refused.conf" 2>&1)
rc=$?
set -e
[[ $rc != 0 ]] || fail "a local relay without allow_local_relay was accepted"
grep -qF "$SANDBOX_DIR/refused.conf:14: smtp relay '127.0.0.1' is on this host: alerts must not depend on the mail server they report on (set allow_local_relay = yes to use it anyway) in [notify mail]" <<<"$out" ||
	fail "unexpected message: $out"
"$MAILSUPD" --check-config --config "$MAILSUPD_CONF" >/dev/null || fail "allow_local_relay = yes was refused"
pass "local relay refused by --check-config with FILE:LINE, accepted with allow_local_relay = yes"

start_mailsupd
wait_for '[[ $(check_state broken) == disabled ]]' 60 "broken disabled" || fail "broken never disabled"
mails() { cat "$maildir"/new/* 2>/dev/null || true; }
wait_for 'mails | grep -q "failed to restart after 2 attempts within 5 cycles"' 30 "disable mail" ||
	fail "no disable mail at the relay"
m=$(mails)
grep -q "^To: oncall@example.org" <<<"$m" || fail "mail not addressed to oncall: $m"
grep -qi "check-disabled" <<<"$m" || fail "the mail does not name check-disabled: $m"
! grep -q "unit-restarted" <<<"$m" || fail "info notifications reached a min_severity = critical channel"
pass "the relay received the critical disable mail, and no info mail"

out=$("$MAILSUPCTL" --user test-alert) || fail "test-alert failed: $out"
grep -q "^mail: accepted" <<<"$out" || fail "test-alert: $out"
wait_for 'mails | grep -q "mailsupctl test-alert"' 10 "test mail" || fail "no test mail at the relay"
pass "mailsupctl test-alert: mail accepted, and the test mail is in the relay's maildir"
