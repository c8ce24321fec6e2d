"""How cairnd reaches servers: source address and ports, IDs, address families."""
import socket
import threading

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

import labutil
import nsdlab


def recursion(extra=""):
    return nsdlab.cairn_recursion_yaml().rstrip("\n") + "\n" + extra


def ede(r):
    return [(o.code, o.text) for o in r.options if isinstance(o, dns.edns.EDEOption)]


def test_outgoing_address_is_the_source_of_every_upstream_query(nsd_lab, cairnd):
    d = cairnd(rest=recursion("  outgoing-address: [127.0.0.2]\n  prime-root: false\n"))
    nsd_lab.clear_queries()
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR, r
    sources = {q.client for q in nsd_lab.captured()}
    assert sources == {"127.0.0.2"}, sources


def test_each_upstream_query_has_its_own_port_and_id(nsd_lab, cairnd):
    d = cairnd(rest=recursion("  prime-root: false\n"))
    nsd_lab.clear_queries()
    for name in ("www", "mail", "txt", "nodata", "nope1", "nope2"):
        d.udp("%s.example.lab." % name, "A", use_edns=0)
    seen = [q for q in nsd_lab.captured() if q.transport == "udp"]
    assert len(seen) >= 8, seen
    ports = [q.client_port for q in seen]
    ids = [q.message.id for q in seen]
    # Fresh sockets on random ports: no port reused, and IDs drawn at random.
    assert len(set(ports)) == len(ports), ports
    assert len(set(ids)) >= len(ids) - 1, ids


def test_ipv4_off_leaves_no_server_to_ask(nsd_lab, cairnd):
    d = cairnd(rest=recursion("  ipv4: false\n  prime-root: false\n"))
    nsd_lab.clear_queries()
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.SERVFAIL
    (code, text), = ede(r)
    assert code == dns.edns.EDECode.NO_REACHABLE_AUTHORITY
    assert "address" in text, text
    assert nsd_lab.captured() == []


def test_ipv6_off_never_asks_aaaa_of_name_servers(nsd_lab, cairnd):
    d = cairnd(rest=recursion("  ipv6: false\n  prime-root: false\n"))
    nsd_lab.clear_queries()
    r = d.udp("www.glueless.lab.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR
    assert [rr.address for rr in r.answer[0]] == ["192.0.2.30"]
    asked = [q.question for q in nsd_lab.captured() if q.question]
    assert ("ns1.hoster.test.", "A") in [(n.lower(), t) for n, t in asked], asked
    assert not [q for q in asked if q[1] == "AAAA"], asked


class V6Authority:
    """A one-zone authoritative server on [::1]:53 (NSD's lab is IPv4 only)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        self.sock.bind(("::1", 53))
        self.sock.settimeout(0.1)
        self.received = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            q = dns.message.from_wire(data)
            self.received.append(q.question[0].name.to_text().lower())
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            name = q.question[0].name
            if q.question[0].rdtype == dns.rdatatype.A:
                r.answer.append(dns.rrset.from_text(name, 300, "IN", "A", "192.0.2.66"))
            self.sock.sendto(r.to_wire(), peer)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def v6_authority():
    if not labutil.ipv6_loopback_available():
        pytest.skip("no IPv6 loopback on this host")
    try:
        server = V6Authority()
    except OSError as e:
        pytest.skip("cannot bind [::1]:53: %s" % e)
    yield server
    server.stop()


V6_HINTS = """recursion:
  root-hints: [{name: ns.v6root.test, address: "::1"}]
  query-loopback: true
  prime-root: false
  qname-minimisation: false
"""


def test_a_server_reachable_only_over_ipv6_is_used(v6_authority, cairnd):
    d = cairnd(rest=V6_HINTS)
    r = d.udp("www.v6only.test.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR, r
    assert [rr.address for rr in r.answer[0]] == ["192.0.2.66"]
    assert v6_authority.received == ["www.v6only.test."]


def test_ipv6_off_does_not_use_an_ipv6_server(v6_authority, cairnd):
    d = cairnd(rest=V6_HINTS + "  ipv6: false\n")
    r = d.udp("www.v6only.test.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.SERVFAIL
    assert [c for c, _ in ede(r)] == [dns.edns.EDECode.NO_REACHABLE_AUTHORITY]
    assert v6_authority.received == []
