"""A signed DNSSEC lab on NSD: its own root, the TLD sec. and one zone per scenario.

This is the lab the validator (issue #6) is tested against.  It is a
hierarchy apart from the main lab (nsdlab.py): its own root server
``a.root.sec.`` at 127.53.100.1 and every other server on 127.53.100.0/24 ..
127.53.109.0/24, addresses that nsdlab's SERVERS, DEAD_SERVERS and
FAKE_SERVERS and the bench lab never use, so both labs can run at the same
time.  ``DnssecLab`` is an ``nsdlab.NsdLab`` with its own server table: each
zone has its own nsd process, so a test can see (query capture) which server
was asked for DS and which for DNSKEY.

Why the zones are signed at start, not kept signed in the repo
---------------------------------------------------------------
Signatures expire.  Zone files signed once would go bad a month later, and
the "expired" and "not yet valid" cases only mean something relative to now.
So the templates in ``tests/lab/zones_dnssec`` are unsigned, and ``start()``
makes fresh keys (ldns-keygen) and signs (ldns-signzone) in the work folder,
bottom-up: the children first, their DS (the ``.ds`` file ldns-keygen writes
for a KSK, SHA-256) appended to the parent's zone, then the parent, up to the
root.  The root's KSK is the trust anchor, written as a zone-file DS line
(``trust_anchor_path``) and as the DNSKEY line (``trust_anchor_dnskey_path``),
exactly as ldns-keygen wrote them.  Signatures are valid from a day before
``start()`` to 30 days after it (``lab.inception``, ``lab.expiration``), so a
test may move the clock with libfaketime inside that window, or past it.
Every signed zone has a KSK (flags 257, signs the DNSKEY set) and a ZSK
(flags 256, signs everything else).

Use::

    lab = DnssecLab()
    lab.start(workdir)              # keys, signing, then every server (~1-2 s)
    lab.trust_anchor_path           # <workdir>/trust-anchor.ds: ". IN DS ..."
    lab.recursion_yaml()            # cairnd's recursion: block for this root
    lab.zone_info("expired.sec")    # what is broken there and what to expect
    lab.query("expired.sec", "www.expired.sec.", "A")   # DO=1, no RD
    lab.stop()

``EXPECTATIONS`` lists, per question, what a validating resolver must answer
(rcode, AD, RFC 8914 EDE code); the validator's tests can walk it.

The scenarios (zone -> what it is -> what a validating resolver answers)
------------------------------------------------------------------------
Secure (AD set):

* ``.`` algorithm 8 (RSASHA256), NSEC; the trust anchor.
* ``sec.`` algorithm 13 (ECDSAP256SHA256), NSEC; the parent of every
  scenario below except insecure.optout.sec.
* ``secure.sec.`` algorithm 13, NSEC: www A/AAAA, a wildcard ``*.wild``
  (foo.wild.secure.sec. A is synthesised, with its NSEC proof), NXDOMAIN for
  any other name (nx.secure.sec.), NODATA (www TXT), and CNAMEs: ``alias`` ->
  www.ed25519.sec. (secure), ``to-insecure`` -> www.unsigned.sec. (answer
  insecure: no AD), ``to-bogus`` -> www.forged.sec. (SERVFAIL, EDE 6).
* ``ed25519.sec.`` algorithm 15 (ED25519), NSEC.
* ``nsec3.sec.`` algorithm 8, NSEC3 (0 iterations, no salt): www A,
  NXDOMAIN, NODATA and a wildcard, all proven with NSEC3.
* ``optout.sec.`` algorithm 8, NSEC3 with opt-out; it delegates
  ``insecure.optout.sec.`` (unsigned, served at 127.53.102.3) without DS and
  without an NSEC3 of its own: the referral proves it insecure through an
  opt-out NSEC3 covering the next closer name.  www.optout.sec. is secure,
  www.insecure.optout.sec. insecure (no AD).
* ``iter151.sec.`` algorithm 13, NSEC3 with 151 iterations (salt
  ``a1b2c3d4``): www A is secure (no NSEC3 involved), but NXDOMAIN and NODATA
  rest on NSEC3 above RFC 9276's 150: NXDOMAIN/NODATA without AD (insecure),
  EDE 27 (Unsupported NSEC3 Iterations Value).

Insecure (no AD, no EDE):

* ``unsigned.sec.`` unsigned, no DS in sec.; sec.'s signed NSEC at
  unsigned.sec. has NS but not DS in its type bitmap.

Bogus (SERVFAIL, with the EDE code given):

* ``stale-ds.sec.``  (a) the DS in sec. is of a KSK that is in no DNSKEY set
  (the KSK was rolled, the DS not updated); the zone is otherwise signed
  correctly -> EDE 9 (DNSKEY Missing).
* ``signing-off.sec.`` (b) sec. has a DS, the zone is served unsigned (no
  DNSKEY, RRSIG or NSEC) -> EDE 9 (DNSKEY Missing): the DNSKEY query is NODATA.
* ``expired.sec.`` (c) every RRSIG expired a day before start (inception 31
  days before) -> EDE 7 (Signature Expired).
* ``no-rrsig.sec.`` (d) www.no-rrsig.sec. A has no RRSIG -> EDE 10 (RRSIGs
  Missing); ok.no-rrsig.sec. A is secure.
* ``forged.sec.`` (e) www.forged.sec. A was changed after signing to
  192.0.2.66 (signed as 192.0.2.45): its RRSIG does not verify -> EDE 6 (DNSSEC
  Bogus); ok.forged.sec. A is secure.
* ``no-wildcard-proof.sec.`` (f) the NSEC of *.wild was removed after
  signing.  For foo.wild.no-wildcard-proof.sec. A, NSD answers the wildcard
  expansion (A with an RRSIG whose labels field, 3, is less than the name's 4,
  and which verifies) and in authority the only NSEC it can find before the
  name, ``ns.no-wildcard-proof.sec. NSEC *.wild.no-wildcard-proof.sec.``,
  which does not cover foo.wild: nothing proves the exact name does not exist
  -> EDE 12 (NSEC Missing).  www.no-wildcard-proof.sec. A is secure.
* ``not-yet-valid.sec.`` (g) every RRSIG's inception is 7 days after start
  -> EDE 8 (Signature Not Yet Valid).

Every broken zone has the NS name ns.<zone> with glue in sec.; the breakage
is in the zone's own answers, never in reaching its server.

Needs nsd and ldnsutils (ldns-keygen, ldns-signzone), root (port 53), as the
main lab.  Every wait is bounded (tools: TOOL_TIMEOUT; servers: nsdlab's);
``stop()`` ends only the nsd processes this lab started, by process id.
"""

import ipaddress
import os
import shutil
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query

import nsdlab

LAB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = LAB_DIR / "zones_dnssec"
LDNS_KEYGEN = Path(os.environ.get("LDNS_KEYGEN", "/usr/bin/ldns-keygen"))
LDNS_SIGNZONE = Path(os.environ.get("LDNS_SIGNZONE", "/usr/bin/ldns-signzone"))

# Every address of this lab is in 127.53.100.0 .. 127.53.109.255.
LAB_FIRST_ADDRESS = ipaddress.ip_address("127.53.100.0")
LAB_LAST_ADDRESS = ipaddress.ip_address("127.53.109.255")

TOOL_TIMEOUT = 30.0  # all key generation together; each ldns-signzone run
RSA_BITS = 2048

DAY = 86400
# Signature windows, seconds relative to the time of start().
VALID_WINDOW = (-1 * DAY, 30 * DAY)
EXPIRED_WINDOW = (-31 * DAY, -1 * DAY)
NOT_YET_VALID_WINDOW = (7 * DAY, 37 * DAY)
WINDOWS = {"valid": VALID_WINDOW, "expired": EXPIRED_WINDOW, "not-yet-valid": NOT_YET_VALID_WINDOW}

# RFC 8914 info codes the scenarios call for.
EDE_DNSSEC_BOGUS = 6
EDE_SIGNATURE_EXPIRED = 7
EDE_SIGNATURE_NOT_YET_VALID = 8
EDE_UNSUPPORTED_DS_DIGEST = 2
EDE_DNSKEY_MISSING = 9
EDE_RRSIGS_MISSING = 10
EDE_NSEC_MISSING = 12
EDE_UNSUPPORTED_NSEC3_ITERATIONS = 27

# In a template, the lines after this one are not signed but appended to the
# signed zone (optout.sec.zone uses it for its insecure delegation: see there).
AFTER_SIGNING_MARKER = ";; -- after signing --"

# The KSK made for signing-off.sec. only so that sec. has its DS.
ORPHAN_KEY_ALGORITHM = 13

FORGED_ADDRESS = "192.0.2.66"  # what www.forged.sec. A says after signing

ROOT_HINTS = [("a.root.sec.", "127.53.100.1")]


class Zone:
    """One zone of the lab: how it is built, and (after start) its keys and files.

    Built from the table ZONES; ``DnssecLab.zone_info()`` returns the lab's own
    copy, filled in at start:

    * ``name``, ``parent`` (None for the root), ``server``, ``address``;
    * ``algorithm`` (8, 13, 15; None: served unsigned), ``denial`` ("nsec",
      "nsec3", "nsec3-optout"; None when unsigned), ``iterations``, ``salt``;
    * ``window``: "valid", "expired" or "not-yet-valid" (see WINDOWS);
    * ``ds``: what the parent holds: "ksk" (the DS of the signing KSK),
      "stale" (of a KSK that is in no DNSKEY set), "orphan" (of a KSK made for
      this zone, which is served unsigned) or None (no DS: insecure);
    * ``breakage``: what is done to the signed zone, or None;
    * ``probe``: (qname, type), the question that shows the scenario
      (www.<zone> A unless given); ``expect``: "secure", "insecure" or
      "bogus", what a validator makes of the probe's answer, and ``ede``: the
      RFC 8914 code it adds (None: none);
    * ``summary``: one line for humans.

    After start: ``ksk``, ``zsk``, ``old_ksk`` (key file paths without
    extension, or None), ``ksk_tag``, ``zsk_tag``, ``old_ksk_tag``,
    ``ds_records`` (the DS lines put in the parent), ``inception`` and
    ``expiration`` (POSIX times; None when unsigned), ``zone_file`` (the file
    nsd serves).
    """

    def __init__(self, name, parent, server, address, algorithm=None, denial=None,
                 iterations=0, salt="", window="valid", ds=None, breakage=None,
                 probe=None, expect="secure", ede=None, summary=""):
        self.name = name
        self.parent = parent
        self.server = server
        self.address = address
        self.algorithm = algorithm
        self.denial = denial
        self.iterations = iterations
        self.salt = salt
        self.window = window
        self.ds = ds
        self.breakage = breakage
        self.probe = probe or ("www." + name, "A")
        self.expect = expect
        self.ede = ede
        self.summary = summary
        # filled in by DnssecLab.start()
        self.ksk = self.zsk = self.old_ksk = None
        self.ksk_tag = self.zsk_tag = self.old_ksk_tag = None
        self.ds_records = []
        self.inception = self.expiration = None
        self.zone_file = None

    @property
    def signed(self):
        return self.algorithm is not None

    def key_roles(self):
        """The keys ldns-keygen makes for this zone: "ksk", "zsk", "old-ksk"."""
        if self.ds == "orphan":
            return ["ksk"]  # only for its DS: the zone is served unsigned
        roles = ["ksk", "zsk"] if self.signed else []
        if self.ds == "stale":
            roles.append("old-ksk")
        return roles

    def copy(self):
        return Zone(self.name, self.parent, self.server, self.address, self.algorithm,
                    self.denial, self.iterations, self.salt, self.window, self.ds,
                    self.breakage, self.probe, self.expect, self.ede, self.summary)

    def __repr__(self):
        return "<Zone %s %s>" % (self.name, self.summary)


ZONES = [
    Zone(".", None, "a.root.sec", "127.53.100.1", 8, "nsec", probe=("nosuchtld.", "A"),
         summary="the lab's root; its KSK is the trust anchor"),
    Zone("sec.", ".", "ns.nic.sec", "127.53.100.2", 13, "nsec", ds="ksk",
         probe=("sec.", "SOA"), summary="the signed TLD, parent of every scenario"),
    Zone("secure.sec.", "sec.", "ns.secure.sec", "127.53.101.1", 13, "nsec", ds="ksk",
         summary="secure, NSEC: www, wildcard *.wild, NXDOMAIN, CNAMEs"),
    Zone("ed25519.sec.", "sec.", "ns.ed25519.sec", "127.53.101.2", 15, "nsec", ds="ksk",
         summary="secure, algorithm 15"),
    Zone("nsec3.sec.", "sec.", "ns.nsec3.sec", "127.53.102.1", 8, "nsec3", ds="ksk",
         summary="secure, NSEC3 (0 iterations, no salt)"),
    Zone("optout.sec.", "sec.", "ns.optout.sec", "127.53.102.2", 8, "nsec3-optout", ds="ksk",
         summary="secure, NSEC3 opt-out, with the insecure child insecure.optout.sec."),
    Zone("insecure.optout.sec.", "optout.sec.", "ns.insecure.optout.sec", "127.53.102.3",
         expect="insecure", summary="unsigned child of the opt-out zone, no DS"),
    Zone("iter151.sec.", "sec.", "ns.iter151.sec", "127.53.102.4", 13, "nsec3",
         iterations=151, salt="a1b2c3d4", ds="ksk", probe=("nx.iter151.sec.", "A"),
         expect="insecure", ede=EDE_UNSUPPORTED_NSEC3_ITERATIONS,
         summary="NSEC3 with 151 iterations: denials insecure (RFC 9276), EDE 27"),
    Zone("unsigned.sec.", "sec.", "ns.unsigned.sec", "127.53.103.1",
         expect="insecure", summary="insecure delegation: no DS, unsigned"),
    Zone("stale-ds.sec.", "sec.", "ns.stale-ds.sec", "127.53.104.1", 13, "nsec", ds="stale",
         expect="bogus", ede=EDE_DNSKEY_MISSING,
         summary="DS in sec. matches no DNSKEY (KSK rolled, DS stale)"),
    Zone("signing-off.sec.", "sec.", "ns.signing-off.sec", "127.53.104.2", ds="orphan",
         expect="bogus", ede=EDE_DNSKEY_MISSING,
         summary="DS in sec., zone served unsigned (signing turned off first)"),
    Zone("expired.sec.", "sec.", "ns.expired.sec", "127.53.104.3", 13, "nsec", ds="ksk",
         window="expired", expect="bogus", ede=EDE_SIGNATURE_EXPIRED,
         summary="every RRSIG expired"),
    Zone("no-rrsig.sec.", "sec.", "ns.no-rrsig.sec", "127.53.104.4", 13, "nsec", ds="ksk",
         breakage="drop-www-rrsig", expect="bogus", ede=EDE_RRSIGS_MISSING,
         summary="www A has no RRSIG"),
    Zone("forged.sec.", "sec.", "ns.forged.sec", "127.53.104.5", 13, "nsec", ds="ksk",
         breakage="forge-www", expect="bogus", ede=EDE_DNSSEC_BOGUS,
         summary="www A changed after signing: RRSIG does not verify"),
    Zone("no-wildcard-proof.sec.", "sec.", "ns.no-wildcard-proof.sec", "127.53.104.6", 13,
         "nsec", ds="ksk", breakage="drop-wildcard-nsec",
         probe=("foo.wild.no-wildcard-proof.sec.", "A"), expect="bogus",
         ede=EDE_NSEC_MISSING,
         summary="wildcard answer without the NSEC proving the exact name absent"),
    Zone("not-yet-valid.sec.", "sec.", "ns.not-yet-valid.sec", "127.53.104.7", 13, "nsec",
         ds="ksk", window="not-yet-valid", expect="bogus",
         ede=EDE_SIGNATURE_NOT_YET_VALID,
         summary="every RRSIG's inception is in the future"),
    Zone("unknown-digest.sec.", "sec.", "ns.unknown-digest.sec", "127.53.104.8", 13, "nsec",
         ds="unknown-digest", expect="insecure", ede=EDE_UNSUPPORTED_DS_DIGEST,
         summary="signed, but its only DS in sec. uses a digest type nobody implements"),
]

# (name, address, zones it serves, other names) as in nsdlab.SERVERS
SERVERS = [(z.server, z.address, [z.name], []) for z in ZONES]


class Expectation:
    """What a validating resolver must answer to one question on this lab.

    rcode is "NOERROR", "NXDOMAIN" or "SERVFAIL"; ad whether the AD bit is
    set; ede the RFC 8914 code expected (None: no EDE needed).
    """

    def __init__(self, qname, rdtype, rcode, ad, ede=None, why=""):
        self.qname = qname
        self.rdtype = rdtype
        self.rcode = rcode
        self.ad = ad
        self.ede = ede
        self.why = why

    def __repr__(self):
        return "<Expectation %s %s -> %s%s%s>" % (
            self.qname, self.rdtype, self.rcode, " AD" if self.ad else "",
            "" if self.ede is None else " EDE %d" % self.ede)


def _secure(qname, rdtype="A", rcode="NOERROR", why=""):
    return Expectation(qname, rdtype, rcode, True, None, why)


def _insecure(qname, rdtype="A", rcode="NOERROR", ede=None, why=""):
    return Expectation(qname, rdtype, rcode, False, ede, why)


def _bogus(qname, ede, rdtype="A", why=""):
    return Expectation(qname, rdtype, "SERVFAIL", False, ede, why)


EXPECTATIONS = [
    _secure("sec.", "SOA", why="the TLD itself"),
    _secure("nx.sec.", rcode="NXDOMAIN", why="NSEC in sec."),
    _secure("nosuchtld.", rcode="NXDOMAIN", why="NSEC in the root"),
    _secure("www.secure.sec.", why="algorithm 13, NSEC"),
    _secure("www.secure.sec.", "AAAA"),
    _secure("www.secure.sec.", "TXT", why="NODATA, proven by www's NSEC"),
    _secure("nx.secure.sec.", rcode="NXDOMAIN", why="NSEC covers nx and the wildcard"),
    _secure("foo.wild.secure.sec.", why="wildcard expansion with its NSEC proof"),
    _secure("alias.secure.sec.", why="CNAME to www.ed25519.sec., both secure"),
    _insecure("to-insecure.secure.sec.", why="CNAME (secure) into unsigned.sec."),
    _bogus("to-bogus.secure.sec.", EDE_DNSSEC_BOGUS, why="CNAME into forged.sec."),
    _secure("www.ed25519.sec.", why="algorithm 15"),
    _secure("nx.ed25519.sec.", rcode="NXDOMAIN"),
    _secure("www.nsec3.sec.", why="algorithm 8"),
    _secure("nx.nsec3.sec.", rcode="NXDOMAIN", why="NSEC3 closest encloser proof"),
    _secure("www.nsec3.sec.", "TXT", why="NODATA, NSEC3 matching www"),
    _secure("foo.wild.nsec3.sec.", why="wildcard expansion, NSEC3 covers the next closer"),
    _secure("www.optout.sec.", why="algorithm 8, NSEC3 opt-out zone"),
    _insecure("www.insecure.optout.sec.", why="opt-out NSEC3 proves the delegation insecure"),
    _secure("www.iter151.sec.", why="positive answer: no NSEC3 involved"),
    _insecure("nx.iter151.sec.", rcode="NXDOMAIN", ede=EDE_UNSUPPORTED_NSEC3_ITERATIONS,
              why="NSEC3 iterations 151 > 150 (RFC 9276): insecure"),
    _insecure("www.iter151.sec.", "TXT", ede=EDE_UNSUPPORTED_NSEC3_ITERATIONS,
              why="NODATA on NSEC3 with 151 iterations: insecure"),
    _insecure("www.unsigned.sec.", why="no DS in sec., proven by sec.'s NSEC"),
    _insecure("nx.unsigned.sec.", rcode="NXDOMAIN"),
    _bogus("www.stale-ds.sec.", EDE_DNSKEY_MISSING, why="no DNSKEY matches the DS"),
    _bogus("www.signing-off.sec.", EDE_DNSKEY_MISSING, why="DS but no DNSKEY at all"),
    _bogus("www.expired.sec.", EDE_SIGNATURE_EXPIRED),
    _bogus("www.no-rrsig.sec.", EDE_RRSIGS_MISSING),
    _secure("ok.no-rrsig.sec.", why="the rest of no-rrsig.sec. is signed"),
    _bogus("www.forged.sec.", EDE_DNSSEC_BOGUS),
    _secure("ok.forged.sec.", why="the rest of forged.sec. is intact"),
    _bogus("foo.wild.no-wildcard-proof.sec.", EDE_NSEC_MISSING,
           why="wildcard expansion, no NSEC covers foo.wild"),
    _secure("www.no-wildcard-proof.sec.", why="exact answers need no NSEC"),
    _bogus("www.not-yet-valid.sec.", EDE_SIGNATURE_NOT_YET_VALID),
    _insecure("www.unknown-digest.sec.", ede=EDE_UNSUPPORTED_DS_DIGEST,
              why="the only DS uses digest type 250: insecure (RFC 4035 §5.2), never bogus"),
]


class LabError(nsdlab.LabError):
    """The lab could not be built or started (the message says why)."""


def tools_available():
    """True when nsd, ldns-keygen and ldns-signzone are all there."""
    return nsdlab.nsd_available() and all(
        p.is_file() and os.access(p, os.X_OK) for p in (LDNS_KEYGEN, LDNS_SIGNZONE))


def cairn_recursion_yaml(prime_root=True, **keys):
    """Top-level cairnd YAML: resolve from this lab's root (a.root.sec.).

    Like nsdlab.cairn_recursion_yaml(): root-hints as a list and
    query-loopback (every lab server is on 127.53/16).  Priming works here
    (the root answers ". NS" with a.root.sec. and its glue), so prime-root is
    true unless asked otherwise.  More keys under ``recursion:`` are given with
    underscores for dashes, booleans as true/false.  The trust anchor is not
    in this block: where it goes is the validator's to decide.
    """
    lines = ["recursion:", "  root-hints:"]
    for name, address in ROOT_HINTS:
        lines.append("    - {name: %s, address: %s}" % (name.rstrip("."), address))
    lines.append("  query-loopback: true")
    keys = dict(prime_root=prime_root, **keys)
    for key, value in keys.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        lines.append("  %s: %s" % (key.replace("_", "-"), value))
    return "\n".join(lines) + "\n"


def _norm(name):
    return name.lower().rstrip(".")


def _depth(name):
    """Number of labels: 0 for the root, 1 for sec., 2 for secure.sec. ..."""
    return len(_norm(name).split(".")) if _norm(name) else 0


def _sig_time(posix):
    """YYYYMMDDhhmmss in UTC, the unambiguous date form ldns-signzone takes."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(posix))


def _key_tag(base):
    """The key tag from a key's base name K<name>+<alg>+<tag>."""
    return int(Path(base).name.rsplit("+", 1)[1])


def _rr_fields(line):
    """(owner lowercased, type, rdata) of one line of ldns-signzone's output.

    Its output has one record a line, every field present (absolute owner,
    TTL, class), so splitting on white space is enough.  None for comments
    and blank lines.
    """
    text = line.strip()
    if not text or text.startswith(";"):
        return None
    fields = text.split(None, 4)
    if len(fields) < 5:
        return None
    return fields[0].lower(), fields[3].upper(), fields[4]


def _covered_type(rdata):
    return rdata.split(None, 1)[0].upper()


def drop_rrsig(lines, owner, covered):
    """Remove the RRSIGs of owner that cover type covered."""
    owner = owner.lower()
    kept = []
    for line in lines:
        rr = _rr_fields(line)
        if rr and rr[0] == owner and rr[1] == "RRSIG" and _covered_type(rr[2]) == covered:
            continue
        kept.append(line)
    if len(kept) == len(lines):
        raise LabError("no RRSIG %s at %s to remove" % (covered, owner))
    return kept


def drop_rrset_and_rrsig(lines, owner, rdtype):
    """Remove the RRset owner/rdtype and the RRSIGs covering it."""
    owner = owner.lower()
    kept = []
    for line in lines:
        rr = _rr_fields(line)
        if rr and rr[0] == owner and (
            rr[1] == rdtype or (rr[1] == "RRSIG" and _covered_type(rr[2]) == rdtype)
        ):
            continue
        kept.append(line)
    if len(lines) - len(kept) < 2:
        raise LabError("no signed %s RRset at %s to remove" % (rdtype, owner))
    return kept


def replace_rdata(lines, owner, rdtype, rdata):
    """Give the (single) record owner/rdtype new rdata, leaving its RRSIG as it was."""
    owner = owner.lower()
    out, changed = [], 0
    for line in lines:
        rr = _rr_fields(line)
        if rr and rr[0] == owner and rr[1] == rdtype:
            ttl, klass = line.split()[1:3]
            line = "%s\t%s\t%s\t%s\t%s" % (owner, ttl, klass, rdtype, rdata)
            changed += 1
        out.append(line)
    if changed != 1:
        raise LabError("expected one %s record at %s, found %d" % (rdtype, owner, changed))
    return out


def _break_zone(zone, lines):
    """Apply zone.breakage to the signed zone's lines (see ZONES)."""
    if zone.breakage == "drop-www-rrsig":
        return drop_rrsig(lines, "www." + zone.name, "A")
    if zone.breakage == "forge-www":
        return replace_rdata(lines, "www." + zone.name, "A", FORGED_ADDRESS)
    if zone.breakage == "drop-wildcard-nsec":
        return drop_rrset_and_rrsig(lines, "*.wild." + zone.name, "NSEC")
    raise LabError("unknown breakage %r for %s" % (zone.breakage, zone.name))


def _run_tool(args, cwd, what):
    """Run one ldns tool (bounded); its stdout, or LabError with its stderr."""
    try:
        r = subprocess.run([str(a) for a in args], cwd=str(cwd), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise LabError("%s did not finish within %.0f s" % (what, TOOL_TIMEOUT)) from None
    except OSError as e:
        raise LabError("%s could not run: %s (apt-get install ldnsutils)" % (what, e)) from None
    if r.returncode != 0:
        raise LabError("%s failed (status %d): %s" % (what, r.returncode, r.stderr.strip()))
    return r.stdout


class DnssecLab(nsdlab.NsdLab):
    """The signed lab: zones signed fresh at start(), one nsd per zone.

    ``capture`` as in NsdLab: every query to 127.53.0.0/16 is recorded, so
    ``lab.queries("ns.nic.sec")`` tells what sec.'s server was asked.
    """

    def __init__(self, nsd_binary=nsdlab.NSD_BINARY, capture=True):
        super().__init__(nsd_binary=nsd_binary, zones_dir=TEMPLATES_DIR, capture=capture)
        self.servers = [
            nsdlab.NsdServer(name, address, zones, aliases, self.nsd_binary)
            for name, address, zones, aliases in SERVERS
        ]
        self.zones = {z.name: z.copy() for z in ZONES}
        self.now = None
        self.inception = self.expiration = None  # the healthy zones' window
        self.trust_anchor_path = None
        self.trust_anchor_dnskey_path = None
        self.start_seconds = None  # how long start() took

    # -- lifecycle -----------------------------------------------------------
    def start(self, workdir, now=None):
        """Make keys, sign every zone, write the trust anchor, start the servers.

        now (POSIX time, default the current time) is what the signature
        windows are computed from.  Keys and zones go to <workdir>/signing,
        the servers' folders to <workdir>/<server name>.
        """
        started = time.monotonic()
        workdir = Path(workdir)
        if not tools_available():
            raise LabError("the DNSSEC lab needs nsd (%s) and ldnsutils (%s, %s)"
                           % (self.nsd_binary, LDNS_KEYGEN, LDNS_SIGNZONE))
        self.sign(workdir, now)
        super().start(workdir)
        self.start_seconds = time.monotonic() - started
        return self

    def sign(self, workdir, now=None):
        """Build every zone file into <workdir>/signing/zones (no server started).

        Bottom-up: a zone is signed after all its children, with their DS
        records appended to its template.  Then the root's KSK is written as
        the trust anchor.
        """
        self.now = int(time.time() if now is None else now)
        self.inception = self.now + VALID_WINDOW[0]
        self.expiration = self.now + VALID_WINDOW[1]
        signing = Path(workdir) / "signing"
        if signing.exists():
            shutil.rmtree(signing)
        zones_out = signing / "zones"
        zones_out.mkdir(parents=True)
        self._make_keys(signing / "keys")
        for zone in sorted(self.zones.values(), key=lambda z: -_depth(z.name)):
            self._build_zone(zone, signing, zones_out)
        root = self.zones["."]
        self.trust_anchor_path = Path(workdir) / "trust-anchor.ds"
        self.trust_anchor_path.write_text(Path(str(root.ksk) + ".ds").read_text())
        self.trust_anchor_dnskey_path = Path(workdir) / "trust-anchor.key"
        self.trust_anchor_dnskey_path.write_text(Path(str(root.ksk) + ".key").read_text())
        self.zones_dir = zones_out
        return zones_out

    def _make_keys(self, keydir):
        """Every key of every zone, made by ldns-keygen processes run side by side.

        Each key gets a folder of its own, so two keys of one zone can never
        overwrite each other's files (the key tag is in the file name).
        """
        jobs = []
        try:
            for zone in self.zones.values():
                for role in zone.key_roles():
                    folder = keydir / (_norm(zone.name) or "root") / role
                    folder.mkdir(parents=True)
                    algorithm = zone.algorithm or ORPHAN_KEY_ALGORITHM
                    args = [str(LDNS_KEYGEN), "-a", str(algorithm)]
                    if algorithm == 8:
                        args += ["-b", str(RSA_BITS)]
                    if role != "zsk":
                        args.append("-k")
                    args.append(zone.name)
                    proc = subprocess.Popen(args, cwd=str(folder), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True)
                    jobs.append((zone, role, folder, proc))
            deadline = time.monotonic() + TOOL_TIMEOUT
            for zone, role, folder, proc in jobs:
                try:
                    out, err = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    raise LabError("ldns-keygen for %s (%s) did not finish within %.0f s"
                                   % (zone.name, role, TOOL_TIMEOUT)) from None
                if proc.returncode != 0 or not out.strip():
                    raise LabError("ldns-keygen for %s (%s) failed (status %d): %s"
                                   % (zone.name, role, proc.returncode, err.strip()))
                base = folder / out.strip().splitlines()[-1]
                if not Path(str(base) + ".private").is_file():
                    raise LabError("ldns-keygen for %s wrote no %s.private" % (zone.name, base))
                if role == "ksk":
                    zone.ksk, zone.ksk_tag = base, _key_tag(base)
                elif role == "zsk":
                    zone.zsk, zone.zsk_tag = base, _key_tag(base)
                else:
                    zone.old_ksk, zone.old_ksk_tag = base, _key_tag(base)
        finally:
            for _zone, _role, _folder, proc in jobs:  # only after a failure
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=5)

    def _build_zone(self, zone, signing, zones_out):
        """Write the zone file nsd will serve: template + children's DS, signed, broken."""
        template = (TEMPLATES_DIR / nsdlab.zone_file_name(zone.name)).read_text()
        signed_part, marker, after = template.partition(AFTER_SIGNING_MARKER)
        children_ds = []
        for child in self.zones.values():
            if child.parent == zone.name:
                children_ds += child.ds_records
        out_path = zones_out / nsdlab.zone_file_name(zone.name)
        if not zone.signed:
            out_path.write_text(template + "".join(line + "\n" for line in children_ds))
        else:
            source = signing / ("unsigned-" + nsdlab.zone_file_name(zone.name))
            source.write_text(signed_part + "\n" + "".join(line + "\n" for line in children_ds))
            start, end = WINDOWS[zone.window]
            zone.inception, zone.expiration = self.now + start, self.now + end
            args = [LDNS_SIGNZONE, "-i", _sig_time(zone.inception),
                    "-e", _sig_time(zone.expiration), "-o", zone.name]
            if zone.denial in ("nsec3", "nsec3-optout"):
                args += ["-n", "-t", str(zone.iterations)]
                if zone.salt:
                    args += ["-s", zone.salt]
                if zone.denial == "nsec3-optout":
                    args.append("-p")
            signed_path = signing / ("signed-" + nsdlab.zone_file_name(zone.name))
            args += ["-f", signed_path, source, zone.ksk, zone.zsk]
            _run_tool(args, signing, "ldns-signzone for %s" % zone.name)
            lines = signed_path.read_text().splitlines()
            if marker:
                lines += [";; not signed: added after signing (see the template)"]
                lines += after.splitlines()
            if zone.breakage:
                lines = _break_zone(zone, lines)
            out_path.write_text("\n".join(lines) + "\n")
        zone.zone_file = out_path
        # what the parent will hold
        if zone.ds == "ksk" or zone.ds == "orphan":
            zone.ds_records = self._ds_lines(zone.ksk)
        elif zone.ds == "unknown-digest":
            # RFC 4035 §5.2: a DS no validator can use makes the delegation insecure.
            zone.ds_records = [self._with_digest_type(line, 250)
                               for line in self._ds_lines(zone.ksk)]
        elif zone.ds == "stale":
            zone.ds_records = self._ds_lines(zone.old_ksk)
        else:
            zone.ds_records = []

    @staticmethod
    def _with_digest_type(line, digest_type):
        """A DS line (owner TTL IN DS tag alg type digest) with another digest type."""
        fields = line.split()
        i = fields.index("DS")
        fields[i + 3] = str(digest_type)
        return "\t".join(fields)

    @staticmethod
    def _ds_lines(key_base):
        text = Path(str(key_base) + ".ds").read_text()
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            raise LabError("%s.ds is empty" % key_base)
        return lines

    # -- what tests use ------------------------------------------------------
    def recursion_yaml(self, prime_root=True, **keys):
        """cairnd's recursion: block for this lab (see cairn_recursion_yaml)."""
        return cairn_recursion_yaml(prime_root=prime_root, **keys)

    def zone_info(self, name):
        """The Zone (see its docstring) called name, e.g. "expired.sec" or "."."""
        key = _norm(name)
        for zone in self.zones.values():
            if _norm(zone.name) == key:
                return zone
        raise KeyError("no zone %r in the DNSSEC lab" % name)

    def server(self, name):
        """The NsdServer for a server name, an address, or a zone name."""
        try:
            name = self.zone_info(name).server
        except KeyError:
            pass
        return super().server(name)

    def query(self, name, qname, rdtype="A", tcp=False, payload=1232,
              timeout=nsdlab.QUERY_TIMEOUT, dnssec=True):
        """Ask one lab server (name: server, address or zone) directly, no RD.

        DO is set unless dnssec=False; a truncated UDP answer is asked again
        over TCP, as a resolver would.
        """
        q = dns.message.make_query(qname, rdtype, use_edns=0, payload=payload,
                                   want_dnssec=dnssec)
        q.flags &= ~dns.flags.RD
        address = self.address(name)
        if not tcp:
            r = dns.query.udp(q, address, timeout=timeout, port=nsdlab.DNS_PORT)
            if not r.flags & dns.flags.TC:
                return r
        return dns.query.tcp(q, address, timeout=timeout, port=nsdlab.DNS_PORT)
