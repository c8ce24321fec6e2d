"""EDNS(0) behaviour (RFC 6891)."""

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import pytest

from labutil import describe, frame, header, rdata_texts, recv_frame

UNKNOWN_OPTION_CODE = 65001  # local/experimental range


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module()


@pytest.fixture(scope="module")
def d1400(cairnd_module):
    return cairnd_module(server="edns-buffer-size: 1400")


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_no_opt_in_response_when_query_has_none(d, proto):
    r = d.query(proto, "localhost.", "A", use_edns=False)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.edns == -1, describe(r)


@pytest.mark.parametrize(
    "qname,rcode",
    [
        ("localhost.", dns.rcode.NOERROR),
        ("nope.invalid.", dns.rcode.NXDOMAIN),
        ("example.com.", dns.rcode.REFUSED),  # recursion off
    ],
)
def test_opt_in_response_when_query_has_one(d, qname, rcode):
    r = d.udp(qname, "A", use_edns=0)
    assert r.rcode() == rcode, describe(r)
    assert r.edns == 0, "response must carry OPT version 0" + describe(r)


@pytest.mark.parametrize("qname", ["nope.invalid.", "example.com."])
def test_no_opt_in_negative_response_without_edns(d, qname):
    r = d.udp(qname, "A", use_edns=False)
    assert r.edns == -1, describe(r)


def test_default_edns_payload_size_is_1232(d):
    r = d.udp("localhost.", "A", use_edns=0, payload=4096)
    assert r.edns == 0
    assert r.payload == 1232, describe(r)


def test_configured_edns_payload_size_is_advertised(d1400):
    r = d1400.udp("localhost.", "A", use_edns=0, payload=4096)
    assert r.edns == 0
    assert r.payload == 1400, describe(r)


def test_do_bit_is_echoed(d):
    r = d.udp("localhost.", "A", use_edns=0, want_dnssec=True)
    assert r.ednsflags & dns.flags.DO, describe(r)
    assert rdata_texts(r, "localhost.", "A") == ["127.0.0.1"]


def test_do_bit_not_set_when_not_requested(d):
    r = d.udp("localhost.", "A", use_edns=0, want_dnssec=False)
    assert r.edns == 0
    assert not r.ednsflags & dns.flags.DO, describe(r)


def test_unknown_edns_option_is_ignored_and_not_echoed(d):
    opt = dns.edns.GenericOption(UNKNOWN_OPTION_CODE, b"cairnd-lab")
    r = d.udp("localhost.", "A", use_edns=0, options=[opt])
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "localhost.", "A") == ["127.0.0.1"]
    assert r.edns == 0
    assert UNKNOWN_OPTION_CODE not in [o.otype for o in r.options], describe(r)


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_edns_version_1_gets_badvers_with_version_0(d, proto):
    q = dns.message.make_query("localhost.", "A")
    q.use_edns(1)  # make_query(use_edns=1) in dnspython 2.3 still sends version 0
    assert dns.message.from_wire(q.to_wire()).edns == 1
    if proto == "udp":
        wire = d.raw_udp(q.to_wire(), timeout=2.0)
        assert wire is not None, "no answer to EDNS version 1 query"
    else:
        with d.tcp_connect() as s:
            s.sendall(frame(q.to_wire()))
            wire = recv_frame(s)
    assert header(wire)[0] == q.id
    r = dns.message.from_wire(wire)
    assert r.edns == 0, "BADVERS response must carry OPT version 0" + describe(r)
    assert r.rcode() == dns.rcode.BADVERS, describe(r)
    assert r.answer == [], describe(r)
