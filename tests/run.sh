#!/usr/bin/env bash
# tests/run.sh: build mailsup warning-free and run every test, three ways.
#
# README's test command and what CI runs (.ci/run). On a fresh Debian 12
# machine, as root: installs the packages (tests/install-deps.sh, nothing is
# started system-wide), then runs the steps named in TEST_STEPS (default all
# four), each in its own build directory, and goes on after a failed one:
#   plain     -Werror build (build-test/): the unit tests, the corpus of
#             each fuzz harness, contrib's rules;
#   sanitize  an ASan+UBSan build (clang, build-sanitize/) that aborts at
#             the first report, leaks included: the same tests, and every
#             end-to-end test (real systemd user manager, real Postfix,
#             Dovecot, ..., all sandboxed), where the sandbox turns a report
#             of any process inside it (mailsupd run as a unit too) into a
#             failure. The end-to-end tests run once, here: they wait on
#             real daemons far more than they compute, so a second run
#             against the plain build would double CI's time for little;
#             the plain build's daemon runs end to end in the package step;
#   fuzz      each libFuzzer harness (clang, build-fuzz/) for FUZZ_SECONDS
#             (default 20) over its corpus (tests/fuzz/README.md);
#   package   build, lint, install, run and purge the .deb (tests/pkg/deb.sh;
#             not when test names are given).
# The suite "pending" (tests of work not landed yet) never runs.
# Arguments are test names for the plain and sanitize steps (then both run
# them, end-to-end tests included). Ends with one
# line "tests: N passed, N failed, N skipped" over every step, and exits
# non-zero when anything failed.

# The steps run through step() "$@", which the linter cannot follow (SC2317).
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
        echo "tests/run.sh: run as root (it installs packages and starts a sandboxed systemd)" >&2
        exit 1
fi

bash tests/install-deps.sh

# setup BUILDDIR MESON_OPTIONS...: configure (or reconfigure) with -Werror.
setup() {
        local dir=$1
        shift
        if [ -d "$dir" ]; then
                meson setup --reconfigure --werror "$@" "$dir" >/dev/null
        else
                meson setup --werror "$@" "$dir" >/dev/null
        fi
}

status=0
summaries=()
# step NAME BUILDDIR COMMAND...: run COMMAND, count BUILDDIR's test log as
# NAME's results (a step that failed before testing counts one failure).
step() {
        local name=$1 dir=$2 start=$SECONDS rc=0
        shift 2
        echo "==== $name"
        rm -f "$dir/meson-logs/testlog.json"
        "$@" || rc=$?
        ((rc == 0)) || status=1
        summaries+=("$name" "$dir/meson-logs/testlog.json" "$rc" "$((SECONDS - start))")
}

plain() {
        local only=()
        (($# > 0)) || only=(--no-suite e2e)
        setup build-test &&
                meson compile -C build-test &&
                meson test -C build-test --print-errorlogs --no-suite pending "${only[@]}" "$@"
}

# abort_on_error: a report ends the process at once, whatever it was doing;
# print_stacktrace: UBSan's reports say where. -fno-sanitize-recover=all
# (meson.build) makes every UBSan report fatal. clang, because gcc 12's
# UBSan beside ASan ignores log_path, which the sandbox relies on; gcc's
# -Werror is the plain step's.
sanitize() {
        CC=clang setup build-sanitize -Db_sanitize=address,undefined -Db_lundef=false &&
                meson compile -C build-sanitize &&
                ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 \
                UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                meson test -C build-sanitize --print-errorlogs --timeout-multiplier 3 --no-suite pending "$@"
}

# Build, lint, install, run and purge the .deb (tests/pkg/deb.sh); its
# "package: N passed, N failed" line is its count.
package() {
        mkdir -p build-package
        bash tests/pkg/deb.sh 2>&1 | tee build-package/package.log
        return "${PIPESTATUS[0]}"
}

fuzz() {
        CC=clang setup build-fuzz -Dfuzz=true &&
                meson compile -C build-fuzz fuzzers &&
                meson test -C build-fuzz --no-rebuild --verbose --suite fuzz
}

for s in ${TEST_STEPS:-plain sanitize fuzz package}; do
        case $s in
        plain) step plain build-test plain "$@" ;;
        sanitize) step sanitize build-sanitize sanitize "$@" ;;
        fuzz) step fuzz build-fuzz fuzz ;;
        package) (($# == 0)) && step package build-package package ;;
        *) echo "tests/run.sh: unknown step '$s' in TEST_STEPS" >&2; exit 2 ;;
        esac
done

# One closing line a person (and CI) can read at a glance, after one per step.
python3 - "${summaries[@]}" <<'PY'
import json, os, re, sys
args = sys.argv[1:]
total = {"OK": 0, "FAIL": 0, "SKIP": 0}
for i in range(0, len(args), 4):
    name, log, rc, secs = args[i], args[i + 1], int(args[i + 2]), args[i + 3]
    counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
    pkglog = os.path.join(os.path.dirname(os.path.dirname(log)), "package.log")
    if name == "package" and os.path.exists(pkglog):
        for line in open(pkglog):
            m = re.match(r"package: (\d+) passed, (\d+) failed", line)
            if m:
                counts["OK"], counts["FAIL"] = int(m.group(1)), int(m.group(2))
    elif os.path.exists(log):
        for line in open(log):
            r = json.loads(line).get("result", "FAIL")
            key = r if r in counts else ("OK" if r == "EXPECTEDFAIL" else "FAIL")
            counts[key] += 1
    if rc != 0 and counts["FAIL"] == 0:
        counts["FAIL"] = 1  # it failed before or beside its tests: a build error, say
    for k in total:
        total[k] += counts[k]
    print(f"  {name} step ({secs}s): {counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
print(f"tests: {total['OK']} passed, {total['FAIL']} failed, {total['SKIP']} skipped")
PY
exit "$status"
