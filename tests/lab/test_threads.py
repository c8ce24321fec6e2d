"""server.threads: several workers, each with its own UDP sockets on the same address
(SO_REUSEPORT), sharing one cache, one config and one control socket. What one worker
resolved, the others answer from the cache; a reload reaches every worker; cairnctl stats
add up every worker's counters."""
import signal
import socket

import dns.flags
import dns.message
import dns.rcode

import labutil
from resolution_util import recursion_yaml, stop_and_stats
from test_cairnctl import (EXAMPLE, asked, cairnctl_binary, control_yaml, ctl,  # noqa: F401
                           sock, stats)

CLIENTS = 24  # client sockets: the kernel spreads them over the workers by source port


def ask_from_many(d, qname, count=CLIENTS):
    """Ask qname once from each of count fresh sockets; the replies."""
    replies = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5.0)
        q = dns.message.make_query(qname, "A", use_edns=0)
        s.sendto(q.to_wire(), (d.addr, d.port))
        replies.append(dns.message.from_wire(s.recv(65535)))
        s.close()
    return replies


def config(sock, zones=""):
    return recursion_yaml(prime_root=False) + zones + control_yaml(sock)


def workers(nsd_lab, cairnd, sock, threads=2):
    """cairnd with threads workers and the test's control socket, once ready."""
    nsd_lab.clear_queries()
    d = cairnd(server="threads: %s" % threads, rest=config(sock))
    assert labutil.wait_until(lambda: "cairnd ready" in d.log(), timeout=5.0), d.log()
    return d


def test_workers_share_one_cache(nsd_lab, cairnd, sock, ctl):
    d = workers(nsd_lab, cairnd, sock)
    assert "2 worker threads" in d.log()
    replies = ask_from_many(d, "www.example.lab.")
    assert all(r.rcode() == dns.rcode.NOERROR and r.answer for r in replies)
    st = stats(ctl)
    assert st["threads"] == 2
    per_thread = [st["thread-0-queries"], st["thread-1-queries"]]
    assert sum(per_thread) == CLIENTS == st["queries"]
    assert min(per_thread) > 0, "the kernel gave every worker some clients: %r" % per_thread
    # One resolution in all: the other worker answered from the shared cache.
    assert st["requests"] == 1
    assert st["answers-from-msgcache"] == CLIENTS - 1
    assert asked(nsd_lab, EXAMPLE, "www.example.lab.") == 1


def test_flush_reaches_every_worker(nsd_lab, cairnd, sock, ctl):
    d = workers(nsd_lab, cairnd, sock)
    ask_from_many(d, "www.example.lab.", 8)
    r = ctl("flush", "www.example.lab.")
    assert r.returncode == 0, r.stderr
    ask_from_many(d, "www.example.lab.", 8)
    assert asked(nsd_lab, EXAMPLE, "www.example.lab.") == 2


def test_reload_reaches_every_worker(nsd_lab, cairnd, sock, ctl):
    d = workers(nsd_lab, cairnd, sock)
    assert all(not r.flags & dns.flags.AA for r in ask_from_many(d, "www.example.lab.", 8))
    zone = ("private-zones:\n  - name: example.lab\n    records:\n"
            "      - {name: www, type: A, ttl: 60, data: [10.9.9.9]}\n")
    d.write_config(server="threads: 2", rest=config(sock, zone))
    d.signal(signal.SIGHUP)
    assert labutil.wait_until(lambda: "reloaded" in d.log(), timeout=3.0)
    replies = ask_from_many(d, "www.example.lab.")
    assert [r.answer[0][0].address for r in replies] == ["10.9.9.9"] * CLIENTS
    st = stats(ctl)
    assert min(st["thread-0-queries"], st["thread-1-queries"]) > 0


def test_stop_with_threads_sums_every_workers_counters(nsd_lab, cairnd, sock):
    d = workers(nsd_lab, cairnd, sock)
    ask_from_many(d, "www.example.lab.")
    tcp = d.tcp("www.example.lab.")
    assert tcp.rcode() == dns.rcode.NOERROR, "TCP is served (by the first worker)"
    st = stop_and_stats(d)
    assert st["queries"] == CLIENTS + 1
    assert st["requests"] == 1


def test_threads_auto_runs_one_worker_per_cpu(nsd_lab, cairnd, sock, ctl):
    import os
    d = workers(nsd_lab, cairnd, sock, "auto")
    assert d.udp("www.example.lab.").rcode() == dns.rcode.NOERROR
    assert stats(ctl)["threads"] == min(os.cpu_count(), 64)
