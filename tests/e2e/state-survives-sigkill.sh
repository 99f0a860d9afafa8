#!/usr/bin/env bash
# Scenario 3: mailsupd is SIGKILLed while one check is disabled and two
# others have restarts in their window, with the default window of 5
# cycles, which slides. Started again:
#   - broken (disabled) stays disabled, its unit untouched;
#   - held (2 restarts) still counts them: one more restart is allowed, and
#     the failure after it disables the check;
#   - slides (1 restart) still shows it, and then it slides out of the
#     window as ok cycles pass (a window that never slid, as with the
#     restart_window = 1000 this test had, fails here).
# Only cycles in which a check is judged count, so the window does not
# move while mailsupd is dead or a check is in its restart grace: the
# order of events decides, not the timing.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

bport=$(free_port)
starts=$SANDBOX_DIR/broken.service.starts
install_hung_smtp broken.service "$bport"
hport=$(free_port)
install_peer held.service "$hport"
sport=$(free_port)
install_peer slides.service "$sport"

write_config "interval = 2s
timeout = 1s
restart_grace = 2s
restart_limit = 3
restart_window = 5

$(broken_check "$bport")

[check held]
type = smtp
port = $hport
unit = held.service

[check slides]
type = smtp
port = $sport
unit = slides.service"
start_mailsupd
ctl_status() { "$MAILSUPCTL" --user status "$1" 2>/dev/null || true; }

wait_for '[[ $(check_state broken) == disabled ]]' 90 "broken disabled" || fail "broken never disabled"
wait_for '[[ $(check_state held) == ok && $(check_state slides) == ok ]]' 30 "held and slides ok" ||
	fail "held or slides not ok"

# held: hangs twice (two restarts); slides: once. SIGKILL as soon as held's
# second restart is issued: held is in its grace, not judged since.
peer_hang held.service 2
peer_hang slides.service 1
wait_for '[[ $(events unit-restarting | grep -c "restarting held.service") == 2 ]]' 60 "held restarted twice" ||
	fail "held was not restarted twice"
systemctl --user kill --signal=SIGKILL mailsupd.service
wait_for '[[ $(unit_prop mailsupd.service ActiveState) != active ]]' 20 "mailsupd dead" || fail "mailsupd survived SIGKILL"
[[ $(events unit-restarting | grep -c "restarting slides.service") == 1 ]] || fail "slides was not restarted once"
pass "SIGKILLed with broken disabled, held at 2 restarts, slides at 1"

# While mailsupd is dead: held's running process and the next hang.
peer_hang held.service 2
echo "---- mailsupd started again ----" >>"$SANDBOX_DIR/mailsupd.log"
after() { sed -n '/^---- mailsupd started again ----$/,$p' "$SANDBOX_DIR/mailsupd.log"; }
broken_starts=$(count_lines "$starts")
systemctl --user reset-failed mailsupd.service || true
systemctl --user start mailsupd.service || fail "mailsupd did not start again"
[[ $(ctl_status slides) == *"restarts 1/3"* ]] || fail "slides' restart was forgotten: $(ctl_status slides)"
[[ $(check_state broken) == disabled ]] || fail "broken re-enabled after SIGKILL: $(check_state broken)"

wait_for '[[ $(check_state held) == disabled ]]' 60 "held disabled" || fail "held not disabled: $(ctl_status held)"
[[ $(after | grep -c "restarting held.service") == 1 ]] ||
	fail "expected exactly 1 restart of held after SIGKILL: $(after | grep "restarting held.service")"
after | grep -q "restarting held.service (3 of 3 in 5 cycles)" || fail "the restart after SIGKILL was not the 3rd"
after | grep -q "held: failed to restart after 3 attempts within 5 cycles" || fail "no disable after the 3rd restart"
pass "held: one more restart (3 of 3), then disabled: its window survived SIGKILL"

wait_for '[[ $(ctl_status slides) == *"restarts 0/3"* ]]' 60 "slides' restart slides out" ||
	fail "slides' restart never left the window: $(ctl_status slides)"
n=$(after | grep -cE "cycle [0-9]+$")
((n <= 6)) || fail "slides' restart left the window only $n cycles after the restart of mailsupd, not within 5"
[[ $(check_state slides) == ok ]] || fail "slides is $(check_state slides)"
[[ $(count_lines "$starts") == "$broken_starts" ]] || fail "disabled broken.service was restarted after SIGKILL"
[[ $(check_state broken) == disabled ]] || fail "broken is $(check_state broken)"
pass "slides: its restart left the window within 5 cycles ($n after the restart of mailsupd); broken still disabled and untouched"
