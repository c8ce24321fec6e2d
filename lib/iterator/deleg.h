/*
 * deleg — a delegation point: the zone a request is asking about now, the names of its
 * servers and the addresses known for them (RFC 1034 §5.3.3 "SLIST"), plus what this request
 * has already tried there and how each attempt failed (for retries and for the EDE text).
 *
 * It is filled from a referral (NS records and in-bailiwick glue), from the cache, or from
 * the root hints. Choosing the next address ranks them by the shared server table.
 */
#ifndef CAIRN_ITERATOR_DELEG_H
#define CAIRN_ITERATOR_DELEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cache/rrcache.h"
#include "lib/iterator/servers.h"
#include "lib/util/netaddr.h"
#include "lib/wire/name.h"

#define DELEG_NS_MAX 13    /* NS names kept per zone: more are ignored (NXNS, RFC 1034 SLIST) */
#define DELEG_ADDR_MAX 4   /* addresses kept per NS name */
#define DELEG_TRIED_MAX 64 /* attempts remembered per zone */
#define DELEG_TRIES_PER_ADDR 2 /* a server that timed out is tried once more */

struct deleg_ns {
	uint8_t name[WIRE_NAME_MAX];          /* canonical server name */
	struct netaddr addr[DELEG_ADDR_MAX];  /* its known addresses */
	uint8_t n_addr;
	bool v4_looked, v6_looked;            /* A / AAAA already sought (glue, cache or lookup) */
};

/* How one address fared in this request. */
struct deleg_try {
	struct netaddr addr;
	uint8_t count;       /* queries sent */
	int8_t last;         /* enum srv_failure of the last attempt, or -1 for none */
};

struct deleg {
	uint8_t zone[WIRE_NAME_MAX];          /* canonical zone name */
	uint8_t parent[WIRE_NAME_MAX];        /* the zone that delegated it (for EDE text) */
	bool from_hints;                      /* root hints, not a real NS set */
	bool from_cache;                      /* built from cached NS records */
	struct deleg_ns ns[DELEG_NS_MAX];
	unsigned n_ns;
	struct deleg_try tried[DELEG_TRIED_MAX];
	unsigned n_tried;
	unsigned n_glueless;                  /* address lookups started for its NS names */
};

/* Which addresses a resolver may send to. */
struct deleg_policy {
	bool ipv4, ipv6;           /* recursion.ipv4 / recursion.ipv6 */
	bool query_loopback;       /* recursion.query-loopback */
};

void deleg_init(struct deleg *d, const uint8_t *zone, const uint8_t *parent);

/* Add an NS name (deduplicated); its index, or -1 when the set is full. */
int deleg_add_ns(struct deleg *d, const uint8_t *name);

/* Index of an NS name, or -1. */
int deleg_find_ns(const struct deleg *d, const uint8_t *name);

/* Add an address to NS entry i (deduplicated, bounded). */
void deleg_add_addr(struct deleg *d, unsigned i, const struct netaddr *a);

/* Add the addresses the cache holds for NS entry i (A and AAAA, port 53); a cached answer
 * of either type, even NODATA, means that type needs no lookup. */
void deleg_add_cached_addrs(struct deleg *d, unsigned i, struct rrcache *c, int64_t now);

/* Is this address one we may send to at all (family switches, special ranges)? */
bool deleg_addr_allowed(const struct deleg_policy *p, const struct netaddr *a);

/* Choose the next address to query: untried or retryable, allowed, best ranked (random among
 * those within SRV_BAND_MS of the best). Returns false when none is left. rnd is a random
 * number used to break ties. */
bool deleg_choose(const struct deleg *d, const struct deleg_policy *p, struct servers *srv,
		  uint64_t now_ms, uint32_t rnd, struct netaddr *out);

/* Record an attempt to addr, then its outcome: an enum srv_failure, or -1 when it answered
 * usefully (which forgets the attempt). */
void deleg_note_try(struct deleg *d, const struct netaddr *addr);
void deleg_note_result(struct deleg *d, const struct netaddr *addr, int failure);

/* Name of the server that has this address (for messages); NULL if none. */
const uint8_t *deleg_ns_of(const struct deleg *d, const struct netaddr *addr);

/* Does an NS entry still lack addresses of an allowed family that nobody looked for?
 * Returns the type to look up (A or AAAA) or 0. */
uint16_t deleg_ns_missing(const struct deleg *d, unsigned i, const struct deleg_policy *p);

#endif
