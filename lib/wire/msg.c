/* msg — upstream response parser (see msg.h). */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

#include "dns.h"

/* Where names sit in the data of the types that may compress them (RFC 3597 §4: the RFC 1035
 * types, plus those that RFC 3597 says receivers must still decompress): fixed bytes before
 * the names, how many names, fixed bytes after. */
struct rdata_shape {
	uint8_t pre, names, post;
};

static bool rdata_shape(uint16_t type, struct rdata_shape *s)
{
	switch (type) {
	case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12: case 39:
		/* NS MD MF CNAME MB MG MR PTR DNAME */
		*s = (struct rdata_shape){ 0, 1, 0 };
		return true;
	case 6: /* SOA: MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM */
		*s = (struct rdata_shape){ 0, 2, 20 };
		return true;
	case 14: case 17: /* MINFO, RP */
		*s = (struct rdata_shape){ 0, 2, 0 };
		return true;
	case 15: case 18: case 21: case 36: /* MX AFSDB RT KX */
		*s = (struct rdata_shape){ 2, 1, 0 };
		return true;
	case 26: /* PX */
		*s = (struct rdata_shape){ 2, 2, 0 };
		return true;
	case 33: /* SRV (RFC 2782 forbids compression, RFC 3597 §4 says accept it) */
		*s = (struct rdata_shape){ 6, 1, 0 };
		return true;
	default:
		return false;
	}
}

int wire_rdata_expand(const uint8_t *pkt, size_t len, size_t rdpos, uint16_t rdlen,
		      uint16_t type, uint8_t *out, size_t outcap)
{
	struct rdata_shape s;
	size_t end = rdpos + rdlen;
	if (end > len)
		return -1;
	if (!rdata_shape(type, &s)) {
		if (rdlen > outcap)
			return -1;
		memcpy(out, pkt + rdpos, rdlen);
		return rdlen;
	}
	size_t pos = rdpos, o = 0;
	if (s.pre > rdlen || s.pre > outcap)
		return -1;
	memcpy(out, pkt + pos, s.pre);
	pos += s.pre;
	o += s.pre;
	for (unsigned i = 0; i < s.names; i++) {
		uint8_t name[WIRE_NAME_MAX];
		/* The name may point anywhere before it, but must itself end inside the data. */
		int n = wire_name_unpack(pkt, end, &pos, name);
		if (n < 0 || o + (size_t)n > outcap)
			return -1;
		memcpy(out + o, name, (size_t)n);
		o += (size_t)n;
	}
	if (pos + s.post != end || o + s.post > outcap)
		return -1;
	memcpy(out + o, pkt + pos, s.post);
	return (int)(o + s.post);
}

/* The arena grows while records are read, so records first hold offsets into it. */
struct arena {
	uint8_t *buf;
	size_t len, cap;
};

static int arena_reserve(struct arena *a, size_t n)
{
	if (a->len + n <= a->cap)
		return 0;
	size_t cap = a->cap ? a->cap : 4096;
	while (cap < a->len + n)
		cap *= 2;
	uint8_t *nb = realloc(a->buf, cap);
	if (!nb)
		return -1;
	a->buf = nb;
	a->cap = cap;
	return 0;
}

/* RFC 6891 §6.1.3: the OPT TTL field holds the extended RCODE, the version and the flags. */
static void read_opt(struct wire_msg *m, const uint8_t *p)
{
	m->has_opt = true;
	m->opt_udp_size = wire_read_u16(p + 2);
	m->rcode |= (unsigned)p[4] << 4;
}

int wire_msg_parse(const uint8_t *pkt, size_t len, struct wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < DNS_HEADER_SIZE) {
		m->error = "shorter than a DNS header";
		return -1;
	}
	m->id = wire_read_u16(pkt);
	m->flags = wire_read_u16(pkt + 2);
	m->rcode = m->flags & 0x0f;
	unsigned qd = wire_read_u16(pkt + 4);
	unsigned counts[3] = { wire_read_u16(pkt + 6), wire_read_u16(pkt + 8),
			       wire_read_u16(pkt + 10) };
	size_t pos = DNS_HEADER_SIZE;
	if (qd > 1) {
		m->error = "more than one question";
		return -1;
	}
	if (qd == 1) {
		if (wire_name_unpack(pkt, len, &pos, m->qname) < 0 || pos + 4 > len) {
			m->error = "malformed question";
			return -1;
		}
		m->qtype = wire_read_u16(pkt + pos);
		m->qclass = wire_read_u16(pkt + pos + 2);
		pos += 4;
		m->has_question = true;
	}
	size_t total = (size_t)counts[0] + counts[1] + counts[2];
	/* Each record takes at least 11 bytes: a bound before trusting the counts. */
	if (total > (len - pos) / 11) {
		m->error = "record counts larger than the message";
		return -1;
	}
	m->rr = calloc(total ? total : 1, sizeof(*m->rr));
	size_t *offs = calloc(total ? total * 2 : 2, sizeof(size_t));
	struct arena a = { 0 };
	if (!m->rr || !offs) {
		free(offs);
		m->error = "out of memory";
		return -1;
	}
	int rc = 0;
	for (unsigned s = 0; s < 3 && rc == 0; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			uint8_t owner[WIRE_NAME_MAX];
			int olen = wire_name_unpack(pkt, len, &pos, owner);
			if (olen < 0 || pos + 10 > len) {
				m->error = "malformed record owner";
				rc = -1;
				break;
			}
			uint16_t type = wire_read_u16(pkt + pos);
			uint16_t rclass = wire_read_u16(pkt + pos + 2);
			uint32_t ttl = wire_read_u32(pkt + pos + 4);
			uint16_t rdlen = wire_read_u16(pkt + pos + 8);
			pos += 10;
			if (pos + rdlen > len) {
				m->error = "record data runs past the message";
				rc = -1;
				break;
			}
			if (type == DNS_TYPE_OPT) {
				if (s != WIRE_ADDITIONAL || m->has_opt || olen != 1) {
					m->error = "misplaced or repeated OPT record";
					rc = -1;
					break;
				}
				read_opt(m, pkt + pos - 10);
				pos += rdlen;
				continue;
			}
			size_t need = (size_t)olen + rdlen + 4 * WIRE_NAME_MAX;
			if (arena_reserve(&a, need) < 0) {
				m->error = "out of memory";
				rc = -1;
				break;
			}
			struct wire_rr *rr = &m->rr[m->n_rr];
			wire_name_lower(owner);
			memcpy(a.buf + a.len, owner, (size_t)olen);
			offs[2 * m->n_rr] = a.len;
			a.len += (size_t)olen;
			int dl = wire_rdata_expand(pkt, len, pos, rdlen, type, a.buf + a.len,
						   a.cap - a.len);
			if (dl < 0 || dl > 0xffff) {
				m->error = "malformed record data";
				rc = -1;
				break;
			}
			offs[2 * m->n_rr + 1] = a.len;
			a.len += (size_t)dl;
			rr->type = type;
			rr->rclass = rclass;
			rr->ttl = ttl & 0x80000000u ? 0 : ttl; /* RFC 2181 §8 */
			rr->rdlen = (uint16_t)dl;
			rr->section = (enum wire_section)s;
			m->n_rr++;
			pos += rdlen;
		}
	}
	m->arena = a.buf;
	for (size_t i = 0; i < m->n_rr; i++) {
		m->rr[i].owner = a.buf + offs[2 * i];
		m->rr[i].rdata = a.buf + offs[2 * i + 1];
	}
	free(offs);
	return rc;
}

void wire_msg_free(struct wire_msg *m)
{
	free(m->rr);
	free(m->arena);
	m->rr = NULL;
	m->arena = NULL;
	m->n_rr = 0;
}
