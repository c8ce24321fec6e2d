"""Starting up: what an operator sees when cairnd cannot serve, and the default config."""
import subprocess

import dns.exception
import dns.message
import dns.query

import labutil


def test_port_already_taken_is_a_clear_error_and_exit_1(cairnd, cairnd_binary, tmp_path):
    first = cairnd()
    cfg = tmp_path / "second.yaml"
    cfg.write_text(labutil.compose_config(first.port))
    r = subprocess.run([str(cairnd_binary), "-c", str(cfg)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 1
    assert "cannot listen on UDP 127.0.0.1@%d: address already in use" % first.port in r.stderr
    assert first.answers_localhost()


def test_bad_config_refuses_to_start_with_positions(cairnd_binary, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("server:\n  max-tcp-clients: 0\n")
    r = subprocess.run([str(cairnd_binary), "-c", str(cfg)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 1
    assert "%s:2:20: server.max-tcp-clients must be a whole number from 1 to 65536" % cfg \
        in r.stderr
    assert "not starting" in r.stderr


def test_unknown_argument_prints_usage_and_exits_2(cairnd_binary):
    r = subprocess.run([str(cairnd_binary), "--frobnicate"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2
    assert "usage: cairnd" in r.stderr



def test_wildcard_listener_answers_from_the_address_that_was_asked(cairnd_binary, tmp_path):
    """Bound to 0.0.0.0, cairnd must reply from the address the query went to (IP_PKTINFO):
    a client ignores a UDP reply that comes from any other address."""
    port = labutil.free_port()
    cfg = tmp_path / "wild.yaml"
    cfg.write_text('server:\n  listen: ["0.0.0.0@%d"]\nrecursion:\n  enabled: false\n'
                   'control:\n  socket: ""\n' % port)
    proc = subprocess.Popen([str(cairnd_binary), "-c", str(cfg)], stderr=subprocess.PIPE,
                            text=True)
    query = dns.message.make_query("localhost.", "A")

    def answered():
        try:
            return dns.query.udp(query, "127.0.0.1", port=port, timeout=0.2)
        except (dns.exception.Timeout, OSError):
            return None
    try:
        assert labutil.wait_until(answered, timeout=5), "the wildcard listener never answered"
        for addr in ["127.0.0.1", "127.0.0.2", "127.0.0.53"]:
            # dns.query.udp ignores replies whose source is not the address asked
            r = dns.query.udp(query, addr, port=port, timeout=2)
            assert [rr.address for rr in r.answer[0]] == ["127.0.0.1"], addr
            r = dns.query.tcp(query, addr, port=port, timeout=2)
            assert [rr.address for rr in r.answer[0]] == ["127.0.0.1"], addr
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
        err = proc.stderr.read()
        assert "Sanitizer" not in err and "runtime error:" not in err, err
