"""Helpers for the iterative-resolution tests (test_resolution*.py, test_qmin.py).

* ``recursion_yaml(**keys)``  - the lab's ``recursion:`` block plus extra keys;
* ``ede(msg)``                - the Extended DNS Errors (RFC 8914) of a response;
* ``stop_and_stats(daemon)``  - SIGTERM a daemon and read its "stats:" lines;
* ``FakeZone``                - a handler for fakeauth.FakeAuth that serves a
  small zone the way an authoritative server would (answers with AA, follows
  in-zone CNAMEs, referrals with glue, NXDOMAIN/NODATA with the SOA);
* ``ask_concurrently``        - many identical questions sent at once over UDP.

Everything talks to loopback only and every wait is bounded.
"""

import re
import socket
import threading
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

import fakeauth
import nsdlab

# -- configuration ----------------------------------------------------------------------


def recursion_yaml(**keys):
    """Top-level YAML: the lab's recursion block with more keys under ``recursion:``.

    Keyword names use underscores for dashes: ``recursion_yaml(prime_root=False,
    request_timeout="2s")``.  Booleans are written true/false.
    """
    text = nsdlab.cairn_recursion_yaml()
    for key, value in keys.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        text += "  %s: %s\n" % (key.replace("_", "-"), value)
    return text


# -- reading responses ----------------------------------------------------------------------


def ede(msg):
    """[(info-code, extra text)] of every EDE option (RFC 8914) in msg."""
    result = []
    for opt in msg.options:
        if opt.otype == dns.edns.EDE:
            result.append((int(opt.code), opt.text or ""))
    return result


def ede_codes(msg):
    return [code for code, _text in ede(msg)]


def ede_text(msg):
    """All EDE texts of msg joined by " | " (for substring checks)."""
    return " | ".join(text for _code, text in ede(msg))


def letters(name):
    return [c for c in str(name) if c.isalpha()]


def is_mixed_case(name):
    """True if name has upper and lower case letters."""
    chars = letters(name)
    return any(c.isupper() for c in chars) and any(c.islower() for c in chars)


# -- daemon statistics -----------------------------------------------------------------------

_STAT = re.compile(r"([a-z0-9-]+)=(\d+)")


def parse_stats(log):
    """{counter: value} from every "stats:" line of a cairnd log (last one wins)."""
    stats = {}
    for line in log.splitlines():
        if " stats: " in line:
            for key, value in _STAT.findall(line.split(" stats: ", 1)[1]):
                stats[key] = int(value)
    return stats


def stop_and_stats(daemon):
    """Stop daemon (SIGTERM, bounded wait) and return its counters.

    The fixture's teardown calls stop() again, which is then a no-op apart
    from the sanitizer check of the log.
    """
    problems = daemon.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    stats = parse_stats(daemon.log())
    if "requests" not in stats:
        pytest.fail("no resolver stats line in the cairnd log:\n" + daemon.log()[-4000:])
    return stats


# -- the lab's query log -----------------------------------------------------------------------


def queries_to(lab, names):
    """(qname lowercased, qtype) of the queries any of names received, in time order."""
    addresses = {lab.address(name) for name in names}
    result = []
    for record in lab.captured():
        if record.server in addresses and record.question is not None:
            result.append((record.question[0].lower(), record.question[1]))
    return result


# -- asking ---------------------------------------------------------------------------------------


def timed(fn, *args, **kw):
    """(result of fn(*args, **kw), seconds it took)."""
    start = time.monotonic()
    result = fn(*args, **kw)
    return result, time.monotonic() - start


def ask_concurrently(daemon, qname, rdtype, count, timeout=5.0):
    """Send count questions at once over UDP, from count sockets: all for qname, or, when
    qname is a list, one for each name in it (count is then its length).

    All are sent before any reply is read.  Returns the list of replies
    (dns.message.Message or None for a question that got no reply within
    timeout), in the order sent.
    """
    socks, queries = [], []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
            s.connect((daemon.addr, daemon.port))
            name = qname[len(queries)] if isinstance(qname, list) else qname
            queries.append(dns.message.make_query(name, rdtype, use_edns=0))
        for s, q in zip(socks, queries):
            s.send(q.to_wire())
        replies = [None] * count
        deadline = time.monotonic() + timeout
        for i, (s, q) in enumerate(zip(socks, queries)):
            while replies[i] is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                s.settimeout(remaining)
                try:
                    wire = s.recv(65535)
                except (socket.timeout, OSError):
                    break
                r = dns.message.from_wire(wire)
                if r.id == q.id:
                    replies[i] = r
        return replies
    finally:
        for s in socks:
            s.close()


# -- a scripted authoritative zone -------------------------------------------------------------


class FakeZone:
    """A handler for fakeauth.FakeAuth serving one zone like a real server.

    ``records`` are zone-file-like lines "NAME TTL TYPE RDATA" with absolute
    names; the SOA and the apex NS (``ns`` names, default ns.ORIGIN) are
    added (the SOA's TTL is ``ttl``, its minimum ``soa_minimum``, default
    ``ttl``).  ``delegations`` maps a child zone to (NS lines, glue lines); a
    question at or below a child gets a referral (no AA) with exactly those
    records.  In-zone CNAMEs are followed as a real server would.  Names
    outside the zone get REFUSED.

    ``transform(query, reply, transport)`` may change or replace the reply;
    ``script(query, reply, transport)`` may return the full fakeauth script
    (list of (delay, reply, source)) instead of [(0, reply, None)].
    Every query is also recorded by FakeAuth itself.
    """

    def __init__(
        self, origin, records=(), ns=None, delegations=None, ttl=300, soa_minimum=None, script=None
    ):
        self.origin = dns.name.from_text(origin)
        ns = ns or ["ns." + self.origin.to_text()]
        self.ns = [dns.name.from_text(n) for n in ns]
        minimum = ttl if soa_minimum is None else soa_minimum
        base = [
            "%s %d SOA %s hostmaster.%s 1 1800 900 604800 %d"
            % (self.origin, ttl, self.ns[0], self.origin, minimum)
        ]
        base += ["%s %d NS %s" % (self.origin, ttl, n) for n in self.ns]
        self.rrsets = fakeauth.rrsets(base + list(records))
        self.delegations = {
            dns.name.from_text(child): (list(ns_lines), list(glue_lines))
            for child, (ns_lines, glue_lines) in (delegations or {}).items()
        }
        self.script = script
        self._lock = threading.Lock()

    def add(self, records):
        """Add record lines while the server runs (a record created later)."""
        with self._lock:
            self.rrsets.extend(fakeauth.rrsets(list(records)))

    # -- the zone's data --------------------------------------------------
    def _find(self, name, rdtype):
        for rs in self.rrsets:
            if rs.name == name and rs.rdtype == rdtype:
                return rs
        return None

    def _exists(self, name):
        """Has records, or is an empty non-terminal."""
        return any(rs.name == name or rs.name.is_subdomain(name) for rs in self.rrsets)

    def _soa(self):
        return self._find(self.origin, dns.rdatatype.SOA)

    def _cut(self, name):
        for child in self.delegations:
            if name.is_subdomain(child) and child != self.origin:
                return child
        return None

    def answer(self, query):
        """The authoritative reply to query (a dns.message.Message)."""
        q = query.question[0]
        qname, qtype = q.name, q.rdtype
        if not qname.is_subdomain(self.origin):
            return fakeauth.reply(query, rcode="REFUSED", aa=False)
        cut = self._cut(qname)
        if cut is not None:
            ns_lines, glue_lines = self.delegations[cut]
            return fakeauth.reply(query, authority=ns_lines, additional=glue_lines, aa=False)
        r = fakeauth.reply(query)
        name = qname
        for _ in range(16):  # in-zone CNAME chain, bounded
            owner = qname if name == qname else name  # echo the question's case
            rs = self._find(name, qtype)
            if rs is not None:
                r.answer.append(_renamed(rs, owner))
                return r
            cname = self._find(name, dns.rdatatype.CNAME)
            if cname is None or qtype == dns.rdatatype.CNAME:
                break
            r.answer.append(_renamed(cname, owner))
            name = cname[0].target
            if not name.is_subdomain(self.origin) or self._cut(name) is not None:
                return r
        else:
            return r
        if not self._exists(name):  # RFC 6604: the rcode is about the chain's last name
            r.set_rcode(dns.rcode.NXDOMAIN)
        r.authority.append(self._soa())
        return r

    def __call__(self, query, transport):
        reply = self.answer(query)
        if self.script is not None:
            return self.script(query, reply, transport)
        return [(0, reply, None)]


def _renamed(rrset, owner):
    """A copy of rrset with owner as its name (same letters, maybe other case)."""
    copy = dns.rrset.RRset(owner, rrset.rdclass, rrset.rdtype)
    copy.update(rrset)
    return copy


def silent(query, transport):
    """A fakeauth handler that never answers."""
    return []


def forged(reply, **changes):
    """A copy of reply (via wire) with its id and/or answer changed.

    changes: id=N, answer=[lines] (replaces the answer section).
    """
    copy = dns.message.from_wire(reply.to_wire())
    if "id" in changes:
        copy.id = changes["id"]
    if "answer" in changes:
        copy.answer = fakeauth.rrsets(changes["answer"])
    return copy


__all__ = [
    "FakeZone",
    "ask_concurrently",
    "ede",
    "ede_codes",
    "ede_text",
    "forged",
    "is_mixed_case",
    "letters",
    "parse_stats",
    "queries_to",
    "recursion_yaml",
    "silent",
    "stop_and_stats",
    "timed",
]
