/* response — classify upstream responses and gather their RRsets (see response.h). */
#include "response.h"

#include <stdlib.h>
#include <string.h>

#include "lib/wire/dns.h"

static bool has_answer_for(const struct wire_msg *m, const uint8_t *zone, const uint8_t *ask,
			   uint16_t qtype)
{
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (rr->section != WIRE_ANSWER || rr->rclass != DNS_CLASS_IN)
			continue;
		if (wire_name_equal(rr->owner, ask) &&
		    (rr->type == qtype || rr->type == DNS_TYPE_CNAME || qtype == DNS_TYPE_ANY))
			return true;
	}
	return iter_find_dname(m, zone, ask) != NULL;
}

/* The NS owner of a referral: strictly below the zone asked, at or above the name asked
 * (RFC 1034 §5.3.3 step 4b). NULL when the authority section holds no such NS. */
static const uint8_t *referral_cut(const struct wire_msg *m, const uint8_t *zone,
				   const uint8_t *ask, uint16_t qtype, bool *upward)
{
	*upward = false;
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (rr->section != WIRE_AUTHORITY || rr->type != DNS_TYPE_NS)
			continue;
		/* RFC 4035 §3.1.4.1: DS is answered above the cut, so a "referral" to the zone
		 * whose DS was asked leads nowhere. */
		bool ds_at_cut = qtype == DNS_TYPE_DS && wire_name_equal(rr->owner, ask);
		if (wire_name_is_subdomain(rr->owner, zone) && !wire_name_equal(rr->owner, zone) &&
		    wire_name_is_subdomain(ask, rr->owner) && !ds_at_cut)
			return rr->owner;
		*upward = true; /* NS for the zone itself or above: a lame server's referral */
	}
	return NULL;
}

const struct wire_rr *iter_find_soa(const struct wire_msg *m, const uint8_t *zone)
{
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (rr->section == WIRE_AUTHORITY && rr->type == DNS_TYPE_SOA &&
		    wire_name_is_subdomain(rr->owner, zone))
			return rr;
	}
	return NULL;
}

enum iter_resp iter_classify(const struct wire_msg *m, const uint8_t *zone, const uint8_t *ask,
			     uint16_t qtype, const uint8_t **cut)
{
	bool aa = (m->flags & DNS_FLAG_AA) != 0, upward;
	switch (m->rcode) {
	case DNS_RCODE_NOERROR:
		break;
	case DNS_RCODE_NXDOMAIN:
		/* A chain may end in a name that does not exist: the chain is the answer. */
		return has_answer_for(m, zone, ask, qtype) ? IR_ANSWER : IR_NXDOMAIN;
	case DNS_RCODE_SERVFAIL:
		return IR_SERVFAIL;
	case DNS_RCODE_REFUSED:
		return IR_REFUSED;
	case DNS_RCODE_FORMERR:
	case DNS_RCODE_NOTIMP:
		return IR_FORMERR;
	default:
		return IR_BROKEN;
	}
	if (has_answer_for(m, zone, ask, qtype))
		return IR_ANSWER;
	const uint8_t *c = referral_cut(m, zone, ask, qtype, &upward);
	if (c && !aa) {
		*cut = c;
		return IR_REFERRAL;
	}
	/* RFC 2308 §2.2: NODATA is an authoritative empty answer, or one with an SOA. */
	if (aa || iter_find_soa(m, zone))
		return IR_NODATA;
	return IR_LAME;
}

static bool rdata_in(const uint8_t *packed, uint32_t size, const uint8_t *rd, uint16_t len)
{
	uint32_t off = 0;
	while (off + 2 <= size) {
		uint16_t l = wire_read_u16(packed + off);
		if (l == len && memcmp(packed + off + 2, rd, len) == 0)
			return true;
		off += 2u + l;
	}
	return false;
}

/* Is rr one of the records (owner, type, class IN) of the section (< 0: any)? */
static bool rr_matches(const struct wire_rr *rr, int section, const uint8_t *owner, uint16_t type)
{
	return (section < 0 || rr->section == (enum wire_section)section) && rr->type == type &&
	       rr->rclass == DNS_CLASS_IN && wire_name_equal(rr->owner, owner);
}

/* RFC 4035 §3.1.1: the RRSIGs of an RRset are at its owner, in the same section, and name
 * its type in their first field. */
static bool sig_matches(const struct wire_rr *rr, int section, const uint8_t *owner,
			uint16_t type)
{
	return rr_matches(rr, section, owner, DNS_TYPE_RRSIG) && rr->rdlen >= 2 &&
	       wire_read_u16(rr->rdata) == type;
}

static int gather_sigs(const struct wire_msg *m, int section, const uint8_t *owner,
		       uint16_t type, struct iter_rrset *out)
{
	size_t need = 0;
	for (size_t i = 0; i < m->n_rr; i++)
		if (sig_matches(&m->rr[i], section, owner, type))
			need += 2u + m->rr[i].rdlen;
	if (need == 0)
		return 0;
	uint8_t *buf = malloc(need);
	if (!buf)
		return -1;
	uint32_t size = 0, count = 0;
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (!sig_matches(rr, section, owner, type) ||
		    rdata_in(buf, size, rr->rdata, rr->rdlen))
			continue;
		wire_write_u16(buf + size, rr->rdlen);
		memcpy(buf + size + 2, rr->rdata, rr->rdlen);
		size += 2u + rr->rdlen;
		count++;
	}
	out->sigs = buf;
	out->sig_size = size;
	out->sig_count = count;
	return 0;
}

int iter_gather(const struct wire_msg *m, int section, const uint8_t *owner, uint16_t type,
		struct iter_rrset *out)
{
	size_t need = 0;
	int found = 0;
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (!rr_matches(rr, section, owner, type))
			continue;
		need += 2u + rr->rdlen;
		found++;
	}
	if (!found)
		return 0;
	uint8_t *buf = malloc(need);
	size_t olen = wire_name_len(owner);
	uint8_t *name = malloc(olen);
	if (!buf || !name) {
		free(buf);
		free(name);
		return -1;
	}
	memcpy(name, owner, olen);
	wire_name_lower(name);
	uint32_t size = 0, count = 0, ttl = UINT32_MAX;
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (!rr_matches(rr, section, owner, type))
			continue;
		if (rr->ttl < ttl)
			ttl = rr->ttl; /* RFC 2181 §5.2: differing TTLs, use the lowest */
		if (rdata_in(buf, size, rr->rdata, rr->rdlen))
			continue; /* RFC 2181 §5: an RRset is a set */
		wire_write_u16(buf + size, rr->rdlen);
		memcpy(buf + size + 2, rr->rdata, rr->rdlen);
		size += 2u + rr->rdlen;
		count++;
	}
	out->owner = name;
	out->type = type;
	out->ttl = ttl;
	out->count = count;
	out->size = size;
	out->rdata = buf;
	out->sigs = NULL;
	out->sig_count = out->sig_size = 0;
	out->security = 0;
	out->ede = 0;
	if (gather_sigs(m, section, owner, type, out) < 0) {
		iter_rrset_free(out);
		return -1;
	}
	return found;
}

int iter_gather_proofs(const struct wire_msg *m, struct iter_rrset **out, size_t *n)
{
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (rr->section != WIRE_AUTHORITY || rr->rclass != DNS_CLASS_IN ||
		    (rr->type != DNS_TYPE_NSEC && rr->type != DNS_TYPE_NSEC3))
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = m->rr[k].section == WIRE_AUTHORITY && m->rr[k].type == rr->type &&
			       wire_name_equal(m->rr[k].owner, rr->owner);
		if (seen)
			continue;
		struct iter_rrset *grown = realloc(*out, (*n + 1) * sizeof(*grown));
		if (!grown)
			return -1;
		*out = grown;
		if (iter_gather(m, WIRE_AUTHORITY, rr->owner, rr->type, &grown[*n]) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

const struct wire_rr *iter_find_dname(const struct wire_msg *m, const uint8_t *zone,
				      const uint8_t *name)
{
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (rr->section == WIRE_ANSWER && rr->type == DNS_TYPE_DNAME &&
		    rr->rclass == DNS_CLASS_IN && wire_name_is_subdomain(rr->owner, zone) &&
		    wire_name_is_subdomain(name, rr->owner) && !wire_name_equal(name, rr->owner))
			return rr;
	}
	return NULL;
}

int iter_rrset_make(struct iter_rrset *dst, const uint8_t *owner, uint16_t type, uint32_t ttl,
		    uint32_t count, const uint8_t *rdata, uint32_t size)
{
	size_t olen = wire_name_len(owner);
	dst->owner = malloc(olen);
	dst->rdata = malloc(size ? size : 1);
	if (!dst->owner || !dst->rdata) {
		free(dst->owner);
		free(dst->rdata);
		dst->owner = dst->rdata = NULL;
		return -1;
	}
	memcpy(dst->owner, owner, olen);
	memcpy(dst->rdata, rdata, size);
	dst->type = type;
	dst->ttl = ttl;
	dst->count = count;
	dst->size = size;
	dst->sigs = NULL;
	dst->sig_count = dst->sig_size = 0;
	dst->security = 0;
	dst->ede = 0;
	return 0;
}

int iter_rrset_set_sigs(struct iter_rrset *s, const uint8_t *sigs, uint32_t size,
			uint32_t count)
{
	free(s->sigs);
	s->sigs = NULL;
	s->sig_count = s->sig_size = 0;
	if (count == 0)
		return 0;
	s->sigs = malloc(size);
	if (!s->sigs)
		return -1;
	memcpy(s->sigs, sigs, size);
	s->sig_size = size;
	s->sig_count = count;
	return 0;
}

int iter_rrset_copy(struct iter_rrset *dst, const struct iter_rrset *src)
{
	if (iter_rrset_make(dst, src->owner, src->type, src->ttl, src->count, src->rdata,
			    src->size) < 0)
		return -1;
	if (iter_rrset_set_sigs(dst, src->sigs, src->sig_size, src->sig_count) < 0) {
		iter_rrset_free(dst);
		return -1;
	}
	dst->security = src->security;
	dst->ede = src->ede;
	dst->part = src->part;
	return 0;
}

void iter_rrset_free(struct iter_rrset *s)
{
	free(s->owner);
	free(s->rdata);
	free(s->sigs);
	s->owner = s->rdata = s->sigs = NULL;
	s->sig_count = s->sig_size = 0;
}

const uint8_t *iter_rrset_first(const struct iter_rrset *s, uint16_t *rdlen)
{
	if (s->size < 2)
		return NULL;
	*rdlen = wire_read_u16(s->rdata);
	return s->rdata + 2;
}

bool iter_rrset_target(const struct iter_rrset *s, uint8_t out[WIRE_NAME_MAX])
{
	uint16_t rdlen;
	const uint8_t *rd = iter_rrset_first(s, &rdlen);
	if (!rd || wire_name_len_bounded(rd, rdlen) != rdlen)
		return false;
	memcpy(out, rd, rdlen);
	wire_name_lower(out);
	return true;
}
