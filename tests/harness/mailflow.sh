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
#   mailflow_rspamd UNIT MILTER_PORT NORMAL_PORT CONTROLLER_PORT
#       Debian's rspamd 3.4 on a private copy of its config: the proxy as a
#       milter (self_scan) on MILTER_PORT, the normal worker (/checkv2) and
#       the controller (/ping) on theirs, no Redis, and X-Spam-Status added
#       to local mail too. Returns once it scans: GTUBE posted to /checkv2
#       comes back rejected (/ping answers earlier, while the normal worker
#       still loads its patterns and times out a scan). Each worker holds
#       ~240 MB: one per test script. With MAILSUP_RSPAMD_CACHE set (a
#       directory), rspamd's compiled patterns (hyperscan databases, checked
#       by rspamd against its own patterns and CPU) are taken from there
#       and put back, so only the first start of a build compiles them.
#   rspamd_worker_pid UNIT TITLE  a worker's pid ("normal", "controller")
#   mailflow_milter PF_UNIT MILTER_PORT
#       Postfix's smtpd passes mail through that milter, and accepts it
#       unscanned when the milter is gone (milter_default_action = accept).
#   postfix_qmgr_pid PF_UNIT      the instance's qmgr process
#   imap_count DC_UNIT USER       messages in USER's INBOX on disk (maildir)

if [[ -n ${_MAILFLOW_SH_LOADED:-} ]]; then
	return 0
fi
_MAILFLOW_SH_LOADED=1
_MAILFLOW_GTUBE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../data" && pwd)/gtube.eml

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

mailflow_rspamd() {
	local unit=$1 milter=$2 normal=$3 controller=$4 d fuzzy
	d=$SANDBOX_DIR/$unit
	fuzzy=$(free_port)
	mkdir -p "$d/db" "$d/run" "$d/log" || return 1
	cp -r /etc/rspamd "$d/conf" || return 1
	_mailstack_traversable "$d/conf" || return 1
	chown _rspamd: "$d/db" "$d/run" "$d/log" || return 1
	if [[ -n ${MAILSUP_RSPAMD_CACHE:-} && -d $MAILSUP_RSPAMD_CACHE ]]; then
		cp -p "$MAILSUP_RSPAMD_CACHE"/*.hs* "$d/db/" 2>/dev/null || true
	fi
	local l=$d/conf/local.d
	mkdir -p "$l"
	# One process per worker type, no fuzzy storage: memory is what a test run can spare.
	printf 'bind_socket = "127.0.0.1:%s";\ncount = 1;\nmilter = yes;\ntimeout = 120s;\nupstream "local" {\n  default = yes;\n  self_scan = yes;\n}\n' \
		"$milter" >"$l/worker-proxy.inc"
	printf 'bind_socket = "127.0.0.1:%s";\ncount = 1;\n' "$normal" >"$l/worker-normal.inc"
	printf 'bind_socket = "127.0.0.1:%s";\n' "$controller" >"$l/worker-controller.inc"
	printf 'bind_socket = "127.0.0.1:%s";\nenabled = false;\n' "$fuzzy" >"$l/worker-fuzzy.inc"
	printf 'servers = "";\n' >"$l/redis.conf"
	printf 'skip_local = false;\nskip_authenticated = false;\nuse = ["x-spamd-result", "x-spam-status"];\n' \
		>"$l/milter_headers.conf"
	printf 'type = "file";\nfilename = "%s/log/rspamd.log";\nlevel = "warning";\n' "$d" >"$l/logging.inc"
	sandbox_install_unit "$unit" "[Unit]
Description=mailsup test rspamd $unit (milter 127.0.0.1:$milter)

[Service]
ExecStart=/usr/bin/rspamd -f -u _rspamd -g _rspamd -c $d/conf/rspamd.conf --var=CONFDIR=$d/conf --var=LOCAL_CONFDIR=$d/conf --var=DBDIR=$d/db --var=RUNDIR=$d/run --var=LOGDIR=$d/log" || return 1
	systemctl --user start "$unit" || return 1
	# Its first start compiles its patterns (hyperscan, ~5 s idle, a minute on a
	# loaded machine: the bound is generous) into DBDIR; a restart reuses them.
	wait_for "curl -sf http://127.0.0.1:$controller/ping | grep -q pong && _mailflow_scans $normal" 300 \
		"rspamd scans (GTUBE rejected)" || {
		tail -n 20 "$d/log/rspamd.log" >&2
		ps -o pid,ppid,stat,etime,args -e | grep "[r]spamd" >&2
		return 1
	}
	if [[ -n ${MAILSUP_RSPAMD_CACHE:-} ]]; then
		mkdir -p "$MAILSUP_RSPAMD_CACHE" && cp -p "$d/db"/*.hs* "$MAILSUP_RSPAMD_CACHE/" 2>/dev/null || true
	fi
}

# _mailflow_scans PORT: GTUBE posted to the normal worker comes back rejected.
_mailflow_scans() {
	local out
	out=$(curl -sf -m 5 --data-binary "@$_MAILFLOW_GTUBE" "http://127.0.0.1:$1/checkv2") &&
		grep -Eq '"action": *"reject"' <<<"$out"
}

rspamd_worker_pid() {
	pgrep -P "$(unit_prop "$1" MainPID)" -f "rspamd: $2 process" | head -n 1
}

mailflow_milter() {
	local conf
	conf=$(postfix_dir "$1")/conf
	postconf -c "$conf" -e "smtpd_milters = inet:127.0.0.1:$2" "milter_default_action = accept" \
		"milter_protocol = 6" || return 1
	postfix -c "$conf" reload >/dev/null 2>&1
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
