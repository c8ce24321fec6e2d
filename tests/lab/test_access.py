"""Access control lists: first match wins, no match means REFUSED."""

import dns.rcode
import pytest

from labutil import describe, rdata_texts


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module(
        server="""
        access:
          - refuse: 127.0.0.2/32
          - allow: 127.0.0.0/8
        """
    )


@pytest.fixture(scope="module")
def d_only_one(cairnd_module):
    # 127.0.0.5 matches no rule -> refused
    return cairnd_module(
        server="""
        access:
          - allow: 127.0.0.1/32
        """
    )


@pytest.fixture(scope="module")
def d_order(cairnd_module):
    # allow comes first and also covers 127.0.0.2: first match wins -> allowed
    return cairnd_module(
        server="""
        access:
          - allow: 127.0.0.0/8
          - refuse: 127.0.0.2/32
        """
    )


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_refused_client_gets_refused(d, proto):
    r = d.query(proto, "localhost.", "A", source="127.0.0.2")
    assert r.rcode() == dns.rcode.REFUSED, describe(r)
    assert r.answer == [], describe(r)


@pytest.mark.parametrize("source", ["127.0.0.1", "127.0.0.3"])
@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_allowed_client_gets_answer(d, proto, source):
    r = d.query(proto, "localhost.", "A", source=source)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "localhost.", "A") == ["127.0.0.1"]


def test_refused_reply_carries_opt_when_query_had_edns(d):
    r = d.udp("localhost.", "A", source="127.0.0.2", use_edns=0)
    assert r.rcode() == dns.rcode.REFUSED, describe(r)
    assert r.edns == 0, describe(r)
    r = d.udp("localhost.", "A", source="127.0.0.2", use_edns=False)
    assert r.edns == -1, describe(r)


def test_refused_client_gets_refused_even_for_nonlocal_names(d):
    r = d.udp("example.com.", "A", source="127.0.0.2")
    assert r.rcode() == dns.rcode.REFUSED, describe(r)


def test_client_matching_no_rule_is_refused(d_only_one):
    r = d_only_one.udp("localhost.", "A", source="127.0.0.5")
    assert r.rcode() == dns.rcode.REFUSED, describe(r)
    r = d_only_one.udp("localhost.", "A", source="127.0.0.1")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)


def test_first_matching_rule_wins(d_order):
    r = d_order.udp("localhost.", "A", source="127.0.0.2")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
