"""UDP truncation (TC=1) and fallback to TCP."""

import dns.flags
import dns.message
import dns.rcode
import pytest

from labutil import describe, header, rrset


def _txt_strings(prefix, n):
    # ~100 byte strings, each distinct so the RRset really has n records
    return ["%s%02d-%s" % (prefix, i, "x" * 92) for i in range(n)]


def _yaml_list(items):
    return "[" + ", ".join('"%s"' % s for s in items) + "]"


BIG = _txt_strings("big", 30)      # ~3.4 KB answer
MEDIUM = _txt_strings("med", 8)    # ~0.9 KB answer: > 512, < 1232
SMALLTXT = _txt_strings("sml", 3)  # ~0.4 KB answer: > 100, < 512

ZONES = """
private-zones:
  - name: big.test
    records:
      - {name: big, type: TXT, data: %s}
      - {name: medium, type: TXT, data: %s}
      - {name: smalltxt, type: TXT, data: %s}
      - {name: small, type: A, data: [192.0.2.1]}
""" % (_yaml_list(BIG), _yaml_list(MEDIUM), _yaml_list(SMALLTXT))


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module(server="edns-buffer-size: 4096", rest=ZONES)


def udp_wire(d, qname, qtype, **kw):
    q = dns.message.make_query(qname, qtype, **kw)
    wire = d.raw_udp(q.to_wire(), timeout=2.0)
    assert wire is not None, "no UDP reply"
    assert header(wire)[0] == q.id
    return wire, dns.message.from_wire(wire)


def txt_strings(r, qname):
    rs = rrset(r, qname, "TXT")
    return sorted(b"".join(rd.strings).decode() for rd in rs) if rs is not None else []


def test_medium_answer_without_edns_is_truncated(d):
    wire, r = udp_wire(d, "medium.big.test.", "TXT", use_edns=False)
    assert len(wire) <= 512
    assert r.flags & dns.flags.TC, describe(r)
    assert r.answer == [], "truncated reply should have an empty answer" + describe(r)


def test_medium_answer_fits_with_edns_1232(d):
    wire, r = udp_wire(d, "medium.big.test.", "TXT", use_edns=0, payload=1232)
    assert not r.flags & dns.flags.TC, describe(r)
    assert txt_strings(r, "medium.big.test.") == sorted(MEDIUM)


def test_big_answer_over_client_edns_size_is_truncated(d):
    wire, r = udp_wire(d, "big.big.test.", "TXT", use_edns=0, payload=1232)
    assert len(wire) <= 1232
    assert r.flags & dns.flags.TC, describe(r)
    assert r.answer == [], describe(r)
    assert r.edns == 0, "truncated EDNS reply should still carry OPT"


def test_big_answer_fits_when_client_and_server_allow_4096(d):
    wire, r = udp_wire(d, "big.big.test.", "TXT", use_edns=0, payload=4096)
    assert not r.flags & dns.flags.TC, describe(r)
    assert len(wire) > 1232
    assert txt_strings(r, "big.big.test.") == sorted(BIG)


def test_edns_payload_below_512_is_treated_as_512(d):
    # RFC 6891 6.2.5: values below 512 MUST be treated as 512.
    wire, r = udp_wire(d, "smalltxt.big.test.", "TXT", use_edns=0, payload=100)
    assert not r.flags & dns.flags.TC, describe(r)
    assert len(wire) > 100
    assert txt_strings(r, "smalltxt.big.test.") == sorted(SMALLTXT)


@pytest.mark.parametrize("use_edns", [False, 0])
def test_big_answer_is_complete_over_tcp(d, use_edns):
    r = d.tcp("big.big.test.", "TXT", use_edns=use_edns)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert not r.flags & dns.flags.TC
    assert txt_strings(r, "big.big.test.") == sorted(BIG)


def test_small_answer_is_not_truncated(d):
    wire, r = udp_wire(d, "small.big.test.", "A", use_edns=False)
    assert not r.flags & dns.flags.TC
    assert r.rcode() == dns.rcode.NOERROR
