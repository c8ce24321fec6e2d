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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
import benchlab  # noqa: E402
import perfrun  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", 10)) / 2
MAX_WAIT_SHARE = 0.01


def measure(binary, work, started):
    port = benchlab.labutil.free_port()
    cairnd = benchlab.BenchCairnd(binary, work / "cairnd", port, threads=2,
                                  control_socket=work / "cairnd.sock")
    started.append(cairnd)
    cairnd.start()
    names = work / "hit.txt"
    bench.write_names(names, bench.hit_names())
    for n in bench.hit_names():
        bench.ask(port, n + ".")
    before = cairnd.stats()
    r = perfrun.run(port, names, SECONDS, work / "dnsperf.out", cairnd.pid, clients=8,
                    outstanding=100, timeout=2)
    after = cairnd.stats()

    def delta(key):
        return after[key] - before[key]

    hits, waits = delta("msgcache-hits"), delta("msgcache-lock-waits")
    per_thread = [delta("thread-%d-queries" % i) for i in range(2)]
    result = {
        "qps": round(r.completed / r.runtime),
        "server_cpu_per_s": round(r.server_cpu / r.runtime, 2),
        "queries_per_thread": per_thread,
        "msgcache_hits": hits,
        "msgcache_lock_waits": waits,
        "msgcache_wait_share": round(waits / hits, 5) if hits else None,
        "rrset_cache_lock_waits": delta("cache-lock-waits"),
    }
    print("contention (2 worker threads, cache hits, %g s):" % SECONDS)
    print(json.dumps(result, indent=2))
    problems = []
    if min(per_thread) == 0:
        problems.append("one worker got no queries: %r" % per_thread)
    if not hits or waits / hits > MAX_WAIT_SHARE:
        problems.append("%d of %d hits waited for a shard lock" % (waits, hits))
    return problems


def main(argv):
    binary = str(Path(argv[0] if argv else benchlab.REPO / "build" / "cairnd"))
    return benchlab.run_on_lab("contention", lambda work, started: measure(binary, work, started))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
