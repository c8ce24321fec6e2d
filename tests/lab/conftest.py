"""Fixtures for the cairnd integration tests.

Run with:  /usr/bin/python3 -m pytest tests/lab
The binary is $CAIRND, default <repo>/build/cairnd.

Two factories are provided:
  * ``cairnd``        - function scoped: ``cairnd(server=..., rest=..., files=..., ipv6=...)``
  * ``cairnd_module`` - module scoped, for daemons shared by all tests of a module.
Both return a started :class:`labutil.Daemon` with .port, .addr, .proc,
.config_path and .log().  On teardown each daemon gets SIGTERM and must exit
with status 0 within 5 s (else it is SIGKILLed and the test fails), and the
log must not contain sanitizer reports.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import labutil  # noqa: E402


@pytest.fixture(scope="session")
def cairnd_binary():
    path = labutil.cairnd_binary()
    if not path.is_file():
        pytest.fail(
            "cairnd binary not found at %s (run `make` in the repo or set CAIRND)" % path,
            pytrace=False,
        )
    return path


class _Lab:
    def __init__(self, binary, mkdir):
        self.binary = binary
        self.mkdir = mkdir
        self.daemons = []

    def start(self, server="", rest="", files=None, ipv6=False, raw=None):
        port = labutil.free_port(ipv6=ipv6)
        d = labutil.Daemon(self.binary, self.mkdir(), port, ipv6=ipv6)
        d.write_config(server=server, rest=rest, files=files, raw=raw)
        self.daemons.append(d)
        try:
            d.start()
        except RuntimeError as e:
            pytest.fail(str(e), pytrace=False)
        return d

    def teardown(self):
        problems = []
        for d in self.daemons:
            problems += d.stop()
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def cairnd(cairnd_binary, tmp_path):
    counter = iter(range(1000))

    def mkdir():
        p = tmp_path / ("d%d" % next(counter))
        p.mkdir()
        return p

    lab = _Lab(cairnd_binary, mkdir)
    yield lab.start
    lab.teardown()


@pytest.fixture(scope="module")
def cairnd_module(cairnd_binary, tmp_path_factory, request):
    base = request.module.__name__.rsplit(".", 1)[-1]

    def mkdir():
        return tmp_path_factory.mktemp(base)

    lab = _Lab(cairnd_binary, mkdir)
    yield lab.start
    lab.teardown()


# -- the NSD lab (tests/lab/nsdlab.py) and scripted fake servers ---------------


import fakeauth  # noqa: E402
import nsdlab  # noqa: E402


def _skip_unless_lab_possible():
    """The lab binds port 53 and sniffs loopback: it needs root and nsd."""
    if os.geteuid() != 0:
        pytest.skip("the NSD lab needs root (port 53 on 127.53.x.y, raw socket on lo)")
    if not nsdlab.nsd_available():
        pytest.skip("the NSD lab needs nsd at %s (apt-get install nsd)" % nsdlab.NSD_BINARY)


@pytest.fixture(scope="module")
def nsd_lab(tmp_path_factory):
    """The whole NSD lab (:class:`nsdlab.NsdLab`), shared by a test module.

    Module scoped because starting ~20 nsd processes takes half a second;
    teardown waits until every nsd and its helpers are gone, so the next
    module can bind the same addresses.  A test that stops a server should
    use ``nsd_lab.down(name)``, which starts it again afterwards.
    """
    _skip_unless_lab_possible()
    lab = nsdlab.NsdLab()
    try:
        lab.start(tmp_path_factory.mktemp("nsdlab"))
    except nsdlab.LabError as e:
        pytest.fail(str(e), pytrace=False)
    yield lab
    problems = lab.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def dnssec_lab(tmp_path_factory):
    """The signed lab (:class:`dnssec_lab.DnssecLab`: its own root, keys made and zones
    signed at start, ~1 s), shared by a test module like the NSD lab."""
    import dnssec_lab as signed

    _skip_unless_lab_possible()
    if not signed.tools_available():
        pytest.skip("the DNSSEC lab needs ldnsutils (make deps)")
    lab = signed.DnssecLab()
    try:
        lab.start(tmp_path_factory.mktemp("dnsseclab"))
    except nsdlab.LabError as e:
        pytest.fail(str(e), pytrace=False)
    yield lab
    problems = lab.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def vpc_lab(tmp_path_factory):
    """The VPC lab (:class:`vpc_lab.VpcLab`: its own root, a public tree and two
    on-premises servers on 127.53.70-79), shared by a test module like the NSD lab."""
    import vpc_lab as vpc

    _skip_unless_lab_possible()
    lab = vpc.VpcLab()
    try:
        lab.start(tmp_path_factory.mktemp("vpclab"))
    except nsdlab.LabError as e:
        pytest.fail(str(e), pytrace=False)
    yield lab
    problems = lab.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def fake_auth():
    """Factory: ``fake_auth(name_or_address, handler, tcp=True)`` -> started FakeAuth.

    name may be a lab name such as "ns.spoof.lab" (see nsdlab.FAKE_SERVERS).
    Every server is stopped at the end of the test; a handler that raised
    fails the test there.
    """
    _skip_unless_lab_possible()
    servers = []

    def start(name, handler, tcp=True):
        address = nsdlab.FAKE_SERVERS.get(name.lower().rstrip("."), name)
        server = fakeauth.FakeAuth(address, handler, tcp=tcp)
        server.start()
        servers.append(server)
        return server

    yield start
    errors = []
    for server in servers:
        try:
            server.stop()
        except RuntimeError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture
def fresh(nsd_lab, cairnd):
    """Factory: a new cairnd on the NSD lab, with an empty cache and the lab's query log
    cleared first; keyword arguments are more recursion keys (``prime_root=False``)."""
    from resolution_util import recursion_yaml

    def start(**keys):
        nsd_lab.clear_queries()
        return cairnd(rest=recursion_yaml(**keys))

    return start


LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


@pytest.fixture
def faketime(tmp_path, monkeypatch):
    """Set the offset of the faked date: faketime("+400") is 400 s ahead."""
    if not LIBFAKETIME.is_file():
        pytest.skip("libfaketime is not installed (make deps installs it)")
    stamp = tmp_path / "faketime"
    stamp.write_text("+0\n")
    monkeypatch.setenv("LD_PRELOAD", str(LIBFAKETIME))
    monkeypatch.setenv("FAKETIME_TIMESTAMP_FILE", str(stamp))
    monkeypatch.setenv("FAKETIME_NO_CACHE", "1")
    monkeypatch.setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1")
    # the sanitizer build must accept a library loaded before its runtime
    asan = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS", (asan + ":" if asan else "") + "verify_asan_link_order=0")

    def set_offset(offset):
        stamp.write_text(offset + "\n")

    return set_offset
