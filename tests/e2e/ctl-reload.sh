#!/usr/bin/env bash
# Reload (mailsupctl reload, and SIGHUP): a broken new config is refused
# with its FILE:LINE errors and the running one stays; a valid one is taken,
# checks that keep their name keep their state (a disabled check stays
# disabled, its unit untouched), removed checks go, new ones are probed.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

ctl() { "$MAILSUPCTL" --user "$@"; }
# json_supervisor KEY: a field of GetSupervisor, from status --json
json_supervisor() {
	{ ctl status --json || true; } | python3 -c 'import json, sys; print(json.load(sys.stdin)["Supervisor"][sys.argv[1]])' "$1"
}

bport=$(free_port)
starts=$SANDBOX_DIR/broken.service.starts
install_hung_smtp broken.service "$bport"

base="$FAST_CYCLE
restart_window = 1000

$(broken_check "$bport")"
write_config "$base

[check gone]
type = tcp
port = $(free_port)
action = alert"
conf=$MAILSUPD_CONF
start_mailsupd
wait_for '[[ $(check_state broken) == disabled ]]' 90 "broken disabled" || fail "broken never disabled"
[[ $(check_state gone) == failing ]] || fail "gone should be failing (nothing listens)"
n_starts=$(count_lines "$starts")

# A broken config: refused, every error named, nothing changes.
good=$(cat "$conf")
printf '%s\n\n[check new]\ntype = tcp\nprot = 25\n' "$good" >"$conf"
expected=$("$MAILSUPD" --config "$conf" --check-config 2>&1 || true)
[[ $expected == *"$conf:"*"unknown key 'prot' in [check new]"* ]] || fail "unexpected --check-config output: $expected"
set +e
err=$(ctl reload 2>&1)
rc=$?
set -e
[[ $rc == 1 ]] || fail "reload of a broken config exited $rc"
[[ $(head -n1 <<<"$err") == "mailsupctl: reload refused, mailsupd keeps running on its current configuration:" ]] ||
	fail "reload said: $err"
while IFS= read -r line; do
	[[ $line == "$conf:"* ]] || continue
	grep -qxF "$line" <<<"$err" || fail "reload did not report '$line'; got: $err"
done <<<"$expected"
[[ $(unit_prop mailsupd.service ActiveState) == active ]] || fail "mailsupd is not running after a refused reload"
[[ $(check_state gone) == failing && $(check_state broken) == disabled ]] || fail "the old checks are gone"
! ctl status new >/dev/null 2>&1 || fail "the broken config's check appeared"
[[ $(count_events reload-failed) == 1 ]] || fail "no reload-failed event"
pass "broken config: refused with every FILE:LINE error, old config keeps running"

systemctl --user kill -s HUP mailsupd.service
wait_for '[[ $(count_events reload-failed) == 2 ]]' 10 "SIGHUP refused" || fail "SIGHUP did not try to reload"
grep -qF "$conf:" "$SANDBOX_DIR/mailsupd.log" || fail "SIGHUP's refusal does not log the FILE:LINE errors"
[[ $(unit_prop mailsupd.service ActiveState) == active ]] || fail "SIGHUP with a broken config killed mailsupd"
pass "SIGHUP with a broken config: refused and logged, still running"

# A valid new config: broken kept, gone removed, web added, interval changed.
write_config "${base/interval = 1s/interval = 2s}

[check web]
type = tcp
port = $bport
action = alert"
out=$(ctl reload) || fail "reload of a valid config failed"
[[ $out == "reloaded $conf: 2 checks
  kept: broken
  added: web
  removed: gone" ]] || fail "reload said: $out"
wait_for '[[ $(check_state web) == ok ]]' 10 "web ok" || fail "the new check was not probed"
[[ $(check_state broken) == disabled ]] || fail "reload woke up the disabled check: $(check_state broken)"
[[ $(ctl status broken || true) == *"restarts 3/3"* ]] || fail "reload lost the restart window"
set +e
err=$(ctl status gone 2>&1)
set -e
[[ $err == "mailsupctl: no check named 'gone'" ]] || fail "the removed check is still there: $err"
[[ $(json_supervisor Interval) == 2000000 ]] || fail "interval not changed: $(json_supervisor Interval)"
[[ $(json_supervisor LastReload) != 0 ]] || fail "LastReload not set"
sleep 3
[[ $(count_lines "$starts") == "$n_starts" ]] || fail "the disabled check's unit was restarted after the reload"
pass "valid config: state kept (disabled, 3/3), gone removed, web added and ok, interval 2s"

systemctl --user kill -s HUP mailsupd.service
wait_for '[[ $(count_events config-reloaded) == 2 ]]' 10 "SIGHUP reload" || fail "SIGHUP did not reload"
[[ $(check_state broken) == disabled && $(check_state web) == ok ]] || fail "SIGHUP reload lost state"
pass "SIGHUP reloads the same way"
