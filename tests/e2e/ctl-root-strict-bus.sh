#!/usr/bin/env bash
# Root's control calls on the strict bus, with a real systemd behind it.
#
# The user bus of this sandbox runs on the system bus's policy (Debian's
# system.conf, systemd's org.freedesktop.systemd1.conf) plus the project's
# units/org.mailsup.Supervisor1.conf, and nothing else (SANDBOX_BUS_POLICY):
# default deny, as on a server. systemd --user owns org.freedesktop.systemd1
# on it as PID 1 does on the system bus, so mailsupd (bus = user) finds the
# manager and its own name on the same strict bus, as with bus = system on
# a server; no daemon option is needed. (ctl-privilege-walls.sh tests the
# walls on private bus daemons without systemd.)
#   - the policy is in force: nobody may read, not reset;
#   - root may: reset, reload, test-alert (a real webhook receiver gets
#     it) and drill (web.service frozen by systemd, restarted, answering).
export SANDBOX_BUS_POLICY
SANDBOX_BUS_POLICY="$(cd "$(dirname "$0")/../.." && pwd)/units/org.mailsup.Supervisor1.conf"
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

ctl() { "$MAILSUPCTL" --user "$@"; }
install -m 755 "$MAILSUPCTL" "$SANDBOX_DIR/mailsupctl" # nobody must be able to run it
as_nobody() {
	runuser -u nobody -- env DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" "$@"
}

wport2=$(free_port)
install_peer web.service "$wport2"
wport=$(free_port)
rec=$SANDBOX_DIR/webhook.jsonl
start_receiver webhook.service "$wport" "$rec"
bport=$(free_port)
install_hung_smtp broken.service "$bport"
write_config "$DEBIAN_CYCLE
restart_limit = 1

[check web]
type = smtp
port = $wport2
unit = web.service

$(broken_check "$bport")

[notify hook]
type = webhook
url = http://127.0.0.1:$wport/hook"
start_mailsupd
wait_for '[[ $(check_state web) == ok && $(check_state broken) == disabled ]]' 60 "web ok, broken disabled" ||
	fail "not web ok and broken disabled: $(ctl status || true)"

# The bus is strict: nobody reads, and is refused the rest by the policy.
out=$(as_nobody "$SANDBOX_DIR/mailsupctl" --user status 2>&1) && rc=0 || rc=$?
[[ $rc == 3 && $out == *"web"* ]] || fail "status as nobody: rc $rc, $out"
err=$(as_nobody "$SANDBOX_DIR/mailsupctl" --user reset broken 2>&1) && fail "nobody's reset was accepted"
[[ $err == "Access denied: reset requires root (refused by the bus policy)" ]] || fail "nobody's reset: $err"
err=$(as_nobody busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
	org.freedesktop.systemd1.Manager RestartUnit ss web.service replace 2>&1) &&
	fail "nobody restarted a unit through systemd"
[[ $err == *"Access denied"* ]] || fail "nobody's RestartUnit: $err"
pass "strict bus: nobody may read, but not reset, and not call systemd's RestartUnit"

out=$(ctl reset broken) || fail "root's reset failed"
[[ $out == "reset broken: restart window cleared, probing now" ]] || fail "root's reset said: $out"
events check-reset | grep -q "broken: reset by the operator" || fail "no check-reset event"
wait_for '[[ $(check_state broken) == disabled ]]' 60 "broken disabled again" || fail "broken not disabled again"
out=$(ctl reload) || fail "root's reload failed"
[[ $out == "reloaded $MAILSUPD_CONF: 2 checks"* ]] || fail "root's reload said: $out"
out=$(ctl test-alert) || fail "root's test-alert failed: $out"
[[ $out == "hook: accepted, status 200" ]] || fail "root's test-alert said: $out"
wait_for 'records "$rec" | grep -q "\"kind\": \"test-alert\""' 10 "the test notification" || fail "the receiver got no test-alert"
pass "root on the strict bus: reset, reload, test-alert (the receiver got it)"

old_main=$(unit_prop web.service MainPID)
out=$(ctl drill web --yes) || fail "root's drill failed: $out"
echo "$out"
grep -qE "^  frozen +ok .*SIGSTOP sent to every process of web.service" <<<"$out" || fail "nothing frozen in the drill"
grep -qE "^  restarted +ok .*RestartUnit\(web.service\) job done" <<<"$out" || fail "no restart in the drill"
grep -qE "^  notified +ok .*accepted by hook" <<<"$out" || fail "the drill's alert was not accepted"
[[ $(unit_prop web.service MainPID) != "$old_main" ]] || fail "web's MainPID unchanged"
smtp_greets "$wport2" 2 || fail "web does not answer after the drill"
pass "root's drill on the strict bus: systemd froze and restarted web.service"
