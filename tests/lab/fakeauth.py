"""A scripted authoritative DNS server, for behaviours NSD will not produce.

A test gives a handler; the server calls it for every query it receives::

    def handler(query, transport):          # dns.message.Message, "udp"/"tcp"
        return [(delay_s, reply, source), ...]

and sends each reply ``delay_s`` seconds after the query arrived.  A reply is
a ``dns.message.Message`` or raw wire ``bytes``; ``source`` picks where a UDP
reply comes from:

* ``None``          - the server's own socket (ADDRESS:53), the normal case;
* ``port`` (int)     - ADDRESS:port, e.g. a spoofed answer from a wrong port;
* ``(addr, port)``   - another address altogether (port 0: any free port).

An empty list means "never answer".  Over TCP ``source`` must be None, and a
reply of None closes the connection.  So a test can answer normally, answer
with the question in the wrong case, race a spoofed answer ahead of the real
one, answer TC=1 over UDP and in full over TCP, stay silent, or hand out
out-of-bailiwick "glue".

Everything the server receives is recorded (``received``, ``queries()``),
even messages that do not parse.  It runs on threads, every wait is bounded,
and ``stop()`` (or leaving the ``with`` block) ends them all; an exception in
the handler is re-raised by ``stop()`` so the test fails with it.
"""

import select
import socket
import struct
import threading
import time
import traceback
from collections import namedtuple

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

DNS_PORT = 53
TCP_IDLE_TIMEOUT = 10.0  # a client connection with nothing to say is closed
MAX_DELAY = 30.0  # a scripted delay longer than this is a test bug
JOIN_TIMEOUT = 2.0

Received = namedtuple("Received", "time transport peer wire message")
Received.__doc__ = """One message received: when (monotonic), "udp"/"tcp",
(address, port) of the sender, the raw bytes, and the parsed message (None
if it did not parse)."""


class FakeAuth:
    """One scripted server on ADDRESS:PORT, UDP and (unless tcp=False) TCP."""

    def __init__(self, address, handler, port=DNS_PORT, tcp=True):
        self.address = address
        self.port = port
        self.handler = handler
        self.tcp = tcp
        self.received = []
        self.errors = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []
        self._udp = None
        self._listener = None

    # -- lifecycle -------------------------------------------------------------
    def start(self):
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._udp.bind((self.address, self.port))
            if self.tcp:
                self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self._listener.bind((self.address, self.port))
                self._listener.listen(16)
        except OSError:
            self._close_sockets()
            raise
        self._spawn(self._serve, "fakeauth-%s" % self.address)
        return self

    def stop(self, raise_errors=True):
        """Stop every thread (bounded), close the sockets, report handler errors."""
        self._stop.set()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for thread in list(self._threads):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._close_sockets()
        if raise_errors and self.errors:
            raise RuntimeError(
                "fake server %s: handler failed:\n%s" % (self.address, "\n".join(self.errors))
            )

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        # do not hide the test's own failure behind a handler error
        self.stop(raise_errors=exc_type is None)

    # -- what was received -------------------------------------------------------
    def queries(self):
        """(qname lowercased, qtype) of each parsed query, in arrival order."""
        result = []
        for r in self.records():
            if r.message is not None and r.message.question:
                q = r.message.question[0]
                result.append((q.name.to_text().lower(), dns.rdatatype.to_text(q.rdtype)))
        return result

    def records(self):
        with self._lock:
            return list(self.received)

    def clear(self):
        with self._lock:
            self.received.clear()

    # -- internals -----------------------------------------------------------------
    def _spawn(self, target, name, *args):
        thread = threading.Thread(target=target, name=name, args=args, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _close_sockets(self):
        for sock in (self._udp, self._listener):
            if sock is not None:
                sock.close()
        self._udp = self._listener = None

    def _record(self, transport, peer, wire):
        try:
            message = dns.message.from_wire(wire)
        except Exception:  # noqa: BLE001 - garbage is recorded, not answered
            message = None
        with self._lock:
            self.received.append(Received(time.monotonic(), transport, peer, wire, message))
        return message

    def _script(self, message, transport):
        """The handler's list of replies, checked; [] if the handler failed."""
        try:
            replies = list(self.handler(message, transport) or [])
            for delay, reply, source in replies:
                if not 0 <= delay <= MAX_DELAY:
                    raise ValueError("delay %r s is out of 0..%s" % (delay, MAX_DELAY))
                if transport == "tcp" and source is not None:
                    raise ValueError("a TCP reply cannot come from another source")
                if not (reply is None or isinstance(reply, (bytes, dns.message.Message))):
                    raise TypeError("a reply must be a Message, bytes or None")
            return sorted(replies, key=lambda r: r[0])
        except Exception:  # noqa: BLE001 - reported by stop()
            with self._lock:
                self.errors.append(traceback.format_exc())
            return []

    def _serve(self):
        sockets = [self._udp] + ([self._listener] if self._listener is not None else [])
        while not self._stop.is_set():
            try:
                readable, _, _ = select.select(sockets, [], [], 0.1)
            except (OSError, ValueError):
                return
            for sock in readable:
                if sock is self._udp:
                    try:
                        wire, peer = sock.recvfrom(65535)
                    except OSError:
                        continue
                    arrived = time.monotonic()
                    message = self._record("udp", peer, wire)
                    if message is not None:
                        self._spawn(self._answer_udp, "fakeauth-udp", message, peer, arrived)
                else:
                    try:
                        conn, peer = sock.accept()
                    except OSError:
                        continue
                    self._spawn(self._serve_tcp, "fakeauth-tcp", conn, peer)

    def _wait_until(self, when):
        """Sleep until monotonic time `when`; False if the server is stopping."""
        return not self._stop.wait(max(0.0, when - time.monotonic()))

    def _answer_udp(self, message, peer, arrived):
        for delay, reply, source in self._script(message, "udp"):
            if not self._wait_until(arrived + delay):
                return
            if reply is None:
                continue
            wire = reply.to_wire() if isinstance(reply, dns.message.Message) else reply
            try:
                if source is None:
                    self._udp.sendto(wire, peer)
                else:
                    if isinstance(source, int):
                        source = (self.address, source)
                    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                        s.bind(source)
                        s.sendto(wire, peer)
            except (OSError, AttributeError) as e:  # bad source, or stopped meanwhile
                if not self._stop.is_set():
                    with self._lock:
                        self.errors.append("cannot send from %r to %r: %s" % (source, peer, e))

    def _serve_tcp(self, conn, peer):
        with conn:
            buf = b""
            idle_since = time.monotonic()
            while not self._stop.is_set():
                if time.monotonic() - idle_since > TCP_IDLE_TIMEOUT:
                    return
                conn.settimeout(0.1)
                try:
                    chunk = conn.recv(65535)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                idle_since = time.monotonic()
                buf += chunk
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                    length = struct.unpack("!H", buf[:2])[0]
                    wire, buf = buf[2 : 2 + length], buf[2 + length :]
                    arrived = time.monotonic()
                    message = self._record("tcp", peer, wire)
                    if message is None:
                        continue
                    if not self._answer_tcp(conn, message, arrived):
                        return

    def _answer_tcp(self, conn, message, arrived):
        """Send the scripted replies; False once the connection is to close."""
        for delay, reply, _source in self._script(message, "tcp"):
            if not self._wait_until(arrived + delay):
                return False
            if reply is None:
                return False
            wire = reply.to_wire() if isinstance(reply, dns.message.Message) else reply
            try:
                conn.settimeout(JOIN_TIMEOUT)
                conn.sendall(struct.pack("!H", len(wire)) + wire)
            except OSError:
                return False
        return True


# -- helpers for building replies ------------------------------------------------


def rrsets(lines):
    """RRsets from zone-file-like lines "NAME TTL TYPE RDATA" (class IN).

    Lines with the same name and type become one RRset.  Names must be
    absolute (end with a dot).
    """
    result = []
    for line in lines:
        name, ttl, rdtype, rdata = line.split(None, 3)
        if rdtype.upper() == "IN":  # "NAME TTL IN TYPE RDATA" is fine too
            rdtype, rdata = rdata.split(None, 1)
        name = dns.name.from_text(name)
        rdtype = dns.rdatatype.from_text(rdtype)
        for rs in result:
            if rs.name == name and rs.rdtype == rdtype:
                rs.add(dns.rrset.from_text(name, int(ttl), "IN", rdtype, rdata)[0])
                break
        else:
            result.append(dns.rrset.from_text(name, int(ttl), "IN", rdtype, rdata))
    return result


def reply(query, answer=(), authority=(), additional=(), rcode="NOERROR", aa=True, tc=False):
    """A response to query with the given records (lines for rrsets()).

    It echoes the query's id, question and EDNS, as a real server would.
    """
    r = dns.message.make_response(query)
    r.set_rcode(dns.rcode.from_text(rcode))
    if aa:
        r.flags |= dns.flags.AA
    if tc:
        r.flags |= dns.flags.TC
    r.answer.extend(rrsets(answer))
    r.authority.extend(rrsets(authority))
    r.additional.extend(rrsets(additional))
    return r


def set_question_name(message, name):
    """Rewrite the question of message to name, e.g. in another letter case.

    Answers to a 0x20-randomised query must echo its case exactly; this makes
    a server that does not.
    """
    q = message.question[0]
    message.question[0] = dns.rrset.RRset(dns.name.from_text(name), q.rdclass, q.rdtype)
    return message


def swapcase_name(name):
    """The text of name (a Name or text) with the case of every letter swapped."""
    return (name.to_text() if isinstance(name, dns.name.Name) else name).swapcase()
