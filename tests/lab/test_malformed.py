"""Malformed and unusual queries, sent as raw bytes."""

import struct

import dns.rcode
import pytest

from labutil import describe, frame, hdr_opcode, hdr_qr, hdr_rcode, header, recv_frame

FORMERR, NOTIMP, REFUSED = 1, 4, 5
SILENCE = 0.5  # seconds to wait before concluding "no answer"


def hdr(qid, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def name(text):
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def question(qname="localhost.", qtype=1, qclass=1):
    return name(qname) + struct.pack("!HH", qtype, qclass)


def opt_rr(payload=1232, version=0):
    return b"\x00" + struct.pack("!HHBBHH", 41, payload, 0, version, 0, 0)


@pytest.fixture(scope="module")
def d(cairnd_module):
    return cairnd_module()


@pytest.fixture(autouse=True)
def still_serving(request):
    yield
    if "d" in request.fixturenames:
        daemon = request.getfixturevalue("d")
        assert daemon.alive(), "cairnd died:\n" + daemon.log()[-4000:]
        assert daemon.answers_localhost(), "cairnd stopped answering after this packet"


def assert_error_reply(reply, qid, rcode):
    assert reply is not None, "no reply (expected rcode %d)" % rcode
    assert len(reply) >= 12, reply
    assert header(reply)[0] == qid, "reply ID differs from query ID"
    assert hdr_qr(reply), "QR not set in reply"
    assert hdr_rcode(reply) == rcode, "rcode %d, expected %d" % (hdr_rcode(reply), rcode)


# --- question count ------------------------------------------------------------


def test_qdcount_zero_is_formerr_with_same_id(d):
    reply = d.raw_udp(hdr(0x1234, qd=0))
    assert_error_reply(reply, 0x1234, FORMERR)


def test_qdcount_two_is_formerr_with_same_id(d):
    reply = d.raw_udp(hdr(0x2345, qd=2) + question("localhost.") + question("foo.localhost."))
    assert_error_reply(reply, 0x2345, FORMERR)


def test_qdcount_zero_over_tcp_is_formerr(d):
    with d.tcp_connect() as s:
        s.sendall(frame(hdr(0x3456, qd=0)))
        reply = recv_frame(s)
    assert_error_reply(reply, 0x3456, FORMERR)


# --- packets that must be dropped ---------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 2, 6, 11])
def test_header_shorter_than_12_bytes_is_dropped(d, length):
    data = (hdr(0x4567) + question())[:length]
    assert d.raw_udp(data, timeout=SILENCE) is None


def test_response_packet_qr1_is_dropped(d):
    data = hdr(0x5678, flags=0x8100) + question()
    assert d.raw_udp(data, timeout=SILENCE) is None


def test_response_packet_qr1_with_error_rcode_is_dropped(d):
    # A FORMERR "reply" must not trigger another reply (reflection loop).
    data = hdr(0x5679, flags=0x8001, qd=0)
    assert d.raw_udp(data, timeout=SILENCE) is None


# --- opcodes and classes --------------------------------------------------------------


@pytest.mark.parametrize("opcode,label", [(1, "IQUERY"), (4, "NOTIFY"), (5, "UPDATE")])
def test_unsupported_opcode_is_notimp(d, opcode, label):
    qid = 0x6000 + opcode
    data = hdr(qid, flags=(opcode << 11)) + question("example.test.", qtype=6)
    reply = d.raw_udp(data)
    assert_error_reply(reply, qid, NOTIMP)
    assert hdr_opcode(reply) == opcode, "%s: opcode not copied into reply" % label


def test_class_chaos_is_refused(d):
    r = d.udp("version.bind.", "TXT", rdclass="CH")
    assert r.rcode() == dns.rcode.REFUSED, describe(r)


def test_class_chaos_raw_keeps_id(d):
    reply = d.raw_udp(hdr(0x6100) + question("localhost.", qtype=16, qclass=3))
    assert_error_reply(reply, 0x6100, REFUSED)


# --- OPT misuse ------------------------------------------------------------------------------


def test_two_opt_records_is_formerr(d):
    data = hdr(0x7000, ar=2) + question() + opt_rr() + opt_rr()
    assert_error_reply(d.raw_udp(data), 0x7000, FORMERR)


def test_opt_in_answer_section_is_formerr(d):
    data = hdr(0x7001, an=1) + question() + opt_rr()
    assert_error_reply(d.raw_udp(data), 0x7001, FORMERR)


def test_single_opt_record_raw_is_answered(d):
    # Sanity check for the builders above: one OPT is fine.
    data = hdr(0x7002, ar=1) + question() + opt_rr()
    reply = d.raw_udp(data)
    assert reply is not None
    assert header(reply)[0] == 0x7002
    assert hdr_rcode(reply) == 0


# --- name compression abuse ------------------------------------------------------------


def test_compression_pointer_beyond_packet_is_formerr(d):
    data = hdr(0x8000) + b"\xc0\xff" + struct.pack("!HH", 1, 1)
    assert_error_reply(d.raw_udp(data), 0x8000, FORMERR)


def test_compression_pointer_to_itself_is_formerr(d):
    data = hdr(0x8001) + b"\xc0\x0c" + struct.pack("!HH", 1, 1)
    assert_error_reply(d.raw_udp(data), 0x8001, FORMERR)


def test_compression_label_loop_is_formerr(d):
    # offset 12: label "a", then a pointer back to offset 12 -> endless name
    data = hdr(0x8002) + b"\x01a\xc0\x0c" + struct.pack("!HH", 1, 1)
    assert_error_reply(d.raw_udp(data), 0x8002, FORMERR)


def test_compression_two_pointer_loop_is_formerr(d):
    # offset 12 points to 14, offset 14 points to 12
    data = hdr(0x8003) + b"\xc0\x0e\xc0\x0c" + struct.pack("!HH", 1, 1)
    assert_error_reply(d.raw_udp(data), 0x8003, FORMERR)


def test_compression_loop_in_additional_record_is_formerr(d):
    # The question is fine; the owner of an additional record loops.
    rr = b"\x01b\xc0\x1d" + struct.pack("!HHIH", 1, 1, 0, 4) + b"\x7f\x00\x00\x01"
    data = hdr(0x8004, ar=1) + question("localhost.") + rr
    # question("localhost.") is 15 bytes: offset 12..26, rr owner starts at 27 (0x1b);
    # "\x01b" is at 27-28, the pointer at 29 (0x1d) points to itself.
    assert len(hdr(0) + question("localhost.")) == 0x1B
    assert_error_reply(d.raw_udp(data), 0x8004, FORMERR)


# --- other malformations: must not crash; FORMERR or silence both accepted ------------


OTHER_MALFORMED = [
    ("question cut mid-name", hdr(0x9000) + b"\x09local"),
    ("question without type/class", hdr(0x9001) + name("localhost.")),
    ("name longer than 255 octets", hdr(0x9002) + (b"\x3f" + b"a" * 63) * 5 + b"\x00" + struct.pack("!HH", 1, 1)),
    ("reserved label type 0x40", hdr(0x9003) + b"\x41a\x00" + struct.pack("!HH", 1, 1)),
    ("reserved label type 0x80", hdr(0x9004) + b"\x81a\x00" + struct.pack("!HH", 1, 1)),
    ("ARCOUNT larger than content", hdr(0x9005, ar=3) + question()),
    ("OPT rdlength past end", hdr(0x9006, ar=1) + question() + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 500)),
]


@pytest.mark.parametrize("label,data", OTHER_MALFORMED, ids=[c[0] for c in OTHER_MALFORMED])
def test_other_malformed_query_is_formerr_or_dropped(d, label, data):
    reply = d.raw_udp(data, timeout=SILENCE)
    if reply is not None:
        qid = struct.unpack("!H", data[:2])[0]
        assert_error_reply(reply, qid, FORMERR)
