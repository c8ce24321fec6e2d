"""The install target and the systemd unit: what a packager or an operator gets."""
import os
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_install(destdir):
    # Install what the suite runs against (build/ or build-asan/); never build elsewhere.
    binary = os.path.abspath(os.environ.get("CAIRND", os.path.join(REPO, "build/cairnd")))
    build = os.path.relpath(os.path.dirname(binary), REPO)
    if build.startswith("..") or "/" in build:
        pytest.skip("CAIRND is not a build of this checkout")
    subprocess.run(["make", "--no-print-directory", "-C", REPO, "install", "BUILD=" + build,
                    "DESTDIR=" + str(destdir), "PREFIX=/usr"],
                   check=True, capture_output=True)


def test_install_honours_destdir_and_prefix(tmp_path):
    make_install(tmp_path)
    assert os.access(tmp_path / "usr/sbin/cairnd", os.X_OK)
    assert (tmp_path / "etc/cairn/cairnd.yaml").read_text() == \
        open(os.path.join(REPO, "conf/cairnd.yaml")).read()
    unit = (tmp_path / "usr/lib/systemd/system/cairnd.service").read_text()
    assert "ExecStart=/usr/sbin/cairnd -c /etc/cairn/cairnd.yaml" in unit
    assert "@" not in unit.split("ExecStart=")[1].splitlines()[0]
    assert (tmp_path / "usr/lib/sysusers.d/cairnd.conf").exists()


def test_unit_is_hardened():
    unit = open(os.path.join(REPO, "systemd/cairnd.service")).read()
    for line in ["User=cairnd", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                 "AmbientCapabilities=CAP_NET_BIND_SERVICE", "ProtectSystem=strict",
                 "PrivateTmp=yes", "NoNewPrivileges=yes", "ExecReload=/bin/kill -HUP $MAINPID"]:
        assert line in unit.splitlines(), line


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_unit_passes_systemd_analyze_verify(tmp_path):
    """systemd-analyze checks the unit's syntax and that ExecStart points at a program."""
    make_install(tmp_path)
    unit = (tmp_path / "usr/lib/systemd/system/cairnd.service").read_text()
    unit = unit.replace("/usr/sbin/cairnd", str(tmp_path / "usr/sbin/cairnd"))
    path = tmp_path / "cairnd.service"
    path.write_text(unit)
    r = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
    problems = [l for l in (r.stdout + r.stderr).splitlines()
                if "cairnd.service" in l and "Documentation" not in l]
    assert r.returncode == 0 and not problems, r.stdout + r.stderr
