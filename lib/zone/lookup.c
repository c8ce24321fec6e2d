/* lookup — authoritative answers from local zones (see lookup.h). */
#include "lookup.h"

#include <string.h>

#include "lib/wire/dns.h"

static void add_answer(struct zone_answer *ans, const uint8_t *owner, const struct zone_rrset *rs)
{
	if (ans->n_answer >= ZONE_ANSWER_MAX)
		return;
	ans->answer[ans->n_answer++] = (struct zone_answer_rr){ owner, rs, rs->ttl };
}

/* RFC 2308 §3: negative answers carry the SOA with TTL min(SOA TTL, MINIMUM). */
static void add_soa(struct zone_answer *ans, const struct zone *z)
{
	ans->authority[0] = (struct zone_answer_rr){ z->apex, z->soa, zone_negative_ttl(z) };
	ans->n_authority = 1;
}

/* RFC 1034 §4.3.2 step 3a (and RFC 4592 §3.3.1 for a wildcard source): answer from a node. */
static const uint8_t *answer_from_node(const struct zone *z, const struct zone_node *node,
				       const uint8_t *owner, uint16_t qtype,
				       struct zone_answer *ans)
{
	const struct zone_rrset *cname = zone_node_rrset(node, DNS_TYPE_CNAME);
	ans->rcode = DNS_RCODE_NOERROR;
	if (cname && qtype != DNS_TYPE_CNAME) {
		add_answer(ans, owner, cname);
		return qtype == DNS_TYPE_ANY ? NULL : cname->rdata + 2; /* first record's target */
	}
	if (qtype == DNS_TYPE_ANY) {
		for (uint16_t i = 0; i < node->rrset_count; i++)
			add_answer(ans, owner, &node->rrsets[i]);
		if (node->rrset_count == 0)
			add_soa(ans, z);
		return NULL;
	}
	const struct zone_rrset *rs = zone_node_rrset(node, qtype);
	if (rs)
		add_answer(ans, owner, rs);
	else
		add_soa(ans, z); /* NODATA: the name exists, the type does not */
	return NULL;
}

const uint8_t *zone_lookup(const struct zone *z, const uint8_t *qname, uint16_t qtype,
			   struct zone_answer *ans)
{
	ans->zone = z;
	ans->n_authority = 0;
	const struct zone_node *node = zone_find_node(z, qname);
	if (node)
		return answer_from_node(z, node, qname, qtype, ans);

	/* RFC 4592 §3.3.1: find the closest encloser, then its wildcard child. */
	const uint8_t *ce = qname;
	const struct zone_node *encloser = NULL;
	while (!encloser && *ce) {
		ce = wire_name_parent(ce);
		encloser = zone_find_node(z, ce);
	}
	if (encloser) {
		uint8_t wild[WIRE_NAME_MAX];
		size_t cl = wire_name_len(ce);
		if (cl + 2 <= WIRE_NAME_MAX) {
			wild[0] = 1;
			wild[1] = '*';
			memcpy(wild + 2, ce, cl);
			const struct zone_node *source = zone_find_node(z, wild);
			if (source)
				return answer_from_node(z, source, qname, qtype, ans);
		}
	}
	ans->rcode = DNS_RCODE_NXDOMAIN;
	add_soa(ans, z);
	return NULL;
}

static bool seen_before(const struct zone_answer *ans, const uint8_t *name)
{
	for (unsigned i = 0; i < ans->n_answer; i++)
		if (wire_name_equal(ans->answer[i].owner, name))
			return true;
	return false;
}

bool zoneset_answer(const struct zoneset *zs, const uint8_t *qname, uint16_t qtype,
		    struct zone_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	const struct zone *z = zoneset_find(zs, qname);
	if (!z)
		return false;
	const uint8_t *next = zone_lookup(z, qname, qtype, ans);
	for (unsigned links = 1; next; links++) {
		/* RFC 1034 §3.6.2: restart the lookup at the canonical name, within our zones. */
		if (links > ZONE_CNAME_CHAIN_MAX || seen_before(ans, next)) {
			ans->chain_cut = true;
			break;
		}
		const struct zone *nz = zoneset_find(zs, next);
		if (!nz) {
			ans->leaves = next;
			break;
		}
		next = zone_lookup(nz, next, qtype, ans);
	}
	return true;
}
