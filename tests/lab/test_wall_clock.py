"""TTLs follow the wall clock, read through libc: libfaketime moves the date under a running
cairnd and cached answers age (and expire) with it — the root NS set too, which is then primed
again — while timers keep the real monotonic clock."""
import time

import dns.rcode

import labutil
from resolution_util import recursion_yaml

EXAMPLE = ["ns1.example.lab", "ns2.example.lab"]


def upstream_questions(lab):
    return sum(lab.queries(s).count(("www.example.lab.", "A")) for s in EXAMPLE)


def test_cached_answers_age_and_expire_with_the_wall_clock(nsd_lab, faketime, cairnd):
    d = cairnd(rest=recursion_yaml(prime_root=False))
    nsd_lab.clear_queries()
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0].ttl == 300
    assert upstream_questions(nsd_lab) == 1

    faketime("+200")  # 200 s later: from the cache, with 100 s left
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert 95 <= r.answer[0].ttl <= 100, r.answer[0].ttl
    assert upstream_questions(nsd_lab) == 1

    faketime("+400")  # past the TTL: asked upstream again, fresh TTL
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert r.answer[0].ttl == 300
    assert upstream_questions(nsd_lab) == 2


def root_primings(lab):
    return lab.queries("a.root.lab").count((".", "NS"))


def test_root_is_primed_again_once_its_ns_set_has_expired(nsd_lab, faketime, cairnd):
    """RFC 8109 §3: the root NS set (TTL 300 in the lab) is primed at start, and again when a
    question finds it expired, not for every question."""
    nsd_lab.clear_queries()
    d = cairnd(rest=recursion_yaml())
    assert labutil.wait_until(lambda: root_primings(nsd_lab) == 1, timeout=3.0)
    assert d.udp("www.example.lab.", "A", use_edns=0).rcode() == dns.rcode.NOERROR
    assert root_primings(nsd_lab) == 1

    faketime("+400")
    for name in ("mail", "txt", "nodata"):
        assert d.udp("%s.example.lab." % name, "A", use_edns=0).rcode() == dns.rcode.NOERROR
    assert labutil.wait_until(lambda: root_primings(nsd_lab) == 2, timeout=3.0)
    time.sleep(0.2)
    assert root_primings(nsd_lab) == 2
