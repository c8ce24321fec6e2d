"""One bounded dnsperf run against one server, and what it measured.

``run()`` starts dnsperf (pinned to a CPU if asked), waits for it with a hard
deadline (then SIGKILL, by its pid), and returns a ``Result``:

* dnsperf's own summary: queries sent/completed/lost, response codes, run
  time, queries per second, average latency, why it stopped (time limit or
  end of file);
* dnsperf's CPU time (its rusage from wait4), to tell when the client, not the
  server, was the limit;
* the server's CPU time over the run (utime + stime of every thread, from
  /proc/PID/stat, read just before dnsperf starts and just after it exits)
  and its VmHWM and VmRSS afterwards (/proc/PID/status);
* with ``verbose=True`` (dnsperf -v, one line per answer with its latency):
  the latency distribution, average, p50, p99, p99.9, max.  A lost query
  counts as the -t timeout, so losses can only raise the percentiles.

Derived figures:

* ``server_cpu_per_wall`` = server CPU seconds / dnsperf's run time: how many
  cores the server kept busy (1.0 = one core saturated);
* ``qps_per_core`` = queries completed / server CPU seconds, which is
  qps / server_cpu_per_wall: queries answered per second of server CPU;
  outside the run the server is idle, so the few idle milliseconds at either
  end of the /proc window change nothing.
"""

import array
import math
import os
import re
import signal
import subprocess
import time

from benchlab import cpu_seconds, cpu_times, status_kib

DNSPERF = os.environ.get("DNSPERF", "dnsperf")
KILL_GRACE = 20.0  # seconds past -l + -t before dnsperf is killed

_SUMMARY = {
    "sent": (r"Queries sent:\s+(\d+)", int),
    "completed": (r"Queries completed:\s+(\d+)", int),
    "lost": (r"Queries lost:\s+(\d+)", int),
    "runtime": (r"Run time \(s\):\s+([0-9.]+)", float),
    "qps": (r"Queries per second:\s+([0-9.]+)", float),
    "avg_latency": (r"Average Latency \(s\):\s+([0-9.]+)", float),
    "end": (r"Testing complete \(([^)]*)\)", str),
}


class PerfError(RuntimeError):
    pass


class Result:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def server_cpu_per_wall(self):
        return self.server_cpu / self.runtime if self.runtime > 0 else 0.0

    @property
    def client_cpu_per_wall(self):
        return self.client_cpu / self.runtime if self.runtime > 0 else 0.0

    @property
    def qps_per_core(self):
        return self.completed / self.server_cpu if self.server_cpu > 0 else None

    def others_on(self, cpu):
        """CPU seconds per wall second that something other than the server used on cpu
        (the server's own core), and the hypervisor's steal there; None, None if unknown."""
        c = self.cpus.get(cpu) if cpu is not None else None
        if c is None or self.runtime <= 0:
            return None, None
        return max(0.0, c["busy"] - self.server_cpu) / self.runtime, c["steal"] / self.runtime

    def as_dict(self):
        d = dict(self.__dict__)
        d.update(
            server_cpu_per_wall=self.server_cpu_per_wall,
            client_cpu_per_wall=self.client_cpu_per_wall,
            qps_per_core=self.qps_per_core,
        )
        return d


def version():
    try:
        r = subprocess.run([DNSPERF, "-h"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"Version (\S+)", r.stdout + r.stderr)
    return m.group(1) if m else None


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending sequence (None if empty)."""
    n = len(sorted_values)
    if n == 0:
        return None
    rank = math.ceil(round(fraction * n, 6))  # round: 0.99 * 100 is 99.00000000000001
    return sorted_values[min(n, max(1, rank)) - 1]


def parse_summary(text):
    out = {}
    for key, (pattern, kind) in _SUMMARY.items():
        m = re.search(pattern, text)
        out[key] = kind(m.group(1)) if m else None
    rcodes = {}
    m = re.search(r"Response codes:\s+(.*)", text)
    if m:
        for code, count in re.findall(r"([A-Z0-9]+) (\d+) \(", m.group(1)):
            rcodes[code] = int(count)
    out["rcodes"] = rcodes
    return out


def parse_latencies(path):
    """Latencies (seconds) of every "> RCODE name type latency" line of dnsperf -v."""
    values = array.array("d")
    with open(path, "r", errors="replace") as f:
        for line in f:
            if not line.startswith("> "):
                continue
            try:
                values.append(float(line.rsplit(None, 1)[1]))
            except (ValueError, IndexError):
                continue  # not an answer line
    return values


def latency_stats(values, lost, timeout):
    values = sorted(list(values) + [float(timeout)] * lost)
    if not values:
        return None
    return {
        "samples": len(values),
        "avg": sum(values) / len(values),
        "p50": percentile(values, 0.50),
        "p99": percentile(values, 0.99),
        "p999": percentile(values, 0.999),
        "max": values[-1],
    }


def run(
    port,
    datafile,
    seconds,
    out_path,
    server_pid,
    *,
    clients=4,
    outstanding=100,
    timeout=2,
    max_qps=None,
    once=False,
    verbose=False,
    edns=False,
    cpu=None,
    address="127.0.0.1",
):
    """Run dnsperf once against address:port; see the module docstring."""
    args = [
        DNSPERF, "-s", address, "-p", str(port), "-d", str(datafile),
        "-l", "%g" % seconds, "-c", str(clients), "-q", str(outstanding), "-t", str(timeout),
    ]
    if once:
        args += ["-n", "1"]
    if max_qps:
        args += ["-Q", str(int(max_qps))]
    if verbose:
        args.append("-v")
    if edns:
        args.append("-e")

    def pin_child():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    cpu0, all0 = cpu_seconds(server_pid), cpu_times()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=pin_child,
        )
        status, usage = _wait_bounded(proc, seconds + timeout + KILL_GRACE)
    cpu1, all1 = cpu_seconds(server_pid), cpu_times()
    text = open(out_path, "r", errors="replace").read() if not verbose else _head_and_tail(out_path)
    rc = os.waitstatus_to_exitcode(status)
    summary = parse_summary(text)
    if rc != 0 or summary["completed"] is None or summary["runtime"] is None:
        raise PerfError(
            "dnsperf failed (status %d): %s\n%s" % (rc, " ".join(args), text[-3000:])
        )
    result = Result(
        command=" ".join(args),
        client_cpu=usage.ru_utime + usage.ru_stime,
        server_cpu=cpu1 - cpu0,
        server_vmhwm_kib=status_kib(server_pid, "VmHWM"),
        server_vmrss_kib=status_kib(server_pid, "VmRSS"),
        latency=None,
        cpus={c: {"busy": all1[c][0] - all0[c][0], "steal": all1[c][1] - all0[c][1]}
              for c in all1 if c in all0},
        **summary,
    )
    if verbose:
        result.latency = latency_stats(parse_latencies(out_path), summary["lost"] or 0, timeout)
    return result


def _head_and_tail(path, size=16384):
    """First and last bytes of a big -v output: the summary is at the end."""
    with open(path, "rb") as f:
        head = f.read(size)
        f.seek(0, os.SEEK_END)
        end = f.tell()
        f.seek(max(len(head), end - size))
        tail = f.read()
    return (head + b"\n" + tail).decode("utf-8", "replace")


def _wait_bounded(proc, limit):
    """wait4 for proc (polling), SIGKILL it by pid after limit seconds."""
    deadline = time.monotonic() + limit
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                return status, usage
            if time.monotonic() >= deadline:
                proc.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                raise PerfError("dnsperf (pid %d) ran past %.0f s; killed" % (proc.pid, limit))
            time.sleep(0.05)
    except BaseException:
        if proc.returncode is None:  # interrupted: do not leave dnsperf running
            proc.send_signal(signal.SIGKILL)
            os.wait4(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
        raise
