#!/usr/bin/python3
"""Memory benchmark (issue #5): millions of unique names through a small cache.

cairnd (one worker, ``cache.size: 16M``) resolves 2,000,000 names never asked
before (``m-NNNNNNN.bench.lab``, each one upstream query to the bench lab's
wildcard zone) with dnsperf going once through the list. The cache fills in
the first seconds and then evicts for the rest of the run. At the end:

* the peak resident size (``VmHWM``) must stay below ``cache.size`` plus the
  fixed overhead documented in the README (``OVERHEAD_MIB``): the process,
  libraries, buffers, allocator slack;
* the caches' own accounting (``cairnctl stats``) must be within their
  budgets (3/4 and 1/4 of ``cache.size``);
* the cache must still answer: a name asked twice is answered the second time
  from the message cache, without a new resolution.

Usage: ``make bench-memory`` (root; part of ``make bench``), or
``tests/bench/membench.py --names 200000`` for a quicker look. Prints the
figures and writes them as JSON (``build/membench.json``); exits 1 when a
bound is not met. Everything it starts it stops, by process id.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlab  # noqa: E402
import perfrun  # noqa: E402

import dns.message  # noqa: E402
import dns.query  # noqa: E402

CACHE_SIZE = 16 << 20
OVERHEAD_MIB = 12  # documented in README (Performance, memory): peak RSS <= cache.size + this
RUN_LIMIT_S = 900  # dnsperf stops after this long whatever is left


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--names", type=int, default=int(os.environ.get("MEMBENCH_NAMES", 2000000)))
    p.add_argument("--cairnd", default=str(benchlab.REPO / "build" / "cairnd"))
    p.add_argument("--json", default=str(benchlab.REPO / "build" / "membench.json"))
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    return p.parse_args(argv)


def ask(port, qname):
    q = dns.message.make_query(qname, "A")
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=3.0)


def measure(args, work, started):
    port = benchlab.labutil.free_port()
    cairnd = benchlab.BenchCairnd(args.cairnd, work / "cairnd", port, cache_size=CACHE_SIZE,
                                  control_socket=work / "cairnd.sock")
    started.append(cairnd)
    cairnd.start()
    server_cpu, client_cpu = (0, 1) if len(os.sched_getaffinity(0)) > 1 else (None, None)
    if server_cpu is not None:
        benchlab.pin(cairnd.pid, {server_cpu})
    ask(port, "warm.bench.lab.")
    start_rss = benchlab.status_kib(cairnd.pid, "VmRSS")

    names = work / "names.txt"
    with open(names, "w") as f:
        for i in range(args.names):
            f.write("m-%07d.bench.lab A\n" % i)
    print("membench: %d unique names through cache.size 16M (RSS at start %.1f MiB)"
          % (args.names, start_rss / 1024), flush=True)
    t0 = time.monotonic()
    r = perfrun.run(port, names, RUN_LIMIT_S, work / "dnsperf.out", cairnd.pid, once=True,
                    clients=4, outstanding=100, timeout=2, cpu=client_cpu)
    elapsed = time.monotonic() - t0
    st = cairnd.stats()
    before = st["answers-from-msgcache"]
    first, second = ask(port, "hit-check.bench.lab."), ask(port, "hit-check.bench.lab.")
    after = cairnd.stats()
    peak = benchlab.status_kib(cairnd.pid, "VmHWM")
    rss = benchlab.status_kib(cairnd.pid, "VmRSS")

    result = {
        "names": args.names,
        "completed": r.completed,
        "lost": r.lost,
        "seconds": round(elapsed, 1),
        "qps": round(r.completed / elapsed) if elapsed else None,
        "cache_size_mib": CACHE_SIZE >> 20,
        "rss_start_mib": round(start_rss / 1024, 1),
        "rss_peak_mib": round(peak / 1024, 1),
        "rss_end_mib": round(rss / 1024, 1),
        "overhead_mib": round(peak / 1024 - (CACHE_SIZE >> 20), 1),
        "overhead_bound_mib": OVERHEAD_MIB,
        "rrset_cache_bytes": st["cache-bytes"],
        "rrset_cache_entries": st["cache-entries"],
        "rrset_cache_evictions": st["cache-evictions"],
        "msg_cache_bytes": st["msgcache-bytes"],
        "msg_cache_entries": st["msgcache-entries"],
        "msg_cache_evictions": st["msgcache-evictions"],
    }
    print(json.dumps(result, indent=2))
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")

    problems = []
    if peak > ((CACHE_SIZE >> 20) + OVERHEAD_MIB) * 1024:
        problems.append("peak RSS %.1f MiB is above cache.size 16 MiB + %d MiB overhead"
                        % (peak / 1024, OVERHEAD_MIB))
    if st["cache-bytes"] > CACHE_SIZE * 3 // 4 or st["msgcache-bytes"] > CACHE_SIZE // 4:
        problems.append("a cache is over its budget: %s" % result)
    if st["cache-evictions"] == 0:
        problems.append("nothing was evicted: the names did not fill the cache")
    if r.completed < args.names * 0.99:
        problems.append("only %d of %d names were answered" % (r.completed, args.names))
    if not (first.answer and second.answer) or after["answers-from-msgcache"] != before + 1:
        problems.append("the full cache did not answer a repeated question from the "
                        "message cache")
    return problems


def main(argv=None):
    args = parse_args(argv)
    rc = benchlab.run_on_lab("membench", lambda work, started: measure(args, work, started),
                             keep=args.keep)
    print("membench: %s" % ("bounds met" if rc == 0 else "FAILED"))
    return rc


if __name__ == "__main__":
    sys.exit(main())
