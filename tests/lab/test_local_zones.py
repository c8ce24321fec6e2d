"""Answers from private (local) zones: positive, CNAME, wildcard, negative."""

import dns.edns
import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from labutil import rdata_texts, rrset, soa_in_authority, describe

ZONES = """
private-zones:
  - name: example.test
    records:
      - {name: www, type: A, ttl: 300, data: [192.0.2.1, 192.0.2.2]}
      - {name: "@", type: MX, ttl: 300, data: ["10 mail"]}
      - {name: mail.example.test., type: A, data: [192.0.2.25]}
      - {name: "*.wild", type: A, data: [192.0.2.9]}
      - {name: sub.wild, type: TXT, data: ["not from the wildcard"]}
      - {name: alias, type: CNAME, data: [www]}
      - {name: chain, type: CNAME, data: [alias]}
      - {name: cross, type: CNAME, data: [host.other.test.]}
      - {name: txt, type: TXT, data: ["hello world"]}
      - {name: multi, type: TXT, data: ['"one" "two"']}
      - {name: a.b, type: A, data: [192.0.2.3]}
      - {name: v6, type: AAAA, ttl: 60, data: ["2001:db8::53"]}
  - name: other.test
    records:
      - {name: host, type: A, data: [198.51.100.7]}
  - name: soa-low.test
    records:
      - {name: "@", type: SOA, ttl: 3600, data: ["ns1.soa-low.test. admin.soa-low.test. 2024010101 7200 900 1209600 120"]}
      - {name: host, type: A, data: [198.51.100.8]}
  - name: soa-high.test
    records:
      - {name: "@", type: SOA, ttl: 60, data: ["ns1.soa-high.test. admin.soa-high.test. 7 7200 900 1209600 3600"]}
      - {name: host, type: A, data: [198.51.100.9]}
  - name: filezone.test
    file: zones/filezone.test.zone
  - name: fancy.test
    file: zones/fancy.test.zone
"""

FILES = {
    # Plain, one record per line.
    "zones/filezone.test.zone": """
        ; simple zone file
        $ORIGIN filezone.test.
        $TTL 600
        @    IN SOA ns1.filezone.test. hostmaster.filezone.test. 5 3600 600 86400 60
        @    IN NS  ns1
        ns1  IN A   192.0.2.53
        www  IN AAAA 2001:db8::1
        abs.filezone.test. IN A 192.0.2.54
    """,
    # Common zone-file syntax: parentheses across lines, omitted owner,
    # omitted class, per-record TTL, comments at end of line.
    "zones/fancy.test.zone": """
        $TTL 3600
        @   IN  SOA ns1.fancy.test. hostmaster.fancy.test. (
                    2024010101 ; serial
                    3600       ; refresh
                    600        ; retry
                    86400      ; expire
                    30 )       ; minimum
            IN  NS  ns1
        ns1     A   192.0.2.60
        www 120 IN  A   192.0.2.61
                IN  TXT "second type, same owner"
    """,
}

SYNTH_SOA = "example.test. hostmaster.example.test. 1 3600 600 86400 300"


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module(rest=ZONES, files=FILES)


def assert_authoritative_answer(r):
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.QR
    assert r.flags & dns.flags.AA, "AA not set" + describe(r)
    assert not r.flags & dns.flags.RA, "RA set but there is no recursion" + describe(r)


# --- positive answers ---------------------------------------------------


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_a_rrset_from_private_zone(d, proto):
    r = d.query(proto, "www.example.test.", "A")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1", "192.0.2.2"]
    assert rrset(r, "www.example.test.", "A").ttl == 300
    assert len(r.answer) == 1


def test_query_name_is_case_insensitive(d):
    r = d.udp("WwW.ExAmPlE.TeSt.", "A")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1", "192.0.2.2"]


def test_rd_flag_is_copied_from_query(d):
    r = d.udp("www.example.test.", "A")  # dnspython sets RD by default
    assert r.flags & dns.flags.RD
    r = d.udp("www.example.test.", "A", flags=0)
    assert not r.flags & dns.flags.RD, describe(r)
    assert_authoritative_answer(r)


def test_mx_at_apex_with_relative_exchange(d):
    r = d.udp("example.test.", "MX")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "example.test.", "MX") == ["10 mail.example.test."]


def test_absolute_owner_name_and_default_ttl(d):
    r = d.udp("mail.example.test.", "A")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "mail.example.test.", "A") == ["192.0.2.25"]
    assert rrset(r, "mail.example.test.", "A").ttl == 300


def test_aaaa_record_with_explicit_ttl(d):
    r = d.udp("v6.example.test.", "AAAA")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "v6.example.test.", "AAAA") == ["2001:db8::53"]
    assert rrset(r, "v6.example.test.", "AAAA").ttl == 60


def test_txt_data_is_auto_quoted(d):
    r = d.udp("txt.example.test.", "TXT")
    assert_authoritative_answer(r)
    rs = rrset(r, "txt.example.test.", "TXT")
    assert rs is not None, describe(r)
    assert [rd.strings for rd in rs] == [(b"hello world",)]


def test_txt_data_starting_with_quote_is_presentation_format(d):
    r = d.udp("multi.example.test.", "TXT")
    assert_authoritative_answer(r)
    rs = rrset(r, "multi.example.test.", "TXT")
    assert rs is not None, describe(r)
    assert [rd.strings for rd in rs] == [(b"one", b"two")]


def test_synthesised_soa_at_apex(d):
    r = d.udp("example.test.", "SOA")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "example.test.", "SOA") == [SYNTH_SOA]
    assert rrset(r, "example.test.", "SOA").ttl == 300


def test_explicit_soa_record_is_served(d):
    r = d.udp("soa-low.test.", "SOA")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "soa-low.test.", "SOA") == [
        "ns1.soa-low.test. admin.soa-low.test. 2024010101 7200 900 1209600 120"
    ]
    assert rrset(r, "soa-low.test.", "SOA").ttl == 3600


# --- CNAME ---------------------------------------------------------------


def test_cname_is_followed_inside_zone(d):
    r = d.udp("alias.example.test.", "A")
    assert_authoritative_answer(r)
    assert len(r.answer) == 2, describe(r)
    assert r.answer[0].rdtype == dns.rdatatype.CNAME, "CNAME must come first" + describe(r)
    assert rdata_texts(r, "alias.example.test.", "CNAME") == ["www.example.test."]
    assert rdata_texts(r, "www.example.test.", "A") == ["192.0.2.1", "192.0.2.2"]


def test_cname_chain_is_followed_in_order(d):
    r = d.udp("chain.example.test.", "A")
    assert_authoritative_answer(r)
    names = [(rs.name.to_text(), dns.rdatatype.to_text(rs.rdtype)) for rs in r.answer]
    assert names == [
        ("chain.example.test.", "CNAME"),
        ("alias.example.test.", "CNAME"),
        ("www.example.test.", "A"),
    ], describe(r)


def test_cname_into_another_local_zone_is_followed(d):
    r = d.udp("cross.example.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "cross.example.test.", "CNAME") == ["host.other.test."]
    assert rdata_texts(r, "host.other.test.", "A") == ["198.51.100.7"]


def test_qtype_cname_returns_only_the_cname(d):
    r = d.udp("alias.example.test.", "CNAME")
    assert_authoritative_answer(r)
    assert len(r.answer) == 1, describe(r)
    assert rdata_texts(r, "alias.example.test.", "CNAME") == ["www.example.test."]


def test_cname_to_name_without_the_type_gives_cname_and_noerror(d):
    r = d.udp("alias.example.test.", "TXT")
    assert_authoritative_answer(r)
    assert [rs.rdtype for rs in r.answer] == [dns.rdatatype.CNAME], describe(r)


# --- wildcards (RFC 4592) -----------------------------------------------


def test_wildcard_synthesises_answer_with_query_owner(d):
    r = d.udp("x.wild.example.test.", "A")
    assert_authoritative_answer(r)
    assert len(r.answer) == 1, describe(r)
    assert r.answer[0].name.to_text() == "x.wild.example.test."
    assert rdata_texts(r, "x.wild.example.test.", "A") == ["192.0.2.9"]


def test_wildcard_matches_several_labels_deep(d):
    r = d.udp("deep.x.wild.example.test.", "A")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "deep.x.wild.example.test.", "A") == ["192.0.2.9"]


def test_wildcard_match_without_the_type_is_nodata(d):
    r = d.udp("x.wild.example.test.", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.AA
    assert r.answer == [], describe(r)
    assert soa_in_authority(r) is not None, describe(r)


def test_wildcard_owner_queried_literally(d):
    r = d.udp("*.wild.example.test.", "A")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "*.wild.example.test.", "A") == ["192.0.2.9"]


def test_existing_name_under_wildcard_parent_blocks_wildcard(d):
    # sub.wild exists (TXT only) -> NODATA, not the wildcard A.
    r = d.udp("sub.wild.example.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.answer == [], describe(r)
    assert soa_in_authority(r) is not None


def test_name_below_existing_non_wildcard_node_is_nxdomain(d):
    # Closest encloser is sub.wild, which has no '*' child (RFC 4592 2.2.1).
    r = d.udp("y.sub.wild.example.test.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)


# --- negative answers -----------------------------------------------------


def test_nxdomain_from_private_zone_has_soa(d):
    r = d.udp("nope.example.test.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert r.flags & dns.flags.AA
    assert not r.flags & dns.flags.RA
    assert r.answer == []
    soa = soa_in_authority(r)
    assert soa is not None, describe(r)
    assert soa.name.to_text() == "example.test."
    assert [x.to_text() for x in soa] == [SYNTH_SOA]
    assert soa.ttl == 300


def test_nxdomain_below_existing_leaf(d):
    r = d.udp("x.www.example.test.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert soa_in_authority(r) is not None


def test_nodata_for_existing_name_without_type(d):
    r = d.udp("www.example.test.", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.AA
    assert r.answer == [], describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "example.test.", describe(r)


def test_nodata_at_apex(d):
    r = d.udp("example.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.answer == []
    assert soa_in_authority(r) is not None


def test_empty_non_terminal_above_wildcard_is_nodata(d):
    r = d.udp("wild.example.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR, "ENT must be NODATA, not NXDOMAIN" + describe(r)
    assert r.answer == []
    assert soa_in_authority(r) is not None


def test_empty_non_terminal_is_nodata(d):
    r = d.udp("b.example.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR, "ENT must be NODATA, not NXDOMAIN" + describe(r)
    assert r.answer == []
    assert soa_in_authority(r) is not None


def test_negative_soa_ttl_is_soa_minimum_when_lower(d):
    for qname, qtype, rcode in [
        ("nope.soa-low.test.", "A", dns.rcode.NXDOMAIN),
        ("host.soa-low.test.", "TXT", dns.rcode.NOERROR),
    ]:
        r = d.udp(qname, qtype)
        assert r.rcode() == rcode, describe(r)
        soa = soa_in_authority(r)
        assert soa is not None, describe(r)
        assert soa.ttl == 120, "min(3600, 120) expected" + describe(r)


def test_negative_soa_ttl_is_soa_ttl_when_lower(d):
    for qname, qtype, rcode in [
        ("nope.soa-high.test.", "A", dns.rcode.NXDOMAIN),
        ("host.soa-high.test.", "TXT", dns.rcode.NOERROR),
    ]:
        r = d.udp(qname, qtype)
        assert r.rcode() == rcode, describe(r)
        soa = soa_in_authority(r)
        assert soa is not None, describe(r)
        assert soa.ttl == 60, "min(60, 3600) expected" + describe(r)


# --- zone files ------------------------------------------------------------


def test_zone_file_records_are_served(d):
    r = d.udp("www.filezone.test.", "AAAA")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "www.filezone.test.", "AAAA") == ["2001:db8::1"]
    assert rrset(r, "www.filezone.test.", "AAAA").ttl == 600
    r = d.udp("abs.filezone.test.", "A")
    assert rdata_texts(r, "abs.filezone.test.", "A") == ["192.0.2.54"]


def test_zone_file_soa_and_ns(d):
    r = d.udp("filezone.test.", "SOA")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "filezone.test.", "SOA") == [
        "ns1.filezone.test. hostmaster.filezone.test. 5 3600 600 86400 60"
    ]
    r = d.udp("filezone.test.", "NS")
    assert rdata_texts(r, "filezone.test.", "NS") == ["ns1.filezone.test."]


def test_zone_file_nxdomain_uses_file_soa(d):
    r = d.udp("nope.filezone.test.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "filezone.test.", describe(r)
    assert soa.ttl == 60


def test_zone_file_with_parentheses_and_omitted_fields(d):
    r = d.udp("fancy.test.", "SOA")
    assert_authoritative_answer(r)
    assert rdata_texts(r, "fancy.test.", "SOA") == [
        "ns1.fancy.test. hostmaster.fancy.test. 2024010101 3600 600 86400 30"
    ]
    assert rrset(r, "fancy.test.", "SOA").ttl == 3600
    r = d.udp("fancy.test.", "NS")
    assert rdata_texts(r, "fancy.test.", "NS") == ["ns1.fancy.test."]
    r = d.udp("www.fancy.test.", "A")
    assert rdata_texts(r, "www.fancy.test.", "A") == ["192.0.2.61"]
    assert rrset(r, "www.fancy.test.", "A").ttl == 120
    r = d.udp("www.fancy.test.", "TXT")
    assert rdata_texts(r, "www.fancy.test.", "TXT") == ['"second type, same owner"']


# --- names outside every local zone ---------------------------------------


def _ede(r):
    return [o for o in r.options if isinstance(o, dns.edns.EDEOption)]


def test_non_local_name_with_recursion_off_is_refused_with_ede_not_supported(d):
    r = d.udp("www.example.com.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.REFUSED, describe(r)
    assert not r.flags & dns.flags.RA
    ede = _ede(r)
    assert len(ede) == 1, "expected one EDE option" + describe(r)
    assert ede[0].code == dns.edns.EDECode.NOT_SUPPORTED
    assert ede[0].text and "recursion" in ede[0].text.lower(), repr(ede[0].text)


def test_non_local_name_over_tcp_is_refused_with_ede(d):
    r = d.tcp("www.example.com.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.REFUSED, describe(r)
    assert [o.code for o in _ede(r)] == [dns.edns.EDECode.NOT_SUPPORTED]


def test_non_local_name_without_edns_is_plain_refused(d):
    r = d.udp("www.example.com.", "A", use_edns=False)
    assert r.rcode() == dns.rcode.REFUSED, describe(r)
    assert r.edns == -1, "no OPT expected when the query had none" + describe(r)


@pytest.mark.parametrize("qname", ["test.", "foo.test."])
def test_parent_of_private_zones_is_not_local(d, qname):
    r = d.udp(qname, "A", use_edns=0)
    assert r.rcode() == dns.rcode.REFUSED, describe(r)
    assert [o.code for o in _ede(r)] == [dns.edns.EDECode.NOT_SUPPORTED]
