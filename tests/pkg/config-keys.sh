#!/usr/bin/env bash
# mailsupd.conf(5) documents exactly the keys the parser accepts: a key the
# parser takes that the man page does not describe, or a documented key the
# parser refuses, fails this test. The man page marks its keys (a line
# "*key* = ..." after "; keys: GROUP"); the parser lists its own with
# `mailsupd --list-config-keys` ("GROUP KEY" lines: supervisor, check,
# check:TYPE, notify, notify:TYPE).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${MAILSUPD:?MAILSUPD must name the mailsupd binary}"
page=$HERE/../../man/mailsupd.conf.5.scd

documented=$(awk '
	/^; keys: / { group = $3; if (group == "end") group = ""; next }
	group != "" && match($0, /^\*[a-z_]+\* = /) { print group, substr($0, 2, RLENGTH - 5) }
' "$page" | sort -u)
[[ -n $documented ]] || { echo "FAIL: no keys found in $page"; exit 1; }

if ! accepted=$("$MAILSUPD" --list-config-keys); then
	echo "FAIL: mailsupd --list-config-keys failed (the parser cannot list its keys)"
	exit 1
fi
accepted=$(sort -u <<<"$accepted")

undocumented=$(comm -13 <(echo "$documented") <(echo "$accepted"))
unknown=$(comm -23 <(echo "$documented") <(echo "$accepted"))
status=0
if [[ -n $undocumented ]]; then
	echo "FAIL: accepted by mailsupd but not in mailsupd.conf(5):"
	while read -r line; do echo "  $line"; done <<<"$undocumented"
	status=1
fi
if [[ -n $unknown ]]; then
	echo "FAIL: in mailsupd.conf(5) but refused by mailsupd:"
	while read -r line; do echo "  $line"; done <<<"$unknown"
	status=1
fi
((status)) || echo "PASS: mailsupd.conf(5) documents the $(wc -l <<<"$accepted") keys mailsupd accepts, no more"
exit "$status"
