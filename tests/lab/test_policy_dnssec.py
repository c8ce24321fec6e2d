"""DNSSEC under the Route 53 policy (issue #7): a VPC's dnssec-validation switch, and the
validation of forwarded answers, on the signed lab (dnssec_lab.py).

www.forged.sec. A was changed after signing: a validating resolver answers SERVFAIL with
EDE 6; one that does not validate passes the data on.  www.secure.sec. A is secure (AD).

* clients in 127.0.40.0/24 are VPC "lax" (dnssec-validation: false);
* clients in 127.0.41.0/24 are VPC "fwd": forged.sec. is forwarded to the zone's own
  server, validated;
* clients in 127.0.42.0/24 are VPC "fwdlax": the same, with validate: false on the rule;
* everybody else (127.0.0.1) is the default view, which validates.
"""

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

import dnssec_lab
from labutil import describe, rdata_texts
from resolution_util import ede_codes

DEFAULT = "127.0.0.1"
LAX = "127.0.40.5"
FWD = "127.0.41.5"
FWDLAX = "127.0.42.5"
EDE_DNSSEC_BOGUS = 6


def forged_server(lab):
    for z in dnssec_lab.ZONES:
        if z.name == "forged.sec.":
            return z.address
    pytest.fail("the signed lab has no forged.sec.")


@pytest.fixture(scope="module")
def lab(dnssec_lab):
    return dnssec_lab


@pytest.fixture(scope="module")
def d(lab, cairnd_module):
    target = forged_server(lab)
    rest = "dnssec:\n  trust-anchors: [\"%s\"]\n" % lab.trust_anchor_path
    rest += lab.recursion_yaml()
    rest += """
vpcs:
  - {name: lax, cidrs: [127.0.40.0/24], dnssec-validation: false}
  - {name: fwd, cidrs: [127.0.41.0/24]}
  - {name: fwdlax, cidrs: [127.0.42.0/24]}
rules:
  - {name: forged, type: forward, domain: forged.sec, targets: ["%s"], vpcs: [fwd]}
  - {name: forged-lax, type: forward, domain: forged.sec, targets: ["%s"], vpcs: [fwdlax],
     validate: false}
""" % (target, target)
    return cairnd_module(rest=rest)


def ask(d, qname, client, rdtype="A", do=True):
    q = dns.message.make_query(qname, rdtype, want_dnssec=do, use_edns=0)
    return dns.query.udp(q, d.addr, port=d.port, source=client, timeout=6.0)


def test_default_view_validates(d):
    r = ask(d, "www.forged.sec.", DEFAULT)
    assert r.rcode() == dns.rcode.SERVFAIL, describe(r)
    assert EDE_DNSSEC_BOGUS in ede_codes(r), describe(r)
    r = ask(d, "www.secure.sec.", DEFAULT)
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AD, describe(r)


def test_vpc_without_validation_gets_the_data_and_no_ad(d):
    r = ask(d, "www.forged.sec.", LAX)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.forged.sec.", "A") == [dnssec_lab.FORGED_ADDRESS], describe(r)
    assert not r.flags & dns.flags.AD, describe(r)
    r = ask(d, "www.secure.sec.", LAX)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert not r.flags & dns.flags.AD, "a VPC that does not validate sets no AD" + describe(r)
    # and the default view, asked after, still refuses the forged data
    r = ask(d, "www.forged.sec.", DEFAULT)
    assert r.rcode() == dns.rcode.SERVFAIL, describe(r)


def test_forwarded_answers_are_validated(d, lab):
    lab.clear_queries()
    r = ask(d, "www.forged.sec.", FWD)
    assert r.rcode() == dns.rcode.SERVFAIL, describe(r)
    assert EDE_DNSSEC_BOGUS in ede_codes(r), describe(r)
    # it was forwarded: the zone's server got the question with RD=1, and so did its keys
    sent = [c for c in lab.captured() if c.server == forged_server(lab) and c.message]
    asked = {(c.question[0].lower(), c.question[1]) for c in sent
             if c.message.flags & dns.flags.RD}
    assert ("www.forged.sec.", "A") in asked, sent
    assert ("forged.sec.", "DNSKEY") in asked, sent
    r = ask(d, "ok.forged.sec.", FWD)
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AD, describe(r)


def test_forward_rule_with_validate_false_is_answered_insecure(d):
    r = ask(d, "www.forged.sec.", FWDLAX)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.forged.sec.", "A") == [dnssec_lab.FORGED_ADDRESS], describe(r)
    assert not r.flags & dns.flags.AD, describe(r)
    r = ask(d, "ok.forged.sec.", FWDLAX)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert not r.flags & dns.flags.AD, "validate: false answers insecure" + describe(r)
