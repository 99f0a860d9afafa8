#!/usr/bin/env bash
# On Debian's stock OpenDKIM the embedded default probes
# OpenDKIM where its own config says it listens, and leaves a healthy
# OpenDKIM alone.
#
# Debian 12's /etc/opendkim.conf says Socket local:/run/opendkim/opendkim.sock.
# Today's default probes 127.0.0.1:8891: "connection refused", a restart of
# the healthy OpenDKIM at once, three restarts, a disable and a critical
# page (measured: disabled 18s after start at a 2s interval).
#
# Expected of mailsupd, running on its embedded default plus a drop-in that
# changes only what a sandbox must (user bus, state directory, a short
# cycle): --check-config says it found the stock socket; the opendkim check
# is ok and OpenDKIM is never restarted; and the probe is real: an OpenDKIM
# frozen with SIGSTOP is detected and restarted once. Then --check-config,
# run as a user outside group opendkim, warns that it cannot reach the
# socket (its directory, /run/opendkim, is 0750 opendkim:opendkim) and
# names the group to join.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"
export MAILSUPD_LOG=journal

debian_opendkim || fail "Debian's opendkim did not start"
main=$(unit_prop opendkim.service MainPID)
grep -qE '^Socket[[:space:]]+local:/run/opendkim/opendkim.sock' /etc/opendkim.conf ||
	fail "this machine's /etc/opendkim.conf is not Debian's stock one"

MAILSUPD_CONF=$SANDBOX_DIR/mailsupd.conf
"$MAILSUPD" --print-default-config >"$MAILSUPD_CONF"
mkdir -p "$MAILSUPD_CONF.d"
printf '[supervisor]\nbus = user\nstate_directory = %s/state\ninterval = 3s\ntimeout = 2s\nrestart_grace = 2s\n' \
	"$SANDBOX_DIR" >"$MAILSUPD_CONF.d/50-sandbox.conf"
out=$("$MAILSUPD" --config "$MAILSUPD_CONF" --check-config 2>&1) || fail "--check-config refused the default: $out"
grep -q "/run/opendkim/opendkim.sock" <<<"$out" || fail "--check-config does not say where OpenDKIM listens: $out"
pass "--check-config names OpenDKIM's stock socket"

start_mailsupd
wait_for '[[ $(check_state opendkim) == ok ]]' 30 "opendkim ok" || fail "opendkim is $(check_state opendkim): $("$MAILSUPCTL" --user status opendkim)"
n=$(cycle_count)
wait_for '[[ $(cycle_count) -ge $((n + 5)) ]]' 60 "5 more cycles" || fail "mailsupd stopped cycling"
[[ $(check_state opendkim) == ok ]] || fail "opendkim is $(check_state opendkim)"
[[ $(count_events unit-restarting) == 0 ]] || fail "a healthy OpenDKIM was restarted: $(events unit-restarting)"
[[ $(unit_prop opendkim.service MainPID) == "$main" ]] || fail "OpenDKIM's MainPID changed"
pass "a healthy OpenDKIM on its stock socket: ok for 5 cycles, never restarted"

kill -STOP "$main"
wait_for '[[ -n $(events unit-restarted) ]]' 30 "opendkim restarted" || fail "a frozen OpenDKIM was not restarted"
events check-failed | grep -q "^opendkim: milter check failed" || fail "no milter failure before the restart"
wait_for '[[ $(check_state opendkim) == ok ]]' 30 "opendkim ok again" || fail "opendkim not ok after the restart"
[[ $(unit_prop opendkim.service MainPID) != "$main" ]] || fail "same MainPID: no real restart"
[[ $(count_events unit-restarting) == 1 ]] || fail "expected one restart, got $(count_events unit-restarting)"
pass "a frozen OpenDKIM is detected on its socket and restarted once"

# OpenDKIM installed after mailsup: the daemon's user is not in group
# opendkim, so every probe would say "permission denied" while OpenDKIM is
# fine. --check-config, run as that user (here nobody, outside the group),
# says so beforehand and names the group; a warning, not an error.
dir=$(mktemp -d "$SANDBOX_DIR/nobody.XXXXXX")
chmod 755 "$dir"
cp -r "$MAILSUPD_CONF" "$MAILSUPD_CONF.d" "$dir/"
chmod -R a+rX "$dir"
id -nG nobody | grep -qw opendkim && fail "nobody is in group opendkim on this machine"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$MAILSUPD" --config "$dir/mailsupd.conf" --check-config 2>&1) ||
	fail "--check-config as nobody refused the config: $out"
want="$dir/mailsupd.conf:$(grep -n '^\[check opendkim\]' "$dir/mailsupd.conf" | cut -d: -f1): warning: check opendkim: socket /run/opendkim/opendkim.sock: user nobody cannot connect: cannot search directory /run/opendkim (drwxr-x--- opendkim:opendkim; add nobody to group opendkim)"
grep -qxF "$want" <<<"$out" || fail "--check-config as nobody does not warn as expected; want '$want', got: $out"
pass "--check-config warns that a user outside group opendkim cannot reach the socket, and names the group"
