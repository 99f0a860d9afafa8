#!/usr/bin/env python3
"""tests/bench/smtp-peers.py - loopback SMTP peers for the benchmark (run.sh).

Listens on COUNT TCP ports on 127.0.0.1 (ephemeral ports, chosen by the
kernel) in one asyncio process. Every HUNG_EVERY-th port (index % HUNG_EVERY
== HUNG_EVERY - 1) is "hung-capable": while the peers are in mode "hung",
a new connection to such a port is accepted and then never answered (the
kernel completes the handshake, no greeting ever comes: what a SIGSTOPped
smtpd looks like). Every other port, and every port in mode "healthy",
speaks minimal SMTP: "220" greeting, "250" to EHLO/HELO, "221" to QUIT.

What it counts, per port: connections accepted, and completed conversations
(an EHLO/HELO answered with 250). Counting here, at the peer, measures every
client (mailsupd, monit) the same way.

Control (by signal, handled inside the event loop, so a dump is a
consistent snapshot):
  SIGUSR1  write the stats file (JSON, atomically: tmp + rename)
  SIGUSR2  read one command from the control file and do it:
             mode healthy|hung   switch, then write the stats file (its
                                 "mode" field acknowledges the switch)
             window SECONDS PID FILE_A FILE_B
                                 write a snapshot to FILE_A now and another
                                 to FILE_B exactly SECONDS later (timed by
                                 this loop, so a window is an exact multiple
                                 of the tool's cycle); each snapshot also
                                 samples process PID (the tool under test):
                                 utime+stime, sum_exec_runtime, VmRSS,
                                 VmHWM, RssAnon, PSS (smaps_rollup), open
                                 fds, at that moment
  SIGTERM/SIGINT  write the stats file and exit
A snapshot holds: seq, time (CLOCK_MONOTONIC seconds), mode, ports,
hung_capable (indexes), ehlo and accepted (per index), hung_open (hung
connections the client has not closed yet), open and max_open (connections
open now, and at most), cpu (this process' user+system seconds) and tool
(the sample of PID, or null).

When every port listens it writes the ports file (JSON: pid, ports,
hung_capable) atomically; run.sh waits for it.
"""

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import time

GREETING = b"220 peer.bench.invalid ESMTP mailsup-bench\r\n"
EHLO_REPLY = b"250-peer.bench.invalid\r\n250 8BITMIME\r\n"
QUIT_REPLY = b"221 2.0.0 bye\r\n"
OK_REPLY = b"250 2.0.0 ok\r\n"
UNKNOWN_REPLY = b"502 5.5.2 command not recognized\r\n"
LINE_MAX = 4096


class Peers:
    def __init__(self, count, hung_every, stats_file, control_file):
        self.count = count
        self.hung_capable = set(
            i for i in range(count) if hung_every > 0 and i % hung_every == hung_every - 1
        )
        self.stats_file = stats_file
        self.control_file = control_file
        self.mode = "healthy"
        self.ports = []
        self.ehlo = [0] * count
        self.accepted = [0] * count
        self.hung_open = 0
        self.open = 0
        self.max_open = 0
        self.seq = 0

    def write_stats(self, path=None, tool_pid=None):
        self.seq += 1
        now = time.monotonic()
        tool = sample_process(tool_pid) if tool_pid else None
        t = os.times()
        data = {
            "seq": self.seq,
            "time": now,
            "mode": self.mode,
            "ports": self.ports,
            "hung_capable": sorted(self.hung_capable),
            "ehlo": self.ehlo,
            "accepted": self.accepted,
            "hung_open": self.hung_open,
            "open": self.open,
            "max_open": self.max_open,
            "cpu": t.user + t.system,
            "tool": tool,
        }
        path = path or self.stats_file
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.rename(tmp, path)

    def control(self):
        try:
            with open(self.control_file) as f:
                words = f.read().split()
        except OSError as e:
            print(f"smtp-peers: cannot read {self.control_file}: {e}", file=sys.stderr)
            return
        if len(words) == 2 and words[0] == "mode" and words[1] in ("healthy", "hung"):
            self.mode = words[1]
            self.write_stats()
        elif len(words) == 5 and words[0] == "window":
            seconds, pid, file_a, file_b = float(words[1]), int(words[2]), words[3], words[4]
            loop = asyncio.get_running_loop()
            start = loop.time()
            self.write_stats(file_a, pid)
            loop.call_at(start + seconds, self.write_stats, file_b, pid)
        else:
            print(f"smtp-peers: unknown command {' '.join(words)!r} ignored", file=sys.stderr)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def sample_process(pid):
    """CPU, memory and fds of process PID now, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        exec_ms = 0.0
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/sched") as f:
                    for line in f:
                        if line.startswith("se.sum_exec_runtime"):
                            exec_ms += float(line.split(":")[1])
            except OSError:
                pass  # a thread that just ended, or no CONFIG_SCHED_DEBUG
        status = {}
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "RssAnon"):
                    status[key] = int(value.split()[0])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        pss = 0
        try:  # shared libraries counted by their share: what the tool really costs
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1])
        except OSError:
            pass  # a kernel without smaps_rollup (before 4.14)
    except (OSError, ValueError, IndexError):
        return None
    return {
        "pid": pid,
        # fields after "pid (comm) ": [0] is state (field 3); utime, stime are 14, 15
        "cpu_ticks": int(fields[11]) + int(fields[12]),
        "clk_tck": CLK_TCK,
        "exec_ms": exec_ms,
        "rss_kb": status.get("VmRSS", 0),
        "hwm_kb": status.get("VmHWM", 0),
        "anon_kb": status.get("RssAnon", 0),
        "pss_kb": pss,
        "fds": fds,
    }


class Conversation(asyncio.Protocol):
    __slots__ = ("peers", "index", "transport", "buf", "hung")

    def __init__(self, peers, index):
        self.peers = peers
        self.index = index
        self.transport = None
        self.buf = b""
        self.hung = False

    def connection_made(self, transport):
        p = self.peers
        self.transport = transport
        p.accepted[self.index] += 1
        p.open += 1
        if p.open > p.max_open:
            p.max_open = p.open
        if p.mode == "hung" and self.index in p.hung_capable:
            self.hung = True  # accept, then never say a word
            p.hung_open += 1
            return
        transport.write(GREETING)

    def data_received(self, data):
        if self.hung:
            return  # read and drop: a hung peer never answers
        self.buf += data
        while True:
            nl = self.buf.find(b"\n")
            if nl < 0:
                if len(self.buf) > LINE_MAX:
                    self.transport.close()
                    self.buf = b""
                return
            line, self.buf = self.buf[:nl], self.buf[nl + 1 :]
            verb = line.strip()[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.transport.write(EHLO_REPLY if verb == b"EHLO" else OK_REPLY)
                self.peers.ehlo[self.index] += 1
            elif verb == b"QUIT":
                self.transport.write(QUIT_REPLY)
                self.transport.close()
                self.buf = b""
                return
            elif verb in (b"RSET", b"NOOP"):
                self.transport.write(OK_REPLY)
            else:
                self.transport.write(UNKNOWN_REPLY)

    def connection_lost(self, exc):
        self.peers.open -= 1
        if self.hung:
            self.peers.hung_open -= 1


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as e:
            print(f"smtp-peers: cannot raise RLIMIT_NOFILE to {hard}: {e}", file=sys.stderr)
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def main(args):
    peers = Peers(args.count, args.hung_every, args.stats_file, args.control_file)
    limit = raise_fd_limit()
    need = 2 * args.count + 64
    if limit != resource.RLIM_INFINITY and limit < need:
        print(f"smtp-peers: RLIMIT_NOFILE {limit} is low for {args.count} ports (want {need})", file=sys.stderr)

    loop = asyncio.get_running_loop()
    servers = []
    for i in range(args.count):
        srv = await loop.create_server(
            lambda i=i: Conversation(peers, i), "127.0.0.1", 0, backlog=512, reuse_address=True
        )
        servers.append(srv)
        peers.ports.append(srv.sockets[0].getsockname()[1])

    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, peers.write_stats)
    loop.add_signal_handler(signal.SIGUSR2, peers.control)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    tmp = args.ports_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"pid": os.getpid(), "ports": peers.ports, "hung_capable": sorted(peers.hung_capable)}, f)
    os.rename(tmp, args.ports_file)

    await stop.wait()
    peers.write_stats()
    for srv in servers:
        srv.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="loopback SMTP peers, some of them hung, for the benchmark")
    ap.add_argument("--count", type=int, required=True, help="number of ports")
    ap.add_argument("--hung-every", type=int, default=5, help="every Nth port can go hung (0: none)")
    ap.add_argument("--ports-file", required=True, help="written (JSON) once every port listens")
    ap.add_argument("--stats-file", required=True, help="written (JSON) on SIGUSR1, SIGUSR2 and exit")
    ap.add_argument("--control-file", required=True, help="read on SIGUSR2: a command (see above)")
    asyncio.run(main(ap.parse_args()))
