"""The message cache as clients see it: a repeated question is answered from a ready message
(the fast path) that still looks made for each client; expired answers are served stale only
when the servers fail and serve-stale is on (RFC 8767); popular answers are refreshed before
they expire (prefetch); a reload never serves an answer of the older config."""
import signal

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from labutil import wait_until
from resolution_util import FakeZone, ede_codes, ede_text, recursion_yaml, stop_and_stats

SPOOF = ["ns.spoof.lab. 600 A 127.53.40.1"]


def daemon(cairnd, cache="", **recursion):
    rest = recursion_yaml(prime_root=False, **recursion)
    if cache:
        rest += "cache:\n" + "".join("  %s\n" % line for line in cache.splitlines())
    return cairnd(rest=rest)


def ask(d, qname, rdtype="A", **kw):
    q = dns.message.make_query(qname, rdtype, **kw)
    return q, dns.query.udp(q, d.addr, port=d.port, timeout=3.0)


def test_cached_answer_carries_each_clients_id_case_and_edns(nsd_lab, cairnd):
    d = daemon(cairnd)
    _, first = ask(d, "www.example.lab.", use_edns=False)
    assert first.rcode() == dns.rcode.NOERROR and first.edns < 0

    q, r = ask(d, "wWw.ExAmPlE.lAb.", use_edns=0, want_dnssec=True, payload=1400)
    assert r.id == q.id
    assert r.question[0].name.to_text() == "wWw.ExAmPlE.lAb.", "the client's case comes back"
    assert r.edns == 0 and r.flags & dns.flags.RA and not r.flags & dns.flags.AA
    assert r.ednsflags & dns.flags.DO, "RFC 3225: DO is echoed"
    # the DO=1 question is another key: this one was resolved from the RRset cache
    assert [rr.address for rr in r.answer[0]] == [rr.address for rr in first.answer[0]]

    q, r = ask(d, "WWW.example.lab.", use_edns=False)
    assert r.id == q.id and r.edns < 0, "no OPT to a client that sent none (RFC 6891)"
    assert r.question[0].name.to_text() == "WWW.example.lab."
    q, r = ask(d, "www.example.lab.", use_edns=0)
    assert r.edns == 0 and not r.ednsflags & dns.flags.DO

    stats = stop_and_stats(d)
    assert stats["requests"] == 2  # DO=0 and DO=1: the rest came from ready messages
    assert stats["answers-from-msgcache"] == 2
    assert stats["noerror"] == 4


def test_rd_and_cd_bits_follow_each_query(nsd_lab, cairnd):
    d = daemon(cairnd)
    ask(d, "www.example.lab.", use_edns=False)
    q = dns.message.make_query("www.example.lab.", "A", use_edns=False)
    q.flags &= ~dns.flags.RD
    r = dns.query.udp(q, d.addr, port=d.port, timeout=3.0)
    assert not r.flags & dns.flags.RD and r.flags & dns.flags.RA
    assert r.answer


def test_nxdomain_is_served_from_the_message_cache_with_its_soa(nsd_lab, cairnd):
    d = daemon(cairnd)
    _, first = ask(d, "nope.example.lab.", use_edns=False)
    assert first.rcode() == dns.rcode.NXDOMAIN
    nsd_lab.clear_queries()
    _, again = ask(d, "NOPE.example.lab.", use_edns=False)
    assert again.rcode() == dns.rcode.NXDOMAIN
    assert again.authority and again.authority[0].rdtype == dns.rdatatype.SOA
    assert again.authority[0].ttl <= first.authority[0].ttl
    assert nsd_lab.captured() == []
    assert stop_and_stats(d)["answers-from-msgcache"] == 1


def test_answer_too_big_for_the_client_is_truncated_not_cut(nsd_lab, fake_auth, cairnd):
    """A message cached from a TCP answer does not fit a 512-byte UDP client: that client gets
    TC=1 (and then TCP), never part of the records."""
    big = ["big.spoof.lab. 300 TXT \"%s\"" % ("record %02d " % i * 8) for i in range(12)]
    fake_auth("ns.spoof.lab", FakeZone("spoof.lab.", SPOOF + big))
    d = daemon(cairnd)
    r = d.tcp("big.spoof.lab.", "TXT")
    assert len(r.answer[0]) == 12
    q, r = ask(d, "big.spoof.lab.", "TXT", use_edns=False)
    assert r.flags & dns.flags.TC and not r.answer and r.id == q.id
    assert len(d.tcp("big.spoof.lab.", "TXT").answer[0]) == 12


def test_reload_never_serves_a_cached_answer_of_the_older_config(nsd_lab, cairnd):
    """A private zone added by SIGHUP takes over names the cache already holds."""
    d = daemon(cairnd)
    _, r = ask(d, "www.example.lab.", use_edns=False)
    assert r.rcode() == dns.rcode.NOERROR and not r.flags & dns.flags.AA
    zone = ("private-zones:\n  - name: example.lab\n    records:\n"
            "      - {name: www, type: A, ttl: 60, data: [10.9.9.9]}\n")
    d.write_config(rest=recursion_yaml(prime_root=False) + zone)
    d.signal(signal.SIGHUP)
    assert wait_until(lambda: "reloaded" in d.log(), timeout=3.0)
    _, r = ask(d, "www.example.lab.", use_edns=False)
    assert r.flags & dns.flags.AA
    assert [rr.address for rr in r.answer[0]] == ["10.9.9.9"]


def stale_lab(fake_auth, cairnd, cache):
    """spoof.lab with www at TTL 10; the server can be silenced later."""
    state = {"silent": False}

    def script(query, reply, transport):
        return [] if state["silent"] else [(0, reply, None)]

    zone = FakeZone("spoof.lab.", SPOOF + ["www.spoof.lab. 10 A 192.0.2.80"], script=script)
    fake_auth("ns.spoof.lab", zone)
    d = daemon(cairnd, cache, request_timeout="1500ms")
    _, r = ask(d, "www.spoof.lab.", use_edns=0)
    assert r.answer[0].ttl == 10
    state["silent"] = True
    return d


def test_serve_stale_answers_expired_data_with_ttl_30_and_ede_3(nsd_lab, fake_auth, faketime,
                                                               cairnd):
    d = stale_lab(fake_auth, cairnd, "serve-stale: true")
    faketime("+60")
    q, r = ask(d, "www.spoof.lab.", use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR, r
    assert [rr.address for rr in r.answer[0]] == ["192.0.2.80"] and r.answer[0].ttl == 30
    assert ede_codes(r) == [3], r
    assert "stale" in ede_text(r)
    # Past stale-max-age (default 1 day) nothing is served.
    faketime("+90000")
    _, r = ask(d, "www.spoof.lab.", use_edns=0)
    assert r.rcode() == dns.rcode.SERVFAIL and 3 not in ede_codes(r)
    assert stop_and_stats(d)["answers-stale"] == 1


def test_stale_answers_survive_a_reload(nsd_lab, fake_auth, faketime, cairnd):
    """An outage is when stale data matters, and when operators reload: SIGHUP keeps it."""
    d = stale_lab(fake_auth, cairnd, "serve-stale: true")
    d.signal(signal.SIGHUP)
    assert wait_until(lambda: "reloaded" in d.log(), timeout=3.0)
    faketime("+60")
    _, r = ask(d, "www.spoof.lab.", use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR and ede_codes(r) == [3], r


def test_without_serve_stale_expired_data_is_a_servfail(nsd_lab, fake_auth, faketime, cairnd):
    d = stale_lab(fake_auth, cairnd, "")
    faketime("+60")
    _, r = ask(d, "www.spoof.lab.", use_edns=0)
    assert r.rcode() == dns.rcode.SERVFAIL and 3 not in ede_codes(r)


def prefetch_lab(fake_auth, cairnd, cache=""):
    zone = FakeZone("spoof.lab.", SPOOF + ["pop.spoof.lab. 100 A 192.0.2.81"])
    server = fake_auth("ns.spoof.lab", zone)
    d = daemon(cairnd, cache)
    _, r = ask(d, "pop.spoof.lab.", use_edns=0)
    assert r.answer[0].ttl == 100
    server.clear()
    return server, d


def asked_for(server, name):
    return [q for q in server.queries() if q[0] == name]


def test_prefetch_refreshes_an_answer_asked_for_near_its_end(nsd_lab, fake_auth, faketime,
                                                            cairnd):
    server, d = prefetch_lab(fake_auth, cairnd)
    faketime("+50")
    _, r = ask(d, "pop.spoof.lab.", use_edns=0)
    assert r.answer[0].ttl == 50
    assert asked_for(server, "pop.spoof.lab.") == [], "half its TTL left: no refresh"
    faketime("+95")
    _, r = ask(d, "pop.spoof.lab.", use_edns=0)
    assert r.answer[0].ttl == 5, "the client gets the cached answer at once"
    assert wait_until(lambda: asked_for(server, "pop.spoof.lab."), timeout=3.0), \
        "the last 10% of the TTL started a refresh"
    # The refreshed answer replaces the old one: full TTL again, counted from the refresh.
    assert wait_until(lambda: ask(d, "pop.spoof.lab.", use_edns=0)[1].answer[0].ttl > 90,
                      timeout=3.0)
    assert len(asked_for(server, "pop.spoof.lab.")) == 1
    assert stop_and_stats(d)["prefetches"] == 1


def test_prefetch_off_lets_the_answer_expire(nsd_lab, fake_auth, faketime, cairnd):
    server, d = prefetch_lab(fake_auth, cairnd, "prefetch: false")
    faketime("+95")
    _, r = ask(d, "pop.spoof.lab.", use_edns=0)
    assert r.answer[0].ttl == 5
    faketime("+96")
    ask(d, "pop.spoof.lab.", use_edns=0)
    assert asked_for(server, "pop.spoof.lab.") == []
