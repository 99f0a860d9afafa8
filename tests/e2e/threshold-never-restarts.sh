#!/usr/bin/env bash
# A breached threshold is an alert, never a restart: real Redis (Debian's
# redis-server.service and redis.conf) answering PING but above the check's
# max_memory shows as failing with the figures, and its unit is left alone
# even with action = restart.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

port=$(free_port)
debian_redis "$port" || fail "Debian's redis-server did not start"
main=$(unit_prop redis-server.service MainPID)

write_config "$FAST_CYCLE

[check redis]
type = redis
port = $port
max_memory = 1kb
unit = redis-server.service
action = restart"
start_mailsupd

wait_for '[[ $(check_state redis) == failing ]]' 30 "redis failing on memory" || fail "threshold not reported"
out=$("$MAILSUPCTL" --user status redis || true)
grep -q "above max_memory" <<<"$out" || fail "the reason does not name the threshold: $out"
sleep 4
[[ $(count_events unit-restarting) == 0 ]] || fail "a threshold restarted the unit"
[[ $(unit_prop redis-server.service MainPID) == "$main" ]] || fail "redis' MainPID changed"
pass "redis above max_memory: failing with the figures, never restarted"
