#!/usr/bin/env bash
# A breached threshold is an alert, never a restart: real Redis answering
# PING but above its max_memory shows as failing with the figures, and
# its unit is left alone even with action = restart.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

port=$(free_port)
sandbox_install_unit redis.service "[Service]
ExecStart=/usr/bin/redis-server --port $port --bind 127.0.0.1 --save '' --appendonly no
"
systemctl --user start redis.service
wait_for 'tcp_connects '"$port"' 1' 20 "redis listens" || fail "redis never listened"
main=$(unit_prop redis.service MainPID)

write_config "$FAST_CYCLE

[check redis]
type = redis
port = $port
max_memory = 1kb
unit = redis.service
action = restart"
start_mailsupd

wait_for '[[ $(check_state redis) == failing ]]' 30 "redis failing on memory" || fail "threshold not reported"
out=$("$MAILSUPCTL" --user status redis || true)
grep -q "above max_memory" <<<"$out" || fail "the reason does not name the threshold: $out"
sleep 4
[[ $(count_events unit-restarting) == 0 ]] || fail "a threshold restarted the unit"
[[ $(unit_prop redis.service MainPID) == "$main" ]] || fail "redis' MainPID changed"
pass "redis above max_memory: failing with the figures, never restarted"
