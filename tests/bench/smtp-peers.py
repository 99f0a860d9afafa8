#!/usr/bin/env python3
"""tests/bench/smtp-peers.py - loopback SMTP peers for the benchmark (run.sh).

Listens on COUNT TCP ports on 127.0.0.1 (ephemeral ports, chosen by the
kernel), shared out among worker processes, each a plain epoll loop.
Every HUNG_EVERY-th port (index % HUNG_EVERY == HUNG_EVERY - 1) is
"hung-capable": while the peers are in mode "hung", a new connection to such
a port is accepted and then never answered (the kernel completes the
handshake, no greeting ever comes: what a SIGSTOPped smtpd looks like).
Every other port, and every port in mode "healthy", speaks minimal SMTP:
"220" greeting, "250" to EHLO/HELO, "221" to QUIT.

Why several processes: RLIMIT_NOFILE is per process, and 10,000 ports need
a listening socket each plus a connection on each during a cycle: more
than a hard limit of 20,000 allows one process (a container cannot raise
it). Each worker holds at most (limit - 64) / 3 ports (a listening socket,
a live connection and one closing, per port), and none more than
--ports-per-process (2,500: at 10,000 checks a tool opens 10,000
connections at the start of each cycle, and 4 workers answer them on both
cores at once rather than one after another); port i goes to worker
i % WORKERS. The parent process counts and samples them together:
it is the one run.sh signals, and a snapshot asks every worker for its
counts over a pipe at the same moment.

What it counts, per port: connections accepted, and completed conversations
(an EHLO/HELO answered with 250). Counting here, at the peer, measures every
client (mailsupd, monit) the same way.

Control (by signal to the parent, handled inside its event loop, so a dump
is a consistent snapshot):
  SIGUSR1  write the stats file (JSON, atomically: tmp + rename)
  SIGUSR2  read one command from the control file and do it:
             mode healthy|hung   switch every worker, then write the stats
                                 file (its "mode" field acknowledges it)
             window SECONDS PID FILE_A FILE_B
                                 write a snapshot to FILE_A now and another
                                 to FILE_B exactly SECONDS later (timed by
                                 this loop, so a window is an exact multiple
                                 of the tool's cycle); each snapshot also
                                 samples process PID (the tool under test):
                                 utime+stime, sum_exec_runtime, VmRSS,
                                 VmHWM, RssAnon, PSS (smaps_rollup), open
                                 fds, at that moment
  SIGTERM/SIGINT  write the stats file and exit (the workers exit with it)
A snapshot holds: seq, time (CLOCK_MONOTONIC seconds), mode, ports,
hung_capable (indexes), ehlo and accepted (per index), hung_open (hung
connections the client has not closed yet), open (connections open now,
all workers), max_open (the most open at once in one worker), fd_limit and
workers, cpu (user+system seconds of all the peer processes), cpu_workers
(each worker's) and tool (the sample of PID, or null).

When every port listens it writes the ports file (JSON: pid, ports,
hung_capable, workers, fd_limit) atomically; run.sh waits for it.
"""

import argparse
import asyncio
import json
import os
import resource
import select
import signal
import socket
import sys
import time

GREETING = b"220 peer.bench.invalid ESMTP mailsup-bench\r\n"
EHLO_REPLY = b"250-peer.bench.invalid\r\n250 8BITMIME\r\n"
QUIT_REPLY = b"221 2.0.0 bye\r\n"
OK_REPLY = b"250 2.0.0 ok\r\n"
UNKNOWN_REPLY = b"502 5.5.2 command not recognized\r\n"
LINE_MAX = 4096
FDS_SPARE = 64  # the worker's own: pipes, epoll, std streams, files
PORTS_PER_PROCESS = 2500


# ------------------------------------------------------------------ worker ---
class Shard:
    """One worker's ports: counters by local index (port i = indexes[k])."""

    def __init__(self, indexes, hung_capable):
        self.indexes = indexes
        self.hung = [i in hung_capable for i in indexes]
        self.mode = "healthy"
        self.ehlo = [0] * len(indexes)
        self.accepted = [0] * len(indexes)
        self.hung_open = 0
        self.open = 0
        self.max_open = 0

    def counts(self):
        t = os.times()
        return {"ehlo": self.ehlo, "accepted": self.accepted, "hung_open": self.hung_open,
                "open": self.open, "max_open": self.max_open, "cpu": t.user + t.system}


def serve_line(fd, line, shard, k):
    """Answer one command line; False when the conversation is over (QUIT)."""
    verb = line.strip()[:4].upper()
    if verb in (b"EHLO", b"HELO"):
        os.write(fd, EHLO_REPLY if verb == b"EHLO" else OK_REPLY)
        shard.ehlo[k] += 1
    elif verb == b"QUIT":
        os.write(fd, QUIT_REPLY)
        return False
    elif verb in (b"RSET", b"NOOP"):
        os.write(fd, OK_REPLY)
    else:
        os.write(fd, UNKNOWN_REPLY)
    return True


def listen_all(shard, ep, listeners):
    """A listening socket on a kernel-chosen port for each of the shard's indexes."""
    ports = []
    for k in range(len(shard.indexes)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(512)
        s.setblocking(False)
        listeners[s.fileno()] = (s, k)
        ep.register(s.fileno(), select.EPOLLIN)
        ports.append(s.getsockname()[1])
    return ports


class Worker:
    """One worker's loop: plain epoll on raw fds. asyncio's transports cost
    several times the CPU per conversation, and at 10,000 checks every 2 s
    the peers must not be what limits the tools."""

    def __init__(self, ctl, shard):
        self.ctl, self.shard = ctl, shard
        self.ep = select.epoll()
        self.listeners = {}  # fd -> (socket, local index)
        self.conns = {}  # fd -> [local index, pending input, hung]
        self.ctl_buf = b""

    def close(self, fd):
        _, _, hung = self.conns.pop(fd)
        self.ep.unregister(fd)
        os.close(fd)
        self.shard.open -= 1
        if hung:
            self.shard.hung_open -= 1

    def accept(self, fd):
        s, k = self.listeners[fd]
        shard = self.shard
        try:
            cfd, _ = s._accept()
        except OSError:
            return  # gone already (ECONNABORTED), or EMFILE: tried again next time
        os.set_blocking(cfd, False)
        hung = shard.mode == "hung" and shard.hung[k]
        self.conns[cfd] = [k, b"", hung]
        self.ep.register(cfd, select.EPOLLIN)
        shard.accepted[k] += 1
        shard.open += 1
        shard.max_open = max(shard.max_open, shard.open)
        if hung:
            shard.hung_open += 1  # accept, then never say a word
        else:
            os.write(cfd, GREETING)

    def converse(self, fd):
        conn = self.conns[fd]
        k, buf, hung = conn
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            self.close(fd)
            return
        if hung:
            return  # read and drop: a hung peer never answers
        buf += data
        alive = True
        while alive and (nl := buf.find(b"\n")) >= 0:
            try:
                alive = serve_line(fd, buf[:nl], self.shard, k)
            except OSError:
                alive = False  # the client went, or does not read what it asked for
            buf = buf[nl + 1 :]
        conn[1] = buf
        if not alive or len(buf) > LINE_MAX:
            self.close(fd)

    def command(self):
        """Commands from the parent; False at EOF (the parent is gone)."""
        data = self.ctl.recv(65536)
        if not data:
            return False
        self.ctl_buf += data
        while (nl := self.ctl_buf.find(b"\n")) >= 0:
            words, self.ctl_buf = self.ctl_buf[:nl].split(), self.ctl_buf[nl + 1 :]
            if words[:1] == [b"mode"]:
                self.shard.mode = words[1].decode()
            # "snap", and the ack of "mode"
            self.ctl.sendall(json.dumps(self.shard.counts()).encode() + b"\n")
        return True

    def run(self):
        """Listen on the shard's ports, say which, then serve until EOF from the parent."""
        try:
            ports = listen_all(self.shard, self.ep, self.listeners)
        except OSError as e:
            msg = f"listening on port {len(self.listeners) + 1} of {len(self.shard.indexes)}: {e}"
            self.ctl.sendall(json.dumps({"error": msg}).encode() + b"\n")
            return
        self.ctl.sendall(json.dumps({"ports": ports}).encode() + b"\n")
        ctl_fd = self.ctl.fileno()
        self.ep.register(ctl_fd, select.EPOLLIN)
        while True:
            for fd, _ in self.ep.poll():
                if fd in self.conns:
                    self.converse(fd)
                elif fd in self.listeners:
                    self.accept(fd)
                elif fd == ctl_fd and not self.command():
                    return


def start_worker(indexes, hung_capable, inherited):
    """Fork a worker for these port indexes; returns (pid, the parent's socket).
    INHERITED: the parent's sockets to earlier workers, closed in the child
    (each worker must see EOF when the parent goes)."""
    parent_end, child_end = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            parent_end.close()
            for s in inherited:
                s.close()
            # run.sh signals the parent; a Ctrl-C to the group is the parent's too
            for sig in (signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2):
                signal.signal(sig, signal.SIG_IGN)
            Worker(child_end, Shard(indexes, hung_capable)).run()
        except BaseException as e:  # noqa: B036 - a child must never return into the parent's code
            print(f"smtp-peers worker: {e!r}", file=sys.stderr)
            code = 1
        os._exit(code)
    child_end.close()
    return pid, parent_end


# ------------------------------------------------------------------ parent ---
class Peers:
    """The parent: every worker's counts as one set, in port index order."""

    def __init__(self, count, hung_capable, stats_file, control_file, fd_limit):
        self.count = count
        self.hung_capable = hung_capable
        self.stats_file = stats_file
        self.control_file = control_file
        self.fd_limit = fd_limit
        self.mode = "healthy"
        self.ports = [0] * count
        self.workers = []  # (indexes, reader, writer)
        self.lock = asyncio.Lock()  # one exchange with the workers at a time
        self.seq = 0
        self.tasks = set()

    async def add_worker(self, indexes, sock):
        """Take a started worker: wait until its ports listen."""
        reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 24)
        self.workers.append((indexes, reader, writer))
        reply = await self.receive(reader)
        if "error" in reply:
            raise RuntimeError(f"worker {len(self.workers)}: {reply['error']}")
        for i, port in zip(indexes, reply["ports"]):
            self.ports[i] = port

    @staticmethod
    async def receive(reader):
        line = await reader.readline()
        if not line:
            raise RuntimeError("a worker exited (see above)")
        return json.loads(line)

    async def ask(self, command):
        """Send COMMAND to every worker at once; their replies, merged."""
        for _, _, w in self.workers:
            w.write(command.encode() + b"\n")
        replies = await asyncio.gather(*(self.receive(r) for _, r, _ in self.workers))
        ehlo, accepted = [0] * self.count, [0] * self.count
        for (indexes, _, _), rep in zip(self.workers, replies):
            for k, i in enumerate(indexes):
                ehlo[i] = rep["ehlo"][k]
                accepted[i] = rep["accepted"][k]
        t = os.times()
        return {
            "ehlo": ehlo,
            "accepted": accepted,
            "hung_open": sum(rep["hung_open"] for rep in replies),
            "open": sum(rep["open"] for rep in replies),
            "max_open": max(rep["max_open"] for rep in replies),
            "cpu": t.user + t.system + sum(rep["cpu"] for rep in replies),
            "cpu_workers": [rep["cpu"] for rep in replies],
        }

    async def write_stats(self, path=None, tool_pid=None, command="snap"):
        async with self.lock:
            counts = await self.ask(command)
            now = time.monotonic()
            tool = sample_process(tool_pid) if tool_pid else None
            self.seq += 1
            data = {"seq": self.seq, "time": now, "mode": self.mode, "ports": self.ports,
                    "hung_capable": sorted(self.hung_capable), "workers": len(self.workers),
                    "fd_limit": self.fd_limit, **counts, "tool": tool}
            path = path or self.stats_file
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(data, f)
            os.rename(tmp, path)

    def spawn(self, coro):
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.done)

    def done(self, task):
        self.tasks.discard(task)
        if not task.cancelled() and task.exception():
            # run.sh then waits in vain for a file: say why in peers.log
            print(f"smtp-peers: {task.exception()!r}", file=sys.stderr, flush=True)

    def control(self):
        try:
            with open(self.control_file) as f:
                words = f.read().split()
        except OSError as e:
            print(f"smtp-peers: cannot read {self.control_file}: {e}", file=sys.stderr)
            return
        if len(words) == 2 and words[0] == "mode" and words[1] in ("healthy", "hung"):
            self.mode = words[1]
            self.spawn(self.write_stats(command=f"mode {words[1]}"))
        elif len(words) == 5 and words[0] == "window":
            seconds, pid, file_a, file_b = float(words[1]), int(words[2]), words[3], words[4]
            loop = asyncio.get_running_loop()
            start = loop.time()
            self.spawn(self.write_stats(file_a, pid))
            loop.call_at(start + seconds, lambda: self.spawn(self.write_stats(file_b, pid)))
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


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as e:
            print(f"smtp-peers: cannot raise RLIMIT_NOFILE to {hard}: {e}", file=sys.stderr)
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def plan_workers(count, fd_limit, per_process):
    """How many workers: enough for the fd limit and for --ports-per-process."""
    if fd_limit != resource.RLIM_INFINITY:
        per_process = min(per_process, max(1, (fd_limit - FDS_SPARE) // 3))
    return max(1, -(-count // per_process))


async def main(args, fd_limit, hung_capable, started):
    peers = Peers(args.count, hung_capable, args.stats_file, args.control_file, fd_limit)
    try:
        for indexes, sock in started:
            await peers.add_worker(indexes, sock)
    except (RuntimeError, OSError, ValueError) as e:
        print(f"smtp-peers: {e}", file=sys.stderr)
        return 1

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, lambda: peers.spawn(peers.write_stats()))
    loop.add_signal_handler(signal.SIGUSR2, peers.control)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    tmp = args.ports_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"pid": os.getpid(), "ports": peers.ports, "hung_capable": sorted(hung_capable),
                   "workers": len(started), "fd_limit": fd_limit}, f)
    os.rename(tmp, args.ports_file)

    await stop.wait()
    try:
        await peers.write_stats()
    except (RuntimeError, ValueError) as e:
        print(f"smtp-peers: {e}", file=sys.stderr)
    return 0


def run(args):
    """Fork the workers (before any event loop), then count them together."""
    fd_limit = raise_fd_limit()
    hung_capable = set(i for i in range(args.count)
                       if args.hung_every > 0 and i % args.hung_every == args.hung_every - 1)
    nworkers = plan_workers(args.count, fd_limit, args.ports_per_process)
    pids, started = [], []
    try:
        for w in range(nworkers):
            indexes = list(range(w, args.count, nworkers))
            pid, sock = start_worker(indexes, hung_capable, [s for _, s in started])
            pids.append(pid)
            started.append((indexes, sock))
        return asyncio.run(main(args, fd_limit, hung_capable, started))
    finally:
        for _, sock in started:
            sock.close()  # EOF on its pipe ends a worker
        for pid in pids:
            os.waitpid(pid, 0)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="loopback SMTP peers, some of them hung, for the benchmark")
    ap.add_argument("--count", type=int, required=True, help="number of ports")
    ap.add_argument("--hung-every", type=int, default=5, help="every Nth port can go hung (0: none)")
    ap.add_argument("--ports-per-process", type=int, default=PORTS_PER_PROCESS,
                    help=f"at most this many ports in one worker process ({PORTS_PER_PROCESS})")
    ap.add_argument("--ports-file", required=True, help="written (JSON) once every port listens")
    ap.add_argument("--stats-file", required=True, help="written (JSON) on SIGUSR1, SIGUSR2 and exit")
    ap.add_argument("--control-file", required=True, help="read on SIGUSR2: a command (see above)")
    a = ap.parse_args()
    if a.count < 1 or a.ports_per_process < 1:
        ap.error("--count and --ports-per-process must be at least 1")
    sys.exit(run(a))
