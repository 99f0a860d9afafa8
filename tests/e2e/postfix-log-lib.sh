# shellcheck shell=bash
#
# tests/e2e/postfix-log-lib.sh - a private Postfix that delivers by LMTP to a
# private Dovecot, so that real mail makes real log lines: postfix_log's
# scenarios (postfix-log-file.sh, postfix-log-journal.sh) share it.
#
#   postfix_log_stack
#       Dovecot (postfix_log_dovecot) and a private Postfix
#       (mailstack_postfix, logging to its maillog_file) as pf.service,
#       set up by postfix_log_setup. Sets PFLOG_DIR (Postfix's directory).
#   postfix_log_dovecot
#       Dovecot as dovecot-lmtp.service: LMTP and SASL auth on loopback
#       ports, one mailbox known@test.invalid, password "secret".
#   postfix_log_setup CONFDIR DIR
#       The Postfix of CONFDIR (its smtpd on PFLOG_PORT) set up and
#       reloaded: test.invalid delivered to Dovecot; ghost@test.invalid
#       accepted by Postfix but unknown to Dovecot (a 5.1.1 bounce); any
#       address at dead.invalid routed to a dead port (a deferral); anyone
#       else at test.invalid rejected at RCPT; STARTTLS with a throwaway
#       certificate; SASL through Dovecot. Its maps and certificate in DIR.
#   postfix_log_send RCPT       one message from <> to RCPT (refusals ignored)
#   postfix_log_traffic         one of each: sent, bounced, deferred, rejected,
#                               a failed SASL login, a STARTTLS session
#   reason NAME                 the Result line of mailsupctl status NAME

# reason NAME: status exits 3 for a failing check, as systemctl does.
reason() {
	{ "$MAILSUPCTL" --user status "$1" 2>/dev/null || true; } | sed -n 's/^ *Result: //p'
}

postfix_log_dovecot() {
	PFLOG_LMTP=$(free_port)
	PFLOG_AUTH=$(free_port)
	local d=$SANDBOX_DIR/dovecot-lmtp
	mkdir -p "$d/run" "$d/state" "$d/mail"
	chmod 755 "$SANDBOX_DIR" "$d" "$d/state"
	chown nobody:nogroup "$d/mail"
	printf 'known@test.invalid:{PLAIN}secret::::::\n' >"$d/passwd"
	cat >"$d/dovecot.conf" <<EOF
protocols = lmtp
listen = 127.0.0.1
ssl = no
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$d/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = $d/passwd
}
userdb {
  driver = passwd-file
  args = $d/passwd
  default_fields = uid=nobody gid=nogroup home=$d/mail/%u
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $PFLOG_LMTP
  }
}
service auth {
  inet_listener auth-inet {
    address = 127.0.0.1
    port = $PFLOG_AUTH
  }
}
EOF
	sandbox_install_unit dovecot-lmtp.service "[Service]
Type=notify
ExecStart=/usr/sbin/dovecot -F -c $d/dovecot.conf
KillMode=mixed"
	systemctl --user start dovecot-lmtp.service || fail "Dovecot did not start: $(tail -n 20 "$d/dovecot.log")"
	wait_for "tcp_connects $PFLOG_LMTP 1" 30 "Dovecot LMTP" || fail "Dovecot LMTP never listened"
}

postfix_log_stack() {
	PFLOG_PORT=$(free_port)
	postfix_log_dovecot
	mailstack_postfix pf.service "$PFLOG_PORT" || fail "Postfix did not start"
	PFLOG_DIR=$(postfix_dir pf.service)
	postfix_log_setup "$PFLOG_DIR/conf" "$PFLOG_DIR"
}

postfix_log_setup() {
	local conf=$1 d=$2 dead
	dead=$(free_port)
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 \
		-subj /CN=mailsup-test.localdomain >/dev/null 2>&1 || fail "no test certificate"
	printf 'known@test.invalid x\nghost@test.invalid x\nsomeone@dead.invalid x\n' >"$d/vmailbox"
	printf 'dead.invalid lmtp:inet:127.0.0.1:%s\n' "$dead" >"$d/transport"
	postconf -c "$conf" -e \
		"virtual_mailbox_domains = test.invalid, dead.invalid" \
		"virtual_mailbox_maps = texthash:$d/vmailbox" \
		"virtual_transport = lmtp:inet:127.0.0.1:$PFLOG_LMTP" \
		"transport_maps = texthash:$d/transport" \
		"smtpd_tls_cert_file = $d/cert.pem" "smtpd_tls_key_file = $d/key.pem" \
		"smtpd_tls_security_level = may" "smtpd_tls_loglevel = 1" \
		"smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = dovecot" \
		"smtpd_sasl_path = inet:127.0.0.1:$PFLOG_AUTH" ||
		fail "postconf failed"
	postfix -c "$conf" reload >/dev/null 2>&1 || fail "postfix reload failed"
	wait_for "smtp_greets $PFLOG_PORT" 20 "Postfix after reload" || fail "Postfix gone after reload"
}

postfix_log_send() {
	python3 - "$PFLOG_PORT" "$1" <<'EOF'
import smtplib, sys
port, rcpt = int(sys.argv[1]), sys.argv[2]
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    try:
        s.sendmail("", [rcpt], "Subject: postfix_log test\r\n\r\nhello\r\n")
    except smtplib.SMTPRecipientsRefused:
        pass
EOF
}

postfix_log_traffic() {
	local rcpt
	for rcpt in known@test.invalid ghost@test.invalid someone@dead.invalid nobody@test.invalid; do
		postfix_log_send "$rcpt" || fail "could not hand Postfix mail for $rcpt"
	done
	python3 - "$PFLOG_PORT" <<'EOF' || fail "the SASL and STARTTLS sessions failed"
import base64, smtplib, ssl, sys
port = int(sys.argv[1])
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    s.ehlo()
    code, _ = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0known@test.invalid\0wrong").decode())
    if code != 535:
        sys.exit("AUTH with a wrong password got %d, not 535" % code)
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    s.starttls(context=ssl._create_unverified_context())
    s.ehlo()
    s.noop()
EOF
}
