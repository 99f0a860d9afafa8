# shellcheck shell=bash
#
# tests/e2e/lib.sh - what every end-to-end scenario shares: run mailsupd as a
# user unit of the sandboxed systemd manager, with a config of the test's
# own, and read back what it did (its log lines carry "[event-kind]" tags,
# its journal entries MAILSUP_EVENT=) and what it says (mailsupctl --user
# status). Services run from Debian's own unit files (harness/debian.sh)
# unless a scenario says why not.
#
# The scenario scripts re-execute themselves inside the sandbox
# (sandbox_reexec); MAILSUPD and MAILSUPCTL name the binaries under test
# (set by tests/meson.build).

set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../harness/sandbox.sh
source "$HERE/../harness/sandbox.sh"
# shellcheck source=../harness/debian.sh
source "$HERE/../harness/debian.sh"

: "${MAILSUPD:?MAILSUPD must name the mailsupd binary}"
: "${MAILSUPCTL:?MAILSUPCTL must name the mailsupctl binary}"

fail() {
	echo "FAIL: $*" >&2
	if [[ ${MAILSUPD_LOG:-file} == journal ]] && sandbox_inside; then
		echo "---- journalctl -u mailsupd.service (last 60 lines) ----" >&2
		journalctl -q --no-pager -o short-precise -n 60 -u mailsupd.service >&2
	elif [[ -n ${SANDBOX_DIR:-} && -f $SANDBOX_DIR/mailsupd.log ]]; then
		echo "---- mailsupd.log (last 60 lines) ----" >&2
		tail -n 60 "$SANDBOX_DIR/mailsupd.log" >&2
	fi
	exit 1
}

pass() {
	echo "PASS: $*"
}

# write_config TEXT: the [supervisor] basics every test wants, then TEXT.
write_config() {
	MAILSUPD_CONF=$SANDBOX_DIR/mailsupd.conf
	{
		printf '[supervisor]\nbus = user\nstate_directory = %s/state\n' "$SANDBOX_DIR"
		printf '%s\n' "$1"
	} >"$MAILSUPD_CONF"
}

# start_mailsupd: mailsupd as a Type=notify user unit; returns when READY=1.
# It logs to $SANDBOX_DIR/mailsupd.log, or with MAILSUPD_LOG=journal to the
# sandbox's journal, as under systemd on a server (MESSAGE_ID=, CHECK=,
# MAILSUP_EVENT=, OBJECT_SYSTEMD_UNIT=).
start_mailsupd() {
	local log="StandardError=append:$SANDBOX_DIR/mailsupd.log"
	if [[ ${MAILSUPD_LOG:-file} == journal ]]; then
		log="StandardError=journal"
	fi
	sandbox_install_unit mailsupd.service "[Unit]
Description=mailsupd under test

[Service]
Type=notify
ExecStart=$MAILSUPD --config $MAILSUPD_CONF --verbose
$log
"
	systemctl --user start mailsupd.service || fail "mailsupd did not start"
}

# mailsupd_log: mailsupd's log lines so far, in order (messages only when
# they come from the journal)
mailsupd_log() {
	if [[ ${MAILSUPD_LOG:-file} == journal ]]; then
		journalctl -q --no-pager -o cat _SYSTEMD_UNIT=mailsupd.service
	else
		cat "$SANDBOX_DIR/mailsupd.log" 2>/dev/null || true
	fi
}

# events KIND: the log lines of one event kind, e.g. events unit-restarted
# (from the journal: its MAILSUP_EVENT=KIND entries, "[KIND]" appended)
events() {
	if [[ ${MAILSUPD_LOG:-file} == journal ]]; then
		journalctl -q --no-pager -o cat _SYSTEMD_UNIT=mailsupd.service "MAILSUP_EVENT=$1" | sed "s/\$/ [$1]/"
	else
		grep -F "[$1]" "$SANDBOX_DIR/mailsupd.log" || true
	fi
}

# cycle_count: how many cycles mailsupd has started so far (its --verbose
# "cycle N" lines)
cycle_count() {
	mailsupd_log | grep -cE '(^|: )cycle [0-9]+$' || true
}

# cycles_before REGEX: how many cycles had started when the first log line
# matching REGEX was logged (-1: no such line yet)
cycles_before() {
	mailsupd_log | awk -v re="$1" '$0 ~ re { print n + 0; found = 1; exit }
		/(^|: )cycle [0-9]+$/ { n++ } END { if (!found) print -1 }'
}

count_events() {
	events "$1" | grep -c . || true
}

# check_state NAME: the state column of mailsupctl status for NAME
check_state() {
	"$MAILSUPCTL" --user status "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $4 }'
}

# install_peer UNIT PORT [EXTRA_SERVICE_LINES]: tests/e2e/smtp-peer.py as
# UNIT on 127.0.0.1:PORT, Type=notify (active once it listens), started. It
# greets until peer_hang says otherwise. A start waits while the file
# UNIT.hold exists (the unit stays "activating"), and fails (ExecStartPre)
# while UNIT.nostart exists. Files in $SANDBOX_DIR: UNIT.starts (a line per
# start), UNIT.hang, UNIT.crash, UNIT.hold, UNIT.nostart.
install_peer() {
	local f=$SANDBOX_DIR/$1
	sandbox_install_unit "$1" "[Service]
Type=notify
ExecStartPre=/bin/sh -c 'while [ -e $f.hold ]; do sleep 0.1; done; echo start >> $f.starts; [ ! -e $f.nostart ]'
ExecStart=/usr/bin/python3 $HERE/smtp-peer.py $2 $f.starts $f.hang $f.crash
${3:-}"
	systemctl --user start "$1" || fail "$1 did not start"
}

# peer_crash UNIT N: the next N starts of UNIT exit at once (status 1)
peer_crash() {
	echo "$(($(peer_starts "$1") + $2))" >"$SANDBOX_DIR/$1.crash"
}

# peer_starts UNIT: how many times UNIT was started
peer_starts() {
	count_lines "$SANDBOX_DIR/$1.starts"
}

# peer_hang UNIT N: the running process and the next N-1 started ones accept
# and never greet, so mailsupd must restart UNIT N times before it answers;
# N = 0: all answer from now on; N = forever: none ever answers again
peer_hang() {
	local t
	case $2 in
	forever) t=1000000000 ;;
	0) t=0 ;;
	*) t=$(($(peer_starts "$1") + $2 - 1)) ;;
	esac
	echo "$t" >"$SANDBOX_DIR/$1.hang"
}

# install_hung_smtp UNIT PORT: a service that comes up and is broken every
# time: it listens on PORT (the kernel completes handshakes) and never
# greets. Its starts are counted in $SANDBOX_DIR/UNIT.starts.
install_hung_smtp() {
	peer_hang "$1" forever
	install_peer "$1" "$2"
}

# The cycle the scenarios use: several cycles pass in a few seconds.
FAST_CYCLE="interval = 1s
timeout = 500ms
restart_grace = 1s"

# The cycle for Debian's own daemons: stock Dovecot spawns an imap-login per
# connection and Postfix a chrooted smtpd. On the shared 2-core test machine
# (load 11-14) their greeting took up to 410ms alone, and over 1s now and
# then with seven daemons restarting around them (mail-stack-table): a
# shorter deadline failed healthy services. A hung one never answers.
DEBIAN_CYCLE="interval = 3s
timeout = 2s
restart_grace = 2s"

# broken_check PORT: the [check broken] section watching install_hung_smtp's
# broken.service on PORT.
broken_check() {
	printf '[check broken]\ntype = smtp\nport = %s\nunit = broken.service\n' "$1"
}

# count_lines FILE: number of lines, 0 when missing
count_lines() {
	if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi
}

# start_receiver UNIT PORT RECORD: tests/notify-receiver.py as a user unit
# on 127.0.0.1:PORT, one JSON line per request it got appended to RECORD.
start_receiver() {
	sandbox_install_unit "$1" "[Service]
ExecStart=/usr/bin/python3 $HERE/../notify-receiver.py $2 $3
"
	systemctl --user start "$1"
	wait_for "tcp_connects $2 1" 20 "$1 listens" || fail "$1 never listened"
}

# records RECORD: the receiver's lines (none when it got nothing yet)
records() {
	cat "$1" 2>/dev/null || true
}

# watch_debian_postfix CONFIG: Debian's Postfix on a free port (PORT), and
# mailsupd watching it as the embedded default does (type smtp, unit =
# postfix.service) with CONFIG's [supervisor] lines; returns once the check
# is ok.
watch_debian_postfix() {
	PORT=$(free_port)
	debian_postfix "$PORT" || fail "Debian's postfix did not start"
	write_config "$1

[check postfix]
type = smtp
port = $PORT
unit = postfix.service"
	start_mailsupd
	wait_for '[[ $(check_state postfix) == ok ]]' 30 "postfix ok" || fail "postfix never ok"
}

# healed_once_through_postfix OLD_MASTER: mailsupd restarted Debian's Postfix
# (watch_debian_postfix) exactly once, through postfix.service, and a master
# other than OLD_MASTER greets; the check is ok
healed_once_through_postfix() {
	wait_for '[[ -n $(events unit-restarted) ]]' 90 "postfix restarted" || fail "no restart"
	events unit-restarting | grep -q "restarting postfix.service " ||
		fail "the restart did not go through postfix.service: $(events unit-restarting)"
	wait_for 'new=$(debian_postfix_master 2>/dev/null) && [[ $new != "'"$1"'" ]] && smtp_greets '"$PORT"' 1' 60 \
		"a new master greets" || fail "no new master greets after the restart"
	wait_for '[[ $(check_state postfix) == ok ]]' 30 "postfix ok again" || fail "postfix not ok after the restart"
	[[ $(count_events unit-restarting) == 1 ]] || fail "expected one restart, got $(count_events unit-restarting)"
}

# notified RECORD KIND SEVERITY PHASE [TEXT]: true if the receiver's RECORD
# holds a webhook body of that kind, severity and phase (containing TEXT)
notified() {
	python3 - "$@" <<'PY'
import json, os, sys
rec, kind, severity, phase = sys.argv[1:5]
text = sys.argv[5] if len(sys.argv) > 5 else ""
for line in open(rec) if os.path.exists(rec) else []:
    b = json.loads(line).get("body")
    if (isinstance(b, dict) and (b.get("kind"), b.get("severity"), b.get("phase")) == (kind, severity, phase)
            and text in json.dumps(b)):
        sys.exit(0)
sys.exit(1)
PY
}

# outbox_ids: the notification ids waiting in mailsupd's outbox now
outbox_ids() {
	find "$SANDBOX_DIR/state/outbox" -maxdepth 1 -type f ! -name '.*' -printf '%f\n' 2>/dev/null |
		cut -d. -f1 | sort -u
}
