"""cairnd --check-config / --print-default-config and startup with a bad file."""

import re
import subprocess
import textwrap

import pytest
import yaml

from labutil import REPO, free_port

RUN_TIMEOUT = 10


def run(binary, *args, cwd=None):
    return subprocess.run(
        [str(binary), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        cwd=cwd,
    )


def write(tmp_path, text, name="cairnd.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


def line_of(path, needle, occurrence=1):
    seen = 0
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return i
    raise AssertionError("needle %r not in file" % needle)


def reported_positions(stderr, shown_path):
    """[(line, col)] for every stderr line of the form FILE:LINE:COL: message."""
    pat = re.compile(r"^%s:(\d+):(\d+): \S" % re.escape(shown_path))
    return [(int(m.group(1)), int(m.group(2))) for m in map(pat.match, stderr.splitlines()) if m]


def check_error(binary, path, expected_lines):
    res = run(binary, "--check-config", str(path))
    assert res.returncode == 1, "exit %d, stderr:\n%s" % (res.returncode, res.stderr)
    pos = reported_positions(res.stderr, str(path))
    assert pos, "no `%s:LINE:COL: message` line on stderr:\n%s" % (path, res.stderr)
    lines = path.read_text().splitlines()
    for ln, col in pos:
        assert 1 <= ln <= len(lines) + 1, "line %d out of range:\n%s" % (ln, res.stderr)
        if ln <= len(lines):
            assert 1 <= col <= len(lines[ln - 1]) + 1, "column %d out of range on line %d:\n%s" % (
                col, ln, res.stderr)
    got = {ln for ln, _ in pos}
    for want in expected_lines:
        assert want in got, "expected an error on line %d, got lines %s:\n%s" % (
            want, sorted(got), res.stderr)
    return res, pos


HEAD = """
server:
  listen: ["127.0.0.1@5399"]
"""

# (id, config text, needle identifying the offending line, occurrence of needle)
BAD_CONFIGS = [
    ("unknown-server-key", HEAD + "  bogus-option: 1\n", "bogus-option", 1),
    ("unknown-top-level-key", HEAD + "frobnicate: yes\n", "frobnicate", 1),
    ("unknown-zone-key", HEAD + """
private-zones:
  - name: example.test
    colour: blue
""", "colour", 1),
    ("unknown-record-key", HEAD + """
private-zones:
  - name: example.test
    records:
      - {name: www, type: A, data: [192.0.2.1], colour: blue}
""", "colour", 1),
    ("wrong-type-edns-buffer-size", HEAD + "  edns-buffer-size: lots\n", "lots", 1),
    ("wrong-type-max-tcp-clients", HEAD + "  max-tcp-clients: many\n", "many", 1),
    ("edns-buffer-size-too-small", HEAD + "  edns-buffer-size: 100\n", "edns-buffer-size", 1),
    ("edns-buffer-size-too-big", HEAD + "  edns-buffer-size: 5000\n", "edns-buffer-size", 1),
    ("bad-listen-address", """
server:
  listen: ["127.0.0.1@5399", "999.1.1.1@53"]
""", "999.1.1.1", 1),
    ("bad-listen-port", """
server:
  listen:
    - "127.0.0.1@5399"
    - "127.0.0.1@70000"
""", "70000", 1),
    ("bad-cidr-prefix", HEAD + """
  access:
    - allow: 127.0.0.0/8
    - refuse: 10.0.0.0/33
""", "10.0.0.0/33", 1),
    ("bad-ipv6-cidr-prefix", HEAD + """
  access:
    - allow: "::1/129"
""", "::1/129", 1),
    ("bad-cidr-address", HEAD + """
  access:
    - allow: 300.0.0.0/8
""", "300.0.0.0", 1),
    ("bad-duration", HEAD + "  tcp-idle-timeout: soon\n", "soon", 1),
    ("bad-log-level", HEAD + "  log-level: loud\n", "loud", 1),
    ("duplicate-zone-name", HEAD + """
private-zones:
  - name: dup.test
    records:
      - {name: www, type: A, data: [192.0.2.1]}
  - name: other.test
  - name: dup.test
""", "name: dup.test", 2),
    ("duplicate-zone-name-other-case", HEAD + """
private-zones:
  - name: dup.test
  - name: DUP.Test
""", "DUP.Test", 1),
    ("duplicate-zone-name-trailing-dot", HEAD + """
private-zones:
  - name: dup.test
  - name: dup.test.
""", "dup.test.", 1),
    ("zone-label-too-long", HEAD + """
private-zones:
  - name: %s.test
""" % ("a" * 64), "a" * 64, 1),
    ("bad-record-ttl", HEAD + """
private-zones:
  - name: example.test
    records:
      - {name: www, type: A, ttl: soon, data: [192.0.2.1]}
""", "soon", 1),
    ("bad-a-record-data", HEAD + """
private-zones:
  - name: example.test
    records:
      - {name: ok, type: A, data: [192.0.2.1]}
      - {name: www, type: A, data: [not-an-address]}
""", "not-an-address", 1),
    ("bad-aaaa-record-data", HEAD + """
private-zones:
  - name: example.test
    records:
      - {name: www, type: AAAA, data: ["192.0.2.1"]}
""", "AAAA", 1),
    ("bad-mx-record-data", HEAD + """
private-zones:
  - name: example.test
    records:
      - {name: "@", type: MX, data: ["mail"]}
""", "MX", 1),
    ("unknown-record-type", HEAD + """
private-zones:
  - name: example.test
    records:
      - {name: www, type: NOTATYPE, data: [x]}
""", "NOTATYPE", 1),
]


@pytest.mark.parametrize("text,needle,occ", [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS])
def test_check_config_reports_error_with_position(cairnd_binary, tmp_path, text, needle, occ):
    path = write(tmp_path, text)
    check_error(cairnd_binary, path, [line_of(path, needle, occ)])


def test_check_config_reports_every_error_in_a_file(cairnd_binary, tmp_path):
    path = write(tmp_path, """
        server:
          listen: ["127.0.0.1@5399"]
          edns-buffer-size: 100
          access:
            - allow: 10.0.0.0/33
        private-zones:
          - name: example.test
            records:
              - {name: www, type: A, data: [not-an-address]}
    """)
    check_error(cairnd_binary, path, [
        line_of(path, "edns-buffer-size"),
        line_of(path, "10.0.0.0/33"),
        line_of(path, "not-an-address"),
    ])


def test_check_config_column_points_at_unknown_key(cairnd_binary, tmp_path):
    path = write(tmp_path, HEAD + "  bogus-option: 1\n")
    _, pos = check_error(cairnd_binary, path, [line_of(path, "bogus-option")])
    ln = line_of(path, "bogus-option")
    assert (ln, 3) in pos, "expected column 3 (1-based) for the key, got %s" % pos


def test_check_config_yaml_syntax_error(cairnd_binary, tmp_path):
    path = write(tmp_path, """
        server:
          listen: ["127.0.0.1@5399"
          log-level: info
    """)
    res = run(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 1, res.stderr
    assert reported_positions(res.stderr, str(path)), res.stderr


def test_check_config_uses_path_as_given(cairnd_binary, tmp_path):
    write(tmp_path, HEAD + "  bogus-option: 1\n", name="rel.yaml")
    res = run(cairnd_binary, "--check-config", "rel.yaml", cwd=str(tmp_path))
    assert res.returncode == 1
    ln = line_of(tmp_path / "rel.yaml", "bogus-option")
    assert (ln, 3) in reported_positions(res.stderr, "rel.yaml"), res.stderr


def test_check_config_missing_file_fails(cairnd_binary, tmp_path):
    path = tmp_path / "does-not-exist.yaml"
    res = run(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 1, res.stderr
    assert "does-not-exist.yaml" in res.stderr


VALID = """
server:
  listen: ["127.0.0.1@5399", "::1@5399"]
  access:
    - allow: 127.0.0.0/8
    - allow: "::1/128"
    - refuse: 10.0.0.0/8
  edns-buffer-size: 1232
  tcp-idle-timeout: 10s
  max-tcp-clients: 256
  log-level: info
  builtin-zones: true
private-zones:
  - name: example.test
    file: zones/example.test.zone
    records:
      - {name: www, type: A, ttl: 300, data: [192.0.2.1, 192.0.2.2]}
      - {name: "@", type: MX, ttl: 300, data: ["10 mail"]}
      - {name: mail.example.test., type: A, data: [192.0.2.25]}
      - {name: "*.wild", type: A, data: [192.0.2.9]}
      - {name: alias, type: CNAME, data: [www]}
      - {name: txt, type: TXT, data: ["hello world"]}
"""

VALID_ZONE = """
$ORIGIN example.test.
$TTL 300
@   IN SOA ns1 hostmaster 1 3600 600 86400 300
@   IN NS  ns1
ns1 IN A 192.0.2.53
"""


def test_check_config_accepts_valid_file(cairnd_binary, tmp_path):
    path = write(tmp_path, VALID)
    (tmp_path / "zones").mkdir()
    write(tmp_path / "zones", VALID_ZONE, name="example.test.zone")
    res = run(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 0, res.stderr
    assert not reported_positions(res.stderr, str(path)), res.stderr


@pytest.mark.parametrize("value", ["500ms", "10s", "2m", "5"])
def test_check_config_accepts_duration_forms(cairnd_binary, tmp_path, value):
    path = write(tmp_path, HEAD + "  tcp-idle-timeout: %s\n" % value)
    res = run(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("line", [
    "edns-buffer-size: 512",
    "edns-buffer-size: 4096",
    'listen: ["127.0.0.1"]',
    'listen: ["127.0.0.1@5399", "::1@5399"]',
    "log-level: debug",
])
def test_check_config_accepts_boundary_and_optional_forms(cairnd_binary, tmp_path, line):
    path = write(tmp_path, "server:\n  %s\n" % line)
    res = run(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("value", ["true", "false", "[localhost]", "[localhost, invalid]"])
def test_check_config_accepts_builtin_zones_forms(cairnd_binary, tmp_path, value):
    path = write(tmp_path, HEAD + "  builtin-zones: %s\n" % value)
    res = run(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 0, res.stderr


def test_check_config_missing_zone_file_fails(cairnd_binary, tmp_path):
    path = write(tmp_path, HEAD + """
private-zones:
  - name: example.test
    file: zones/missing.zone
""")
    res = run(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 1, res.stderr
    assert "missing.zone" in res.stderr


def test_check_config_bad_zone_file_fails(cairnd_binary, tmp_path):
    path = write(tmp_path, HEAD + """
private-zones:
  - name: example.test
    file: bad.zone
""")
    write(tmp_path, """
        $ORIGIN example.test.
        $TTL 300
        www IN A 192.0.2.1
        bad IN A not-an-address
    """, name="bad.zone")
    res = run(cairnd_binary, "--check-config", str(path))
    assert res.returncode == 1, res.stderr
    assert "bad.zone" in res.stderr


# --- default config ----------------------------------------------------------------------


def test_print_default_config_passes_check_config(cairnd_binary, tmp_path):
    res = run(cairnd_binary, "--print-default-config")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip(), "empty default config"
    path = tmp_path / "default.yaml"
    path.write_text(res.stdout)
    chk = run(cairnd_binary, "--check-config", str(path))
    assert chk.returncode == 0, chk.stderr


def test_print_default_config_listens_on_loopback_5353(cairnd_binary):
    res = run(cairnd_binary, "--print-default-config")
    doc = yaml.safe_load(res.stdout)
    assert doc["server"]["listen"] == ["127.0.0.1@5353", "::1@5353"]


def test_print_default_config_matches_repo_conf_file(cairnd_binary):
    conf = REPO / "conf" / "cairnd.yaml"
    assert conf.is_file(), "%s is missing" % conf
    res = run(cairnd_binary, "--print-default-config")
    assert res.stdout == conf.read_text()


@pytest.mark.parametrize("example", sorted(p.name for p in (REPO / "conf" / "examples").glob("*.yaml")))
def test_example_configs_pass_check_config(cairnd_binary, example):
    res = run(cairnd_binary, "--check-config", str(REPO / "conf" / "examples" / example))
    assert res.returncode == 0, res.stderr


def test_repo_conf_file_passes_check_config(cairnd_binary):
    conf = REPO / "conf" / "cairnd.yaml"
    assert conf.is_file(), "%s is missing" % conf
    res = run(cairnd_binary, "--check-config", str(conf))
    assert res.returncode == 0, res.stderr


# --- starting with a bad file -------------------------------------------------------------


def test_daemon_refuses_to_start_with_bad_config(cairnd_binary, tmp_path):
    port = free_port()
    path = write(tmp_path, """
        server:
          listen: ["127.0.0.1@%d"]
          edns-buffer-size: lots
    """ % port)
    proc = subprocess.Popen(
        [str(cairnd_binary), "-c", str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=5)
        pytest.fail("cairnd kept running with an invalid config")
    assert proc.returncode != 0
    pos = reported_positions(err, str(path))
    assert 3 in [ln for ln, _ in pos], "expected a %s:3:COL error, stderr:\n%s" % (path, err)
