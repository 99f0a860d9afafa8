# shellcheck shell=bash
#
# tests/harness/polkit.sh - a real polkitd inside the sandbox, on the bus
# the sandbox's systemd manager listens on, so that an unprivileged process
# can ask that manager to restart a unit and polkit decides.
#
# Source it after sandbox.sh, and call its functions inside the sandbox
# (sandbox_reexec first). Requires root. Everything it changes is in the
# sandbox's own mount namespace: the machine's /etc/polkit-1, /etc/passwd and
# /etc/dbus-1 are never written.
#
# How (systemd 252, src/shared/bus-polkit.c): for a caller that is neither
# root nor the manager's own user, the manager asks
# org.freedesktop.PolicyKit1 on the bus the call came in on. The sandbox's
# manager is root's `systemd --user`, reached on its user bus
# (/run/user/0/bus, a dbus-daemon --session). So that one bus daemon plays
# both parts: polkitd joins it as its "system bus" (/run/dbus/
# system_bus_socket is a symlink to it), and the user bus lets the
# unprivileged user connect (session.d policy: allow user=...). A mailsupd
# with `bus = system` then finds the manager, and polkit, where it would on
# a server.
#
# Public API
#   polkit_add_user NAME    make NAME a system user in this namespace (copies of
#                           /etc/passwd and /etc/group bind-mounted) unless it
#                           exists; prints nothing
#   polkit_bus_setup USER   the user bus becomes the system bus, USER (and
#                           polkitd, which drops to that user) may connect
#   polkit_start RULE...    rules.d holds exactly the files RULE... (a tmpfs
#                           over /etc/polkit-1/rules.d); starts polkitd and
#                           waits for its name; POLKIT_LOG is its log
#   polkit_check USER UNIT VERB
#                           pkcheck (as root) for manage-units with a process
#                           of USER as the subject: 0 granted, else refused

polkit_log() {
	printf '[polkit] %s\n' "$*" >&2
}

polkit_add_user() {
	local name=$1 uid
	getent passwd "$name" >/dev/null && return 0
	mkdir -p "$SANDBOX_DIR/etc"
	cp /etc/passwd /etc/group "$SANDBOX_DIR/etc/"
	uid=$(awk -F: 'BEGIN { u = 900 } { used[$3] = 1 } END { while (used[u]) u++; print u }' \
		/etc/passwd /etc/group)
	printf '%s:x:%s:%s:mailsup test user:/nonexistent:/usr/sbin/nologin\n' "$name" "$uid" "$uid" \
		>>"$SANDBOX_DIR/etc/passwd"
	printf '%s:x:%s:\n' "$name" "$uid" >>"$SANDBOX_DIR/etc/group"
	mount --bind "$SANDBOX_DIR/etc/passwd" /etc/passwd
	mount --bind "$SANDBOX_DIR/etc/group" /etc/group
}

polkit_bus_setup() {
	local user=$1
	mount -t tmpfs -o mode=755 tmpfs /run/dbus || return 1
	ln -s /run/user/0/bus /run/dbus/system_bus_socket || return 1
	# the user bus's socket is 0666; its directory must be traversable
	chmod 711 /run/user/0 || return 1
	mount -t tmpfs -o mode=755 tmpfs /etc/dbus-1/session.d || return 1
	cat >/etc/dbus-1/session.d/mailsup-test.conf <<-EOF
		<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
		<busconfig>
		  <policy context="default">
		    <allow user="$user"/>
		    <allow user="polkitd"/>
		  </policy>
		</busconfig>
	EOF
	busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
}

polkit_start() {
	local rule
	mount -t tmpfs -o mode=755 tmpfs /etc/polkit-1/rules.d || return 1
	for rule in "$@"; do
		install -m 644 "$rule" /etc/polkit-1/rules.d/ || return 1
	done
	POLKIT_LOG=$SANDBOX_DIR/polkitd.log
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket \
		/usr/lib/polkit-1/polkitd >>"$POLKIT_LOG" 2>&1 &
	POLKITD_PID=$!
	wait_for 'busctl --system status org.freedesktop.PolicyKit1 >/dev/null 2>&1' 30 \
		"polkitd owns org.freedesktop.PolicyKit1" || { cat "$POLKIT_LOG" >&2; return 1; }
}

polkit_check() {
	local user=$1 unit=$2 verb=$3 pid rc=0
	# Only root may ask polkit with details about another process: the
	# subject is a process of USER (a sleep that setpriv became).
	setpriv --reuid="$user" --regid="$user" --init-groups sleep 300 &
	pid=$!
	wait_for '[[ $(stat -c %U /proc/'"$pid"') == '"$user"' && $(cat /proc/'"$pid"'/comm) == sleep ]]' 10 \
		"a process of $user" || return 2
	pkcheck --action-id org.freedesktop.systemd1.manage-units --process "$pid" \
		--detail unit "$unit" --detail verb "$verb" >>"$SANDBOX_DIR/pkcheck.log" 2>&1 || rc=$?
	kill "$pid"
	wait "$pid" 2>/dev/null
	return "$rc"
}
