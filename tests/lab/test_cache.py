"""The cache as clients see it: TTL caps, TTLs counting down, and negative caching (the seeds'
"the record exists now but clients still get NXDOMAIN")."""
import dns.rcode
import dns.rdatatype

from resolution_util import FakeZone, recursion_yaml

SPOOF = ["ns.spoof.lab. 300 A 127.53.40.1", "www.spoof.lab. 300 A 192.0.2.70"]


def daemon(cairnd, cache=""):
    rest = recursion_yaml(prime_root=False)
    if cache:
        rest += "cache:\n" + "".join("  %s\n" % line for line in cache.splitlines())
    return cairnd(rest=rest)


def test_max_ttl_caps_every_answer_first_and_cached(nsd_lab, cairnd):
    d = daemon(cairnd, "max-ttl: 60")
    for _ in range(2):
        r = d.udp("alias.example.lab.", "A", use_edns=0)
        assert r.rcode() == dns.rcode.NOERROR
        assert [rs.ttl for rs in r.answer] and all(rs.ttl <= 60 for rs in r.answer), r


def test_negative_max_ttl_caps_the_soa_of_negative_answers(nsd_lab, cairnd):
    d = daemon(cairnd, "negative-max-ttl: 30")
    for _ in range(2):
        r = d.udp("nope.example.lab.", "A", use_edns=0)
        assert r.rcode() == dns.rcode.NXDOMAIN
        assert r.authority[0].ttl <= 30


def test_ttl_counts_down_in_cached_answers(nsd_lab, faketime, cairnd):
    d = daemon(cairnd)
    assert d.udp("www.example.lab.", "A", use_edns=0).answer[0].ttl == 300
    faketime("+120")
    assert 175 <= d.udp("www.example.lab.", "A", use_edns=0).answer[0].ttl <= 180


def test_record_created_after_nxdomain_is_seen_after_the_negative_ttl(
        nsd_lab, fake_auth, faketime, cairnd):
    """The seeds' story: a client asked before the record existed; the NXDOMAIN is cached for
    min(SOA TTL, SOA MINIMUM) = 60 s, so the new record shows only after that."""
    zone = FakeZone("spoof.lab.", SPOOF, ttl=600, soa_minimum=60)
    fake_auth("ns.spoof.lab", zone)
    d = daemon(cairnd)
    r = d.udp("new.spoof.lab.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.authority[0].ttl == 60

    zone.add(["new.spoof.lab. 300 A 192.0.2.71"])
    faketime("+50")
    r = d.udp("new.spoof.lab.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.NXDOMAIN, "the cached NXDOMAIN lives 60 s"
    assert r.authority[0].ttl <= 10

    faketime("+61")
    r = d.udp("new.spoof.lab.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR
    assert [rr.address for rr in r.answer[0]] == ["192.0.2.71"]


def test_names_below_a_cached_nxdomain_are_nxdomain_without_asking(nsd_lab, cairnd):
    """RFC 8020: nothing exists below a name that does not exist."""
    d = daemon(cairnd)
    assert d.udp("nope.example.lab.", "A", use_edns=0).rcode() == dns.rcode.NXDOMAIN
    nsd_lab.clear_queries()
    r = d.udp("a.b.nope.example.lab.", "AAAA", use_edns=0)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.authority and r.authority[0].rdtype == dns.rdatatype.SOA
    assert nsd_lab.captured() == []
