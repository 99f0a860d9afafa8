#!/usr/bin/env bash
# postfix_log with source = journal (the default) on Debian's own Postfix
# units: the master runs in postfix@-.service and logs through /dev/log to
# the sandbox's private systemd-journald, as on a Debian 12 server. Real
# mail that is delivered (LMTP to Dovecot), bounced, deferred and rejected,
# a failed SASL login and a STARTTLS session show as counts with the top
# cause; so does a bounce through a second instance (postfix-out/...);
# then a burst of 100,000 lines in the journal is read without
# stalling mailsupd (mailsupctl still answers) and every line is counted.
source "$(dirname "$0")/lib.sh"
source "$HERE/../harness/debian.sh"
source "$HERE/postfix-log-lib.sh"
sandbox_reexec "$@"

postfix_log_dovecot
# A second instance, named as postmulti names them (syslog_name =
# postfix-out), made first: it copies the stock master.cf.
out_port=$(free_port)
mailstack_postfix pf-out.service "$out_port" || fail "the second Postfix did not start"
out=$(postfix_dir pf-out.service)
postconf -c "$out/conf" -e "syslog_name = postfix-out" "maillog_file =" || fail "postconf failed"
PFLOG_PORT=$out_port
postfix_log_setup "$out/conf" "$out"

PFLOG_PORT=$(free_port)
debian_postfix "$PFLOG_PORT" || fail "Debian's postfix did not start"
mkdir -p "$SANDBOX_DIR/pflog"
chmod 755 "$SANDBOX_DIR/pflog"
postfix_log_setup /etc/postfix "$SANDBOX_DIR/pflog"

write_config "$FAST_CYCLE

[check maillog]
type = postfix_log
max_bounced = 0"
start_mailsupd

wait_for '[[ $(check_state maillog) == ok ]]' 30 "maillog judged" || fail "maillog never judged: $(reason maillog)"
postfix_log_traffic
wait_for '[[ $(reason maillog) == *"1 bounced"*"1 deferred"*"1 rejected"*"SASL"*"TLS 1 of"* ]]' 60 \
	"the mail counted" || fail "counts not seen: $(reason maillog)"
r=$(reason maillog)
[[ $(check_state maillog) == failing ]] || fail "max_bounced 0 breached but maillog is $(check_state maillog)"
[[ $r == *"1 bounced (above max_bounced 0; top: 5.1.1 User doesn't exist)"* ]] || fail "no top cause: $r"
[[ $r == *"1 SASL failures"* ]] || fail "the SASL failure is not counted: $r"
# What Debian's Postfix puts in the journal: its syslog identifiers.
echo "identifiers in the journal: $(journalctl -q -o export _COMM=smtpd _COMM=lmtp _COMM=qmgr |
	sed -n 's/^SYSLOG_IDENTIFIER=//p' | sort -u | tr '\n' ' ')"
pass "real Postfix lines from the journal counted: $r"

# The second instance's lines are Postfix's too: one bounce through it.
main_port=$PFLOG_PORT
PFLOG_PORT=$out_port
postfix_log_send ghost@test.invalid
PFLOG_PORT=$main_port
wait_for '[[ $(reason maillog) == *"2 bounced"* ]]' 60 "the bounce of postfix-out" ||
	fail "the second instance's bounce was not counted: $(reason maillog)"
[[ -n $(journalctl -q -o cat SYSLOG_IDENTIFIER=postfix-out/lmtp) ]] ||
	fail "no postfix-out/lmtp lines in the journal"
pass "a second instance (postfix-out/...) counted: $(reason maillog)"

# A burst: 100,000 of the recorded reject lines, as postfix/smtpd.
python3 - <<'EOF' || fail "could not write the burst to /dev/log"
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("/dev/log")
line = ("<22>Dec  2 03:07:42 postfix/smtpd[921]: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: "
        "550 5.1.1 <burst@test.invalid>: Recipient address rejected: User unknown in virtual mailbox table; "
        "from=<> to=<burst@test.invalid> proto=ESMTP helo=<[127.0.0.1]>").encode()
for _ in range(100000):
    s.send(line)
EOF
for _ in 1 2 3; do
	rc=0
	timeout 5 "$MAILSUPCTL" --user status maillog >/dev/null || rc=$?
	((rc != 124)) || fail "mailsupctl got no answer during the burst"
done
wait_for '[[ $(reason maillog) == *"100001 rejected"* ]]' 120 "the burst counted" ||
	fail "the burst was not counted whole: $(reason maillog)"
systemctl --user is-active --quiet mailsupd.service || fail "mailsupd died"
mailsupd_log | grep 'maillog: .*longest slice' | tail -n 1
pass "a burst of 100,000 journal lines: $(reason maillog)"
