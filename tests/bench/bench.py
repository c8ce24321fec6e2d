"""make bench: dnsperf against cairnd and Debian's unbound, same lab, same run.

    /usr/bin/python3 tests/bench/bench.py [--seconds 10] [--rounds 3] [--cairnd build/cairnd]
                                          [--json build/bench.json] [--keep] ...

Environment: BENCH_SECONDS, BENCH_ROUNDS, BENCH_LATENCY_SECONDS (flags win).
Needs root (the lab's NSD servers listen on port 53); without it, it says so
and exits 0, like the lab tests skip.

What runs (tests/bench/benchlab.py has the details): a lab of three NSD
servers (root, lab., and the wildcard zone bench.lab.), cairnd and unbound
side by side, one thread each, the same cache size, both resolving from the
lab's root, non-validating (the lab is unsigned; cairnd has no validator yet).
With two CPUs or more the servers run on the first, dnsperf (and this script)
on the second, the NSD servers on the third if there is one, else with dnsperf.

Workloads, each for --rounds rounds, cairnd and unbound taking turns (the
order alternates every round):

  cache-hit   the same 1000 names (h0000.bench.lab ...), answered once by each
              server before the first round, asked again and again;
  cache-miss  names never asked before (each run gets fresh ones; every one
              exists through *.bench.lab), so each query costs the resolver
              one upstream query to ns.bench.lab.

Each turn is two dnsperf runs:

  1. throughput: --seconds, unpaced, --clients sockets and --outstanding
     queries in flight (defaults 4 and 100).  Gives qps, dnsperf's average
     latency at full load, the server's CPU seconds per wall second (from
     /proc/PID/stat) and qps per server core = qps / that.  The client's own
     CPU per wall second is shown too: near 1.0 means dnsperf, not the server,
     was the limit.
  2. latency: --latency-seconds, paced (dnsperf -Q) at --latency-load (0.5) of
     the slower server's throughput in this round, the same rate for both,
     with dnsperf -v, which prints each answer's latency; the average and the
     p99 come from those (a lost query counts as dnsperf's -t timeout).
     dnsperf 2.10 has no percentile output, and -v costs dnsperf up to a fifth
     of its speed, so it is kept out of the throughput run.

Peak RSS is the server's VmHWM (/proc/PID/status) after the workload's last
run.  Both servers run the cache-hit rounds first, so the cache-hit figure is
the peak of the warm-up and cache-hit runs only, and the cache-miss figure
the peak with the misses' records added to the cache.

The table shows, per workload, the median over rounds of each figure, the
ratio cairn/unbound, and the issue #5 targets (qps per server core >= 1.1 on
cache hits and >= 1.0 on misses, p99 and peak RSS <= unbound's): the harness
reports, it does not fail on them.  Every run is also in the JSON file.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlab  # noqa: E402
import perfrun  # noqa: E402

import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402

HIT_NAMES = 1000
ANSWER = "192.0.2.99"  # *.bench.lab. A
SERVERS = ("cairn", "unbound")
WORKLOADS = ("cache-hit", "cache-miss")
MISS_QPS_GUESS = 100000  # names per second of the first miss run's file
TARGETS = {"cache-hit": 1.1, "cache-miss": 1.0}  # qps per server core, cairn/unbound


class BenchError(RuntimeError):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="dnsperf against cairnd and unbound on the NSD lab (issue #5)."
    )
    env = os.environ.get
    p.add_argument("--seconds", type=float, default=float(env("BENCH_SECONDS", 10)),
                   help="length of each throughput run (BENCH_SECONDS, default 10)")
    p.add_argument("--rounds", type=int, default=int(env("BENCH_ROUNDS", 3)),
                   help="rounds per workload (BENCH_ROUNDS, default 3)")
    p.add_argument("--latency-seconds", type=float,
                   default=float(env("BENCH_LATENCY_SECONDS", 0)) or None,
                   help="length of each paced latency run (default half of --seconds, >= 1)")
    p.add_argument("--latency-load", type=float, default=0.5,
                   help="pace of the latency runs, as a fraction of the slower server's qps")
    p.add_argument("--clients", type=int, default=4, help="dnsperf -c (default 4)")
    p.add_argument("--outstanding", type=int, default=100, help="dnsperf -q (default 100)")
    p.add_argument("--timeout", type=int, default=2, help="dnsperf -t, seconds (default 2)")
    p.add_argument("--edns", action="store_true", help="queries with EDNS (dnsperf -e)")
    p.add_argument("--cairnd", default=str(benchlab.REPO / "build" / "cairnd"))
    p.add_argument("--json", default=str(benchlab.REPO / "build" / "bench.json"))
    p.add_argument("--keep", action="store_true", help="keep the work folder (logs, configs)")
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.rounds < 1:
        p.error("--seconds must be > 0 and --rounds >= 1")
    if not 0 < args.latency_load <= 1:
        p.error("--latency-load must be in (0, 1]")
    if args.latency_seconds is None:
        args.latency_seconds = max(1.0, args.seconds / 2)
    return args


# -- set-up ----------------------------------------------------------------------------------
def cpu_plan():
    """(server cpu, client cpu, lab cpu), or Nones when there is a single CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None, None
    return cpus[0], cpus[1], cpus[2] if len(cpus) > 2 else cpus[1]


def check_tools(cairnd):
    missing = []
    if not Path(cairnd).is_file():
        missing.append("%s (run make)" % cairnd)
    if not benchlab.nsdlab.nsd_available():
        missing.append("nsd")
    if not benchlab.unboundlab.unbound_available():
        missing.append("unbound")
    if shutil.which(perfrun.DNSPERF) is None:
        missing.append("dnsperf")
    if missing:
        raise BenchError("missing: %s (make deps installs the packages)" % ", ".join(missing))


def ask(port, qname, timeout=2.0):
    q = dns.message.make_query(qname, "A")
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout)
    return dns.rcode.to_text(r.rcode()), sorted(rd.to_text() for rs in r.answer for rd in rs)


def write_names(path, names):
    with open(path, "w") as f:
        for name in names:
            f.write("%s A\n" % name)


def hit_names():
    return ["h%04d.bench.lab" % i for i in range(HIT_NAMES)]


def miss_names(tag, count):
    return ("%s-%07d.bench.lab" % (tag, i) for i in range(count))


DISTURBED = 0.10  # CPU s/s used by others on the server's core (or stolen) that flags a run


def disturbed(r):
    return (r.get("others_on_server_cpu") or 0) >= DISTURBED or (
        r.get("steal_on_server_cpu") or 0) >= DISTURBED


def describe(r):
    bits = ["%9.0f qps" % r.qps, "server %.2f CPU s/s" % r.server_cpu_per_wall]
    others, steal = r.others_on_server_cpu, r.steal_on_server_cpu
    if r.qps_per_core:
        bits.append("%9.0f qps/core" % r.qps_per_core)
    bits.append("dnsperf %.2f CPU s/s" % r.client_cpu_per_wall)
    if r.client_core_busy is not None:
        bits.append("its core %.2f busy" % r.client_core_busy)
    bits.append("avg %.3f ms" % (r.avg_latency * 1000))
    if r.lost:
        bits.append("LOST %d" % r.lost)
    bad = {k: v for k, v in r.rcodes.items() if k != "NOERROR"}
    if bad:
        bits.append("rcodes %s" % bad)
    if r.end and r.end != "time limit":
        bits.append("ended: %s" % r.end)
    if others is not None:
        bits.append("others %.2f%s" % (others, ", steal %.2f" % steal if steal else ""))
        if others >= DISTURBED or steal >= DISTURBED:
            bits.append("DISTURBED")
    return ", ".join(bits)


class Bench:
    def __init__(self, args):
        self.args = args
        self.cpus = sorted(os.sched_getaffinity(0))
        self.server_cpu, self.client_cpu, self.lab_cpu = cpu_plan()
        self.workdir = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
        self.lab = None
        self.servers = {}  # "cairn"/"unbound" -> object with .pid and .port
        self.started_pids = []
        self.runs = []  # every dnsperf run, as dicts
        self.best_miss_qps = 0.0

    # -- lifecycle -----------------------------------------------------------------------
    def start(self):
        print("work folder: %s" % self.workdir, flush=True)
        self.lab = benchlab.BenchLab()
        self.lab.start(self.workdir / "lab")
        cairnd = benchlab.BenchCairnd(
            self.args.cairnd, self.workdir / "cairnd", benchlab.labutil.free_port()
        )
        self.servers["cairn"] = cairnd
        cairnd.start()
        unbound = benchlab.BenchUnbound(self.workdir / "unbound", benchlab.labutil.free_port())
        self.servers["unbound"] = unbound
        unbound.start()
        self.started_pids = self.lab.pids() + [cairnd.pid, unbound.pid]
        self.pin()

    def pin(self):
        if self.server_cpu is None:
            print("one CPU only: nothing pinned; servers and dnsperf share it", flush=True)
            return
        for name, server in self.servers.items():
            got = benchlab.pin(server.pid, {self.server_cpu})
            if got != {self.server_cpu}:
                raise BenchError("could not pin %s to CPU %d (has %s)" % (name, self.server_cpu, got))
        for pid in self.lab.pids():
            benchlab.pin(pid, {self.lab_cpu})
        os.sched_setaffinity(0, {self.client_cpu})  # this script; dnsperf is pinned too
        print("CPUs: cairnd and unbound on %d, dnsperf on %d, NSD lab on %d"
              % (self.server_cpu, self.client_cpu, self.lab_cpu), flush=True)

    def stop(self):
        problems = []
        for name in ("cairn", "unbound"):
            server = self.servers.get(name)
            if server is not None:
                problems += server.stop()
        if self.lab is not None:
            problems += self.lab.stop()
        left = [pid for pid in self.started_pids if _alive(pid)]
        if left:
            problems.append("processes still running after stop: %s" % left)
        if not self.args.keep and not problems:
            shutil.rmtree(self.workdir, ignore_errors=True)
        elif problems:
            problems.append("logs kept in %s" % self.workdir)
        return problems

    # -- the runs --------------------------------------------------------------------------
    def dnsperf(self, name, datafile, seconds, tag, **kw):
        server = self.servers[name]
        out = self.workdir / ("dnsperf-%s-%s.out" % (tag, name))
        r = perfrun.run(
            server.port, datafile, seconds, out, server.pid,
            clients=self.args.clients, outstanding=self.args.outstanding,
            timeout=self.args.timeout, edns=self.args.edns, cpu=self.client_cpu, **kw,
        )
        # what else ran on the servers' core meanwhile (other processes, the hypervisor)
        r.others_on_server_cpu, r.steal_on_server_cpu = r.others_on(self.server_cpu)
        # dnsperf's core, shared with NSD on two CPUs: near 1.0 means the client side was full
        c = r.cpus.get(self.client_cpu) if self.client_cpu is not None else None
        r.client_core_busy = c["busy"] / r.runtime if c and r.runtime > 0 else None
        if kw.get("verbose") and not self.args.keep:
            out.unlink()  # megabytes of per-query lines
        return r

    def warm(self):
        """Answer every cache-hit name once on each server, then check they come back."""
        path = self.workdir / "hit.txt"
        write_names(path, hit_names())
        for name, server in self.servers.items():
            for attempt in ("warm", "check"):
                r = perfrun.run(server.port, path, 60, self.workdir / ("warm-%s.out" % name),
                                server.pid, clients=1, outstanding=20, once=True,
                                timeout=self.args.timeout)
                ok = r.completed == HIT_NAMES and r.rcodes.get("NOERROR") == HIT_NAMES
                if attempt == "check" and not ok:
                    raise BenchError("%s: warm-up names not all answered NOERROR: completed %s, "
                                     "rcodes %s" % (name, r.completed, r.rcodes))
            for qname in ("h0000.bench.lab.", "h%04d.bench.lab." % (HIT_NAMES - 1),
                          "never-asked.bench.lab."):
                got = ask(server.port, qname)
                if got != ("NOERROR", [ANSWER]):
                    raise BenchError("%s answers %s with %s, not NOERROR %s"
                                     % (name, qname, got, ANSWER))
        print("warmed up: %d names answered by both servers" % HIT_NAMES, flush=True)
        return path

    def workload(self, workload, hit_file):
        a = self.args
        for rnd in range(1, a.rounds + 1):
            order = SERVERS if rnd % 2 else tuple(reversed(SERVERS))
            # 1. throughput
            results = {}
            for name in order:
                if workload == "cache-hit":
                    datafile, once = hit_file, False
                else:
                    count = int(a.seconds * max(MISS_QPS_GUESS if not self.best_miss_qps
                                                else 3 * self.best_miss_qps, 20000)) + 1000
                    datafile, once = self.workdir / "miss.txt", True
                    write_names(datafile, miss_names("r%dt%s" % (rnd, name[0]), count))
                r = self.dnsperf(name, datafile, a.seconds, "%s-%d" % (workload, rnd), once=once)
                if workload == "cache-miss":
                    self.best_miss_qps = max(self.best_miss_qps, r.qps)
                    if r.end != "time limit":
                        print("  note: %s ran out of fresh names (%s)" % (name, r.end))
                results[name] = r
                print("%-10s round %d/%d %-7s %s"
                      % (workload, rnd, a.rounds, name, describe(r)), flush=True)
            # 2. latency, paced at the same rate for both
            rate = max(100, int(a.latency_load * min(r.qps for r in results.values())))
            lat = {}
            for name in order:
                if workload == "cache-hit":
                    datafile, once = hit_file, False
                else:
                    datafile, once = self.workdir / "miss.txt", True
                    write_names(datafile, miss_names("r%dl%s" % (rnd, name[0]),
                                                     int(rate * a.latency_seconds * 1.2) + 1000))
                r = self.dnsperf(name, datafile, a.latency_seconds, "%s-%d-lat" % (workload, rnd),
                                 once=once, max_qps=rate, verbose=True)
                lat[name] = r
                s = r.latency or {}
                print("%-10s round %d/%d %-7s paced %d qps: avg %.3f ms, p99 %.3f ms%s"
                      % (workload, rnd, a.rounds, name, rate, s.get("avg", 0) * 1000,
                         s.get("p99", 0) * 1000, ", LOST %d" % r.lost if r.lost else ""),
                      flush=True)
            for name in SERVERS:
                self.runs.append({
                    "workload": workload, "round": rnd, "server": name,
                    "throughput": results[name].as_dict(),
                    "latency": dict(lat[name].as_dict(), pace_qps=rate),
                })
        if workload == "cache-miss":
            (self.workdir / "miss.txt").unlink(missing_ok=True)


def _alive(pid):
    try:
        fields = benchlab._stat_fields(pid)
    except (OSError, IndexError):
        return False
    return fields[0] != "Z"


# -- summary -----------------------------------------------------------------------------------
def summarise(runs):
    out = {}
    for workload in WORKLOADS:
        per = {}
        for name in SERVERS:
            mine = [r for r in runs if r["workload"] == workload and r["server"] == name]
            if not mine:
                continue
            t = [r["throughput"] for r in mine]
            lat = [r["latency"]["latency"] or {} for r in mine]

            def med(values):
                values = [v for v in values if v is not None]
                return statistics.median(values) if values else None

            per[name] = {
                "rounds": len(mine),
                "qps": med([x["qps"] for x in t]),
                "server_cpu_per_wall": med([x["server_cpu_per_wall"] for x in t]),
                "qps_per_core": med([x["qps_per_core"] for x in t]),
                "client_cpu_per_wall": med([x["client_cpu_per_wall"] for x in t]),
                "avg_ms_full_load": med([x["avg_latency"] * 1000 for x in t]),
                "pace_qps": med([r["latency"]["pace_qps"] for r in mine]),
                "avg_ms": med([x.get("avg") and x["avg"] * 1000 for x in lat]),
                "p99_ms": med([x.get("p99") and x["p99"] * 1000 for x in lat]),
                "peak_rss_mib": max(
                    max(x["server_vmhwm_kib"] for x in t),
                    max(r["latency"]["server_vmhwm_kib"] for r in mine),
                ) / 1024,
                "lost": sum(x["lost"] for x in t) + sum(r["latency"]["lost"] for r in mine),
                "disturbed_runs": sum(1 for x in t if disturbed(x)),
                "not_noerror": sum(
                    n for x in t + [r["latency"] for r in mine]
                    for code, n in x["rcodes"].items() if code != "NOERROR"
                ),
            }
        if len(per) == 2:
            c, u = per["cairn"], per["unbound"]
            ratio = {}
            for key in ("qps", "server_cpu_per_wall", "qps_per_core", "avg_ms_full_load",
                        "avg_ms", "p99_ms", "peak_rss_mib"):
                ratio[key] = c[key] / u[key] if c[key] and u[key] else None
            per["ratio"] = ratio
            per["targets"] = {
                "qps_per_core": {"want": ">= %.1f" % TARGETS[workload],
                                 "met": _ge(ratio["qps_per_core"], TARGETS[workload])},
                "p99": {"want": "<= 1.0", "met": _le(ratio["p99_ms"], 1.0)},
                "peak_rss": {"want": "<= 1.0", "met": _le(ratio["peak_rss_mib"], 1.0)},
            }
        out[workload] = per
    return out


def _ge(x, bound):
    return None if x is None else x >= bound


def _le(x, bound):
    return None if x is None else x <= bound


COLUMNS = [
    ("qps", "qps", "%.0f"),
    ("server_cpu_per_wall", "srv CPU s/s", "%.2f"),
    ("qps_per_core", "qps/srv core", "%.0f"),
    ("client_cpu_per_wall", "dnsperf CPU s/s", "%.2f"),
    ("avg_ms_full_load", "avg ms @max", "%.3f"),
    ("avg_ms", "avg ms @pace", "%.3f"),
    ("p99_ms", "p99 ms @pace", "%.3f"),
    ("peak_rss_mib", "peak RSS MiB", "%.1f"),
    ("lost", "lost", "%d"),
]


def format_table(summary, args):
    lines = []
    for workload in WORKLOADS:
        per = summary.get(workload) or {}
        if "cairn" not in per:
            continue
        pace = per["cairn"]["pace_qps"]
        what = ("%d names, pre-warmed" % HIT_NAMES if workload == "cache-hit"
                else "fresh names under *.bench.lab, one upstream query each")
        lines.append("")
        lines.append("%s (%s): %g s runs, %d round%s, median; @pace = dnsperf -Q %d for both"
                     % (workload, what, args.seconds, args.rounds, "s" if args.rounds > 1 else "",
                        pace))
        widths = [max(len(h), 9) for _, h, _ in COLUMNS]
        lines.append("  %-14s" % "" + "  ".join("%*s" % (w, h) for w, (_, h, _) in zip(widths, COLUMNS)))
        for row in ("cairn", "unbound", "ratio"):
            values = per.get(row)
            if values is None:
                continue
            cells = []
            for w, (key, _, fmt) in zip(widths, COLUMNS):
                v = values.get(key)
                if v is None:
                    cells.append("%*s" % (w, "-"))
                elif row == "ratio":
                    cells.append("%*s" % (w, "%.2fx" % v))
                else:
                    cells.append("%*s" % (w, fmt % v))
            lines.append("  %-14s" % ("cairn/unbound" if row == "ratio" else row) + "  ".join(cells))
        targets = per.get("targets")
        if targets:
            ratio = per["ratio"]
            bits = []
            for key, label, rkey in (("qps_per_core", "qps per server core", "qps_per_core"),
                                     ("p99", "p99", "p99_ms"), ("peak_rss", "peak RSS", "peak_rss_mib")):
                t = targets[key]
                got = "-" if ratio[rkey] is None else "%.2fx" % ratio[rkey]
                verdict = {True: "met", False: "NOT met", None: "n/a"}[t["met"]]
                bits.append("%s %s %s: %s" % (label, t["want"], got, verdict))
            lines.append("  targets (issue #5): " + "; ".join(bits))
        notes = []
        for name in SERVERS:
            v = per[name]
            if v["client_cpu_per_wall"] and v["client_cpu_per_wall"] >= 0.9:
                notes.append("against %s dnsperf kept its own core busy (%.2f CPU s/s): qps may "
                             "be the client's limit; qps per server core is the fair comparison"
                             % (name, v["client_cpu_per_wall"]))
            if v["disturbed_runs"]:
                notes.append("%d of %s's %d throughput runs shared the servers' CPU with other "
                             "work (>= %.2f CPU s/s, see \"others\" above): qps is low there, "
                             "qps per server core much less affected"
                             % (v["disturbed_runs"], name, v["rounds"], DISTURBED))
            if v["not_noerror"]:
                notes.append("%s: %d answers were not NOERROR" % (name, v["not_noerror"]))
        for n in notes:
            lines.append("  note: " + n)
    return "\n".join(lines)


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", str(benchlab.REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(benchlab.REPO), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return rev + ("-dirty" if dirty else "")


def unbound_version():
    try:
        r = subprocess.run([str(benchlab.unboundlab.UNBOUND_BINARY), "-V"],
                           capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (r.stdout or r.stderr).splitlines()
    return first[0].replace("Version ", "") if first else None


def _sigterm(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        print("make bench: SKIPPED - the benchmark lab's NSD servers listen on port 53 of "
              "127.53.x.y, which needs root (run it as root, e.g. sudo make bench)")
        return 0
    try:
        check_tools(args.cairnd)
    except BenchError as e:
        print("make bench: %s" % e, file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _sigterm)
    started = time.monotonic()
    bench = Bench(args)
    print("bench: %g s throughput + %g s paced latency run per server, %d round(s) per workload"
          % (args.seconds, args.latency_seconds, args.rounds), flush=True)
    error = None
    try:
        bench.start()
        hit_file = bench.warm()
        bench.workload("cache-hit", hit_file)
        bench.workload("cache-miss", hit_file)
    except KeyboardInterrupt:
        error = "interrupted"
    except (BenchError, perfrun.PerfError, benchlab.nsdlab.LabError,
            benchlab.unboundlab.UnboundError, RuntimeError, OSError) as e:
        error = str(e)
        if "already in use" in error:
            error += ("\nThe benchmark's NSD servers use the test lab's addresses: make bench "
                      "cannot run while make check, make integration or make lab does.")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the stop finish
        problems = bench.stop()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    summary = summarise(bench.runs)
    print(format_table(summary, args))
    doc = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([sys.executable] + sys.argv),
        "cairn": git_revision(),
        "unbound": unbound_version(),
        "dnsperf": perfrun.version(),
        "cpus": bench.cpus,
        "pinning": {"servers": bench.server_cpu, "dnsperf": bench.client_cpu,
                    "nsd": bench.lab_cpu},
        "settings": {"seconds": args.seconds, "rounds": args.rounds,
                     "latency_seconds": args.latency_seconds, "latency_load": args.latency_load,
                     "clients": args.clients, "outstanding": args.outstanding,
                     "timeout": args.timeout, "edns": args.edns,
                     "cache_size": benchlab.CACHE_SIZE, "hit_names": HIT_NAMES},
        "summary": summary,
        "runs": bench.runs,
        "error": error,
        "problems": problems,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    json_path = Path(args.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(doc, indent=1) + "\n")
    print("\nresults: %s (%.0f s in all)" % (json_path, doc["elapsed_s"]))
    for p in problems:
        print("problem: %s" % p, file=sys.stderr)
    if error:
        print("make bench: FAILED: %s" % error, file=sys.stderr)
    return 1 if error or problems else 0


if __name__ == "__main__":
    sys.exit(main())
