/*
 * lookup — answering a question from local zones: the authoritative algorithm of RFC 1034
 * §4.3.2 (exact match, CNAME, NODATA, NXDOMAIN) with wildcards per RFC 4592, and CNAME chains
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
#define ZONE_CNAME_CHAIN_MAX 12 /* links followed before giving up, as resolvers do */

/* One RRset placed in an answer: the owner to write (the name asked, for wildcards) and the
 * TTL to use. */
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
	bool chain_cut;                    /* the CNAME chain looped or passed the limit */
};

/* Answer qname/qtype from one zone (qname must be in the zone). Returns the CNAME target to
 * follow, or NULL when this zone's answer is final. */
const uint8_t *zone_lookup(const struct zone *z, const uint8_t *qname, uint16_t qtype,
			   struct zone_answer *ans);

/* Answer from the local zones, following CNAMEs from zone to zone. Returns false when no
 * local zone holds qname (the caller must look elsewhere). */
bool zoneset_answer(const struct zoneset *zs, const uint8_t *qname, uint16_t qtype,
		    struct zone_answer *ans);

#endif
