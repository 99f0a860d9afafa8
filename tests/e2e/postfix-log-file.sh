#!/usr/bin/env bash
# postfix_log on a real Postfix's maillog file: real mail that is delivered
# (LMTP to a private Dovecot), bounced (a mailbox Postfix accepts and
# Dovecot does not know: 5.1.1), deferred (a transport to a dead port) and
# rejected (an unknown recipient at RCPT), a failed SASL login and a
# STARTTLS session show as counts with the top cause; a `postfix logrotate`
# loses and repeats nothing; a 1 GB log file and a 10 MB line without a
# newline do not stall mailsupd (mailsupctl still answers) nor crash it.
source "$(dirname "$0")/lib.sh"
source "$HERE/postfix-log-lib.sh"
sandbox_reexec "$@"

postfix_log_stack
pf=$PFLOG_DIR
big=$SANDBOX_DIR/big.log
: >"$big"

write_config "$FAST_CYCLE

[check maillog]
type = postfix_log
source = $pf/maillog
max_bounced = 0
max_rejected = 5 critical

[check big]
type = postfix_log
source = $big
max_bounced = 0"
start_mailsupd

wait_for '[[ $(check_state maillog) == ok ]]' 30 "maillog judged" || fail "maillog never judged"
postfix_log_traffic
wait_for '[[ $(reason maillog) == *"1 bounced"*"1 deferred"*"1 rejected"*"SASL"*"TLS 1 of"* ]]' 60 "the mail counted" ||
	fail "counts not seen: $(reason maillog); maillog: $(tail -n 30 "$pf/maillog")"
r=$(reason maillog)
[[ $(check_state maillog) == failing ]] || fail "max_bounced 0 breached but maillog is $(check_state maillog)"
[[ $r == *"1 bounced (above max_bounced 0; top: 5.1.1 User doesn't exist)"* ]] || fail "no top cause: $r"
[[ $r == *"sent"* && $r != *" 0 sent"* ]] || fail "the delivery is not counted: $r"
[[ $r == *"1 SASL failures"* ]] || fail "the SASL failure is not counted: $r"
[[ $r == *"TLS 1 of "* ]] || fail "the STARTTLS session is not counted: $r"
[[ $(count_events unit-restarting) == 0 ]] || fail "a log threshold restarted something"
pass "real Postfix lines counted: $r"

# Rotation the way Postfix does it: the old file renamed (and compressed
# away), postlogd writing to a new one. One more bounce after it.
postfix -c "$pf/conf" logrotate >/dev/null 2>&1 || fail "postfix logrotate failed"
postfix_log_send ghost@test.invalid
wait_for '[[ $(reason maillog) == *"2 bounced"* ]]' 60 "the bounce after the rotation" ||
	fail "the bounce after the rotation was not counted: $(reason maillog)"
sleep 3
[[ $(reason maillog) == *"2 bounced"* ]] || fail "counted twice after the rotation: $(reason maillog)"
pass "across postfix logrotate: $(reason maillog)"

# A reload that keeps the check keeps its reader and its window.
"$MAILSUPCTL" --user reload >/dev/null || fail "reload failed"
sleep 2
[[ $(reason maillog) == *"2 bounced"* ]] || fail "the reload forgot the window: $(reason maillog)"
pass "a reload keeps the counts"

# A 1 GB log (one sparse hole, no newline in it) replaces the followed
# file; a 10 MB line without a newline follows; then a real bounce line.
line=$(grep -h -m1 'status=bounced' "$pf/maillog" || true)
[[ -n $line ]] || fail "no recorded bounce line to replay"
truncate -s 1G "$big.new"
mv "$big.new" "$big"
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' x >>"$big"
printf '\n%s\n' "$line" >>"$big"
for _ in 1 2 3 4 5; do
	rc=0
	timeout 5 "$MAILSUPCTL" --user status big >/dev/null || rc=$?
	((rc != 124)) || fail "mailsupctl got no answer while 1 GB is read"
	sleep 0.5
done
wait_for '[[ $(reason big) == *"1 bounced"* ]]' 120 "the line after 1 GB" ||
	fail "the line after 1 GB and a 10 MB line was not counted: $(reason big)"
systemctl --user is-active --quiet mailsupd.service || fail "mailsupd died"
grep -h 'big: .*longest slice' "$SANDBOX_DIR/mailsupd.log" | tail -n 1 || true
rm -f "$big"
pass "1 GB file and a 10 MB line: $(reason big)"
