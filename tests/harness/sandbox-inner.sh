# shellcheck shell=bash
#
# tests/harness/sandbox-inner.sh - the inside of a sandbox (sandbox.sh):
# what runs as PID 1 of the new PID and mount namespaces, before and after
# the test command.  Sourced by sandbox_run's inner shell only.
#
# It gives the sandbox what a booted Debian server has, privately:
#   - a tmpfs on /run, filled by systemd-tmpfiles as at boot (/run/opendkim,
#     /run/lock, ...), so daemons' pid files and sockets stay in here;
#   - an overlay on /dev whose only addition is /dev/log, and a pty standing
#     in for /dev/console (copied into $SANDBOX_LOGFILE);
#   - with SANDBOX_JOURNAL=1 (the default) a private systemd-journald:
#     volatile storage on this /run, no kmsg, no wall, no forwarding, no rate
#     limit, and an empty tmpfs over /var/log/journal, so nothing reaches or
#     is read from the machine's own journal.  The manager and the services'
#     stdout/stderr log to it; /dev/log reaches it, so syslog(3) callers
#     (Postfix, OpenDKIM, Dovecot) log there as on a server;
#   - then `systemd --user`, the test command, and an orderly `exit`.
# The mounts die with the mount namespace; nothing here is seen outside.

# shellcheck disable=SC2317 # trap handlers look unreachable to the linter

# Python: allocate a pty, write its slave path to argv[2], copy everything
# written to it into argv[1] (append) until SIGTERM.  Output processing is
# off so lines stay "\n"-terminated.
_SANDBOX_CONSOLE_RELAY='
import os, signal, sys, termios, time
master, slave = os.openpty()
attrs = termios.tcgetattr(slave)
attrs[1] &= ~termios.OPOST
termios.tcsetattr(slave, termios.TCSANOW, attrs)
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
stop = False
def on_term(signum, frame):
    global stop
    stop = True
    os.set_blocking(master, False)
signal.signal(signal.SIGTERM, on_term)
tmp = sys.argv[2] + ".tmp"
with open(tmp, "w") as f:
    f.write(os.ttyname(slave))
os.rename(tmp, sys.argv[2])
while True:
    try:
        data = os.read(master, 65536)
    except InterruptedError:
        continue
    except BlockingIOError:
        break
    except OSError:
        if stop:
            break
        time.sleep(0.1)
        continue
    if not data:
        break
    os.write(log, data)
'

# A tmpfs on /run, as at boot: tmpfiles.d creates the directories packages
# expect (/run/opendkim for Debian's opendkim.service, ...).
_sandbox_private_run() {
	mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run || return 1
	mkdir -p /run/systemd/system /run/user || return 1
	# 755, not logind's 700: the manager's notify socket is in here, and
	# daemons that drop privileges before READY=1 (unbound) must reach it,
	# as they reach the system manager's /run/systemd/notify on a server.
	mkdir -m 755 /run/user/0 || return 1
	# some lines (TPM files, ...) do not apply here; that is not an error
	systemd-tmpfiles --create --prefix=/run >/dev/null 2>&1 || true
	[[ -d /run/lock ]] || mkdir -m 1777 /run/lock
	_sandbox_inaccessible_nodes
}

# What PID 1 makes at boot and namespacing options (ProtectHome=,
# InaccessiblePaths=, ...) mount over what they hide; the user manager
# expects them and does not make them.
_sandbox_inaccessible_nodes() {
	local d=/run/systemd/inaccessible
	mkdir -p "$d" || return 1
	mkdir -m 0 "$d/dir" && touch "$d/reg" && chmod 0 "$d/reg" &&
		mknod -m 0 "$d/chr" c 0 0 && mknod -m 0 "$d/blk" b 0 0 &&
		mkfifo -m 0 "$d/fifo" || return 1
	python3 -c 'import os, socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0)' "$d/sock"
}

# An overlay on /dev: the machine's device nodes, plus what this sandbox
# adds (/dev/log), which the machine never sees.  Sub-mounts (pts, shm, ...)
# are bound again on top.
_sandbox_private_dev() {
	local d=$SANDBOX_DIR/.dev m
	mkdir -p "$d" && mount -t tmpfs -o mode=700 tmpfs "$d" || return 1
	mkdir "$d/host" "$d/upper" "$d/work" || return 1
	mount --rbind /dev "$d/host" || return 1
	mount -t overlay overlay -o "lowerdir=$d/host,upperdir=$d/upper,workdir=$d/work" /dev || return 1
	for m in pts shm mqueue hugepages; do
		if mountpoint -q "$d/host/$m"; then
			mount --rbind "$d/host/$m" "/dev/$m" || return 1
		fi
	done
}

# The console relay: a pty on /dev/console, copied into $SANDBOX_LOGFILE.
_sandbox_console() {
	: >>"$SANDBOX_LOGFILE"
	python3 - "$SANDBOX_LOGFILE" "$SANDBOX_DIR/.console" <<<"$_SANDBOX_CONSOLE_RELAY" &
	relay_pid=$!
	wait_for "[[ -s $SANDBOX_DIR/.console ]]" 10 "the console relay" || return 1
	mount --bind "$(cat "$SANDBOX_DIR/.console")" /dev/console
}

# A private systemd-journald (TESTING.md, "systemd-journald in the sandbox").
_sandbox_journald() {
	mkdir -p /run/systemd/journald.conf.d || return 1
	# zz-: parsed after any drop-in the machine has, so these settings win
	cat >/run/systemd/journald.conf.d/zz-mailsup-sandbox.conf <<-EOF || return 1
		[Journal]
		Storage=volatile
		ReadKMsg=no
		ForwardToSyslog=no
		ForwardToKMsg=no
		ForwardToConsole=no
		ForwardToWall=no
		RateLimitIntervalSec=0
		RateLimitBurst=0
		RuntimeMaxUse=128M
	EOF
	if [[ -d /var/log/journal ]]; then
		mount -t tmpfs -o mode=755 tmpfs /var/log/journal || return 1
	fi
	# its own messages to its stderr (a file), never to /dev/kmsg
	SYSTEMD_LOG_TARGET=console /lib/systemd/systemd-journald </dev/null \
		>>"$SANDBOX_DIR/journald.log" 2>&1 &
	journald_pid=$!
	if ! wait_for '[[ -S /run/systemd/journal/socket && -S /run/systemd/journal/stdout && -S /run/systemd/journal/dev-log ]]' \
		10 "systemd-journald's sockets"; then
		cat "$SANDBOX_DIR/journald.log" >&2
		return 1
	fi
	ln -s /run/systemd/journal/dev-log /dev/log || return 1
	# The whole journal, as it comes, in the sandbox's log too.
	journalctl --follow --no-tail --quiet --output=short-precise >>"$SANDBOX_LOGFILE" 2>&1 &
	journal_relay_pid=$!
}

# SANDBOX_BUS_POLICY="FILE...": the user bus runs on the system bus's
# policy (Debian's system.conf, systemd's system.d policy) plus FILEs, and
# nothing else, instead of the session bus's allow-all; systemd --user owns
# org.freedesktop.systemd1 on it as PID 1 does on the system bus.
_sandbox_strict_bus() {
	local conf=$SANDBOX_DIR/bus.conf f
	local -a files
	read -r -a files <<<"$SANDBOX_BUS_POLICY"
	for f in "${files[@]}"; do
		[[ -r $f ]] || {
			sandbox_log "SANDBOX_BUS_POLICY: cannot read $f"
			return 1
		}
	done
	# dbus.socket hands the bus /run/user/0/bus ("systemd:")
	python3 "$SANDBOX_HARNESS/bus-config.py" "$conf" systemd: \
		/usr/share/dbus-1/system.d/org.freedesktop.systemd1.conf "${files[@]}" || return 1
	mkdir -p /run/systemd/user/dbus.service.d || return 1
	cat >/run/systemd/user/dbus.service.d/50-sandbox-strict.conf <<-EOF
		[Service]
		ExecStart=
		ExecStart=/usr/bin/dbus-daemon --config-file=$conf --nofork --nopidfile --systemd-activation --syslog-only
	EOF
}

# The user manager's defaults: its log and the services' output go to the
# journal when there is one, else to the console relay.
_sandbox_manager_conf() {
	local out=tty target=console
	if [[ $SANDBOX_JOURNAL == 1 ]]; then
		out=journal
		target=journal
	fi
	mkdir -p /run/systemd/user.conf.d || return 1
	cat >/run/systemd/user.conf.d/50-mailsup-sandbox.conf <<-EOF
		[Manager]
		LogTarget=$target
		LogTime=yes
		DefaultStandardOutput=$out
		DefaultStandardError=inherit
		DefaultTimeoutStopSec=20s
	EOF
}

_sandbox_start_manager() {
	/lib/systemd/systemd --user </dev/null >>"$SANDBOX_LOGFILE" 2>&1 &
	sd_pid=$!
	if ! wait_for '[[ -S /run/user/0/bus && -S /run/user/0/systemd/private ]] || ! kill -0 '"$sd_pid"' 2>/dev/null' \
		30 "the user manager's sockets /run/user/0/bus and /run/user/0/systemd/private" ||
		! kill -0 "$sd_pid" 2>/dev/null; then
		sandbox_log "systemd --user did not come up; its log:"
		tail -n 30 "$SANDBOX_LOGFILE" >&2
		kill -KILL "$sd_pid" 2>/dev/null
		return 1
	fi
	export DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus
	# PID 1's notify socket takes READY=1 from any user; a user manager's
	# only from its own.  Services that drop privileges first (unbound,
	# redis) need the former.
	chmod 0777 /run/user/0/systemd/notify || return 1
	# let the initial transaction (default.target, dbus.socket) settle
	timeout 30 systemctl --user is-system-running --wait >/dev/null 2>&1 || true
	local cgroup
	cgroup=$(systemctl --user show -P ControlGroup -- init.scope 2>/dev/null)
	if [[ $cgroup != "/$SANDBOX_NAME/"* ]]; then
		# Cannot happen with the private cgroup; never run tests if it does.
		sandbox_log "ERROR: the manager's init.scope is in '$cgroup', not under /$SANDBOX_NAME"
		return 1
	fi
}

_sandbox_stop_manager() {
	local _
	timeout 20 systemctl --user exit >/dev/null 2>&1 || true
	for _ in $(seq 1 300); do
		kill -0 "$sd_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$sd_pid" 2>/dev/null; then
		sandbox_log "systemd --user did not exit in time: killing it"
		kill -KILL "$sd_pid" 2>/dev/null
	fi
	wait "$sd_pid" 2>/dev/null
}

# Run CMD with a timeout; returns its status.
_sandbox_run_cmd() {
	local rc
	# explicit <&0 keeps stdin (bash would use /dev/null for a background job)
	timeout --foreground --kill-after=10 "$SANDBOX_TIMEOUT" "$@" <&0 &
	cmd_pid=$!
	while true; do
		wait "$cmd_pid"
		rc=$?
		# a trapped signal interrupts wait with status > 128
		kill -0 "$cmd_pid" 2>/dev/null || break
	done
	cmd_pid=""
	if ((rc == 124)); then
		sandbox_log "command timed out after ${SANDBOX_TIMEOUT}s: $*"
	fi
	return "$rc"
}

# A sanitized build (tests/run.sh's ASan+UBSan pass sets ASAN_OPTIONS and
# UBSAN_OPTIONS): every process in here, mailsupd as a unit of the manager
# too (a user manager hands its environment to its units), writes its reports
# to files, since a unit's stderr is easily lost. Any report fails the run,
# also one written at exit (LeakSanitizer) while the manager stops.
_sandbox_sanitizer_setup() {
	[[ -n ${ASAN_OPTIONS:-}${UBSAN_OPTIONS:-} ]] || return 0
	mkdir -m 1777 "$SANDBOX_DIR/sanitizer" || return 1
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$SANDBOX_DIR/sanitizer/report"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$SANDBOX_DIR/sanitizer/report"
}

_sandbox_sanitizer_reports() {
	local f found=0
	for f in "$SANDBOX_DIR"/sanitizer/report.*; do
		[[ -e $f ]] || continue
		found=1
		sandbox_log "FAIL: sanitizer report $f:"
		cat -- "$f" >&2
	done
	return "$found"
}

_sandbox_inner() {
	set -uo pipefail
	local sd_pid="" cmd_pid="" relay_pid="" journald_pid="" journal_relay_pid="" rc=0

	export SANDBOX_INSIDE=1
	export SANDBOX_LOGFILE="$SANDBOX_DIR/systemd.log"
	export SANDBOX_JOURNAL=${SANDBOX_JOURNAL:-1}
	export XDG_RUNTIME_DIR=/run/user/0
	export HOME="$SANDBOX_DIR/home"
	export XDG_CONFIG_HOME="$HOME/.config"
	export XDG_DATA_HOME="$HOME/.local/share"
	export XDG_STATE_HOME="$HOME/.local/state"
	export XDG_CACHE_HOME="$HOME/.cache"
	unset DBUS_SESSION_BUS_ADDRESS XDG_DATA_DIRS XDG_CONFIG_DIRS NOTIFY_SOCKET \
		INVOCATION_ID LISTEN_PID LISTEN_FDS JOURNAL_STREAM
	_sandbox_sanitizer_setup || return 1

	_sandbox_inner_term() {
		# forwarded by sandbox_run, or Ctrl-C; stop the command first
		if [[ -n $cmd_pid ]]; then
			kill -TERM "$cmd_pid" 2>/dev/null
		fi
	}
	trap _sandbox_inner_term TERM INT HUP

	_sandbox_private_run || return 1
	_sandbox_private_dev || return 1
	_sandbox_console || return 1
	if [[ $SANDBOX_JOURNAL == 1 ]]; then
		_sandbox_journald || return 1
	fi
	_sandbox_manager_conf || return 1
	if [[ -n ${SANDBOX_BUS_POLICY:-} ]]; then
		_sandbox_strict_bus || return 1
	fi
	if _sandbox_start_manager; then
		_sandbox_run_cmd "$@" || rc=$?
	else
		rc=1
	fi
	_sandbox_stop_manager

	# let the relays copy what is left, then stop them
	sleep 0.3
	local p
	for p in $journal_relay_pid $journald_pid $relay_pid; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	_sandbox_sanitizer_reports || rc=1
	# Leaving PID 1 of the namespace kills anything still left in it.
	return "$rc"
}
