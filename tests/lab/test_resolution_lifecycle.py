"""Resolution across the daemon's life: stop and reload with questions in flight, limits on
questions in flight, clients that leave early, root hints from a named.root file."""
import signal
import struct
import threading
import time

import dns.edns
import dns.message
import dns.rcode

import labutil
from resolution_util import ede, ede_codes, ede_text, recursion_yaml, silent

ALLDEAD = ["127.53.11.3", "127.53.11.4", "127.53.11.5"]


def ask_in_background(d, qname, results, timeout=6.0):
    def run():
        try:
            results.append(d.udp(qname, "A", use_edns=0, timeout=timeout))
        except Exception as e:  # noqa: BLE001 - the test looks at what came back
            results.append(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_sigterm_with_questions_in_flight_exits_cleanly_and_fast(nsd_lab, fake_auth, cairnd):
    for addr in ALLDEAD:
        fake_auth(addr, silent)
    d = cairnd(rest=recursion_yaml(prime_root=False, request_timeout="10s"))
    results = []
    threads = [ask_in_background(d, "q%d.alldead.lab." % i, results, timeout=3) for i in range(5)]
    time.sleep(0.3)  # the questions now wait on silent servers
    started = time.monotonic()
    d.signal(signal.SIGTERM)
    assert d.wait_exit(5.0) == 0, d.log()[-2000:]
    assert time.monotonic() - started < 3.0
    for t in threads:
        t.join(timeout=5)


def test_sighup_can_switch_recursion_off_and_on(nsd_lab, cairnd):
    d = cairnd(rest=recursion_yaml(prime_root=False))
    assert d.udp("www.example.lab.", "A").rcode() == dns.rcode.NOERROR
    d.write_config(rest=recursion_yaml(prime_root=False, enabled=False))
    d.signal(signal.SIGHUP)
    assert labutil.wait_until(lambda: d.udp("mail.example.lab.", "A").rcode() ==
                              dns.rcode.REFUSED, timeout=3.0)
    r = d.udp("mail.example.lab.", "A", use_edns=0)
    assert ede_codes(r) == [dns.edns.EDECode.NOT_SUPPORTED]
    d.write_config(rest=recursion_yaml(prime_root=False))
    d.signal(signal.SIGHUP)
    assert labutil.wait_until(lambda: d.udp("mail.example.lab.", "A").rcode() ==
                              dns.rcode.NOERROR, timeout=3.0)


def test_reload_during_a_resolution_lets_it_finish(nsd_lab, fake_auth, cairnd):
    # One of halfdead's servers never answers: the question takes a timeout or two.
    fake_auth("127.53.11.2", silent)
    d = cairnd(rest=recursion_yaml(prime_root=False))
    results = []
    t = ask_in_background(d, "www.halfdead.lab.", results)
    d.signal(signal.SIGHUP)
    t.join(timeout=7)
    assert len(results) == 1 and not isinstance(results[0], Exception), results
    assert results[0].rcode() == dns.rcode.NOERROR
    assert d.alive()


def test_max_in_flight_answers_servfail_at_once_beyond_the_limit(nsd_lab, fake_auth, cairnd):
    for addr in ALLDEAD:
        fake_auth(addr, silent)
    d = cairnd(rest=recursion_yaml(prime_root=False, max_in_flight=1, request_timeout="2s"))
    results = []
    t = ask_in_background(d, "slow.alldead.lab.", results)
    time.sleep(0.2)
    started = time.monotonic()
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert time.monotonic() - started < 0.5
    assert r.rcode() == dns.rcode.SERVFAIL
    assert "max-in-flight" in ede_text(r), ede(r)
    t.join(timeout=5)
    assert results and results[0].rcode() == dns.rcode.SERVFAIL  # the slow one timed out
    # with the slot free again, questions are resolved
    assert d.udp("www.example.lab.", "A").rcode() == dns.rcode.NOERROR


def test_tcp_client_that_leaves_before_its_answer_harms_nothing(nsd_lab, fake_auth, cairnd):
    for addr in ALLDEAD:
        fake_auth(addr, silent)
    d = cairnd(rest=recursion_yaml(prime_root=False, request_timeout="1s"))
    for i in range(5):
        s = d.tcp_connect()
        wire = dns.message.make_query("gone%d.alldead.lab." % i, "A").to_wire()
        s.sendall(struct.pack("!H", len(wire)) + wire)
        s.close()
    time.sleep(1.5)  # every question has timed out by now, with nobody to answer
    assert d.alive()
    assert d.tcp("www.example.lab.", "A").rcode() == dns.rcode.NOERROR


def test_root_hints_from_a_named_root_file(nsd_lab, cairnd):
    hints = (
        ";       This file holds the information on root name servers of the lab.\n"
        ".                        3600000      NS    A.ROOT.LAB.\n"
        "A.ROOT.LAB.              3600000      A     127.53.0.1\n"
    )
    d = cairnd(files={"lab.root": hints},
               rest="recursion:\n  root-hints: lab.root\n  query-loopback: true\n")
    r = d.udp("www.example.lab.", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert [rr.address for rr in r.answer[0]] == ["192.0.2.1"]
