# shellcheck shell=bash
#
# tests/harness/debian.sh - Debian's own unit files, unchanged, under the
# sandboxed user manager, against private copies of their configs and data.
#
# This is how the services run on a Debian 12 mail server, and so what
# mailsupd meets there: Postfix's master in postfix@-.service behind a
# oneshot postfix.service, Dovecot, OpenDKIM, Redis, Unbound and postsrsd
# with their stock configurations.  The unit files are linked from
# /lib/systemd/system (`systemctl link` style), never copied or edited.
# What a service writes or reads (/etc/postfix, /var/spool/postfix, ...)
# is copied into $SANDBOX_DIR/root/ and bind-mounted over the real path in
# the sandbox's mount namespace only: the machine's files are never
# written.  Only what an admin would set is changed in the copies: a
# loopback port of the test's choosing (tests run while others run theirs),
# and the TLS certificate Debian's postinst makes.
#
# Where a unit cannot run unchanged under a user manager, a drop-in named
# sandbox.conf removes just that option, with the reason beside it
# (debian_unit_dropin).  Today that is redis-server.service only.
#
# Public API (inside sandbox_run; sources mailstack.sh for the greeting checks)
#   debian_private PATH...        bind a private copy of each PATH over it
#   debian_unit UNIT...           link Debian's unit files into the manager
#   debian_postfix PORT           postfix.service + postfix@.service + the
#                                 generator's wants link, stock master.cf
#                                 with smtpd on 127.0.0.1:PORT; started,
#                                 returns once it greets
#   debian_postfix_master         the master's PID (pid file, checked)
#   debian_postfix_smtpds         PIDs of the smtpd children, one a line
#   debian_dovecot PORT           dovecot.service, IMAP on 127.0.0.1:PORT
#   debian_opendkim [PORT]        opendkim.service with the stock config:
#                                 local:/run/opendkim/opendkim.sock, or
#                                 with PORT, inet:PORT@127.0.0.1
#   debian_redis PORT             redis-server.service on 127.0.0.1:PORT
#   debian_unbound PORT           unbound.service on 127.0.0.1:PORT (UDP+TCP)
#   debian_postsrsd FPORT RPORT   postsrsd.service, forward/reverse ports

if [[ -n ${_DEBIAN_SH_LOADED:-} ]]; then
	return 0
fi
_DEBIAN_SH_LOADED=1

# shellcheck source=tests/harness/mailstack.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/mailstack.sh"

_debian_log() {
	printf '[debian] %s\n' "$*" >&2
}

_debian_unit_dir() {
	printf '%s\n' "$XDG_CONFIG_HOME/systemd/user"
}

debian_private() {
	_mailstack_require_inside debian_private || return 1
	local p copy
	for p in "$@"; do
		copy=$SANDBOX_DIR/root$p
		if [[ -e $copy ]]; then
			continue # already private
		fi
		if [[ ! -e $p ]]; then
			_debian_log "debian_private: $p does not exist on this machine (package not installed?)"
			return 1
		fi
		mkdir -p "$(dirname "$copy")" || return 1
		cp -a "$p" "$copy" || return 1
		mount --bind "$copy" "$p" || return 1
	done
	# the copies' parents must be traversable by the daemons' users
	_mailstack_traversable "$SANDBOX_DIR/root"
}

debian_unit() {
	_mailstack_require_inside debian_unit || return 1
	local u dir
	dir=$(_debian_unit_dir)
	mkdir -p "$dir" || return 1
	for u in "$@"; do
		if [[ ! -f /lib/systemd/system/$u ]]; then
			_debian_log "debian_unit: Debian ships no /lib/systemd/system/$u here"
			return 1
		fi
		ln -sf "/lib/systemd/system/$u" "$dir/$u" || return 1
	done
	systemctl --user daemon-reload
}

# debian_unit_dropin UNIT TEXT: [Service] lines for UNIT, in sandbox.conf
debian_unit_dropin() {
	local d
	d=$(_debian_unit_dir)/$1.d
	mkdir -p "$d" || return 1
	printf '[Service]\n%s\n' "$2" >"$d/sandbox.conf" || return 1
	systemctl --user daemon-reload
}

# _debian_edit FILE SED_ARGS...: sed in place, keeping the inode (FILE may
# be a bind mount, which sed -i's rename cannot replace)
_debian_edit() {
	local f=$1 out
	shift
	out=$(sed "$@" "$f") || return 1
	printf '%s\n' "$out" >"$f"
}

# _debian_wait UNIT KIND PORT: wait until KIND (smtp_greets, imap_greets,
# tcp_connects) answers
_debian_wait() {
	local timeout=${MAILSTACK_START_TIMEOUT:-30}
	if wait_for "$2 $3 2 || [[ \$(unit_prop $1 ActiveState) == failed ]]" "$timeout" "$1 to answer on 127.0.0.1:$3" &&
		"$2" "$3" 2; then
		return 0
	fi
	_debian_log "$1 did not come up; status and journal:"
	systemctl --user status --no-pager --lines=0 "$1" >&2 || true
	journalctl --no-pager -q -n 30 -u "$1" >&2 || true
	return 1
}

debian_postfix() {
	_mailstack_require_inside debian_postfix || return 1
	local port=$1 dir
	debian_private /etc/postfix /var/spool/postfix /var/lib/postfix || return 1
	# main.cf as Debian's postinst writes it for an "Internet Site", bound
	# to loopback (the machine may have none: postfix.service has
	# ConditionPathExists=/etc/postfix/main.cf).
	cat >/etc/postfix/main.cf <<-EOF || return 1
		# written by tests/harness/debian.sh (as Debian's postinst would)
		smtpd_banner = \$myhostname ESMTP \$mail_name (Debian/GNU)
		biff = no
		append_dot_mydomain = no
		readme_directory = no
		compatibility_level = 3.6
		smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
		myhostname = mailsup-test.localdomain
		alias_maps =
		alias_database =
		myorigin = \$myhostname
		mydestination = \$myhostname, localhost.localdomain, localhost
		relayhost =
		mynetworks = 127.0.0.0/8
		mailbox_size_limit = 0
		recipient_delimiter = +
		inet_interfaces = 127.0.0.1
		inet_protocols = ipv4
	EOF
	# Stock master.cf; only the smtp listener moves to the test's port.
	_debian_edit /etc/postfix/master.cf -E "s/^smtp([[:space:]]+inet[[:space:]])/127.0.0.1:$port\\1/" || return 1
	grep -q "^127.0.0.1:${port}[[:space:]]" /etc/postfix/master.cf || {
		_debian_log "no smtp inet line in /etc/postfix/master.cf"
		return 1
	}
	debian_unit postfix.service postfix@.service || return 1
	# What postfix-instance-generator links on a real boot.
	dir=$(_debian_unit_dir)
	mkdir -p "$dir/postfix.service.wants" || return 1
	ln -sf ../postfix@.service "$dir/postfix.service.wants/postfix@-.service" || return 1
	systemctl --user daemon-reload
	systemctl --user start postfix.service || _debian_log "systemctl --user start postfix.service failed"
	_debian_wait postfix@-.service smtp_greets "$port"
}

debian_postfix_master() {
	local pid
	pid=$(tr -d ' \n' </var/spool/postfix/pid/master.pid 2>/dev/null) || pid=""
	if [[ ! $pid =~ ^[0-9]+$ || $(cat "/proc/$pid/comm" 2>/dev/null) != master ]]; then
		_debian_log "debian_postfix_master: no live master process"
		return 1
	fi
	printf '%s\n' "$pid"
}

debian_postfix_smtpds() {
	local master
	master=$(debian_postfix_master) || return 1
	pgrep -P "$master" -x smtpd || true
}

debian_dovecot() {
	_mailstack_require_inside debian_dovecot || return 1
	local port=$1
	debian_private /etc/dovecot /var/lib/dovecot || return 1
	# Debian's postinst makes this self-signed certificate (10-ssl.conf
	# names it); this machine's install did not.
	if [[ ! -s /etc/dovecot/private/dovecot.pem ]]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
			-keyout /etc/dovecot/private/dovecot.key -out /etc/dovecot/private/dovecot.pem 2>/dev/null || return 1
		chmod 600 /etc/dovecot/private/dovecot.key
	fi
	# local.conf is what dovecot.conf includes last for site settings.
	cat >/etc/dovecot/local.conf <<-EOF || return 1
		# written by tests/harness/debian.sh: loopback, the test's port
		listen = 127.0.0.1
		service imap-login {
		  inet_listener imap {
		    port = $port
		  }
		  inet_listener imaps {
		    port = 0
		  }
		}
	EOF
	debian_unit dovecot.service || return 1
	systemctl --user start dovecot.service || _debian_log "systemctl --user start dovecot.service failed"
	_debian_wait dovecot.service imap_greets "$port"
}

debian_opendkim() {
	_mailstack_require_inside debian_opendkim || return 1
	local port=${1:-} ready='[[ -S /run/opendkim/opendkim.sock ]]'
	# /etc/opendkim.conf as shipped: Socket local:/run/opendkim/opendkim.sock
	# (/run is the sandbox's own; tmpfiles.d made /run/opendkim). With PORT,
	# the admin's other choice: Socket inet:PORT@127.0.0.1.
	if [[ -n $port ]]; then
		debian_private /etc/opendkim.conf || return 1
		_debian_edit /etc/opendkim.conf -E "s|^Socket[[:space:]].*|Socket inet:$port@127.0.0.1|" || return 1
		ready="tcp_connects $port 1"
	fi
	debian_unit opendkim.service || return 1
	systemctl --user start opendkim.service || _debian_log "systemctl --user start opendkim.service failed"
	wait_for "$ready" 30 "opendkim's socket" || {
		journalctl --no-pager -q -n 30 -u opendkim.service >&2
		return 1
	}
}

debian_redis() {
	_mailstack_require_inside debian_redis || return 1
	local port=$1
	debian_private /etc/redis /var/lib/redis /var/log/redis || return 1
	_debian_edit /etc/redis/redis.conf -E "s/^port [0-9]+/port $port/" || return 1
	debian_unit redis-server.service || return 1
	# ProtectHome=true hides /run/user, and a user manager's notify socket
	# is /run/user/0/systemd/notify: READY=1 never arrives and the start
	# times out.  read-only keeps /home and /root protected from writes.
	debian_unit_dropin redis-server.service "ProtectHome=read-only" || return 1
	systemctl --user start redis-server.service || _debian_log "systemctl --user start redis-server.service failed"
	_debian_wait redis-server.service tcp_connects "$port"
}

debian_unbound() {
	_mailstack_require_inside debian_unbound || return 1
	local port=$1
	debian_private /etc/unbound /var/lib/unbound || return 1
	printf 'server:\n    interface: 127.0.0.1@%s\n    do-ip6: no\n' "$port" \
		>/etc/unbound/unbound.conf.d/mailsup-sandbox.conf || return 1
	debian_unit unbound.service || return 1
	systemctl --user start unbound.service || _debian_log "systemctl --user start unbound.service failed"
	_debian_wait unbound.service tcp_connects "$port"
}

debian_postsrsd() {
	_mailstack_require_inside debian_postsrsd || return 1
	local fport=$1 rport=$2
	debian_private /etc/default/postsrsd /var/lib/postsrsd || return 1
	_debian_edit /etc/default/postsrsd -E -e "s/^SRS_FORWARD_PORT=.*/SRS_FORWARD_PORT=$fport/" \
		-e "s/^SRS_REVERSE_PORT=.*/SRS_REVERSE_PORT=$rport/" || return 1
	debian_unit postsrsd.service || return 1
	systemctl --user start postsrsd.service || _debian_log "systemctl --user start postsrsd.service failed"
	_debian_wait postsrsd.service tcp_connects "$fport"
}
