#!/usr/bin/env bash
#
# tests/pkg/deb.sh - the package step of CI (tests/run.sh calls it): what a
# mail administrator does with mailsup, on this machine, as root.
#   1. build: a clean copy of the tree, `apt-get build-dep` on it,
#      `dpkg-buildpackage -us -uc -b`; the version is meson.build's;
#   2. lint: lintian, no error (warnings and infos are printed);
#   3. install with apt (a policy-rc.d exiting 101 is in place, as
#      tests/install-deps.sh leaves it): nothing may start; the user, its
#      groups, the conffile (the embedded default), the polkit rule, the
#      unit, the D-Bus policy, the man pages are there;
#      `mailsupd --check-config` passes as root and as mailsup, and
#      `systemd-analyze security --offline=yes` rates the unit 2.5 or less;
#   4. run: the installed unit heals a frozen Postfix as user mailsup
#      (installed-heal.sh), the polkit rule is judged for the real user
#      (polkit-rule.sh), and a non-root caller meets both walls
#      (e2e/ctl-privilege-walls.sh with the installed binaries);
#   5. purge: nothing of the package is left (files, conffile, state, the
#      user and its group, the polkit rule, the enablement link).
# Ends with "package: N passed, N failed" and exits non-zero on a failure.
# Everything it makes is under one temp dir, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD

if [[ $EUID -ne 0 ]]; then
	echo "tests/pkg/deb.sh: run as root (it installs and purges the package)" >&2
	exit 1
fi

passed=0
failed=0
log() { printf '[pkg] %s\n' "$*" >&2; }
pass() {
	echo "PASS: $*"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}
finish() {
	echo "package: $passed passed, $failed failed"
	((failed == 0))
	exit $?
}
# A step whose failure makes the later ones meaningless.
fatal() {
	fail "$*"
	finish
}

installed() {
	[[ $(dpkg-query -W -f='${db:Status-Status}' mailsup 2>/dev/null) == installed ]]
}
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 "$@"
}

work=$(mktemp -d /tmp/mailsup-deb.XXXXXX)
# The services' sandbox hides /tmp (PrivateTmp=yes): the e2e sandbox lives here.
sandboxes=$(mktemp -d /var/lib/mailsup-pkgtest.XXXXXX)
chmod 755 "$sandboxes"
# shellcheck disable=SC2317 # a trap handler
cleanup() {
	if installed || [[ $(dpkg-query -W -f='${db:Status-Status}' mailsup 2>/dev/null) == config-files ]]; then
		log "purging mailsup after an early stop"
		apt_get purge -y mailsup >/dev/null 2>&1 || true
	fi
	rm -rf "$work" "$sandboxes"
}
trap cleanup EXIT

if installed; then
	log "mailsup is installed already: purging it first"
	apt_get purge -y mailsup >/dev/null
fi
[[ -x /usr/sbin/policy-rc.d ]] && /usr/sbin/policy-rc.d >/dev/null 2>&1 && fatal "/usr/sbin/policy-rc.d allows starts"
[[ -x /usr/sbin/policy-rc.d ]] || fatal "no /usr/sbin/policy-rc.d: the install would start mailsupd (run tests/install-deps.sh)"

# 1. build, from a clean copy: tracked and new files, nothing ignored.
log "building the package in $work/src"
mkdir "$work/src"
git -C "$src" ls-files -z -co --exclude-standard | tar -C "$src" --null -T - -cf - | tar -C "$work/src" -xf -
version=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)
changelog_version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
[[ -n $version && $changelog_version == "$version" ]] ||
	fatal "debian/changelog says $changelog_version, meson.build $version"
apt_get build-dep -y "$work/src" >"$work/build-dep.log" 2>&1 || {
	tail -n 20 "$work/build-dep.log"
	fatal "apt-get build-dep could not bring the build dependencies"
}
pass "apt-get build-dep on the tree: build dependencies installed"
(cd "$work/src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
	tail -n 40 "$work/build.log"
	fatal "dpkg-buildpackage failed"
}
arch=$(dpkg --print-architecture)
deb=$work/mailsup_${version}_${arch}.deb
[[ -f $deb ]] || fatal "no $(basename "$deb") after the build: $(ls "$work")"
pass "dpkg-buildpackage -us -uc -b: $(basename "$deb") (version $version, from meson.build)"

# 2. lint
lintian --allow-root --display-info --fail-on error "$work/mailsup_${version}_${arch}.changes" \
	>"$work/lintian.log" 2>&1 && lint=0 || lint=$?
sed 's/^/  lintian: /' "$work/lintian.log"
if ((lint == 0)); then
	pass "lintian: no error ($(grep -c '^W:' "$work/lintian.log" || true) warnings, $(grep -c '^I:' "$work/lintian.log" || true) infos)"
else
	fail "lintian reports errors"
fi

# 3. install: nothing starts, everything is in place.
apt_get install -y --no-install-recommends "$deb" >"$work/install.log" 2>&1 || {
	tail -n 30 "$work/install.log"
	fatal "apt-get install of the .deb failed"
}
installed || fatal "mailsup is not installed after apt-get install"
pgrep -x mailsupd -u mailsup >/dev/null && fail "the install started mailsupd despite policy-rc.d"
uid=$(id -u mailsup 2>/dev/null) || fatal "the package did not create the user mailsup"
groups=$(id -nG mailsup)
[[ " $groups " == *" adm "* && " $groups " == *" systemd-journal "* ]] ||
	fail "mailsup is not in adm and systemd-journal: $groups"
[[ $(getent passwd mailsup | cut -d: -f7) == /usr/sbin/nologin ]] || fail "mailsup has a login shell"
pass "installed with apt, nothing started; user mailsup (uid $uid, groups: $groups)"

for f in /usr/sbin/mailsupd /usr/bin/mailsupctl /lib/systemd/system/mailsupd.service \
	/usr/share/dbus-1/system.d/org.mailsup.Supervisor1.conf /usr/share/bash-completion/completions/mailsupctl \
	/usr/share/man/man8/mailsupd.8.gz /usr/share/man/man1/mailsupctl.1.gz /usr/share/man/man5/mailsupd.conf.5.gz \
	/usr/lib/sysusers.d/mailsup.conf /etc/polkit-1/rules.d/60-mailsup.rules \
	/usr/lib/systemd/catalog/mailsup.catalog; do
	[[ -e $f ]] || fail "missing after install: $f"
done
# (systemd's dpkg trigger compiles the catalog, interest-noawait: not always
# by the time apt returns; pkg-catalog checks that journalctl compiles it)
dpkg-query -W -f='${Conffiles}\n' mailsup | grep -q '^ /etc/mailsup/mailsupd.conf ' ||
	fail "/etc/mailsup/mailsupd.conf is not a conffile"
cmp -s /etc/mailsup/mailsupd.conf <(/usr/sbin/mailsupd --print-default-config) ||
	fail "/etc/mailsup/mailsupd.conf differs from the embedded default"
man -l /usr/share/man/man5/mailsupd.conf.5.gz 2>/dev/null | grep -q 'queue_directory' ||
	fail "mailsupd.conf(5) does not render"
pass "binaries, unit, D-Bus policy, completion, man pages, journal catalog, sysusers.d, conffile (= embedded default), polkit rule"

out=$(/usr/sbin/mailsupd --check-config 2>&1) || fail "mailsupd --check-config as root: $out"
# the verdict, then only what listen_from found where (opendkim.conf, ...)
[[ $(head -n 1 <<<"$out") == "/etc/mailsup/mailsupd.conf: ok, "*" checks" ]] || fail "--check-config as root says: $out"
rest=$(tail -n +2 <<<"$out" | grep -v '^  \[check [a-z0-9_-]*\] listen_from [a-z]*: ' || true)
[[ -z $rest ]] || fail "--check-config as root says more than the verdict and what listen_from found: $out"
[[ $out != *warning* ]] || fail "--check-config as root warns on a fresh install: $out"
out=$(setpriv --reuid=mailsup --regid=mailsup --init-groups /usr/sbin/mailsupd --check-config 2>&1) ||
	fail "mailsupd --check-config as mailsup: $out"
pass "mailsupd --check-config, as root and as mailsup: $(head -n 1 <<<"$out")"

exposure=$(systemd-analyze security --offline=yes /lib/systemd/system/mailsupd.service 2>&1 |
	sed -n 's/.*Overall exposure level for mailsupd.service: \([0-9.]*\).*/\1/p')
if [[ -n $exposure ]] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.5) }'; then
	pass "systemd-analyze security --offline=yes: exposure $exposure (at most 2.5)"
else
	fail "systemd-analyze security --offline=yes: exposure '${exposure:-?}', above 2.5"
fi

# 4. run the installed binaries
run_test() { # run_test DESCRIPTION COMMAND...
	local what=$1 rc=0
	shift
	"$@" >"$work/test.log" 2>&1 || rc=$?
	grep -E '^(PASS|FAIL)' "$work/test.log" | sed 's/^/  /' || true
	if ((rc == 0)); then
		pass "$what"
	else
		tail -n 40 "$work/test.log"
		fail "$what (exit $rc)"
	fi
}
run_test "installed unit, user mailsup: a frozen Postfix healed through polkit" \
	env SANDBOX_TMPBASE="$sandboxes" bash tests/pkg/installed-heal.sh
run_test "the polkit rule, for the real user mailsup, judged by polkitd" \
	env MAILSUPD=/usr/sbin/mailsupd bash tests/pkg/polkit-rule.sh
cmp -s units/org.mailsup.Supervisor1.conf /usr/share/dbus-1/system.d/org.mailsup.Supervisor1.conf ||
	fail "the installed D-Bus policy is not units/org.mailsup.Supervisor1.conf"
run_test "a non-root caller meets both walls of the installed mailsupd" \
	env MAILSUPD=/usr/sbin/mailsupd MAILSUPCTL=/usr/bin/mailsupctl bash tests/e2e/ctl-privilege-walls.sh

# 5. purge: nothing left.
dpkg-query -L mailsup | while read -r f; do [[ -d $f ]] || echo "$f"; done >"$work/files"
apt_get purge -y mailsup >"$work/purge.log" 2>&1 || {
	tail -n 20 "$work/purge.log"
	fatal "apt-get purge failed"
}
left=()
[[ -z $(dpkg-query -W -f='${db:Status-Status}' mailsup 2>/dev/null) ||
	$(dpkg-query -W -f='${db:Status-Status}' mailsup) == not-installed ]] || left+=("dpkg status $(dpkg-query -W -f='${db:Status-Status}' mailsup)")
while read -r f; do
	[[ -e $f || -L $f ]] && left+=("$f")
done <"$work/files"
for f in /etc/mailsup /var/lib/mailsup /var/lib/private/mailsup /etc/polkit-1/rules.d/60-mailsup.rules \
	/etc/systemd/system/multi-user.target.wants/mailsupd.service; do
	[[ -e $f || -L $f ]] && left+=("$f")
done
getent passwd mailsup >/dev/null && left+=("user mailsup")
getent group mailsup >/dev/null && left+=("group mailsup")
while read -r f; do left+=("$f (owned by uid $uid)"); done < <(find /etc /var -xdev -path "$sandboxes" -prune -o -uid "$uid" -print 2>/dev/null)
if ((${#left[@]} == 0)); then
	pass "apt-get purge: no file, conffile, state, rule, user or group of mailsup left"
else
	fail "left after purge: ${left[*]}"
fi
finish
