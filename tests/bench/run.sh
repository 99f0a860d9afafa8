#!/usr/bin/env bash
#
# tests/bench/run.sh - benchmark: mailsupd (and monit, where installed)
# probing loopback SMTP peers, some of them hung.
#
# This is a benchmark, not a test: it prints figures and never fails because
# a machine is slow. meson does not know about it (tests/meson.build does not
# list it); run it by hand, as root:
#
#   bash tests/bench/run.sh [--quick] [--install-monit] [--no-monit]
#                           [--window SECONDS] [--sizes "25 200 1000 10000"]
#
# What it measures. smtp-peers.py listens on N ports of 127.0.0.1 (in
# worker processes of at most 2,500 ports each, since fd limits are per
# process; it counts them together); every 5th port can be switched to
# "hung" (accepts, never greets, like a SIGSTOPped smtpd). For each size N (25, 200, 1,000, 10,000 checks)
# and each tool (mailsupd, then monit), the tool watches all N ports with
# the same cycle (BENCH_INTERVAL, 2 s) and probe timeout (BENCH_TIMEOUT,
# 1 s); then, over two windows of BENCH_WINDOW seconds each:
#   clean: every peer healthy;
#   hung:  1 peer in 5 hung (5 of 25, 40 of 200, 200 of 1,000, 2,000 of 10,000).
# The peers count the completed conversations (EHLO answered) per port, so
# both tools are measured the same way, and they time each window
# themselves: a whole number of cycles long, with a snapshot of the counts
# and of the tool's CPU time (utime+stime from /proc/PID/stat, and the
# ns-precise se.sum_exec_runtime from /proc/PID/task/*/sched), VmRSS, VmHWM,
# RssAnon (/proc/PID/status) and open fds (/proc/PID/fd) at each end; in
# between, this script samples the fd count every 0.1 s.
#
# How to read it. "rate" is completed conversations per minute per healthy
# check (the 4 in 5 peers that stay healthy in both windows); mailsupd's
# ideal is 60/interval (30/min at 2 s). "hung/clean" is the rate with hung
# peers divided by the rate without; "loss" is 1 minus that: a tool that
# probes all checks at once loses ~0%, one that probes one check after
# another waits out every hung peer's timeout in each cycle. CPU is ms of CPU
# per minute of wall time (utime+stime); "us/probe" divides the CPU time by
# the connections the peers accepted. fds: the tool's open fds when no probe
# is in flight, before the windows and after them (equal = no fd leak), and
# the most seen while probing; "hung conns left": hung connections still
# open at the peers after they are all healthy again (should be 0). The machines are shared and noisy: compare the
# tools side by side in one run, as ratios, not absolute numbers across runs.
#
# The floor: floor.c (built here with cc -O2), a minimal epoll client that
# holds the same conversation with the same N healthy peers, round after
# round, for BENCH_FLOOR_SECONDS: its CPU per exchange is the least a check
# can cost; the table shows each tool's CPU per probe next to it.
#
# --quick: sizes 25 and 200, windows of 6 s, floor 3 s: under 3 minutes
# with monit, to see that it works (figures are rougher).
#
# Environment: MAILSUPD (default build/mailsupd), BENCH_WINDOW (40),
# BENCH_SIZES ("25 200 1000 10000"), BENCH_FLOOR_SECONDS (10), BENCH_INTERVAL (2, whole seconds: monit's
# "set daemon" takes nothing finer), BENCH_TIMEOUT (1, whole seconds),
# BENCH_HUNG_EVERY (5). SANDBOX_KEEP=1 keeps the raw data (sandbox dir).
#
# It runs inside the project's sandboxed systemd user manager
# (tests/harness/sandbox.sh), since mailsupd needs a bus connection; mailsupd
# and monit run there as plain background processes. Everything it starts
# is stopped on exit, Ctrl-C included.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
# shellcheck source=../harness/sandbox.sh
source "$BENCH_DIR/../harness/sandbox.sh"

usage() {
	sed -n '/^#   bash tests/,/^#  *\[--sizes/p' "$0" | sed 's/^# \{0,3\}//'
	echo "See the header of $0 and tests/bench/README.md."
}

install_monit=0
use_monit=1
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick)
		BENCH_SIZES=${BENCH_SIZES:-25 200}
		BENCH_WINDOW=${BENCH_WINDOW:-6}
		BENCH_FLOOR_SECONDS=${BENCH_FLOOR_SECONDS:-3}
		;;
	--install-monit) install_monit=1 ;;
	--no-monit) use_monit=0 ;;
	--window)
		BENCH_WINDOW=${2:?--window needs SECONDS}
		shift
		;;
	--sizes)
		BENCH_SIZES=${2:?--sizes needs a list}
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "run.sh: unknown argument '$1'" >&2
		usage >&2
		exit 2
		;;
	esac
	shift
done

export BENCH_WINDOW=${BENCH_WINDOW:-40}
export BENCH_SIZES=${BENCH_SIZES:-25 200 1000 10000}
export BENCH_FLOOR_SECONDS=${BENCH_FLOOR_SECONDS:-10}
export BENCH_INTERVAL=${BENCH_INTERVAL:-2}
export BENCH_TIMEOUT=${BENCH_TIMEOUT:-1}
export BENCH_HUNG_EVERY=${BENCH_HUNG_EVERY:-5}
MAILSUPD=${MAILSUPD:-$ROOT/build/mailsupd}

log() {
	printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2
}
die() {
	log "ERROR: $*"
	exit 1
}

for v in BENCH_WINDOW BENCH_INTERVAL BENCH_TIMEOUT BENCH_HUNG_EVERY BENCH_FLOOR_SECONDS; do
	[[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a whole number > 0 (is '${!v}')"
done
((BENCH_TIMEOUT < BENCH_INTERVAL)) || die "BENCH_TIMEOUT must be shorter than BENCH_INTERVAL"
# a whole number of mailsupd's (fixed) cycles per window
BENCH_WINDOW=$(((BENCH_WINDOW + BENCH_INTERVAL - 1) / BENCH_INTERVAL * BENCH_INTERVAL))
((BENCH_WINDOW >= 2)) || BENCH_WINDOW=2
for n in $BENCH_SIZES; do
	[[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || die "bad size '$n' in BENCH_SIZES"
done

# ------------------------------------------------------------- outside ---
if ! sandbox_inside; then
	[[ $EUID -eq 0 ]] || die "run as root (it starts a sandboxed systemd user manager)"
	MAILSUPD=$(realpath -e "$MAILSUPD" 2>/dev/null) ||
		die "no mailsupd binary at ${MAILSUPD}: build it first (meson setup build && ninja -C build) or set MAILSUPD"
	[[ -x $MAILSUPD ]] || die "$MAILSUPD is not executable"
	export MAILSUPD
	if ((install_monit && use_monit)) && ! command -v monit >/dev/null; then
		# Debian's package, with nothing started system-wide by its scripts.
		created_policy=0
		if [[ ! -e /usr/sbin/policy-rc.d ]]; then
			printf '#!/bin/sh\n# written by mailsup tests/bench/run.sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
			created_policy=1
		fi
		log "installing monit (apt-get; policy-rc.d keeps it from starting)"
		if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q monit >&2; then
			if ! { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q monit >&2; }; then
				log "could not install monit: benchmarking mailsupd alone"
			fi
		fi
		if ((created_policy)); then
			rm -f /usr/sbin/policy-rc.d
		fi
	fi
	export BENCH_USE_MONIT=$use_monit
	# many sockets: raise the soft fd limit for everything started below
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	export SANDBOX_TIMEOUT=${SANDBOX_TIMEOUT:-3600}
	sandbox_reexec "$@"
fi

# -------------------------------------------------------------- inside ---
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
WORK=$SANDBOX_DIR/bench
mkdir -p "$WORK"
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
peer_pid=""
tool_pid=""

# Stop what we started, by PID: the tool, then the peers.
stop_pid() {
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local st=$?
	trap - EXIT INT TERM HUP
	stop_pid "$tool_pid"
	stop_pid "$peer_pid"
	exit "$st"
}
trap cleanup EXIT
trap 'trap "" INT TERM HUP; log "interrupted"; exit 130' INT TERM HUP

# nap SECONDS: sleep, but let a signal's trap run at once
nap() {
	sleep "$1" &
	wait $! || true
}

# ---------------------------------------------------------------- peers ---
peer_ports=()
peer_hung=()

start_peers() {
	local count=$1
	rm -f "$WORK/ports.json" "$WORK/stats.json"
	echo "mode healthy" >"$WORK/control"
	python3 "$BENCH_DIR/smtp-peers.py" --count "$count" --hung-every "$BENCH_HUNG_EVERY" \
		--ports-file "$WORK/ports.json" --stats-file "$WORK/stats.json" \
		--control-file "$WORK/control" </dev/null 2>>"$WORK/peers.log" &
	peer_pid=$!
	if ! wait_for "[[ -s $WORK/ports.json ]] || ! kill -0 $peer_pid 2>/dev/null" 60 "the peers to listen" ||
		! kill -0 "$peer_pid" 2>/dev/null; then
		die "smtp-peers.py did not start: $(tail -n 5 "$WORK/peers.log")"
	fi
	mapfile -t peer_ports < <(python3 -c 'import json,sys; print(*json.load(open(sys.argv[1]))["ports"], sep="\n")' "$WORK/ports.json")
	peer_procs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["workers"])' "$WORK/ports.json")
	mapfile -t peer_hung < <(python3 -c 'import json,sys; h=set(json.load(open(sys.argv[1]))["hung_capable"]); print(*("h" if i in h else "p" for i in range(int(sys.argv[2]))), sep="\n")' "$WORK/ports.json" "$count")
}

# peer_signal SIG: have the peers write their stats file; wait for it
peer_signal() {
	rm -f "$WORK/stats.json"
	kill "-$1" "$peer_pid"
	wait_file "$WORK/stats.json" 20 || die "the peers do not answer: $(tail -n 3 "$WORK/peers.log" 2>&1)"
}

# peer_mode healthy|hung
peer_mode() {
	echo "mode $1" >"$WORK/control"
	peer_signal USR2
	grep -q "\"mode\": \"$1\"" "$WORK/stats.json" || die "the peers did not switch to $1"
}

# ---------------------------------------------------------------- tools ---
# Check names: p0001 (stays healthy) or h0004 (can go hung), "%s%04d" with
# ${peer_hung[i]} and i; printf'd in place: a $(...) per check forks 10,000
# times, minutes on a loaded machine.

start_mailsupd() {
	local n=$1 i conf
	conf=$WORK/mailsupd-$n.conf
	tool_log=$WORK/mailsupd-$n.log
	{
		printf '[supervisor]\ninterval = %ss\ntimeout = %ss\nbus = user\nstate_directory = %s\n' \
			"$BENCH_INTERVAL" "$BENCH_TIMEOUT" "$WORK/state-$n"
		for ((i = 0; i < n; i++)); do
			printf '\n[check %s%04d]\ntype = smtp\nhost = 127.0.0.1\nport = %s\naction = alert\n' \
				"${peer_hung[$i]}" "$i" "${peer_ports[$i]}"
		done
	} >"$conf"
	: >"$tool_log"
	"$MAILSUPD" --config "$conf" </dev/null >>"$tool_log" 2>&1 &
	tool_pid=$!
	# its "supervisor-started" event says "... watching N checks ...": the
	# start-up, exec to its bus name and first cycle armed, 10 ms polls
	if ! startup_us=$(until_line "$tool_log" 'watching' 0 30); then
		startup_us=""
		log "no 'watching N checks' line from mailsupd: going on if it runs"
	fi
	kill -0 "$tool_pid" 2>/dev/null
}

# mailsupd_admin N: while it runs, how long a reload (SIGHUP to its
# "reloaded ... N checks" line) and `mailsupctl status` (wall) take
mailsupd_admin() {
	local n=$1 reload_us status_us t0 ctl
	ctl=$(dirname "$MAILSUPD")/mailsupctl
	kill -HUP "$tool_pid"
	reload_us=$(until_line "$tool_log" "reloaded .*: $n checks" 0 30) || reload_us=""
	status_us=""
	if [[ -x $ctl ]]; then
		t0=${EPOCHREALTIME//[!0-9]/}
		"$ctl" --user status >"$WORK/status-$n.out" 2>&1 || true
		status_us=$((${EPOCHREALTIME//[!0-9]/} - t0))
		(($(wc -l <"$WORK/status-$n.out") > n)) || status_us=""
	fi
	printf '{"kind":"admin","tool":"mailsupd","n":%d,"startup_us":%s,"reload_us":%s,"status_us":%s}\n' \
		"$n" "${startup_us:-null}" "${reload_us:-null}" "${status_us:-null}" >>"$RESULTS"
}

start_monit() {
	local n=$1 i rc
	rc=$WORK/monitrc-$n
	tool_log=$WORK/monit-$n.log
	{
		printf 'set daemon %s\nset log %s\nset pidfile %s\nset idfile %s\nset statefile %s\n' \
			"$BENCH_INTERVAL" "$tool_log" "$WORK/monit.pid" "$WORK/monit.id" "$WORK/monit-$n.state"
		for ((i = 0; i < n; i++)); do
			printf 'check host %s%04d with address 127.0.0.1\n    if failed port %s protocol smtp with timeout %s seconds then alert\n' \
				"${peer_hung[$i]}" "$i" "${peer_ports[$i]}" "$BENCH_TIMEOUT"
		done
	} >"$rc"
	chmod 600 "$rc"
	monit -t -c "$rc" >>"$WORK/monit-$n.out" 2>&1 || {
		log "monit rejects its control file: $(tail -n 3 "$WORK/monit-$n.out")"
		return 1
	}
	monit -I -c "$rc" </dev/null >>"$WORK/monit-$n.out" 2>&1 &
	tool_pid=$!
	wait_for "grep -q 'Monit .* started' $tool_log 2>/dev/null || ! kill -0 $tool_pid 2>/dev/null" 30 "monit to start" &&
		kill -0 "$tool_pid" 2>/dev/null
}

# ------------------------------------------------------------- sampling ---
fd_count() {
	local -a fds
	shopt -s nullglob
	fds=("/proc/$1/fd/"*)
	shopt -u nullglob
	echo "${#fds[@]}"
}

# watch_fds PID SECONDS: sample the fd count every 0.1 s for SECONDS (whole
# seconds); prints "MIN MAX"; fails when the process is gone
watch_fds() {
	local pid=$1 end min=999999999 max=0 c
	end=$((${EPOCHREALTIME//[!0-9]/} + $2 * 1000000))
	while ((${EPOCHREALTIME//[!0-9]/} < end)); do
		kill -0 "$pid" 2>/dev/null || return 1
		c=$(fd_count "$pid")
		((c < min)) && min=$c
		((c > max)) && max=$c
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$min $max"
}

# wait_file FILE SECONDS: poll every 10 ms
wait_file() {
	local end=$((${EPOCHREALTIME//[!0-9]/} + $2 * 1000000))
	until [[ -s $1 ]]; do
		((${EPOCHREALTIME//[!0-9]/} < end)) || return 1
		sleep 0.01
	done
}

# until_line FILE PATTERN N SECONDS: poll every 10 ms until FILE has more
# than N lines matching PATTERN; prints the microseconds it took
until_line() {
	local t0=${EPOCHREALTIME//[!0-9]/} end
	end=$((t0 + $4 * 1000000))
	until (($(grep -c -- "$2" "$1" 2>/dev/null || true) > $3)); do
		((${EPOCHREALTIME//[!0-9]/} < end)) || return 1
		sleep 0.01
	done
	echo $((${EPOCHREALTIME//[!0-9]/} - t0))
}

# oneline: stdin as one line fit for a JSON string (no quotes, backslashes)
oneline() {
	tr -d "\"\\\\" | tr "\\n\\t" "  "
}

tool_died() {
	local tool=$1 n=$2 what=$3 st=0
	wait "$tool_pid" || st=$?
	tool_pid=""
	log "$tool with $n checks died $what (exit status $st); its log ends:"
	tail -n 15 "$tool_log" >&2
	printf '{"kind":"error","tool":"%s","n":%d,"error":"%s died %s (exit status %d): %s"}\n' \
		"$tool" "$n" "$tool" "$what" "$st" \
		"$(tail -n 3 "$tool_log" | oneline)" >>"$RESULTS"
	return 1
}

# window TOOL N PHASE: BENCH_WINDOW seconds, timed by the peers (snapshots of
# their counts and of the tool's CPU/memory at both ends); fds sampled between
window() {
	local tool=$1 n=$2 phase=$3 a b fds
	a=$WORK/$tool-$n-$phase-a.json
	b=$WORK/$tool-$n-$phase-b.json
	rm -f "$a" "$b"
	echo "window $BENCH_WINDOW $tool_pid $a $b" >"$WORK/control"
	kill -USR2 "$peer_pid"
	wait_file "$a" 20 || die "the peers do not answer: $(tail -n 3 "$WORK/peers.log" 2>&1)"
	fds=$(watch_fds "$tool_pid" $((BENCH_WINDOW - 1))) || return 1
	wait_file "$b" 30 || die "the peers did not end the window: $(tail -n 3 "$WORK/peers.log" 2>&1)"
	kill -0 "$tool_pid" 2>/dev/null || return 1
	printf '{"kind":"window","tool":"%s","n":%d,"phase":"%s","a":"%s","b":"%s","fd_min":%d,"fd_max":%d}\n' \
		"$tool" "$n" "$phase" "$a" "$b" "${fds% *}" "${fds#* }" >>"$RESULTS"
}

# bench TOOL N: start TOOL on the first N peers, measure both windows, stop it
bench() {
	local tool=$1 n=$2 fds0 fds1 st=0 failed_healthy errors hung_open
	local quiet=$((BENCH_INTERVAL + 1))
	peer_mode healthy
	log "$tool, $n checks: starting"
	if ! "start_$tool" "$n"; then
		if [[ -n $tool_pid ]] && ! kill -0 "$tool_pid" 2>/dev/null; then
			tool_died "$tool" "$n" "at start-up" || return 0
		fi
		log "$tool did not start with $n checks"
		stop_pid "$tool_pid"
		tool_pid=""
		printf '{"kind":"error","tool":"%s","n":%d,"error":"did not start"}\n' "$tool" "$n" >>"$RESULTS"
		return 0
	fi
	# warm up, then the fd count between probes (the minimum over a cycle)
	nap "$quiet"
	fds0=$(watch_fds "$tool_pid" "$quiet") || { tool_died "$tool" "$n" "while warming up" || return 0; }
	log "$tool, $n checks: clean window (${BENCH_WINDOW}s)"
	window "$tool" "$n" clean || { tool_died "$tool" "$n" "in the clean window" || return 0; }
	peer_mode hung
	nap $((2 * BENCH_INTERVAL))
	log "$tool, $n checks: hung window (${BENCH_WINDOW}s, 1 peer in $BENCH_HUNG_EVERY hung)"
	window "$tool" "$n" hung || { tool_died "$tool" "$n" "in the hung window" || return 0; }
	# all healthy again: every hung probe ends; then the fd count between probes
	peer_mode healthy
	nap $((BENCH_TIMEOUT + BENCH_INTERVAL + 1))
	fds1=$(watch_fds "$tool_pid" "$quiet") || { tool_died "$tool" "$n" "after the windows" || return 0; }
	[[ $tool == mailsupd ]] && mailsupd_admin "$n"
	peer_signal USR1 # hung connections the tool has left open
	hung_open=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hung_open"])' "$WORK/stats.json")
	stop_pid "$tool_pid"
	wait "$tool_pid" 2>/dev/null || st=$?
	tool_pid=""
	if [[ $tool == mailsupd ]]; then
		failed_healthy=$(grep -cE '^warning: p[0-9]+: .*\[check-failed\]' "$tool_log" || true)
		errors=$(grep -E '^(error|critical): ' "$tool_log" | grep -vF '[check-' | head -n 3 | oneline || true)
	else
		failed_healthy=$(grep -cE "'p[0-9]+' failed" "$tool_log" || true)
		errors=""
	fi
	printf '{"kind":"tool","tool":"%s","n":%d,"fd_start":%d,"fd_start_max":%d,"fd_end":%d,"fd_end_max":%d,"hung_open_after":%d,"failed_healthy":%d,"errors":"%s"}\n' \
		"$tool" "$n" "${fds0% *}" "${fds0#* }" "${fds1% *}" "${fds1#* }" "$hung_open" "$failed_healthy" "$errors" >>"$RESULTS"
	log "$tool, $n checks: done"
}

# floor N: the minimal client (floor.c) against the first N peers, all healthy
floor() {
	local n=$1 line
	[[ -x $WORK/floor ]] || return 0
	peer_mode healthy
	log "floor, $n checks: ${BENCH_FLOOR_SECONDS}s"
	if line=$("$WORK/floor" "$BENCH_FLOOR_SECONDS" "${peer_ports[@]:0:n}" 2>>"$WORK/floor.log"); then
		echo "${line%\}},\"tool\":\"floor\"}" >>"$RESULTS"
	else
		printf '{"kind":"error","tool":"floor","n":%d,"error":"floor failed: %s"}\n' "$n" \
			"$(tail -n 2 "$WORK/floor.log" | oneline)" >>"$RESULTS"
	fi
}

# ------------------------------------------------------------------ run ---
if command -v cc >/dev/null && cc -O2 -o "$WORK/floor" "$BENCH_DIR/floor.c" 2>>"$WORK/floor.log"; then
	:
else
	log "cannot build floor.c (cc): no floor figures"
fi
tools=(mailsupd)
if [[ ${BENCH_USE_MONIT:-1} == 1 ]]; then
	if command -v monit >/dev/null; then
		tools+=(monit)
	else
		log "monit is not installed (Debian's package; --install-monit installs it): mailsupd alone"
	fi
fi
max=0
for n in $BENCH_SIZES; do ((n > max)) && max=$n; done
log "mailsupd: $MAILSUPD; tools: ${tools[*]}; sizes: $BENCH_SIZES; window ${BENCH_WINDOW}s;" \
	"interval ${BENCH_INTERVAL}s, timeout ${BENCH_TIMEOUT}s; fd limit $(ulimit -n)"
start_peers "$max"
log "$max peers listening (pid $peer_pid, $peer_procs worker process(es))"
for n in $BENCH_SIZES; do
	for tool in "${tools[@]}"; do
		bench "$tool" "$n"
	done
	floor "$n"
done
peer_signal USR1
cp "$WORK/stats.json" "$WORK/peers-final.json"
stop_pid "$peer_pid"
peer_pid=""

python3 "$BENCH_DIR/report.py" "$RESULTS" "$BENCH_INTERVAL" "$BENCH_TIMEOUT" "$BENCH_HUNG_EVERY" "$BENCH_WINDOW"
