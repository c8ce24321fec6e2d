"""Starting up: what an operator sees when cairnd cannot serve, and the default config."""
import subprocess

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
