"""Helpers shared by the cairnd lab tests.

Everything here talks to loopback only and every wait is bounded in time.
"""

import os
import random
import signal
import socket
import struct
import subprocess
import textwrap
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO / "build" / "cairnd"

READY_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0
QUERY_TIMEOUT = 2.0

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")


def cairnd_binary():
    return Path(os.environ.get("CAIRND", str(DEFAULT_BINARY)))


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _port_free(family, host, port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(family, kind)
        try:
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def _ephemeral_low():
    """The first port of the kernel's ephemeral range (32768 when unknown)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(ipv6=False):
    """A port that is free for UDP and TCP on 127.0.0.1 (and ::1 if asked).

    It is taken below the kernel's ephemeral range: a port the kernel hands out to
    outgoing sockets (cairnd's upstream queries, the tests' own TCP clients) could be
    taken by one of them between this check and the daemon's bind."""
    low = min(_ephemeral_low(), 65535)
    for _ in range(50):
        port = random.randrange(20000, max(low, 20001))
        if not _port_free(socket.AF_INET, "127.0.0.1", port):
            continue
        if ipv6 and not _port_free(socket.AF_INET6, "::1", port):
            continue
        return port
    raise RuntimeError("could not find a free loopback port in 50 tries")


def wait_until(predicate, timeout=3.0, interval=0.05):
    """Poll predicate() until it returns a truthy value or timeout expires.

    Returns the last value of predicate().  Exceptions count as falsy.
    """
    deadline = time.monotonic() + timeout
    value = None
    while True:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - polling helper
            value = None
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def compose_config(port, ipv6=False, server="", rest="", listen=True):
    """Build a cairnd YAML config.

    server: extra keys for the `server:` mapping (written unindented, we indent).
    rest:   top-level YAML after the server block (e.g. private-zones).

    Unless rest has its own `recursion:` block, recursion is switched off: a test daemon
    must never send queries to the Internet's root servers (the built-in hints).  Unless it
    has its own `control:` block, there is no control socket: the default path
    (/run/cairn/cairnd.sock) is one per host, and test daemons run side by side.
    Unless it has its own `dnssec:` block, validation is off: the main lab is unsigned
    and its root is not the IANA root the built-in trust anchors vouch for (the
    signed lab, dnssec_lab.py, gives its own anchor).
    """
    lines = ["server:"]
    if listen:
        addrs = ['"127.0.0.1@%d"' % port]
        if ipv6:
            addrs.append('"::1@%d"' % port)
        lines.append("  listen: [%s]" % ", ".join(addrs))
    server = textwrap.dedent(server).strip("\n")
    if server:
        lines.append(textwrap.indent(server, "  "))
    text = "\n".join(lines) + "\n"
    rest = textwrap.dedent(rest).strip("\n")
    if not any(line.startswith("recursion:") for line in rest.splitlines()):
        text += "recursion:\n  enabled: false\n"
    if not any(line.startswith("control:") for line in rest.splitlines()):
        text += 'control:\n  socket: ""\n'
    if not any(line.startswith("dnssec:") for line in rest.splitlines()):
        text += "dnssec:\n  validation: false\n"
    if rest:
        text += rest + "\n"
    return text


class Daemon:
    """One running cairnd process."""

    def __init__(self, binary, workdir, port, ipv6=False):
        self.binary = Path(binary)
        self.workdir = Path(workdir)
        self.port = port
        self.addr = "127.0.0.1"
        self.addr6 = "::1"
        self.ipv6 = ipv6
        self.config_path = self.workdir / "cairnd.yaml"
        self.log_path = self.workdir / "cairnd.log"
        self.proc = None
        self.stopped = False
        self.exit_code = None

    # -- configuration -------------------------------------------------
    def write_files(self, files):
        for rel, content in (files or {}).items():
            p = self.workdir / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(textwrap.dedent(content).lstrip("\n"))

    def write_config(self, server="", rest="", files=None, raw=None):
        self.write_files(files)
        if raw is not None:
            text = textwrap.dedent(raw).lstrip("\n").replace("$PORT", str(self.port))
        else:
            text = compose_config(self.port, self.ipv6, server, rest)
        self.config_path.write_text(text)

    # -- process control -----------------------------------------------
    def start(self):
        env = dict(os.environ)
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self._logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(self.binary), "-c", str(self.config_path)],
            stdin=subprocess.DEVNULL,
            stdout=self._logf,
            stderr=self._logf,
            # not the config folder: relative zone paths must be resolved
            # against the config file's folder, not the working directory
            cwd="/",
            env=env,
        )
        self._wait_ready()
        return self

    def _wait_ready(self):
        targets = [(socket.AF_INET, (self.addr, self.port))]
        if self.ipv6:
            targets.append((socket.AF_INET6, (self.addr6, self.port, 0, 0)))
        deadline = time.monotonic() + READY_TIMEOUT
        pending = list(targets)
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    "cairnd exited early with status %s; log:\n%s"
                    % (self.proc.returncode, self.log())
                )
            fam, sa = pending[0]
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(0.2)
            try:
                s.connect(sa)
                pending.pop(0)
            except OSError:
                if time.monotonic() >= deadline:
                    self.kill()
                    raise RuntimeError(
                        "cairnd not accepting TCP on %s within %.0fs; log:\n%s"
                        % (sa, READY_TIMEOUT, self.log())
                    )
                time.sleep(0.05)
            finally:
                s.close()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout):
        """Wait for exit; returns exit code or None on timeout."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.stopped = True
        self.exit_code = rc
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # SIGKILL to our own child, by PID
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.stopped = True

    def stop(self):
        """SIGTERM, wait; returns list of problems (empty if clean)."""
        problems = []
        if self.proc is None:
            return problems
        if not self.stopped and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            rc = self.wait_exit(STOP_TIMEOUT)
            if rc is None:
                self.kill()
                problems.append(
                    "cairnd (pid %d) did not exit within %.0fs of SIGTERM; killed"
                    % (self.proc.pid, STOP_TIMEOUT)
                )
            elif rc != 0:
                problems.append("cairnd exited with status %d after SIGTERM" % rc)
        elif not self.stopped:
            rc = self.proc.returncode
            self.stopped = True
            self.exit_code = rc
            problems.append("cairnd died during the test with status %s" % rc)
        try:
            self._logf.close()
        except Exception:  # noqa: BLE001
            pass
        log = self.log()
        for marker in SANITIZER_MARKERS:
            if marker in log:
                problems.append("sanitizer report (%r) in cairnd log" % marker)
                break
        if problems:
            problems.append("--- cairnd log (%s) ---\n%s" % (self.log_path, log[-8000:]))
        return problems

    def log(self):
        try:
            return self.log_path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    # -- querying --------------------------------------------------------
    def udp(self, qname, rdtype="A", v6=False, timeout=QUERY_TIMEOUT, source=None, **kw):
        q = dns.message.make_query(qname, rdtype, **kw)
        return dns.query.udp(
            q, self.addr6 if v6 else self.addr, timeout=timeout, port=self.port, source=source
        )

    def tcp(self, qname, rdtype="A", v6=False, timeout=QUERY_TIMEOUT, source=None, **kw):
        q = dns.message.make_query(qname, rdtype, **kw)
        return dns.query.tcp(
            q, self.addr6 if v6 else self.addr, timeout=timeout, port=self.port, source=source
        )

    def query(self, proto, qname, rdtype="A", **kw):
        return getattr(self, proto)(qname, rdtype, **kw)

    def raw_udp(self, wire, timeout=1.0, source=None):
        """Send raw bytes; return the reply bytes or None if nothing came back."""
        return raw_udp_exchange(self.addr, self.port, wire, timeout, source)

    def tcp_connect(self, timeout=2.0, v6=False):
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((self.addr6 if v6 else self.addr, self.port))
        return s

    def answers_localhost(self, tries=5, timeout=1.0):
        """True if `localhost. A` over UDP gets 127.0.0.1 (bounded retries)."""
        for _ in range(tries):
            try:
                r = self.udp("localhost.", "A", timeout=timeout)
            except Exception:  # noqa: BLE001 - retry on timeout
                continue
            return r.rcode() == dns.rcode.NOERROR and "127.0.0.1" in rdata_texts(
                r, "localhost.", "A"
            )
        return False


def raw_udp_exchange(host, port, wire, timeout=1.0, source=None):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        if source:
            s.bind((source, 0))
        s.settimeout(timeout)
        s.sendto(wire, (host, port))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            s.settimeout(remaining)
            try:
                data, peer = s.recvfrom(65535)
            except socket.timeout:
                return None
            if peer[1] == port:
                return data


def frame(wire):
    return struct.pack("!H", len(wire)) + wire


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out reading %d bytes (got %d)" % (n, len(buf)))
        sock.settimeout(remaining)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def recv_frame(sock, timeout=2.0):
    deadline = time.monotonic() + timeout
    (length,) = struct.unpack("!H", recv_exact(sock, 2, deadline))
    return recv_exact(sock, length, deadline)


def header(wire):
    """(id, flags, qdcount, ancount, nscount, arcount) of a DNS message."""
    return struct.unpack("!HHHHHH", wire[:12])


def hdr_rcode(wire):
    return header(wire)[1] & 0xF


def hdr_opcode(wire):
    return (header(wire)[1] >> 11) & 0xF


def hdr_qr(wire):
    return bool(header(wire)[1] & 0x8000)


def rrset(msg, name, rdtype, section="answer"):
    want_name = dns.name.from_text(name)
    want_type = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
    for rs in getattr(msg, section):
        if rs.name == want_name and rs.rdtype == want_type:
            return rs
    return None


def rdata_texts(msg, name, rdtype, section="answer"):
    rs = rrset(msg, name, rdtype, section)
    return sorted(r.to_text() for r in rs) if rs is not None else []


def soa_in_authority(msg):
    for rs in msg.authority:
        if rs.rdtype == dns.rdatatype.SOA:
            return rs
    return None


def has_flag(msg, flag):
    return bool(msg.flags & flag)


def describe(msg):
    """Compact dig-like rendering for assertion messages."""
    return "\n" + msg.to_text()

