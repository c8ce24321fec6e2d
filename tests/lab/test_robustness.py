"""Garbage input must never crash or wedge the daemon."""

import random
import socket
import struct
import time

import dns.message
import dns.rcode
import pytest

from labutil import frame, rdata_texts

SEED = 20240601


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module(
        rest="""
        private-zones:
          - name: example.test
            records:
              - {name: www, type: A, data: [192.0.2.1]}
              - {name: "*.wild", type: A, data: [192.0.2.9]}
              - {name: alias, type: CNAME, data: [www]}
        """
    )


def _send_datagrams(d, datagrams, time_budget=20.0):
    deadline = time.monotonic() + time_budget
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setblocking(True)
        for dgram in datagrams:
            if time.monotonic() > deadline:
                break
            try:
                s.sendto(dgram, (d.addr, d.port))
                sent += 1
            except OSError:
                pass  # e.g. ENOBUFS; keep going, bounded by the list anyway
    return sent


def _assert_healthy(d):
    assert d.alive(), "cairnd died:\n" + d.log()[-4000:]
    assert d.answers_localhost(tries=5, timeout=1.0), "cairnd no longer answers localhost A"
    r = d.tcp("localhost.", "A")
    assert rdata_texts(r, "localhost.", "A") == ["127.0.0.1"]


def test_random_udp_garbage_does_not_break_daemon(d):
    rng = random.Random(SEED)
    datagrams = [rng.randbytes(rng.randint(0, 600)) for _ in range(10_000)]
    sent = _send_datagrams(d, datagrams)
    assert sent >= 9_000
    _assert_healthy(d)


def test_garbage_with_plausible_query_header_does_not_break_daemon(d):
    # Header says "query, QDCOUNT=1" (plus random other counts), body is random:
    # this reaches the name/RR parser far more often than pure noise.
    rng = random.Random(SEED + 1)
    datagrams = []
    for _ in range(5_000):
        hdr = struct.pack(
            "!HHHHHH",
            rng.randrange(65536),
            rng.choice([0x0000, 0x0100, 0x0120]),
            1,
            rng.choice([0, 0, 1, 2]),
            rng.choice([0, 0, 1]),
            rng.choice([0, 1, 1, 2, 3]),
        )
        datagrams.append(hdr + rng.randbytes(rng.randint(0, 300)))
    _send_datagrams(d, datagrams)
    _assert_healthy(d)


def test_bit_flipped_valid_queries_do_not_break_daemon(d):
    rng = random.Random(SEED + 2)
    seeds = [
        dns.message.make_query("www.example.test.", "A", use_edns=0).to_wire(),
        dns.message.make_query("x.y.wild.example.test.", "AAAA", use_edns=0, want_dnssec=True).to_wire(),
        dns.message.make_query("alias.example.test.", "A").to_wire(),
        dns.message.make_query("1.0.0.127.in-addr.arpa.", "PTR", use_edns=0).to_wire(),
    ]
    datagrams = []
    for _ in range(5_000):
        b = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        if rng.random() < 0.2:
            del b[rng.randrange(len(b)):]
        datagrams.append(bytes(b))
    _send_datagrams(d, datagrams)
    _assert_healthy(d)


def test_tcp_garbage_connections_do_not_break_daemon(d):
    rng = random.Random(SEED + 3)
    deadline = time.monotonic() + 15.0
    for i in range(60):
        if time.monotonic() > deadline:
            break
        try:
            with d.tcp_connect(timeout=1.0) as s:
                kind = i % 3
                if kind == 0:  # random bytes, no framing at all
                    s.sendall(rng.randbytes(rng.randint(1, 600)))
                elif kind == 1:  # framed random body
                    s.sendall(frame(rng.randbytes(rng.randint(0, 600))))
                else:  # length prefix promising more than is sent
                    s.sendall(struct.pack("!H", rng.randint(100, 65535)) + rng.randbytes(50))
        except OSError:
            pass  # server may close/reset on garbage; that is fine
    _assert_healthy(d)


def test_many_valid_queries_burst_all_answered_eventually(d):
    # Not a load test: 200 queries sent back-to-back on one socket, then read.
    qs = [dns.message.make_query("www.example.test.", "A", id=i) for i in range(200)]
    got = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        for q in qs:
            s.sendto(q.to_wire(), (d.addr, d.port))
        deadline = time.monotonic() + 3.0
        while len(got) < len(qs) and time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = s.recv(65535)
            except socket.timeout:
                break
            r = dns.message.from_wire(data)
            assert r.rcode() == dns.rcode.NOERROR
            got.add(r.id)
    # loopback with a 1 MiB receive buffer should lose nothing, allow a little slack
    assert len(got) >= 190, "only %d of 200 answered" % len(got)
