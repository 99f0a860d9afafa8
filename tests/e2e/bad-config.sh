#!/usr/bin/env bash
# Scenario 5: a configuration with errors. mailsupd refuses to start, exits
# non-zero, and names every error as FILE:LINE: message, both run by hand
# (--check-config and plain) and as a systemd unit.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

conf=$SANDBOX_DIR/bad.conf
cat >"$conf" <<CONF
[supervisor]
interval = fast
bus = user

[check postfix]
type = smtp
prot = 25
unit = postfix.service

[check dovecot]
type = imap
action = restart
CONF

expect="$conf:2: invalid duration 'fast' for interval
$conf:7: unknown key 'prot' in [check postfix]
$conf:10: action = restart needs unit= in [check dovecot]"

for mode in --check-config ""; do
	set +e
	out=$("$MAILSUPD" --config "$conf" $mode 2>&1)
	rc=$?
	set -e
	[[ $rc != 0 ]] || fail "mailsupd $mode accepted a broken config"
	while IFS= read -r line; do
		grep -qxF "$line" <<<"$out" || fail "mailsupd $mode did not report: $line
got:
$out"
	done <<<"$expect"
done
pass "--check-config and plain start both exit non-zero with every FILE:LINE error"

sandbox_install_unit mailsupd-bad.service "[Service]
Type=notify
ExecStart=$MAILSUPD --config $conf
StandardError=append:$SANDBOX_DIR/bad.log
"
! systemctl --user start mailsupd-bad.service 2>/dev/null || fail "the unit started on a broken config"
[[ $(unit_prop mailsupd-bad.service ActiveState) == failed ]] || fail "unit not failed"
grep -qF "$conf:7: unknown key 'prot' in [check postfix]" "$SANDBOX_DIR/bad.log" ||
	fail "the unit's log lacks the FILE:LINE error"
pass "as a unit: start fails, the log names FILE:LINE"
