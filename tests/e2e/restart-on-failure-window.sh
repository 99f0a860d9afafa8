#!/usr/bin/env bash
# systemd's own restarts (Restart=on-failure) under a real manager, and
# mailsupd beside them, as README's "How it decides" says:
#   - stand aside: while systemd is restarting the unit (activating, here
#     held in ExecStartPre), failed probes are no reason for mailsupd's own
#     restart: it logs stand-aside and calls no RestartUnit;
#   - the window counts systemd's restarts (growth of NRestarts), and it
#     slides: one systemd restart shows as 1/3, and leaves the window after
#     5 judged cycles;
#   - three systemd restarts fill it: the next failure disables the check,
#     without one restart by mailsupd.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

port=$(free_port)
install_peer peer.service "$port" "Restart=on-failure
RestartSec=200ms"
write_config "interval = 2s
timeout = 1s
restart_grace = 2s
restart_limit = 3
restart_window = 5

[check peer]
type = smtp
port = $port
unit = peer.service"
start_mailsupd
ctl_status() { "$MAILSUPCTL" --user status "$1" 2>/dev/null || true; }
wait_for '[[ $(check_state peer) == ok ]]' 30 "peer ok" || fail "peer never ok"

# One systemd restart, held in ExecStartPre for a few cycles.
touch "$SANDBOX_DIR/peer.service.hold"
kill -KILL "$(unit_prop peer.service MainPID)"
wait_for '[[ -n $(events stand-aside) ]]' 30 "stand-aside" || fail "no stand-aside while systemd restarts the unit"
events stand-aside | grep -q "peer: failing, but systemd is acting on peer.service (activating/" ||
	fail "the stand-aside does not name systemd's action: $(events stand-aside)"
n=$(cycle_count)
wait_for '[[ $(cycle_count) -ge $((n + 2)) ]]' 20 "two more cycles" || fail "no more cycles"
rm -f "$SANDBOX_DIR/peer.service.hold"
wait_for '[[ $(unit_prop peer.service NRestarts) == 1 && $(check_state peer) == ok ]]' 30 "peer back" ||
	fail "peer not back: NRestarts $(unit_prop peer.service NRestarts), $(check_state peer)"
[[ $(count_events unit-restarting) == 0 ]] || fail "mailsupd restarted a unit systemd was restarting: $(events unit-restarting)"
pass "while systemd restarts peer.service (held activating), mailsupd stands aside and restarts nothing"

[[ $(ctl_status peer) == *"restarts 1/3"* ]] || fail "systemd's restart is not in the window: $(ctl_status peer)"
wait_for '[[ $(ctl_status peer) == *"restarts 0/3"* ]]' 60 "the restart leaves the window" ||
	fail "systemd's restart never left the window: $(ctl_status peer)"
pass "systemd's restart (NRestarts 1) counts 1/3, and leaves the window after 5 cycles"

# Three systemd restarts in a row (a kill, then two starts that crash).
peer_crash peer.service 2
kill -KILL "$(unit_prop peer.service MainPID)"
wait_for '[[ $(unit_prop peer.service NRestarts) == 4 && $(unit_prop peer.service ActiveState) == active ]]' 30 \
	"three more systemd restarts" || fail "NRestarts is $(unit_prop peer.service NRestarts)"
wait_for '[[ $(ctl_status peer) == *"restarts 3/3"* ]]' 20 "3/3" || fail "systemd's 3 restarts not counted: $(ctl_status peer)"
pass "three systemd restarts (NRestarts 1 -> 4) fill the window: 3/3"

peer_hang peer.service forever
wait_for '[[ $(check_state peer) == disabled ]]' 30 "peer disabled" || fail "peer not disabled: $(ctl_status peer)"
events check-disabled | grep -q "peer: failed to restart after 3 attempts within 5 cycles" ||
	fail "no disable naming 3 restarts: $(events check-disabled)"
[[ $(count_events unit-restarting) == 0 ]] || fail "mailsupd restarted peer itself: $(events unit-restarting)"
pass "the next failure disables the check, with no restart by mailsupd"
