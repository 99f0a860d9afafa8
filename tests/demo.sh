#!/usr/bin/env bash
# tests/demo.sh: mailsup in two minutes (README's command one).
#
# Installs what it needs, builds, then starts a sandboxed systemd user
# manager (tests/harness/sandbox.sh: its own cgroup and namespaces, nothing
# of the machine is touched) running Debian's own postfix.service,
# postfix@.service and dovecot.service on private copies of their configs
# (tests/harness/debian.sh: stock master.cf, loopback ports of their own).
# mailsupd runs on its embedded default config plus one drop-in that points
# it at the sandbox (user bus, the private ports, a 2s cycle). Then
# Postfix's master is frozen with SIGSTOP -- its warm smtpd children still
# greet, so no greeting check can tell -- and mailsupd sees the stopped
# process in the first cycle and heals it by restarting postfix.service
# over D-Bus, as an admin would. Leaves nothing running and no cgroup
# behind.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [[ ${SANDBOX_INSIDE:-} != 1 ]]; then
	if [[ $(id -u) != 0 ]]; then
		echo "tests/demo.sh: run as root (it installs packages and starts a sandboxed systemd)" >&2
		exit 1
	fi
	bash tests/install-deps.sh
	[[ -d build ]] || meson setup build >/dev/null
	meson compile -C build >/dev/null
	echo "== built build/mailsupd and build/mailsupctl"
fi

source tests/harness/sandbox.sh
source tests/harness/debian.sh
sandbox_reexec "$@"

MAILSUPD=$repo/build/mailsupd
MAILSUPCTL=$repo/build/mailsupctl
if [[ -t 1 ]]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
all_ok() { [[ $("$MAILSUPCTL" --user status postfix dovecot 2>/dev/null | awk '($1 == "postfix" || $1 == "dovecot") && $4 == "ok"' | wc -l) == 2 ]]; }

pport=$(free_port)
iport=$(free_port)
say "Debian's own units under a sandboxed systemd: Postfix on 127.0.0.1:$pport, Dovecot on 127.0.0.1:$iport"
debian_postfix "$pport"
debian_dovecot "$iport"
systemctl --user --no-pager list-units 'postfix.service' 'postfix@-.service' 'dovecot.service'

conf=$SANDBOX_DIR/mailsupd.conf
# The default's skip_missing_units = yes leaves out the checks of services
# the sandbox does not run (OpenDKIM, postsrsd, rspamd, Unbound, Redis).
"$MAILSUPD" --print-default-config >"$conf"
mkdir -p "$conf.d"
cat >"$conf.d/50-sandbox.conf" <<CONF
# The sandbox differs from a real server only in these settings. The ports
# need none: listen_from reads Postfix's from master.cf and Dovecot's from
# doveconf.
[supervisor]
bus = user
interval = 2s
timeout = 1s
restart_grace = 2s
state_directory = $SANDBOX_DIR/state
CONF
say "mailsupd runs on its embedded default (mailsupd --print-default-config) with this drop-in:"
cat "$conf.d/50-sandbox.conf"
"$MAILSUPD" --config "$conf" --check-config

sandbox_install_unit mailsupd.service "[Service]
Type=notify
ExecStart=$MAILSUPD --config $conf
StandardError=append:$SANDBOX_DIR/mailsupd.log
"
systemctl --user start mailsupd.service
wait_for all_ok 30 "both checks ok" || true
say "mailsupctl status"
"$MAILSUPCTL" --user status || true

master=$(debian_postfix_master)
say "freezing Postfix's master process (kill -STOP $master, in postfix@-.service): it spawns nothing more"
kill -STOP "$master"
smtp_greets "$pport" 1 && echo "a warm smtpd child still greets on :$pport (a greeting check would say healthy)"

say "mailsupd's log as it notices and heals:"
wait_for 'grep -q "^postfix: smtp check ok again.*\[check-recovered\]" "$SANDBOX_DIR/mailsupd.log"' 60 "postfix healed" || true
sed 's/^/    /' "$SANDBOX_DIR/mailsupd.log"

say "mailsupctl status after healing"
"$MAILSUPCTL" --user status && echo "(exit 0: every check ok)"
smtp_greets "$pport" 1 && echo "Postfix greets again, from a new master (PID $(debian_postfix_master))"
say "done: stopping the sandbox (nothing is left running)"
