"""cairnd and unbound, both resolving from the NSD lab, must agree.

One cairnd and one unbound (Debian's, started by unboundlab.py, iterator
only) run for the whole module, both with the lab's root as their only root
hint.  Each case asks both the same question and compares:

  * the rcode;
  * the answer section as a set of RRsets: (owner, type, sorted rdata), with
    names in lower case (cairnd uses 0x20) and TTLs, order, flags, EDNS
    options (cairnd's EDE), authority and additional left out;
  * for NXDOMAIN and NODATA: both carry an SOA in authority, of the same zone.

For the failure cases (lame, recreated, every server dead, CNAME loop) only
the rcode is compared: both must say SERVFAIL.

After the comparison each case also checks that the answer both agree on is
the one the lab was built to give (zones in tests/lab/zones), so that two
resolvers failing the same way cannot pass.

Run:  CAIRND=build/cairnd /usr/bin/python3 -m pytest tests/lab/test_compare_unbound.py
Needs root (the lab's servers listen on port 53), nsd and unbound.
"""

import os

import dns.message
import dns.query
import dns.rcode
import dns.rdata
import dns.rdatatype
import pytest

import labutil
import nsdlab
import unboundlab

pytestmark = [
    pytest.mark.skipif(
        os.geteuid() != 0,
        reason="comparing with unbound needs the NSD lab, which needs root (port 53)",
    ),
    pytest.mark.skipif(
        not unboundlab.unbound_available(),
        reason="comparing with unbound needs %s and %s (apt-get install unbound)"
        % (unboundlab.UNBOUND_BINARY, unboundlab.CHECKCONF_BINARY),
    ),
]

# unbound needs about 7 s to give up on alldead.lab. (see unboundlab.py);
# everything else takes milliseconds.
QUERY_TIMEOUT = 20.0

# What the lab gives (see tests/lab/zones): the agreed answer must be this.
ANSWER = "answer"  # NOERROR with a non-empty answer section
NXDOMAIN = "nxdomain"  # with the SOA of zone in authority
NODATA = "nodata"  # NOERROR, empty answer, SOA of zone in authority
SERVFAIL = "servfail"  # only the rcode is compared

# (qname, qtype, transport, expected outcome, zone of the SOA for negatives, why)
CASES = [
    ("www.example.lab.", "A", "udp", ANSWER, None, "plain A"),
    ("www.example.lab.", "AAAA", "udp", ANSWER, None, "plain AAAA"),
    ("example.lab.", "MX", "udp", ANSWER, None, "MX at the apex"),
    ("txt.example.lab.", "TXT", "udp", ANSWER, None, "TXT"),
    ("mail.example.lab.", "A", "udp", ANSWER, None, "the MX target"),
    ("alias.example.lab.", "A", "udp", ANSWER, None, "CNAME into other.test."),
    ("nope.example.lab.", "A", "udp", NXDOMAIN, "example.lab.", "no such name"),
    ("nodata.example.lab.", "AAAA", "udp", NODATA, "example.lab.", "name without AAAA"),
    ("www.glueless.lab.", "A", "udp", ANSWER, None, "server name in another TLD"),
    ("www.b.c.d.deep.lab.", "A", "udp", ANSWER, None, "four delegations deep"),
    ("a.b.c.d.e.f.minimise.lab.", "A", "udp", ANSWER, None, "long name, QNAME minimisation"),
    ("f.minimise.lab.", "A", "udp", NODATA, "minimise.lab.", "empty non-terminal"),
    ("www.other.test.", "A", "udp", ANSWER, None, "the other TLD"),
    ("big.example.lab.", "TXT", "tcp", ANSWER, None, "2.5 KB TXT, TC=1 upstream"),
    ("example.lab.", "NS", "udp", ANSWER, None, "NS at the apex"),
    ("www.halfdead.lab.", "A", "udp", ANSWER, None, "one of two servers dead"),
    ("www.lame.lab.", "A", "udp", SERVFAIL, None, "lame delegation: REFUSED"),
    ("www.recreated.lab.", "A", "udp", SERVFAIL, None, "parent points at old servers"),
    ("www.alldead.lab.", "A", "udp", SERVFAIL, None, "every server dead"),
    ("loop.example.lab.", "A", "udp", SERVFAIL, None, "CNAME loop across two zones"),
]


def case_id(case):
    qname, qtype, transport = case[:3]
    return "%s-%s%s" % (qname.rstrip("."), qtype, "-tcp" if transport == "tcp" else "")


# -- the two resolvers -------------------------------------------------------------


@pytest.fixture(scope="module")
def cairn(nsd_lab, cairnd_module):
    return cairnd_module(rest=nsdlab.cairn_recursion_yaml())


@pytest.fixture(scope="module")
def unbound(nsd_lab, tmp_path_factory):
    server = unboundlab.Unbound(
        tmp_path_factory.mktemp("unbound"), labutil.free_port(), nsdlab.ROOT_HINTS
    )
    try:
        server.start()
    except unboundlab.UnboundError as e:
        pytest.fail(str(e), pytrace=False)
    yield server
    problems = server.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def ask(port, qname, qtype, transport):
    """Ask 127.0.0.1:port with RD and EDNS (1232 bytes); the reply, or the exception."""
    q = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
    send = dns.query.tcp if transport == "tcp" else dns.query.udp
    try:
        return send(q, "127.0.0.1", timeout=QUERY_TIMEOUT, port=port)
    except Exception as e:  # noqa: BLE001 - reported next to the other answer
        return e


# -- comparing answers ------------------------------------------------------------


def canonical_rdata(rd):
    """rdata as text with any domain names in it lower-cased (RFC 4034 6.2)."""
    wire = rd.to_digestable()
    return dns.rdata.from_wire(rd.rdclass, rd.rdtype, wire, 0, len(wire)).to_text()


def answer_rrsets(msg):
    """The answer section as a set of (owner, type, sorted rdata texts)."""
    return {
        (
            rs.name.to_text().lower(),
            dns.rdatatype.to_text(rs.rdtype),
            tuple(sorted(canonical_rdata(rd) for rd in rs)),
        )
        for rs in msg.answer
    }


def soa_zone(msg):
    """Owner of the SOA in authority, lower case, or None."""
    rs = labutil.soa_in_authority(msg)
    return None if rs is None else rs.name.to_text().lower()


def outcome(msg):
    rcode = msg.rcode()
    if rcode == dns.rcode.NOERROR:
        return ANSWER if msg.answer else NODATA
    return {dns.rcode.NXDOMAIN: NXDOMAIN, dns.rcode.SERVFAIL: SERVFAIL}.get(
        rcode, dns.rcode.to_text(rcode)
    )


def show(label, reply):
    if isinstance(reply, Exception):
        return "--- %s: no answer (%s: %s)" % (label, type(reply).__name__, reply)
    return "--- %s:\n%s" % (label, reply.to_text())


def show_rrsets(rrsets):
    return "\n".join(
        "    %s %s %s" % (name, rdtype, " | ".join(rdatas))
        for name, rdtype, rdatas in sorted(rrsets)
    ) or "    (none)"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_cairnd_answers_like_unbound(cairn, unbound, case):
    qname, qtype, transport, expected, zone, why = case
    mine = ask(cairn.port, qname, qtype, transport)
    theirs = ask(unbound.port, qname, qtype, transport)
    both = "%s %s over %s (%s)\n%s\n%s" % (
        qname, qtype, transport, why, show("cairnd", mine), show("unbound", theirs)
    )
    assert not isinstance(mine, Exception), "cairnd did not answer " + both
    assert not isinstance(theirs, Exception), "unbound did not answer " + both

    assert mine.rcode() == theirs.rcode(), "rcodes differ (%s vs %s) for %s" % (
        dns.rcode.to_text(mine.rcode()),
        dns.rcode.to_text(theirs.rcode()),
        both,
    )
    if theirs.rcode() != dns.rcode.SERVFAIL:
        mine_set, theirs_set = answer_rrsets(mine), answer_rrsets(theirs)
        assert mine_set == theirs_set, (
            "answer sections differ for %s\nonly cairnd:\n%s\nonly unbound:\n%s"
            % (both, show_rrsets(mine_set - theirs_set), show_rrsets(theirs_set - mine_set))
        )
        if outcome(theirs) in (NXDOMAIN, NODATA):
            assert soa_zone(mine) is not None, "cairnd has no SOA in authority: " + both
            assert soa_zone(theirs) is not None, "unbound has no SOA in authority: " + both
            assert soa_zone(mine) == soa_zone(theirs), (
                "SOA of different zones in authority (cairnd %s, unbound %s) for %s"
                % (soa_zone(mine), soa_zone(theirs), both)
            )

    # They agree; now make sure they agree on what the lab serves.
    assert outcome(mine) == expected, "both answered %s, the lab gives %s, for %s" % (
        outcome(mine),
        expected,
        both,
    )
    if expected in (NXDOMAIN, NODATA):
        assert soa_zone(mine) == zone, "both carry the SOA of %s, not %s, for %s" % (
            soa_zone(mine),
            zone,
            both,
        )
