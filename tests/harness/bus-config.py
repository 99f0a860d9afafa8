#!/usr/bin/env python3
"""bus-config.py: a dbus-daemon config with the system bus's policy.

Usage: bus-config.py OUT LISTEN [POLICY_FILE...]

Writes OUT: Debian's /usr/share/dbus-1/system.conf (default deny, root's
rules) without what a private bus must not have (user switch, fork, pid
file, syslog, its socket, the machine's policy directories and service
helper), listening on LISTEN, with only the given POLICY_FILEs included.
Tests use it for buses "like the system bus" (ctl-privilege-walls.sh, and
the sandbox's SANDBOX_BUS_POLICY).
"""
import sys
import xml.etree.ElementTree as ET

DROP = ("user", "fork", "pidfile", "syslog", "listen", "includedir", "include",
        "standard_system_servicedirs", "servicehelper")


def main():
    out, listen, includes = sys.argv[1], sys.argv[2], sys.argv[3:]
    root = ET.parse("/usr/share/dbus-1/system.conf").getroot()
    for el in list(root):
        if el.tag in DROP:
            root.remove(el)
    ET.SubElement(root, "listen").text = listen
    for inc in includes:
        ET.SubElement(root, "include").text = inc
    with open(out, "w") as f:
        f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
                ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n')
        f.write(ET.tostring(root, encoding="unicode"))


if __name__ == "__main__":
    main()
