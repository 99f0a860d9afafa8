#!/usr/bin/env bash
#
# tests/harness/measure-faults.sh - what mailsupd does, and when, on Debian's
# own units with stock configs (harness/debian.sh), under the sandboxed
# manager. A measurement, not a test: it prints timelines (seconds after
# each fault, from mailsupd's journal entries) and never fails on timing.
#
# Faults, each on a fresh Postfix state:
#   a. Postfix's master SIGSTOPped, its warm smtpd children left running
#      (watched for WATCH seconds; our own greetings counted meanwhile)
#   b. the master SIGKILLed (postfix.service stays "active (exited)")
#   c. every process of postfix@-.service SIGSTOPped
#   d. stock OpenDKIM (Socket local:/run/opendkim/opendkim.sock) under the
#      embedded default, from mailsupd's start
# mailsupd runs on its embedded default (--print-default-config) plus a
# drop-in: user bus, state directory, the Postfix port, INTERVAL, TIMEOUT
# and restart_grace = 2s (the demo's).
#
# Usage (root): MAILSUPD=build/mailsupd MAILSUPCTL=build/mailsupctl \
#                 [INTERVAL=2s] [TIMEOUT=1s] [WATCH=30] bash tests/harness/measure-faults.sh

HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/harness/debian.sh
source "$HARNESS/debian.sh"
: "${MAILSUPD:?MAILSUPD must name the mailsupd binary}"
: "${MAILSUPCTL:?MAILSUPCTL must name the mailsupctl binary}"
MAILSUPD=$(realpath "$MAILSUPD")
MAILSUPCTL=$(realpath "$MAILSUPCTL")
export MAILSUPD MAILSUPCTL
sandbox_reexec "$@"
set -u
INTERVAL=${INTERVAL:-2s}
TIMEOUT=${TIMEOUT:-1s}
WATCH=${WATCH:-30}

now() { date +%s.%N; }
# timeline SINCE [REGEX]: mailsupd's entries since SINCE (matching REGEX)
timeline() {
	journalctl -q -o json _SYSTEMD_UNIT=mailsupd.service | python3 -c '
import json, re, sys
t0, pat = float(sys.argv[1]), re.compile(sys.argv[2])
for line in sys.stdin:
    e = json.loads(line)
    t = int(e["__REALTIME_TIMESTAMP"]) / 1e6
    msg = e.get("MESSAGE", "")
    if t >= t0 and e.get("MAILSUP_EVENT") and pat.search(msg):
        print("  +%7.2fs %-18s %s" % (t - t0, e["MAILSUP_EVENT"], msg))
' "$1" "${2:-.}"
}
units() {
	local u
	for u in postfix.service postfix@-.service; do
		printf '%s %s/%s  ' "$u" "$(unit_prop "$u" ActiveState)" "$(unit_prop "$u" SubState)"
	done
	echo
}
settle() { # until postfix is ok again, and its restarts left the window
	wait_for '"$MAILSUPCTL" --user status postfix 2>/dev/null | grep -q " ok .*restarts 0/"' 120 "postfix settled" >/dev/null 2>&1
}

pport=$(free_port)
debian_postfix "$pport" >/dev/null || exit 1
debian_opendkim >/dev/null || exit 1
conf=$SANDBOX_DIR/mailsupd.conf
"$MAILSUPD" --print-default-config >"$conf"
mkdir -p "$conf.d"
printf '[supervisor]\nbus = user\ninterval = %s\ntimeout = %s\nrestart_grace = 2s\nstate_directory = %s/state\n\n[check postfix]\nport = %s\n' \
	"$INTERVAL" "$TIMEOUT" "$SANDBOX_DIR" "$pport" >"$conf.d/50-sandbox.conf"
"$MAILSUPD" --config "$conf" --check-config >/dev/null || exit 1
sandbox_install_unit mailsupd.service "[Service]
Type=notify
ExecStart=$MAILSUPD --config $conf"
T0=$(now)
systemctl --user start mailsupd.service
echo "mailsupd $("$MAILSUPD" --version | cut -d' ' -f2), embedded default, interval $INTERVAL"
settle

echo "== a. master SIGSTOPped, warm smtpd children ($(debian_postfix_smtpds | paste -sd' ')), watched ${WATCH}s"
master=$(debian_postfix_master)
T=$(now)
kill -STOP "$master"
greets=0
for ((i = 0; i < WATCH / 2; i++)); do
	sleep 2
	smtp_greets "$pport" 1 && greets=$((greets + 1))
done
echo "  our greetings during the freeze: $greets of $((WATCH / 2))"
timeline "$T" postfix || true
[[ -n $(timeline "$T" postfix) ]] || echo "  (no event about postfix in ${WATCH}s)"
kill -CONT "$master"
settle

echo "== b. master SIGKILLed"
T=$(now)
kill -KILL "$(debian_postfix_master)"
sleep 1
printf '  +1s: '
units
wait_for '[[ -n $(timeline '"$T"' "check-recovered|postfix: smtp check ok") ]]' 120 "recovery" >/dev/null 2>&1
timeline "$T" postfix
settle

echo "== c. every process of postfix@-.service SIGSTOPped"
T=$(now)
systemctl --user kill --signal=SIGSTOP postfix@-.service
wait_for '[[ -n $(timeline '"$T"' "smtp check ok again") ]]' 120 "recovery" >/dev/null 2>&1
timeline "$T" postfix

echo "== d. stock OpenDKIM, the embedded default's opendkim check (since mailsupd's start)"
timeline "$T0" opendkim
echo "  opendkim.service: $(unit_prop opendkim.service ActiveState), $("$MAILSUPCTL" --user status opendkim 2>/dev/null | awk '$1 == "opendkim"')"
