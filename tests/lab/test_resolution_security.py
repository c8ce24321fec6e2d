"""Iterative resolution against forged and poisoned answers.

Scripted servers (fakeauth) stand in for ns.spoof.lab., ns.poison.lab. and
ns.nocase.lab., which lab. delegates to with glue.  Forged addresses that a
resolver might *query* are loopback addresses in the lab's network where
nothing listens (127.53.66.6), so even a resolver that fell for them would
send nothing off this host, and the lab's capture shows whether it tried.
"""

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

import fakeauth
from labutil import describe, rdata_texts
from resolution_util import (
    FakeZone,
    forged,
    is_mixed_case,
    letters,
    stop_and_stats,
)

CLIENT_TIMEOUT = 5.0
FORGED_SERVER = "127.53.66.6"  # a "glue" address nothing listens on
FORGED_DATA = "6.6.6.6"  # answer data only: never a server address


def ask(d, qname, rdtype="A", proto="udp"):
    return d.query(proto, qname, rdtype, use_edns=0, timeout=CLIENT_TIMEOUT)


# -- out-of-bailiwick glue ------------------------------------------------------------------------


def poison_zone():
    """poison.lab. delegates sub.poison.lab. to ns1.example.lab. and adds
    "glue" for names it has no authority over."""
    return FakeZone(
        "poison.lab.",
        ["ns.poison.lab. 300 A 127.53.41.1", "www.poison.lab. 300 A 192.0.2.70"],
        delegations={
            "sub.poison.lab.": (
                ["sub.poison.lab. 300 NS ns1.example.lab."],
                [
                    "ns1.example.lab. 300 A %s" % FORGED_SERVER,
                    "www.example.lab. 300 A %s" % FORGED_DATA,
                ],
            )
        },
    )


def test_out_of_bailiwick_glue_is_ignored_and_not_cached(fresh, fake_auth, nsd_lab):
    fake = fake_auth("ns.poison.lab", poison_zone())
    d = fresh()
    r = ask(d, "www.sub.poison.lab.")
    assert fake.queries(), "cairnd never reached the poisoning server"
    assert FORGED_DATA not in r.to_text() and FORGED_SERVER not in r.to_text(), describe(r)
    # ns1.example.lab. is really 127.53.10.1 (which does not serve
    # sub.poison.lab.): it must have been looked up, not taken from poison.lab.
    assert nsd_lab.captured(FORGED_SERVER) == [], "cairnd used the forged glue"
    assert ("www.sub.poison.lab.", "A") in nsd_lab.queries("ns1.example.lab"), (
        "the delegation should have been followed to the real ns1.example.lab."
    )
    assert r.rcode() == dns.rcode.SERVFAIL, "the real ns1.example.lab. refuses it" + describe(r)

    r = ask(d, "ns1.example.lab.")
    assert rdata_texts(r, "ns1.example.lab.", "A") == ["127.53.10.1"], describe(r)
    r = ask(d, "www.example.lab.")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"], describe(r)
    assert nsd_lab.captured(FORGED_SERVER) == []

    stats = stop_and_stats(d)
    assert stats["glue-dropped"] > 0, stats


def test_unrelated_records_in_an_answer_are_not_cached(fresh, fake_auth, nsd_lab):
    """An authoritative answer for www.poison.lab. that also "tells" the
    address of www.example.lab. in additional and an NS set for example.lab.
    in authority: only the answer is believed."""

    def script(query, reply, transport):
        reply.authority.extend(fakeauth.rrsets(["example.lab. 300 NS ns.poison.lab."]))
        reply.additional.extend(fakeauth.rrsets(["www.example.lab. 300 A %s" % FORGED_DATA]))
        return [(0, reply, None)]

    zone = poison_zone()
    zone.script = script
    fake_auth("ns.poison.lab", zone)
    d = fresh()
    r = ask(d, "www.poison.lab.")
    assert rdata_texts(r, "www.poison.lab.", "A") == ["192.0.2.70"], describe(r)
    r = ask(d, "www.example.lab.")
    assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"], describe(r)
    r = ask(d, "mail.example.lab.")
    assert rdata_texts(r, "mail.example.lab.", "A") == ["192.0.2.2"], describe(r)
    assert ("mail.example.lab.", "A") not in nsd_lab.queries("ns.poison.lab"), (
        "cairnd believed poison.lab.'s NS set for example.lab."
    )


def test_out_of_bailiwick_glue_is_ignored_when_a_cached_delegation_is_retried(
    fresh, fake_auth, nsd_lab
):
    """poison.lab. delegates sub.poison.lab. to ns.sub.poison.lab. (whose glue
    it forgot) and to ns.evil.test., with "glue" 127.53.66.6 for the latter.

    The first question finds no usable server.  The later ones start from
    the cached delegation, find no address there either and ask poison.lab.
    again: that second referral's glue is just as out of bailiwick as the
    first one's, and 127.53.66.6 must never be queried.
    """
    zone = FakeZone(
        "poison.lab.",
        ["ns.poison.lab. 300 A 127.53.41.1"],
        delegations={
            "sub.poison.lab.": (
                ["sub.poison.lab. 300 NS ns.sub.poison.lab.", "sub.poison.lab. 300 NS ns.evil.test."],
                ["ns.evil.test. 300 A %s" % FORGED_SERVER],
            )
        },
    )
    fake_auth("ns.poison.lab", zone)
    d = fresh()
    for qname in ("a.sub.poison.lab.", "b.sub.poison.lab.", "c.sub.poison.lab."):
        r = ask(d, qname)
        assert r.rcode() == dns.rcode.SERVFAIL, describe(r)
        assert FORGED_SERVER not in r.to_text(), "the forged glue was used:" + describe(r)
        assert nsd_lab.captured(FORGED_SERVER) == [], (
            "after %s cairnd queried the out-of-bailiwick glue address: %s"
            % (qname, nsd_lab.captured(FORGED_SERVER))
        )


# -- forged answers -------------------------------------------------------------------------------


def spoofing_zone(forgeries):
    """spoof.lab. whose server sends forgeries(query, reply) first, then the
    real reply 100 ms later from its own socket."""
    zone = FakeZone(
        "spoof.lab.",
        ["ns.spoof.lab. 300 A 127.53.40.1", "www.spoof.lab. 300 A 192.0.2.61"],
    )

    def script(query, reply, transport):
        return forgeries(query, reply) + [(0.1, reply, None)]

    zone.script = script
    return zone


def forged_answer(query, reply):
    name = query.question[0].name.to_text()
    return forged(reply, answer=["%s 300 A %s" % (name, FORGED_DATA)])


def test_answer_from_a_wrong_source_is_ignored(fresh, fake_auth):
    def forgeries(query, reply):
        fake = forged_answer(query, reply)
        return [
            (0, fake, 0),  # right address, another port
            (0, fake, 5353),
            (0, fake, ("127.53.40.2", 53)),  # another address, port 53
        ]

    fake_auth("ns.spoof.lab", spoofing_zone(forgeries))
    d = fresh()
    r = ask(d, "www.spoof.lab.")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.spoof.lab.", "A") == ["192.0.2.61"], describe(r)


def test_answer_with_a_wrong_id_is_ignored(fresh, fake_auth):
    def forgeries(query, reply):
        return [
            (0, forged(forged_answer(query, reply), id=(query.id + 1) & 0xFFFF), None),
            (0, forged(forged_answer(query, reply), id=query.id ^ 0x8000), None),
        ]

    fake = fake_auth("ns.spoof.lab", spoofing_zone(forgeries))
    d = fresh()
    r = ask(d, "www.spoof.lab.")
    assert rdata_texts(r, "www.spoof.lab.", "A") == ["192.0.2.61"], describe(r)
    assert fake.queries() == [("www.spoof.lab.", "A")], "the real answer was waited for"
    stats = stop_and_stats(d)
    assert stats["upstream-mismatched"] >= 2, stats


def test_answer_for_another_question_is_ignored(fresh, fake_auth):
    def forgeries(query, reply):
        other = fakeauth.set_question_name(forged(reply), "evil.spoof.lab.")
        other.answer = fakeauth.rrsets(["evil.spoof.lab. 300 A %s" % FORGED_DATA])
        wrong_type = forged(reply)
        name = query.question[0].name
        wrong_type.question[0] = dns.rrset.RRset(name, dns.rdataclass.IN, dns.rdatatype.AAAA)
        wrong_type.answer = fakeauth.rrsets(["%s 300 AAAA 2001:db8::666" % name])
        return [(0, other, None), (0, wrong_type, None)]

    fake = fake_auth("ns.spoof.lab", spoofing_zone(forgeries))
    d = fresh()
    r = ask(d, "www.spoof.lab.")
    assert rdata_texts(r, "www.spoof.lab.", "A") == ["192.0.2.61"], describe(r)
    assert fake.queries() == [("www.spoof.lab.", "A")]
    stats = stop_and_stats(d)
    assert stats["upstream-mismatched"] >= 2, stats


# -- 0x20 -------------------------------------------------------------------------------------------

NAMES_0X20 = [
    ("www.example.lab.", "A"),
    ("mail.example.lab.", "A"),
    ("txt.example.lab.", "TXT"),
    ("www.glueless.lab.", "A"),
    ("www.b.c.d.deep.lab.", "A"),
    ("a.b.c.d.e.f.minimise.lab.", "A"),
]


def sent_questions(nsd_lab):
    return [rec.question for rec in nsd_lab.captured() if rec.question is not None]


def test_upstream_questions_have_random_letter_case(fresh, nsd_lab):
    d = fresh()
    for qname, rdtype in NAMES_0X20:
        r = ask(d, qname, rdtype)
        assert r.rcode() == dns.rcode.NOERROR and r.answer, describe(r)
    long_names = [name for name, _t in sent_questions(nsd_lab) if len(letters(name)) >= 8]
    assert len(long_names) >= 8, long_names
    mixed = [name for name in long_names if is_mixed_case(name)]
    # each letter's case is a coin toss: a name of 8+ letters all in one case
    # happens 1 time in 128 at most
    assert len(mixed) >= 0.8 * len(long_names), long_names
    assert len(set(long_names)) == len(long_names), "the same case pattern twice: %s" % long_names


def test_no_random_case_with_use_0x20_false(fresh, nsd_lab):
    d = fresh(use_0x20=False)
    for qname, rdtype in NAMES_0X20:
        r = ask(d, qname, rdtype)
        assert r.rcode() == dns.rcode.NOERROR and r.answer, describe(r)
    sent = [name for name, _t in sent_questions(nsd_lab)]
    assert sent, "nothing sent?"
    assert [n for n in sent if n != n.lower()] == [], sent


def test_client_gets_its_own_letter_case_back(fresh):
    d = fresh()
    r = ask(d, "wWw.ExAmPlE.lAb.")
    assert r.question[0].name.to_text() == "wWw.ExAmPlE.lAb.", describe(r)
    assert rdata_texts(r, "www.example.lab.", "A") == ["192.0.2.1"], describe(r)


def nocase_zone():
    """nocase.lab. whose server swaps the case of the question it echoes."""
    zone = FakeZone(
        "nocase.lab.",
        [
            "ns.nocase.lab. 300 A 127.53.42.1",
            "www.nocase.lab. 300 A 192.0.2.80",
            "mail.nocase.lab. 300 A 192.0.2.81",
        ],
    )

    def script(query, reply, transport):
        swapped = fakeauth.swapcase_name(query.question[0].name)
        fakeauth.set_question_name(reply, swapped)
        for rs in reply.answer:
            if rs.name == query.question[0].name:
                rs.name = dns.name.from_text(swapped)
        return [(0, reply, None)]

    zone.script = script
    return zone


def test_server_that_does_not_echo_the_case_is_asked_again_in_plain_case(fresh, fake_auth):
    fake = fake_auth("ns.nocase.lab", nocase_zone())
    d = fresh()
    r = ask(d, "www.nocase.lab.")
    assert r.rcode() == dns.rcode.NOERROR, describe(r)
    assert rdata_texts(r, "www.nocase.lab.", "A") == ["192.0.2.80"], describe(r)
    sent = [rec.message.question[0].name.to_text() for rec in fake.records() if rec.message]
    assert len(sent) == 2, sent
    assert sent[1] == "www.nocase.lab.", "the second try is in plain case: %s" % sent

    # the next name in the zone resolves as well (whether cairnd remembers
    # the server or falls back again), the plain-case question being the last
    fake.clear()
    r = ask(d, "mail.nocase.lab.")
    assert rdata_texts(r, "mail.nocase.lab.", "A") == ["192.0.2.81"], describe(r)
    sent = [rec.message.question[0].name.to_text() for rec in fake.records() if rec.message]
    assert 1 <= len(sent) <= 2 and sent[-1] == "mail.nocase.lab.", sent

    stats = stop_and_stats(d)
    assert stats["case-fallbacks"] >= 1, stats
