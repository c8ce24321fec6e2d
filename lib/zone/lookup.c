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

static void clear_alias(struct zone_answer *ans)
{
	ans->alias_target = NULL;
	ans->alias_type = 0;
	ans->alias_owner = NULL;
}

/* Where following an alias through one zone ends. */
enum alias_end {
	ALIAS_RECORDS,   /* at real records of the type */
	ALIAS_ELSEWHERE, /* at a name outside the zone, to be resolved there */
	ALIAS_NO_DATA,   /* at a name that is missing or lacks the type */
	ALIAS_CHAIN_CUT, /* more than ZONE_CNAME_CHAIN_MAX aliases in a row */
};

/* Follow alias targets of a type through z, from *target (reached through one alias): sets
 * *rs for ALIAS_RECORDS, and leaves *target at the last name reached. Exact names only: an
 * alias names its target record, it does not query for it (Route 53). */
static enum alias_end follow_alias(const struct zone *z, const uint8_t **target, uint16_t type,
				   const struct zone_rrset **rs)
{
	for (unsigned links = 1;; links++) {
		if (!wire_name_is_subdomain(*target, z->apex))
			return ALIAS_ELSEWHERE;
		const struct zone_node *n = zone_find_node(z, *target);
		if (!n)
			return ALIAS_NO_DATA;
		*rs = zone_node_rrset(n, type);
		if (*rs)
			return ALIAS_RECORDS;
		const uint8_t *next = zone_node_alias(n, type);
		if (!next)
			return ALIAS_NO_DATA;
		if (links >= ZONE_CNAME_CHAIN_MAX)
			return ALIAS_CHAIN_CUT;
		*target = next;
	}
}

/* Answer (owner, type) through an alias to target, resolved within z. Route 53 alias: the
 * target's RRset under owner with the target's TTL and no CNAME; a target without the type
 * is NODATA with the SOA of owner_zone, where owner lives; a target outside z goes to the
 * caller. */
static void resolve_alias(const struct zone *z, const uint8_t *owner, const uint8_t *target,
			  uint16_t type, const struct zone *owner_zone, struct zone_answer *ans)
{
	const struct zone_rrset *rs = NULL;
	switch (follow_alias(z, &target, type, &rs)) {
	case ALIAS_RECORDS:
		add_answer(ans, owner, rs);
		break;
	case ALIAS_ELSEWHERE:
		ans->alias_target = target;
		ans->alias_type = type;
		ans->alias_owner = owner;
		break;
	case ALIAS_NO_DATA:
		add_soa(ans, owner_zone);
		break;
	case ALIAS_CHAIN_CUT:
		ans->chain_cut = true;
		break;
	}
}

/* ANY: every RRset at the name, plus what an alias resolves to when its target is in this
 * zone; a target elsewhere is left out rather than sent to the caller for one ANY. */
static void answer_any(const struct zone *z, const struct zone_node *node, const uint8_t *owner,
		       struct zone_answer *ans)
{
	bool found = node->rrset_count > 0;
	for (uint16_t i = 0; i < node->rrset_count; i++)
		add_answer(ans, owner, &node->rrsets[i]);
	for (uint16_t i = 0; i < node->alias_count; i++) {
		const uint8_t *target = node->aliases[i].target;
		const struct zone_rrset *rs = NULL;
		if (follow_alias(z, &target, node->aliases[i].type, &rs) == ALIAS_RECORDS) {
			add_answer(ans, owner, rs);
			found = true;
		}
	}
	if (!found)
		add_soa(ans, z);
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
		answer_any(z, node, owner, ans);
		return NULL;
	}
	const struct zone_rrset *rs = zone_node_rrset(node, qtype);
	const uint8_t *alias = zone_node_alias(node, qtype);
	if (rs)
		add_answer(ans, owner, rs);
	else if (alias)
		resolve_alias(z, owner, alias, qtype, z, ans);
	else
		add_soa(ans, z); /* NODATA: the name exists, the type does not */
	return NULL;
}

const uint8_t *zone_lookup(const struct zone *z, const uint8_t *qname, uint16_t qtype,
			   struct zone_answer *ans)
{
	ans->zone = z;
	ans->n_authority = 0;
	clear_alias(ans);
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
		if (wire_name_wildcard(ce, wild)) {
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

/* Resolve the pending alias target of ans in the local zone that holds it, as if it were in
 * the owner's zone. Returns false when no local zone holds it: the caller resolves it. */
static bool resolve_alias_locally(const struct zoneset *zs, struct zone_answer *ans)
{
	const struct zone *nz = zoneset_find(zs, ans->alias_target);
	if (!nz)
		return false;
	const uint8_t *owner = ans->alias_owner, *target = ans->alias_target;
	uint16_t type = ans->alias_type;
	clear_alias(ans);
	resolve_alias(nz, owner, target, type, ans->zone, ans);
	return true;
}

bool zoneset_answer(const struct zoneset *zs, const uint8_t *qname, uint16_t qtype,
		    struct zone_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	const struct zone *z = zoneset_find(zs, qname);
	if (!z)
		return false;
	const uint8_t *next = zone_lookup(z, qname, qtype, ans);
	for (unsigned links = 1; next || ans->alias_target; links++) {
		if (links > ZONE_CNAME_CHAIN_MAX || (next && seen_before(ans, next))) {
			ans->chain_cut = true;
			clear_alias(ans);
			break;
		}
		if (!next) {
			if (!resolve_alias_locally(zs, ans))
				break;
			continue;
		}
		/* RFC 1034 §3.6.2: restart the lookup at the canonical name, within our zones. */
		const struct zone *nz = zoneset_find(zs, next);
		if (!nz) {
			ans->leaves = next;
			break;
		}
		next = zone_lookup(nz, next, qtype, ans);
	}
	return true;
}
