"""The control socket and cairnctl: what an operator sees.

cairnctl sends one request line to cairnd's control.socket and prints the reply: ``stats``
(the cache's counters and the others, as "key: value" lines or JSON) and ``flush`` (one name,
a name and everything below it, every negative entry, everything).  The flush tests run on
the NSD lab and show with the lab's packet capture that a flushed name is asked upstream
again while the rest stays cached; the seeds' story "the record exists now but clients still
get NXDOMAIN" ends with one ``cairnctl flush NAME``.
"""
import json
import os
import signal
import socket
import stat
import subprocess
import time

import dns.rcode
import pytest

import labutil
from resolution_util import FakeZone, recursion_yaml

EXAMPLE = ("ns1.example.lab", "ns2.example.lab")
NIC = ("ns1.nic.lab", "ns2.nic.lab")
TIMEOUT = 5.0


@pytest.fixture(scope="session")
def cairnctl_binary(cairnd_binary):
    path = cairnd_binary.parent / "cairnctl"
    if not path.is_file():
        pytest.fail("cairnctl not found next to cairnd at %s (run make)" % path, pytrace=False)
    return path


@pytest.fixture
def sock(tmp_path):
    """The control socket's path, in a folder cairnd has to create."""
    path = tmp_path / "run" / "cairnd.sock"
    assert len(str(path)) < 108, "a UNIX socket path must fit in sun_path"
    return path


@pytest.fixture
def ctl(cairnctl_binary, sock):
    """Run cairnctl on the test's socket: ctl("stats", "--json") -> CompletedProcess."""
    def run(*args, socket_path=None):
        return subprocess.run([str(cairnctl_binary), "-s", str(socket_path or sock)] +
                              list(args), capture_output=True, text=True, timeout=10)
    return run


def control_yaml(path):
    return 'control:\n  socket: "%s"\n' % path


@pytest.fixture
def daemon(cairnd, sock):
    """Factory: cairnd with the test's control socket (and more top-level YAML), returned
    once it is ready: its TCP port answers before the control socket is made."""
    def start(rest=""):
        d = cairnd(rest=rest + control_yaml(sock))
        assert labutil.wait_until(lambda: "cairnd ready" in d.log(), timeout=5.0), d.log()
        return d
    return start


@pytest.fixture
def resolver(nsd_lab, daemon):
    """cairnd on the NSD lab with an empty cache (no priming: only what the test asks is
    cached) and its control socket; the lab's query log is cleared first."""
    nsd_lab.clear_queries()
    return daemon(recursion_yaml(prime_root=False))


def stats(ctl):
    r = ctl("stats", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def text_stats(ctl):
    r = ctl("stats")
    assert r.returncode == 0, r.stderr
    result = {}
    for line in r.stdout.splitlines():
        key, value = line.split(": ")
        result[key] = int(value)
    return result


def flushed(ctl, *args):
    """Run a flush; the number of entries cairnd says it removed."""
    r = ctl("flush", *args)
    assert r.returncode == 0, r.stderr
    words = r.stdout.split()
    assert words[0] == "flushed" and words[2] == "entries", r.stdout
    return int(words[1])


def asked(lab, servers, qname, rdtype="A"):
    """How often any of servers was asked (qname, rdtype)."""
    return sum(lab.queries(s).count((qname, rdtype)) for s in servers)


def ask(d, qname, rdtype="A"):
    return d.udp(qname, rdtype, use_edns=0, timeout=TIMEOUT)


def exchange_raw(path, data, timeout=5.0):
    """Send bytes on the control socket, end them (FIN) and read until cairnd closes."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # cairnd answered and closed before reading it all
        reply = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            reply += chunk
        return reply.decode()


# -- stats ------------------------------------------------------------------------------------


def test_stats_show_the_cache_filling_and_answering(resolver, ctl, nsd_lab):
    before = stats(ctl)
    assert before["cache-entries"] == 0 and before["cache-hits"] == 0
    assert before["queries"] == 0

    assert ask(resolver, "www.example.lab.").rcode() == dns.rcode.NOERROR
    first = stats(ctl)
    assert first["queries"] == 1 and first["requests"] == 1 and first["noerror"] == 1
    assert first["cache-entries"] > 0 and first["cache-bytes"] > 0
    assert first["cache-misses"] > before["cache-misses"]
    assert first["upstream-udp"] >= 3  # root, lab., example.lab.

    assert ask(resolver, "www.example.lab.").rcode() == dns.rcode.NOERROR
    second = stats(ctl)
    assert second["queries"] == 2
    # The fast path: the whole answer came from the message cache, no request was started.
    assert second["msgcache-hits"] == first["msgcache-hits"] + 1
    assert second["answers-from-msgcache"] == 1 and second["requests"] == 1
    assert second["msgcache-entries"] == 1 and second["msgcache-bytes"] > 0
    assert second["upstream-udp"] == first["upstream-udp"]
    assert asked(nsd_lab, EXAMPLE, "www.example.lab.") == 1


def test_stats_text_and_json_hold_the_same_counters(resolver, ctl):
    ask(resolver, "www.example.lab.")
    text, js = text_stats(ctl), stats(ctl)
    assert text.keys() == js.keys()
    for key in ["cache-entries", "cache-bytes", "cache-max-bytes", "cache-hits",
                "cache-misses", "cache-evictions", "msgcache-entries", "msgcache-hits",
                "answers-from-msgcache", "answers-stale", "prefetches", "queries", "servfail", "tcp-accepted",
                "requests", "upstream-udp", "upstream-timeouts", "uptime-seconds"]:
        assert key in js, key
    text.pop("uptime-seconds"), js.pop("uptime-seconds")
    assert text == js
    assert js["cache-max-bytes"] == 64 * 1024 * 1024
    assert all(isinstance(v, int) and v >= 0 for v in js.values())


def test_stats_json_is_one_line_for_scripts(daemon, ctl):
    daemon()
    r = ctl("stats", "--json")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.count("\n") == 1 and r.stdout.endswith("}\n")
    json.loads(r.stdout)


# -- flush -----------------------------------------------------------------------------------


def test_nxdomain_is_cached_until_flushed_then_asked_again(resolver, ctl, nsd_lab):
    assert ask(resolver, "nope.example.lab.").rcode() == dns.rcode.NXDOMAIN
    assert ask(resolver, "nope.example.lab.").rcode() == dns.rcode.NXDOMAIN
    assert asked(nsd_lab, EXAMPLE, "nope.example.lab.") == 1, "the NXDOMAIN is cached"

    assert flushed(ctl, "nope.example.lab") == 1  # the final dot is optional
    assert ask(resolver, "nope.example.lab.").rcode() == dns.rcode.NXDOMAIN
    assert asked(nsd_lab, EXAMPLE, "nope.example.lab.") == 2, "asked upstream again"
    assert "flushed nope.example.lab. from the cache: 1 entries" in resolver.log()


def test_record_created_after_nxdomain_is_seen_at_once_after_flush(
        nsd_lab, fake_auth, daemon, ctl):
    """The seeds' story: the record exists now but clients still get NXDOMAIN (cached for
    min(SOA TTL, SOA MINIMUM) = 600 s here); the operator flushes the name."""
    zone = FakeZone("spoof.lab.", ["ns.spoof.lab. 300 A 127.53.40.1"], ttl=600)
    fake = fake_auth("ns.spoof.lab", zone)
    d = daemon(recursion_yaml(prime_root=False))
    assert ask(d, "new.spoof.lab.").rcode() == dns.rcode.NXDOMAIN

    zone.add(["new.spoof.lab. 300 A 192.0.2.71"])
    assert ask(d, "new.spoof.lab.").rcode() == dns.rcode.NXDOMAIN, "still the cached NXDOMAIN"

    assert flushed(ctl, "New.Spoof.Lab.") == 1  # any case
    r = ask(d, "new.spoof.lab.")
    assert r.rcode() == dns.rcode.NOERROR
    assert [rr.address for rr in r.answer[0]] == ["192.0.2.71"]
    assert fake.queries().count(("new.spoof.lab.", "A")) == 2


def test_flush_name_removes_that_name_only(resolver, ctl, nsd_lab):
    for qname, rdtype in [("www.example.lab.", "A"), ("www.example.lab.", "AAAA"),
                          ("mail.example.lab.", "A")]:
        assert ask(resolver, qname, rdtype).rcode() == dns.rcode.NOERROR
    nsd_lab.clear_queries()

    assert flushed(ctl, "www.example.lab.") == 2  # its A and AAAA
    for qname, rdtype in [("www.example.lab.", "A"), ("www.example.lab.", "AAAA"),
                          ("mail.example.lab.", "A")]:
        assert ask(resolver, qname, rdtype).rcode() == dns.rcode.NOERROR
    assert asked(nsd_lab, EXAMPLE, "www.example.lab.", "A") == 1
    assert asked(nsd_lab, EXAMPLE, "www.example.lab.", "AAAA") == 1
    assert asked(nsd_lab, EXAMPLE, "mail.example.lab.") == 0, "mail.example.lab. stayed cached"
    assert nsd_lab.queries("a.root.lab") == [], "the delegations stayed cached"


def test_flush_below_removes_the_zone_and_its_names(resolver, ctl, nsd_lab):
    for qname in ["www.example.lab.", "mail.example.lab."]:
        assert ask(resolver, qname).rcode() == dns.rcode.NOERROR
    assert ask(resolver, "www.other.test.").rcode() == dns.rcode.NOERROR
    before = stats(ctl)["cache-entries"]
    nsd_lab.clear_queries()

    n = flushed(ctl, "--below", "example.lab")
    assert n >= 4  # www, mail, the example.lab. NS set, its servers' addresses
    assert stats(ctl)["cache-entries"] == before - n

    assert ask(resolver, "mail.example.lab.").rcode() == dns.rcode.NOERROR
    assert asked(nsd_lab, EXAMPLE, "mail.example.lab.") == 1
    assert asked(nsd_lab, NIC, "example.lab.") == 1, "the delegation was looked up again"
    assert nsd_lab.queries("a.root.lab") == [], "lab. stayed cached"
    assert ask(resolver, "www.other.test.").rcode() == dns.rcode.NOERROR
    assert nsd_lab.queries("ns.hoster.test") == [], "other.test. stayed cached"


def test_flush_negative_removes_nxdomain_and_nodata_only(resolver, ctl, nsd_lab):
    assert ask(resolver, "nope.example.lab.").rcode() == dns.rcode.NXDOMAIN
    r = ask(resolver, "nodata.example.lab.", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    assert ask(resolver, "www.example.lab.").rcode() == dns.rcode.NOERROR
    nsd_lab.clear_queries()

    assert flushed(ctl, "--negative") == 2
    ask(resolver, "nope.example.lab.")
    ask(resolver, "nodata.example.lab.", "AAAA")
    ask(resolver, "www.example.lab.")
    assert asked(nsd_lab, EXAMPLE, "nope.example.lab.") == 1
    assert asked(nsd_lab, EXAMPLE, "nodata.example.lab.", "AAAA") == 1
    assert asked(nsd_lab, EXAMPLE, "www.example.lab.") == 0


def test_flush_all_empties_the_cache(resolver, ctl, nsd_lab):
    ask(resolver, "www.example.lab.")
    ask(resolver, "nope.example.lab.")
    entries = stats(ctl)["cache-entries"]
    assert entries > 0
    assert flushed(ctl, "--all") == entries
    after = stats(ctl)
    assert after["cache-entries"] == 0 and after["cache-bytes"] == 0
    nsd_lab.clear_queries()
    assert ask(resolver, "www.example.lab.").rcode() == dns.rcode.NOERROR
    assert nsd_lab.queries("a.root.lab"), "resolution started again at the root"


def test_flush_of_a_name_not_cached_removes_nothing(daemon, ctl):
    daemon()
    r = ctl("flush", "nothing.example")
    assert r.returncode == 0 and r.stdout == "flushed 0 entries\n"


# -- errors ------------------------------------------------------------------------------------


def test_no_daemon_is_exit_2_with_the_path(ctl, sock):
    r = ctl("stats")
    assert r.returncode == 2
    assert r.stderr == "cairnctl: no cairnd at %s (connect: No such file or directory)\n" % sock
    assert r.stdout == ""


def test_bad_name_is_an_error_reply_exit_1(daemon, ctl):
    d = daemon()
    r = ctl("flush", "x..y")
    assert r.returncode == 1
    assert r.stderr == "cairnctl: 'x..y' is not a domain name\n"
    r = ctl("flush", "--below", "a" * 64 + ".example")
    assert r.returncode == 1 and "is not a domain name" in r.stderr
    assert d.answers_localhost() and ctl("stats").returncode == 0


@pytest.mark.parametrize("args", [[], ["flush"], ["flush", "--below"], ["flush", "a", "b"],
                                  ["flush", "--all", "x"], ["flush", "--bogus"],
                                  ["stats", "--xml"], ["frobnicate"]])
def test_bad_usage_is_exit_2_without_asking(ctl, args):
    r = ctl(*args)  # no daemon runs: usage is checked first
    assert r.returncode == 2
    assert "usage: cairnctl" in r.stderr


def test_help_is_exit_0(cairnctl_binary):
    r = subprocess.run([str(cairnctl_binary), "--help"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0 and "flush --below NAME" in r.stdout and "stats" in r.stdout


@pytest.mark.parametrize("line,reply", [
    ("bogus\n", "error: unknown command 'bogus'; commands: flush, stats, test-answer\n"),
    ("\n", "error: empty request; commands: flush, stats, test-answer\n"),
    ("stats --xml\n", "error: unknown option '--xml'; usage: stats [--json]\n"),
    ("flush x..y\r\n", "error: 'x..y' is not a domain name\n"),
    ("flush\texample.lab\n", "ok: flushed 0 entries\n"),
    ("flush --all", "ok: flushed 0 entries\n"),  # the client's EOF ends the line too
])
def test_protocol_replies(daemon, sock, line, reply):
    daemon()
    assert exchange_raw(sock, line.encode()) == reply


def test_too_long_request_line_is_refused_and_daemon_goes_on(daemon, ctl, sock):
    d = daemon()
    # 1024 bytes is the most: that one is read whole and refused for its name.
    line = "flush " + "a" * 1018
    assert "is not a domain name" in exchange_raw(sock, line.encode() + b"\n")
    assert exchange_raw(sock, b"flush " + b"a" * 1019 + b"\n") == \
        "error: request longer than 1024 bytes\n"
    assert exchange_raw(sock, b"x" * 100000) == "error: request longer than 1024 bytes\n"
    assert ctl("stats").returncode == 0 and d.answers_localhost()


def test_control_characters_in_the_request_are_refused(daemon, sock):
    daemon()
    reply = exchange_raw(sock, b"flush a\x00b\n")
    assert reply.startswith("error: control character (byte 0)")


# -- bounds -----------------------------------------------------------------------------------


def test_silent_connection_is_closed_after_2s(daemon, ctl, sock):
    daemon()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(sock))
        start = time.monotonic()
        assert s.recv(100) == b""
        assert 1.5 <= time.monotonic() - start <= 4.0
    assert ctl("stats").returncode == 0


def test_at_most_16_connections_at_once(daemon, ctl, sock):
    d = daemon()
    held = []
    try:
        for _ in range(16):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(str(sock))
            held.append(s)
        time.sleep(0.2)  # let cairnd accept them all
        r = ctl("stats")
        assert r.returncode == 1
        assert r.stderr == "cairnctl: too many control connections at once\n"
    finally:
        for s in held:
            s.close()
    assert labutil.wait_until(lambda: ctl("stats").returncode == 0, timeout=3.0)
    assert "more than 16 connections at once" in d.log()


# -- the socket file -----------------------------------------------------------------------------


def test_socket_is_mode_0660_in_a_created_0755_folder(daemon, sock):
    daemon()
    st = os.lstat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert stat.S_IMODE(os.stat(sock.parent).st_mode) == 0o755


def test_socket_is_removed_after_sigterm(daemon, sock):
    d = daemon()
    assert sock.exists()
    assert d.stop() == []
    assert d.exit_code == 0
    assert not sock.exists()


def test_sigterm_with_control_connections_open_exits_cleanly(daemon, sock):
    """Connections still open (one silent, one mid-line) close with the socket at stop."""
    d = daemon()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent, \
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as partial:
        silent.connect(str(sock))
        partial.connect(str(sock))
        partial.sendall(b"flush www.exa")
        time.sleep(0.1)
        start = time.monotonic()
        assert d.stop() == []  # exit 0, no sanitizer report
        assert time.monotonic() - start < 1.5
        silent.settimeout(2)
        assert silent.recv(100) == b""
    assert not sock.exists()


def test_second_cairnd_on_the_same_socket_refuses_to_start(daemon, cairnd_binary, ctl, sock,
                                                           tmp_path):
    first = daemon()
    cfg = tmp_path / "second.yaml"
    cfg.write_text(labutil.compose_config(labutil.free_port(), rest=control_yaml(sock)))
    r = subprocess.run([str(cairnd_binary), "-c", str(cfg)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 1
    assert "control.socket %s is in use" % sock in r.stderr
    assert sock.exists() and ctl("stats").returncode == 0, "the first one's socket is intact"
    assert first.answers_localhost()


def test_stale_socket_of_a_killed_cairnd_is_replaced(daemon, ctl, sock):
    first = daemon()
    first.kill()  # SIGKILL: no chance to remove the socket file
    assert sock.exists()
    second = daemon()
    assert ctl("stats").returncode == 0
    assert "removed the stale socket %s" % sock in second.log()


def test_a_file_that_is_not_a_socket_is_left_alone(cairnd_binary, sock, tmp_path):
    sock.parent.mkdir()
    sock.write_text("precious\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(labutil.compose_config(labutil.free_port(), rest=control_yaml(sock)))
    r = subprocess.run([str(cairnd_binary), "-c", str(cfg)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 1
    assert "exists and is not a socket" in r.stderr
    assert sock.read_text() == "precious\n"


def test_empty_socket_path_means_no_control_socket(cairnd):
    d = cairnd(rest='control:\n  socket: ""\n')
    assert labutil.wait_until(lambda: "cairnd ready" in d.log(), timeout=5.0)
    assert "control socket" not in d.log()
    assert d.answers_localhost()


def test_reload_with_a_changed_socket_path_warns_and_keeps_the_old_one(daemon, ctl, sock,
                                                                       tmp_path):
    d = daemon()
    other = tmp_path / "other.sock"
    d.config_path.write_text(labutil.compose_config(d.port, rest=control_yaml(other)))
    d.signal(signal.SIGHUP)
    assert labutil.wait_until(lambda: "reloaded" in d.log(), timeout=3.0)
    assert "control.socket changed; restart cairnd to apply it" in d.log()
    assert ctl("stats").returncode == 0
    assert not other.exists()
