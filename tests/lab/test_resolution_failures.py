"""Iterative resolution when the DNS out there is broken.

Every failure is SERVFAIL with an Extended DNS Error (RFC 8914) saying why,
and comes within recursion.request-timeout; what is known to be broken (a
silent server) is remembered, so later questions do not wait for it again.
"""

import dns.flags
import dns.rcode
import pytest

import nsdlab

from labutil import describe, rdata_texts, soa_in_authority
from resolution_util import (
    FakeZone,
    ede_codes,
    ede_text,
    queries_to,
    recursion_yaml,
    silent,
    timed,
)

EDE_OTHER = 0
EDE_NO_REACHABLE_AUTHORITY = 22
EDE_NETWORK_ERROR = 23

CLIENT_TIMEOUT = 8.0  # longer than any request-timeout used here


@pytest.fixture(scope="module")
def d(nsd_lab, cairnd_module):
    """Default settings (request-timeout 4s), shared by the tests that only look at answers."""
    return cairnd_module(rest=recursion_yaml())


def assert_servfail(r, code):
    assert r.rcode() == dns.rcode.SERVFAIL, describe(r)
    assert r.flags & dns.flags.RA, describe(r)
    assert not r.answer, describe(r)
    assert ede_codes(r) == [code], "want exactly one EDE %d" % code + describe(r)
    assert ede_text(r).strip(), "the EDE must say why" + describe(r)


# -- broken delegations -----------------------------------------------------------------------


def test_lame_server_answering_refused_is_servfail_naming_it(d):
    r, took = timed(d.udp, "www.lame.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_NO_REACHABLE_AUTHORITY)
    text = ede_text(r)
    assert "ns.lame.lab" in text, text
    assert "lame" in text.replace("ns.lame.lab", ""), "the text should say lame delegation: " + text
    assert took < 1.0, "a REFUSED answer is known at once (took %.2f s)" % took


def test_recreated_zone_whose_parent_points_at_the_old_servers(d):
    """The classic outage: recreated.lab. moved to new servers, lab. still
    delegates to the old ones, which now refuse it."""
    r, took = timed(d.udp, "www.recreated.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_NO_REACHABLE_AUTHORITY)
    text = ede_text(r)
    assert "recreated.lab." in text, text
    assert "NS records in lab." in text and "do not match" in text, text
    assert took < 1.0, took


def test_recreated_zone_both_old_servers_were_tried(fresh, nsd_lab):
    d = fresh()
    r = d.udp("www.recreated.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.SERVFAIL, describe(r)
    assert nsd_lab.queries("ns-old1.recreated.lab") and nsd_lab.queries("ns-old2.recreated.lab")
    # the new servers are not named anywhere cairnd looks: never asked
    assert nsd_lab.queries("ns-new1.recreated.lab") == []
    assert nsd_lab.queries("ns-new2.recreated.lab") == []


# -- dead and silent servers ----------------------------------------------------------------------


def test_all_servers_unreachable_fails_fast(d):
    """Nothing listens on the alldead.lab. servers: ICMP port unreachable
    comes back at once, so SERVFAIL long before request-timeout (4 s)."""
    r, took = timed(d.udp, "www.alldead.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_NETWORK_ERROR)
    text = ede_text(r)
    assert "alldead.lab." in text and "unreachable" in text, text
    assert took < 1.0, "took %.2f s" % took


def test_all_servers_silent_is_servfail_within_request_timeout(fresh, fake_auth, nsd_lab):
    fakes = [
        fake_auth(nsdlab.DEAD_SERVERS[name], silent, tcp=False)
        for name in ("ns1.alldead.lab", "ns2.alldead.lab", "ns3.alldead.lab")
    ]
    d = fresh(request_timeout="2s")
    r, took = timed(d.udp, "www.silent.alldead.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_NO_REACHABLE_AUTHORITY)
    text = ede_text(r)
    assert "timed out" in text or "request-timeout" in text, text
    assert took < 3.0, "request-timeout is 2 s, SERVFAIL came after %.2f s" % took
    assert any(f.queries() for f in fakes), "no silent server was even asked"


def test_silent_second_server_is_remembered(fresh, fake_auth, nsd_lab):
    """halfdead.lab.: ns1 answers, ns2 (a fake that never answers) is silent.

    Once cairnd has waited for ns2, later questions in the zone go to ns1
    and come back fast; ns2 gets at most a probe or two.
    """
    ns2 = fake_auth(nsdlab.DEAD_SERVERS["ns2.halfdead.lab"], silent, tcp=False)
    d = fresh()
    r = d.udp("www.halfdead.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.halfdead.lab.", "A") == ["192.0.2.11"], describe(r)
    # make sure cairnd has met the silent server at least once (it may have
    # picked ns1 first): a few more names, bounded
    for i in range(8):
        if ns2.queries():
            break
        r = d.udp("warmup%d.halfdead.lab." % i, "A", use_edns=0, timeout=CLIENT_TIMEOUT)
        assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert ns2.queries(), "cairnd never asked ns2.halfdead.lab in 9 questions"

    ns2.clear()
    slow = []
    for i in range(5):
        qname = "later%d.halfdead.lab." % i
        r, took = timed(d.udp, qname, "A", use_edns=0, timeout=CLIENT_TIMEOUT)
        assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
        assert soa_in_authority(r) is not None, describe(r)
        if took >= 0.3:
            slow.append((qname, round(took, 3)))
    assert not slow, "questions that waited for the silent server again: %s" % slow
    assert len(ns2.queries()) <= 2, "the silent server got %s" % ns2.queries()


# -- CNAME chains ---------------------------------------------------------------------------------


def test_cname_loop_is_servfail(d):
    """loop.example.lab. -> loop.other.test. -> loop.example.lab."""
    r, took = timed(d.udp, "loop.example.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_OTHER)
    assert "loop" in ede_text(r).lower(), describe(r)
    assert took < 1.0


CHAIN_ZONE = [
    # three links: c3 -> c2 -> c1 -> www;  two: c2 -> c1 -> www
    "c3.spoof.lab. 300 CNAME c2.spoof.lab.",
    "c2.spoof.lab. 300 CNAME c1.spoof.lab.",
    "c1.spoof.lab. 300 CNAME www.spoof.lab.",
    "www.spoof.lab. 300 A 192.0.2.61",
    "ns.spoof.lab. 300 A 127.53.40.1",
    # across zones: x2 -> alias.example.lab. -> www.other.test.
    "x2.spoof.lab. 300 CNAME alias.example.lab.",
]


def test_three_link_cname_chain_is_followed_by_default(fresh, fake_auth):
    fake_auth("ns.spoof.lab", FakeZone("spoof.lab.", CHAIN_ZONE))
    d = fresh()
    r = d.udp("c3.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert [rs.name.to_text() for rs in r.answer] == [
        "c3.spoof.lab.",
        "c2.spoof.lab.",
        "c1.spoof.lab.",
        "www.spoof.lab.",
    ], describe(r)
    assert rdata_texts(r, "www.spoof.lab.", "A") == ["192.0.2.61"]


def test_cname_chain_longer_than_max_cname_chain_is_servfail(fresh, fake_auth):
    fake_auth("ns.spoof.lab", FakeZone("spoof.lab.", CHAIN_ZONE))
    d = fresh(max_cname_chain=2)
    r = d.udp("c3.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_OTHER)
    assert "max-cname-chain" in ede_text(r), describe(r)
    # a chain of exactly the limit is fine, in one zone or across zones
    r = d.udp("c2.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.spoof.lab.", "A") == ["192.0.2.61"], describe(r)
    r = d.udp("x2.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.other.test.", "A") == ["192.0.2.20"], describe(r)


def test_max_cname_chain_one_allows_one_link_not_two(fresh, fake_auth):
    fake_auth("ns.spoof.lab", FakeZone("spoof.lab.", CHAIN_ZONE))
    d = fresh(max_cname_chain=1)
    r = d.udp("alias.example.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.other.test.", "A") == ["192.0.2.20"], describe(r)
    r = d.udp("x2.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_OTHER)
    assert "max-cname-chain" in ede_text(r), describe(r)


# -- limits -----------------------------------------------------------------------------------------


def test_max_queries_per_request_is_enforced(fresh, nsd_lab):
    """www.b.c.d.deep.lab. needs six queries from the root; two are allowed."""
    d = fresh(max_queries_per_request=2, prime_root=False)
    r = d.udp("www.b.c.d.deep.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_OTHER)
    assert "max-queries-per-request" in ede_text(r), describe(r)
    sent = [rec.question for rec in nsd_lab.captured()]
    assert len(sent) <= 2, "more than 2 upstream queries: %s" % sent


def test_max_referrals_is_enforced(fresh, nsd_lab):
    """www.b.c.d.deep.lab. is five referrals below the root; two are allowed."""
    d = fresh(max_referrals=2, prime_root=False)
    r = d.udp("www.b.c.d.deep.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_OTHER)
    assert "max-referrals" in ede_text(r), describe(r)
    assert nsd_lab.queries("ns.b.c.d.deep.lab") == []
    # a name two referrals down is fine
    r = d.udp("www.example.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"], describe(r)


def test_request_timeout_bounds_a_slow_server(fresh, fake_auth):
    """ns.spoof.lab. answers only after 1.5 s; request-timeout is 500 ms."""
    zone = FakeZone(
        "spoof.lab.",
        ["www.spoof.lab. 300 A 192.0.2.61"],
        script=lambda query, reply, transport: [(1.5, reply, None)],
    )
    fake_auth("ns.spoof.lab", zone)
    d = fresh(request_timeout="500ms")
    r, took = timed(d.udp, "www.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_NO_REACHABLE_AUTHORITY)
    assert took < 1.5, "request-timeout is 500 ms, SERVFAIL came after %.2f s" % took
    text = ede_text(r)
    assert "timed out" in text or "request-timeout" in text, text


# -- broken or hostile referrals ------------------------------------------------------------------


def test_upward_referral_is_a_lame_server(fresh, fake_auth, nsd_lab):
    """ns.spoof.lab. answers questions in its zone with a referral back up to lab."""
    zone = FakeZone(
        "spoof.lab.",
        delegations={"www.spoof.lab.": (["lab. 300 NS ns1.nic.lab."], ["ns1.nic.lab. 300 A 127.53.1.1"])},
    )
    fake_auth("ns.spoof.lab", zone)
    d = fresh(prime_root=False)
    r, took = timed(d.udp, "www.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_NO_REACHABLE_AUTHORITY)
    assert "ns.spoof.lab" in ede_text(r), describe(r)
    assert took < 1.0
    assert len(nsd_lab.captured()) <= 6, [rec.question for rec in nsd_lab.captured()]


def test_many_glueless_name_servers_cost_a_bounded_number_of_lookups(fresh, fake_auth, nsd_lab):
    """NXNS: a referral to 20 name servers that do not exist, all glueless.
    cairnd looks up at most recursion.max-glueless-lookups (12) of them."""
    ns = ["sub.spoof.lab. 300 NS ns%d.nx%d.example.lab." % (i, i) for i in range(20)]
    fake_auth("ns.spoof.lab", FakeZone("spoof.lab.", delegations={"sub.spoof.lab.": (ns, [])}))
    d = fresh(prime_root=False)
    r, took = timed(d.udp, "www.sub.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_NO_REACHABLE_AUTHORITY)
    assert "max-glueless-lookups" in ede_text(r), describe(r)
    assert took < 1.0
    looked_up = {
        q.split(".nx")[0]
        for q, _t in queries_to(nsd_lab, ["ns1.example.lab", "ns2.example.lab"])
        if q.startswith("ns")
    }
    assert 1 <= len(looked_up) <= 12, sorted(looked_up)
    assert len(nsd_lab.captured()) <= 100


def test_glueless_name_server_cycle_fails_fast(fresh, fake_auth, nsd_lab):
    """sub.spoof.lab. is served by ns.sub2.spoof.lab., and sub2.spoof.lab. by
    ns.sub.spoof.lab., neither with glue: no address can ever be found."""
    zone = FakeZone(
        "spoof.lab.",
        ["ns.spoof.lab. 300 A 127.53.40.1"],
        delegations={
            "sub.spoof.lab.": (["sub.spoof.lab. 300 NS ns.sub2.spoof.lab."], []),
            "sub2.spoof.lab.": (["sub2.spoof.lab. 300 NS ns.sub.spoof.lab."], []),
        },
    )
    fake_auth("ns.spoof.lab", zone)
    d = fresh(prime_root=False)
    r, took = timed(d.udp, "www.sub.spoof.lab.", "A", use_edns=0, timeout=CLIENT_TIMEOUT)
    assert_servfail(r, EDE_NO_REACHABLE_AUTHORITY)
    assert "sub.spoof.lab." in ede_text(r), describe(r)
    assert took < 1.0
    assert len(nsd_lab.captured()) <= 40, [rec.question for rec in nsd_lab.captured()]
