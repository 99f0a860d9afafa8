#!/usr/bin/env bash
# Text that is not UTF-8 never breaks what mailsupd shows. An SMTP peer
# refusing in Latin-1 ("554 5.3.2 Serveur indisponible, r\xe9essayez") once
# made sd-bus refuse ListChecks and GetCheck for every check (mailsupctl
# status printed "Invalid argument"), and the state file kept the bytes, so
# a restart did not cure it. Now the reason shows the byte as "\xe9" in
# status, --json is valid JSON, the journal line and the state file are
# UTF-8, and a state file that holds such bytes is repaired on start.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

ctl() { "$MAILSUPCTL" --user "$@"; }

# latin1: an SMTP service that refuses every connection in Latin-1.
cat >"$SANDBOX_DIR/latin1.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    try:
        c.sendall(b"554 5.3.2 Serveur indisponible, r\xe9essayez\r\n")
    except OSError:
        pass
    c.close()
PY
port=$(free_port)
sandbox_install_unit latin1.service "[Service]
ExecStart=/usr/bin/python3 $SANDBOX_DIR/latin1.py $port
"
systemctl --user start latin1.service
wait_for "tcp_connects $port 1" 20 "latin1 listens" || fail "latin1 never listened"

write_config "interval = 1s
timeout = 500ms

[check latin1]
type = smtp
port = $port
action = none"
start_mailsupd

reason='greeting 554 5.3.2 Serveur indisponible, r\xe9essayez'
wait_for '[[ $(check_state latin1) == failing ]]' 30 "latin1 failing" || fail "latin1 never failing: $(ctl status 2>&1)"
out=$(ctl status 2>&1 || true)
grep -qF "$reason" <<<"$out" || fail "status does not show the reason with \\xe9: $out"
out=$(ctl status latin1 2>&1 || true)
grep -qF "$reason" <<<"$out" || fail "status latin1 does not show the reason: $out"
pass "status and status NAME show the Latin-1 byte as \\xe9"

ctl status --json >"$SANDBOX_DIR/status.json" || [[ $? == 3 ]] || fail "status --json failed"
python3 - "$SANDBOX_DIR/status.json" "$reason" <<'PY' || fail "status --json is not valid UTF-8 JSON with the reason"
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
c = next(c for c in d["Checks"] if c["Name"] == "latin1")
assert c["Reason"] == sys.argv[2], c["Reason"]
PY
pass "status --json is valid JSON, the reason as text"

state=$SANDBOX_DIR/state/state
wait_for "grep -qF 'reason = $reason' $state" 10 "state file has the reason" || fail "state file lacks the reason: $(cat "$state")"
iconv -f UTF-8 -t UTF-8 "$state" >/dev/null || fail "the state file is not UTF-8"
iconv -f UTF-8 -t UTF-8 "$SANDBOX_DIR/mailsupd.log" >/dev/null || fail "the log is not UTF-8"
pass "state file and log are UTF-8"

# A state file written by an older mailsupd, with the raw byte in it. The
# peer now never greets and the timeout is long: what status shows until the
# first result is the reason loaded from the file.
systemctl --user stop mailsupd.service latin1.service
sed -i 's/^reason = .*/reason = greeting 554 r\xe9essayez \xc3/' "$state"
! iconv -f UTF-8 -t UTF-8 "$state" >/dev/null 2>&1 || fail "the test did not break the state file"
install_hung_smtp hung.service "$port" "$SANDBOX_DIR/hung.starts"
write_config "interval = 2min
timeout = 1min

[check latin1]
type = smtp
port = $port
action = none"
start_mailsupd
out=$(ctl status latin1 2>&1 || true)
grep -qF 'greeting 554 r\xe9essayez \xc3' <<<"$out" || fail "the saved reason is not repaired on start: $out"
grep -qF "state file in $SANDBOX_DIR/state: 1 reason held bytes that are not UTF-8; repaired, shown as \\xNN" \
	"$SANDBOX_DIR/mailsupd.log" || fail "the repair is not logged"
iconv -f UTF-8 -t UTF-8 "$state" >/dev/null || fail "the state file was not rewritten as UTF-8: $(grep reason "$state")"
grep -qF 'reason = greeting 554 r\xe9essayez \xc3' "$state" || fail "the rewritten state file lost the reason"
pass "a state file with invalid bytes is repaired on start"
