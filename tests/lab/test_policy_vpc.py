"""Resolver policy, Route 53 Resolver style (issue #7): VPCs, forward and system rules,
private zones with alias records, and ``cairnctl test-answer``.

Everything runs on the VPC lab (vpc_lab.py: its own root at 127.53.70.1, a
public tree, two on-premises servers for corp.example. at 127.53.71.1/.2).  A
client picks its VPC by the source address it sends from:

* 127.0.10.5   VPC "app"   (127.0.10.0/24)
* 127.0.10.200 VPC "edge"  (127.0.10.128/25: more specific than app's /24)
* 127.0.20.5 and 127.0.21.7  VPC "data" (127.0.20.0/24 and 127.0.21.0/24)
* 127.0.99.5   no VPC: the default view

The policy (VPCS, RULES and ZONES below), per client:

============================  ===================  ==============  ==============
question                      app                  data            no VPC / edge
============================  ===================  ==============  ==============
www.corp.example. A           forward -> on-prem   system: public  public
www.aws.corp.example. A       system (carve-out)   public          public
www.hr.corp.example. A        private zone         public          public
app.corp.example. A           forward -> on-prem   forward         forward  (corp-app: no vpcs)
www.internal.example. A       private zone         public          public
db.internal.example. A        NXDOMAIN (zone)      private zone    public
www.global.example. A         private zone         private zone    private zone  (no vpcs)
============================  ===================  ==============  ==============

Public and on-premises data come from the lab (vpc_lab.PUBLIC, vpc_lab.ONPREM),
which the first test checks against the servers themselves.
"""

import json
import signal
import socket
import subprocess
import time

import dns.flags
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

import labutil
import vpc_lab as V
from labutil import describe, rdata_texts, rrset, soa_in_authority, wait_until
from resolution_util import ede_codes, ede_text, timed

APP = "127.0.10.5"
EDGE = "127.0.10.200"
DATA = "127.0.20.5"
DATA2 = "127.0.21.7"
NOVPC = "127.0.99.5"
OPS = "127.0.30.5"  # VPC "ops", only in the reloaded config

TIMEOUT = 6.0  # client timeout: above every request-timeout used here
EDE_NO_REACHABLE_AUTHORITY = 22

# -- the policy ---------------------------------------------------------------------------

VPCS = {
    "app": """
  - name: app
    id: vpc-0app
    cidrs: [127.0.10.0/24]
    dnssec-validation: false
""",
    "edge": """
  - name: edge
    id: vpc-0edge
    cidrs: [127.0.10.128/25]
""",
    "data": """
  - name: data
    id: vpc-0data
    cidrs: [127.0.20.0/24, 127.0.21.0/24]
""",
}

RULES = {
    "corp": """
  - name: corp
    type: forward
    domain: corp.example
    targets: [127.53.71.1, 127.53.71.2@53]
    vpcs: [app]
""",
    "corp-cloud": """
  - {name: corp-cloud, type: system, domain: aws.corp.example, vpcs: [app]}
""",
    "corp-public": """
  - {name: corp-public, type: system, domain: corp.example, vpcs: [data]}
""",
    # no vpcs: every client, also those in no VPC
    "corp-app": """
  - name: corp-app
    type: forward
    domain: app.corp.example
    targets: ["127.53.71.2"]
    validate: false
""",
}

APP_WWW = "10.0.1.10"  # www.internal.example. A in app's private zone
APP_WWW_TTL = 60
DEV_WWW = "10.0.2.10"  # www.dev.internal.example. A in the more specific zone
DEV_WWW_TTL = 120
SHADOWED_DEV_WWW = "10.0.1.99"  # the same name in internal.example.: never answered
HR_WWW = "10.0.3.10"
CORP_ZONE_WWW = "10.99.0.1"  # corp.example. zone for app and data: a rule always wins
DATA_DB = "10.0.20.81"  # db.internal.example. for the VPC data
GLOBAL_WWW = "10.0.9.9"

ZONES = {
    "internal.example": """
  - name: internal.example
    vpcs: [app]
    file: zones/internal.example.zone
    records:
      - {name: www, type: A, ttl: 60, data: [10.0.1.10]}
      - {name: "@", type: A, alias: www}
      - {name: www.dev, type: A, ttl: 60, data: [10.0.1.99]}
      - {name: cloud, type: A, alias: www.aws.corp.example.}
""",
    "dev.internal.example": """
  - name: dev.internal.example
    vpcs: [app]
    records:
      - {name: www, type: A, ttl: 120, data: [10.0.2.10]}
""",
    "hr.corp.example": """
  - name: hr.corp.example
    vpcs: [app]
    records:
      - {name: www, type: A, ttl: 60, data: [10.0.3.10]}
""",
    "corp.example": """
  - name: corp.example
    vpcs: [app, data]
    records:
      - {name: www, type: A, ttl: 60, data: [10.99.0.1]}
""",
    "db.internal.example": """
  - name: db.internal.example
    vpcs: [data]
    records:
      - {name: "@", type: A, ttl: 60, data: [10.0.20.81]}
""",
    "global.example": """
  - name: global.example
    records:
      - {name: www, type: A, ttl: 60, data: [10.0.9.9]}
""",
}

PRIVATE_FILE = "zones/internal.example.zone"


def private_files():
    return {PRIVATE_FILE: V.VpcLab.private_zone_text("internal.example.")}


def policy_yaml(vpcs=None, rules=None, zones=None, recursion=None, extra=""):
    """Top-level YAML: the lab's recursion block, vpcs:, rules:, private-zones:.

    vpcs/rules/zones are lists of snippets (default: all of VPCS, RULES, ZONES)."""
    vpcs = list(VPCS.values()) if vpcs is None else vpcs
    rules = list(RULES.values()) if rules is None else rules
    zones = list(ZONES.values()) if zones is None else zones
    text = recursion if recursion is not None else V.cairn_recursion_yaml()
    text += "dnssec:\n  validation: false\n"
    text += "vpcs:" + ("\n" + "".join(s.strip("\n") + "\n" for s in vpcs) if vpcs else " []\n")
    text += "rules:" + ("\n" + "".join(s.strip("\n") + "\n" for s in rules) if rules else " []\n")
    text += "private-zones:" + (
        "\n" + "".join(s.strip("\n") + "\n" for s in zones) if zones else " []\n")
    return text + extra


def control_yaml(path):
    return 'control:\n  socket: "%s"\n' % path


# -- what the lab and the private zone file hold --------------------------------------------


def public(qname, rdtype="A"):
    return V.PUBLIC[(qname, rdtype)]


def onprem(qname, rdtype="A"):
    return V.ONPREM[(qname, rdtype)]


def private_file_zone():
    return dns.zone.from_text(V.VpcLab.private_zone_text("internal.example."),
                              origin="internal.example.", relativize=False)


def private_file_rdataset(owner, rdtype):
    rds = private_file_zone().get_rdataset(owner, rdtype)
    assert rds is not None, "zones_vpc/private/internal.example.zone has no %s %s" % (owner, rdtype)
    return rds


# -- asking -----------------------------------------------------------------------------------


def ask(d, qname, rdtype="A", client=APP, timeout=TIMEOUT):
    """Ask cairnd with RD=1 and EDNS from the source address client."""
    return d.udp(qname, rdtype, source=client, use_edns=0, timeout=timeout)


def a_of(d, qname, client):
    r = ask(d, qname, "A", client)
    return r.rcode(), rdata_texts(r, qname, "A")


def assert_resolved(r, qname, expected, rdtype="A"):
    """A resolver's answer (from recursion or a forwarder): RA=1, AA=0, exactly expected."""
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, qname, rdtype) == expected, describe(r)
    assert r.flags & dns.flags.RA, "a resolver's answer has RA=1" + describe(r)
    assert not r.flags & dns.flags.AA, "a resolved answer is not authoritative" + describe(r)


def assert_zone_answer(r, qname, expected, ttl=None, rdtype="A"):
    """An answer from a private zone: AA=1, exactly expected, the zone's TTL."""
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.AA, "a private zone answers authoritatively (AA=1)" + describe(r)
    assert rdata_texts(r, qname, rdtype) == expected, describe(r)
    if ttl is not None:
        assert rrset(r, qname, rdtype).ttl == ttl, describe(r)


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab(vpc_lab):
    return vpc_lab


@pytest.fixture(scope="module")
def sock(tmp_path_factory):
    path = tmp_path_factory.mktemp("vpcctl") / "cairnd.sock"
    assert len(str(path)) < 108, "a UNIX socket path must fit in sun_path"
    return path


@pytest.fixture(scope="module")
def d(lab, cairnd_module, sock):
    """cairnd with the whole policy and a control socket, shared by the tests that only ask."""
    daemon = cairnd_module(rest=policy_yaml() + control_yaml(sock), files=private_files())
    assert wait_until(sock.exists, timeout=5.0), "no control socket; log:\n" + daemon.log()
    return daemon


@pytest.fixture
def fresh(lab, cairnd):
    """Factory: a new cairnd (empty cache) with policy_yaml(**parts); the capture is cleared."""
    def start(**parts):
        lab.clear_queries()
        return cairnd(rest=policy_yaml(**parts), files=private_files())
    return start


@pytest.fixture(scope="module")
def cairnctl_path(cairnd_binary):
    path = cairnd_binary.parent / "cairnctl"
    if not path.is_file():
        pytest.fail("cairnctl not found next to cairnd at %s (run make)" % path, pytrace=False)
    return path


@pytest.fixture
def testanswer(cairnctl_path, sock, d):
    """Run ``cairnctl -s SOCK test-answer ARGS...`` against the module's daemon."""
    def run(*args):
        return subprocess.run([str(cairnctl_path), "-s", str(sock), "test-answer"] + list(args),
                              capture_output=True, text=True, timeout=15)
    return run


class SilentTarget:
    """A forward target that never answers: UDP and TCP sockets on ADDRESS@53 that read
    nothing (TCP connections wait in the listen backlog)."""

    def __init__(self, address):
        self.address = address
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.udp.bind((address, 53))
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.tcp.bind((address, 53))
            self.tcp.listen(16)
        except OSError:
            self.close()
            raise

    def close(self):
        self.udp.close()
        self.tcp.close()


@pytest.fixture
def silent(lab):
    """Factory: silent(address) -> SilentTarget, closed at the end of the test."""
    targets = []

    def bind(address):
        t = SilentTarget(address)
        targets.append(t)
        return t

    yield bind
    for t in targets:
        t.close()


# == the lab itself ===============================================================================


def test_lab_serves_the_data_the_tests_expect(lab):
    for (qname, rdtype), expected in V.PUBLIC.items():
        r = lab.query(V.public_server_for(qname), qname, rdtype)
        assert r.flags & dns.flags.AA, describe(r)
        assert rdata_texts(r, qname, rdtype) == expected, describe(r)
        assert rrset(r, qname, rdtype).ttl == V.PUBLIC_TTL, describe(r)
    for qname in V.PUBLIC_NXDOMAIN:
        r = lab.query(V.public_server_for(qname), qname, "A")
        assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    for server in V.ONPREM_SERVERS:
        for (qname, rdtype), expected in V.ONPREM.items():
            r = lab.query(server, qname, rdtype)
            assert r.flags & dns.flags.AA, describe(r)
            assert rdata_texts(r, qname, rdtype) == expected, describe(r)
            assert rrset(r, qname, rdtype).ttl == V.ONPREM_TTL, describe(r)
        for qname in V.ONPREM_NXDOMAIN + ["nx0.corp.example."]:
            r = lab.query(server, qname, "A")
            assert r.rcode() == dns.rcode.NXDOMAIN, "on-prem must know nothing of aws." + describe(r)
            soa = soa_in_authority(r)
            assert soa is not None and soa[0].mname.to_text() == V.ONPREM_SOA_MNAME, describe(r)
    # the public and the on-premises corp.example. really differ
    assert public("www.corp.example.") != onprem("www.corp.example.")
    assert public("www.hr.corp.example.") != onprem("www.hr.corp.example.")
    # and the private zones hold yet other data
    assert [APP_WWW] != public("www.internal.example.")
    assert [HR_WWW] not in (public("www.hr.corp.example."), onprem("www.hr.corp.example."))
    # the root referral leads to example.
    r = lab.query("a.root.example", "www.corp.example.", "A")
    assert any(rs.rdtype == dns.rdatatype.NS and rs.name.to_text() == "example."
               for rs in r.authority), describe(r)


def test_the_policy_passes_check_config(cairnd_binary, tmp_path):
    path = tmp_path / "cairnd.yaml"
    path.write_text(labutil.compose_config(5399, rest=policy_yaml()))
    (tmp_path / "zones").mkdir()
    (tmp_path / PRIVATE_FILE).write_text(private_files()[PRIVATE_FILE])
    res = run_cairnd(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 0, res.stderr


# == 1. selection: the most specific domain wins; a rule beats a zone at the same name ==========


def test_forward_rule_answers_from_onprem_for_its_vpc(d):
    r = ask(d, "www.corp.example.", client=APP)
    assert_resolved(r, "www.corp.example.", onprem("www.corp.example."))
    assert 0 < rrset(r, "www.corp.example.", "A").ttl <= V.ONPREM_TTL, describe(r)


@pytest.mark.parametrize("client,source", [
    ("app", "onprem"), ("data", "public"), ("edge", "public"), ("novpc", "public")])
def test_same_name_answered_per_vpc_rules(d, client, source):
    """app forwards corp.example. on-prem; data has a system rule for it; edge and clients
    in no VPC have no rule: recursion."""
    address = {"app": APP, "data": DATA, "edge": EDGE, "novpc": NOVPC}[client]
    expected = (onprem if source == "onprem" else public)("www.corp.example.")
    assert_resolved(ask(d, "www.corp.example.", client=address), "www.corp.example.", expected)


def test_system_rule_carves_a_subdomain_out_of_a_forward_rule(d):
    """app forwards corp.example. but has a system rule for aws.corp.example.: that name is
    resolved from the root (the on-prem servers answer NXDOMAIN for it)."""
    r = ask(d, "www.aws.corp.example.", client=APP)
    assert_resolved(r, "www.aws.corp.example.", public("www.aws.corp.example."))


def test_private_zone_more_specific_than_a_forward_rule_answers(d):
    r = ask(d, "www.hr.corp.example.", client=APP)
    assert_zone_answer(r, "www.hr.corp.example.", [HR_WWW], ttl=60)
    # clients without that zone: data by its system rule, no-VPC by recursion
    for client in (DATA, NOVPC):
        assert_resolved(ask(d, "www.hr.corp.example.", client=client), "www.hr.corp.example.",
                        public("www.hr.corp.example."))


def test_rule_beats_private_zone_of_the_same_name(d):
    """app and data both have the private zone corp.example.; app's forward rule and data's
    system rule for corp.example. win over it."""
    r = ask(d, "www.corp.example.", client=APP)
    assert rdata_texts(r, "www.corp.example.", "A") != [CORP_ZONE_WWW], describe(r)
    assert_resolved(r, "www.corp.example.", onprem("www.corp.example."))
    r = ask(d, "www.corp.example.", client=DATA)
    assert rdata_texts(r, "www.corp.example.", "A") != [CORP_ZONE_WWW], describe(r)
    assert_resolved(r, "www.corp.example.", public("www.corp.example."))


@pytest.mark.parametrize("client", [APP, EDGE, DATA, DATA2, NOVPC, "127.0.0.1"])
def test_rule_without_vpcs_applies_to_every_client(d, client):
    """corp-app (no vpcs) forwards app.corp.example., which the public tree lacks."""
    r = ask(d, "app.corp.example.", client=client)
    assert_resolved(r, "app.corp.example.", onprem("app.corp.example."))


def test_client_belongs_to_the_vpc_of_its_most_specific_cidr(d):
    # 127.0.10.200 is in app's /24 and in edge's /25: edge, which has no private zone
    assert_resolved(ask(d, "www.internal.example.", client=EDGE), "www.internal.example.",
                    public("www.internal.example."))
    assert_zone_answer(ask(d, "www.internal.example.", client=APP), "www.internal.example.",
                       [APP_WWW])
    # the second CIDR of data
    assert_zone_answer(ask(d, "db.internal.example.", client=DATA2), "db.internal.example.",
                       [DATA_DB])


# == 2. private zones ==============================================================================


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_private_zone_answers_authoritatively(d, proto):
    r = d.query(proto, "www.internal.example.", "A", source=APP, use_edns=0, timeout=TIMEOUT)
    assert_zone_answer(r, "www.internal.example.", [APP_WWW], ttl=APP_WWW_TTL)
    assert len(r.answer) == 1, describe(r)


def test_private_zone_file_is_merged_with_the_records(d):
    mail = private_file_rdataset("mail.internal.example.", "A")
    r = ask(d, "mail.internal.example.", client=APP)
    assert_zone_answer(r, "mail.internal.example.", sorted(x.to_text() for x in mail),
                       ttl=mail.ttl)


def test_name_the_private_zone_lacks_is_nxdomain_not_public(d, lab):
    # the public tree has db.internal.example. ...
    r = lab.query("ns.internal.example", "db.internal.example.", "A")
    assert rdata_texts(r, "db.internal.example.", "A") == public("db.internal.example.")
    assert_resolved(ask(d, "db.internal.example.", client=NOVPC), "db.internal.example.",
                    public("db.internal.example."))
    # ... app's private zone internal.example. does not: NXDOMAIN, never the public record
    r = ask(d, "db.internal.example.", client=APP)
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert r.flags & dns.flags.AA, describe(r)
    assert r.answer == [], describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "internal.example.", describe(r)
    want = private_file_rdataset("internal.example.", "SOA")
    assert [x.to_text() for x in soa] == [x.to_text() for x in want], (
        "the SOA must be the private zone's, not the public one" + describe(r))


def test_type_the_private_zone_lacks_is_nodata_not_public(d):
    assert_resolved(ask(d, "www.internal.example.", "AAAA", client=NOVPC),
                    "www.internal.example.", public("www.internal.example.", "AAAA"), "AAAA")
    r = ask(d, "www.internal.example.", "AAAA", client=APP)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.AA, describe(r)
    assert r.answer == [], "NODATA: no fallback to the public AAAA" + describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "internal.example.", describe(r)
    want = private_file_rdataset("internal.example.", "SOA")
    assert [x.to_text() for x in soa] == [x.to_text() for x in want], describe(r)


def test_overlapping_private_zones_most_specific_wins(d):
    r = ask(d, "www.dev.internal.example.", client=APP)
    assert_zone_answer(r, "www.dev.internal.example.", [DEV_WWW], ttl=DEV_WWW_TTL)
    got = rdata_texts(r, "www.dev.internal.example.", "A")
    assert got != [SHADOWED_DEV_WWW] and got != public("www.dev.internal.example.")
    r = ask(d, "nope.dev.internal.example.", client=APP)
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    soa = soa_in_authority(r)
    assert soa is not None and soa.name.to_text() == "dev.internal.example.", describe(r)


def test_split_horizon_one_name_three_answers(d):
    """db.internal.example.: NXDOMAIN in app (its zone lacks it), data's own private zone,
    and the public record for a client in no VPC."""
    r = ask(d, "db.internal.example.", client=APP)
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert_zone_answer(ask(d, "db.internal.example.", client=DATA), "db.internal.example.",
                       [DATA_DB], ttl=60)
    assert_resolved(ask(d, "db.internal.example.", client=NOVPC), "db.internal.example.",
                    public("db.internal.example."))
    # and www.internal.example.: private in app, public for data and the default view
    assert_zone_answer(ask(d, "www.internal.example.", client=APP), "www.internal.example.",
                       [APP_WWW])
    for client in (DATA, NOVPC):
        assert_resolved(ask(d, "www.internal.example.", client=client), "www.internal.example.",
                        public("www.internal.example."))


@pytest.mark.parametrize("client", [APP, EDGE, DATA, NOVPC])
def test_private_zone_without_vpcs_is_seen_by_every_client(d, client):
    assert_zone_answer(ask(d, "www.global.example.", client=client), "www.global.example.",
                       [GLOBAL_WWW], ttl=60)


def test_same_zone_name_in_two_vpcs_answers_each_its_own(fresh):
    """Two private zones called internal.example., one for app, one for data (Route 53: one
    hosted zone name, associated with different VPCs)."""
    data_zone = """
  - name: internal.example
    vpcs: [data]
    records:
      - {name: www, type: A, ttl: 30, data: [10.0.20.10]}
"""
    d2 = fresh(zones=[ZONES["internal.example"], data_zone])
    assert_zone_answer(ask(d2, "www.internal.example.", client=APP), "www.internal.example.",
                       [APP_WWW], ttl=APP_WWW_TTL)
    assert_zone_answer(ask(d2, "www.internal.example.", client=DATA), "www.internal.example.",
                       ["10.0.20.10"], ttl=30)
    assert_resolved(ask(d2, "www.internal.example.", client=NOVPC), "www.internal.example.",
                    public("www.internal.example."))


# == 3. alias records ==============================================================================


def test_alias_at_apex_answers_a_with_the_targets_records_and_ttl(d):
    r = ask(d, "internal.example.", client=APP)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.AA, describe(r)
    assert not any(rs.rdtype == dns.rdatatype.CNAME for rs in r.answer), (
        "an alias answers without a CNAME" + describe(r))
    assert len(r.answer) == 1, describe(r)
    rs = r.answer[0]
    assert rs.name.to_text() == "internal.example." and rs.rdtype == dns.rdatatype.A, describe(r)
    assert sorted(x.to_text() for x in rs) == [APP_WWW], describe(r)
    assert rs.ttl == APP_WWW_TTL, "the alias takes the target's TTL" + describe(r)
    # the public apex is another address
    assert_resolved(ask(d, "internal.example.", client=NOVPC), "internal.example.",
                    public("internal.example."))


def test_alias_to_a_name_outside_the_zones_answers_its_resolved_records(d):
    # The target is no local zone's: it is resolved (here by the system rule's recursion)
    # and its records are answered under the alias's name, with their TTL, no CNAME.
    r = ask(d, "cloud.internal.example.", client=APP)
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert len(r.answer) == 1, describe(r)
    rs = r.answer[0]
    assert rs.name.to_text() == "cloud.internal.example." and rs.rdtype == dns.rdatatype.A, \
        describe(r)
    assert sorted(x.to_text() for x in rs) == public("www.aws.corp.example."), describe(r)
    target = ask(d, "www.aws.corp.example.", client=APP)
    assert rs.ttl <= rrset(target, "www.aws.corp.example.", "A").ttl + 1, describe(r)
    # a type the alias is not for: NODATA from the zone, nothing resolved
    r = ask(d, "cloud.internal.example.", "AAAA", client=APP)
    assert r.rcode() == dns.rcode.NOERROR and not r.answer, describe(r)
    assert soa_in_authority(r), describe(r)


# == 4. forward rules ==============================================================================


def test_forwarded_queries_go_to_the_targets_with_rd(fresh, lab):
    d2 = fresh()
    r = ask(d2, "db.corp.example.", client=APP)
    assert_resolved(r, "db.corp.example.", onprem("db.corp.example."))
    sent = [c for a in V.ONPREM_ADDRESSES for c in lab.lab_captured(a)
            if c.message is not None and c.question is not None]
    assert any(c.question[0].lower() == "db.corp.example." and c.question[1] == "A"
               for c in sent), "db.corp.example. A never reached the on-prem servers: %s" % sent
    for c in sent:
        assert c.message.flags & dns.flags.RD, "a forwarded query has RD=1: %r" % c
    # the public tree was not asked for it
    for server in ("a.root.example", "ns.nic.example", "ns.corp.example"):
        assert ("db.corp.example.", "A") not in lab.lab_queries(server), server


def test_one_silent_target_answers_still_come(lab, cairnd):
    """Two targets; the one cairnd used first goes silent (its nsd stopped, a socket that
    reads nothing bound in its place): every later question is still answered, by the other."""
    rule = """
  - name: corp
    type: forward
    domain: corp.example
    targets: [127.53.71.1, 127.53.71.2]
    vpcs: [app]
"""
    d2 = cairnd(rest=policy_yaml(rules=[rule], zones=[],
                                 recursion=V.cairn_recursion_yaml(request_timeout="4s")))
    lab.clear_queries()
    assert_resolved(ask(d2, "www.corp.example.", client=APP), "www.corp.example.",
                    onprem("www.corp.example."))
    used = [s for s in V.ONPREM_SERVERS if ("www.corp.example.", "A") in lab.lab_queries(s)]
    assert used, "no on-prem server was asked: %s" % lab.lab_queries()
    victim = used[0]
    address = lab.address(victim)
    lab.stop_server(victim)
    quiet = None
    try:
        quiet = SilentTarget(address)
        lab.clear_queries()
        for qname in ("db.corp.example.", "mail.corp.example.", "app.corp.example.",
                      "www.hr.corp.example."):
            assert_resolved(ask(d2, qname, client=APP), qname, onprem(qname))
        # names the on-prem zone lacks: its NXDOMAIN (its SOA), never SERVFAIL.  Many
        # names, so that a target picked at random is sure to be the silent one at least once.
        for i in range(16):
            qname = "nx%d.corp.example." % i
            r = ask(d2, qname, client=APP)
            assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
            soa = soa_in_authority(r)
            assert soa is not None and soa[0].mname.to_text() == V.ONPREM_SOA_MNAME, describe(r)
        assert lab.lab_queries(address), (
            "the silent target %s was never asked: the test proved nothing" % address)
    finally:
        if quiet is not None:
            quiet.close()
        lab.start_server(victim)


def test_all_targets_silent_is_servfail_ede_22_within_the_request_timeout(lab, cairnd, silent):
    quiet = [silent(a) for a in V.SILENT_TARGETS]
    rule = """
  - name: corp
    type: forward
    domain: corp.example
    targets: [%s, %s]
    vpcs: [app]
""" % (quiet[0].address, quiet[1].address)
    d2 = cairnd(rest=policy_yaml(rules=[rule], zones=[],
                                 recursion=V.cairn_recursion_yaml(request_timeout="2s")))
    lab.clear_queries()
    r, took = timed(ask, d2, "www.corp.example.", client=APP)
    assert r.rcode() == dns.rcode.SERVFAIL, describe(r)
    assert r.answer == [], describe(r)
    assert EDE_NO_REACHABLE_AUTHORITY in ede_codes(r), "want EDE 22" + describe(r)
    assert ede_text(r).strip(), "the EDE should say why" + describe(r)
    assert took <= 2.0 + 1.0, "SERVFAIL after %.2f s, request-timeout is 2 s" % took
    assert any(lab.lab_captured(a) for a in V.SILENT_TARGETS), "no target was even asked"
    # nothing fell back to the public tree
    assert ("www.corp.example.", "A") not in lab.lab_queries("ns.corp.example")


def test_forwarded_answers_are_cached_per_view(fresh, lab):
    d2 = fresh()
    # the public answer first, cached for data ...
    assert_resolved(ask(d2, "www.corp.example.", client=DATA), "www.corp.example.",
                    public("www.corp.example."))
    # ... is not what app gets: app forwards
    assert_resolved(ask(d2, "www.corp.example.", client=APP), "www.corp.example.",
                    onprem("www.corp.example."))
    # and app's forwarded answer is not what the others get
    for client in (NOVPC, DATA, EDGE):
        assert_resolved(ask(d2, "www.corp.example.", client=client), "www.corp.example.",
                        public("www.corp.example."))
    # app's answer is cached: asked again, nothing goes to the on-prem servers
    lab.clear_queries()
    for _ in range(2):
        assert_resolved(ask(d2, "www.corp.example.", client=APP), "www.corp.example.",
                        onprem("www.corp.example."))
    onprem_asked = [q for a in V.ONPREM_ADDRESSES for q in lab.lab_queries(a)]
    assert ("www.corp.example.", "A") not in onprem_asked, onprem_asked


def test_cached_forwarded_answer_survives_the_targets_going_down(fresh, lab):
    d2 = fresh()
    assert_resolved(ask(d2, "mail.corp.example.", client=APP), "mail.corp.example.",
                    onprem("mail.corp.example."))
    with lab.down("onprem1"), lab.down("onprem2"):
        r = ask(d2, "mail.corp.example.", client=APP)
        assert_resolved(r, "mail.corp.example.", onprem("mail.corp.example."))
        assert rrset(r, "mail.corp.example.", "A").ttl <= V.ONPREM_TTL


def test_forward_rule_for_the_root_forwards_everything(lab, cairnd):
    """The first cairnd forwards "." to a second one, which resolves from the lab's root.
    The first one's own root hint is dead: an answer can only come through the second."""
    upstream = cairnd(rest=V.cairn_recursion_yaml())
    rules = ['  - {name: all, type: forward, domain: ".", targets: ["127.0.0.1@%d"]}\n'
             % upstream.port]
    lab.clear_queries()
    # prime-root stays on: a resolver that forwards everything has no root to prime
    first = cairnd(rest=policy_yaml(
        vpcs=[], rules=rules, zones=[],
        recursion=V.cairn_recursion_yaml(root_hints=[("a.root.dead", V.DEAD_ADDRESS)])))
    for qname in ("www.internal.example.", "www.aws.corp.example.", "www.corp.example."):
        for client in (NOVPC, "127.0.0.1"):
            assert_resolved(ask(first, qname, client=client), qname, public(qname))
    assert lab.lab_queries(V.DEAD_ADDRESS) == [], "the first cairnd iterated or primed by itself"
    assert lab.lab_queries("a.root.example"), "the second cairnd did not resolve from the root"


# == 6. the default view ============================================================================


def test_default_view_gets_recursion_and_the_zones_and_rules_without_vpcs(d):
    for client in (NOVPC, "127.0.0.1"):
        for qname in ("www.internal.example.", "internal.example.", "db.internal.example.",
                      "www.corp.example.", "www.hr.corp.example.", "www.aws.corp.example."):
            assert_resolved(ask(d, qname, client=client), qname, public(qname))
        assert_zone_answer(ask(d, "www.global.example.", client=client), "www.global.example.",
                           [GLOBAL_WWW])
        assert_resolved(ask(d, "app.corp.example.", client=client), "app.corp.example.",
                        onprem("app.corp.example."))


# == 7. cairnctl test-answer =========================================================================


def answer_json(testanswer, *args):
    r = testanswer(*(list(args) + ["--json"]))
    assert r.returncode == 0, "exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout, r.stderr)
    try:
        return json.loads(r.stdout)
    except ValueError:
        pytest.fail("test-answer --json printed no JSON object:\n" + r.stdout)


def assert_decision(j, kind, name, domain):
    dec = j["decision"]
    got = (dec.get("kind"), dec.get("name"), dec.get("domain"))
    assert got == (kind, name, domain), j


def record_lines(lines):
    """The records of a JSON answer/authority list, as lists of fields."""
    return [line.split() for line in lines]


def test_answer_zone_decision_for_a_vpc_without_network_io(testanswer, lab):
    lab.clear_queries()
    j = answer_json(testanswer, "www.internal.example", "A", "--vpc", "app")
    assert j["question"] == "www.internal.example. A", j
    assert j["view"] == "app", j
    assert j["decision"]["kind"] == "zone", j
    assert j["decision"]["domain"] == "internal.example.", j
    assert isinstance(j["why"], str) and j["why"].strip(), j
    assert j["rcode"] == "NOERROR", j
    assert ["www.internal.example.", str(APP_WWW_TTL), "IN", "A", APP_WWW] in \
        record_lines(j["answer"]), j
    assert lab.lab_queries() == [], "a zone decision needs no network I/O"


def test_answer_zone_nxdomain_for_a_vpc_without_network_io(testanswer, lab):
    lab.clear_queries()
    j = answer_json(testanswer, "db.internal.example.", "A", "--vpc", "app")
    assert j["decision"]["kind"] == "zone" and j["decision"]["domain"] == "internal.example.", j
    assert j["rcode"] == "NXDOMAIN", j
    assert j["answer"] == [], j
    mname = private_file_rdataset("internal.example.", "SOA")[0].mname.to_text()
    assert any(f[:1] == ["internal.example."] and "SOA" in f and mname in f
               for f in record_lines(j["authority"])), j
    assert lab.lab_queries() == [], "a zone decision needs no network I/O"


def test_answer_forward_decision_names_the_rule(testanswer):
    j = answer_json(testanswer, "www.corp.example", "A", "--vpc", "app")
    assert j["view"] == "app", j
    assert_decision(j, "forward", "corp", "corp.example.")
    assert j["rcode"] == "NOERROR", j
    got = [f[-1] for f in record_lines(j["answer"]) if f[-2:-1] == ["A"]]
    assert got == onprem("www.corp.example."), j


def test_answer_system_decision_names_the_rule(testanswer):
    j = answer_json(testanswer, "www.aws.corp.example", "A", "--vpc", "app")
    assert_decision(j, "system", "corp-cloud", "aws.corp.example.")
    got = [f[-1] for f in record_lines(j["answer"]) if f[-2:-1] == ["A"]]
    assert got == public("www.aws.corp.example."), j


def test_answer_default_view_is_recursive(testanswer):
    j = answer_json(testanswer, "www.internal.example", "A")
    assert j["view"] is None, j
    assert j["decision"]["kind"] == "recursive", j
    assert j["decision"]["name"] is None and j["decision"]["domain"] == ".", j
    got = [f[-1] for f in record_lines(j["answer"]) if f[-2:-1] == ["A"]]
    assert got == public("www.internal.example."), j


@pytest.mark.parametrize("client,view", [
    (DATA, "data"), (DATA2, "data"), (APP, "app"), (EDGE, "edge"), (NOVPC, None)])
def test_answer_client_address_maps_to_its_view(testanswer, client, view):
    j = answer_json(testanswer, "www.global.example", "A", "--client", client)
    assert j["view"] == view, j
    assert j["decision"]["kind"] == "zone" and j["decision"]["domain"] == "global.example.", j


def test_answer_client_in_data_gets_datas_decision(testanswer):
    j = answer_json(testanswer, "www.corp.example", "A", "--client", DATA)
    assert j["view"] == "data", j
    assert_decision(j, "system", "corp-public", "corp.example.")


def test_answer_unknown_vpc_is_a_clear_error(testanswer):
    r = testanswer("www.internal.example", "A", "--vpc", "nosuch")
    assert r.returncode != 0, r.stdout
    assert "nosuch" in r.stdout + r.stderr, (r.stdout, r.stderr)
    r = testanswer("www.internal.example", "A", "--vpc", "nosuch", "--json")
    assert r.returncode != 0, r.stdout


def test_answer_is_not_counted_as_a_client_answer(testanswer, cairnctl_path, sock):
    def stats():
        r = subprocess.run([str(cairnctl_path), "-s", str(sock), "stats", "--json"],
                           capture_output=True, text=True, timeout=15)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)
    before = stats()
    # a zone answer, a forwarded resolution and a recursive one
    for args in (("www.internal.example", "A", "--vpc", "app"),
                 ("mail.corp.example", "A", "--vpc", "app"),
                 ("db.internal.example", "A", "--vpc", "data")):
        assert testanswer(*args).returncode == 0
    after = stats()
    for key in ("queries", "noerror", "nxdomain", "servfail"):
        assert after[key] == before[key], (key, before[key], after[key])


def test_answer_text_output_names_the_decision(testanswer):
    r = testanswer("www.internal.example", "A", "--vpc", "app")
    assert r.returncode == 0, r.stderr
    assert "zone" in r.stdout and "internal.example" in r.stdout, r.stdout
    assert APP_WWW in r.stdout and "NOERROR" in r.stdout, r.stdout
    r = testanswer("www.corp.example", "A", "--vpc", "app")
    assert r.returncode == 0, r.stderr
    assert "forward" in r.stdout and "corp.example" in r.stdout, r.stdout
    assert onprem("www.corp.example.")[0] in r.stdout, r.stdout


# == 8. reload and refused configurations ===========================================================


def reload_and_wait(d, predicate, timeout=3.0):
    d.signal(signal.SIGHUP)
    return wait_until(predicate, timeout=timeout)


def test_reload_applies_new_rules_and_zones(fresh):
    d2 = fresh()
    assert a_of(d2, "www.internal.example.", APP) == (dns.rcode.NOERROR, [APP_WWW])
    moved = RULES["corp"].replace("vpcs: [app]", "vpcs: [data]")
    ops_vpc = "\n  - {name: ops, id: vpc-0ops, cidrs: [127.0.30.0/24]}\n"
    ops_zone = """
  - name: ops.example
    vpcs: [ops]
    records:
      - {name: www, type: A, ttl: 60, data: [10.0.30.1]}
"""
    zones = dict(ZONES)
    zones["internal.example"] = zones["internal.example"].replace("10.0.1.10", "10.0.1.11")
    d2.write_config(rest=policy_yaml(
        vpcs=list(VPCS.values()) + [ops_vpc],
        rules=[moved, RULES["corp-cloud"], RULES["corp-app"]],
        zones=list(zones.values()) + [ops_zone]), files=private_files())
    ok = reload_and_wait(d2, lambda: a_of(d2, "www.internal.example.", APP)[1] == ["10.0.1.11"])
    assert ok, "changed zone not served 3 s after SIGHUP; log:\n" + d2.log()[-3000:]
    # the forward rule moved from app to data (names not asked before the reload)
    assert_resolved(ask(d2, "mail.corp.example.", client=DATA), "mail.corp.example.",
                    onprem("mail.corp.example."))
    # app has no rule for corp.example. any more: its private zone of that name decides now
    assert_zone_answer(ask(d2, "www.corp.example.", client=APP), "www.corp.example.",
                       [CORP_ZONE_WWW])
    r = ask(d2, "mail.corp.example.", client=APP)
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AA, describe(r)
    # a new VPC and its zone
    assert_zone_answer(ask(d2, "www.ops.example.", client=OPS), "www.ops.example.", ["10.0.30.1"])
    assert d2.alive()


def test_reload_removing_a_forward_rule_stops_its_answers(fresh):
    """After the rule is gone, app resolves corp.example. publicly: the forwarded answer
    cached under the old policy is not served any more."""
    d2 = fresh()
    assert_resolved(ask(d2, "www.corp.example.", client=APP), "www.corp.example.",
                    onprem("www.corp.example."))
    rules = [v for k, v in RULES.items() if k != "corp"]
    zones = [v for k, v in ZONES.items() if k != "corp.example"]
    d2.write_config(rest=policy_yaml(rules=rules, zones=zones), files=private_files())
    ok = reload_and_wait(
        d2, lambda: a_of(d2, "www.corp.example.", APP)[1] == public("www.corp.example."))
    assert ok, "app still gets %s 3 s after the rule was removed; log:\n%s" % (
        a_of(d2, "www.corp.example.", APP), d2.log()[-3000:])


BAD_PARTS = {
    # id: (function of the good parts -> bad parts)
    "rule-names-unknown-vpc": lambda p: dict(p, rules=p["rules"] + [
        "  - {name: lost, type: system, domain: lost.example, vpcs: [app, nosuch]}\n"]),
    "zone-names-unknown-vpc": lambda p: dict(p, zones=p["zones"] + [
        "  - {name: lost.example, vpcs: [nosuch], records: "
        "[{name: www, type: A, data: [10.0.0.1]}]}\n"]),
    "two-zones-same-name-in-one-vpc": lambda p: dict(p, zones=p["zones"] + [
        "  - {name: internal.example, vpcs: [data, app], records: "
        "[{name: x, type: A, data: [10.0.1.77]}]}\n"]),
    "target-bad-address": lambda p: dict(p, rules=p["rules"] + [
        "  - {name: bad, type: forward, domain: bad.example, targets: [300.1.2.3]}\n"]),
    "target-bad-port": lambda p: dict(p, rules=p["rules"] + [
        '  - {name: bad, type: forward, domain: bad.example, targets: ["127.0.0.1@99999"]}\n']),
    "alias-to-name-lacking-the-type": lambda p: dict(p, zones=p["zones"] + ["""
  - name: alias.example
    records:
      - {name: v6only, type: AAAA, data: ["2001:db8::1"]}
      - {name: "@", type: A, alias: v6only}
"""]),
    "alias-to-missing-name": lambda p: dict(p, zones=p["zones"] + ["""
  - name: alias.example
    records:
      - {name: www, type: A, data: [10.0.0.1]}
      - {name: "@", type: A, alias: nothere}
"""]),
    "unknown-rule-type": lambda p: dict(p, rules=p["rules"] + [
        "  - {name: odd, type: recursive-please, domain: odd.example}\n"]),
}

# id: (text of the offending line, words one of which the message on that line must have)
BAD_WHERE = {
    "rule-names-unknown-vpc": ("vpcs: [app, nosuch]", ["nosuch"]),
    "zone-names-unknown-vpc": ("vpcs: [nosuch]", ["nosuch"]),
    "two-zones-same-name-in-one-vpc": ("vpcs: [data, app]",
                                       ["internal.example", "duplicate", "twice", "already"]),
    "target-bad-address": ("300.1.2.3", ["300.1.2.3"]),
    "target-bad-port": ("127.0.0.1@99999", ["99999", "port"]),
    "alias-to-name-lacking-the-type": ("alias: v6only", ["alias", "v6only", "AAAA"]),
    "alias-to-missing-name": ("alias: nothere", ["nothere", "alias"]),
    "unknown-rule-type": ("recursive-please", ["recursive-please", "type"]),
}


def good_parts():
    return {"vpcs": list(VPCS.values()), "rules": list(RULES.values()),
            "zones": list(ZONES.values())}


def run_cairnd(binary, *args):
    return subprocess.run([str(binary), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=10)


def messages_at(stderr, shown_path):
    """{line: [message, ...]} of every stderr line FILE:LINE:COL: message, and the
    [(line, col)] positions."""
    import re

    pat = re.compile(r"^%s:(\d+):(\d+): (.*)$" % re.escape(shown_path))
    by_line, positions = {}, []
    for m in map(pat.match, stderr.splitlines()):
        if m:
            ln, col = int(m.group(1)), int(m.group(2))
            positions.append((ln, col))
            by_line.setdefault(ln, []).append(m.group(3))
    return by_line, positions


def line_of(text, needle):
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, "needle %r found on lines %s" % (needle, hits)
    return hits[0]


@pytest.mark.parametrize("case", sorted(BAD_PARTS))
def test_check_config_refuses_bad_policy_with_position(cairnd_binary, tmp_path, case):
    text = labutil.compose_config(5399, rest=policy_yaml(**BAD_PARTS[case](good_parts())))
    path = tmp_path / "cairnd.yaml"
    path.write_text(text)
    (tmp_path / "zones").mkdir()
    (tmp_path / PRIVATE_FILE).write_text(private_files()[PRIVATE_FILE])
    needle, words = BAD_WHERE[case]
    want_line = line_of(text, needle)

    res = run_cairnd(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 1, "exit %d, stderr:\n%s" % (res.returncode, res.stderr)
    by_line, positions = messages_at(res.stderr, str(path))
    assert positions, "no `%s:LINE:COL: message` line on stderr:\n%s" % (path, res.stderr)
    lines = text.splitlines()
    for ln, col in positions:
        assert 1 <= ln <= len(lines), "line %d out of range:\n%s" % (ln, res.stderr)
        assert 1 <= col <= len(lines[ln - 1]) + 1, "column %d out of range on line %d:\n%s" % (
            col, ln, res.stderr)
    assert want_line in by_line, "expected an error on line %d (%r), got lines %s:\n%s" % (
        want_line, lines[want_line - 1], sorted(by_line), res.stderr)
    said = " ".join(by_line[want_line]).lower()
    assert any(w.lower() in said for w in words), (
        "the message should name the problem (one of %s): %s" % (words, by_line[want_line]))


@pytest.mark.parametrize("case", ["rule-names-unknown-vpc", "two-zones-same-name-in-one-vpc",
                                  "target-bad-address", "alias-to-name-lacking-the-type"])
def test_reload_with_bad_policy_keeps_the_old_one(fresh, case):
    d2 = fresh()
    before = {
        ("www.internal.example.", APP): (dns.rcode.NOERROR, [APP_WWW]),
        ("www.hr.corp.example.", APP): (dns.rcode.NOERROR, [HR_WWW]),
        ("db.internal.example.", DATA): (dns.rcode.NOERROR, [DATA_DB]),
        ("db.internal.example.", APP): (dns.rcode.NXDOMAIN, []),
        ("www.corp.example.", APP): (dns.rcode.NOERROR, onprem("www.corp.example.")),
    }
    for (qname, client), want in before.items():
        assert a_of(d2, qname, client) == want, (qname, client)
    log_before = len(d2.log())
    d2.write_config(rest=policy_yaml(**BAD_PARTS[case](good_parts())), files=private_files())
    d2.signal(signal.SIGHUP)
    assert wait_until(lambda: len(d2.log()) > log_before, timeout=3.0), (
        "nothing logged after SIGHUP with a bad policy")
    time.sleep(0.3)
    assert d2.alive(), "cairnd died on a bad reload:\n" + d2.log()[-3000:]
    new_log = d2.log()[log_before:]
    needle, _words = BAD_WHERE[case]
    want_line = line_of(d2.config_path.read_text(), needle)
    assert "%s:%d:" % (d2.config_path.name, want_line) in new_log, (
        "the reload error should say FILE:LINE; new log:\n" + new_log)
    for (qname, client), want in before.items():
        assert a_of(d2, qname, client) == want, (qname, client, d2.log()[-2000:])
    # a name not asked before is decided by the old policy too
    assert_resolved(ask(d2, "db.corp.example.", client=APP), "db.corp.example.",
                    onprem("db.corp.example."))
