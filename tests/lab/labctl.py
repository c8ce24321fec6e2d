"""Run the NSD lab by hand, optionally with cairnd resolving from it.

    /usr/bin/python3 tests/lab/labctl.py [--cairnd build/cairnd] [--port 5300]
                                         [--show-queries] [--workdir DIR] [--keep]

Starts every NSD server of the lab (see nsdlab.py) in a fresh folder and, if
a cairnd binary is given, cairnd on 127.0.0.1:PORT with the lab's root hints,
prints the addresses and a few dig lines to try, and runs until Ctrl-C or
SIGTERM.  Then it stops everything it started and removes the folder (unless
--keep or --workdir).  Needs root: the servers listen on port 53.
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import labutil  # noqa: E402
import nsdlab  # noqa: E402

EXAMPLES = [
    ("www.example.lab", "A", "the healthy zone"),
    ("example.lab", "MX", ""),
    ("alias.example.lab", "A", "CNAME into other.test"),
    ("loop.example.lab", "A", "CNAME loop across two zones"),
    ("big.example.lab", "TXT", "TC=1 over UDP, then TCP"),
    ("www.glueless.lab", "A", "server name in another TLD"),
    ("www.b.c.d.deep.lab", "A", "four delegations deep"),
    ("a.b.c.d.e.f.minimise.lab", "A", "QNAME minimisation"),
    ("www.halfdead.lab", "A", "one of two servers dead"),
    ("www.alldead.lab", "A", "every server dead"),
    ("www.lame.lab", "A", "lame delegation: REFUSED"),
    ("www.recreated.lab", "A", "parent points at the old servers"),
]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cairnd", help="cairnd binary to run on top of the lab")
    p.add_argument("--port", type=int, default=5300, help="cairnd port (default 5300)")
    p.add_argument(
        "--show-queries",
        action="store_true",
        help="print every query a lab server receives, as it arrives",
    )
    p.add_argument("--workdir", help="folder for configs and logs (kept)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args(argv)


def describe_lab(lab, cairnd):
    """The text printed once everything runs: who is where, and what to try."""
    lines = ["NSD lab is up; configs and logs in %s" % lab.workdir, ""]
    for server in lab.servers:
        names = ", ".join([server.name] + server.aliases)
        lines.append("  %-14s %-44s %s" % (server.address, names, " ".join(server.zones)))
    lines.append("")
    for label, table in (("dead (nothing runs)", nsdlab.DEAD_SERVERS),
                         ("fake (tests only)", nsdlab.FAKE_SERVERS)):
        lines.append("  %s: %s" % (
            label, ", ".join("%s %s" % (name, addr) for name, addr in table.items())))
    root_name, root_addr = nsdlab.ROOT_HINTS[0]
    lines += ["", "Ask a server directly:",
              "  dig @%s . NS +norec            # the root (%s)" % (root_addr, root_name),
              "  dig @127.53.10.1 www.example.lab +norec"]
    if cairnd is not None:
        lines += ["", "Ask cairnd (127.0.0.1:%d, log %s):" % (cairnd.port, cairnd.log_path)]
        for qname, qtype, why in EXAMPLES:
            cmd = "dig @127.0.0.1 -p %d %s %s" % (cairnd.port, qname, qtype)
            lines.append(("  %-58s# %s" % (cmd, why)) if why else "  " + cmd)
        ctl = "%s -s %s" % (cairnd.binary.parent / "cairnctl", cairnd.workdir / "cairnd.sock")
        lines += ["", "Control it:", "  %s stats" % ctl,
                  "  %s flush --below example.lab" % ctl]
    lines += ["", "Ctrl-C (or SIGTERM) stops everything."]
    return "\n".join(lines)


def print_new_queries(lab, names):
    """Print the queries captured since the last call, then forget them."""
    records = lab.captured()
    lab.clear_queries()
    for r in records:
        print("  query %s:%d -> %s (%s) %s %s" % (
            r.client, r.client_port, names.get(r.server, "?"), r.server, r.transport,
            r.question), flush=True)


def main(argv=None):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("labctl: the lab needs root (its servers listen on port 53)", file=sys.stderr)
        return 2
    if not nsdlab.nsd_available():
        print("labctl: nsd not found at %s (apt-get install nsd)" % nsdlab.NSD_BINARY,
              file=sys.stderr)
        return 2
    if args.cairnd and not Path(args.cairnd).is_file():
        print("labctl: no cairnd binary at %s (run make)" % args.cairnd, file=sys.stderr)
        return 2

    # From here on a signal only asks the loop below to stop: an interrupted
    # start must still stop the servers it has started.
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    if args.workdir:
        workdir, remove = Path(args.workdir).resolve(), False
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir, remove = Path(tempfile.mkdtemp(prefix="cairn-lab-")), not args.keep

    lab = nsdlab.NsdLab(capture=args.show_queries)
    cairnd = None
    status = 0
    try:
        lab.start(workdir / "nsd")
        if args.cairnd:
            cairnd = labutil.Daemon(Path(args.cairnd).resolve(), workdir / "cairnd", args.port)
            cairnd.workdir.mkdir(parents=True, exist_ok=True)
            cairnd.write_config(rest=nsdlab.cairn_recursion_yaml() + 'control:\n  socket: "%s"\n'
                                % (cairnd.workdir / "cairnd.sock"))
            try:
                cairnd.start()
            except RuntimeError:
                cairnd.kill()  # already reported by the error, with its log
                cairnd = None
                raise
        print(describe_lab(lab, cairnd), flush=True)
        names = {s.address: s.name for s in lab.servers}
        names.update({a: n for n, a in nsdlab.DEAD_SERVERS.items()})
        names.update({a: n for n, a in nsdlab.FAKE_SERVERS.items()})
        while not stop.wait(0.2):
            if args.show_queries:
                print_new_queries(lab, names)
            if cairnd is not None and not cairnd.alive():
                print("labctl: cairnd exited (status %s); log:\n%s"
                      % (cairnd.proc.returncode, cairnd.log()), file=sys.stderr)
                status = 1
                break
            dead = [s.name for s in lab.servers if not s.running()]
            if dead:
                print("labctl: nsd for %s exited; see its log in %s"
                      % (", ".join(dead), lab.workdir), file=sys.stderr)
                status = 1
                break
    except (nsdlab.LabError, RuntimeError, OSError) as e:
        print("labctl: %s" % e, file=sys.stderr)
        status = 1
    finally:
        print("labctl: stopping", flush=True)
        problems = []
        if cairnd is not None and cairnd.proc is not None:
            problems += cairnd.stop()
        problems += lab.stop()
        for problem in problems:
            print("labctl: %s" % problem, file=sys.stderr)
        if problems:
            status = status or 1
        if remove and not status:
            shutil.rmtree(workdir, ignore_errors=True)
        elif remove:
            print("labctl: logs kept in %s" % workdir, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
