/* query — validation of a client query (see query.h). */
#include "query.h"

#include <string.h>

#include "dns.h"

#define RR_FIXED 10 /* type, class, ttl, rdlength after the owner name */

/* RFC 6891 §6.1.2: OPT must be owned by the root, appear once, only in the additional
 * section. Fills q->edns; returns false with q->error set on a violation. */
static bool read_opt(const uint8_t *pkt, size_t owner, size_t fixed, struct wire_query *q)
{
	if (q->edns.present) {
		q->error = "more than one OPT record";
		return false;
	}
	if (pkt[owner] != 0) {
		q->error = "OPT record not owned by the root";
		return false;
	}
	uint16_t size = wire_read_u16(pkt + fixed + 2);
	uint32_t ttl = wire_read_u32(pkt + fixed + 4);
	q->edns.present = true;
	q->edns.udp_size = size < EDNS_MIN_PAYLOAD ? EDNS_MIN_PAYLOAD : size;
	q->edns.version = (uint8_t)(ttl >> 16);
	q->edns.do_bit = (ttl & EDNS_FLAG_DO) != 0;
	return true;
}

/* Skip one resource record, noting an OPT; section 0..2 = answer, authority, additional. */
static bool skip_rr(const uint8_t *pkt, size_t len, size_t *pos, int section, struct wire_query *q)
{
	size_t owner = *pos;
	if (wire_name_skip(pkt, len, pos) < 0) {
		q->error = "bad owner name in a record";
		return false;
	}
	if (*pos + RR_FIXED > len) {
		q->error = "record truncated";
		return false;
	}
	size_t fixed = *pos;
	uint16_t type = wire_read_u16(pkt + fixed);
	uint16_t rdlen = wire_read_u16(pkt + fixed + 8);
	*pos += RR_FIXED;
	if (*pos + rdlen > len) {
		q->error = "record data truncated";
		return false;
	}
	*pos += rdlen;
	if (type == DNS_TYPE_OPT) {
		if (section != 2) {
			q->error = "OPT record outside the additional section";
			return false;
		}
		return read_opt(pkt, owner, fixed, q);
	}
	return true;
}

static bool is_meta_qtype_forbidden(uint16_t qtype)
{
	/* RFC 6891 §6.1.1: OPT is a pseudo-RR and can never be asked for. */
	return qtype == DNS_TYPE_OPT;
}

enum wire_query_verdict wire_query_parse(const uint8_t *pkt, size_t len, struct wire_query *q)
{
	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER_SIZE) {
		q->error = "shorter than a DNS header";
		return WIRE_QUERY_DROP;
	}
	q->id = wire_read_u16(pkt);
	q->flags = wire_read_u16(pkt + 2);
	q->opcode = (q->flags >> DNS_OPCODE_SHIFT) & DNS_OPCODE_MASK;
	q->rd = (q->flags & DNS_FLAG_RD) != 0;
	q->cd = (q->flags & DNS_FLAG_CD) != 0;
	q->ad = (q->flags & DNS_FLAG_AD) != 0;

	/* A response sent to a server port is never answered: answering it could start a loop
	 * between two servers that both reply to replies (a reflection amplifier). */
	if (q->flags & DNS_FLAG_QR) {
		q->error = "QR bit set: a response, not a query";
		return WIRE_QUERY_DROP;
	}

	uint16_t qdcount = wire_read_u16(pkt + 4);
	uint16_t counts[3] = { wire_read_u16(pkt + 6), wire_read_u16(pkt + 8),
			       wire_read_u16(pkt + 10) };
	size_t pos = DNS_HEADER_SIZE;

	if (qdcount == 1) {
		int n = wire_name_unpack(pkt, len, &pos, q->qname);
		if (n < 0) {
			q->error = n == WIRE_NAME_TOO_LONG	 ? "query name longer than 255 bytes"
				   : n == WIRE_NAME_BAD_POINTER ? "bad compression pointer in query name"
				   : n == WIRE_NAME_BAD_LABEL	 ? "unknown label type in query name"
								 : "query name truncated";
			return WIRE_QUERY_FORMERR;
		}
		if (pos + 4 > len) {
			q->error = "question truncated";
			return WIRE_QUERY_FORMERR;
		}
		q->qname_len = (uint8_t)n;
		memcpy(q->qname_lc, q->qname, (size_t)n);
		wire_name_lower(q->qname_lc);
		q->qtype = wire_read_u16(pkt + pos);
		q->qclass = wire_read_u16(pkt + pos + 2);
		pos += 4;
		q->has_question = true;
	}

	/* Read the rest even when the question is bad, so the error answer can carry EDNS. */
	bool rest_ok = true;
	for (int section = 0; section < 3 && rest_ok; section++)
		for (uint16_t i = 0; i < counts[section] && rest_ok; i++)
			rest_ok = skip_rr(pkt, len, &pos, section, q);
	if (rest_ok && pos != len) {
		q->error = "trailing bytes after the last record";
		rest_ok = false;
	}
	if (!rest_ok) {
		q->edns.present = false; /* never trust an OPT from a malformed message */
		return WIRE_QUERY_FORMERR;
	}

	if (q->opcode != DNS_OPCODE_QUERY) {
		q->error = "opcode not implemented";
		return WIRE_QUERY_NOTIMP;
	}
	if (qdcount != 1) {
		q->error = qdcount == 0 ? "no question" : "more than one question";
		q->has_question = false;
		return WIRE_QUERY_FORMERR;
	}
	if (counts[0] != 0 || counts[1] != 0) {
		q->error = "query with records in the answer or authority section";
		return WIRE_QUERY_FORMERR;
	}
	if (is_meta_qtype_forbidden(q->qtype)) {
		q->error = "question asks for type OPT";
		return WIRE_QUERY_FORMERR;
	}
	/* RFC 6891 §6.1.3: a version we do not implement gets BADVERS with our version (0). */
	if (q->edns.present && q->edns.version != 0) {
		q->error = "unsupported EDNS version";
		return WIRE_QUERY_BADVERS;
	}
	return WIRE_QUERY_OK;
}
