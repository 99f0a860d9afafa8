#!/usr/bin/env bash
# units/mailsup.catalog explains every message mailsupd logs with a
# MESSAGE_ID: each id of supervisor/events.c's kinds table has exactly one
# entry, and systemd's own catalog compiler (journalctl --update-catalog, in
# a private root) takes the file and lists every id with its subject. A new
# event kind without its explanation, or a typo that systemd rejects, fails.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
catalog=$HERE/../../units/mailsup.catalog
events=$HERE/../../supervisor/events.c
status=0

# the kinds table's lines: [EVENT_...] = { "kind", "id", ...
ids=$(grep -oE '\{ "[a-z-]+", "[0-9a-f]{32}"' "$events" | grep -oE '[0-9a-f]{32}' | sort)
(($(wc -l <<<"$ids") >= 10)) || { echo "FAIL: found only $(wc -l <<<"$ids") ids in $events"; exit 1; }
entries=$(sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$catalog" | sort)
missing=$(comm -23 <(echo "$ids") <(echo "$entries"))
extra=$(comm -13 <(echo "$ids") <(echo "$entries"))
dups=$(uniq -d <<<"$entries")
[[ -z $missing ]] || { echo "FAIL: no catalog entry for: $missing"; status=1; }
[[ -z $extra ]] || { echo "FAIL: catalog entries for ids mailsupd never logs: $extra"; status=1; }
[[ -z $dups ]] || { echo "FAIL: ids with more than one entry: $dups"; status=1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/catalog" "$root/var/lib/systemd/catalog"
cp "$catalog" "$root/usr/lib/systemd/catalog/"
if ! out=$(journalctl --root="$root" --update-catalog 2>&1); then
	echo "FAIL: journalctl --update-catalog refuses the catalog: $out"
	exit 1
fi
listed=$(journalctl --root="$root" --list-catalog 2>&1)
for id in $ids; do
	grep -q "^$id mailsup: " <<<"$listed" ||
		{ echo "FAIL: journalctl --list-catalog does not list $id: $(grep "^$id" <<<"$listed")"; status=1; }
done
((status == 0)) && echo "PASS: $(wc -l <<<"$ids") message ids, each explained once, compiled by journalctl"
exit "$status"
