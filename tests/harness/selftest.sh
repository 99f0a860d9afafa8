#!/usr/bin/env bash
#
# tests/harness/selftest.sh - proves that the test harness works: a private
# systemd --user manager in its own cgroup and namespaces (sandbox.sh), a
# private Postfix and Dovecot under it (mailstack.sh), a restart through the
# manager's D-Bus API, the SIGSTOP fault that only a protocol probe detects,
# Debian's own unit files on private copies of their configs (debian.sh)
# with their logs in the sandbox's journal, and a clean machine afterwards
# (no cgroup, process, mount, journal entry or changed file left).
#
# Usage (as root): bash tests/harness/selftest.sh
# Prints PASS/FAIL lines and a final "N passed, N failed"; exits non-zero on
# any failure.

set -euo pipefail

HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/harness/debian.sh
source "$HARNESS/debian.sh"

passed=0
failed=0
pass() {
	passed=$((passed + 1))
	echo "PASS: $*"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}
# check DESCRIPTION CMD [ARGS...]
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# ---------------------------------------------------------------- inside ---
inside() {
	local pf=selftest-postfix.service dc=selftest-dovecot.service
	local smtp_port imap_port
	smtp_port=$(free_port)
	imap_port=$(free_port)
	while [[ $imap_port == "$smtp_port" ]]; do imap_port=$(free_port); done
	echo "sandbox: $SANDBOX_NAME, dir $SANDBOX_DIR"
	# What identifies this sandbox from outside: its dir and its namespaces.
	{
		echo "$SANDBOX_DIR"
		readlink /proc/self/ns/pid
		readlink /proc/self/ns/mnt
	} >"$SELFTEST_STATE.dir"

	# The manager runs in our private cgroup, not the machine's root one.
	local cg
	cg=$(systemctl --user show -P ControlGroup -- init.scope)
	check "manager's init.scope is under /$SANDBOX_NAME ($cg)" \
		test "${cg#/"$SANDBOX_NAME"/}" != "$cg"

	check "private postfix starts on 127.0.0.1:$smtp_port" \
		mailstack_postfix "$pf" "$smtp_port"
	check "private dovecot starts on 127.0.0.1:$imap_port" \
		mailstack_dovecot "$dc" "$imap_port"
	check "postfix greets with 220" smtp_greets "$smtp_port"
	check "dovecot greets with * OK" imap_greets "$imap_port"
	cg=$(unit_prop "$pf" ControlGroup)
	check "postfix runs in the sandbox's cgroup ($cg)" \
		test "${cg#/"$SANDBOX_NAME"/}" != "$cg"

	# Restart through the systemd Manager D-Bus API, as mailsupd will.
	local old_main new_main old_master job
	old_main=$(unit_prop "$pf" MainPID)
	old_master=$(postfix_master_pid "$pf") || old_master=""
	echo "postfix: MainPID $old_main, master $old_master"
	if job=$(busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
		org.freedesktop.systemd1.Manager RestartUnit ss "$pf" replace); then
		pass "RestartUnit via busctl returned a job: $job"
	else
		fail "RestartUnit via busctl"
	fi
	check "postfix is active again with a new MainPID" \
		wait_for "new_main=\$(unit_prop $pf MainPID); [[ \$new_main != 0 && \$new_main != $old_main && \$(unit_prop $pf ActiveState) == active ]]" \
		30 "a new MainPID for $pf"
	new_main=$(unit_prop "$pf" MainPID)
	echo "postfix: MainPID now $new_main"
	check "postfix greets again after the restart" \
		wait_for "smtp_greets $smtp_port 2" 30 "postfix greeting after restart"
	local master
	master=$(postfix_master_pid "$pf") || master=""
	check "postfix_master_pid finds the new master ($master, was $old_master)" \
		test -n "$master" -a "$master" != "$old_master"

	# The fault the project exists for: a stopped master still lets the
	# kernel complete the TCP handshake, but no greeting ever comes.
	if [[ -n $master ]]; then
		kill -STOP "$master"
		echo "postfix: master $master stopped (SIGSTOP)"
		check "TCP connect to the stopped postfix still succeeds" tcp_connects "$smtp_port" 3
		if smtp_greets "$smtp_port" 3; then
			fail "stopped postfix sends no 220 within 3 s"
		else
			pass "stopped postfix sends no 220 within 3 s"
		fi
		kill -CONT "$master"
		check "postfix greets again after SIGCONT" \
			wait_for "smtp_greets $smtp_port 2" 30 "postfix greeting after SIGCONT"
	else
		fail "no postfix master to stop"
	fi
	check "dovecot still greets" imap_greets "$imap_port"

	# The same fault for Dovecot: its MainPID is the dovecot master.
	local dmain
	dmain=$(unit_prop "$dc" MainPID)
	kill -STOP "$dmain"
	echo "dovecot: master $dmain stopped (SIGSTOP)"
	check "TCP connect to the stopped dovecot still succeeds" tcp_connects "$imap_port" 3
	if imap_greets "$imap_port" 3; then
		fail "stopped dovecot sends no * OK within 3 s"
	else
		pass "stopped dovecot sends no * OK within 3 s"
	fi
	kill -CONT "$dmain"
	check "dovecot greets again after SIGCONT" \
		wait_for "imap_greets $imap_port 2" 30 "dovecot greeting after SIGCONT"

	debian_layout
	journal_checks

	echo "$passed $failed" >"$SELFTEST_STATE"
	((failed == 0))
}

# Debian's units, unchanged, on private copies of their configs.
debian_layout() {
	local port iport master old_master
	port=$(free_port)
	iport=$(free_port)
	check "Debian's postfix.service starts postfix@-.service, greets on 127.0.0.1:$port" debian_postfix "$port"
	check "postfix.service is a oneshot, active (exited)" \
		test "$(unit_prop postfix.service SubState)" == exited
	check "postfix@-.service is PartOf postfix.service (ConsistsOf)" \
		test "$(unit_prop postfix.service ConsistsOf)" == postfix@-.service
	old_master=$(debian_postfix_master) || old_master=""
	busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
		org.freedesktop.systemd1.Manager RestartUnit ss postfix.service replace >/dev/null
	check "RestartUnit(postfix.service) gives postfix@-.service a new master" \
		wait_for "master=\$(debian_postfix_master 2>/dev/null) && [[ \$master != $old_master ]] && smtp_greets $port 1" \
		60 "a new master greeting"
	master=$(debian_postfix_master) || master=""
	check "Postfix logs to the sandbox's journal (journalctl -u postfix@-.service)" \
		wait_for "journalctl -q -u postfix@-.service | grep -q 'postfix/master\\[$master\\]: daemon started'" 10 "the master's log line"
	check "Debian's dovecot.service greets on 127.0.0.1:$iport" debian_dovecot "$iport"
	check "Debian's opendkim.service listens on its stock socket" debian_opendkim
	check "Debian's redis-server.service (drop-in: ProtectHome=read-only)" debian_redis "$(free_port)"
	check "Debian's unbound.service" debian_unbound "$(free_port)"
	check "Debian's postsrsd.service" debian_postsrsd "$(free_port)" "$(free_port)"
}

journal_checks() {
	local id=SELFTEST-$$-$RANDOM
	logger -t selftest "$id"
	check "syslog(3) through /dev/log reaches the sandbox's journal" \
		wait_for "journalctl -q -t selftest | grep -q $id" 10 "the logger line"
	systemd-cat -t selftest-cat echo "$id-cat"
	check "journalctl -t finds systemd-cat's line" wait_for "journalctl -q -t selftest-cat | grep -q $id-cat" 10 "systemd-cat"
	echo "$id" >"$SELFTEST_STATE.journal"
}

# --------------------------------------------------------------- outside ---
outside() {
	if [[ $EUID -ne 0 ]]; then
		echo "selftest: must run as root" >&2
		exit 2
	fi
	local state
	state=$(mktemp /tmp/mailsup-selftest.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -f '$state' '$state.dir' '$state.journal'" EXIT
	local pid1_cgroup_before
	pid1_cgroup_before=$(cat /proc/1/cgroup)

	local rc=0
	SELFTEST_STATE=$state sandbox_run bash "${BASH_SOURCE[0]}" "$@" || rc=$?
	echo "sandbox_run returned $rc"

	# Carry over the counts from inside.
	local in_passed=0 in_failed=0
	if [[ -s $state ]]; then
		read -r in_passed in_failed <"$state"
	else
		fail "the inside part did not report its results"
	fi
	passed=$((passed + in_passed))
	failed=$((failed + in_failed))
	check "the sandboxed command's exit status is 0" test "$rc" -eq 0

	# Nothing of ours may be left behind.
	local left
	left=$(ls -d /sys/fs/cgroup/*/mailsup-test-$$-* /sys/fs/cgroup/mailsup-test-$$-* 2>/dev/null || true)
	check "no cgroup left (ls -d /sys/fs/cgroup/*/*/: $(printf '%s ' /sys/fs/cgroup/*/*/))" \
		test -z "$left"
	local dir="" pidns="" mntns="" procs cgs
	if [[ -s $state.dir ]]; then
		{ read -r dir; read -r pidns; read -r mntns; } <"$state.dir"
	fi
	procs=$(grep -l "mailsup-test-$$-" /proc/[0-9]*/cgroup 2>/dev/null || true)
	check "no process in a cgroup of ours${procs:+: $procs}" test -z "$procs"
	if [[ -n $dir ]]; then
		procs=$(pgrep -af -- "$dir" || true)
		check "no process mentioning $dir left${procs:+: $procs}" test -z "$procs"
	fi
	if [[ -n $pidns && -n $mntns ]]; then
		# The namespaces live as long as a process is in them; the private
		# mounts (/run/systemd, /run/user, /dev/console) go with the mount ns.
		# Namespace ids are recycled: a sandbox started meanwhile by someone
		# else may have ours, so processes in another sandbox's cgroup
		# do not count.
		procs=$(for p in /proc/[0-9]*; do
			if [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$pidns" ||
				$(readlink "$p/ns/mnt" 2>/dev/null) == "$mntns" ]]; then
				cgs=$(cat "$p/cgroup" 2>/dev/null) || continue
				if [[ $cgs == *"mailsup-test-$$-"* || $cgs != *mailsup-test-* ]]; then
					echo "${p#/proc/}"
				fi
			fi
		done)
		check "no process left in the sandbox's namespaces ($pidns, $mntns)${procs:+: $procs}" \
			test -z "$procs"
	else
		fail "the inside part did not report its namespaces"
	fi
	check "no /run, /run/systemd, /run/user, /dev or /dev/console mount leaked to the machine" \
		bash -c '! findmnt -rn /run >/dev/null && ! findmnt -rn /run/systemd >/dev/null && ! findmnt -rn /run/user >/dev/null &&
			! findmnt -rn -t overlay /dev >/dev/null && ! findmnt -rn /dev/console >/dev/null'
	check "PID 1's cgroups are unchanged" test "$(cat /proc/1/cgroup)" == "$pid1_cgroup_before"
	local id changed
	id=$(cat "$state.journal" 2>/dev/null) || id=""
	check "the sandbox's journal entries are not in the machine's journal" \
		bash -c "[[ -n '$id' ]] && ! journalctl -q --no-pager 2>/dev/null | grep -q '$id'"
	check "no /dev/log left on the machine" test ! -e /dev/log
	changed=$(find /etc/postfix /etc/dovecot /etc/redis /etc/unbound /etc/default/postsrsd \
		/var/spool/postfix /var/lib/postfix /var/lib/dovecot /var/lib/redis /var/log/redis /var/lib/unbound \
		/var/lib/postsrsd -newer "$state" 2>/dev/null | head -5)
	check "the machine's service configs and data are untouched${changed:+: $changed}" test -z "$changed"
	if [[ -n $dir && ${SANDBOX_KEEP:-0} != 1 ]]; then
		check "the sandbox's temp dir was removed after success" test ! -e "$dir"
	fi

	echo "$passed passed, $failed failed"
	((failed == 0))
}

if sandbox_inside; then
	inside "$@"
else
	outside "$@"
fi
