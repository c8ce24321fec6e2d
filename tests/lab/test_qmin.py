"""QNAME minimisation (RFC 9156), as the lab's servers see it.

With qname-minimisation on (the default), each server is shown only the
labels it needs: one more label than the zone it serves, asked with QTYPE A,
until the zone that holds the name gets the full question.  The lab's packet
capture records what each server was asked.  prime-root is off so that the
root's log holds only what the client's question cost.
"""

import dns.name
import dns.rcode
import pytest

from labutil import describe, rdata_texts, soa_in_authority
from resolution_util import FakeZone, queries_to, recursion_yaml

CLIENT_TIMEOUT = 5.0
LAB_SERVERS = ("ns1.nic.lab", "ns2.nic.lab")
EXAMPLE_SERVERS = ("ns1.example.lab", "ns2.example.lab")
LONG_NAME = "a.b.c.d.e.f.minimise.lab."
ZONE_SPOOF = dns.name.from_text("spoof.lab.")


@pytest.fixture
def fresh(nsd_lab, cairnd):
    def start(**keys):
        keys.setdefault("prime_root", False)
        nsd_lab.clear_queries()
        return cairnd(rest=recursion_yaml(**keys))

    return start


def test_each_server_sees_one_label_more_than_its_zone(fresh, nsd_lab):
    d = fresh()
    r = d.udp(LONG_NAME, "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, LONG_NAME, "A") == ["192.0.2.50"], describe(r)

    assert nsd_lab.queries("a.root.lab") == [("lab.", "A")]
    assert queries_to(nsd_lab, LAB_SERVERS) == [("minimise.lab.", "A")]
    assert nsd_lab.queries("ns.minimise.lab") == [
        ("f.minimise.lab.", "A"),
        ("e.f.minimise.lab.", "A"),
        ("d.e.f.minimise.lab.", "A"),
        ("c.d.e.f.minimise.lab.", "A"),
        ("b.c.d.e.f.minimise.lab.", "A"),
        (LONG_NAME, "A"),
    ]


def test_only_the_last_query_carries_the_real_qtype(fresh, nsd_lab):
    d = fresh()
    r = d.udp("txt.example.lab.", "TXT", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert rdata_texts(r, "txt.example.lab.", "TXT") == ['"hello lab"'], describe(r)
    assert nsd_lab.queries("a.root.lab") == [("lab.", "A")]
    assert queries_to(nsd_lab, LAB_SERVERS) == [("example.lab.", "A")]
    assert queries_to(nsd_lab, EXAMPLE_SERVERS) == [("txt.example.lab.", "TXT")]


def test_known_delegations_are_not_asked_again(fresh, nsd_lab):
    d = fresh()
    d.udp("www.example.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    nsd_lab.clear_queries()
    r = d.udp("www.b.c.d.deep.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert rdata_texts(r, "www.b.c.d.deep.lab.", "A") == ["192.0.2.40"], describe(r)
    assert nsd_lab.queries("a.root.lab") == [], "lab.'s servers were known already"
    assert queries_to(nsd_lab, LAB_SERVERS) == [("deep.lab.", "A")]
    assert nsd_lab.queries("ns.deep.lab") == [("d.deep.lab.", "A")]
    assert nsd_lab.queries("ns.d.deep.lab") == [("c.d.deep.lab.", "A")]
    assert nsd_lab.queries("ns.c.d.deep.lab") == [("b.c.d.deep.lab.", "A")]
    assert nsd_lab.queries("ns.b.c.d.deep.lab") == [("www.b.c.d.deep.lab.", "A")]


def test_without_minimisation_every_server_sees_the_full_name(fresh, nsd_lab):
    d = fresh(qname_minimisation=False)
    r = d.udp(LONG_NAME, "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert rdata_texts(r, LONG_NAME, "A") == ["192.0.2.50"], describe(r)
    assert nsd_lab.queries("a.root.lab") == [(LONG_NAME, "A")]
    assert queries_to(nsd_lab, LAB_SERVERS) == [(LONG_NAME, "A")]
    assert nsd_lab.queries("ns.minimise.lab") == [(LONG_NAME, "A")]


def test_without_minimisation_the_root_sees_the_real_qtype(fresh, nsd_lab):
    d = fresh(qname_minimisation=False)
    r = d.udp("txt.example.lab.", "TXT", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert rdata_texts(r, "txt.example.lab.", "TXT") == ['"hello lab"'], describe(r)
    assert nsd_lab.queries("a.root.lab") == [("txt.example.lab.", "TXT")]


def test_empty_non_terminal_is_nodata_and_does_not_stop_the_walk(fresh, nsd_lab):
    """f.minimise.lab. exists only because names below it do: NOERROR, no
    data.  Asked first, its cached NODATA must not hide what is below."""
    d = fresh()
    r = d.udp("f.minimise.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert not r.answer and soa_in_authority(r) is not None, describe(r)
    r = d.udp("c.d.e.f.minimise.lab.", "AAAA", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert not r.answer and soa_in_authority(r) is not None, describe(r)
    r = d.udp(LONG_NAME, "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, LONG_NAME, "A") == ["192.0.2.50"], describe(r)


def test_nxdomain_on_the_way_down_is_the_answer(fresh, nsd_lab):
    """nope.example.lab. does not exist, so nothing below it does (RFC 8020)."""
    d = fresh()
    r = d.udp("x.y.nope.example.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "example.lab.", describe(r)
    # the minimised question came first and got the NXDOMAIN; cairnd may then
    # ask the full name once (relaxed minimisation, in case the server
    # wrongly says NXDOMAIN for an empty non-terminal), but nothing else
    names = [q for q, _t in queries_to(nsd_lab, EXAMPLE_SERVERS)]
    assert names[:1] == ["nope.example.lab."], names
    assert set(names[1:]) <= {"x.y.nope.example.lab."} and len(names) <= 2, names


def test_minimised_questions_never_go_above_the_zone_of_the_server_asked(
    fresh, nsd_lab, fake_auth
):
    """spoof.lab. delegates sub.spoof.lab. to ns.sub.spoof.lab. and forgot the
    glue.  Retrying from the cached delegation, cairnd goes back to the
    spoof.lab. server: whatever it asks there must be spoof.lab. or below
    (one label more than the zone it serves), never "lab."."""
    zone = FakeZone(
        "spoof.lab.",
        ["ns.spoof.lab. 300 A 127.53.40.1"],
        delegations={"sub.spoof.lab.": (["sub.spoof.lab. 300 NS ns.sub.spoof.lab."], [])},
    )
    fake = fake_auth("ns.spoof.lab", zone)
    d = fresh()
    for qname in ("a.sub.spoof.lab.", "b.sub.spoof.lab."):
        r = d.udp(qname, "A", use_edns=0, timeout=CLIENT_TIMEOUT)
        assert r.rcode() == dns.rcode.SERVFAIL, describe(r)
    asked = [name for name, _t in fake.queries()]
    assert asked, "the spoof.lab. server was never asked"
    outside = [n for n in asked if not dns.name.from_text(n).is_subdomain(ZONE_SPOOF)]
    assert outside == [], "the server of spoof.lab. was asked %s (all: %s)" % (outside, asked)
    # and the first minimised step below spoof.lab. is sub.spoof.lab.
    assert asked[0] == "sub.spoof.lab.", asked
