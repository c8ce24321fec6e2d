"""A lab of real NSD authoritative servers on loopback, for iterative resolution.

Every server of the lab is its own ``nsd`` process listening on one address
of 127.53.0.0/16, port 53 (all of 127.0.0.0/8 is local on Linux, so no
address needs adding).  The zone files are in ``tests/lab/zones``; the
topology (which zone is delegated where, which servers are dead, lame or
fake) is described by those files and by ``SERVERS``, ``DEAD_SERVERS`` and
``FAKE_SERVERS`` below.  The root is ``a.root.lab.`` at 127.53.0.1
(``ROOT_HINTS``); ``cairn_recursion_yaml()`` gives the cairnd config that
points at it.

Use::

    lab = NsdLab()
    lab.start(workdir)          # all servers in parallel, each answers its SOA
    lab.query("ns1.example.lab", "www.example.lab", "A")
    lab.clear_queries()
    ...                          # make cairnd resolve something
    lab.queries("a.root.lab")    # [("lab.", "NS"), ...] what the root was asked
    with lab.down("ns1.example.lab"):
        ...                      # that server is stopped, and back afterwards
    lab.stop()

Why queries are logged by sniffing loopback, not by NSD itself
----------------------------------------------------------------
Tests must see which questions each server was asked (QNAME minimisation:
the root saw ``lab.`` and never ``www.example.lab.``).  NSD 4.6.1 has no
per-query log: ``verbosity`` only adds zone-transfer and error messages, and
there is no ``log-queries`` option.  Debian builds it ``--enable-dnstap``, so
it can send each query as dnstap (``dnstap-log-auth-query-messages``) to a
Frame Streams unix socket.  Tried here, that works but each message reaches
the socket 1 to 1.7 s after the query: libfstrm flushes its queue about once
a second, so every "what was asked?" would have to wait that long.  dnstap
also cannot show queries sent to addresses where no NSD runs (the dead
servers), nor to the fake servers.

So ``QueryCapture`` reads a raw ``AF_PACKET`` socket on ``lo`` instead (root
only; no extra package, no tcpdump), with a kernel filter that keeps IPv4
packets to 127.53.0.0/16 port 53.  The kernel hands a packet to such a socket
before the destination socket sees it, so by the time a reply has come back
the query is already queued: ``queries()`` reads what is queued and returns
without any delay.  It sees every query to every lab address, UDP and TCP,
answered or not.

What NSD 4.6.1 answers (worth knowing when writing resolver tests)
-------------------------------------------------------------------
* A zone it does not serve: REFUSED, no AA, every section empty, and EDE 20
  (Not Authoritative) when the query has EDNS.  That is the lame and the
  recreated.lab. case.
* A referral: no AA, the child's NS set in authority, glue in additional
  (also for ``lab. NS`` asked of the root: the parent never answers it).
* A positive answer also carries the zone's NS set in authority and the
  servers' addresses in additional (``minimal-responses`` is off).
* The question and the answer's owner name come back in the case the query
  used (0x20 works).
* Too big for the UDP buffer (big.example.lab. TXT with 1232 bytes): TC=1,
  AA, and every section empty; over TCP the whole answer.
* An empty non-terminal (f.minimise.lab.): NOERROR, AA, SOA in authority.
* The main nsd process exits on SIGTERM before its "server" child is reaped;
  that child is a zombie for a moment (init reaps it).

Every wait here is bounded; ``stop()`` ends only the processes this lab
started, by their process id (each nsd runs in its own process group, which
holds its helper processes).
"""

import contextlib
import ctypes
import ipaddress
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

LAB_DIR = Path(__file__).resolve().parent
ZONES_DIR = LAB_DIR / "zones"
NSD_BINARY = Path(os.environ.get("NSD", "/usr/sbin/nsd"))

LAB_NETWORK = ipaddress.ip_network("127.53.0.0/16")
DNS_PORT = 53

READY_TIMEOUT = 10.0  # the whole lab must answer within this
STOP_TIMEOUT = 5.0  # per server, after SIGTERM
QUERY_TIMEOUT = 2.0

ROOT_HINTS = [("a.root.lab.", "127.53.0.1")]

# (name, address, zones it serves, other names that point at this address)
SERVERS = [
    ("a.root.lab", "127.53.0.1", [".", "root.lab."], []),
    ("ns1.nic.lab", "127.53.1.1", ["lab."], []),
    ("ns2.nic.lab", "127.53.1.2", ["lab."], []),
    ("ns.nic.test", "127.53.2.1", ["test."], []),
    ("ns1.example.lab", "127.53.10.1", ["example.lab."], []),
    ("ns2.example.lab", "127.53.10.2", ["example.lab."], []),
    ("ns1.halfdead.lab", "127.53.11.1", ["halfdead.lab."], []),
    # lame: lab. names it for lame.lab., it serves only unrelated.test.
    ("ns.lame.lab", "127.53.12.1", ["unrelated.test."], ["ns.unrelated.test"]),
    # recreated.lab.: the parent points at these two, which serve only
    # leftover.test. now; the zone lives on at ns-new1/ns-new2.
    ("ns-old1.recreated.lab", "127.53.13.1", ["leftover.test."], ["ns1.leftover.test"]),
    ("ns-old2.recreated.lab", "127.53.13.2", ["leftover.test."], ["ns2.leftover.test"]),
    ("ns-new1.recreated.lab", "127.53.13.9", ["recreated.lab."], []),
    ("ns-new2.recreated.lab", "127.53.13.10", ["recreated.lab."], []),
    (
        "ns.hoster.test",
        "127.53.20.1",
        ["other.test.", "hoster.test.", "glueless.lab."],
        ["ns1.hoster.test", "ns.other.test"],
    ),
    ("ns.deep.lab", "127.53.30.1", ["deep.lab."], []),
    ("ns.d.deep.lab", "127.53.30.2", ["d.deep.lab."], []),
    ("ns.c.d.deep.lab", "127.53.30.3", ["c.d.deep.lab."], []),
    ("ns.b.c.d.deep.lab", "127.53.30.4", ["b.c.d.deep.lab."], []),
    ("ns.minimise.lab", "127.53.31.1", ["minimise.lab."], []),
]

# Named by the zones (with glue), but nothing ever listens there.
DEAD_SERVERS = {
    "ns2.halfdead.lab": "127.53.11.2",
    "ns1.alldead.lab": "127.53.11.3",
    "ns2.alldead.lab": "127.53.11.4",
    "ns3.alldead.lab": "127.53.11.5",
}

# Named by lab. (with glue); the tests that need them run a fakeauth.FakeAuth.
FAKE_SERVERS = {
    "ns.spoof.lab": "127.53.40.1",
    "ns.poison.lab": "127.53.41.1",
    "ns.nocase.lab": "127.53.42.1",
}


class LabError(RuntimeError):
    """The lab could not be started (the message says why, with nsd's log)."""


def nsd_available():
    return NSD_BINARY.is_file() and os.access(NSD_BINARY, os.X_OK)


def cairn_recursion_yaml():
    """Top-level cairnd YAML that makes cairnd resolve from the lab's root.

    query-loopback is needed because every lab server is on 127.53/16, which a
    resolver must otherwise never query.
    """
    lines = ["recursion:", "  root-hints:"]
    for name, address in ROOT_HINTS:
        lines.append("    - {name: %s, address: %s}" % (name.rstrip("."), address))
    lines.append("  query-loopback: true")
    return "\n".join(lines) + "\n"


def zone_file_name(zone):
    """root.zone for ".", else the zone name without the final dot + .zone."""
    zone = zone.rstrip(".")
    return (zone or "root") + ".zone"


def _norm_name(name):
    return name.lower().rstrip(".")


def _is_address(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _soa_answered(address, zone, timeout=0.2):
    """True if address:53 answers SOA for zone authoritatively over UDP.

    A connected UDP socket gets the ICMP port-unreachable of a server that is
    not listening yet as an immediate error, so polling a starting server costs
    no timeout.
    """
    q = dns.message.make_query(zone, "SOA")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.connect((address, DNS_PORT))
            s.send(q.to_wire())
            wire = s.recv(65535)
        except OSError:  # refused or timed out
            return False
    try:
        r = dns.message.from_wire(wire)
    except Exception:  # noqa: BLE001 - garbage means not ready
        return False
    return (
        r.id == q.id
        and r.rcode() == dns.rcode.NOERROR
        and bool(r.flags & dns.flags.AA)
        and any(rs.rdtype == dns.rdatatype.SOA for rs in r.answer)
    )


def _address_in_use(address, port=DNS_PORT):
    """True if some process holds address:port for UDP or TCP."""
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((address, port))
            except OSError:
                return True
    return False


def _group_members(pgid):
    """PIDs of the live (non-zombie) processes in process group pgid.

    nsd forks helpers (xfrd, the server process) that outlive the main
    process by a moment; reading /proc tells us when they are all gone.
    Zombies are left out: they hold no socket and their reaping is not ours.
    """
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry))
    return members


class NsdServer:
    """One nsd process serving some zones on ADDRESS@53."""

    def __init__(self, name, address, zones, aliases=(), nsd_binary=NSD_BINARY):
        self.name = name
        self.address = address
        self.zones = list(zones)
        self.aliases = list(aliases)
        self.nsd_binary = Path(nsd_binary)
        self.workdir = None
        self.proc = None
        self._stderr = None
        self._sigterm_sent = False

    def __repr__(self):
        return "<NsdServer %s %s %s>" % (self.name, self.address, " ".join(self.zones))

    @property
    def conf_path(self):
        return self.workdir / "nsd.conf"

    @property
    def log_path(self):
        return self.workdir / "nsd.log"

    def prepare(self, workdir, zones_dir=ZONES_DIR):
        """Write nsd.conf and copy this server's zone files into workdir.

        Copies keep nsd away from the repo: it only ever reads and writes
        inside its own folder.
        """
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        for zone in self.zones:
            shutil.copy(Path(zones_dir) / zone_file_name(zone), self.workdir)
        self.conf_path.write_text(self.config_text())

    def config_text(self):
        w = self.workdir
        lines = [
            "# nsd.conf for lab server %s, written by tests/lab/nsdlab.py" % self.name,
            "server:",
            "    ip-address: %s@%d" % (self.address, DNS_PORT),
            "    port: %d" % DNS_PORT,
            "    do-ip4: yes",
            "    do-ip6: no",
            '    zonesdir: "%s"' % w,
            '    database: ""',
            "    zonefiles-write: 0",
            '    zonelistfile: "%s"' % (w / "zone.list"),
            '    xfrdfile: "%s"' % (w / "xfrd.state"),
            '    xfrdir: "%s"' % w,
            '    pidfile: "%s"' % (w / "nsd.pid"),
            '    logfile: "%s"' % self.log_path,
            # stay root (nsd needs no privilege drop here) and do not chroot
            '    username: ""',
            '    chroot: ""',
            "    verbosity: 1",
            '    identity: "%s"' % self.name,
            "    hide-version: yes",
            "    reuseport: no",
            "    server-count: 1",
            "    tcp-count: 32",
            "    tcp-timeout: 10",
            # Tests send many queries from 127.0.0.1: no response rate limiting,
            # which would otherwise drop answers or slip TC=1 ones.
            "    rrl-ratelimit: 0",
            "    rrl-whitelist-ratelimit: 0",
            "    rrl-size: 1000",
            "remote-control:",
            "    control-enable: no",
        ]
        for zone in self.zones:
            lines += [
                "zone:",
                '    name: "%s"' % zone,
                '    zonefile: "%s"' % zone_file_name(zone),
            ]
        return "\n".join(lines) + "\n"

    # -- process control -------------------------------------------------
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def launch(self):
        """Start nsd in the foreground; does not wait for it (see wait_ready)."""
        if self.running():
            raise LabError("%s is already running (pid %d)" % (self.name, self.proc.pid))
        if _address_in_use(self.address):
            raise LabError(
                "%s:%d is already in use by another process (a lab left running? "
                "see `ss -lunp`)" % (self.address, DNS_PORT)
            )
        self._sigterm_sent = False
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)  # nsd is built with systemd support
        self._stderr = open(self.workdir / "nsd.stderr", "ab")
        self.proc = subprocess.Popen(
            [str(self.nsd_binary), "-d", "-c", str(self.conf_path)],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
            cwd=str(self.workdir),
            env=env,
            start_new_session=True,  # its own process group: nsd and its helpers
        )

    def ready(self):
        """True once every zone of this server answers its SOA."""
        return all(_soa_answered(self.address, zone) for zone in self.zones)

    def wait_ready(self, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.ready():
            self.check_alive()
            if time.monotonic() >= deadline:
                raise LabError(
                    "%s (%s) did not answer SOA of %s within %.0f s; log:\n%s"
                    % (self.name, self.address, " ".join(self.zones), timeout, self.log())
                )
            time.sleep(0.02)

    def check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            raise LabError(
                "nsd for %s (%s) exited with status %s; log:\n%s"
                % (
                    self.name,
                    self.address,
                    None if self.proc is None else self.proc.returncode,
                    self.log(),
                )
            )

    def terminate(self):
        """Send SIGTERM (to nsd's main process, by pid) without waiting."""
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            self._sigterm_sent = True

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM and wait until nsd and its helpers are gone (bounded).

        Returns a list of problems, empty if nsd stopped cleanly.  Whatever is
        left after timeout gets SIGKILL: the main process by pid, its helpers
        through the process group it was started in.
        """
        problems = []
        if self.proc is None:
            return problems
        pid = self.proc.pid
        if self.proc.poll() is not None and not self._sigterm_sent:
            problems.append(
                "nsd for %s died during the test (status %s)" % (self.name, self.proc.returncode)
            )
        self.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            problems.append("nsd for %s (pid %d) ignored SIGTERM; killed" % (self.name, pid))
            self.proc.kill()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                problems.append("nsd for %s (pid %d) survived SIGKILL" % (self.name, pid))
        deadline = time.monotonic() + timeout
        while _group_members(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        leftovers = _group_members(pid)
        if leftovers:
            problems.append(
                "helpers of nsd for %s still ran %.0f s after it exited (pids %s); killed"
                % (self.name, timeout, leftovers)
            )
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self.proc = None
        if problems:
            problems.append("--- log of %s ---\n%s" % (self.name, self.log()[-4000:]))
        return problems

    def log(self):
        text = ""
        for path in (self.log_path, self.workdir / "nsd.stderr"):
            with contextlib.suppress(OSError):
                text += path.read_bytes().decode("utf-8", "replace")
        return text


class CapturedQuery:
    """One DNS message seen on its way to a lab address, port 53."""

    __slots__ = ("time", "server", "client", "client_port", "transport", "wire", "_message")

    def __init__(self, when, server, client, client_port, transport, wire):
        self.time = when
        self.server = server
        self.client = client
        self.client_port = client_port
        self.transport = transport  # "udp" or "tcp"
        self.wire = wire
        self._message = False  # not parsed yet

    @property
    def message(self):
        """The parsed dns.message.Message, or None if it does not parse."""
        if self._message is False:
            try:
                self._message = dns.message.from_wire(self.wire)
            except Exception:  # noqa: BLE001 - tests may send garbage on purpose
                self._message = None
        return self._message

    @property
    def question(self):
        """(qname as sent, with its case, qtype text) or None."""
        m = self.message
        if m is None or not m.question:
            return None
        q = m.question[0]
        return q.name.to_text(), dns.rdatatype.to_text(q.rdtype)

    def __repr__(self):
        return "<%s query to %s from %s:%d %s>" % (
            self.transport,
            self.server,
            self.client,
            self.client_port,
            self.question,
        )


# Classic BPF, run by the kernel on each packet of the capture socket (which
# sees IPv4 packets from the network header on).  Keeps packets that arrive
# (not the copy seen while leaving) for 127.53.0.0/16, UDP or TCP, port 53.
_BPF_LD_W_ABS, _BPF_LD_H_IND, _BPF_LD_B_ABS = 0x20, 0x48, 0x30
_BPF_LDX_B_MSH, _BPF_AND_K, _BPF_JEQ_K, _BPF_RET_K = 0xB1, 0x54, 0x15, 0x06
_SKF_AD_PKTTYPE = (-0x1000 + 4) & 0xFFFFFFFF  # "load skb->pkt_type"
_PACKET_OUTGOING = 4
_CAPTURE_FILTER = [
    # (code, jump-if-true, jump-if-false, k); jumps skip that many insns
    (_BPF_LD_W_ABS, 0, 0, _SKF_AD_PKTTYPE),  # 0  A = packet type
    (_BPF_JEQ_K, 10, 0, _PACKET_OUTGOING),  # 1  outgoing copy -> drop
    (_BPF_LD_W_ABS, 0, 0, 16),  # 2  A = IPv4 destination
    (_BPF_AND_K, 0, 0, 0xFFFF0000),  # 3  A &= /16 mask
    (_BPF_JEQ_K, 0, 7, 0x7F350000),  # 4  not 127.53/16 -> drop
    (_BPF_LD_B_ABS, 0, 0, 9),  # 5  A = IP protocol
    (_BPF_JEQ_K, 1, 0, socket.IPPROTO_UDP),  # 6  UDP -> 8
    (_BPF_JEQ_K, 0, 4, socket.IPPROTO_TCP),  # 7  not TCP -> drop
    (_BPF_LDX_B_MSH, 0, 0, 0),  # 8  X = IP header length
    (_BPF_LD_H_IND, 0, 0, 2),  # 9  A = destination port
    (_BPF_JEQ_K, 0, 1, DNS_PORT),  # 10 not 53 -> drop
    (_BPF_RET_K, 0, 0, 0x40000),  # 11 keep (whole packet)
    (_BPF_RET_K, 0, 0, 0),  # 12 drop
]
_SO_ATTACH_FILTER = 26
_SO_RCVBUFFORCE = 33
_ETH_P_IP = 0x0800


class QueryCapture:
    """Records every DNS query sent to 127.53.0.0/16 port 53 over loopback.

    A thread keeps the capture socket drained so its buffer never fills;
    ``records()`` drains it too before answering, so a query whose reply has
    already come back is always included.
    """

    def __init__(self):
        self._sock = None
        self._lock = threading.Lock()
        self._records = []
        self._streams = {}  # TCP: (client, port, server) -> [next seq, bytes]
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(_ETH_P_IP))
        try:
            program = b"".join(struct.pack("HBBI", *insn) for insn in _CAPTURE_FILTER)
            buf = ctypes.create_string_buffer(program)
            fprog = struct.pack("HL", len(_CAPTURE_FILTER), ctypes.addressof(buf))
            sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)
            sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, 8 << 20)
            sock.bind(("lo", _ETH_P_IP))
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._sock = sock
        self._drain()  # packets queued before the filter was attached
        with self._lock:
            self._records.clear()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lab-capture", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def records(self):
        """All queries recorded so far (since the last clear()), oldest first."""
        self._drain()
        with self._lock:
            return list(self._records)

    def clear(self):
        self._drain()
        with self._lock:
            self._records.clear()

    # -- internals ---------------------------------------------------------
    def _run(self):
        while not self._stop.is_set():
            sock = self._sock
            if sock is None:
                return
            try:
                readable, _, _ = select.select([sock], [], [], 0.2)
            except (OSError, ValueError):
                return
            if readable:
                self._drain()

    def _drain(self):
        with self._lock:
            sock = self._sock
            if sock is None:
                return
            while True:
                try:
                    packet, meta = sock.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    return
                if meta[2] == _PACKET_OUTGOING:  # the filter drops these too
                    continue
                with contextlib.suppress(IndexError, struct.error):
                    self._packet(packet)

    def _packet(self, ip):
        """Parse one IPv4 packet (UDP or TCP to port 53) into records."""
        if ip[0] >> 4 != 4:
            return
        header_len = (ip[0] & 0x0F) * 4
        (total_len,) = struct.unpack("!H", ip[2:4])
        proto = ip[9]
        client = socket.inet_ntoa(ip[12:16])
        server = socket.inet_ntoa(ip[16:20])
        if ipaddress.ip_address(server) not in LAB_NETWORK:
            return
        l4 = ip[header_len:total_len]
        now = time.monotonic()
        if proto == socket.IPPROTO_UDP:
            sport, dport = struct.unpack("!HH", l4[:4])
            if dport == DNS_PORT:
                self._records.append(CapturedQuery(now, server, client, sport, "udp", l4[8:]))
        elif proto == socket.IPPROTO_TCP:
            self._tcp_segment(now, client, server, l4)

    def _tcp_segment(self, now, client, server, seg):
        """Follow a TCP stream to port 53 and record each length-framed message.

        On loopback nothing is lost or reordered; a segment that repeats
        bytes already seen (retransmission, keepalive) is skipped, and a gap
        starts the stream afresh.
        """
        sport, dport, seq = struct.unpack("!HHI", seg[:8])
        if dport != DNS_PORT:
            return
        data_off = (seg[12] >> 4) * 4
        flags = seg[13]
        syn, fin, rst = flags & 0x02, flags & 0x01, flags & 0x04
        payload = seg[data_off:]
        key = (client, sport, server)
        if syn:
            self._streams[key] = [(seq + 1) & 0xFFFFFFFF, b""]
            return
        stream = self._streams.setdefault(key, [seq, b""])
        if payload:
            ahead = (seq - stream[0]) & 0xFFFFFFFF
            if ahead == 0:
                stream[1] += payload
                stream[0] = (seq + len(payload)) & 0xFFFFFFFF
            elif ahead < 0x80000000:  # a gap: we missed bytes, resync here
                stream[0], stream[1] = (seq + len(payload)) & 0xFFFFFFFF, payload
            # else: old bytes again, ignore
            buf = stream[1]
            while len(buf) >= 2:
                (length,) = struct.unpack("!H", buf[:2])
                if len(buf) < 2 + length:
                    break
                self._records.append(
                    CapturedQuery(now, server, client, sport, "tcp", buf[2 : 2 + length])
                )
                buf = buf[2 + length :]
            stream[1] = buf
        if fin or rst:
            self._streams.pop(key, None)
        if len(self._streams) > 4096:  # connections we never saw close
            self._streams.clear()


class NsdLab:
    """The whole lab: every server of SERVERS, plus the query capture."""

    def __init__(self, nsd_binary=NSD_BINARY, zones_dir=ZONES_DIR, capture=True):
        self.nsd_binary = Path(nsd_binary)
        self.zones_dir = Path(zones_dir)
        self.servers = [
            NsdServer(name, address, zones, aliases, self.nsd_binary)
            for name, address, zones, aliases in SERVERS
        ]
        self.workdir = None
        self.capture = QueryCapture() if capture else None
        self._capturing = False

    # -- lifecycle -----------------------------------------------------------
    def start(self, workdir):
        """Start every server at once, then wait (bounded) until all answer.

        On failure everything started so far is stopped again and LabError
        says which server failed, with its log.
        """
        self.workdir = Path(workdir)
        if not nsd_available():
            raise LabError("nsd not found at %s (apt-get install nsd)" % self.nsd_binary)
        try:
            if self.capture is not None:
                self.capture.start()
                self._capturing = True
            for server in self.servers:
                server.prepare(self.workdir / server.name, self.zones_dir)
            for server in self.servers:
                server.launch()
            deadline = time.monotonic() + READY_TIMEOUT
            for server in self.servers:
                server.wait_ready(max(0.1, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise
        if self._capturing:
            self.capture.clear()  # readiness probes are not the tests' queries
        return self

    def stop(self):
        """Stop every server (SIGTERM all, then wait for each) and the capture.

        Returns a list of problems, empty if everything stopped cleanly.
        """
        problems = []
        for server in self.servers:
            server.terminate()
        for server in self.servers:
            problems += server.stop()
        if self._capturing:
            self.capture.stop()
            self._capturing = False
        return problems

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- servers ---------------------------------------------------------------
    def server(self, name):
        """The NsdServer called name (an NS name, alias or address)."""
        key = _norm_name(name)
        for server in self.servers:
            names = [server.name, server.address] + server.aliases
            if key in (_norm_name(n) for n in names):
                return server
        raise KeyError("no NSD server %r in the lab (dead or fake servers have none)" % name)

    def address(self, name):
        """The address of any lab server name: NSD, dead or fake (or an address)."""
        if _is_address(name):
            return name
        key = _norm_name(name)
        for table in (DEAD_SERVERS, FAKE_SERVERS):
            if key in table:
                return table[key]
        return self.server(name).address

    def stop_server(self, name):
        """Stop one server: from now on its address is silent (a dead server)."""
        problems = self.server(name).stop()
        if problems:
            raise LabError("\n".join(problems))

    def start_server(self, name, timeout=READY_TIMEOUT):
        """Start a server stopped by stop_server() and wait until it answers."""
        server = self.server(name)
        if server.running():
            return
        server.launch()
        try:
            server.wait_ready(timeout)
        except LabError:
            server.stop()
            raise

    @contextlib.contextmanager
    def down(self, name):
        """Run the body with one server stopped; it is started again after."""
        self.stop_server(name)
        try:
            yield self.server(name)
        finally:
            self.start_server(name)

    # -- queries -----------------------------------------------------------------
    def query(self, name, qname, rdtype="A", tcp=False, payload=1232, timeout=QUERY_TIMEOUT):
        """Ask one lab server directly (no recursion): dns.message.Message."""
        q = dns.message.make_query(qname, rdtype, use_edns=0, payload=payload)
        q.flags &= ~dns.flags.RD
        send = dns.query.tcp if tcp else dns.query.udp
        return send(q, self.address(name), timeout=timeout, port=DNS_PORT)

    def captured(self, name=None):
        """CapturedQuery records (all, or those to one server), oldest first."""
        if self.capture is None or not self._capturing:
            raise LabError("query capture is not running in this lab")
        records = self.capture.records()
        if name is None:
            return records
        address = self.address(name)
        return [r for r in records if r.server == address]

    def queries(self, name):
        """(qname lowercased, qtype) of each query the server received, in order.

        name may be any lab server name or address, including dead and fake
        servers (the queries were sent even if nothing answered).
        """
        result = []
        for record in self.captured(name):
            question = record.question
            if question is not None:
                result.append((question[0].lower(), question[1]))
        return result

    def clear_queries(self):
        """Forget every query recorded so far."""
        if self.capture is not None and self._capturing:
            self.capture.clear()
