# shellcheck shell=bash
#
# tests/harness/sandbox.sh - run a command under a private `systemd --user`
# manager, confined so that it cannot touch the rest of the machine.
#
# Source this file from a bash test script.  See tests/harness/selftest.sh for
# a complete example.  Requires root.
#
# Why this is needed (docs/TESTING.md, "DANGER"): on the test machines there
# is no systemd as PID 1, and a plain `systemd --user` takes the ROOT cgroup as
# its own and moves every process of the machine into it.  sandbox_run
# therefore:
#   1. creates a fresh cgroup <hier>/<name> in every hierarchy under
#      /sys/fs/cgroup (cpuset: cpus/mems copied from the parent first) and
#      moves a child process into it;
#   2. that child enters new mount + PID namespaces
#      (unshare -m -p -f --mount-proc --propagation private);
#   3. mounts a tmpfs on /run (filled by systemd-tmpfiles as at boot), makes
#      /run/systemd/system and /run/user/0, points XDG_* and HOME at a temp
#      dir (sandbox-inner.sh does 3.-5.);
#   4. starts /lib/systemd/systemd --user, waits for /run/user/0/bus and
#      /run/user/0/systemd/private, exports DBUS_SESSION_BUS_ADDRESS;
#   5. runs the command, then `systemctl --user exit`, waits for the manager,
#      and (outside again) removes the cgroup directories depth-first - also
#      after a failure, Ctrl-C, SIGTERM or a timeout.
# Beyond the recipe:
#   - A private systemd-journald (SANDBOX_JOURNAL=1, the default): the
#     manager, the services' stdout/stderr and syslog(3) via /dev/log go
#     to it, `journalctl` inside reads it (journalctl -u UNIT,
#     MESSAGE_ID=..., OBJECT_SYSTEMD_UNIT=...), and it is copied as it
#     comes into $SANDBOX_LOGFILE.  Nothing reaches the machine's journal.
#   - A user manager logs to /dev/console when told to (it reopens it).  In
#     the private mount namespace a pty is bind-mounted on /dev/console and
#     copied to $SANDBOX_LOGFILE, so nothing reaches the machine's console.
#     With SANDBOX_JOURNAL=0 the manager and the services log there.
#   - Manager defaults (/run/systemd/user.conf.d): DefaultTimeoutStopSec=20s.
#   - Cleanup also happens when the caller is killed: if the calling shell
#     exits, the sandbox is stopped; if this function's own shell is
#     SIGKILLed (meson's timeout kills the whole process group), a guardian
#     in a session of its own kills what is left in the cgroups and removes
#     them.  The namespaces die with their init, and their mounts with them.
#   - CMD runs in the caller's working directory, with the caller's stdin.
#
# Public API
#   sandbox_run CMD [ARGS...]     run CMD inside a fresh sandbox, return its
#                                 exit status (124 = timed out)
#   sandbox_reexec [ARGS...]      "if outside: re-run this script ($0) inside
#                                 a sandbox and exit with its status"; a no-op
#                                 when already inside
#   sandbox_inside                true inside a sandbox
#   sandbox_install_unit NAME CONTENT
#                                 write $XDG_CONFIG_HOME/systemd/user/NAME and
#                                 daemon-reload (inside only)
#   unit_prop UNIT PROPERTY       print one property (systemctl --user show -P)
#   wait_for CONDITION TIMEOUT_SECONDS DESCRIPTION
#                                 poll `eval CONDITION` every 0.1 s until true;
#                                 on timeout print DESCRIPTION, return 1
#   free_port                     print a currently free TCP port on 127.0.0.1
#   sandbox_log MESSAGE...        print "[sandbox] MESSAGE" on stderr
#
# Tunables (environment, read by sandbox_run)
#   SANDBOX_TIMEOUT   seconds CMD may run (default 900); then it gets
#                     SIGTERM (exit status 124), and the whole sandbox is
#                     SIGKILLed if it is not gone 60 s later
#   SANDBOX_TMPBASE   where the per-run temp dir is made (default /tmp; every
#                     component must be world-traversable for postfix/dovecot)
#   SANDBOX_KEEP=1    keep the temp dir even when CMD succeeded (it is always
#                     kept when CMD failed, and its path printed)
#   ASAN_OPTIONS, UBSAN_OPTIONS
#                     when set (a sanitized build), every report goes to
#                     $SANDBOX_DIR/sanitizer/report.PID, and any fails the run
#   SANDBOX_JOURNAL=0 no journald: logs go to $SANDBOX_LOGFILE only
#   SANDBOX_BUS_POLICY="FILE..."  the user bus runs on the system bus's
#                     policy (Debian's system.conf and systemd's policy) plus
#                     these files, not the session bus's allow-all
#
# Environment seen by CMD inside the sandbox
#   SANDBOX_INSIDE=1, SANDBOX_NAME (cgroup name), SANDBOX_DIR (per-run temp
#   dir, mode 755), SANDBOX_HARNESS (this directory), SANDBOX_LOGFILE (the
#   manager's log, which also receives the services' stdout/stderr and,
#   with a journal, the whole journal), SANDBOX_JOURNAL (1 or 0),
#   XDG_RUNTIME_DIR=/run/user/0, HOME=$SANDBOX_DIR/home,
#   XDG_CONFIG_HOME=$HOME/.config (plus XDG_DATA_HOME, XDG_STATE_HOME,
#   XDG_CACHE_HOME under $HOME), DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus

# Trap handlers and functions defined inside functions look unreachable to
# the linter (SC2317), so that check is off for this file.
# shellcheck disable=SC2317

if [[ -n ${_SANDBOX_SH_LOADED:-} ]]; then
	return 0
fi
_SANDBOX_SH_LOADED=1

# Debian's own tools first: the packages' python3 (with python3-aiosmtpd
# and friends), not a python a PATH may put ahead of it (a pyenv shim costs
# seconds per call on a loaded machine, and has none of Debian's modules).
export PATH="/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

SANDBOX_HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_SANDBOX_LIB="$SANDBOX_HARNESS/sandbox.sh"
_SANDBOX_CGROOT=/sys/fs/cgroup

sandbox_log() {
	printf '[sandbox] %s\n' "$*" >&2
}

sandbox_inside() {
	[[ ${SANDBOX_INSIDE:-} == 1 ]]
}

# wait_for CONDITION TIMEOUT_SECONDS DESCRIPTION
# CONDITION is a shell command string evaluated with eval; TIMEOUT may be
# fractional.  Returns 0 as soon as CONDITION succeeds, 1 on timeout.
wait_for() {
	if [[ $# -ne 3 ]]; then
		sandbox_log "usage: wait_for CONDITION TIMEOUT_SECONDS DESCRIPTION"
		return 2
	fi
	local cond=$1 timeout=$2 what=$3
	local limit start
	# all in microseconds; the timeout may be fractional
	if ! limit=$(awk -v t="$timeout" 'BEGIN { if (t !~ /^[0-9]+(\.[0-9]*)?$/) exit 1; printf "%d", t * 1000000 }'); then
		sandbox_log "wait_for: bad timeout '$timeout'"
		return 2
	fi
	start=${EPOCHREALTIME//[!0-9]/}
	while true; do
		if eval "$cond"; then
			return 0
		fi
		if ((${EPOCHREALTIME//[!0-9]/} - start >= limit)); then
			sandbox_log "TIMEOUT after ${timeout}s waiting for: $what"
			sandbox_log "  (condition: $cond)"
			return 1
		fi
		sleep 0.1
	done
}

# free_port: a TCP port on 127.0.0.1 that nobody listens on right now.
# free_port: a TCP (and UDP) port of 127.0.0.1 that nothing uses now,
# below the kernel's ephemeral range (ip_local_port_range): a port of that
# range, left free while a service restarts, may meanwhile become the local
# port of any outgoing connection on the machine, and the service then
# fails to bind it ("Address already in use").
free_port() {
	python3 -c '
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
while True:
    port = random.randrange(10000, low)
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        t.bind(("127.0.0.1", port))
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        t.close()
        u.close()
    print(port)
    break
'
}

# unit_prop UNIT PROPERTY: print the value of one unit property.
unit_prop() {
	systemctl --user show -P "$2" -- "$1"
}

# sandbox_install_unit NAME CONTENT
sandbox_install_unit() {
	if [[ $# -ne 2 ]]; then
		sandbox_log "usage: sandbox_install_unit NAME CONTENT"
		return 2
	fi
	if ! sandbox_inside; then
		sandbox_log "sandbox_install_unit: only usable inside sandbox_run"
		return 2
	fi
	local dir="$XDG_CONFIG_HOME/systemd/user"
	mkdir -p "$dir" || return 1
	printf '%s\n' "$2" >"$dir/$1" || return 1
	systemctl --user daemon-reload
}

# sandbox_reexec [ARGS...]: typical first line of a test script:
#   sandbox_reexec "$@"
# Outside a sandbox it runs "bash $0 ARGS..." inside a new one and exits with
# that status; inside, it returns and the script continues.
sandbox_reexec() {
	if sandbox_inside; then
		return 0
	fi
	local rc=0
	sandbox_run bash "$0" "$@" || rc=$?
	exit "$rc"
}

# --------------------------------------------------------------------------
# Outside part: cgroups, namespaces, timeout, signals, cleanup.
# The whole function body runs in a subshell so its traps and options do not
# leak into the caller.
# --------------------------------------------------------------------------

# Print the cgroup hierarchies (mount points) to use, one per line.
_sandbox_hierarchies() {
	local fstype d
	fstype=$(stat -f -c %T "$_SANDBOX_CGROOT" 2>/dev/null) || return 1
	if [[ $fstype == cgroup2fs ]]; then
		# pure cgroup v2: a single hierarchy
		printf '%s\n' "$_SANDBOX_CGROOT"
		return 0
	fi
	for d in "$_SANDBOX_CGROOT"/*; do
		# co-mounted controllers appear as symlinks (cpu -> cpu,cpuacct)
		[[ -d $d && ! -L $d ]] || continue
		fstype=$(stat -f -c %T "$d" 2>/dev/null) || continue
		case $fstype in
		cgroupfs | cgroup2fs) printf '%s\n' "$d" ;;
		esac
	done
}

# _sandbox_ppid PID: the parent PID of PID.
_sandbox_ppid() {
	local stat
	stat=$(<"/proc/$1/stat") || return 1
	stat=${stat##*) }  # the command name may contain spaces
	read -r _ stat _ <<<"$stat"
	printf '%s\n' "$stat"
}

# PIDs (as seen from here) of every process in our cgroups.
_sandbox_cgroup_pids() {
	local top
	for top in "${_sandbox_cgdirs[@]}"; do
		[[ -d $top ]] || continue
		find "$top" -name cgroup.procs -exec cat {} + 2>/dev/null
	done | sort -un
}

_sandbox_kill_cgroup() {
	local sig=$1 pid
	for pid in $(_sandbox_cgroup_pids); do
		kill "-$sig" "$pid" 2>/dev/null || true
	done
}

# Remove our cgroup directories depth-first, retrying while the kernel is
# still letting the last processes go.
_sandbox_remove_cgroups() {
	local top tries left
	for tries in $(seq 1 100); do
		left=0
		for top in "${_sandbox_cgdirs[@]}"; do
			[[ -d $top ]] || continue
			find "$top" -depth -type d -exec rmdir {} + 2>/dev/null || true
			[[ -d $top ]] && left=1
		done
		((left)) || return 0
		if ((tries % 10 == 0)); then
			_sandbox_kill_cgroup KILL
		fi
		sleep 0.1
	done
	for top in "${_sandbox_cgdirs[@]}"; do
		[[ -d $top ]] && sandbox_log "ERROR: could not remove cgroup $top"
	done
	return 1
}

sandbox_run() (
	set -uo pipefail
	if [[ $# -lt 1 ]]; then
		sandbox_log "usage: sandbox_run CMD [ARGS...]"
		exit 2
	fi
	if sandbox_inside; then
		sandbox_log "sandbox_run: already inside a sandbox (nesting is not supported)"
		exit 2
	fi
	if [[ $EUID -ne 0 ]]; then
		sandbox_log "sandbox_run: must run as root"
		exit 2
	fi
	local tool
	for tool in unshare mount systemctl busctl python3 timeout /lib/systemd/systemd; do
		if ! command -v "$tool" >/dev/null; then
			sandbox_log "sandbox_run: missing $tool (run tests/install-deps.sh)"
			exit 2
		fi
	done

	local timeout=${SANDBOX_TIMEOUT:-900}
	local base=${SANDBOX_TMPBASE:-/tmp}
	local name
	name="mailsup-test-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"

	# Per-run temp dir; postfix and dovecot must be able to traverse every
	# parent, so refuse a base that is not world-traversable.
	local p
	p=$(realpath "$base") || exit 2
	while [[ -n $p ]]; do
		if [[ $(($(stat -c %#a "$p") & 1)) -eq 0 ]]; then
			sandbox_log "sandbox_run: $p is not world-traversable; set SANDBOX_TMPBASE"
			exit 2
		fi
		[[ $p == / ]] && break
		p=$(dirname "$p")
	done
	local dir
	dir=$(mktemp -d "$base/mailsup-test.XXXXXX") || exit 2
	chmod 755 "$dir"
	mkdir -p "$dir/home/.config/systemd/user"
	chmod 755 "$dir/home"

	_sandbox_cgdirs=()
	local child="" guardian="" rc=0 interrupted=0 deadline
	local -a hiers
	mapfile -t hiers < <(_sandbox_hierarchies)
	if [[ ${#hiers[@]} -eq 0 ]]; then
		sandbox_log "sandbox_run: no cgroup hierarchy found under $_SANDBOX_CGROOT"
		rm -rf -- "$dir"
		exit 1
	fi

	_sandbox_finish() {
		local st=$?
		trap - EXIT INT TERM HUP
		if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
			_sandbox_kill_cgroup KILL
			wait "$child" 2>/dev/null
		fi
		_sandbox_remove_cgroups || st=1
		if [[ -n $guardian ]]; then
			kill -TERM "$guardian" 2>/dev/null
			wait "$guardian" 2>/dev/null
		fi
		if [[ $st -eq 0 && ${SANDBOX_KEEP:-0} != 1 ]]; then
			rm -rf -- "$dir"
		else
			sandbox_log "kept $dir (systemd log: $dir/systemd.log)"
		fi
		exit "$st"
	}
	_sandbox_signal() {
		if ((!interrupted)); then
			interrupted=1
			sandbox_log "$1: stopping the sandbox"
			# grace period for a clean `systemctl --user exit` (units get
			# DefaultTimeoutStopSec=20s, the inner part waits 30 s)
			deadline=$((SECONDS + 40))
		fi
		# The namespace's init is unshare's child; it handles TERM.
		local init
		for init in $(pgrep -P "$child" 2>/dev/null); do
			kill -TERM "$init" 2>/dev/null || true
		done
	}
	trap _sandbox_finish EXIT
	trap '_sandbox_signal "got SIGINT"' INT
	trap '_sandbox_signal "got SIGTERM"' TERM
	trap '_sandbox_signal "got SIGHUP"' HUP

	# A guardian in a session of its own cleans up if this shell is killed
	# outright (SIGKILL, e.g. meson's timeout kills the test's process
	# group): it kills what is left in our cgroups and removes them.
	local self=$BASHPID
	setsid python3 "$SANDBOX_HARNESS/sandbox-guardian.py" "$self" "$name" "${hiers[@]}" \
		>>"$dir/guardian.log" 2>&1 </dev/null &
	guardian=$!

	# 1. one fresh cgroup per hierarchy
	local hier cg f
	for hier in "${hiers[@]}"; do
		cg="$hier/$name"
		if ! mkdir "$cg"; then
			sandbox_log "sandbox_run: cannot create $cg"
			exit 1
		fi
		_sandbox_cgdirs+=("$cg")
		for f in cpuset.cpus cpuset.mems; do
			if [[ -e $hier/$f && -e $cg/$f ]]; then
				cat "$hier/$f" >"$cg/$f" || exit 1
			fi
		done
	done

	# 2.-5. a child moves itself into the cgroups, then enters the namespaces
	deadline=$((SECONDS + timeout + 60))
	(
		for cg in "${_sandbox_cgdirs[@]}"; do
			echo "$BASHPID" >"$cg/cgroup.procs" || exit 125
		done
		# shellcheck disable=SC2016 # expanded by the inner bash
		exec env SANDBOX_DIR="$dir" SANDBOX_NAME="$name" SANDBOX_TIMEOUT="$timeout" \
			SANDBOX_HARNESS="$SANDBOX_HARNESS" \
			unshare -m -p -f --kill-child --mount-proc --propagation private \
			bash -c 'source "$1" && source "$2" && shift 2 && _sandbox_inner "$@"' \
			sandbox "$_SANDBOX_LIB" "$SANDBOX_HARNESS/sandbox-inner.sh" "$@"
	) <&0 &
	child=$!

	# Poll: the child ending, the hard deadline, and our caller dying (e.g.
	# `timeout 60 bash test.sh` signals only the script's main shell, which
	# would leave this subshell and the sandbox running).
	local ppid
	ppid=$(_sandbox_ppid "$self")
	while kill -0 "$child" 2>/dev/null; do
		if ((!interrupted)) && [[ $(_sandbox_ppid "$self") != "$ppid" ]]; then
			_sandbox_signal "caller exited"
		fi
		if ((SECONDS >= deadline)); then
			sandbox_log "sandbox did not finish in time: killing it"
			_sandbox_kill_cgroup KILL
			deadline=$((SECONDS + 3600))
		fi
		sleep 0.2
	done
	wait "$child"
	rc=$?
	if ((rc == 125)); then
		sandbox_log "sandbox_run: could not enter the cgroups"
	fi
	exit "$rc"
)
