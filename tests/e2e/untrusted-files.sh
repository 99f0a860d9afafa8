#!/usr/bin/env bash
# Trust, as sshd's StrictModes does: mailsupd runs as root and does what its
# config says, so a config file, a drop-in directory or a program check's
# executable that another user can change is refused with FILE: message
# (FILE:LINE for a command), and so is a state directory that is not
# mailsupd's own. A program check, run by the real daemon, sees only fds
# 0-2 and PATH and LANG.
source "$(dirname "$0")/lib.sh"
sandbox_reexec "$@"

write_config "interval = 1s
timeout = 900ms

[check probe]
type = program
command = $SANDBOX_DIR/bin/show.py
action = none"
conf=$MAILSUPD_CONF
mkdir -m 0755 "$SANDBOX_DIR/bin"
cat >"$SANDBOX_DIR/bin/show.py" <<'PY'
#!/usr/bin/python3
# Every fd this process has open, and the environment it was started with.
import os
fds = []
for fd in range(1024):
    try:
        os.fstat(fd)
        fds.append(fd)
    except OSError:
        pass
env = open("/proc/self/environ", "rb").read().split(b"\0")
print("fds:", *fds, "env:", *sorted(e.decode() for e in env if e))
PY
chmod 0755 "$SANDBOX_DIR/bin/show.py"

# refused TEXT: mailsupd --check-config fails and prints exactly the line TEXT
refused() {
	local out rc
	set +e
	out=$("$MAILSUPD" --config "$conf" --check-config 2>&1)
	rc=$?
	set -e
	[[ $rc != 0 ]] || fail "--check-config accepted it: $out"
	grep -qxF "$1" <<<"$out" || fail "expected: $1
got: $out"
}

"$MAILSUPD" --config "$conf" --check-config >/dev/null || fail "the trusted config is refused"
chmod 0666 "$conf"
refused "$conf: not trusted: $conf is writable by everyone (mode 0666)"
chmod 0644 "$conf"
mkdir -m 0777 "$conf.d"
refused "$conf.d: not trusted: $conf.d is writable by everyone (mode 0777)"
rmdir "$conf.d"
chown 65534 "$SANDBOX_DIR/bin/show.py"
refused "$conf:9: command '$SANDBOX_DIR/bin/show.py' is not trusted: $SANDBOX_DIR/bin/show.py is owned by uid 65534, not by root in [check probe]"
chown 0 "$SANDBOX_DIR/bin/show.py"
chmod 0777 "$SANDBOX_DIR/bin"
refused "$conf:9: command '$SANDBOX_DIR/bin/show.py' is not trusted: $SANDBOX_DIR/bin is writable by everyone (mode 0777) in [check probe]"
chmod 0755 "$SANDBOX_DIR/bin"
pass "a config file, a drop-in directory and an executable others can change are refused, FILE: message"

# A state directory that is not mailsupd's own: the daemon does not start.
mkdir -m 0700 "$SANDBOX_DIR/state"
chown 65534 "$SANDBOX_DIR/state"
sandbox_install_unit mailsupd-bad.service "[Service]
Type=notify
ExecStart=$MAILSUPD --config $conf
StandardError=append:$SANDBOX_DIR/bad.log
"
! systemctl --user start mailsupd-bad.service 2>/dev/null || fail "mailsupd started on another user's state directory"
grep -qF "state_directory $SANDBOX_DIR/state is refused: $SANDBOX_DIR/state is owned by uid 65534, not by mailsupd's user (uid 0)" \
	"$SANDBOX_DIR/bad.log" || fail "no clear message: $(cat "$SANDBOX_DIR/bad.log")"
chown 0 "$SANDBOX_DIR/state"
chmod 0770 "$SANDBOX_DIR/state"
systemctl --user reset-failed mailsupd-bad.service 2>/dev/null || true
! systemctl --user start mailsupd-bad.service 2>/dev/null || fail "mailsupd started on a group-writable state directory"
grep -qF "state_directory $SANDBOX_DIR/state is refused: $SANDBOX_DIR/state is writable by its group (mode 0770)" \
	"$SANDBOX_DIR/bad.log" || fail "no clear message: $(cat "$SANDBOX_DIR/bad.log")"
chmod 0700 "$SANDBOX_DIR/state"
pass "a state directory owned by another user, or writable by its group, stops the start with the reason"

# The real daemon runs the check: only fds 0-2, only PATH and LANG.
start_mailsupd
want="exited 0: fds: 0 1 2 env: LANG=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
wait_for '"$MAILSUPCTL" --user status probe | grep -qF "$want"' 20 "the program's report" ||
	fail "the program saw more: $("$MAILSUPCTL" --user status probe 2>&1)"
pass "a program check run by mailsupd sees fds 0 1 2 and PATH, LANG only"
