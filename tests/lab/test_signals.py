"""SIGTERM / SIGINT shutdown and SIGHUP reload."""

import re
import signal
import socket
import struct
import time

import dns.rcode
import pytest

from labutil import compose_config, frame, free_port, rdata_texts, recv_frame, wait_until

ZONES_V1 = """
private-zones:
  - name: reload.test
    records:
      - {name: www, type: A, data: [192.0.2.1]}
  - name: gone.test
    records:
      - {name: www, type: A, data: [192.0.2.2]}
"""

ZONES_V2 = """
private-zones:
  - name: reload.test
    records:
      - {name: www, type: A, data: [192.0.2.99]}
  - name: new.test
    records:
      - {name: www, type: A, data: [192.0.2.100]}
"""

BROKEN = """
private-zones:
  - name: reload.test
    bogus-key: 1
    records:
      - {name: www, type: A, data: [not-an-address]}
"""


def a_of(d, qname):
    r = d.udp(qname, "A", timeout=1.0)
    return r.rcode(), rdata_texts(r, qname, "A")


# --- shutdown -----------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_terminating_signal_exits_zero_within_2s(cairnd, sig):
    d = cairnd()
    assert d.answers_localhost()
    start = time.monotonic()
    d.signal(sig)
    rc = d.wait_exit(2.0)
    assert rc is not None, "still running 2s after %s" % sig.name
    assert rc == 0, "exit status %d" % rc
    assert time.monotonic() - start <= 2.0


def test_sigterm_with_open_idle_tcp_client_exits_promptly(cairnd):
    d = cairnd()
    with d.tcp_connect():
        time.sleep(0.1)
        d.signal(signal.SIGTERM)
        rc = d.wait_exit(2.0)
    assert rc == 0, "exit status %r (None = still running after 2s)" % rc


# --- reload ------------------------------------------------------------------------------


def test_sighup_serves_changed_record(cairnd):
    d = cairnd(rest=ZONES_V1)
    assert a_of(d, "www.reload.test.") == (dns.rcode.NOERROR, ["192.0.2.1"])
    d.write_config(rest=ZONES_V2)
    d.signal(signal.SIGHUP)
    ok = wait_until(lambda: a_of(d, "www.reload.test.")[1] == ["192.0.2.99"], timeout=3.0)
    assert ok, "changed record not served 3s after SIGHUP; log:\n" + d.log()[-3000:]
    assert d.alive()


def test_sighup_adds_and_removes_zones(cairnd):
    d = cairnd(rest=ZONES_V1)
    assert a_of(d, "www.gone.test.") == (dns.rcode.NOERROR, ["192.0.2.2"])
    assert a_of(d, "www.new.test.")[0] == dns.rcode.REFUSED  # not local, recursion off
    d.write_config(rest=ZONES_V2)
    d.signal(signal.SIGHUP)
    ok = wait_until(lambda: a_of(d, "www.new.test.")[1] == ["192.0.2.100"], timeout=3.0)
    assert ok, "new zone not served after SIGHUP; log:\n" + d.log()[-3000:]
    assert a_of(d, "www.gone.test.")[0] == dns.rcode.REFUSED, "removed zone still served"


def test_sighup_rereads_changed_zone_file(cairnd):
    zone = """
        $ORIGIN filez.test.
        $TTL 300
        @   IN SOA ns hostmaster 1 3600 600 86400 300
        @   IN NS  ns
        ns  IN A   192.0.2.53
        www IN A   192.0.2.1
    """
    rest = """
    private-zones:
      - name: filez.test
        file: zones/filez.test.zone
    """
    d = cairnd(rest=rest, files={"zones/filez.test.zone": zone})
    assert a_of(d, "www.filez.test.") == (dns.rcode.NOERROR, ["192.0.2.1"])
    d.write_files({"zones/filez.test.zone": zone.replace("192.0.2.1", "192.0.2.77")
                   .replace(" 1 3600", " 2 3600")})
    d.signal(signal.SIGHUP)
    ok = wait_until(lambda: a_of(d, "www.filez.test.")[1] == ["192.0.2.77"], timeout=3.0)
    assert ok, "changed zone file not served after SIGHUP; log:\n" + d.log()[-3000:]


def test_sighup_with_broken_config_keeps_old_data(cairnd):
    d = cairnd(rest=ZONES_V1)
    assert a_of(d, "www.reload.test.") == (dns.rcode.NOERROR, ["192.0.2.1"])
    log_before = len(d.log())
    d.config_path.write_text(d.config_path.read_text().split("private-zones:")[0] + BROKEN.lstrip())
    d.signal(signal.SIGHUP)
    logged = wait_until(lambda: len(d.log()) > log_before, timeout=3.0)
    assert logged, "nothing logged after SIGHUP with a broken config"
    time.sleep(0.3)
    assert d.alive(), "daemon died on a broken reload:\n" + d.log()[-3000:]
    new_log = d.log()[log_before:]
    assert "bogus-key" in new_log or d.config_path.name in new_log, (
        "reload errors should name the problem; new log:\n" + new_log
    )
    assert a_of(d, "www.reload.test.") == (dns.rcode.NOERROR, ["192.0.2.1"])
    assert a_of(d, "www.gone.test.") == (dns.rcode.NOERROR, ["192.0.2.2"])


def test_sighup_after_fixing_broken_config_applies(cairnd):
    d = cairnd(rest=ZONES_V1)
    header = d.config_path.read_text().split("private-zones:")[0]
    d.config_path.write_text(header + BROKEN.lstrip())
    d.signal(signal.SIGHUP)
    time.sleep(0.5)
    assert a_of(d, "www.reload.test.")[1] == ["192.0.2.1"]
    d.write_config(rest=ZONES_V2)
    d.signal(signal.SIGHUP)
    ok = wait_until(lambda: a_of(d, "www.reload.test.")[1] == ["192.0.2.99"], timeout=3.0)
    assert ok, "fixed config not applied; log:\n" + d.log()[-3000:]


def test_sighup_applies_access_change(cairnd):
    d = cairnd()
    r = d.udp("localhost.", "A", source="127.0.0.2")
    assert r.rcode() == dns.rcode.NOERROR
    d.write_config(server="""
        access:
          - refuse: 127.0.0.2/32
          - allow: 127.0.0.0/8
    """)
    d.signal(signal.SIGHUP)
    ok = wait_until(
        lambda: d.udp("localhost.", "A", source="127.0.0.2", timeout=1.0).rcode() == dns.rcode.REFUSED,
        timeout=3.0,
    )
    assert ok, "access change not applied after SIGHUP; log:\n" + d.log()[-3000:]
    assert d.udp("localhost.", "A", source="127.0.0.1").rcode() == dns.rcode.NOERROR


def test_rapid_repeated_sighup_keeps_serving(cairnd):
    d = cairnd(rest=ZONES_V1)
    for _ in range(10):
        d.signal(signal.SIGHUP)
        time.sleep(0.02)
    time.sleep(0.3)
    assert d.alive(), d.log()[-3000:]
    assert a_of(d, "www.reload.test.") == (dns.rcode.NOERROR, ["192.0.2.1"])


def test_sighup_keeps_listening_on_same_port(cairnd):
    d = cairnd(rest=ZONES_V1)
    d.signal(signal.SIGHUP)
    time.sleep(0.3)
    r = d.tcp("www.reload.test.", "A")
    assert rdata_texts(r, "www.reload.test.", "A") == ["192.0.2.1"]


def test_sighup_does_not_change_listen_addresses(cairnd):
    d = cairnd(rest=ZONES_V1)
    other = free_port()
    d.config_path.write_text(compose_config(other, rest=ZONES_V2))
    d.signal(signal.SIGHUP)
    # zones still apply ...
    ok = wait_until(lambda: a_of(d, "www.reload.test.")[1] == ["192.0.2.99"], timeout=3.0)
    assert ok, "reload with a changed listen address was not applied; log:\n" + d.log()[-3000:]
    # ... but the daemon keeps its original listener and does not open the new one
    assert d.tcp("www.reload.test.", "A").rcode() == dns.rcode.NOERROR
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        assert s.connect_ex(("127.0.0.1", other)) != 0, "reload opened a new listener"


def test_sighup_keeps_open_tcp_connection_working(cairnd):
    import dns.message

    d = cairnd(rest=ZONES_V1)
    with d.tcp_connect() as s:
        q = dns.message.make_query("www.reload.test.", "A", id=1)
        s.sendall(frame(q.to_wire()))
        r = dns.message.from_wire(recv_frame(s))
        assert rdata_texts(r, "www.reload.test.", "A") == ["192.0.2.1"]
        d.write_config(rest=ZONES_V2)
        d.signal(signal.SIGHUP)
        assert wait_until(lambda: a_of(d, "www.reload.test.")[1] == ["192.0.2.99"], timeout=3.0)
        q = dns.message.make_query("www.reload.test.", "A", id=2)
        s.sendall(frame(q.to_wire()))
        r = dns.message.from_wire(recv_frame(s))
        assert r.id == 2
        assert rdata_texts(r, "www.reload.test.", "A") == ["192.0.2.99"]


def test_dropped_packets_are_counted(cairnd):
    # QR=1 packets and runt headers get no answer but are counted; the
    # counters are logged on shutdown ("... dropped=N ...").
    d = cairnd()
    packets = [
        struct.pack("!HHHHHH", 1, 0x8100, 1, 0, 0, 0) + b"\x09localhost\x00\x00\x01\x00\x01",
        struct.pack("!HHHHHH", 2, 0x8000, 0, 0, 0, 0),
        b"\x00\x01\x02",
    ]
    for p in packets:
        assert d.raw_udp(p, timeout=0.3) is None
    assert d.answers_localhost()
    d.signal(signal.SIGTERM)
    assert d.wait_exit(2.0) == 0
    m = re.search(r"\bdropped=(\d+)", d.log())
    assert m, "no dropped=N counter in the shutdown log:\n" + d.log()[-2000:]
    assert int(m.group(1)) == len(packets), m.group(0)


def test_second_stop_signal_closes_at_once_and_still_exits_0(cairnd):
    """Ctrl-C reaches cairnd and whatever started it, which may add a SIGTERM: the second
    signal must not kill cairnd by default action, only cut the stop short."""
    d = cairnd()
    client = d.tcp_connect()  # an open connection: the stop waits up to 1 s for its FIN
    try:
        d.signal(signal.SIGTERM)
        time.sleep(0.2)
        assert d.alive(), "expected cairnd to wait for the client's FIN"
        started = time.monotonic()
        d.signal(signal.SIGINT)
        assert d.wait_exit(3.0) == 0
        assert time.monotonic() - started < 0.5
    finally:
        client.close()
    assert "again: closing what is left now" in d.log()
