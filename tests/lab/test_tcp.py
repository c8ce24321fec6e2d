"""DNS over TCP (RFC 7766): framing, pipelining, idle timeout, client limit."""

import socket
import time

import dns.message
import dns.rcode
import pytest

from labutil import describe, frame, rdata_texts, recv_frame, wait_until


BIG_YAML = "[" + ", ".join('"%02d%s"' % (i, "y" * 98) for i in range(30)) + "]"


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module(
        server="tcp-idle-timeout: 1s",
        rest="""
        private-zones:
          - name: example.test
            records:
              - {name: www, type: A, data: [192.0.2.1]}
              - {name: txt, type: TXT, data: ["hello"]}
              - {name: big, type: TXT, data: %s}
        """ % BIG_YAML,
    )


@pytest.fixture(scope="module")
def d_max2(cairnd_module):
    return cairnd_module(server="max-tcp-clients: 2")


def exchange(sock, qname, qtype, qid, timeout=2.0):
    q = dns.message.make_query(qname, qtype, id=qid)
    sock.sendall(frame(q.to_wire()))
    r = dns.message.from_wire(recv_frame(sock, timeout))
    assert r.id == qid
    return r


def wait_closed(sock, timeout):
    """Seconds until the peer closed the connection, or None if it stayed open.

    Raises AssertionError if the server sends data instead.
    """
    start = time.monotonic()
    deadline = start + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        sock.settimeout(remaining)
        try:
            data = sock.recv(4096)
        except socket.timeout:
            return None
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
        if data == b"":
            return time.monotonic() - start
        raise AssertionError("unexpected data from server: %r" % data[:64])


# --- framing -------------------------------------------------------------------


def test_tcp_answer_uses_two_byte_length_prefix(d):
    q = dns.message.make_query("www.example.test.", "A", id=4242)
    with d.tcp_connect() as s:
        s.sendall(frame(q.to_wire()))
        wire = recv_frame(s)
    r = dns.message.from_wire(wire)  # would fail if the length were wrong
    assert r.id == 4242
    assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1"]


def test_query_split_across_several_writes_is_answered(d):
    q = dns.message.make_query("www.example.test.", "A", id=4343)
    data = frame(q.to_wire())
    with d.tcp_connect() as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for chunk in (data[:1], data[1:2], data[2:10], data[10:]):
            s.sendall(chunk)
            time.sleep(0.05)
        r = dns.message.from_wire(recv_frame(s))
    assert r.id == 4343
    assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1"]


def test_several_sequential_queries_on_one_connection(d):
    with d.tcp_connect() as s:
        for i in range(5):
            r = exchange(s, "www.example.test.", "A", 5000 + i)
            assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1"]


def test_pipelined_queries_in_one_send_all_get_answers(d):
    cases = {
        6001: ("www.example.test.", "A", dns.rcode.NOERROR, ["192.0.2.1"]),
        6002: ("txt.example.test.", "TXT", dns.rcode.NOERROR, ['"hello"']),
        6003: ("nope.example.test.", "A", dns.rcode.NXDOMAIN, []),
        6004: ("localhost.", "A", dns.rcode.NOERROR, ["127.0.0.1"]),
        6005: ("localhost.", "AAAA", dns.rcode.NOERROR, ["::1"]),
        6006: ("www.example.test.", "AAAA", dns.rcode.NOERROR, []),
        6007: ("example.com.", "A", dns.rcode.REFUSED, []),  # recursion off
        6008: ("foo.localhost.", "A", dns.rcode.NOERROR, ["127.0.0.1"]),
    }
    blob = b""
    for qid, (qname, qtype, _, _) in cases.items():
        blob += frame(dns.message.make_query(qname, qtype, id=qid).to_wire())
    got = {}
    with d.tcp_connect() as s:
        s.sendall(blob)
        deadline = time.monotonic() + 5.0
        while len(got) < len(cases) and time.monotonic() < deadline:
            r = dns.message.from_wire(recv_frame(s, timeout=deadline - time.monotonic()))
            assert r.id in cases, "answer with unknown ID %d" % r.id
            assert r.id not in got, "two answers for ID %d" % r.id
            got[r.id] = r
    assert sorted(got) == sorted(cases)
    for qid, (qname, qtype, rcode, data) in cases.items():
        r = got[qid]
        assert r.question[0].name.to_text() == qname, describe(r)
        assert r.rcode() == rcode, describe(r)
        assert rdata_texts(r, qname, qtype) == data, describe(r)


# --- idle timeout --------------------------------------------------------------------


def test_idle_connection_is_closed_after_tcp_idle_timeout(d):
    with d.tcp_connect() as s:
        elapsed = wait_closed(s, timeout=5.0)
    assert elapsed is not None, "server kept an idle connection open > 5s (timeout 1s)"
    assert 0.5 <= elapsed <= 4.0, "closed after %.2fs, expected about 1s" % elapsed


def test_connection_idle_after_a_query_is_closed(d):
    with d.tcp_connect() as s:
        exchange(s, "www.example.test.", "A", 7001)
        elapsed = wait_closed(s, timeout=5.0)
    assert elapsed is not None, "server kept the connection open > 5s (timeout 1s)"
    assert elapsed <= 4.0


def test_connection_used_within_idle_timeout_stays_open(d):
    with d.tcp_connect() as s:
        for i in range(3):
            time.sleep(0.4)  # 1.2 s total > timeout, but never idle for 1 s
            r = exchange(s, "www.example.test.", "A", 7100 + i)
            assert r.rcode() == dns.rcode.NOERROR


def test_partial_length_prefix_then_silence_is_closed(d):
    # One byte of the length prefix, then nothing: must not hold the slot forever.
    with d.tcp_connect() as s:
        s.sendall(b"\x00")
        elapsed = wait_closed(s, timeout=5.0)
    assert elapsed is not None, "half-sent frame kept the connection open > 5s (timeout 1s)"


def test_partial_message_then_silence_is_closed(d):
    q = frame(dns.message.make_query("www.example.test.", "A").to_wire())
    with d.tcp_connect() as s:
        s.sendall(q[:-5])
        elapsed = wait_closed(s, timeout=5.0)
    assert elapsed is not None, "half-sent message kept the connection open > 5s"


def test_client_trickling_bytes_cannot_hold_a_connection(d):
    # Slowloris: a byte every 0.3 s never completes a message; only whole messages count as
    # activity, so the 1 s idle timeout still closes the connection.
    q = frame(dns.message.make_query("www.example.test.", "A").to_wire())
    closed_at = None
    start = time.monotonic()
    with d.tcp_connect() as s:
        for i in range(len(q) - 1):
            try:
                s.sendall(q[i:i + 1])
            except OSError:
                closed_at = time.monotonic() - start
                break
            elapsed = wait_closed(s, timeout=0.3)
            if elapsed is not None:
                closed_at = time.monotonic() - start
                break
            if time.monotonic() - start > 6:
                break
    assert closed_at is not None, "a trickling client kept its connection over 6 s"
    assert closed_at <= 4.0, "closed only after %.1fs (timeout 1s)" % closed_at


def test_query_then_half_close_still_gets_answer(d):
    q = dns.message.make_query("www.example.test.", "A", id=7200)
    with d.tcp_connect() as s:
        s.sendall(frame(q.to_wire()))
        s.shutdown(socket.SHUT_WR)
        r = dns.message.from_wire(recv_frame(s))
    assert r.id == 7200
    assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1"]


def test_client_that_never_reads_does_not_block_others(d):
    # Pipeline many queries with ~3.4 KB answers and never read them: the
    # server's writes to this client back up.  Other clients must still be
    # served promptly (UDP and TCP).
    blob = b"".join(
        frame(dns.message.make_query("big.example.test.", "TXT", id=i).to_wire())
        for i in range(2000)
    )
    hog = d.tcp_connect()
    try:
        hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        hog.settimeout(3.0)
        try:
            hog.sendall(blob)
        except socket.timeout:
            pass  # server stopped reading from us: fine
        time.sleep(0.2)
        start = time.monotonic()
        r = d.udp("www.example.test.", "A", timeout=2.0)
        assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1"]
        r = d.tcp("www.example.test.", "A", timeout=2.0)
        assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1"]
        assert time.monotonic() - start < 2.0
    finally:
        hog.close()
    assert d.alive()


# --- max-tcp-clients ----------------------------------------------------------------


def _fresh_connection_served(daemon, qid):
    with daemon.tcp_connect(timeout=1.0) as s:
        r = exchange(s, "localhost.", "A", qid, timeout=1.0)
        return r.rcode() == dns.rcode.NOERROR


def test_third_tcp_client_is_not_served_while_two_are_connected(d_max2):
    # Make sure earlier (readiness-probe) connections have been released.
    assert wait_until(lambda: _fresh_connection_served(d_max2, 1), timeout=3.0)
    c1 = d_max2.tcp_connect()
    c2 = d_max2.tcp_connect()
    c3 = None
    try:
        assert exchange(c1, "localhost.", "A", 11).rcode() == dns.rcode.NOERROR
        assert exchange(c2, "localhost.", "A", 12).rcode() == dns.rcode.NOERROR
        try:
            c3 = d_max2.tcp_connect(timeout=1.0)
        except OSError:
            c3 = None  # refused outright: acceptable
        if c3 is not None:
            q = dns.message.make_query("localhost.", "A", id=13)
            try:
                c3.sendall(frame(q.to_wire()))
                got = recv_frame(c3, timeout=1.0)
            except (socket.timeout, EOFError, ConnectionResetError, BrokenPipeError):
                got = None
            assert got is None, "third connection was served despite max-tcp-clients: 2"
        # the first two still work
        assert exchange(c1, "localhost.", "A", 14).rcode() == dns.rcode.NOERROR
        assert exchange(c2, "localhost.", "A", 15).rcode() == dns.rcode.NOERROR
    finally:
        for c in (c3, c1, c2):
            if c is not None:
                c.close()


def test_tcp_slot_is_reusable_after_client_disconnects(d_max2):
    assert wait_until(lambda: _fresh_connection_served(d_max2, 1), timeout=3.0)
    c1 = d_max2.tcp_connect()
    c2 = d_max2.tcp_connect()
    try:
        assert exchange(c1, "localhost.", "A", 21).rcode() == dns.rcode.NOERROR
        assert exchange(c2, "localhost.", "A", 22).rcode() == dns.rcode.NOERROR
        c1.close()
        c1 = None
        served = wait_until(lambda: _fresh_connection_served(d_max2, 23), timeout=3.0)
        assert served, "no new TCP client served after one of two disconnected"
        assert exchange(c2, "localhost.", "A", 24).rcode() == dns.rcode.NOERROR
    finally:
        for c in (c1, c2):
            if c is not None:
                c.close()
