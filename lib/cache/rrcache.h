/*
 * rrcache — the RRset cache and the negative cache that the iterator reads and fills.
 *
 * Entries are keyed by (owner, type) in canonical form and hold either an RRset in wire form
 * (rdatas packed as [u16 length][bytes], as in lib/zone) or a negative answer: NODATA for
 * (owner, type) or NXDOMAIN for the owner (type CACHE_TYPE_NXDOMAIN), each with the SOA
 * that proves it (RFC 2308 §5). Every entry has an absolute expiry in wall-clock seconds and
 * a trust rank (RFC 2181 §5.4.1), so that glue never overwrites an authoritative answer.
 *
 * Memory is counted per entry (allocator overhead and index included) and bounded: past the
 * byte budget the least recently used entries go. Every worker thread shares one cache:
 * entries are spread over RRCACHE_SHARDS shards by hash, each with its own lock, LRU list and
 * share of the budget (Unbound's slabhash), so that threads rarely wait on each other.
 */
#ifndef CAIRN_CACHE_RRCACHE_H
#define CAIRN_CACHE_RRCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/lruhash.h"

#define RRCACHE_SHARDS 16 /* a power of two */

/* The key of an NXDOMAIN entry: outside the 16-bit type space, so that no question (not even
 * one for the reserved type 0) can read or write it as a type. */
#define CACHE_TYPE_NXDOMAIN 0x10000u

/* Answers got through a forward rule (lib/policy) live apart from those got by recursion,
 * so that clients whose rules differ never see each other's: each rule has a partition
 * (0 is recursion). Every `type` argument below is a key type: an RR type, or
 * CACHE_TYPE_NXDOMAIN, with the partition in the bits above — RRCACHE_KEY(part, type).
 * A plain type is partition 0. An entry's own `type` field is the bare type. */
#define RRCACHE_PART_SHIFT 17
#define RRCACHE_TYPE_MASK ((1u << RRCACHE_PART_SHIFT) - 1)
#define RRCACHE_KEY(part, type) ((uint32_t)(type) | (uint32_t)(part) << RRCACHE_PART_SHIFT)

/* RFC 2181 §5.4.1 trust ranking, lowest first. */
enum cache_rank {
	CACHE_RANK_GLUE = 1,        /* additional section, referral glue */
	CACHE_RANK_REFERRAL = 2,    /* NS of a referral, from the parent side */
	CACHE_RANK_NONAUTH = 3,     /* answer section of a non-authoritative answer */
	CACHE_RANK_AUTHORITY = 4,   /* authority section of an authoritative answer */
	CACHE_RANK_ANSWER = 5,      /* answer section of an authoritative answer */
};

enum cache_kind { CACHE_POSITIVE, CACHE_NODATA, CACHE_NXDOMAIN };

/* What DNSSEC validation found of an entry (RFC 4035 §4.3). A negative DS entry marked
 * INSECURE is a proven unsigned delegation; marked SECURE, a proven absence of a cut. */
enum cache_sec {
	CACHE_SEC_UNCHECKED = 0,
	CACHE_SEC_SECURE,
	CACHE_SEC_INSECURE,
	CACHE_SEC_BOGUS,
	CACHE_SEC_INSECURE_ITERATIONS, /* insecure: NSEC3 with too many iterations (EDE 27) */
};

/* One entry. Readers treat it as read-only, copy what they keep and let it go with
 * rrcache_release(): once released, another thread may evict it. */
struct cache_entry {
	struct lru_node node;                /* the table's links, hash and cost; first */
	uint32_t type;                      /* RR type, or CACHE_TYPE_NXDOMAIN */
	uint16_t part;                      /* partition: 0 recursion, else a forward rule's */
	uint8_t kind;                       /* enum cache_kind */
	uint8_t rank;                       /* enum cache_rank */
	uint8_t security;                   /* enum cache_sec */
	uint8_t ede;                        /* CACHE_SEC_BOGUS: the EDE it was found bogus with */
	int64_t expires;                    /* wall-clock second at which it dies */
	uint32_t count;                     /* records in rdata (0 for negatives) */
	uint32_t size;                      /* bytes of rdata */
	const uint8_t *owner;               /* canonical wire name */
	const uint8_t *rdata;               /* packed records */
	uint32_t sig_count, sig_size;       /* the RRSIGs that came with them */
	const uint8_t *sigs;                /* packed the same way, NULL when none */
	const uint8_t *soa_owner;           /* negatives: owner of the proving SOA */
	const uint8_t *soa_rdata;           /* negatives: its data */
	uint16_t soa_rdlen;
};

/* The TTL rules of the cache. */
struct rrcache_limits {
	size_t max_bytes;       /* budget for all entries */
	uint32_t max_ttl;       /* positive TTLs are capped to this */
	uint32_t min_ttl;       /* and raised to this */
	uint32_t neg_max_ttl;   /* negative TTLs are capped to this */
};

struct rrcache_stats {
	uint64_t entries, bytes, hits, misses, evictions;
	uint64_t lock_waits;     /* lock taken while another thread held it */
};

struct rrcache;

/* A cache of RRCACHE_SHARDS shards; NULL when out of memory. */
struct rrcache *rrcache_new(const struct rrcache_limits *lim);

/* The same with a chosen number of shards (a power of two, 1..RRCACHE_SHARDS): one shard
 * makes the LRU order global, which tests of eviction order need. */
struct rrcache *rrcache_new_sharded(const struct rrcache_limits *lim, unsigned shards);
void rrcache_free(struct rrcache *c);

/* The signatures stored with an RRset: packed RRSIG data, as they came. */
struct rrcache_sigs {
	const uint8_t *data;
	uint32_t size, count;
};

/* Store an RRset (owner canonical) with its RRSIGs (sigs may be NULL). Replaces an entry of
 * lower or equal rank, or an expired one; a positive RRset also ends a cached NXDOMAIN of its
 * owner. Returns 0, 1 when a better-ranked entry was kept, -1 when out of memory. */
int rrcache_put_rrset(struct rrcache *c, const uint8_t *owner, uint32_t type, uint32_t ttl,
		      enum cache_rank rank, uint32_t count, const uint8_t *rdata, uint32_t size,
		      const struct rrcache_sigs *sigs, int64_t now);

/* Store NODATA for (owner, type), or NXDOMAIN for owner when type is CACHE_TYPE_NXDOMAIN,
 * with the SOA that came with it. RFC 2308 §5: the TTL is min(SOA TTL, SOA MINIMUM),
 * then capped by neg_max_ttl. */
int rrcache_put_negative(struct rrcache *c, const uint8_t *owner, uint32_t type,
			 const uint8_t *soa_owner, uint32_t soa_ttl, const uint8_t *soa_rdata,
			 uint16_t soa_rdlen, int64_t now);

/* The live entry for (owner, type) — an RRset or a NODATA — or NULL. A found entry's shard
 * stays locked: read it, copy what is kept, then rrcache_release() it before any other call
 * on the cache (holding two would risk a deadlock between threads). */
const struct cache_entry *rrcache_get(struct rrcache *c, const uint8_t *owner, uint32_t type,
				      int64_t now);

/* The data validation judged: an RRset's packed records, or a negative entry's SOA data
 * (packed the same way). A mark goes only to an entry that still holds exactly that data:
 * what another response put there meanwhile was not judged. */
struct rrcache_judged {
	const uint8_t *rdata;
	uint32_t size;
};

/* Record what validation found of the live entry (owner, type) holding that data; ttl_cap
 * (seconds, 0: none) shortens its life to what the signature allows (RFC 4035 §5.3.3). */
void rrcache_set_security(struct rrcache *c, const uint8_t *owner, uint32_t type,
			  const struct rrcache_judged *data, enum cache_sec sec, uint32_t ttl_cap,
			  int64_t now);

/* The live entry (owner, type) failed validation with this EDE: keep it at most ttl more
 * seconds, marked, so that the same question gets the same answer without new work. */
void rrcache_mark_bogus(struct rrcache *c, const uint8_t *owner, uint32_t type,
			const struct rrcache_judged *data, uint8_t ede, uint32_t ttl, int64_t now);

/* Let go of an entry rrcache_get() returned (NULL is a no-op). */
void rrcache_release(struct rrcache *c, const struct cache_entry *e);

/* Seconds an entry has left (0 once expired). */
uint32_t rrcache_ttl_left(const struct cache_entry *e, int64_t now);

/* Iterate the records of an entry: *off starts at 0; false at the end. */
bool rrcache_next_rdata(const struct cache_entry *e, uint32_t *off, const uint8_t **rd,
			uint16_t *rdlen);

void rrcache_get_stats(struct rrcache *c, struct rrcache_stats *out);

/* What a flush removes (the seeds' fix for "the record exists now but clients still get
 * NXDOMAIN"). */
enum rrcache_flush {
	RRCACHE_FLUSH_NAME,      /* every entry owned by the name */
	RRCACHE_FLUSH_BELOW,     /* every entry owned by the name or a name below it */
	RRCACHE_FLUSH_NEGATIVE,  /* every NXDOMAIN and NODATA entry */
	RRCACHE_FLUSH_ALL,       /* everything */
};

/* Remove entries; name is canonical (ignored for NEGATIVE and ALL). Returns how many. */
size_t rrcache_flush(struct rrcache *c, enum rrcache_flush what, const uint8_t *name);

/* Change the TTL caps and the byte budget (a reload); entries over the new budget go now.
 * TTLs already cached keep their expiry. */
void rrcache_set_limits(struct rrcache *c, const struct rrcache_limits *lim);

/* The TTL caps of the cache, for answers handed out before (or without) being cached. */
uint32_t rrcache_clamp_ttl(const struct rrcache *c, uint32_t ttl);
uint32_t rrcache_clamp_negative_ttl(const struct rrcache *c, uint32_t ttl);

/* RFC 2308 §5: min(SOA TTL, SOA MINIMUM) for an SOA's data. */
uint32_t rrcache_soa_negative_ttl(uint32_t soa_ttl, const uint8_t *soa_rdata, uint16_t rdlen);

#endif
