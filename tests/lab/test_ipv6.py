"""Listening and answering on ::1."""

import dns.rcode
import pytest

from labutil import describe, ipv6_loopback_available, rdata_texts

pytestmark = pytest.mark.skipif(not ipv6_loopback_available(), reason="no ::1 on this host")


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module(
        ipv6=True,
        rest="""
        private-zones:
          - name: example.test
            records:
              - {name: www, type: AAAA, data: ["2001:db8::80"]}
        """,
    )


def test_daemon_listens_on_ipv6_loopback(d):
    with d.tcp_connect(v6=True):
        pass


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_answers_over_ipv6_loopback(d, proto):
    r = d.query(proto, "localhost.", "A", v6=True)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "localhost.", "A") == ["127.0.0.1"]
    r = d.query(proto, "www.example.test.", "AAAA", v6=True)
    assert rdata_texts(r, "www.example.test.", "AAAA") == ["2001:db8::80"]


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_ipv4_still_answered_when_also_on_ipv6(d, proto):
    r = d.query(proto, "www.example.test.", "AAAA")
    assert rdata_texts(r, "www.example.test.", "AAAA") == ["2001:db8::80"]


def test_default_access_allows_ipv6_loopback_and_its_edns(d):
    r = d.udp("localhost.", "AAAA", v6=True, use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.edns == 0
    assert rdata_texts(r, "localhost.", "AAAA") == ["::1"]
