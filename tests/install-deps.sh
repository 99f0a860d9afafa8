#!/usr/bin/env bash
#
# tests/install-deps.sh - install every Debian package that building and
# testing mailsup needs (Debian 12, as root).  Idempotent: when everything is
# installed already it does nothing and touches no network.
#
# Before apt runs, a /usr/sbin/policy-rc.d that exits 101 is put in place
# (only if there is none), so that installing postfix, dovecot or dbus never
# starts a system-wide daemon.  Postfix's debconf question is preseeded to
# "No configuration" so nothing prompts.

set -euo pipefail

PACKAGES=(
	# build
	meson ninja-build pkg-config gcc
	libsystemd-dev libcurl4-openssl-dev libc-ares-dev libhiredis-dev libinih-dev libssl-dev
	libmicrohttpd-dev
	# the fuzz harnesses (tests/fuzz/): clang and its libFuzzer/sanitizer
	# runtimes; llvm's llvm-symbolizer names the lines in their reports
	clang libclang-rt-14-dev llvm
	# a real systemd --user manager and its bus (tests/harness/sandbox.sh)
	systemd dbus dbus-user-session
	# the mail stack under test (tests/harness/mailstack.sh)
	postfix dovecot-imapd
	# Dovecot's LMTP service for the lmtp probe test (tests/test-lmtp-net.c)
	dovecot-lmtpd
	# real servers for the http, dns and redis probe tests (tests/test-*-net.c);
	# openssl makes the test's self-signed certificate
	nginx-light unbound redis-server openssl
	# real receivers for the notification tests (tests/test-notify-*.c):
	# Alertmanager for its API v2, aiosmtpd as the external SMTP relay
	prometheus-alertmanager python3-aiosmtpd
	# a real Prometheus scraping mailsupd's /metrics, and promtool for the
	# exposition and the shipped alert rules (tests/e2e/metrics-*.sh, contrib/)
	prometheus
	# real servers for the milter and tcp_table probe tests: OpenDKIM (and
	# opendkim-genkey for its key), postsrsd
	opendkim opendkim-tools postsrsd
	# a real rspamd as Postfix's milter and for its /checkv2 scan
	# (tests/harness/mailflow.sh: e2e-mail-flow, e2e-mail-stack-table)
	rspamd
	# the package step (tests/pkg/deb.sh): building and linting the .deb,
	# the man pages (scdoc), and a real polkitd (pkcheck) for the rule
	debhelper dpkg-dev fakeroot lintian scdoc polkitd man-db
	# harness tools: python3 (probes, free ports, console relay), procps
	# (pgrep, ps), util-linux (unshare, mount, findmnt), coreutils (timeout),
	# iproute2 (ss), curl, psmisc (fuser)
	python3 procps util-linux coreutils iproute2 curl psmisc
)

log() {
	printf '[install-deps] %s\n' "$*" >&2
}

if [[ $EUID -ne 0 ]]; then
	log "must run as root"
	exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [[ $status != installed ]]; then
		missing+=("$pkg")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	log "all ${#PACKAGES[@]} packages already installed"
	exit 0
fi
log "to install: ${missing[*]}"

# Never let a package start a daemon system-wide.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
	log "writing /usr/sbin/policy-rc.d (exit 101)"
	printf '#!/bin/sh\n# written by mailsup tests/install-deps.sh: no daemon starts on install\nexit 101\n' \
		>/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
fi

export DEBIAN_FRONTEND=noninteractive
printf '%s\n' \
	"postfix postfix/main_mailer_type select No configuration" \
	"postfix postfix/mailname string mailsup-test.localdomain" |
	debconf-set-selections

# A flaky mirror gets two more chances.
retry() {
	local i
	for i in 1 2 3; do
		"$@" && return 0
		log "failed (attempt $i): $*"
		sleep $((i * 5))
	done
	return 1
}
retry apt-get -q update
retry apt-get -q install -y --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}"

# Verify.
still=()
for pkg in "${missing[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[[ $status == installed ]] || still+=("$pkg")
done
if [[ ${#still[@]} -gt 0 ]]; then
	log "still not installed: ${still[*]}"
	exit 1
fi
log "done"
