"""The NSD lab itself: zones, delegations, query log, dead servers, fake servers.

These tests talk to the lab's servers directly with dnspython (no cairnd), so
that a failing resolver test can be trusted to be about the resolver.
"""

import os
import socket
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import fakeauth
import nsdlab
from labutil import describe, rdata_texts, rrset


def referral(msg, zone):
    """(NS targets, {glue name: addresses}) of a referral to zone."""
    ns = rrset(msg, zone, "NS", "authority")
    targets = sorted(r.target.to_text() for r in ns) if ns is not None else []
    glue = {}
    for rs in msg.additional:
        if rs.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            glue.setdefault(rs.name.to_text(), []).extend(r.address for r in rs)
    return targets, glue


def assert_referral(msg, zone, targets, glue):
    assert msg.rcode() == dns.rcode.NOERROR, describe(msg)
    assert not msg.flags & dns.flags.AA, describe(msg)
    assert not msg.answer, describe(msg)
    assert referral(msg, zone) == (sorted(targets), glue), describe(msg)


# -- zones and delegations -------------------------------------------------------


def test_root_priming_answer_has_the_root_server_address(nsd_lab):
    r = nsd_lab.query("a.root.lab", ".", "NS")
    assert r.flags & dns.flags.AA, describe(r)
    assert rdata_texts(r, ".", "NS") == ["a.root.lab."]
    assert rdata_texts(r, "a.root.lab.", "A", "additional") == ["127.53.0.1"]
    assert [(name.rstrip(".") + ".", addr) for name, addr in nsdlab.ROOT_HINTS] == [
        ("a.root.lab.", "127.53.0.1")
    ]


def test_root_refers_lab_to_its_two_servers_with_glue(nsd_lab):
    r = nsd_lab.query("a.root.lab", "www.example.lab.", "A")
    assert_referral(
        r,
        "lab.",
        ["ns1.nic.lab.", "ns2.nic.lab."],
        {"ns1.nic.lab.": ["127.53.1.1"], "ns2.nic.lab.": ["127.53.1.2"]},
    )


def test_root_refers_test_with_glue(nsd_lab):
    r = nsd_lab.query("a.root.lab", "www.other.test.", "A")
    assert_referral(r, "test.", ["ns.nic.test."], {"ns.nic.test.": ["127.53.2.1"]})


def test_root_says_nxdomain_outside_lab_and_test(nsd_lab):
    r = nsd_lab.query("a.root.lab", "www.example.com.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, describe(r)
    assert r.flags & dns.flags.AA


@pytest.mark.parametrize(
    "server,zone",
    [(name, zone) for name, _addr, zones, _aliases in nsdlab.SERVERS for zone in zones],
)
def test_each_server_answers_the_soa_of_each_of_its_zones(nsd_lab, server, zone):
    r = nsd_lab.query(server, zone, "SOA")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert r.flags & dns.flags.AA, describe(r)
    assert rrset(r, zone, "SOA") is not None, describe(r)


LAB_DELEGATIONS = {
    "example.lab.": {"ns1.example.lab.": ["127.53.10.1"], "ns2.example.lab.": ["127.53.10.2"]},
    "halfdead.lab.": {"ns1.halfdead.lab.": ["127.53.11.1"], "ns2.halfdead.lab.": ["127.53.11.2"]},
    "alldead.lab.": {
        "ns1.alldead.lab.": ["127.53.11.3"],
        "ns2.alldead.lab.": ["127.53.11.4"],
        "ns3.alldead.lab.": ["127.53.11.5"],
    },
    "lame.lab.": {"ns.lame.lab.": ["127.53.12.1"]},
    "recreated.lab.": {
        "ns-old1.recreated.lab.": ["127.53.13.1"],
        "ns-old2.recreated.lab.": ["127.53.13.2"],
    },
    "deep.lab.": {"ns.deep.lab.": ["127.53.30.1"]},
    "minimise.lab.": {"ns.minimise.lab.": ["127.53.31.1"]},
    "spoof.lab.": {"ns.spoof.lab.": ["127.53.40.1"]},
    "poison.lab.": {"ns.poison.lab.": ["127.53.41.1"]},
    "nocase.lab.": {"ns.nocase.lab.": ["127.53.42.1"]},
    "root.lab.": {"a.root.lab.": ["127.53.0.1"]},
}


@pytest.mark.parametrize("lab_server", ["ns1.nic.lab", "ns2.nic.lab"])
@pytest.mark.parametrize("zone", sorted(LAB_DELEGATIONS))
def test_lab_delegates_with_glue(nsd_lab, lab_server, zone):
    glue = LAB_DELEGATIONS[zone]
    r = nsd_lab.query(lab_server, "www." + zone, "A")
    assert_referral(r, zone, list(glue), glue)


def test_lab_delegates_glueless_lab_without_glue(nsd_lab):
    r = nsd_lab.query("ns1.nic.lab", "www.glueless.lab.", "A")
    assert_referral(r, "glueless.lab.", ["ns1.hoster.test."], {})


def test_glueless_server_name_resolves_through_test(nsd_lab):
    r = nsd_lab.query("ns.nic.test", "ns1.hoster.test.", "A")
    assert_referral(r, "hoster.test.", ["ns.hoster.test."], {"ns.hoster.test.": ["127.53.20.1"]})
    r = nsd_lab.query("ns.hoster.test", "ns1.hoster.test.", "A")
    assert rdata_texts(r, "ns1.hoster.test.", "A") == ["127.53.20.1"]
    r = nsd_lab.query("ns1.hoster.test", "www.glueless.lab.", "A")
    assert r.flags & dns.flags.AA
    assert rdata_texts(r, "www.glueless.lab.", "A") == ["192.0.2.30"]


def test_test_delegates_other_hoster_unrelated_leftover(nsd_lab):
    cases = {
        "other.test.": {"ns.other.test.": ["127.53.20.1"]},
        "hoster.test.": {"ns.hoster.test.": ["127.53.20.1"]},
        "unrelated.test.": {"ns.unrelated.test.": ["127.53.12.1"]},
        "leftover.test.": {
            "ns1.leftover.test.": ["127.53.13.1"],
            "ns2.leftover.test.": ["127.53.13.2"],
        },
    }
    for zone, glue in cases.items():
        r = nsd_lab.query("ns.nic.test", "www." + zone, "A")
        assert_referral(r, zone, list(glue), glue)


# -- the data in the zones --------------------------------------------------------


@pytest.mark.parametrize("server", ["ns1.example.lab", "ns2.example.lab"])
def test_example_lab_records(nsd_lab, server):
    def ask(name, rdtype):
        r = nsd_lab.query(server, name, rdtype)
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA, describe(r)
        return rdata_texts(r, name, rdtype)

    assert ask("www.example.lab.", "A") == ["192.0.2.1"]
    assert ask("www.example.lab.", "AAAA") == ["2001:db8::1"]
    assert ask("example.lab.", "MX") == ["10 mail.example.lab."]
    assert ask("mail.example.lab.", "A") == ["192.0.2.2"]
    assert ask("txt.example.lab.", "TXT") == ['"hello lab"']
    assert ask("alias.example.lab.", "CNAME") == ["www.other.test."]
    assert ask("loop.example.lab.", "CNAME") == ["loop.other.test."]
    r = nsd_lab.query(server, "example.lab.", "SOA")
    assert rrset(r, "example.lab.", "SOA")[0].minimum == 300


def test_cname_to_another_zone_is_not_followed_by_nsd(nsd_lab):
    """NSD answers the CNAME alone: the target is another server's zone."""
    r = nsd_lab.query("ns1.example.lab", "alias.example.lab.", "A")
    assert rdata_texts(r, "alias.example.lab.", "CNAME") == ["www.other.test."]
    assert rrset(r, "www.other.test.", "A") is None, describe(r)
    r = nsd_lab.query("ns.other.test", "loop.other.test.", "A")
    assert rdata_texts(r, "loop.other.test.", "CNAME") == ["loop.example.lab."]


def test_nodata_for_aaaa_has_soa_in_authority(nsd_lab):
    r = nsd_lab.query("ns1.example.lab", "nodata.example.lab.", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA, describe(r)
    assert not r.answer, describe(r)
    assert rrset(r, "example.lab.", "SOA", "authority") is not None, describe(r)


def test_nxdomain_in_example_lab(nsd_lab):
    r = nsd_lab.query("ns1.example.lab", "nope.example.lab.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AA, describe(r)
    assert rrset(r, "example.lab.", "SOA", "authority") is not None, describe(r)


def test_big_txt_is_truncated_over_udp_and_whole_over_tcp(nsd_lab):
    r = nsd_lab.query("ns1.example.lab", "big.example.lab.", "TXT", payload=1232)
    assert r.flags & dns.flags.TC, describe(r)
    assert not r.answer, describe(r)
    r = nsd_lab.query("ns1.example.lab", "big.example.lab.", "TXT", tcp=True)
    assert not r.flags & dns.flags.TC
    (txt,) = rrset(r, "big.example.lab.", "TXT")
    assert len(txt.strings) == 40
    assert sum(len(s) for s in txt.strings) > 2400
    assert len(r.to_wire()) > 2400


def test_deep_chain_of_four_delegations(nsd_lab):
    """Following referrals by hand from deep.lab. reaches the data in 4 steps."""
    server, steps = "ns.deep.lab", []
    for _ in range(6):
        r = nsd_lab.query(server, "www.b.c.d.deep.lab.", "A")
        if r.answer:
            break
        (ns,) = [rs for rs in r.authority if rs.rdtype == dns.rdatatype.NS]
        steps.append(ns.name.to_text())
        (glue,) = [rs for rs in r.additional if rs.rdtype == dns.rdatatype.A]
        server = glue[0].address
    assert steps == ["d.deep.lab.", "c.d.deep.lab.", "b.c.d.deep.lab."]
    assert server == "127.53.30.4"
    assert rdata_texts(r, "www.b.c.d.deep.lab.", "A") == ["192.0.2.40"]


def test_minimise_lab_has_empty_non_terminals(nsd_lab):
    for name in ["f", "e.f", "d.e.f", "c.d.e.f", "b.c.d.e.f"]:
        r = nsd_lab.query("ns.minimise.lab", name + ".minimise.lab.", "A")
        assert r.rcode() == dns.rcode.NOERROR and not r.answer, describe(r)
    r = nsd_lab.query("ns.minimise.lab", "a.b.c.d.e.f.minimise.lab.", "A")
    assert rdata_texts(r, "a.b.c.d.e.f.minimise.lab.", "A") == ["192.0.2.50"]


def test_lame_server_refuses_lame_lab(nsd_lab):
    r = nsd_lab.query("ns.lame.lab", "www.lame.lab.", "A")
    assert r.rcode() == dns.rcode.REFUSED, describe(r)
    r = nsd_lab.query("ns.lame.lab", "www.unrelated.test.", "A")
    assert rdata_texts(r, "www.unrelated.test.", "A") == ["192.0.2.12"]


def test_recreated_lab_old_servers_refuse_new_servers_answer(nsd_lab):
    for old in ["ns-old1.recreated.lab", "ns-old2.recreated.lab"]:
        r = nsd_lab.query(old, "www.recreated.lab.", "A")
        assert r.rcode() == dns.rcode.REFUSED, describe(r)
    for new in ["ns-new1.recreated.lab", "ns-new2.recreated.lab"]:
        r = nsd_lab.query(new, "www.recreated.lab.", "A")
        assert rdata_texts(r, "www.recreated.lab.", "A") == ["192.0.2.13"]


def test_halfdead_live_server_answers(nsd_lab):
    r = nsd_lab.query("ns1.halfdead.lab", "www.halfdead.lab.", "A")
    assert rdata_texts(r, "www.halfdead.lab.", "A") == ["192.0.2.11"]


@pytest.mark.parametrize("dead", sorted(nsdlab.DEAD_SERVERS))
def test_dead_servers_do_not_answer(nsd_lab, dead):
    with pytest.raises(dns.exception.Timeout):
        nsd_lab.query(dead, "www.halfdead.lab.", "A", timeout=0.3)


def test_recursion_yaml_points_at_the_lab_root():
    assert nsdlab.cairn_recursion_yaml() == (
        "recursion:\n"
        "  root-hints:\n"
        "    - {name: a.root.lab, address: 127.53.0.1}\n"
        "  query-loopback: true\n"
    )


# -- query log ------------------------------------------------------------------


def test_query_log_sees_a_query_just_sent(nsd_lab):
    nsd_lab.clear_queries()
    nsd_lab.query("ns1.example.lab", "www.example.lab.", "AAAA")
    assert nsd_lab.queries("ns1.example.lab") == [("www.example.lab.", "AAAA")]
    assert nsd_lab.queries("ns2.example.lab") == []
    assert nsd_lab.queries("a.root.lab") == []


def test_query_log_sees_tcp_queries(nsd_lab):
    nsd_lab.clear_queries()
    nsd_lab.query("a.root.lab", "lab.", "NS", tcp=True)
    nsd_lab.query("a.root.lab", "test.", "NS", tcp=True)
    assert nsd_lab.queries("a.root.lab") == [("lab.", "NS"), ("test.", "NS")]
    assert {r.transport for r in nsd_lab.captured("a.root.lab")} == {"tcp"}


def test_query_log_keeps_the_case_sent_and_the_sender(nsd_lab):
    nsd_lab.clear_queries()
    r = nsd_lab.query("ns1.nic.lab", "wWw.ExAmPlE.lAb.", "A")
    assert r.question[0].name.to_text() == "wWw.ExAmPlE.lAb."
    (record,) = nsd_lab.captured("127.53.1.1")
    assert record.question == ("wWw.ExAmPlE.lAb.", "A")
    assert record.transport == "udp" and record.client.startswith("127.")
    assert nsd_lab.queries("ns1.nic.lab") == [("www.example.lab.", "A")]


def test_query_log_sees_queries_to_dead_addresses(nsd_lab):
    nsd_lab.clear_queries()
    for dead in ["ns1.alldead.lab", "ns2.alldead.lab"]:
        with pytest.raises(dns.exception.Timeout):
            nsd_lab.query(dead, "www.alldead.lab.", "A", timeout=0.2)
    assert nsd_lab.queries("ns1.alldead.lab") == [("www.alldead.lab.", "A")]
    assert nsd_lab.queries("127.53.11.4") == [("www.alldead.lab.", "A")]
    assert nsd_lab.queries("ns3.alldead.lab") == []


def test_clear_queries_forgets_everything(nsd_lab):
    nsd_lab.query("a.root.lab", "lab.", "NS")
    nsd_lab.clear_queries()
    assert nsd_lab.captured() == []


# -- stopping one server -------------------------------------------------------------


def test_a_stopped_server_is_silent_and_comes_back(nsd_lab):
    with nsd_lab.down("ns2.example.lab") as server:
        assert not server.running()
        with pytest.raises(dns.exception.Timeout):
            nsd_lab.query("ns2.example.lab", "www.example.lab.", "A", timeout=0.3)
        # its twin still answers
        r = nsd_lab.query("ns1.example.lab", "www.example.lab.", "A")
        assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"]
    r = nsd_lab.query("ns2.example.lab", "www.example.lab.", "A")
    assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"]


def test_stop_server_and_start_server(nsd_lab):
    nsd_lab.stop_server("ns.minimise.lab")
    try:
        with pytest.raises(dns.exception.Timeout):
            nsd_lab.query("127.53.31.1", "minimise.lab.", "SOA", timeout=0.3)
    finally:
        nsd_lab.start_server("ns.minimise.lab")
    assert nsd_lab.server("127.53.31.1").running()
    r = nsd_lab.query("ns.minimise.lab", "minimise.lab.", "SOA")
    assert r.rcode() == dns.rcode.NOERROR


def test_server_lookup_by_name_alias_and_address(nsd_lab):
    hoster = nsd_lab.server("ns.hoster.test")
    assert nsd_lab.server("ns1.hoster.test.") is hoster
    assert nsd_lab.server("127.53.20.1") is hoster
    assert nsd_lab.address("ns2.halfdead.lab") == "127.53.11.2"
    assert nsd_lab.address("ns.spoof.lab") == "127.53.40.1"
    with pytest.raises(KeyError):
        nsd_lab.server("ns2.halfdead.lab")


# -- the scripted fake server -----------------------------------------------------------


def udp_exchange_all(address, query, wait=0.6):
    """Send query over UDP; return every (reply Message, (addr, port)) seen in `wait` s.

    Unlike dns.query.udp this keeps replies from any source, so a test can
    see the spoofed ones.
    """
    replies = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.sendto(query.to_wire(), (address, 53))
        deadline = time.monotonic() + wait
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return replies
            s.settimeout(remaining)
            try:
                wire, peer = s.recvfrom(65535)
            except socket.timeout:
                return replies
            replies.append((dns.message.from_wire(wire), peer))


def test_fakeauth_answers_a_scripted_reply_and_records_the_query(nsd_lab, fake_auth):
    def handler(query, transport):
        return [(0, fakeauth.reply(query, answer=["www.spoof.lab. 60 A 192.0.2.99"]), None)]

    nsd_lab.clear_queries()
    fake = fake_auth("ns.spoof.lab", handler)
    q = dns.message.make_query("www.spoof.lab.", "A")
    r = dns.query.udp(q, "127.53.40.1", timeout=2)
    assert r.id == q.id and r.flags & dns.flags.AA
    assert rdata_texts(r, "www.spoof.lab.", "A") == ["192.0.2.99"]
    assert fake.queries() == [("www.spoof.lab.", "A")]
    assert fake.records()[0].transport == "udp"
    # the lab's query log sees queries to fake servers too
    assert nsd_lab.queries("ns.spoof.lab") == [("www.spoof.lab.", "A")]


def test_fakeauth_tc_over_udp_then_full_over_tcp(fake_auth):
    def handler(query, transport):
        if transport == "udp":
            return [(0, fakeauth.reply(query, tc=True), None)]
        return [(0, fakeauth.reply(query, answer=["big.poison.lab. 60 TXT \"whole\""]), None)]

    fake = fake_auth("ns.poison.lab", handler)
    q = dns.message.make_query("big.poison.lab.", "TXT")
    r = dns.query.udp(q, "127.53.41.1", timeout=2)
    assert r.flags & dns.flags.TC and not r.answer
    r = dns.query.tcp(q, "127.53.41.1", timeout=2)
    assert rdata_texts(r, "big.poison.lab.", "TXT") == ['"whole"']
    assert [rec.transport for rec in fake.records()] == ["udp", "tcp"]


def test_fakeauth_spoofed_answers_arrive_first_from_elsewhere(fake_auth):
    def handler(query, transport):
        spoofed = fakeauth.reply(query, answer=["www.spoof.lab. 60 A 198.51.100.66"])
        real = fakeauth.reply(query, answer=["www.spoof.lab. 60 A 192.0.2.99"])
        return [
            (0, spoofed, 0),  # same address, some other port
            (0.05, spoofed, ("127.53.99.1", 53)),  # another address, port 53
            (0.2, real, None),
        ]

    fake_auth("ns.spoof.lab", handler)
    replies = udp_exchange_all("127.53.40.1", dns.message.make_query("www.spoof.lab.", "A"))
    sources = [peer for _msg, peer in replies]
    assert len(replies) == 3, sources
    assert sources[0][0] == "127.53.40.1" and sources[0][1] != 53
    assert sources[1] == ("127.53.99.1", 53)
    assert sources[2] == ("127.53.40.1", 53)
    assert rdata_texts(replies[2][0], "www.spoof.lab.", "A") == ["192.0.2.99"]


def test_fakeauth_wrong_case_question(fake_auth):
    def handler(query, transport):
        r = fakeauth.reply(query, answer=["www.nocase.lab. 60 A 192.0.2.77"])
        return [(0, fakeauth.set_question_name(r, "WWW.NOCASE.LAB."), None)]

    fake_auth("ns.nocase.lab", handler)
    q = dns.message.make_query("wWw.NoCaSe.lAb.", "A")
    (reply_msg, _peer) = udp_exchange_all("127.53.42.1", q, wait=0.3)[0]
    assert reply_msg.question[0].name.to_text() == "WWW.NOCASE.LAB."
    assert reply_msg.id == q.id


def test_fakeauth_never_answers_but_records(fake_auth):
    fake = fake_auth("ns.poison.lab", lambda query, transport: [])
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(dns.message.make_query("x.poison.lab.", "A"), "127.53.41.1", timeout=0.3)
    assert fake.queries() == [("x.poison.lab.", "A")]


def test_fakeauth_out_of_bailiwick_glue(fake_auth):
    def handler(query, transport):
        return [
            (
                0,
                fakeauth.reply(
                    query,
                    aa=False,
                    authority=["sub.poison.lab. 60 NS ns.sub.poison.lab."],
                    additional=[
                        "ns.sub.poison.lab. 60 A 127.53.41.2",
                        "www.example.lab. 60 A 198.51.100.1",  # not theirs to say
                    ],
                ),
                None,
            )
        ]

    fake_auth("ns.poison.lab", handler)
    r = dns.query.udp(
        dns.message.make_query("www.sub.poison.lab.", "A"), "127.53.41.1", timeout=2
    )
    assert rdata_texts(r, "www.example.lab.", "A", "additional") == ["198.51.100.1"]
    assert not r.flags & dns.flags.AA


def test_fakeauth_handler_errors_are_reported_by_stop():
    if os.geteuid() != 0:
        pytest.skip("binding port 53 needs root")

    def handler(query, transport):
        raise ValueError("boom")

    fake = fakeauth.FakeAuth("127.53.41.1", handler).start()
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(dns.message.make_query("x.poison.lab.", "A"), "127.53.41.1", timeout=0.3)
    with pytest.raises(RuntimeError, match="boom"):
        fake.stop()
