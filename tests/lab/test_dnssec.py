"""DNSSEC validation as clients see it, on the signed lab (dnssec_lab.py): secure answers
carry AD — positive ones and NXDOMAIN/NODATA proven by NSEC or NSEC3 —, bogus ones are
SERVFAIL with the EDE that names the broken link, insecure ones resolve without AD (NSEC3
with too many iterations says so with EDE 27); CNAME chains are judged link by link;
negative trust anchors and validation: false switch it off. Every question of the lab's
EXPECTATIONS is asked twice: the second answer comes from the caches and must agree."""

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import dnssec_lab
from resolution_util import ede_codes, ede_text

@pytest.fixture(scope="module")
def lab(dnssec_lab):
    """The signed lab (conftest.dnssec_lab), once for this module."""
    return dnssec_lab


def validating(cairnd, lab, dnssec="", **recursion):
    block = "dnssec:\n  trust-anchors: [\"%s\"]\n" % lab.trust_anchor_path
    block += "".join("  %s\n" % line for line in dnssec.splitlines())
    return cairnd(rest=block + lab.recursion_yaml(**recursion))


@pytest.fixture(scope="module")
def resolver(lab, cairnd_module):
    """One validating cairnd for the module: answers are cached as the tests go, which also
    exercises validation of cached data."""
    return validating(cairnd_module, lab)


def ask(d, qname, rdtype="A", do=True, ad=False, cd=False):
    q = dns.message.make_query(qname, rdtype, want_dnssec=do, use_edns=0)
    if ad:
        q.flags |= dns.flags.AD
    if cd:
        q.flags |= dns.flags.CD
    r = dns.query.udp(q, d.addr, port=d.port, timeout=6.0)
    if r.flags & dns.flags.TC:
        r = dns.query.tcp(q, d.addr, port=d.port, timeout=6.0)
    return r


def check(r, e):
    what = "%r: got %s%s EDE %r %r" % (e, dns.rcode.to_text(r.rcode()),
                                       " AD" if r.flags & dns.flags.AD else "",
                                       ede_codes(r), ede_text(r))
    assert dns.rcode.to_text(r.rcode()) == e.rcode, what
    assert bool(r.flags & dns.flags.AD) == e.ad, what
    if e.ede is not None:
        assert e.ede in ede_codes(r), what
    if e.rcode == "SERVFAIL":
        assert "DNSSEC" in ede_text(r), what


@pytest.mark.parametrize("e", dnssec_lab.EXPECTATIONS, ids=repr)
def test_lab_expectation(resolver, e):
    check(ask(resolver, e.qname, e.rdtype), e)
    # asked again: from the caches, the same verdict
    check(ask(resolver, e.qname, e.rdtype), e)


def test_secure_answer_carries_rrsigs_to_do_clients_only(resolver):
    r = ask(resolver, "www.secure.sec.", do=True)
    assert r.flags & dns.flags.AD
    assert any(rs.rdtype == dns.rdatatype.RRSIG for rs in r.answer), r
    r = ask(resolver, "www.secure.sec.", do=False)
    assert not any(rs.rdtype == dns.rdatatype.RRSIG for rs in r.answer), r
    assert not r.flags & dns.flags.AD, "RFC 6840 §5.8: AD only to DO or AD clients"
    r = ask(resolver, "www.secure.sec.", do=False, ad=True)
    assert r.flags & dns.flags.AD


def test_secure_nxdomain_carries_its_proof_to_do_clients(resolver):
    r = ask(resolver, "nx2.secure.sec.")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AD
    types = {rs.rdtype for rs in r.authority}
    assert dns.rdatatype.NSEC in types and dns.rdatatype.RRSIG in types, r
    r = ask(resolver, "nx2.nsec3.sec.")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AD
    assert dns.rdatatype.NSEC3 in {rs.rdtype for rs in r.authority}, r


def test_cached_denial_still_carries_its_proof_to_do_clients(lab, cairnd):
    """A DO=0 client's NXDOMAIN fills the caches; a DO=1 client asking next is answered from
    the RRset cache (another message cache key) and still gets the NSEC records."""
    d = validating(cairnd, lab)
    r = ask(d, "nx5.secure.sec.", do=False)
    assert r.rcode() == dns.rcode.NXDOMAIN and not r.authority[1:], r
    r = ask(d, "nx5.secure.sec.", do=True)
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AD
    assert dns.rdatatype.NSEC in {rs.rdtype for rs in r.authority}, r


def test_bogus_text_names_the_zone_and_key(lab, cairnd):
    r = ask(validating(cairnd, lab), "www.stale-ds.sec.")
    assert r.rcode() == dns.rcode.SERVFAIL
    text = ede_text(r)
    assert "stale-ds.sec" in text and "key tag" in text, text


def test_negative_trust_anchor_makes_the_broken_zone_resolve(lab, cairnd):
    d = validating(cairnd, lab, "negative-trust-anchors: [expired.sec, forged.sec]")
    for name in ("www.expired.sec.", "www.forged.sec."):
        r = ask(d, name)
        assert r.rcode() == dns.rcode.NOERROR and r.answer, r
        assert not r.flags & dns.flags.AD
    assert ask(d, "www.secure.sec.").flags & dns.flags.AD
    assert ask(d, "www.stale-ds.sec.").rcode() == dns.rcode.SERVFAIL


def test_validation_off_resolves_everything_without_ad(lab, cairnd):
    d = validating(cairnd, lab, "validation: false")
    for name in ("www.secure.sec.", "www.expired.sec.", "www.forged.sec."):
        r = ask(d, name)
        assert r.rcode() == dns.rcode.NOERROR and r.answer, r
        assert not r.flags & dns.flags.AD


def test_wrong_trust_anchor_makes_everything_bogus(lab, cairnd, tmp_path):
    anchor = tmp_path / "wrong.ds"
    # A DS for the root that matches no key of the lab's root.
    anchor.write_text(". 3600 IN DS 12345 8 2 " + "00" * 32 + "\n")
    d = cairnd(rest="dnssec:\n  trust-anchors: [\"%s\"]\n" % anchor + lab.recursion_yaml())
    r = ask(d, "www.secure.sec.")
    assert r.rcode() == dns.rcode.SERVFAIL
    assert 9 in ede_codes(r), ede_text(r)


def test_checking_disabled_returns_the_bogus_data_and_only_to_cd_clients(lab, cairnd):
    """RFC 4035 §3.2.2: CD=1 is a client that validates for itself. It gets the data as it
    came (no AD); clients without CD still get SERVFAIL, before and after."""
    d = validating(cairnd, lab)
    assert ask(d, "www.forged.sec.").rcode() == dns.rcode.SERVFAIL
    r = ask(d, "www.forged.sec.", cd=True)
    assert r.rcode() == dns.rcode.NOERROR and not r.flags & dns.flags.AD
    assert r.flags & dns.flags.CD
    assert [rr.address for rs in r.answer if rs.rdtype == dns.rdatatype.A for rr in rs] == \
        ["192.0.2.66"]
    assert ask(d, "www.forged.sec.").rcode() == dns.rcode.SERVFAIL
    # a secure answer asked with CD: the data, without AD (it was not checked for this one)
    r = ask(d, "www.ed25519.sec.", cd=True)
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    # CD first, then without: the answer is validated all the same
    r = ask(d, "www.expired.sec.", cd=True)
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    r = ask(d, "www.expired.sec.")
    assert r.rcode() == dns.rcode.SERVFAIL and 7 in ede_codes(r), ede_text(r)


def test_bogus_answers_are_remembered_for_bogus_ttl(lab, cairnd):
    import time
    d = validating(cairnd, lab, "bogus-ttl: 1")
    first = ask(d, "www.not-yet-valid.sec.")
    assert first.rcode() == dns.rcode.SERVFAIL and 8 in ede_codes(first)
    again = ask(d, "www.not-yet-valid.sec.")
    assert again.rcode() == dns.rcode.SERVFAIL and 8 in ede_codes(again)
    assert "bogus-ttl" in ede_text(again), ede_text(again)
    time.sleep(2.2)  # bogus-ttl is over: fetched and judged anew
    later = ask(d, "www.not-yet-valid.sec.")
    assert later.rcode() == dns.rcode.SERVFAIL and 8 in ede_codes(later)
    assert "bogus-ttl" not in ede_text(later), ede_text(later)


def test_names_in_a_validated_nsec_span_are_denied_without_asking(lab, cairnd):
    """RFC 8198: after one proven NXDOMAIN, another name in the same NSEC span (and with the
    wildcard covered) is answered from the cached, validated NSEC records."""
    from resolution_util import stop_and_stats
    d = validating(cairnd, lab)
    first = ask(d, "nx.secure.sec.")
    assert first.rcode() == dns.rcode.NXDOMAIN and first.flags & dns.flags.AD
    second = ask(d, "nx3.secure.sec.")
    assert second.rcode() == dns.rcode.NXDOMAIN and second.flags & dns.flags.AD, second
    assert dns.rdatatype.NSEC in {rs.rdtype for rs in second.authority}, second
    # a name that exists is never denied from the spans
    assert ask(d, "www.secure.sec.").rcode() == dns.rcode.NOERROR
    stats = stop_and_stats(d)
    assert stats["aggressive-nsec"] >= 1, stats


def test_aggressive_nsec_can_be_switched_off(lab, cairnd):
    from resolution_util import stop_and_stats
    d = validating(cairnd, lab, "aggressive-nsec: false")
    assert ask(d, "nx.secure.sec.").rcode() == dns.rcode.NXDOMAIN
    r = ask(d, "nx3.secure.sec.")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AD
    assert stop_and_stats(d)["aggressive-nsec"] == 0


def test_a_parent_nsec_at_a_delegation_denies_nothing_below_it(lab, cairnd):
    """RFC 4035 §5.4: the NSEC that sec. has at nsec3.sec. (NS and DS, no SOA) lies on the
    parent side of a cut; names below it belong to the child and are not denied by it, from
    a response or from the cached spans."""
    d = validating(cairnd, lab)
    assert ask(d, "nx.sec.").rcode() == dns.rcode.NXDOMAIN  # caches sec.'s spans
    r = ask(d, "www.nsec3.sec.")
    assert r.rcode() == dns.rcode.NOERROR and r.answer and r.flags & dns.flags.AD, r


def test_nsec3_spans_deny_later_names_too(lab, cairnd):
    """RFC 8198 with NSEC3: the closest encloser proofs of the first denials fill the cached
    chain; later names whose hashes fall in known spans are denied without asking."""
    from resolution_util import stop_and_stats
    d = validating(cairnd, lab)
    for i in range(8):
        r = ask(d, "nx%d.nsec3.sec." % i)
        assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AD, r
    assert ask(d, "www.nsec3.sec.").rcode() == dns.rcode.NOERROR
    stats = stop_and_stats(d)
    assert stats["aggressive-nsec"] >= 1, stats


def test_reload_with_other_anchors_forgets_what_was_validated(lab, cairnd):
    """Cached verdicts were reached under the old anchors: a reload that adds a negative
    trust anchor (or changes the anchors) must not keep handing out their AD."""
    import signal

    from labutil import wait_until
    d = validating(cairnd, lab)
    assert ask(d, "www.secure.sec.").flags & dns.flags.AD
    block = "dnssec:\n  trust-anchors: [\"%s\"]\n  negative-trust-anchors: [secure.sec]\n" \
        % lab.trust_anchor_path
    d.write_config(rest=block + lab.recursion_yaml())
    d.signal(signal.SIGHUP)
    assert wait_until(lambda: "reloaded" in d.log(), timeout=3.0)
    r = ask(d, "www.secure.sec.")
    assert r.rcode() == dns.rcode.NOERROR and not r.flags & dns.flags.AD, r
