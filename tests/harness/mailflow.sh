# shellcheck shell=bash
#
# tests/harness/mailflow.sh - a private mail pipeline for the canary's tests:
# Postfix accepting mail for test.invalid and delivering it by LMTP to a
# Dovecot that also serves it over IMAP. Built on mailstack.sh's instances
# (their configs, then reconfigured here), so the two stay one harness.
#
# Public API (call inside sandbox_run; source sandbox.sh first)
#   mailflow_stack PF_UNIT SMTP_PORT DC_UNIT IMAP_PORT LMTP_PORT
#       Start both; Postfix delivers *@test.invalid to 127.0.0.1:LMTP_PORT,
#       retries deferred mail every few seconds (backoff 2s-4s), and
#       Dovecot's mailbox for any user is reachable with password "test".
#   mailflow_lmtp on|off DC_UNIT LMTP_PORT
#       Dovecot with or without its LMTP listener (a config reload, IMAP
#       keeps serving): off is "LMTP gone", Postfix defers.
#   postfix_qmgr_pid PF_UNIT      the instance's qmgr process
#   imap_count DC_UNIT USER       messages in USER's INBOX on disk (maildir)

if [[ -n ${_MAILFLOW_SH_LOADED:-} ]]; then
	return 0
fi
_MAILFLOW_SH_LOADED=1

# shellcheck source=tests/harness/mailstack.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/mailstack.sh"

_mailflow_lmtp_block() {
	cat <<EOF
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $1
  }
}
EOF
}

mailflow_lmtp() {
	local mode=$1 unit=$2 port=$3 d conf
	d=$(dovecot_dir "$unit")
	conf=$d/dovecot.conf
	sed -i '/^# mailflow lmtp/,$d' "$conf"
	if [[ $mode == on ]]; then
		sed -i 's/^protocols = .*/protocols = imap lmtp/' "$conf"
		{
			echo "# mailflow lmtp"
			_mailflow_lmtp_block "$port"
		} >>"$conf"
	else
		sed -i 's/^protocols = .*/protocols = imap/' "$conf"
	fi
	kill -HUP "$(unit_prop "$unit" MainPID)"
	if [[ $mode == on ]]; then
		wait_for "tcp_connects $port 1" 20 "LMTP listens on $port"
	else
		wait_for "! tcp_connects $port 1" 20 "LMTP gone from $port"
	fi
}

mailflow_stack() {
	local pf=$1 smtp=$2 dc=$3 imap=$4 lmtp=$5 conf
	mailstack_dovecot "$dc" "$imap" || return 1
	mailflow_lmtp on "$dc" "$lmtp" || return 1
	mailstack_postfix "$pf" "$smtp" || return 1
	conf=$(postfix_dir "$pf")/conf
	postconf -c "$conf" -e \
		"virtual_mailbox_domains = test.invalid" \
		"virtual_mailbox_maps = static:ok" \
		"virtual_transport = lmtp:inet:127.0.0.1:$lmtp" \
		"queue_run_delay = 2s" "minimal_backoff_time = 2s" "maximal_backoff_time = 4s" || return 1
	postfix -c "$conf" reload >/dev/null 2>&1 || return 1
}

postfix_qmgr_pid() {
	local master
	master=$(postfix_master_pid "$1") || return 1
	pgrep -P "$master" -x qmgr | head -n 1
}

imap_count() {
	local d
	d=$(dovecot_dir "$1")/mail/$2
	find "$d/new" "$d/cur" -type f 2>/dev/null | grep -c . || true
}
