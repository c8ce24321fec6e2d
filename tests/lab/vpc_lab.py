"""The VPC lab: a small public DNS tree plus on-premises servers, for the resolver policy
(issue #7: VPCs, forward/system rules and private zones, Route 53 Resolver style).

A hierarchy apart from the main lab (nsdlab.py, 127.53.0.0/16 below .70) and
the signed lab (dnssec_lab.py, 127.53.100-109): every address here is in
127.53.70.0 .. 127.53.79.255, which no other lab uses, so all can run at the
same time.  ``VpcLab`` is an ``nsdlab.NsdLab`` with its own server table;
each server is its own nsd process on ADDRESS@53.

The public tree (zone files in ``tests/lab/zones_vpc/public``)::

    .                   a.root.example.       127.53.70.1   (ROOT_HINTS)
    example.            ns.nic.example.       127.53.70.2
    internal.example.   ns.internal.example.  127.53.72.1
    corp.example.       ns.corp.example.      127.53.72.2
    aws.corp.example.   ns.aws.corp.example.  127.53.72.3   (delegated from corp.example.)

On-premises servers (``zones_vpc/onprem``), the targets of forward rules: both
serve ``corp.example.`` authoritatively with OTHER data than the public zone,
and nothing of ``aws.corp.example.``; nothing in the public tree names them::

    onprem1   127.53.71.1
    onprem2   127.53.71.2

Addresses where nothing of the lab listens, for the tests: ``SILENT_TARGETS``
(a test binds a socket there that never answers) and ``DEAD_ADDRESS``.

What each server holds is in ``PUBLIC`` and ``ONPREM`` (qname, type) -> sorted
rdata texts; ``test_policy_vpc.py`` checks them against the servers first, so
every expectation of the policy tests comes from data the lab really serves.
``zones_vpc/private`` holds a zone file for cairnd's own private zone (not
served by NSD).

Use::

    lab = VpcLab()
    lab.start(workdir)                 # every server, in parallel (~0.3 s)
    lab.recursion_yaml()               # cairnd's recursion: block for this root
    lab.query("onprem1", "www.corp.example.", "A")
    lab.clear_queries(); ...; lab.lab_captured("onprem1")
    with lab.down("onprem1"): ...      # stopped, and started again after
    lab.stop()

Needs nsd and root (port 53, the capture's raw socket), as the main lab.  Every
wait is bounded; ``stop()`` ends only the nsd processes this lab started, by
process id.
"""

import ipaddress
from pathlib import Path

import nsdlab

LAB_DIR = Path(__file__).resolve().parent
ZONES_DIR = LAB_DIR / "zones_vpc"
PRIVATE_ZONES_DIR = ZONES_DIR / "private"

# Every address of this lab is in 127.53.70.0 .. 127.53.79.255.
LAB_FIRST_ADDRESS = ipaddress.ip_address("127.53.70.0")
LAB_LAST_ADDRESS = ipaddress.ip_address("127.53.79.255")

ROOT_HINTS = [("a.root.example.", "127.53.70.1")]

# (name, address, zones it serves, other names, folder of zones_vpc with its zone files)
SERVERS = [
    ("a.root.example", "127.53.70.1", ["."], [], "public"),
    ("ns.nic.example", "127.53.70.2", ["example."], [], "public"),
    ("ns.internal.example", "127.53.72.1", ["internal.example."], [], "public"),
    ("ns.corp.example", "127.53.72.2", ["corp.example."], [], "public"),
    ("ns.aws.corp.example", "127.53.72.3", ["aws.corp.example."], [], "public"),
    ("onprem1", "127.53.71.1", ["corp.example."], ["dns1.onprem.corp.example"], "onprem"),
    ("onprem2", "127.53.71.2", ["corp.example."], ["dns2.onprem.corp.example"], "onprem"),
]

ONPREM_SERVERS = ("onprem1", "onprem2")
ONPREM_ADDRESSES = ("127.53.71.1", "127.53.71.2")

# Free addresses for a test's silent UDP/TCP socket (bound, never answering).
SILENT_TARGETS = ("127.53.71.9", "127.53.71.8")
# Nothing ever listens here (a root hint that leads nowhere).
DEAD_ADDRESS = "127.53.79.254"

# What the public tree answers (asked of the zone's own server), sorted rdata.
PUBLIC = {
    ("internal.example.", "A"): ["192.0.2.79"],
    ("www.internal.example.", "A"): ["192.0.2.80"],
    ("www.internal.example.", "AAAA"): ["2001:db8::80"],
    ("db.internal.example.", "A"): ["192.0.2.81"],
    ("www.dev.internal.example.", "A"): ["192.0.2.82"],
    ("www.corp.example.", "A"): ["198.51.100.1"],
    ("www.hr.corp.example.", "A"): ["198.51.100.3"],
    ("www.aws.corp.example.", "A"): ["198.51.100.50"],
}
# Names the public tree does not have (NXDOMAIN there).
PUBLIC_NXDOMAIN = ["app.corp.example.", "db.corp.example.", "mail.corp.example."]
PUBLIC_TTL = 300  # every record of the public zones

# What the on-premises servers answer for corp.example.
ONPREM = {
    ("www.corp.example.", "A"): ["10.10.0.1"],
    ("app.corp.example.", "A"): ["10.10.0.2"],
    ("www.hr.corp.example.", "A"): ["10.10.0.3"],
    ("db.corp.example.", "A"): ["10.10.0.4"],
    ("mail.corp.example.", "A"): ["10.10.0.5"],
}
ONPREM_NXDOMAIN = ["www.aws.corp.example."]
ONPREM_SOA_MNAME = "dns1.onprem.corp.example."  # the public zone's is ns.corp.example.
ONPREM_TTL = 300

# Which server is authoritative for each name of PUBLIC (the deepest zone).
PUBLIC_SERVER = {
    "internal.example.": "ns.internal.example",
    "corp.example.": "ns.corp.example",
    "aws.corp.example.": "ns.aws.corp.example",
}


def public_server_for(qname):
    """The lab server that answers qname authoritatively in the public tree."""
    best = None
    for zone, server in PUBLIC_SERVER.items():
        if qname == zone or qname.endswith("." + zone):
            if best is None or len(zone) > len(best[0]):
                best = (zone, server)
    if best is None:
        raise KeyError("no public zone of the VPC lab holds %s" % qname)
    return best[1]


def in_lab(address):
    try:
        a = ipaddress.ip_address(address)
    except ValueError:
        return False
    return LAB_FIRST_ADDRESS <= a <= LAB_LAST_ADDRESS


def cairn_recursion_yaml(root_hints=None, **keys):
    """Top-level cairnd YAML: resolve from this lab's root (a.root.example.).

    Like nsdlab.cairn_recursion_yaml(): root-hints as a list and query-loopback
    (every lab server is on 127.53/16).  root_hints: [(name, address)] other
    than the lab's (e.g. a dead one).  More keys under ``recursion:`` are given
    with underscores for dashes, booleans as true/false.
    """
    lines = ["recursion:", "  root-hints:"]
    for name, address in root_hints or ROOT_HINTS:
        lines.append("    - {name: %s, address: %s}" % (name.rstrip("."), address))
    lines.append("  query-loopback: true")
    for key, value in keys.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        lines.append("  %s: %s" % (key.replace("_", "-"), value))
    return "\n".join(lines) + "\n"


class VpcServer(nsdlab.NsdServer):
    """An nsd whose zone files come from one folder of zones_vpc (public, onprem)."""

    def __init__(self, name, address, zones, aliases, folder, nsd_binary=nsdlab.NSD_BINARY):
        super().__init__(name, address, zones, aliases, nsd_binary)
        self.folder = folder

    def prepare(self, workdir, zones_dir=ZONES_DIR):
        super().prepare(workdir, Path(zones_dir) / self.folder)


class VpcLab(nsdlab.NsdLab):
    """The VPC lab (see the module's docstring): its servers and the query capture."""

    def __init__(self, nsd_binary=nsdlab.NSD_BINARY, capture=True):
        super().__init__(nsd_binary=nsd_binary, zones_dir=ZONES_DIR, capture=capture)
        self.servers = [
            VpcServer(name, address, zones, aliases, folder, self.nsd_binary)
            for name, address, zones, aliases, folder in SERVERS
        ]

    def recursion_yaml(self, **keys):
        """cairnd's recursion: block for this lab (see cairn_recursion_yaml)."""
        return cairn_recursion_yaml(**keys)

    def lab_captured(self, name=None):
        """Captured queries to this lab's addresses only (all, or to one server/address).

        The capture sees all of 127.53.0.0/16, where other labs may be busy.
        """
        records = self.captured() if name is None else self.captured(name)
        return [r for r in records if in_lab(r.server)]

    def lab_queries(self, name=None):
        """(qname lowercased, qtype) of each captured query to this lab (or one server)."""
        result = []
        for record in self.lab_captured(name):
            q = record.question
            if q is not None:
                result.append((q[0].lower(), q[1]))
        return result

    @staticmethod
    def private_zone_text(zone):
        """The text of zones_vpc/private/<zone>.zone (a cairnd private zone file)."""
        return (PRIVATE_ZONES_DIR / nsdlab.zone_file_name(zone)).read_text()
