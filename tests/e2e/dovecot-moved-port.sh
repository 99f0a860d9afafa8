#!/usr/bin/env bash
# The embedded default's dovecot check connects where Dovecot's own config
# says IMAP listens (asked of doveconf), and follows it when it moves.
#
# Debian's dovecot.service on a private /etc/dovecot (bind-mounted in the
# sandbox) whose local.conf moves IMAP to 127.0.0.1:PORT with imaps off, as
# an admin would. The default used to probe a fixed 127.0.0.1:143 there:
# connection refused, restarts of a healthy Dovecot, then disabled.
#
# Expected of mailsupd, running on its embedded default plus a drop-in that
# changes only what a sandbox must (user bus, state directory, a short
# cycle) and adds the old fixed check (port 143, alert only) for contrast:
# --check-config names the port and doveconf as its source; the dovecot
# check is ok for 5 cycles and Dovecot is never restarted, while the fixed
# 143 check fails; the default's commented LMTP check, enabled, is ok on
# the socket doveconf names; after Dovecot moves again and mailsupd
# reloads, the check is ok on the new port and --check-config names it.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
export MAILSUPD_LOG=journal

port=$(free_port)
debian_dovecot "$port" || fail "Debian's dovecot did not start on 127.0.0.1:$port"
! tcp_connects 143 1 || fail "something listens on 127.0.0.1:143: the contrast below needs it closed"
main=$(unit_prop dovecot.service MainPID)

MAILSUPD_CONF=$SANDBOX_DIR/mailsupd.conf
"$MAILSUPD" --print-default-config >"$MAILSUPD_CONF"
mkdir -p "$MAILSUPD_CONF.d"
printf '[supervisor]\nbus = user\nstate_directory = %s/state\ninterval = 3s\ntimeout = 2s\nrestart_grace = 2s\n' \
	"$SANDBOX_DIR" >"$MAILSUPD_CONF.d/50-sandbox.conf"
printf '[check fixed-143]\ntype = imap\nport = 143\naction = alert\n' >"$MAILSUPD_CONF.d/60-fixed.conf"
# the default's commented LMTP check, as an admin enables it (alert only here)
printf '[check dovecot-lmtp]\ntype = lmtp\nlisten_from = dovecot\naction = alert\n' >"$MAILSUPD_CONF.d/70-lmtp.conf"
out=$("$MAILSUPD" --config "$MAILSUPD_CONF" --check-config 2>&1) || fail "--check-config refused the default: $out"
want="  [check dovecot] listen_from dovecot: 127.0.0.1:$port (from doveconf service/imap-login/inet_listener/imap)"
grep -qxF "$want" <<<"$out" || fail "--check-config does not say where Dovecot listens; want '$want', got: $out"
want="  [check dovecot-lmtp] listen_from dovecot: socket /run/dovecot/lmtp (from doveconf service/lmtp/unix_listener/lmtp)"
grep -qxF "$want" <<<"$out" || fail "--check-config does not say where Dovecot's LMTP listens; want '$want', got: $out"
pass "--check-config names Dovecot's IMAP port and LMTP socket, from doveconf"

start_mailsupd
wait_for '[[ $(check_state dovecot) == ok ]]' 30 "dovecot ok" ||
	fail "dovecot is $(check_state dovecot): $("$MAILSUPCTL" --user status dovecot)"
n=$(cycle_count)
wait_for '[[ $(cycle_count) -ge $((n + 5)) ]]' 60 "5 more cycles" || fail "mailsupd stopped cycling"
[[ $(check_state dovecot) == ok ]] || fail "dovecot is $(check_state dovecot)"
[[ $(count_events unit-restarting) == 0 ]] || fail "a healthy Dovecot was restarted: $(events unit-restarting)"
[[ $(unit_prop dovecot.service MainPID) == "$main" ]] || fail "Dovecot's MainPID changed"
[[ $(check_state fixed-143) == failing ]] ||
	fail "the fixed 143 check is $(check_state fixed-143): $("$MAILSUPCTL" --user status fixed-143)"
[[ $(check_state dovecot-lmtp) == ok ]] ||
	fail "the LMTP check is $(check_state dovecot-lmtp): $("$MAILSUPCTL" --user status dovecot-lmtp || true)"
out=$("$MAILSUPCTL" --user status fixed-143 || true) # exit 3: a check is failing
grep -q "connection refused" <<<"$out" || fail "the fixed 143 check does not say refused: $out"
out=$("$MAILSUPCTL" --user status dovecot || true)
grep -q "Check dovecot: imap on 127.0.0.1:$port," <<<"$out" || fail "status does not show Dovecot's port $port: $out"
pass "Dovecot on its own port: ok for 5 cycles, never restarted, status shows the port; LMTP ok on its socket; the fixed 143 check fails (connection refused)"

# The admin moves IMAP again: edits local.conf, restarts Dovecot, reloads
# mailsupd (systemctl reload mailsupd; here SIGHUP). Between the last two a
# probe may still find the old port closed and restart Dovecot once, as on
# a server; after the reload the check must be ok on the new port.
port2=$(free_port)
_debian_edit /etc/dovecot/local.conf -E "s/port = $port\$/port = $port2/" || fail "cannot edit local.conf"
grep -q "port = $port2\$" /etc/dovecot/local.conf || fail "local.conf does not say $port2"
systemctl --user restart dovecot.service || fail "dovecot did not restart"
systemctl --user kill -s HUP mailsupd.service
wait_for '[[ $(count_events config-reloaded) == 1 ]]' 20 "reload" || fail "mailsupd did not reload"
# (one connection attempt: refused while the restart the comment above
# allows is in flight, as in CI under ASan; so wait for its end)
wait_for 'imap_greets "$port2" 5' 60 "Dovecot greeting on $port2" || fail "Dovecot does not greet on $port2"
found=$(mailsupd_log | grep -F "dovecot: listen_from " || true)
[[ $(tail -n1 <<<"$found") == "dovecot: listen_from dovecot: 127.0.0.1:$port2 (from doveconf service/imap-login/inet_listener/imap)" ]] ||
	fail "mailsupd's log does not say it found port $port2 at the reload: $found"
n=$(cycle_count)
wait_for '[[ $(cycle_count) -ge $((n + 2)) ]]' 30 "2 more cycles" || fail "mailsupd stopped cycling"
wait_for '[[ $(check_state dovecot) == ok ]]' 30 "dovecot ok on $port2" ||
	fail "dovecot is $(check_state dovecot) after the move: $("$MAILSUPCTL" --user status dovecot || true)"
out=$("$MAILSUPCTL" --user status dovecot || true)
grep -q "Check dovecot: imap on 127.0.0.1:$port2," <<<"$out" || fail "status does not show the new port $port2: $out"
(($(count_events unit-restarting) <= 1)) || fail "Dovecot restarted more than once around the move: $(events unit-restarting)"
out=$("$MAILSUPD" --config "$MAILSUPD_CONF" --check-config 2>&1) || fail "--check-config: $out"
grep -qF "127.0.0.1:$port2 (from doveconf" <<<"$out" || fail "--check-config does not name $port2: $out"
pass "Dovecot moved to another port: after a reload the check follows it"
