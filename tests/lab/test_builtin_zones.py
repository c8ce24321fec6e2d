"""Built-in zones: localhost (RFC 6761), invalid., loopback reverse, RFC 6303."""

import dns.flags
import dns.rcode
import dns.reversename
import pytest

from labutil import rdata_texts, soa_in_authority, describe

V6_LOOPBACK_REV = dns.reversename.from_address("::1").to_text()

RFC1918_REVERSE = [
    "5.0.0.10.in-addr.arpa.",
    "1.0.16.172.in-addr.arpa.",
    "1.0.20.172.in-addr.arpa.",
    "1.0.31.172.in-addr.arpa.",
    "1.1.168.192.in-addr.arpa.",
]


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module()


@pytest.fixture(scope="module")
def d_off(cairnd_module):
    return cairnd_module(server="builtin-zones: false")


@pytest.fixture(scope="module")
def d_no_localhost(cairnd_module):
    return cairnd_module(server="builtin-zones: [localhost]")


@pytest.fixture(scope="module")
def d_override(cairnd_module):
    return cairnd_module(
        rest="""
        private-zones:
          - name: 10.in-addr.arpa
            records:
              - {name: "5.0.0", type: PTR, data: [host.example.test.]}
          - name: 1.168.192.in-addr.arpa
            records:
              - {name: "1", type: PTR, data: [printer.example.test.]}
        """
    )


# --- defaults ---------------------------------------------------------------


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_localhost_a_is_loopback(d, proto):
    r = d.query(proto, "localhost.", "A")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.AA
    assert rdata_texts(r, "localhost.", "A") == ["127.0.0.1"]


def test_localhost_aaaa_is_ipv6_loopback(d):
    r = d.udp("localhost.", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "localhost.", "AAAA") == ["::1"]


def test_name_under_localhost_is_loopback(d):
    r = d.udp("foo.localhost.", "A")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert len(r.answer) == 1
    assert r.answer[0].name.to_text() == "foo.localhost."
    assert rdata_texts(r, "foo.localhost.", "A") == ["127.0.0.1"]


def test_localhost_mx_is_nodata(d):
    r = d.udp("localhost.", "MX")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.answer == [], describe(r)
    assert soa_in_authority(r) is not None, describe(r)


def test_ipv4_loopback_reverse_is_localhost(d):
    r = d.udp("1.0.0.127.in-addr.arpa.", "PTR")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.AA
    assert rdata_texts(r, "1.0.0.127.in-addr.arpa.", "PTR") == ["localhost."]


def test_ipv6_loopback_reverse_is_localhost(d):
    r = d.udp(V6_LOOPBACK_REV, "PTR")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, V6_LOOPBACK_REV, "PTR") == ["localhost."]


def test_invalid_tld_is_nxdomain(d):
    r = d.udp("anything.invalid.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert r.flags & dns.flags.AA


@pytest.mark.parametrize("qname", RFC1918_REVERSE)
def test_rfc6303_private_reverse_is_nxdomain(d, qname):
    r = d.udp(qname, "PTR")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert r.flags & dns.flags.AA


@pytest.mark.parametrize("qname", ["anything.invalid.", "5.0.0.10.in-addr.arpa."])
def test_builtin_nxdomain_carries_soa(d, qname):
    r = d.udp(qname, "PTR")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert soa_in_authority(r) is not None, describe(r)


@pytest.mark.parametrize("qname", ["1.0.15.172.in-addr.arpa.", "1.0.32.172.in-addr.arpa."])
def test_public_172_reverse_just_outside_rfc1918_is_not_local(d, qname):
    # not local: it would be resolved, and these daemons run with recursion off
    r = d.udp(qname, "PTR")
    assert r.rcode() == dns.rcode.REFUSED, describe(r)


# --- builtin-zones: false -------------------------------------------------------


@pytest.mark.parametrize(
    "qname,qtype",
    [
        ("localhost.", "A"),
        ("anything.invalid.", "A"),
        ("1.0.0.127.in-addr.arpa.", "PTR"),
        ("5.0.0.10.in-addr.arpa.", "PTR"),
    ],
)
def test_builtin_zones_disabled_leaves_them_to_recursion(d_off, qname, qtype):
    r = d_off.udp(qname, qtype)
    assert r.rcode() == dns.rcode.REFUSED, describe(r)  # recursion is off here


# --- builtin-zones: [localhost] -------------------------------------------------


def test_builtin_zones_list_leaves_out_localhost(d_no_localhost):
    r = d_no_localhost.udp("localhost.", "A")
    assert r.rcode() == dns.rcode.REFUSED, describe(r)  # not local; recursion is off


def test_builtin_zones_list_keeps_the_others(d_no_localhost):
    r = d_no_localhost.udp("anything.invalid.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    r = d_no_localhost.udp("5.0.0.10.in-addr.arpa.", "PTR")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)


# --- private zones override built-in ones ----------------------------------------


def test_private_zone_with_equal_name_overrides_builtin(d_override):
    r = d_override.udp("5.0.0.10.in-addr.arpa.", "PTR")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "5.0.0.10.in-addr.arpa.", "PTR") == ["host.example.test."]


def test_overriding_private_zone_answers_negatives_with_its_own_soa(d_override):
    r = d_override.udp("6.0.0.10.in-addr.arpa.", "PTR")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "10.in-addr.arpa.", describe(r)
    assert [x.to_text() for x in soa] == [
        "10.in-addr.arpa. hostmaster.10.in-addr.arpa. 1 3600 600 86400 300"
    ]


def test_private_zone_more_specific_than_builtin_wins(d_override):
    r = d_override.udp("1.1.168.192.in-addr.arpa.", "PTR")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "1.1.168.192.in-addr.arpa.", "PTR") == ["printer.example.test."]


def test_builtin_still_covers_rest_of_overridden_range(d_override):
    r = d_override.udp("1.2.168.192.in-addr.arpa.", "PTR")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() != "1.168.192.in-addr.arpa.", describe(r)
