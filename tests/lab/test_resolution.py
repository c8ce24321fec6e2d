"""Iterative resolution from the NSD lab: the happy paths.

cairnd starts at the lab's root (127.53.0.1) and follows referrals down to
the zone's servers.  Each test asks cairnd what a user would ask with dig and
checks what dig would show; where the path matters, the lab's packet capture
(nsd_lab.captured / queries) shows what cairnd asked whom.
"""

import time

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

import labutil
from labutil import describe, rdata_texts, rrset, soa_in_authority
from resolution_util import (
    FakeZone,
    ask_concurrently,
    queries_to,
    recursion_yaml,
    stop_and_stats,
    timed,
)

EXAMPLE_SERVERS = ("ns1.example.lab", "ns2.example.lab")
TIMEOUT = 5.0  # client timeout: well above anything the lab needs


@pytest.fixture(scope="module")
def d(nsd_lab, cairnd_module):
    """One daemon shared by the tests that only look at answers."""
    return cairnd_module(rest=recursion_yaml())


def assert_resolved(r, rcode=dns.rcode.NOERROR):
    assert r.rcode() == rcode, describe(r)
    assert r.flags & dns.flags.QR, describe(r)
    assert r.flags & dns.flags.RA, "a resolver's answer has RA=1" + describe(r)
    assert not r.flags & dns.flags.AA, "a resolver's answer is not authoritative" + describe(r)
    assert not r.flags & dns.flags.TC, describe(r)


# -- answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "qname,rdtype,expected",
    [
        ("www.example.lab.", "A", ["192.0.2.1"]),
        ("www.example.lab.", "AAAA", ["2001:db8::1"]),
        ("example.lab.", "MX", ["10 mail.example.lab."]),
        ("mail.example.lab.", "A", ["192.0.2.2"]),
        ("txt.example.lab.", "TXT", ['"hello lab"']),
    ],
)
def test_answer_from_example_lab(d, qname, rdtype, expected):
    r = d.udp(qname, rdtype, use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert rdata_texts(r, qname, rdtype) == expected, describe(r)
    (rs,) = r.answer
    assert 0 < rs.ttl <= 300, describe(r)


def test_cname_into_another_zone_is_followed(d):
    """alias.example.lab. CNAME www.other.test.: the chain and the target's A."""
    r = d.udp("alias.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert [(rs.name.to_text(), dns.rdatatype.to_text(rs.rdtype)) for rs in r.answer] == [
        ("alias.example.lab.", "CNAME"),
        ("www.other.test.", "A"),
    ], describe(r)
    assert rdata_texts(r, "alias.example.lab.", "CNAME") == ["www.other.test."]
    assert rdata_texts(r, "www.other.test.", "A") == ["192.0.2.20"]


def test_nxdomain_carries_the_soa_with_a_ttl_capped_by_its_minimum(d):
    r = d.udp("nope.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r, dns.rcode.NXDOMAIN)
    assert not r.answer, describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "example.lab.", describe(r)
    assert soa.ttl <= soa[0].minimum, describe(r)
    assert soa[0].minimum == 300 and soa[0].mname.to_text() == "ns1.example.lab.", describe(r)


def test_nodata_carries_the_soa(d):
    """nodata.example.lab. has an A record only: AAAA is NOERROR, no answer."""
    r = d.udp("nodata.example.lab.", "AAAA", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert not r.answer, describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "example.lab.", describe(r)
    assert soa.ttl <= soa[0].minimum, describe(r)
    # and the A record is still there
    r = d.udp("nodata.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert rdata_texts(r, "nodata.example.lab.", "A") == ["192.0.2.3"], describe(r)


@pytest.mark.parametrize("proto", ["udp", "tcp"])
@pytest.mark.parametrize(
    "qname,rdtype",
    [
        ("www.example.lab.", "A"),
        ("alias.example.lab.", "A"),
        ("nope.example.lab.", "A"),
        ("nodata.example.lab.", "AAAA"),
        ("loop.example.lab.", "A"),
    ],
)
def test_answers_are_the_same_over_udp_and_tcp(d, proto, qname, rdtype):
    """Asked first over one transport and then the other, dig shows the same."""
    other = "tcp" if proto == "udp" else "udp"
    first = d.query(proto, qname, rdtype, use_edns=0, timeout=TIMEOUT)
    second = d.query(other, qname, rdtype, use_edns=0, timeout=TIMEOUT)

    def shape(r):
        sections = []
        for section in (r.answer, r.authority):
            sections.append(
                sorted(
                    (rs.name.to_text(), dns.rdatatype.to_text(rs.rdtype), sorted(x.to_text() for x in rs))
                    for rs in section
                )
            )
        return r.rcode(), r.flags, sections, r.options

    assert shape(first) == shape(second), describe(first) + describe(second)


# -- delegations ----------------------------------------------------------------------------


def test_glueless_delegation_is_resolved_through_the_server_name(fresh, nsd_lab):
    """lab. delegates glueless.lab. to ns1.hoster.test. with no glue: cairnd
    finds that name's address under test. first."""
    d = fresh()
    r = d.udp("www.glueless.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert rdata_texts(r, "www.glueless.lab.", "A") == ["192.0.2.30"], describe(r)
    assert nsd_lab.queries("ns.nic.test"), "the test. servers were never asked for hoster.test."
    asked = [q for q, _t in nsd_lab.queries("ns.hoster.test")]
    assert "ns1.hoster.test." in asked, asked
    assert "www.glueless.lab." in asked, asked


def test_deep_chain_of_delegations_is_followed_to_the_end(fresh, nsd_lab):
    d = fresh()
    r = d.udp("www.b.c.d.deep.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert rdata_texts(r, "www.b.c.d.deep.lab.", "A") == ["192.0.2.40"], describe(r)
    for server in ("ns.deep.lab", "ns.d.deep.lab", "ns.c.d.deep.lab", "ns.b.c.d.deep.lab"):
        assert nsd_lab.queries(server), "%s was never asked" % server
    assert ("www.b.c.d.deep.lab.", "A") in nsd_lab.queries("ns.b.c.d.deep.lab")


# -- truncation -------------------------------------------------------------------------------


def test_truncated_upstream_answer_is_fetched_again_over_tcp(fresh, nsd_lab):
    """big.example.lab. TXT (~2.5 KB) is TC=1 from NSD over UDP: cairnd asks
    the same server over TCP and gives the whole RRset to a TCP client."""
    d = fresh()
    r = d.tcp("big.example.lab.", "TXT", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    (txt,) = rrset(r, "big.example.lab.", "TXT")
    assert len(txt.strings) == 40, describe(r)
    assert txt.strings[0].startswith(b"big-txt-00-") and txt.strings[39].startswith(b"big-txt-39-")
    assert sum(len(s) for s in txt.strings) > 2400

    asked = [
        (rec.server, rec.transport)
        for rec in nsd_lab.captured()
        if rec.question and rec.question[0].lower() == "big.example.lab." and rec.question[1] == "TXT"
    ]
    example_addresses = {nsd_lab.address(n) for n in EXAMPLE_SERVERS}
    tcp = [server for server, transport in asked if transport == "tcp"]
    udp = [server for server, transport in asked if transport == "udp"]
    assert tcp and set(tcp) <= example_addresses, asked
    assert udp and set(udp) <= example_addresses, "TCP only after a truncated UDP answer: %s" % asked
    # the TCP retry goes to the server that truncated
    assert tcp[0] in udp, asked


def test_big_answer_to_a_udp_client_is_truncated_and_whole_over_tcp(d):
    r = d.udp("big.example.lab.", "TXT", use_edns=0, payload=1232, timeout=TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.TC, "2.5 KB cannot fit a 1232-byte buffer" + describe(r)
    r = d.tcp("big.example.lab.", "TXT", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert len(rrset(r, "big.example.lab.", "TXT")[0].strings) == 40


# -- cache ------------------------------------------------------------------------------------


def test_second_identical_question_is_answered_from_the_cache(fresh, nsd_lab):
    d = fresh()
    first = d.udp("www.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert rdata_texts(first, "www.example.lab.", "A") == ["192.0.2.1"], describe(first)
    assert queries_to(nsd_lab, EXAMPLE_SERVERS), "the first answer came from nowhere?"
    nsd_lab.clear_queries()
    second, took = timed(d.udp, "www.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(second)
    assert rdata_texts(second, "www.example.lab.", "A") == ["192.0.2.1"], describe(second)
    assert second.answer[0].ttl <= first.answer[0].ttl, describe(first) + describe(second)
    assert nsd_lab.captured() == [], "the cached answer cost upstream queries"
    assert took < 0.5


def test_cached_negative_answers_cost_no_query(fresh, nsd_lab):
    d = fresh()
    d.udp("nope.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    d.udp("nodata.example.lab.", "AAAA", use_edns=0, timeout=TIMEOUT)
    nsd_lab.clear_queries()
    r = d.udp("nope.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r, dns.rcode.NXDOMAIN)
    assert soa_in_authority(r) is not None, describe(r)
    r = d.udp("nodata.example.lab.", "AAAA", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert not r.answer and soa_in_authority(r) is not None, describe(r)
    assert nsd_lab.captured() == []


# -- priming ------------------------------------------------------------------------------------


def test_root_is_primed_at_start(fresh, nsd_lab):
    """prime-root: true (the default): the root is asked ". NS" without any client."""
    fresh(prime_root=True)
    primed = labutil.wait_until(lambda: (".", "NS") in nsd_lab.queries("a.root.lab"), timeout=3)
    assert primed, nsd_lab.queries("a.root.lab")


def test_no_priming_when_prime_root_is_false(fresh, nsd_lab):
    d = fresh(prime_root=False)
    time.sleep(0.3)  # a priming query would be out by now
    assert (".", "NS") not in nsd_lab.queries("a.root.lab")
    r = d.udp("www.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"], describe(r)
    assert (".", "NS") not in nsd_lab.queries("a.root.lab"), nsd_lab.queries("a.root.lab")


# -- coalescing ---------------------------------------------------------------------------------


def test_concurrent_identical_questions_cost_one_upstream_question(fresh, nsd_lab):
    d = fresh()
    replies = ask_concurrently(d, "mail.example.lab.", "A", 20, timeout=TIMEOUT)
    for r in replies:
        assert r is not None, "a client question got no answer"
        assert_resolved(r)
        assert rdata_texts(r, "mail.example.lab.", "A") == ["192.0.2.2"], describe(r)
    asked = [q for q in queries_to(nsd_lab, EXAMPLE_SERVERS) if q == ("mail.example.lab.", "A")]
    assert len(asked) == 1, queries_to(nsd_lab, EXAMPLE_SERVERS)


def test_questions_waiting_on_a_slow_server_are_coalesced(fresh, nsd_lab, fake_auth):
    """The server of spoof.lab. answers after 300 ms: the 20 questions all
    arrive while the first is being resolved, and share its one query."""
    zone = FakeZone(
        "spoof.lab.",
        ["www.spoof.lab. 300 A 192.0.2.60", "ns.spoof.lab. 300 A 127.53.40.1"],
        script=lambda query, reply, transport: [(0.3, reply, None)],
    )
    fake = fake_auth("ns.spoof.lab", zone)
    d = fresh(prime_root=False)  # so that "requests" counts client questions only
    replies = ask_concurrently(d, "www.spoof.lab.", "A", 20, timeout=TIMEOUT)
    for r in replies:
        assert r is not None, "a client question got no answer"
        assert_resolved(r)
        assert rdata_texts(r, "www.spoof.lab.", "A") == ["192.0.2.60"], describe(r)
    assert fake.queries() == [("www.spoof.lab.", "A")]
    stats = stop_and_stats(d)
    assert stats["joined"] == 19, stats
    assert stats["requests"] == 1, stats


def test_identical_upstream_questions_of_different_client_questions_are_sent_once(
        fresh, nsd_lab, fake_auth):
    """Ten different names under sub.spoof.lab., asked at once, while spoof.lab.'s server
    takes 300 ms to answer: with QNAME minimisation each would ask it "sub.spoof.lab. A";
    that identical upstream question is sent once, and the nine others share its answer."""
    zone = FakeZone(
        "spoof.lab.",
        ["www.sub.spoof.lab. 300 A 192.0.2.62", "ns.spoof.lab. 300 A 127.53.40.1"],
        script=lambda query, reply, transport: [(0.3, reply, None)],
    )
    fake = fake_auth("ns.spoof.lab", zone)
    d = fresh(prime_root=False)
    d.udp("www.spoof.lab.", "A", use_edns=0, timeout=TIMEOUT)  # the delegation is cached
    names = ["n%d.sub.spoof.lab." % i for i in range(10)]
    replies = ask_concurrently(d, names, "A", len(names), timeout=TIMEOUT)
    for r in replies:
        assert r is not None and r.rcode() == dns.rcode.NXDOMAIN, r
    asked = fake.queries()
    assert asked.count(("sub.spoof.lab.", "A")) == 1, asked
    assert len([q for q in asked if q[0].startswith("n")]) == 10, asked
    stats = stop_and_stats(d)
    assert stats["upstream-shared"] >= 9, stats


# -- negative answers and CNAMEs from a scripted zone ----------------------------------------------

NEGATIVE_ZONE = [
    "ns.spoof.lab. 300 A 127.53.40.1",
    "www.spoof.lab. 300 A 192.0.2.61",
    "dangling.spoof.lab. 300 CNAME nothere.spoof.lab.",
    "outward.spoof.lab. 300 CNAME nope.example.lab.",
]


def test_negative_ttl_is_capped_by_the_soa_minimum(fresh, fake_auth):
    """RFC 2308 §5: a negative answer lives min(SOA TTL, SOA MINIMUM); the
    server of spoof.lab. sends its SOA with TTL 600 and MINIMUM 60."""
    fake_auth("ns.spoof.lab", FakeZone("spoof.lab.", NEGATIVE_ZONE, ttl=600, soa_minimum=60))
    d = fresh()
    for qname, rdtype, rcode in [
        ("nope.spoof.lab.", "A", dns.rcode.NXDOMAIN),
        ("www.spoof.lab.", "AAAA", dns.rcode.NOERROR),
    ]:
        r = d.udp(qname, rdtype, use_edns=0, timeout=TIMEOUT)
        assert_resolved(r, rcode)
        assert not r.answer, describe(r)
        soa = soa_in_authority(r)
        assert soa is not None and soa.name.to_text() == "spoof.lab.", describe(r)
        assert soa.ttl <= 60, "negative TTL above the SOA minimum" + describe(r)


def test_cname_to_a_name_that_does_not_exist_is_nxdomain_with_the_cname(fresh, fake_auth):
    """RFC 6604: the rcode is about the last name of the chain."""
    fake_auth("ns.spoof.lab", FakeZone("spoof.lab.", NEGATIVE_ZONE))
    d = fresh()
    r = d.udp("dangling.spoof.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r, dns.rcode.NXDOMAIN)
    assert rdata_texts(r, "dangling.spoof.lab.", "CNAME") == ["nothere.spoof.lab."], describe(r)
    assert soa_in_authority(r) is not None, describe(r)


def test_cname_into_another_zone_to_a_name_that_does_not_exist(fresh, fake_auth):
    fake_auth("ns.spoof.lab", FakeZone("spoof.lab.", NEGATIVE_ZONE))
    d = fresh()
    r = d.udp("outward.spoof.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r, dns.rcode.NXDOMAIN)
    assert rdata_texts(r, "outward.spoof.lab.", "CNAME") == ["nope.example.lab."], describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "example.lab.", describe(r)


def test_asking_for_the_cname_itself_does_not_follow_it(d):
    r = d.udp("alias.example.lab.", "CNAME", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert [rs.name.to_text() for rs in r.answer] == ["alias.example.lab."], describe(r)
    assert rdata_texts(r, "alias.example.lab.", "CNAME") == ["www.other.test."], describe(r)


def test_cache_lookup_ignores_letter_case(fresh, nsd_lab):
    d = fresh()
    r = d.udp("www.example.lab.", "A", use_edns=0, timeout=TIMEOUT)
    assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"], describe(r)
    nsd_lab.clear_queries()
    r = d.udp("WWW.Example.LAB.", "A", use_edns=0, timeout=TIMEOUT)
    assert_resolved(r)
    assert r.question[0].name.to_text() == "WWW.Example.LAB.", describe(r)
    assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"], describe(r)
    assert nsd_lab.captured() == []
