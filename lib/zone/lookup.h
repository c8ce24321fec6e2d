/*
 * lookup — answering a question from local zones: the authoritative algorithm of RFC 1034
 * §4.3.2 (exact match, CNAME, NODATA, NXDOMAIN) with wildcards per RFC 4592, Route 53-style
 * alias records resolved to their target's records, and CNAME chains and alias targets
 * followed across the local zones of a zoneset.
 *
 * The answer is a list of references into the zones (no copies): it lives as long as the
 * zones and the query it was made for.
 */
#ifndef CAIRN_ZONE_LOOKUP_H
#define CAIRN_ZONE_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "zone.h"
#include "zoneset.h"

#define ZONE_ANSWER_MAX 64    /* RRsets in one answer section (ANY at a busy name, chains) */
#define ZONE_CNAME_CHAIN_MAX 12 /* links (CNAME or alias) followed before giving up */

/* One RRset placed in an answer: the owner to write (the name asked, for wildcards; the alias
 * owner, for an alias) and the TTL to use. */
struct zone_answer_rr {
	const uint8_t *owner;
	const struct zone_rrset *rrset;
	uint32_t ttl;
};

struct zone_answer {
	unsigned rcode;                   /* DNS_RCODE_NOERROR or DNS_RCODE_NXDOMAIN */
	struct zone_answer_rr answer[ZONE_ANSWER_MAX];
	unsigned n_answer;
	struct zone_answer_rr authority[1]; /* the SOA of a negative answer */
	unsigned n_authority;
	const struct zone *zone;           /* the zone that answered the last name */
	const uint8_t *leaves;             /* a CNAME target outside every local zone, or NULL */
	bool chain_cut;                    /* the CNAME or alias chain looped or passed the limit */
	/* An alias whose target no local zone holds: the caller resolves (alias_target,
	 * alias_type) and writes the records under alias_owner with their own TTL. The answer
	 * section holds what came before (nothing for a direct alias). NULL when none. */
	const uint8_t *alias_target;       /* canonical wire name to resolve, or NULL */
	uint16_t alias_type;               /* the type to resolve it for */
	const uint8_t *alias_owner;        /* the name the resolved records go under */
};

/* Answer qname/qtype from one zone (qname must be in the zone). Returns the CNAME target to
 * follow, or NULL when this zone's answer is final; an alias whose target is outside the zone
 * sets ans->alias_target instead. */
const uint8_t *zone_lookup(const struct zone *z, const uint8_t *qname, uint16_t qtype,
			   struct zone_answer *ans);

/* Answer from the local zones, following CNAMEs and alias targets from zone to zone. Returns
 * false when no local zone holds qname (the caller must look elsewhere). When it returns true
 * with ans->alias_target or ans->leaves set, the rest is to be resolved elsewhere. */
bool zoneset_answer(const struct zoneset *zs, const uint8_t *qname, uint16_t qtype,
		    struct zone_answer *ans);

#endif
