#!/usr/bin/env bash
# The two walls around mailsupd's control methods, on private dbus-daemons
# configured like Debian's system bus (its own system.conf policy, with the
# project's policy file included):
#   1. the policy: an unprivileged user (nobody) may read (status) but not
#      reset, reload, test-alert or drill;
#   2. mailsupd's own check of the caller's uid: under a policy loosened to
#      let nobody through, every control method still answers
#      "Access denied: ... requires root", and nothing changes.
# Root may do all of it. No systemd needed: a tcp check with action = alert.
source "$(dirname "$0")/lib.sh"

[[ $EUID == 0 ]] || { echo "SKIP: needs root (runuser)"; exit 77; }

TMP=$(mktemp -d /tmp/mailsup-walls.XXXXXX)
chmod 755 "$TMP"
# shellcheck disable=SC2034 # fail() (lib.sh) shows $SANDBOX_DIR/mailsupd.log
SANDBOX_DIR=$TMP
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	if [[ ${KEEP:-} != 1 ]]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT

# nobody must be able to run the binary under test.
install -m 755 "$MAILSUPCTL" "$TMP/mailsupctl"
POLICY=$HERE/../../units/org.mailsup.Supervisor1.conf

# bus_config NAME EXTRA_POLICY...: Debian's system.conf with its own socket
# and the project's policy; no user switch, fork, pid file or service dirs.
bus_config() {
	local name=$1
	shift
	python3 "$HERE/../harness/bus-config.py" "$TMP/$name.conf" "unix:path=$TMP/$name.socket" "$POLICY" "$@"
}

# start_bus NAME: a dbus-daemon on that config; sets ADDR
start_bus() {
	local started
	mapfile -t started < <(dbus-daemon --config-file="$TMP/$1.conf" --fork --print-address=1 --print-pid=1)
	[[ ${#started[@]} == 2 ]] || fail "dbus-daemon $1 did not start"
	ADDR=${started[0]}
	pids+=("${started[1]}")
}

# start_mailsupd NAME: mailsupd on the bus at $ADDR as its system bus
start_mailsupd() {
	cat >"$TMP/$1-mailsupd.conf" <<CONF
[supervisor]
bus = system
interval = 1s
timeout = 500ms
state_directory = $TMP/$1-state

[check x]
type = tcp
port = $(free_port)
action = alert
CONF
	DBUS_SYSTEM_BUS_ADDRESS=$ADDR "$MAILSUPD" --config "$TMP/$1-mailsupd.conf" --verbose \
		2>>"$TMP/mailsupd.log" </dev/null &
	pids+=("$!")
	wait_for 'DBUS_SYSTEM_BUS_ADDRESS=$ADDR "$TMP/mailsupctl" status >/dev/null 2>&1; [[ $? == 3 ]]' 20 \
		"mailsupd answers on $1" || fail "mailsupd did not come up on $1"
}

as_nobody() {
	runuser -u nobody -- env DBUS_SYSTEM_BUS_ADDRESS="$ADDR" "$@"
}

# refused EXPECTED_MESSAGE CMD...: CMD fails, and says exactly that on stderr
refused() {
	local want=$1 err rc=0
	shift
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[[ $rc != 0 ]] || fail "'$*' was not refused"
	[[ $err == "$want" ]] || fail "'$*' said '$err', expected '$want'"
}

control_events() {
	grep -cE '\[(check-reset|config-reloaded|reload-failed|test-alert|drill-started)\]' "$TMP/mailsupd.log" || true
}

# ---- the strict bus: the shipped policy only ----
bus_config strict
start_bus strict
start_mailsupd strict
out=$(as_nobody "$TMP/mailsupctl" status) && rc=0 || rc=$?
[[ $rc == 3 ]] || fail "status as nobody exited $rc"
grep -q '^x  *tcp  *-  *failing ' <<<"$out" || fail "status as nobody: $out"
[[ $(as_nobody "$TMP/mailsupctl" status x --json || true) == *'"Source":'* ]] || fail "status --json x as nobody"
pass "policy: nobody may read (status, --json details)"

refused "Access denied: reset requires root (refused by the bus policy)" as_nobody "$TMP/mailsupctl" reset x
refused "Access denied: reset requires root (refused by the bus policy)" as_nobody "$TMP/mailsupctl" reset --all
refused "Access denied: reload requires root (refused by the bus policy)" as_nobody "$TMP/mailsupctl" reload
refused "Access denied: test-alert requires root (refused by the bus policy)" as_nobody "$TMP/mailsupctl" test-alert
refused "Access denied: drill requires root (refused by the bus policy)" as_nobody "$TMP/mailsupctl" drill x --yes
refused "Call failed: Access denied" as_nobody busctl --address="$ADDR" call \
	org.mailsup.Supervisor1 /org/mailsup/Supervisor1 org.mailsup.Supervisor1 Reset s x
[[ $(control_events) == 0 ]] || fail "a refused call changed something: $(control_events) control events"
! grep -q "refused: caller" "$TMP/mailsupd.log" || fail "the policy let a call through to mailsupd"
pass "policy: nobody's reset, reload, test-alert, drill never reach mailsupd"

# ---- the loose bus: a policy that lets anyone call anything ----
cat >"$TMP/loose-policy.conf" <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
        <policy context="default">
                <allow send_destination="org.mailsup.Supervisor1"/>
        </policy>
</busconfig>
XML
bus_config loose "$TMP/loose-policy.conf"
start_bus loose
start_mailsupd loose
for call in "Reset s x" "ResetAll" "Reload" "TestAlert" "Drill sb x true"; do
	# shellcheck disable=SC2086 # the method and its arguments are words
	refused "Call failed: Access denied" as_nobody busctl --address="$ADDR" call \
		org.mailsup.Supervisor1 /org/mailsup/Supervisor1 org.mailsup.Supervisor1 $call
done
for verb in reset reload test-alert drill; do
	grep -q "$verb refused: caller :[0-9.]* has uid 65534, not root" "$TMP/mailsupd.log" ||
		fail "mailsupd did not refuse $verb itself"
done
# busctl shortens the message; dbus-send shows mailsupd's own words.
refused "Error org.freedesktop.DBus.Error.AccessDenied: Access denied: reset requires root" \
	as_nobody dbus-send --system --print-reply --dest=org.mailsup.Supervisor1 /org/mailsup/Supervisor1 \
	org.mailsup.Supervisor1.Reset string:x
refused "Access denied: reset requires root" as_nobody "$TMP/mailsupctl" reset x
refused "Access denied: drill requires root" as_nobody "$TMP/mailsupctl" drill x --yes
[[ $(control_events) == 0 ]] || fail "a refused call changed something: $(control_events) control events"
pass "inner wall: with the policy open, mailsupd itself refuses nobody, and nothing changes"

# ---- root may ----
out=$(DBUS_SYSTEM_BUS_ADDRESS=$ADDR "$TMP/mailsupctl" reset x) || fail "root's reset failed"
[[ $out == "reset x: restart window cleared, probing now" ]] || fail "root's reset said: $out"
grep -q "x: reset by the operator" "$TMP/mailsupd.log" || fail "no check-reset event after root's reset"
set +e
err=$(DBUS_SYSTEM_BUS_ADDRESS=$ADDR "$TMP/mailsupctl" test-alert 2>&1)
rc=$?
set -e
[[ $rc == 1 && $err == "no notification channels configured: nothing was sent" ]] ||
	fail "test-alert as root: rc $rc, '$err'"
grep -q "\[test-alert\]" "$TMP/mailsupd.log" || fail "no test-alert event"
pass "root: reset works; test-alert honestly reports no channels"

mailsupd_pid=${pids[-1]}
kill "$mailsupd_pid"
wait_for '! kill -0 $mailsupd_pid 2>/dev/null' 10 "mailsupd gone" || fail "mailsupd did not stop"
refused "mailsupd is not running (no org.mailsup.Supervisor1 on the system bus)" \
	as_nobody "$TMP/mailsupctl" status
grep -q "cannot subscribe to systemd's unit signals" "$TMP/mailsupd.log" ||
	fail "no systemd on the bus should be logged"
pass "no mailsupd: 'mailsupd is not running'; no systemd on the bus: logged, not fatal"
