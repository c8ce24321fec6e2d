#!/usr/bin/python3
"""Lock contention of the shared caches (issue #5): two worker threads answering cache hits.

cairnd runs with ``server.threads: 2`` on both CPUs, 1000 names pre-warmed;
dnsperf (8 client sockets, so the kernel spreads them over both workers'
SO_REUSEPORT sockets) asks them for a few seconds. The caches count every
lock that was found taken by the other thread (``msgcache-lock-waits``,
``cache-lock-waits`` in ``cairnctl stats``); the script prints them against
the hits. On a 2-CPU machine dnsperf shares the CPUs with the workers, so the
figures say how often threads meet on a shard, not how fast they are.

Usage: part of ``make bench`` (root). Exits 1 when a worker got no queries or
more than 1% of message cache hits waited for a lock.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
import benchlab  # noqa: E402
import perfrun  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", 10)) / 2
MAX_WAIT_SHARE = 0.01


def stats(binary, sock):
    ctl = Path(binary).parent / "cairnctl"
    r = subprocess.run([str(ctl), "-s", str(sock), "stats", "--json"], capture_output=True,
                       text=True, timeout=10)
    if r.returncode != 0:
        raise RuntimeError("cairnctl stats failed: %s" % r.stderr)
    return json.loads(r.stdout)


def main(argv=None):
    binary = str(Path(argv[0] if argv else benchlab.REPO / "build" / "cairnd"))
    if os.geteuid() != 0:
        print("contention: needs root (the lab's NSD servers listen on port 53)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="cairn-contention-"))
    lab = benchlab.BenchLab()
    cairnd = None
    problems = []
    try:
        lab.start(work / "lab")
        port = benchlab.labutil.free_port()
        sock = work / "cairnd.sock"
        cairnd = benchlab.BenchCairnd(binary, work / "cairnd", port)
        text = benchlab.cairnd_config(port, binary)
        text = text.replace('socket: ""', 'socket: "%s"' % sock)
        text = text.replace("  log-level: warning\n", "  log-level: warning\n  threads: 2\n")
        cairnd.config_path.write_text(text)
        cairnd.start()
        deadline = time.monotonic() + 5
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        names = work / "hit.txt"
        bench.write_names(names, bench.hit_names())
        for n in bench.hit_names():
            bench.ask(port, n + ".")
        before = stats(binary, sock)
        r = perfrun.run(port, names, SECONDS, work / "dnsperf.out", cairnd.pid, clients=8,
                        outstanding=100, timeout=2)
        after = stats(binary, sock)
        hits = after["msgcache-hits"] - before["msgcache-hits"]
        waits = after["msgcache-lock-waits"] - before["msgcache-lock-waits"]
        rr_waits = after["cache-lock-waits"] - before["cache-lock-waits"]
        per_thread = [after["thread-%d-queries" % i] - before["thread-%d-queries" % i]
                      for i in range(2)]
        result = {
            "qps": round(r.completed / r.runtime),
            "server_cpu_per_s": round(r.server_cpu / r.runtime, 2),
            "queries_per_thread": per_thread,
            "msgcache_hits": hits,
            "msgcache_lock_waits": waits,
            "msgcache_wait_share": round(waits / hits, 5) if hits else None,
            "rrset_cache_lock_waits": rr_waits,
        }
        print("contention (2 worker threads, cache hits, %g s):" % SECONDS)
        print(json.dumps(result, indent=2))
        if min(per_thread) == 0:
            problems.append("one worker got no queries: %r" % per_thread)
        if not hits or waits / hits > MAX_WAIT_SHARE:
            problems.append("%d of %d hits waited for a shard lock" % (waits, hits))
    finally:
        if cairnd is not None:
            problems += cairnd.stop()
        problems += lab.stop()
        if not problems:
            shutil.rmtree(work, ignore_errors=True)
        else:
            problems.append("logs kept in %s" % work)
    for p in problems:
        print("contention: %s" % p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
