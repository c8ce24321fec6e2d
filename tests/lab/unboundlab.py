"""Debian's unbound as a reference resolver on top of the NSD lab.

    u = Unbound(workdir, labutil.free_port(), nsdlab.ROOT_HINTS)
    u.start()          # writes the config, checks it, starts, waits until it answers
    u.udp("www.example.lab.", "A")
    problems = u.stop()

unbound runs in the foreground (``unbound -d -c CONF``) as a child of the test,
on 127.0.0.1 only, with everything it writes (config, root hints, pid file,
log) in its own folder.  It is never a system service: no chroot, no privilege
drop, no syslog, no remote control, no trust anchor.  Only the iterator module
runs (the lab is unsigned, so there is nothing to validate).  Its root hints
are the lab's (nsdlab.ROOT_HINTS), so it never asks the Internet.

Settings that differ from unbound's defaults because of the lab:
  * ``do-not-query-localhost: no`` - every lab server is on 127.53/16;
  * ``local-zone: "test." nodefault`` - unbound answers test. itself by
    default (RFC 6761 special-use name), and the lab delegates other.test.,
    hoster.test. and others under it;
  * ``discard-timeout: 0`` and ``infra-cache-max-rtt: 1000`` - so that a
    zone whose servers are all dead (alldead.lab.) gets SERVFAIL in about
    7 s.  unbound ignores the ICMP port-unreachable that a dead loopback
    address sends back and waits for each query to time out, doubling the
    timeout up to infra-cache-max-rtt (default 120 s): tried here with the
    defaults it was still retrying after 300 s.  And Debian's 1.17.1 (which
    has discard-timeout as a security backport) drops, without any reply, a
    client query whose recursion took longer than discard-timeout (default
    1.9 s), so with the defaults the client never hears back at all.  On
    loopback a live server answers in well under a millisecond, so the 1 s
    cap changes nothing for them.

Every wait is bounded; ``stop()`` signals only the process this class started,
by its process id.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import dns.message
import dns.query
import dns.rcode

UNBOUND_BINARY = Path(os.environ.get("UNBOUND", "/usr/sbin/unbound"))
CHECKCONF_BINARY = Path(os.environ.get("UNBOUND_CHECKCONF", "/usr/sbin/unbound-checkconf"))

READY_TIMEOUT = 10.0  # from exec until it answers localhost. A
STOP_TIMEOUT = 5.0  # after SIGTERM (then SIGKILL)
CHECKCONF_TIMEOUT = 10.0
QUERY_TIMEOUT = 2.0


class UnboundError(RuntimeError):
    """unbound could not be configured or started (the message has its log)."""


def unbound_available():
    return all(p.is_file() and os.access(p, os.X_OK) for p in (UNBOUND_BINARY, CHECKCONF_BINARY))


def root_hints_text(hints):
    """A named.root-style hints file: `.` NS each server, and its A record."""
    lines = ["; root hints for the cairn NSD lab, written by tests/lab/unboundlab.py"]
    for name, _address in hints:
        lines.append(".                        3600000  IN  NS  %s" % _fqdn(name))
    for name, address in hints:
        lines.append("%-24s 3600000  IN  A   %s" % (_fqdn(name), address))
    return "\n".join(lines) + "\n"


def _fqdn(name):
    return name.rstrip(".") + "."


class Unbound:
    """One unbound process resolving from the given root hints."""

    def __init__(self, workdir, port, root_hints, binary=UNBOUND_BINARY):
        self.workdir = Path(workdir)
        self.port = port
        self.addr = "127.0.0.1"
        self.root_hints = list(root_hints)
        self.binary = Path(binary)
        self.proc = None
        self._out = None

    @property
    def conf_path(self):
        return self.workdir / "unbound.conf"

    @property
    def hints_path(self):
        return self.workdir / "root.hints"

    @property
    def log_path(self):
        return self.workdir / "unbound.log"

    @property
    def stderr_path(self):
        return self.workdir / "unbound.stderr"

    # -- configuration ---------------------------------------------------------
    def config_text(self):
        w = self.workdir
        lines = [
            "# unbound.conf for the cairn lab comparison, written by tests/lab/unboundlab.py",
            "server:",
            "    interface: %s@%d" % (self.addr, self.port),
            "    port: %d" % self.port,
            "    do-ip4: yes",
            "    do-ip6: no",
            "    do-udp: yes",
            "    do-tcp: yes",
            "    access-control: 127.0.0.0/8 allow",
            '    username: ""',
            '    chroot: ""',
            '    directory: "%s"' % w,
            '    pidfile: "%s"' % (w / "unbound.pid"),
            "    use-syslog: no",
            '    logfile: "%s"' % self.log_path,
            "    log-servfail: yes",
            "    verbosity: 1",
            "    val-log-level: 0",
            "    use-systemd: no",
            "    do-daemonize: no",
            "    num-threads: 1",
            "    so-reuseport: no",
            "    do-not-query-localhost: no",
            '    root-hints: "%s"' % self.hints_path,
            '    module-config: "iterator"',
            "    qname-minimisation: yes",
            "    harden-glue: yes",
            "    prefetch: no",
            "    minimal-responses: yes",
            # answer SERVFAIL for dead servers within seconds (see the docstring)
            "    infra-cache-max-rtt: 1000",
            "    discard-timeout: 0",
            # RFC 6761 default zone; the lab delegates names under test.
            '    local-zone: "test." nodefault',
            "remote-control:",
            "    control-enable: no",
        ]
        return "\n".join(lines) + "\n"

    def write_config(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.hints_path.write_text(root_hints_text(self.root_hints))
        self.conf_path.write_text(self.config_text())

    def check_config(self):
        """Run unbound-checkconf on the config; UnboundError if it objects."""
        try:
            r = subprocess.run(
                [str(CHECKCONF_BINARY), str(self.conf_path)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=CHECKCONF_TIMEOUT,
            )
        except subprocess.TimeoutExpired as e:
            raise UnboundError(
                "unbound-checkconf %s took more than %.0f s" % (self.conf_path, CHECKCONF_TIMEOUT)
            ) from e
        if r.returncode != 0:
            raise UnboundError(
                "unbound-checkconf rejected %s (status %d):\n%s%s\n--- config ---\n%s"
                % (
                    self.conf_path,
                    r.returncode,
                    r.stdout.decode("utf-8", "replace"),
                    r.stderr.decode("utf-8", "replace"),
                    self.config_text(),
                )
            )

    # -- process control ---------------------------------------------------------
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        """Write and check the config, start unbound, wait until it answers.

        On failure unbound is stopped again and UnboundError carries its log.
        """
        self.write_config()
        self.check_config()
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)  # built with systemd support
        self._out = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [str(self.binary), "-d", "-c", str(self.conf_path)],
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._out,
            cwd=str(self.workdir),
            env=env,
            start_new_session=True,  # a terminal's Ctrl-C is the test's to handle
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _answers_localhost(self):
        """True if unbound answers localhost. A from its built-in zone (no lab traffic)."""
        q = dns.message.make_query("localhost.", "A")
        try:
            r = dns.query.udp(q, self.addr, timeout=0.3, port=self.port)
        except Exception:  # noqa: BLE001 - not up yet
            return False
        return r.rcode() == dns.rcode.NOERROR and any(
            rd.to_text() == "127.0.0.1" for rs in r.answer for rd in rs
        )

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers_localhost():
            if self.proc.poll() is not None:
                raise UnboundError(
                    "unbound exited early with status %s; log:\n%s"
                    % (self.proc.returncode, self.log())
                )
            if time.monotonic() >= deadline:
                raise UnboundError(
                    "unbound did not answer on %s@%d within %.0f s; log:\n%s"
                    % (self.addr, self.port, READY_TIMEOUT, self.log())
                )
            time.sleep(0.05)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM (by pid), bounded wait, then SIGKILL; returns a list of problems."""
        problems = []
        if self.proc is None:
            return problems
        pid = self.proc.pid
        if self.proc.poll() is not None:
            problems.append("unbound (pid %d) died during the test (status %s)"
                            % (pid, self.proc.returncode))
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=timeout)
                if rc != 0:
                    problems.append("unbound exited with status %d after SIGTERM" % rc)
            except subprocess.TimeoutExpired:
                problems.append("unbound (pid %d) ignored SIGTERM for %.0f s; killed"
                                % (pid, timeout))
                self.proc.kill()
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    problems.append("unbound (pid %d) survived SIGKILL" % pid)
        if self._out is not None:
            self._out.close()
            self._out = None
        self.proc = None
        if problems:
            problems.append("--- unbound log ---\n%s" % self.log()[-8000:])
        return problems

    def log(self):
        text = ""
        for path in (self.stderr_path, self.log_path):
            try:
                text += path.read_bytes().decode("utf-8", "replace")
            except OSError:
                pass
        return text

    # -- queries -------------------------------------------------------------------
    def udp(self, qname, rdtype="A", timeout=QUERY_TIMEOUT, **kw):
        q = dns.message.make_query(qname, rdtype, **kw)
        return dns.query.udp(q, self.addr, timeout=timeout, port=self.port)

    def tcp(self, qname, rdtype="A", timeout=QUERY_TIMEOUT, **kw):
        q = dns.message.make_query(qname, rdtype, **kw)
        return dns.query.tcp(q, self.addr, timeout=timeout, port=self.port)
