#!/usr/bin/env bash
#
# tests/fuzz/record-seeds.sh BUILDDIR [CORPUS]: record the seed corpus of
# tests/fuzz/ from real peers, as root, inside the test sandbox.
#
# Debian's Postfix and Dovecot (tests/harness/mailstack.sh), Redis, Unbound,
# OpenDKIM and postsrsd on loopback answer what the probes ask
# (record-seeds.py saves each reply); Postfix defers a real message into its
# queue; BUILDDIR's mailsupd runs as a unit on a few checks, one broken and a
# webhook that is down, and its state file and an outbox item are kept; the
# configs are README's examples and the embedded default. Files are written
# into CORPUS (default: tests/fuzz/corpus), replacing seeds of the same name;
# hand-made regression inputs there are left alone. Not run by CI: the
# recorded corpus is committed.

set -euo pipefail
FUZZ=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -ge 1 ]] || { echo "usage: $0 BUILDDIR [CORPUS]" >&2; exit 2; }
build=$(realpath "$1")
corpus=$(realpath -m "${2:-$FUZZ/corpus}")
mkdir -p "$corpus"
export MAILSUPD=$build/mailsupd MAILSUPCTL=$build/mailsupctl
# The e2e tests' helpers: the sandbox, the mail stack, mailsupd as a unit.
# shellcheck source=../e2e/lib.sh
source "$FUZZ/../e2e/lib.sh"
sandbox_reexec "$build" "$corpus"

record() { local kind=$1; shift; python3 "$FUZZ/record-seeds.py" "$kind" "$corpus" "$@"; }
D=$SANDBOX_DIR
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

echo "Postfix and Dovecot:"
smtp_port=$(free_port)
mailstack_postfix pf.service "$smtp_port"
record smtp "$smtp_port"
imap_port=$(free_port)
mailstack_dovecot dc.service "$imap_port"
record imap "$imap_port"

echo "a deferred message in Postfix's queue:"
conf=$(postfix_dir pf.service)/conf
postconf -c "$conf" -e "relayhost = [127.0.0.1]:$(free_port)"
postfix -c "$conf" reload >/dev/null 2>&1
printf 'Subject: seed\n\nhello\n' | /usr/sbin/sendmail -C "$conf" -f a@b.example c@d.example
wait_for '[[ -n $(find '"$(postfix_dir pf.service)"'/spool/deferred -type f 2>/dev/null) ]]' 30 "a deferred file"
mkdir -p "$corpus/queue-file"
cp "$(find "$(postfix_dir pf.service)/spool/deferred" -type f | head -n 1)" "$corpus/queue-file/postfix-deferred"
echo "  queue-file/postfix-deferred: $(stat -c %s "$corpus/queue-file/postfix-deferred") bytes"

echo "Redis:"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$D" --maxmemory 10mb \
	>"$D/redis.log" 2>&1 &
pids+=($!)
wait_for "tcp_connects $redis_port 1" 20 "redis listens"
record redis "$redis_port"

echo "Unbound:"
dns_port=$(free_port)
cat >"$D/unbound.conf" <<-CONF
	server:
	 interface: 127.0.0.1@$dns_port
	 port: $dns_port
	 username: ""
	 chroot: ""
	 directory: "$D"
	 pidfile: "$D/unbound.pid"
	 use-syslog: no
	 do-ip6: no
	 module-config: "iterator"
	 local-zone: "mailsup.test." static
	 local-data: "a.mailsup.test. A 192.0.2.1"
	 local-data: "a.mailsup.test. A 192.0.2.2"
	 local-data: "a.mailsup.test. AAAA 2001:db8::1"
	 local-data: "mailsup.test. MX 10 mx.mailsup.test."
	 local-data: 'mailsup.test. TXT "v=spf1 -all"'
	 local-zone: "refused.test." refuse
	remote-control:
	 control-enable: no
CONF
unbound -d -c "$D/unbound.conf" >"$D/unbound.log" 2>&1 &
pids+=($!)
wait_for "tcp_connects $dns_port 1" 20 "unbound listens"
record dns "$dns_port"

echo "OpenDKIM:"
milter_port=$(free_port)
opendkim-genkey -D "$D" -d example.com -s test
printf 'Socket inet:%s@127.0.0.1\nDomain example.com\nSelector test\nKeyFile %s\nMode sv\nSyslog no\nUserID root\nRequireSafeKeys false\n' \
	"$milter_port" "$D/test.private" >"$D/opendkim.conf"
opendkim -f -x "$D/opendkim.conf" >"$D/opendkim.log" 2>&1 &
pids+=($!)
wait_for "tcp_connects $milter_port 1" 20 "opendkim listens"
record milter "$milter_port"

echo "postsrsd:"
fwd=$(free_port) rev=$(free_port)
echo tHe-SeCrEt >"$D/srs.secret"
postsrsd -s "$D/srs.secret" -d example.org -f "$fwd" -r "$rev" -l 127.0.0.1 >"$D/postsrsd.log" 2>&1 &
pids+=($!)
wait_for "tcp_connects $fwd 1 && tcp_connects $rev 1" 20 "postsrsd listens"
record tcp-table "$fwd" "$rev"

echo "mailsupd's state file and an outbox item:"
hung_port=$(free_port)
install_hung_smtp broken.service "$hung_port" "$D/broken.starts"
write_config "$FAST_CYCLE

[check postfix]
type = smtp
port = $smtp_port
unit = pf.service

$(broken_check "$hung_port")

[notify hook]
type = webhook
url = http://127.0.0.1:$(free_port)/hook
min_severity = info"
start_mailsupd
wait_for "grep -q 'disabled = yes' $D/state/state 2>/dev/null" 60 "a disabled check in the state file"
systemctl --user stop mailsupd.service
mkdir -p "$corpus/state" "$corpus/outbox"
cp "$D/state/state" "$corpus/state/mailsupd-state"
echo "  state/mailsupd-state: $(stat -c %s "$corpus/state/mailsupd-state") bytes"
for kind in check-disabled check-failed unit-restarted; do
	item=$(grep -l "^kind=$kind$" "$D"/state/outbox/[0-9a-f]* | head -n 1)
	cp "$item" "$corpus/outbox/mailsupd-$kind"
	echo "  outbox/mailsupd-$kind: $(stat -c %s "$item") bytes"
done

echo "configs:"
mkdir -p "$corpus/config"
"$build/mailsupd" --print-default-config >"$corpus/config/embedded-default"
cp "$MAILSUPD_CONF" "$corpus/config/record-seeds"
awk -v dir="$corpus/config" '
	/^```ini$/ { n++; file = sprintf("%s/readme-%d", dir, n); next }
	/^```$/ { file = ""; next }
	file != "" { print > file }
' "$FUZZ/../../README.md"
find "$corpus/config" -type f -printf '  config/%f\n' | sort
