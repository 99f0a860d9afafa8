# shellcheck shell=bash
#
# tests/harness/mailstack.sh - private Postfix and Dovecot instances, run as
# systemd user units inside a sandbox (see sandbox.sh), plus tiny greeting
# checks.  Nothing here reads or writes /etc/postfix or /etc/dovecot beyond
# copying Postfix's stock master.cf/dynamicmaps.cf, and nothing starts a
# system-wide daemon: every file lives under $SANDBOX_DIR/<unit name>/.
#
# Public API (call inside sandbox_run; source sandbox.sh first)
#   mailstack_postfix UNITNAME PORT [EXTRA_SERVICE_LINES]
#       Create and start a private Postfix whose smtpd listens on
#       127.0.0.1:PORT; returns once it greets with 220.  UNITNAME is the
#       unit's full name (e.g. pf.service).  EXTRA_SERVICE_LINES (one string,
#       may contain newlines) is appended to the unit's [Service] section,
#       e.g. "Restart=on-failure".  No Restart= by default.
#       Files: $SANDBOX_DIR/<UNITNAME>/{conf,spool,data,maillog}.
#   postfix_master_pid UNITNAME
#       Print the PID of that instance's master process (the unit's MainPID).
#   postfix_dir UNITNAME          print the instance's directory
#   mailstack_dovecot UNITNAME PORT [EXTRA_SERVICE_LINES]
#       Create and start a private Dovecot (IMAP only, no TLS) on
#       127.0.0.1:PORT; returns once it sends the real "* OK" greeting.
#       Login: any user name, password "test".  Type=notify.
#       Files: $SANDBOX_DIR/<UNITNAME>/{dovecot.conf,run,state,mail,dovecot.log}.
#   dovecot_dir UNITNAME          print the instance's directory
#   smtp_greets PORT [TIMEOUT]    true if a 220 greeting (multi-line
#                                 "220-" lines allowed) arrives on
#                                 127.0.0.1:PORT within TIMEOUT s (default 3)
#   imap_greets PORT [TIMEOUT]    same for an IMAP "* OK" greeting (the
#                                 transient "Waiting for authentication
#                                 process" greeting does not count)
#   tcp_connects PORT [TIMEOUT]   true if a TCP connect succeeds (a plain
#                                 connect check; says nothing about health)
#
# Tunable: MAILSTACK_START_TIMEOUT, seconds the start functions wait for the
# greeting (default 30).  On failure they print the unit's status and the
# tail of the instance's own log (maillog / dovecot.log): Postfix reports
# fatal start errors only to its maillog here, as there is no /dev/log.
#
# Choices that tests rely on:
#   - Postfix smtpd runs with max_use=1, so a SIGSTOPped master means no
#     greeting (otherwise an idle smtpd keeps greeting for up to 100 s).
#   - The Postfix unit is Type=forking around "postfix start" (active once
#     the master listens) and has no ExecStop: systemd's SIGTERM+SIGCONT to
#     the whole unit stops it promptly, even with a stopped master, and the
#     unit ends "inactive", not "failed".
#   - Tests of Debian's own layout use debian.sh instead; this one remains
#     for what needs max_use=1 until mailsupd detects a frozen master.
#   - Dovecot runs Type=notify with KillMode=mixed (its master stops its
#     children).  Its MainPID is the dovecot master; SIGSTOP on it also
#     means no greeting (imap-login serves one connection per process).

if [[ -n ${_MAILSTACK_SH_LOADED:-} ]]; then
	return 0
fi
_MAILSTACK_SH_LOADED=1

# shellcheck source=tests/harness/sandbox.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sandbox.sh"

_mailstack_log() {
	printf '[mailstack] %s\n' "$*" >&2
}

_mailstack_require_inside() {
	if ! sandbox_inside; then
		_mailstack_log "$1: only usable inside sandbox_run"
		return 1
	fi
}

# _mailstack_probe KIND PORT TIMEOUT: KIND is smtp, imap or tcp.
_mailstack_probe() {
	python3 - "$@" <<'EOF'
import socket, sys, time
kind, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
except OSError:
    sys.exit(1)
if kind == "tcp":
    s.close()
    sys.exit(0)
buf = b""
try:
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit(1)
        s.settimeout(left)
        chunk = s.recv(4096)
        if not chunk:
            sys.exit(1)
        buf += chunk
        if len(buf) > 65536:
            sys.exit(1)
    first = buf.split(b"\n", 1)[0].rstrip(b"\r")
    if kind == "smtp":
        # a multi-line greeting is "220-..." lines, then "220 ..."
        while True:
            lines = buf.split(b"\n")
            done = [l.rstrip(b"\r") for l in lines[:-1]]
            if any(not l.startswith(b"220-") for l in done):
                break
            left = deadline - time.monotonic()
            if left <= 0:
                sys.exit(1)
            s.settimeout(left)
            chunk = s.recv(4096)
            if not chunk or len(buf) > 65536:
                sys.exit(1)
            buf += chunk
        last = next(l for l in done if not l.startswith(b"220-"))
        ok = last.startswith(b"220 ") or last == b"220"
    else:
        ok = first.startswith(b"* OK") and b"Waiting for authentication" not in first
except OSError:
    sys.exit(1)
finally:
    s.close()
sys.exit(0 if ok else 1)
EOF
}

smtp_greets() {
	_mailstack_probe smtp "$1" "${2:-3}"
}

imap_greets() {
	_mailstack_probe imap "$1" "${2:-3}"
}

tcp_connects() {
	_mailstack_probe tcp "$1" "${2:-3}"
}

# chmod 755 every directory from $SANDBOX_DIR down to $1 so that the postfix
# and dovecot users can traverse them.
_mailstack_traversable() {
	local d=$1
	while [[ $d == "$SANDBOX_DIR"/* || $d == "$SANDBOX_DIR" ]]; do
		chmod 755 "$d" || return 1
		[[ $d == "$SANDBOX_DIR" ]] && break
		d=$(dirname "$d")
	done
}

# _mailstack_start UNIT PORT KIND LOGFILE: start the unit, wait for the
# greeting, and on failure show what there is to see.
_mailstack_start() {
	local unit=$1 port=$2 kind=$3 logfile=$4
	local timeout=${MAILSTACK_START_TIMEOUT:-30}
	if ! systemctl --user start "$unit"; then
		_mailstack_log "systemctl --user start $unit failed"
	fi
	if wait_for "${kind}_greets $port 2 || [[ \$(unit_prop $unit ActiveState) == @(failed|inactive) ]]" \
		"$timeout" "$unit to greet on 127.0.0.1:$port" &&
		"${kind}_greets" "$port" 2; then
		return 0
	fi
	_mailstack_log "$unit did not come up; status:"
	systemctl --user status --no-pager --lines=0 "$unit" >&2 || true
	if [[ -f $logfile ]]; then
		_mailstack_log "last lines of $logfile:"
		tail -n 20 "$logfile" >&2
	fi
	return 1
}

postfix_dir() {
	printf '%s\n' "$SANDBOX_DIR/$1"
}

mailstack_postfix() {
	_mailstack_require_inside mailstack_postfix || return 1
	if [[ $# -lt 2 || $# -gt 3 ]]; then
		_mailstack_log "usage: mailstack_postfix UNITNAME PORT [EXTRA_SERVICE_LINES]"
		return 2
	fi
	local unit=$1 port=$2 extra=${3:-}
	local d
	d=$(postfix_dir "$unit")
	local conf=$d/conf spool=$d/spool data=$d/data

	mkdir -p "$conf" "$spool" "$data" || return 1
	_mailstack_traversable "$conf" || return 1
	chmod 755 "$spool" "$data"
	chown postfix: "$data" || return 1
	cp /etc/postfix/dynamicmaps.cf "$conf/" || return 1
	if [[ -d /etc/postfix/dynamicmaps.cf.d ]]; then
		cp -r /etc/postfix/dynamicmaps.cf.d "$conf/" || return 1
	fi

	# master.cf: Debian's, with the smtp listener moved to 127.0.0.1:PORT,
	# no chroot anywhere (the private spool has no chroot files), and a
	# postlog service (needed for maillog_file).
	# smtpd gets max_use=1: each smtpd serves one connection and exits, so
	# new connections always need the master to spawn an smtpd.  Without it
	# an idle smtpd keeps accepting and greeting for max_idle (100 s) even
	# while the master is stopped, and "kill -STOP master" would not look
	# like an outage.
	awk -v port="$port" '
		/^[^#[:space:]]/ {
			smtpd = ($1 == "smtp" && $2 == "inet")
			if (smtpd)
				$1 = "127.0.0.1:" port
			if (NF >= 5)
				$5 = "n"
			if ($1 == "postlog")
				have_postlog = 1
			print
			if (smtpd)
				print "  -o max_use=1"
			next
		}
		{ print }
		END {
			if (!have_postlog)
				print "postlog   unix-dgram n  -       n       -       1       postlogd"
		}
	' /etc/postfix/master.cf >"$conf/master.cf" || return 1

	cat >"$conf/main.cf" <<EOF || return 1
# Private test instance for $unit (generated by tests/harness/mailstack.sh)
compatibility_level = 3.6
queue_directory = $spool
data_directory = $data
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = $d/maillog
maillog_file_prefixes = $d
myhostname = mailsup-test.localdomain
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
alias_maps =
alias_database =
biff = no
smtpd_banner = \$myhostname ESMTP mailsup-test $unit
smtpd_relay_restrictions = permit_mynetworks defer_unauth_destination
EOF

	# Queue directories with the right owners (this is what 'postfix start'
	# would run anyway; doing it now shows errors here rather than silently).
	if ! postfix -c "$conf" check >"$d/check.log" 2>&1; then
		_mailstack_log "postfix -c $conf check failed:"
		cat "$d/check.log" >&2
		return 1
	fi

	# Type=forking around "postfix start": it returns once the master has
	# initialized (master -w), so the unit is active only when Postfix
	# listens. (Type=simple "postfix start-fg" was active seconds before
	# that on a loaded machine, and a probe after restart_grace was refused.)
	# No ExecStop: systemd's SIGTERM (+SIGCONT) to every process of the unit
	# stops the master cleanly, even a stopped one, and the unit ends
	# "inactive", not "failed".
	sandbox_install_unit "$unit" "[Unit]
Description=mailsup test Postfix $unit (127.0.0.1:$port)

[Service]
Type=forking
PIDFile=$spool/pid/master.pid
ExecStart=/usr/sbin/postfix -c $conf start
$extra" || return 1
	_mailstack_start "$unit" "$port" smtp "$d/maillog"
}

postfix_master_pid() {
	local unit=$1 main pid=""
	main=$(unit_prop "$unit" MainPID 2>/dev/null) || main=0
	if [[ $main =~ ^[1-9][0-9]*$ && $(cat "/proc/$main/comm" 2>/dev/null) == master ]]; then
		pid=$main
	fi
	if [[ -z $pid ]]; then
		# MainPID may be gone (postfix-script exited); use the pid file,
		# but only if it names a live master process.
		pid=$(tr -d ' \n' <"$(postfix_dir "$unit")/spool/pid/master.pid" 2>/dev/null) || pid=""
		if [[ ! $pid =~ ^[0-9]+$ || $(cat "/proc/$pid/comm" 2>/dev/null) != master ]]; then
			_mailstack_log "postfix_master_pid: no master process found for $unit"
			return 1
		fi
	fi
	printf '%s\n' "$pid"
}

dovecot_dir() {
	printf '%s\n' "$SANDBOX_DIR/$1"
}

mailstack_dovecot() {
	_mailstack_require_inside mailstack_dovecot || return 1
	if [[ $# -lt 2 || $# -gt 3 ]]; then
		_mailstack_log "usage: mailstack_dovecot UNITNAME PORT [EXTRA_SERVICE_LINES]"
		return 2
	fi
	local unit=$1 port=$2 extra=${3:-}
	local d
	d=$(dovecot_dir "$unit")
	mkdir -p "$d/run" "$d/state" "$d/mail" || return 1
	_mailstack_traversable "$d/run" || return 1
	chmod 755 "$d/state"
	chown nobody:nogroup "$d/mail" || return 1

	cat >"$d/dovecot.conf" <<EOF || return 1
# Private test instance for $unit (generated by tests/harness/mailstack.sh)
protocols = imap
listen = 127.0.0.1
ssl = no
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
disable_plaintext_auth = no
auth_mechanisms = plain
login_greeting = mailsup-test $unit ready.
mail_location = maildir:$d/mail/%u
first_valid_uid = 1
passdb {
  driver = static
  args = password=test
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$d/mail/%u
}
service imap-login {
  inet_listener imap {
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
EOF
	sandbox_install_unit "$unit" "[Unit]
Description=mailsup test Dovecot $unit (127.0.0.1:$port)

[Service]
Type=notify
ExecStart=/usr/sbin/dovecot -F -c $d/dovecot.conf
# SIGTERM to the dovecot master only; it stops its own children
KillMode=mixed
$extra" || return 1
	_mailstack_start "$unit" "$port" imap "$d/dovecot.log"
}
