"""The signed DNSSEC lab itself (dnssec_lab.py): is it built as its docstring says?

These checks ask the lab's NSD servers directly with dnspython (DO=1, no RD,
no cairnd) and verify the signatures with dns.dnssec (which needs
python3-cryptography), from the trust anchor file down.  Then a validator
test that fails can be trusted to be about the validator: the secure zones
really validate, and each broken zone is broken in exactly one documented way.
"""

import time

import dns.dnssec
import dns.flags
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

import dnssec_lab
import nsdlab
from labutil import describe

# Signed zones whose parent (or the trust anchor, for the root) has the right DS.
SIGNED_CHAIN_ZONES = [z.name for z in dnssec_lab.ZONES
                      if z.signed and z.ds not in ("stale", "unknown-digest")]


@pytest.fixture(scope="module")
def lab(dnssec_lab):
    """The signed lab (conftest.dnssec_lab), once for this module."""
    return dnssec_lab


# -- reading responses ---------------------------------------------------------------


def name(text):
    return dns.name.from_text(text)


def rrset(msg, owner, rdtype, section="answer"):
    """The RRset owner/rdtype of a section, or None."""
    want = dns.rdatatype.from_text(rdtype)
    for rs in getattr(msg, section):
        if rs.name == name(owner) and rs.rdtype == want:
            return rs
    return None


def sigs(msg, owner, covered, section="answer"):
    """The RRSIGs at owner that cover type covered, or None."""
    want = dns.rdatatype.from_text(covered)
    for rs in getattr(msg, section):
        if rs.name == name(owner) and rs.rdtype == dns.rdatatype.RRSIG and rs.covers == want:
            return rs
    return None


def all_of_type(msg, rdtype, section="authority"):
    want = dns.rdatatype.from_text(rdtype)
    return [rs for rs in getattr(msg, section) if rs.rdtype == want]


def validate(rs, rrsigs, keys, now=None):
    """dns.dnssec.validate with the one key set of the zone that signed rs."""
    assert rs is not None and rrsigs is not None
    dns.dnssec.validate(rs, rrsigs, {keys.name: keys}, now=now)


def fails_to_validate(rs, rrsigs, keys, now=None):
    try:
        validate(rs, rrsigs, keys, now)
    except dns.dnssec.ValidationFailure:
        return True
    return False


def read_zone_lines(path, rdtype):
    """Rdata of every rdtype record in a file of zone-file lines (one record a line)."""
    out = []
    for line in path.read_text().splitlines():
        text = line.split(";", 1)[0].strip()
        if not text:
            continue
        owner, klass, rtype, rdata = text.split(None, 3)
        if rtype.upper() == rdtype:
            assert klass.upper() == "IN"
            out.append((owner, dns.rdata.from_text("IN", rdtype, rdata)))
    return out


def matches_ds(owner, key, ds_set):
    """True if some DS of ds_set is the digest of key."""
    return any(
        dns.dnssec.make_ds(owner, key, ds.digest_type) == ds for ds in ds_set
    )


def nsec_covers(nsec_owner, nsec_rdata, qname):
    """True if the NSEC owner -> next proves qname does not exist."""
    owner, nxt, q = nsec_owner, nsec_rdata.next, name(qname)
    if owner < nxt:
        return owner < q < nxt
    return q > owner or q < nxt  # the last NSEC of the zone points back to the apex


def nsec3_fields(rd):
    """(flags, iterations, salt text, next hash text) of an NSEC3 rdata."""
    fields = rd.to_text().split()
    return int(fields[1]), int(fields[2]), fields[3].lower(), fields[4].upper()


def nsec3_hash(qname, rd):
    _flags, iterations, salt, _next = nsec3_fields(rd)
    return dns.dnssec.nsec3_hash(qname, None if salt == "-" else salt, iterations, 1)


def nsec3_matches(rs, qname):
    return rs.name.labels[0].decode().upper() == nsec3_hash(qname, rs[0])


def nsec3_covers(rs, qname):
    """True if the NSEC3 RRset's hash interval strictly contains hash(qname)."""
    owner = rs.name.labels[0].decode().upper()
    nxt = nsec3_fields(rs[0])[3]
    h = nsec3_hash(qname, rs[0])
    if owner < nxt:
        return owner < h < nxt
    return h > owner or h < nxt


class Chain:
    """Validated DNSKEY sets, from the trust anchor file down (one lab's worth)."""

    def __init__(self, lab):
        self.lab = lab
        self.keys = {}

    def trust_anchor(self):
        rds = [rd for _owner, rd in read_zone_lines(self.lab.trust_anchor_path, "DS")]
        return dns.rrset.from_rdata_list(dns.name.root, 300, rds)

    def ds(self, zone):
        """The DS set of zone, validated with its parent's keys (or the anchor)."""
        info = self.lab.zone_info(zone)
        if info.parent is None:
            return self.trust_anchor()
        r = self.lab.query(info.parent, info.name, "DS")
        ds = rrset(r, info.name, "DS")
        assert ds is not None, describe(r)
        validate(ds, sigs(r, info.name, "DS"), self.dnskeys(info.parent))
        return ds

    def dnskeys(self, zone, now=None):
        """The zone's DNSKEY set, checked: signed by a key its parent's DS names."""
        info = self.lab.zone_info(zone)
        if info.name in self.keys:
            return self.keys[info.name]
        r = self.lab.query(info.name, info.name, "DNSKEY")
        keys = rrset(r, info.name, "DNSKEY")
        assert keys is not None, describe(r)
        ds = self.ds(info.name)
        anchored = [k for k in keys if matches_ds(info.name, k, ds)]
        assert anchored, "no DNSKEY of %s matches its DS %s" % (info.name, ds)
        anchored_set = dns.rrset.from_rdata_list(keys.name, keys.ttl, anchored)
        validate(keys, sigs(r, info.name, "DNSKEY"), anchored_set, now)
        self.keys[info.name] = keys
        return keys


@pytest.fixture(scope="module")
def chain(lab):
    return Chain(lab)


def zone_keys_unchecked(lab, zone):
    """A zone's DNSKEY set as served, without checking it (broken zones)."""
    r = lab.query(zone, zone, "DNSKEY")
    return rrset(r, zone, "DNSKEY"), sigs(r, zone, "DNSKEY")


# -- layout -------------------------------------------------------------------------


def test_addresses_are_apart_from_the_main_and_bench_labs():
    import ipaddress

    taken = {a for _n, a, _z, _x in nsdlab.SERVERS}
    taken |= set(nsdlab.DEAD_SERVERS.values()) | set(nsdlab.FAKE_SERVERS.values())
    taken.add("127.53.50.1")  # the bench lab's only address of its own (bench.lab.)
    ours = [a for _n, a, _z, _x in dnssec_lab.SERVERS]
    assert len(set(ours)) == len(ours)
    assert not taken & set(ours)
    for address in ours:
        ip = ipaddress.ip_address(address)
        assert dnssec_lab.LAB_FIRST_ADDRESS <= ip <= dnssec_lab.LAB_LAST_ADDRESS
        assert ip in nsdlab.LAB_NETWORK  # so the query capture sees it


def test_every_zone_has_a_template_and_every_template_a_zone():
    templates = {p.name for p in dnssec_lab.TEMPLATES_DIR.glob("*.zone")}
    zones = {nsdlab.zone_file_name(z.name) for z in dnssec_lab.ZONES}
    assert templates == zones


def test_the_three_algorithms_are_all_used():
    algorithms = {z.algorithm for z in dnssec_lab.ZONES if z.signed}
    assert {8, 13, 15} <= algorithms


def test_recursion_yaml_points_at_this_labs_root(lab):
    text = lab.recursion_yaml()
    assert text.splitlines() == [
        "recursion:",
        "  root-hints:",
        "    - {name: a.root.sec, address: 127.53.100.1}",
        "  query-loopback: true",
        "  prime-root: true",
    ]
    more = dnssec_lab.cairn_recursion_yaml(prime_root=False, request_timeout="2s")
    assert more.endswith("  prime-root: false\n  request-timeout: 2s\n")


def test_start_is_quick_and_the_queries_are_captured(lab):
    assert lab.start_seconds < 10
    lab.clear_queries()
    lab.query("sec.", "secure.sec.", "DS")
    assert lab.queries("ns.nic.sec") == [("secure.sec.", "DS")]


# -- the trust anchor and the chain ----------------------------------------------------


def test_trust_anchor_files_name_the_served_root_ksk(lab):
    (owner, ds), = read_zone_lines(lab.trust_anchor_path, "DS")
    (key_owner, key), = read_zone_lines(lab.trust_anchor_dnskey_path, "DNSKEY")
    root = lab.zone_info(".")
    assert owner == key_owner == "."
    assert ds.key_tag == root.ksk_tag == dns.dnssec.key_id(key)
    assert ds.algorithm == 8 and ds.digest_type == 2
    assert key.flags == 257
    assert dns.dnssec.make_ds(".", key, "SHA256") == ds
    r = lab.query(".", ".", "DNSKEY")
    assert key in rrset(r, ".", "DNSKEY"), describe(r)


def test_root_priming_answer_is_signed_with_glue(lab, chain):
    r = lab.query("a.root.sec", ".", "NS")
    assert r.flags & dns.flags.AA, describe(r)
    ns = rrset(r, ".", "NS")
    assert [rd.target.to_text() for rd in ns] == ["a.root.sec."]
    glue = rrset(r, "a.root.sec.", "A", "additional")
    assert [rd.address for rd in glue] == ["127.53.100.1"]
    validate(ns, sigs(r, ".", "NS"), chain.dnskeys("."))


@pytest.mark.parametrize("zone", SIGNED_CHAIN_ZONES)
def test_chain_of_trust_reaches_the_zone(lab, chain, zone):
    """DS in the parent (validated) matches the KSK that signs the DNSKEY set;
    the zone has one KSK and one ZSK, both of its documented algorithm."""
    info = lab.zone_info(zone)
    now = None
    if info.window != "valid":  # the chain is fine, only the time is not
        now = info.inception + 3600
    keys = chain.dnskeys(zone, now)
    assert sorted((k.flags, k.algorithm) for k in keys) == [
        (256, info.algorithm), (257, info.algorithm)]
    tags = {k.flags: dns.dnssec.key_id(k) for k in keys}
    assert tags == {256: info.zsk_tag, 257: info.ksk_tag}
    assert [d.key_tag for d in chain.ds(zone)] == [info.ksk_tag]


@pytest.mark.parametrize("zone", ["secure.sec.", "ed25519.sec.", "nsec3.sec.", "optout.sec.",
                                  "iter151.sec.", "no-rrsig.sec.", "forged.sec.",
                                  "no-wildcard-proof.sec."])
def test_signatures_span_the_documented_window(lab, zone):
    r = lab.query(zone, zone, "SOA")
    (sig,) = sigs(r, zone, "SOA")
    assert (sig.inception, sig.expiration) == (lab.inception, lab.expiration)
    assert sig.inception < time.time() - 23 * 3600
    assert sig.expiration > time.time() + 29 * 86400


# -- secure zones --------------------------------------------------------------------


@pytest.mark.parametrize("qname,rdtype,zone", [
    ("www.secure.sec.", "A", "secure.sec."),
    ("www.secure.sec.", "AAAA", "secure.sec."),
    ("www.ed25519.sec.", "A", "ed25519.sec."),
    ("www.nsec3.sec.", "A", "nsec3.sec."),
    ("www.optout.sec.", "A", "optout.sec."),
    ("www.iter151.sec.", "A", "iter151.sec."),
    ("ok.no-rrsig.sec.", "A", "no-rrsig.sec."),
    ("ok.forged.sec.", "A", "forged.sec."),
    ("www.no-wildcard-proof.sec.", "A", "no-wildcard-proof.sec."),
])
def test_secure_answer_validates(lab, chain, qname, rdtype, zone):
    r = lab.query(zone, qname, rdtype)
    assert r.flags & dns.flags.AA and r.rcode() == dns.rcode.NOERROR, describe(r)
    validate(rrset(r, qname, rdtype), sigs(r, qname, rdtype), chain.dnskeys(zone))


def test_secure_sec_wildcard_comes_with_its_nsec_proof(lab, chain):
    keys = chain.dnskeys("secure.sec.")
    q = "foo.wild.secure.sec."
    r = lab.query("secure.sec.", q, "A")
    a, rrsigs = rrset(r, q, "A"), sigs(r, q, "A")
    assert [rd.address for rd in a] == ["192.0.2.2"]
    assert [s.labels for s in rrsigs] == [3]  # synthesised from *.wild.secure.sec.
    validate(a, rrsigs, keys)
    nsecs = all_of_type(r, "NSEC")
    assert [rs.name.to_text() for rs in nsecs] == ["*.wild.secure.sec."]
    assert nsec_covers(nsecs[0].name, nsecs[0][0], q)
    validate(nsecs[0], sigs(r, "*.wild.secure.sec.", "NSEC", "authority"), keys)


def test_secure_sec_nxdomain_and_nodata_are_proven(lab, chain):
    keys = chain.dnskeys("secure.sec.")
    r = lab.query("secure.sec.", "nx.secure.sec.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    nsecs = all_of_type(r, "NSEC")
    for rs in nsecs:
        validate(rs, sigs(r, rs.name.to_text(), "NSEC", "authority"), keys)
    assert any(nsec_covers(rs.name, rs[0], "nx.secure.sec.") for rs in nsecs)
    assert any(nsec_covers(rs.name, rs[0], "*.secure.sec.") for rs in nsecs)
    r = lab.query("secure.sec.", "www.secure.sec.", "TXT")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer, describe(r)
    nsec = rrset(r, "www.secure.sec.", "NSEC", "authority")
    assert "TXT" not in nsec[0].to_text().split()
    validate(nsec, sigs(r, "www.secure.sec.", "NSEC", "authority"), keys)


@pytest.mark.parametrize("qname,target", [
    ("alias.secure.sec.", "www.ed25519.sec."),
    ("to-insecure.secure.sec.", "www.unsigned.sec."),
    ("to-bogus.secure.sec.", "www.forged.sec."),
])
def test_secure_sec_cnames_are_signed(lab, chain, qname, target):
    r = lab.query("secure.sec.", qname, "A")
    cname = rrset(r, qname, "CNAME")
    assert [rd.target.to_text() for rd in cname] == [target], describe(r)
    validate(cname, sigs(r, qname, "CNAME"), chain.dnskeys("secure.sec."))


def test_nsec3_zone_proves_nxdomain_and_wildcard_with_nsec3(lab, chain):
    keys = chain.dnskeys("nsec3.sec.")
    r = lab.query("nsec3.sec.", "nsec3.sec.", "NSEC3PARAM")
    assert rrset(r, "nsec3.sec.", "NSEC3PARAM")[0].to_text() == "1 0 0 -"
    r = lab.query("nsec3.sec.", "nx.nsec3.sec.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    nsec3s = all_of_type(r, "NSEC3")
    assert not all_of_type(r, "NSEC")
    for rs in nsec3s:
        validate(rs, sigs(r, rs.name.to_text(), "NSEC3", "authority"), keys)
        assert nsec3_fields(rs[0])[:3] == (0, 0, "-")
    assert any(nsec3_matches(rs, "nsec3.sec.") for rs in nsec3s)  # closest encloser
    assert any(nsec3_covers(rs, "nx.nsec3.sec.") for rs in nsec3s)  # next closer
    assert any(nsec3_covers(rs, "*.nsec3.sec.") for rs in nsec3s)  # no wildcard
    q = "foo.wild.nsec3.sec."
    r = lab.query("nsec3.sec.", q, "A")
    assert [s.labels for s in sigs(r, q, "A")] == [3], describe(r)
    validate(rrset(r, q, "A"), sigs(r, q, "A"), keys)
    assert any(nsec3_covers(rs, q) for rs in all_of_type(r, "NSEC3"))


def test_optout_zone_delegates_insecurely_without_an_nsec3_of_the_child(lab, chain):
    keys = chain.dnskeys("optout.sec.")
    child = "insecure.optout.sec."
    r = lab.query("optout.sec.", "www." + child, "A")
    assert not r.flags & dns.flags.AA and not r.answer, describe(r)
    assert rrset(r, child, "NS", "authority") is not None, describe(r)
    assert rrset(r, child, "DS", "authority") is None
    nsec3s = all_of_type(r, "NSEC3")
    for rs in nsec3s:
        validate(rs, sigs(r, rs.name.to_text(), "NSEC3", "authority"), keys)
        assert nsec3_fields(rs[0])[0] & 1  # opt-out
    assert not any(nsec3_matches(rs, child) for rs in nsec3s)
    assert any(nsec3_matches(rs, "optout.sec.") for rs in nsec3s)  # closest encloser
    assert any(nsec3_covers(rs, child) for rs in nsec3s)  # the opt-out span
    r = lab.query(child, "www." + child, "A")
    assert r.flags & dns.flags.AA and rrset(r, "www." + child, "A") is not None, describe(r)
    assert not all_of_type(r, "RRSIG", "answer")
    assert rrset(lab.query(child, child, "DNSKEY"), child, "DNSKEY") is None


def test_iter151_denials_use_151_iterations(lab, chain):
    keys = chain.dnskeys("iter151.sec.")
    r = lab.query("iter151.sec.", "iter151.sec.", "NSEC3PARAM")
    assert rrset(r, "iter151.sec.", "NSEC3PARAM")[0].iterations == 151
    for qname, rdtype, rcode in [("nx.iter151.sec.", "A", dns.rcode.NXDOMAIN),
                                 ("www.iter151.sec.", "TXT", dns.rcode.NOERROR)]:
        r = lab.query("iter151.sec.", qname, rdtype)
        assert r.rcode() == rcode and not r.answer, describe(r)
        nsec3s = all_of_type(r, "NSEC3")
        assert nsec3s, describe(r)
        for rs in nsec3s:
            assert nsec3_fields(rs[0])[1:3] == (151, "a1b2c3d4")
            validate(rs, sigs(r, rs.name.to_text(), "NSEC3", "authority"), keys)


# -- insecure -----------------------------------------------------------------------------


def test_unsigned_sec_is_proven_insecure_by_the_parents_nsec(lab, chain):
    r = lab.query("sec.", "www.unsigned.sec.", "A")
    assert rrset(r, "unsigned.sec.", "NS", "authority") is not None, describe(r)
    assert rrset(r, "unsigned.sec.", "DS", "authority") is None
    nsec = rrset(r, "unsigned.sec.", "NSEC", "authority")
    assert nsec is not None, describe(r)
    types = nsec[0].to_text().split()[1:]
    assert "NS" in types and "DS" not in types
    validate(nsec, sigs(r, "unsigned.sec.", "NSEC", "authority"), chain.dnskeys("sec."))
    r = lab.query("unsigned.sec.", "www.unsigned.sec.", "A")
    assert rrset(r, "www.unsigned.sec.", "A") is not None, describe(r)
    assert not all_of_type(r, "RRSIG", "answer")
    assert rrset(lab.query("unsigned.sec.", "unsigned.sec.", "DNSKEY"),
                 "unsigned.sec.", "DNSKEY") is None


# -- broken ----------------------------------------------------------------------------------


def test_stale_ds_matches_no_key_of_the_child(lab, chain):
    info = lab.zone_info("stale-ds.sec.")
    ds = chain.ds("stale-ds.sec.")  # validated in sec.
    assert [d.key_tag for d in ds] == [info.old_ksk_tag]
    keys, keysigs = zone_keys_unchecked(lab, "stale-ds.sec.")
    assert not any(matches_ds("stale-ds.sec.", k, ds) for k in keys)
    validate(keys, keysigs, keys)  # the zone itself is signed right
    r = lab.query("stale-ds.sec.", "www.stale-ds.sec.", "A")
    validate(rrset(r, "www.stale-ds.sec.", "A"), sigs(r, "www.stale-ds.sec.", "A"), keys)


def test_signing_off_has_a_ds_but_no_keys_or_signatures(lab, chain):
    info = lab.zone_info("signing-off.sec.")
    assert [d.key_tag for d in chain.ds("signing-off.sec.")] == [info.ksk_tag]
    r = lab.query("signing-off.sec.", "signing-off.sec.", "DNSKEY")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer, describe(r)
    assert not all_of_type(r, "NSEC") and not all_of_type(r, "RRSIG")
    r = lab.query("signing-off.sec.", "www.signing-off.sec.", "A")
    assert rrset(r, "www.signing-off.sec.", "A") is not None, describe(r)
    assert not all_of_type(r, "RRSIG", "answer")


@pytest.mark.parametrize("zone,too_late", [("expired.sec.", True),
                                           ("not-yet-valid.sec.", False)])
def test_signatures_are_outside_their_window_now_and_fine_inside_it(lab, chain, zone,
                                                                     too_late):
    info = lab.zone_info(zone)
    now = time.time()
    if too_late:
        assert info.expiration < now - 23 * 3600
    else:
        assert info.inception > now + 6 * 86400
    inside = info.inception + 3600
    keys = chain.dnskeys(zone, now=inside)  # the chain is right...
    www = "www." + zone
    for qname, rdtype in [(zone, "DNSKEY"), (www, "A"), (zone, "SOA")]:
        r = lab.query(zone, qname, rdtype)
        rs, rrsigs = rrset(r, qname, rdtype), sigs(r, qname, rdtype)
        assert [(s.inception, s.expiration) for s in rrsigs] == [
            (info.inception, info.expiration)]
        assert fails_to_validate(rs, rrsigs, keys)  # ...only the time is not
        validate(rs, rrsigs, keys, now=inside)


def test_no_rrsig_www_lacks_only_its_signature(lab, chain):
    r = lab.query("no-rrsig.sec.", "www.no-rrsig.sec.", "A")
    assert [rd.address for rd in rrset(r, "www.no-rrsig.sec.", "A")] == ["192.0.2.44"]
    assert not all_of_type(r, "RRSIG", "answer"), describe(r)
    assert lab.zone_info("no-rrsig.sec.").ede == dnssec_lab.EDE_RRSIGS_MISSING


def test_forged_www_fails_validation(lab, chain):
    keys = chain.dnskeys("forged.sec.")
    r = lab.query("forged.sec.", "www.forged.sec.", "A")
    a = rrset(r, "www.forged.sec.", "A")
    assert [rd.address for rd in a] == [dnssec_lab.FORGED_ADDRESS]
    rrsigs = sigs(r, "www.forged.sec.", "A")
    assert [s.key_tag for s in rrsigs] == [lab.zone_info("forged.sec.").zsk_tag]
    assert fails_to_validate(a, rrsigs, keys)
    # what was signed: the template's address
    original = dns.rrset.from_text("www.forged.sec.", a.ttl, "IN", "A", "192.0.2.45")
    validate(original, rrsigs, keys)


def test_no_wildcard_proof_answer_has_no_covering_nsec(lab, chain):
    keys = chain.dnskeys("no-wildcard-proof.sec.")
    q = "foo.wild.no-wildcard-proof.sec."
    r = lab.query("no-wildcard-proof.sec.", q, "A")
    a, rrsigs = rrset(r, q, "A"), sigs(r, q, "A")
    assert [rd.address for rd in a] == ["192.0.2.146"], describe(r)
    assert [s.labels for s in rrsigs] == [3]  # a wildcard expansion...
    validate(a, rrsigs, keys)  # ...whose signature is fine
    nsecs = all_of_type(r, "NSEC")
    assert [(rs.name.to_text(), rs[0].next.to_text()) for rs in nsecs] == [
        ("ns.no-wildcard-proof.sec.", "*.wild.no-wildcard-proof.sec.")], describe(r)
    assert not any(nsec_covers(rs.name, rs[0], q) for rs in nsecs)
    r = lab.query("no-wildcard-proof.sec.", "*.wild.no-wildcard-proof.sec.", "NSEC")
    assert not r.answer, describe(r)


# -- the expectation table ------------------------------------------------------------------


def serving_zone(qname):
    """The deepest lab zone that qname is in."""
    best = dnssec_lab.ZONES[0]
    for zone in dnssec_lab.ZONES:
        if name(qname).is_subdomain(name(zone.name)) and len(name(zone.name)) > len(
            name(best.name)
        ):
            best = zone
    return best


@pytest.mark.parametrize("expectation", dnssec_lab.EXPECTATIONS, ids=repr)
def test_expectation_agrees_with_the_zones(lab, expectation):
    """The authoritative server answers as the expectation assumes (a bogus
    answer is there, only wrong), and the table agrees with ZONES."""
    e = expectation
    zone = serving_zone(e.qname)
    r = lab.query(zone.name, e.qname, e.rdtype)
    auth_rcode = "NOERROR" if e.rcode == "SERVFAIL" else e.rcode
    assert dns.rcode.to_text(r.rcode()) == auth_rcode, describe(r)
    assert r.flags & dns.flags.AA, describe(r)
    if e.rcode == "SERVFAIL":
        assert not e.ad and e.ede is not None
        assert r.answer, describe(r)
    if (e.qname, e.rdtype) == zone.probe:
        assert e.ad == (zone.expect == "secure")
        assert (e.rcode == "SERVFAIL") == (zone.expect == "bogus")
        assert e.ede == zone.ede
    if not zone.signed:
        assert not e.ad


def test_every_zones_probe_is_in_the_expectations():
    asked = {(e.qname, e.rdtype) for e in dnssec_lab.EXPECTATIONS}
    for zone in dnssec_lab.ZONES:
        assert zone.probe in asked, zone
        assert serving_zone(zone.probe[0]) is zone
    codes = {e.ede for e in dnssec_lab.EXPECTATIONS if e.ede is not None}
    assert codes == {2, 6, 7, 8, 9, 10, 12, 27}
