/*
 * msgcache — the message cache of the fast path: whole answers in wire format, ready to send.
 *
 * A resolved answer is stored once as a message (header, the question in canonical case,
 * its records, no OPT) keyed by (qname, qtype, DO, CD, view). A later question with the
 * same key is answered by copying those bytes and counting every TTL down by the seconds
 * since they were stored; the caller then patches the ID, flags and the client's spelling of
 * the name. A hit allocates nothing and holds one shard's lock for the length of a memcpy.
 *
 * The cache is shared by every worker thread: entries are spread over MSGCACHE_SHARDS shards
 * by hash, each with its own lock, LRU list and share of the byte budget, so threads that
 * answer different names rarely meet on a lock (Unbound's slabhash is the model).
 *
 * Expired entries are not dropped at once: they are kept, while the budget allows, for up to
 * stale_max seconds so that a failed resolution can still be answered from them (RFC 8767).
 * Local zones never meet this cache: lib/respond looks in them first, so a zone added by a
 * reload wins over whatever was cached for its names before.
 */
#ifndef CAIRN_CACHE_MSGCACHE_H
#define CAIRN_CACHE_MSGCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSGCACHE_SHARDS 16          /* a power of two */
#define MSGCACHE_ENTRY_MAX 16384    /* bigger answers are not cached as messages */

#define MSGCACHE_DO 0x01            /* the question had DO=1 (RFC 3225) */
#define MSGCACHE_CD 0x02            /* the question had CD=1 (RFC 4035 §3.2.2) */

struct msgcache_key {
	const uint8_t *qname;           /* canonical (lower-case) wire name */
	uint16_t qtype;
	uint8_t flags;                  /* MSGCACHE_DO | MSGCACHE_CD */
	uint32_t view;                  /* whose answer: the client's view (0: everybody) */
};

/* What a lookup found besides the bytes. */
struct msgcache_hit {
	uint32_t ttl_left;              /* seconds the message stays fresh (0 when stale) */
	bool prefetch;                  /* fresh, in the last 10% of its TTL, and this caller is
					 * the first to be told: refresh it in the background */
};

struct msgcache_stats {
	uint64_t entries, bytes, hits, misses, evictions, stale_hits;
	uint64_t lock_waits;     /* lock taken while another thread held it */
};

struct msgcache;

/* A cache of at most max_bytes (entries, their index and allocator overhead, counted);
 * expired entries are kept up to stale_max seconds (0: dropped when found expired). */
struct msgcache *msgcache_new(size_t max_bytes, uint32_t stale_max);
void msgcache_free(struct msgcache *c);

/* Change the budget and the stale window (a reload); entries over the new budget go now. */
void msgcache_set_limits(struct msgcache *c, size_t max_bytes, uint32_t stale_max);

/* Store msg (len bytes: header, one question whose name is key->qname, records, no OPT). Its
 * freshness is the smallest TTL in it, counted from now (wall-clock seconds). An entry of the
 * key that is fresh and not yet in the last tenth of its life is kept (another thread, or a
 * client too small for it, resolved the same question again): then 1. Returns 0 when stored,
 * -1 when the message is malformed, too big, or memory is short (nothing stored). */
int msgcache_put(struct msgcache *c, const struct msgcache_key *key, const uint8_t *msg,
		 size_t len, int64_t now);

/* Copy the fresh message of key into out (at most cap bytes) with every TTL counted down.
 * Returns its length, or 0 when there is none or it does not fit in cap. With prefetch, the
 * first hit in the last tenth of the TTL sets hit->prefetch. */
size_t msgcache_get(struct msgcache *c, const struct msgcache_key *key, int64_t now,
		    uint8_t *out, size_t cap, bool prefetch, struct msgcache_hit *hit);

/* RFC 8767 §4: copy the message of key even when expired, as long as it expired at most
 * stale_max seconds ago, with every TTL set to stale_ttl. Returns its length or 0. */
size_t msgcache_get_stale(struct msgcache *c, const struct msgcache_key *key, int64_t now,
			  uint32_t stale_ttl, uint8_t *out, size_t cap);

/* Remove every entry; returns how many. */
size_t msgcache_flush(struct msgcache *c);

/* Counters summed over the shards. */
void msgcache_get_stats(struct msgcache *c, struct msgcache_stats *out);

#endif
