#!/usr/bin/env bash
# The whole table under the real (sandboxed) systemd manager, from Debian's
# own unit files and configs (harness/debian.sh): Postfix (smtp), Dovecot
# (imap), OpenDKIM (milter), postsrsd (tcp_table), Unbound (dns), Redis
# (redis) and rspamd (http: GTUBE posted to /checkv2 must be rejected), each
# on loopback ports of its own, one mailsupd watching them all. Each service
# in turn is frozen with SIGSTOP to every process of its unit (for Postfix:
# postfix@-.service) as a stuck cgroup leaves it (its port still accepts,
# nothing answers):
# mailsupd must restart exactly that unit, once, and the service must answer
# again from a new process. OpenDKIM listens on inet:PORT@127.0.0.1 here,
# one of Debian's documented choices (its stock unix socket is
# opendkim-stock-socket.sh, pending).
# rspamd is Debian's 3.4 on a private copy of its config (harness/
# mailflow.sh); its first start compiles its patterns, so it starts first.
source "$(dirname "$0")/lib.sh"
source "$HERE/../harness/mailflow.sh"
sandbox_reexec "$@"

# answers KIND PORT: true if the service on 127.0.0.1:PORT answers its own
# protocol within 2s (milter option negotiation, a tcp_table get, a DNS
# query for localhost, Redis PING, HTTP /ping).
answers() {
	python3 - "$1" "$2" <<'EOF'
import socket, struct, sys
kind, port = sys.argv[1], int(sys.argv[2])
try:
    if kind == "dns":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(struct.pack(">HHHHHH", 0x4d53, 0x0100, 1, 0, 0, 0) + b"\x09localhost\x00" +
                 struct.pack(">HH", 1, 1), ("127.0.0.1", port))
        r = s.recv(512)
        sys.exit(0 if r[:2] == b"\x4d\x53" and r[3] & 15 == 0 and r.endswith(b"\x7f\x00\x00\x01") else 1)
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.settimeout(2)
    send, want = {
        "milter": (struct.pack(">IcIII", 13, b"O", 6, 0x1ff, 0x1fffff), b"O"),
        "tcp_table": (b"get postmaster@example.com\n", b"200 "),
        "redis": (b"PING\r\n", b"+PONG"),
        "http": (b"GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", b"HTTP/1.1 200"),
    }[kind]
    s.sendall(send)
    buf = b""
    while len(buf) < 4096:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
        if kind != "http" and len(buf) >= 5:
            break
    ok = buf[4:5] == want if kind == "milter" else buf.startswith(want)
    sys.exit(0 if ok and (kind != "http" or buf.rstrip().endswith(b"pong")) else 1)
except (OSError, KeyError):
    sys.exit(1)
EOF
}

d=$SANDBOX_DIR/table
mkdir -p "$d"
pport=$(free_port) iport=$(free_port) mport=$(free_port) tport=$(free_port)
rport=$(free_port) uport=$(free_port) hport=$(free_port) sport=$(free_port)

mailflow_rspamd rspamd.service "$(free_port)" "$sport" "$hport" || fail "rspamd did not start"

debian_postfix "$pport" || fail "Debian's postfix did not start"
debian_dovecot "$iport" || fail "Debian's dovecot did not start"
debian_opendkim "$mport" || fail "Debian's opendkim did not start"
debian_postsrsd "$tport" "$(free_port)" || fail "Debian's postsrsd did not start"
debian_unbound "$uport" || fail "Debian's unbound did not start"
debian_redis "$rport" || fail "Debian's redis-server did not start"

# UNIT KIND PORT CHECK: the table this test walks through, in order.
table="postfix.service smtp $pport postfix
dovecot.service imap $iport dovecot
opendkim.service milter $mport opendkim
postsrsd.service tcp_table $tport postsrsd
unbound.service dns $uport unbound
redis-server.service redis $rport redis
rspamd.service http $hport rspamd"

# alive KIND PORT: the service answers (smtp/imap: the harness's greeting checks).
alive() {
	case $1 in
	smtp) smtp_greets "$2" 1 ;;
	imap) imap_greets "$2" 1 ;;
	*) answers "$1" "$2" ;;
	esac
}
while read -r unit kind port _; do
	wait_for "alive $kind $port" 30 "$unit answers" || fail "$unit ($kind on $port) never answered"
done <<<"$table"
pass "the whole table answers: smtp, imap, milter, tcp_table, dns, redis, http"

write_config "$DEBIAN_CYCLE

[check postfix]
type = smtp
port = $pport
unit = postfix.service

[check dovecot]
type = imap
port = $iport
unit = dovecot.service

[check opendkim]
type = milter
port = $mport
unit = opendkim.service

[check postsrsd]
type = tcp_table
port = $tport
unit = postsrsd.service

[check unbound]
type = dns
server = 127.0.0.1:$uport
query = localhost
expect = 127.0.0.1
unit = unbound.service

[check redis]
type = redis
port = $rport
max_memory = 1GB
unit = redis-server.service

[check rspamd]
type = http
url = http://127.0.0.1:$sport/checkv2
method = POST
body_file = $HERE/../../data/gtube.eml
expect_body = \"action\": *\"reject\"
unit = rspamd.service
# Debian's rspamd.service is Type=simple: active at once, scanning only once
# it has loaded its config and patterns, seconds later (more under load).
restart_grace = 60s"
start_mailsupd

names="postfix dovecot opendkim postsrsd unbound redis rspamd"
all_ok() {
	[[ $("$MAILSUPCTL" --user status 2>/dev/null | awk '$4 == "ok"' | wc -l) == 7 ]]
}
wait_for all_ok 60 "every check ok" || { "$MAILSUPCTL" --user status; fail "not every check is ok"; }
pass "mailsupd sees all seven checks ok"

# main_pid UNIT: the unit's main process (Postfix: the master, in postfix@-.service)
main_pid() {
	if [[ $1 == postfix.service ]]; then debian_postfix_master; else unit_prop "$1" MainPID; fi
}
# frozen_unit UNIT: the unit that holds the service's processes
frozen_unit() {
	if [[ $1 == postfix.service ]]; then echo postfix@-.service; else echo "$1"; fi
}
while read -r unit kind port name; do
	old=$(main_pid "$unit")
	[[ $old =~ ^[1-9][0-9]*$ ]] || fail "$unit has no process to freeze"
	systemctl --user kill --signal=SIGSTOP "$(frozen_unit "$unit")"
	wait_for "events unit-restarted | grep -qF 'restarted $unit '" 90 "$unit restarted" ||
		fail "$unit was not restarted after the freeze"
	# Not asked of the service itself while frozen: systemd's SIGCONT on
	# the restart could let the old process answer a late question.
	events check-failed | grep -qF "$name: $kind check failed: " ||
		fail "no $kind check failure of $name before its restart"
	# rspamd reloads its compiled patterns: slower than the others on a loaded machine.
	wait_for "alive $kind $port" 120 "$unit answers again" || fail "$unit does not answer after its restart"
	new=$(main_pid "$unit")
	[[ $new != "$old" && $new != 0 ]] || fail "$unit main process unchanged ($old): no real restart"
	wait_for all_ok 90 "every check ok after $unit" || { "$MAILSUPCTL" --user status; fail "not ok after $unit"; }
	pass "$unit ($kind) frozen, restarted by mailsupd (main process $old -> $new), answers again"
done <<<"$table"

while read -r unit _ _ _; do
	n=$(events unit-restarting | grep -cF "restarting $unit (" || true)
	[[ $n == 1 ]] || fail "$unit: expected exactly one restart, the log has $n"
done <<<"$table"
[[ $(count_events unit-restarting) == 7 ]] || fail "expected 7 restarts in all, log has $(count_events unit-restarting)"
for name in $names; do
	[[ $(check_state "$name") == ok ]] || fail "$name is $(check_state "$name") at the end"
done
"$MAILSUPCTL" --user status || fail "status exits non-zero at the end"
pass "exactly one restart per service type, every check ok"
