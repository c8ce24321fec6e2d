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
