"""UDP listeners read and answer datagrams in batches (recvmmsg/sendmmsg): a burst gets every
answer back to its sender with its own ID, and an oversized datagram in the middle of a burst
is dropped and counted without disturbing its neighbours."""
import socket

import dns.message
import dns.rcode

from resolution_util import recursion_yaml, stop_and_stats


def burst(d, wires, expect):
    """Send every wire without waiting, from one socket; return the replies received."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.settimeout(3.0)
    s.connect((d.addr, d.port))
    for w in wires:
        s.send(w)
    replies = []
    try:
        while len(replies) < expect:
            replies.append(dns.message.from_wire(s.recv(65535)))
    except socket.timeout:
        pass
    s.close()
    return replies


def test_a_burst_of_queries_gets_every_answer_with_its_own_id(nsd_lab, cairnd):
    d = cairnd(rest=recursion_yaml(prime_root=False))
    names = ["www.example.lab.", "nope.example.lab.", "alias.example.lab."]
    queries = []
    for i in range(150):
        q = dns.message.make_query(names[i % 3], "A", use_edns=0)
        q.id = 1000 + i
        queries.append(q)
    replies = burst(d, [q.to_wire() for q in queries], len(queries))
    assert sorted(r.id for r in replies) == [q.id for q in queries]
    for r in replies:
        asked = queries[r.id - 1000]
        assert r.question == asked.question
        want = dns.rcode.NXDOMAIN if "nope" in asked.question[0].name.to_text() \
            else dns.rcode.NOERROR
        assert r.rcode() == want, r


def test_an_oversized_datagram_is_dropped_and_counted(nsd_lab, cairnd):
    d = cairnd(rest=recursion_yaml(prime_root=False))
    good = []
    for i in range(3):
        q = dns.message.make_query("www.example.lab.", "A")
        q.id = 7 + i
        good.append(q.to_wire())
    huge = good[0][:2] + good[0][2:] + b"\0" * 5000  # longer than any query may be
    replies = burst(d, [good[0], huge, good[1], good[2]], 4)
    assert sorted(r.id for r in replies) == [7, 8, 9]
    stats = stop_and_stats(d)
    assert stats["dropped"] == 1 and stats["queries"] == 4
