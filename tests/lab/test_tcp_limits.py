"""TCP clients that misbehave: they must cost bounded memory, lose their slot, and never
break a clean stop (RFC 7766 §6.2.3; found in review and kept as regression tests)."""
import os
import signal
import socket
import struct
import time

import dns.edns
import dns.message
import pytest


BIG_TXT = "\n".join(
    '      - {name: big, type: TXT, data: ["%s"]}' % (("%02d" % i) * 100) for i in range(40))
ZONE = "private-zones:\n  - name: example.test\n    records:\n" + BIG_TXT + "\n"


def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def query_frame(qid, name="big.example.test.", rdtype="TXT", pad_to=None):
    q = dns.message.make_query(name, rdtype, id=qid)
    wire = q.to_wire()
    if pad_to:
        # an EDNS padding option makes one huge but valid query (RFC 7830)
        q = dns.message.make_query(name, rdtype, id=qid, use_edns=0,
                                   options=[dns.edns.GenericOption(12, b"\0" * pad_to)])
        wire = q.to_wire(max_size=65535)
    return struct.pack("!H", len(wire)) + wire


def non_reading_client(port, n_queries, first_big=False):
    """Connect with a tiny receive buffer, push queries for a big answer, never read."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    payload = (query_frame(1, pad_to=60000) if first_big else b"") + \
        b"".join(query_frame(2 + i) for i in range(n_queries))
    sent, deadline = 0, time.monotonic() + 2.0
    while sent < len(payload) and time.monotonic() < deadline:
        try:
            sent += s.send(payload[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.01)
    return s


def wait_closed(sock, timeout):
    sock.setblocking(True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
    return False


@pytest.fixture
def d(cairnd):
    return cairnd(server="tcp-idle-timeout: 1s", rest=ZONE)


def test_clients_that_never_read_cost_bounded_memory_and_are_closed(d):
    before = vm_rss_kib(d.proc.pid)
    clients = [non_reading_client(d.port, 2000, first_big=True) for _ in range(4)]
    time.sleep(0.5)
    grown_mib = (vm_rss_kib(d.proc.pid) - before) / 1024
    # each connection may hold about 256 KiB of answers and a 64 KiB read buffer; AddressSanitizer
    # keeps freed memory in quarantine, so its builds get more room (unbounded queues grew
    # over 100 MiB per connection)
    limit = 64 if os.environ.get("CAIRN_SANITIZED") == "1" else 16
    assert grown_mib < limit, "4 non-reading clients grew cairnd by %.0f MiB" % grown_mib
    for s in clients:
        assert wait_closed(s, timeout=5), "a client that never reads kept its connection"
        s.close()
    assert d.answers_localhost()


def test_sigterm_with_a_non_reading_client_still_exits_0(d):
    s = non_reading_client(d.port, 500)
    time.sleep(0.3)
    d.proc.send_signal(signal.SIGTERM)
    rc = d.wait_exit(6)
    s.close()
    assert rc == 0, "exit status %s after SIGTERM; log:\n%s" % (rc, d.log()[-3000:])
    d.stopped = True
    assert "Sanitizer" not in d.log()


def test_answers_queued_before_sigterm_arrive_whole_then_a_clean_close(d):
    s = non_reading_client(d.port, 300)
    time.sleep(0.3)
    d.proc.send_signal(signal.SIGTERM)
    s.setblocking(True)
    s.settimeout(5)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            pytest.fail("connection reset after %d bytes: answers lost" % len(data))
        if not chunk:
            break
        data += chunk
    s.close()
    answers, off = 0, 0
    while off < len(data):
        assert off + 2 <= len(data), "a length prefix cut in half"
        n = struct.unpack("!H", data[off:off + 2])[0]
        assert off + 2 + n <= len(data), "an answer cut short"
        msg = dns.message.from_wire(data[off + 2:off + 2 + n])
        assert len(msg.answer[0]) == 40
        answers, off = answers + 1, off + 2 + n
    assert answers >= 1
    assert d.wait_exit(6) == 0
    d.stopped = True
