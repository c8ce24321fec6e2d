"""The benchmark's own small lab, the two resolvers under test, and /proc readings.

The lab
-------
``BenchLab`` is an ``nsdlab.NsdLab`` with a different server table and zones
folder (``tests/bench/zones``): three real NSD servers on the test lab's
addresses, serving bench-only copies of the root, ``root.lab.`` and ``lab.``,
plus the wildcard zone ``bench.lab.``::

    a.root.lab    127.53.0.1   .  root.lab.
    ns1.nic.lab   127.53.1.1   lab.          (delegates bench.lab.)
    ns.bench.lab  127.53.50.1  bench.lab.    (*.bench.lab. A 192.0.2.99)

The root server's name and address are the test lab's (``nsdlab.ROOT_HINTS``),
so ``nsdlab.cairn_recursion_yaml()`` and unboundlab's root hints work
unchanged.  Every TTL is a day: nothing learnt while warming up expires during
a run.  The test lab itself (tests/lab/zones, nsdlab.SERVERS) is not touched;
as both use port 53 on the same addresses, the bench and ``make check`` cannot
run at the same time (NsdServer.launch says so if they try).

The resolvers
-------------
* cairnd (labutil.Daemon): one worker, ``cache.size`` 64M (the default),
  log-level warning, the lab's root hints, query-loopback.  Everything else is
  cairnd's default (QNAME minimisation on, 0x20 on).  No DNSSEC yet.
* unbound (unboundlab.Unbound, Debian's): the lab comparison's settings
  (num-threads 1, iterator only - no trust anchor, the lab is unsigned -,
  qname-minimisation yes, prefetch no, minimal-responses yes) plus
  ``msg-cache-size`` + ``rrset-cache-size`` = cairnd's cache size, split 1:2
  as unbound's own defaults are (4m and 8m), and ``use-caps-for-id: yes`` to
  match cairnd's default 0x20.

Every wait is bounded; only processes started here are signalled, by their id.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parents[1]
sys.path.insert(0, str(REPO / "tests" / "lab"))

import labutil  # noqa: E402
import nsdlab  # noqa: E402
import unboundlab  # noqa: E402

ZONES_DIR = BENCH_DIR / "zones"
BENCH_ZONE = "bench.lab."

# (name, address, zones it serves, other names that point at this address)
SERVERS = [
    ("a.root.lab", "127.53.0.1", [".", "root.lab."], []),
    ("ns1.nic.lab", "127.53.1.1", ["lab."], []),
    ("ns.bench.lab", "127.53.50.1", [BENCH_ZONE], []),
]

CACHE_SIZE = 64 << 20  # bytes; cairnd's cache.size default, "64M" (M = 1024 * 1024)


def _cache_size_text(size):
    for suffix, unit in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size % unit == 0:
            return "%d%s" % (size // unit, suffix)
    return str(size)


class BenchLab(nsdlab.NsdLab):
    """NsdLab with the benchmark's servers and zones; no query capture."""

    def __init__(self):
        super().__init__(zones_dir=ZONES_DIR, capture=False)
        self.servers = [
            nsdlab.NsdServer(name, address, zones, aliases, self.nsd_binary)
            for name, address, zones, aliases in SERVERS
        ]

    def pids(self):
        """Every live process of every nsd (main process and its helpers)."""
        pids = []
        for server in self.servers:
            if server.proc is not None:
                pids += process_group_members(server.proc.pid)
        return pids


class BenchUnbound(unboundlab.Unbound):
    """unboundlab's unbound with the cache sized like cairnd's, and 0x20 on."""

    def __init__(self, workdir, port, cache_size=CACHE_SIZE):
        super().__init__(workdir, port, nsdlab.ROOT_HINTS)
        self.cache_size = cache_size

    def settings(self):
        """The server: settings the benchmark fixes, whatever unboundlab says."""
        msg = self.cache_size // 3
        return [
            ("num-threads", "1"),
            ("msg-cache-size", str(msg)),
            ("rrset-cache-size", str(self.cache_size - msg)),
            ("prefetch", "no"),
            ("qname-minimisation", "yes"),
            ("use-caps-for-id", "yes"),
        ]

    def config_text(self):
        """unboundlab's config with settings() in place of its own lines for those keys."""
        text = super().config_text()
        marker = "remote-control:"
        if marker not in text:
            raise unboundlab.UnboundError("unexpected unbound config (no %r):\n%s" % (marker, text))
        head, tail = text.split(marker, 1)
        keys = {key for key, _ in self.settings()}
        kept = [line for line in head.splitlines() if line.strip().split(":", 1)[0] not in keys]
        ours = ["    # set by tests/bench/benchlab.py (cache size: cairnd's cache.size)"]
        ours += ["    %s: %s" % item for item in self.settings()]
        return "\n".join(kept + ours) + "\n" + marker + tail

    @property
    def pid(self):
        return self.proc.pid


def cairnd_config(port, binary, cache_size=CACHE_SIZE, threads=1, control_socket=None):
    """cairnd's YAML for the bench: one listener, warnings only, lab root hints; a control
    socket only when one is asked for (never the default one in /run)."""
    text = 'server:\n  listen: ["127.0.0.1@%d"]\n  log-level: warning\n' % port
    if threads != 1:
        text += "  threads: %d\n" % threads
    text += nsdlab.cairn_recursion_yaml()
    text += "cache:\n  size: %s\n" % _cache_size_text(cache_size)
    if _has_key(binary, "dnssec:"):
        text += "dnssec:\n  validation: false\n"  # the lab is unsigned; unbound validates none
    if _has_control_socket(binary):
        text += 'control:\n  socket: "%s"\n' % (control_socket or "")
    return text


def _has_key(binary, line):
    """True if this cairnd's reference config has the line (a section it knows)."""
    try:
        r = subprocess.run([str(binary), "--print-default-config"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return line in r.stdout.splitlines()


def _has_control_socket(binary):
    """True if this cairnd knows control.socket (issue #5 adds it)."""
    try:
        r = subprocess.run(
            [str(binary), "--print-default-config"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    lines = r.stdout.splitlines()
    return "control:" in lines and any(line.strip().startswith("socket:") for line in lines)


class BenchCairnd(labutil.Daemon):
    def __init__(self, binary, workdir, port, cache_size=CACHE_SIZE, threads=1,
                 control_socket=None):
        Path(workdir).mkdir(parents=True, exist_ok=True)
        super().__init__(binary, workdir, port)
        self.binary_path = Path(binary)
        self.control_socket = control_socket
        self.write_config(raw=cairnd_config(port, binary, cache_size, threads, control_socket))

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        super().start()
        if self.control_socket:  # made after the listeners: wait for it, bounded
            deadline = time.monotonic() + 5
            while not Path(self.control_socket).exists() and time.monotonic() < deadline:
                time.sleep(0.05)

    def stats(self):
        """cairnctl stats --json on the control socket, as a dict."""
        ctl = self.binary_path.parent / "cairnctl"
        r = subprocess.run([str(ctl), "-s", str(self.control_socket), "stats", "--json"],
                           capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            raise RuntimeError("cairnctl stats failed: %s" % r.stderr)
        return json.loads(r.stdout)


def run_on_lab(tool, body, keep=False):
    """The frame of a bench script: root, a work folder, the bench lab around body.

    body(work, started) runs with the lab up; it appends every daemon it starts to started
    (each is stopped here, by its own pid) and returns the list of problems found. Prints
    them and returns the exit status: 0, 1 when there were problems, 2 when not root. The
    work folder is removed unless keep or something went wrong.
    """
    if os.geteuid() != 0:
        print("%s: needs root (the lab's NSD servers listen on port 53)" % tool)
        return 2
    work = Path(tempfile.mkdtemp(prefix="cairn-%s-" % tool))
    lab = BenchLab()
    started = []
    problems = []
    try:
        lab.start(work / "lab")
        problems += body(work, started)
    finally:
        for daemon in started:
            problems += daemon.stop()
        problems += lab.stop()
        if problems:
            problems.append("logs kept in %s" % work)
        elif not keep:
            shutil.rmtree(work, ignore_errors=True)
    for p in problems:
        print("%s: %s" % (tool, p))
    return 1 if problems else 0


# -- /proc ---------------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    text = Path("/proc/%d/stat" % pid).read_text()
    return text[text.rfind(")") + 2 :].split()  # fields from 3 (state) on


def cpu_seconds(pid):
    """utime + stime of the whole process (every thread), in seconds."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # stat fields 14 and 15


def status_kib(pid, key):
    """A "kB" line of /proc/PID/status (VmHWM, VmRSS), in KiB; None if absent."""
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def cpu_times():
    """{cpu number: (busy seconds, steal seconds)} from /proc/stat, every CPU.

    busy is user + nice + system + irq + softirq: whatever ran on the CPU,
    this benchmark's processes or others.
    """
    out = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *ticks = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        t = [int(x) for x in ticks] + [0] * 8
        user, nice, system, _idle, _iowait, irq, softirq, steal = t[:8]
        out[int(name[3:])] = ((user + nice + system + irq + softirq) / CLOCK_TICKS,
                              steal / CLOCK_TICKS)
    return out


def process_group_members(pgid):
    """PIDs of the live, non-zombie processes in process group pgid."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _stat_fields(int(entry))
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def pin(pid, cpus):
    """Set the CPU affinity of every thread of pid; returns the set each thread has.

    Threads created later inherit it from the thread that creates them.
    """
    seen = set()
    try:
        tids = [int(t) for t in os.listdir("/proc/%d/task" % pid)]
    except FileNotFoundError:
        return seen
    for tid in tids:
        try:
            os.sched_setaffinity(tid, cpus)
            seen |= os.sched_getaffinity(tid)
        except (ProcessLookupError, FileNotFoundError):
            continue
    return seen
