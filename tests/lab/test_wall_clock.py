"""TTLs follow the wall clock, read through libc: libfaketime moves the date under a running
cairnd and cached answers age (and expire) with it, while timers keep the real monotonic
clock."""
import os
from pathlib import Path

import dns.rcode
import pytest

from resolution_util import recursion_yaml

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
EXAMPLE = ["ns1.example.lab", "ns2.example.lab"]


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


def upstream_questions(lab):
    return sum(lab.queries(s).count(("www.example.lab.", "A")) for s in EXAMPLE)


def test_cached_answers_age_and_expire_with_the_wall_clock(nsd_lab, faketime, cairnd):
    d = cairnd(rest=recursion_yaml(prime_root=False))
    nsd_lab.clear_queries()
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0].ttl == 300
    assert upstream_questions(nsd_lab) == 1

    faketime("+200")  # 200 s later: from the cache, with 100 s left
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert 95 <= r.answer[0].ttl <= 100, r.answer[0].ttl
    assert upstream_questions(nsd_lab) == 1

    faketime("+400")  # past the TTL: asked upstream again, fresh TTL
    r = d.udp("www.example.lab.", "A", use_edns=0)
    assert r.answer[0].ttl == 300
    assert upstream_questions(nsd_lab) == 2
