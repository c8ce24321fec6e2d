/* rrcache — RRset and negative cache with a byte budget and LRU eviction (see rrcache.h). */
#include "rrcache.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/hash.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

struct rrcache {
	/* The TTL caps, read without a lock by every thread, changed by a reload. */
	_Atomic uint32_t max_ttl, min_ttl, neg_max_ttl;
	unsigned nshards;            /* a power of two, at most RRCACHE_SHARDS */
	struct lruhash shard[RRCACHE_SHARDS];
	uint64_t hits[RRCACHE_SHARDS], misses[RRCACHE_SHARDS]; /* under the shard's lock */
};

static uint32_t key_hash(const uint8_t *owner, uint32_t type)
{
	/* The canonical name, then the key type (partition included), high byte first. */
	const uint8_t t[4] = { (uint8_t)(type >> 24), (uint8_t)(type >> 16), (uint8_t)(type >> 8),
			       (uint8_t)type };
	uint32_t h = hash_fnv1a(HASH_FNV_BASIS, owner, wire_name_len(owner));
	return hash_spread(hash_fnv1a(h, t, sizeof(t)));
}

static unsigned shard_index(const struct rrcache *c, uint32_t h)
{
	return h >> 28 & (c->nshards - 1);
}

static struct lruhash *shard_of(struct rrcache *c, uint32_t h)
{
	return &c->shard[shard_index(c, h)];
}

static void store_ttl_limits(struct rrcache *c, const struct rrcache_limits *lim)
{
	atomic_store_explicit(&c->max_ttl, lim->max_ttl, memory_order_relaxed);
	atomic_store_explicit(&c->min_ttl, lim->min_ttl, memory_order_relaxed);
	atomic_store_explicit(&c->neg_max_ttl, lim->neg_max_ttl, memory_order_relaxed);
}

struct rrcache *rrcache_new(const struct rrcache_limits *lim)
{
	return rrcache_new_sharded(lim, RRCACHE_SHARDS);
}

struct rrcache *rrcache_new_sharded(const struct rrcache_limits *lim, unsigned shards)
{
	if (shards == 0 || shards > RRCACHE_SHARDS || (shards & (shards - 1)))
		return NULL;
	struct rrcache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	store_ttl_limits(c, lim);
	for (c->nshards = 0; c->nshards < shards; c->nshards++) {
		if (lruhash_init(&c->shard[c->nshards], lim->max_bytes / shards) < 0) {
			lruhash_destroy(&c->shard[c->nshards]);
			rrcache_free(c);
			return NULL;
		}
	}
	return c;
}

/* The slot that holds (owner, type) in its shard (locked), or the chain's end. */
static struct lru_node **find_slot(struct lruhash *t, const uint8_t *owner, uint32_t type,
				  uint32_t h)
{
	struct lru_node **p = lruhash_chain(t, h);
	for (; *p; p = &(*p)->hnext) {
		const struct cache_entry *e = (const struct cache_entry *)*p;
		if ((*p)->hash == h && e->type == (type & RRCACHE_TYPE_MASK) &&
		    e->part == type >> RRCACHE_PART_SHIFT && wire_name_equal(e->owner, owner))
			return p;
	}
	return p;
}

/* Remove (owner, type) from whichever shard holds it (locking it). */
static void remove_key(struct rrcache *c, const uint8_t *owner, uint32_t type)
{
	uint32_t h = key_hash(owner, type);
	struct lruhash *t = shard_of(c, h);
	lruhash_lock(t);
	struct lru_node **slot = find_slot(t, owner, type, h);
	if (*slot)
		lruhash_remove(t, slot);
	lruhash_unlock(t);
}

/* Insert a built entry in place of whatever holds its key (the shard is locked). */
static void insert(struct lruhash *t, struct cache_entry *e)
{
	struct lru_node **slot = find_slot(t, e->owner, RRCACHE_KEY(e->part, e->type),
					   e->node.hash);
	if (*slot)
		lruhash_remove(t, slot);
	lruhash_insert(t, &e->node);
	lruhash_evict(t);
}

/* May a new entry of this rank replace the one stored now? (the shard is locked) */
static bool may_replace(struct lruhash *t, const uint8_t *owner, uint32_t type, uint32_t h,
			uint8_t rank, int64_t now)
{
	const struct cache_entry *old = (const struct cache_entry *)*find_slot(t, owner, type, h);
	return !old || old->expires <= now || rank >= old->rank;
}

uint32_t rrcache_clamp_negative_ttl(const struct rrcache *c, uint32_t ttl)
{
	uint32_t cap = atomic_load_explicit(&c->neg_max_ttl, memory_order_relaxed);
	return ttl > cap ? cap : ttl;
}

uint32_t rrcache_clamp_ttl(const struct rrcache *c, uint32_t ttl)
{
	uint32_t lo = atomic_load_explicit(&c->min_ttl, memory_order_relaxed);
	uint32_t hi = atomic_load_explicit(&c->max_ttl, memory_order_relaxed);
	if (ttl < lo)
		ttl = lo;
	if (ttl > hi) /* the cap wins over the floor */
		ttl = hi;
	return ttl;
}

/* A new entry for (owner, type) with `extra` bytes of room after its owner (*tail points
 * there); the rest of the header is zero. NULL when out of memory. */
static struct cache_entry *entry_new(const uint8_t *owner, uint32_t type, uint32_t h,
				     size_t extra, uint8_t **tail)
{
	size_t olen = wire_name_len(owner);
	struct cache_entry *e = malloc(sizeof(*e) + olen + extra);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	uint8_t *p = (uint8_t *)(e + 1);
	memcpy(p, owner, olen);
	e->node.hash = h;
	e->node.cost = lruhash_alloc_cost(e); /* what the process pays, not only the payload */
	e->type = type & RRCACHE_TYPE_MASK;
	e->part = (uint16_t)(type >> RRCACHE_PART_SHIFT);
	e->owner = p;
	*tail = p + olen;
	return e;
}

int rrcache_put_rrset(struct rrcache *c, const uint8_t *owner, uint32_t type, uint32_t ttl,
		      enum cache_rank rank, uint32_t count, const uint8_t *rdata, uint32_t size,
		      const struct rrcache_sigs *sigs, int64_t now)
{
	uint32_t sig_size = sigs ? sigs->size : 0;
	uint32_t h = key_hash(owner, type);
	uint16_t e_part = (uint16_t)(type >> RRCACHE_PART_SHIFT);
	struct lruhash *s = shard_of(c, h);
	uint8_t *tail;
	/* Built before the lock is taken: the lock covers only the table. */
	struct cache_entry *e = entry_new(owner, type, h, (size_t)size + sig_size, &tail);
	if (!e)
		return -1;
	memcpy(tail, rdata, size);
	if (sig_size) {
		memcpy(tail + size, sigs->data, sig_size);
		e->sigs = tail + size;
		e->sig_size = sig_size;
		e->sig_count = sigs->count;
	}
	e->kind = CACHE_POSITIVE;
	e->rank = (uint8_t)rank;
	e->expires = now + rrcache_clamp_ttl(c, ttl);
	e->count = count;
	e->size = size;
	e->rdata = tail;
	lruhash_lock(s);
	if (!may_replace(s, owner, type, h, (uint8_t)rank, now)) {
		lruhash_unlock(s);
		free(e);
		return 1;
	}
	insert(s, e);
	lruhash_unlock(s);
	if (rank >= CACHE_RANK_NONAUTH)
		remove_key(c, owner, RRCACHE_KEY(e_part, CACHE_TYPE_NXDOMAIN)); /* it exists */
	return 0;
}

uint32_t rrcache_soa_negative_ttl(uint32_t soa_ttl, const uint8_t *soa_rdata, uint16_t rdlen)
{
	if (rdlen < 4)
		return 0;
	uint32_t minimum = wire_read_u32(soa_rdata + rdlen - 4);
	return soa_ttl < minimum ? soa_ttl : minimum;
}

int rrcache_put_negative(struct rrcache *c, const uint8_t *owner, uint32_t type,
			 const uint8_t *soa_owner, uint32_t soa_ttl, const uint8_t *soa_rdata,
			 uint16_t soa_rdlen, int64_t now)
{
	uint32_t h = key_hash(owner, type);
	struct lruhash *s = shard_of(c, h);
	uint32_t ttl = rrcache_clamp_negative_ttl(
		c, rrcache_soa_negative_ttl(soa_ttl, soa_rdata, soa_rdlen));
	size_t slen = wire_name_len(soa_owner);
	uint8_t *tail;
	struct cache_entry *e = entry_new(owner, type, h, slen + soa_rdlen, &tail);
	if (!e)
		return -1;
	memcpy(tail, soa_owner, slen);
	memcpy(tail + slen, soa_rdata, soa_rdlen);
	e->kind = e->type == CACHE_TYPE_NXDOMAIN ? CACHE_NXDOMAIN : CACHE_NODATA;
	e->rank = CACHE_RANK_ANSWER;
	e->expires = now + ttl;
	e->rdata = tail + slen;
	e->soa_owner = tail;
	e->soa_rdata = tail + slen;
	e->soa_rdlen = soa_rdlen;
	lruhash_lock(s);
	if (!may_replace(s, owner, type, h, CACHE_RANK_ANSWER, now)) {
		lruhash_unlock(s);
		free(e);
		return 1;
	}
	insert(s, e);
	lruhash_unlock(s);
	return 0;
}

const struct cache_entry *rrcache_get(struct rrcache *c, const uint8_t *owner, uint32_t type,
				      int64_t now)
{
	uint32_t h = key_hash(owner, type);
	unsigned k = shard_index(c, h);
	struct lruhash *t = &c->shard[k];
	lruhash_lock(t);
	struct lru_node **slot = find_slot(t, owner, type, h);
	struct cache_entry *e = (struct cache_entry *)*slot;
	if (e && e->expires <= now) {
		lruhash_remove(t, slot);
		e = NULL;
	}
	if (!e) {
		c->misses[k]++;
		lruhash_unlock(t);
		return NULL;
	}
	lruhash_touch(t, &e->node);
	c->hits[k]++;
	return e; /* its shard stays locked until rrcache_release() */
}

/* Does the entry still hold the data that was judged? */
static bool holds(const struct cache_entry *e, const struct rrcache_judged *d)
{
	if (!d)
		return false;
	if (e->kind == CACHE_POSITIVE)
		return e->size == d->size && memcmp(e->rdata, d->rdata, d->size) == 0;
	return d->size >= 2 && e->soa_rdlen == d->size - 2 &&
	       memcmp(e->soa_rdata, d->rdata + 2, e->soa_rdlen) == 0;
}

void rrcache_set_security(struct rrcache *c, const uint8_t *owner, uint32_t type,
			  const struct rrcache_judged *data, enum cache_sec sec, uint32_t ttl_cap,
			  int64_t now)
{
	uint32_t h = key_hash(owner, type);
	struct lruhash *t = shard_of(c, h);
	lruhash_lock(t);
	struct cache_entry *e = (struct cache_entry *)*find_slot(t, owner, type, h);
	if (e && e->expires > now && holds(e, data)) {
		e->security = (uint8_t)sec;
		if (ttl_cap && e->expires > now + ttl_cap)
			e->expires = now + ttl_cap;
	}
	lruhash_unlock(t);
}

void rrcache_mark_bogus(struct rrcache *c, const uint8_t *owner, uint32_t type,
			const struct rrcache_judged *data, uint8_t ede, uint32_t ttl, int64_t now)
{
	uint32_t h = key_hash(owner, type);
	struct lruhash *t = shard_of(c, h);
	lruhash_lock(t);
	struct cache_entry *e = (struct cache_entry *)*find_slot(t, owner, type, h);
	if (e && e->expires > now && holds(e, data)) {
		e->security = CACHE_SEC_BOGUS;
		e->ede = ede;
		if (e->expires > now + ttl)
			e->expires = now + ttl;
	}
	lruhash_unlock(t);
}

void rrcache_release(struct rrcache *c, const struct cache_entry *e)
{
	if (e)
		lruhash_unlock(shard_of(c, e->node.hash));
}

uint32_t rrcache_ttl_left(const struct cache_entry *e, int64_t now)
{
	return e->expires > now ? (uint32_t)(e->expires - now) : 0;
}

bool rrcache_next_rdata(const struct cache_entry *e, uint32_t *off, const uint8_t **rd,
			uint16_t *rdlen)
{
	if (*off + 2 > e->size)
		return false;
	*rdlen = wire_read_u16(e->rdata + *off);
	*rd = e->rdata + *off + 2;
	*off += 2u + *rdlen;
	return true;
}

void rrcache_get_stats(struct rrcache *c, struct rrcache_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < c->nshards; i++) {
		struct lruhash *t = &c->shard[i];
		lruhash_lock(t);
		out->entries += t->entries;
		out->bytes += t->cost;
		out->evictions += t->evictions;
		out->lock_waits += t->lock_waits;
		out->hits += c->hits[i];
		out->misses += c->misses[i];
		lruhash_unlock(t);
	}
}

struct flush_what {
	enum rrcache_flush what;
	const uint8_t *name;
};

static bool flush_matches(const struct lru_node *n, void *arg)
{
	const struct cache_entry *e = (const struct cache_entry *)n;
	const struct flush_what *f = arg;
	switch (f->what) {
	case RRCACHE_FLUSH_NAME: return wire_name_equal(e->owner, f->name);
	case RRCACHE_FLUSH_BELOW: return wire_name_is_subdomain(e->owner, f->name);
	case RRCACHE_FLUSH_NEGATIVE: return e->kind != CACHE_POSITIVE;
	default: return true;
	}
}

size_t rrcache_flush(struct rrcache *c, enum rrcache_flush what, const uint8_t *name)
{
	struct flush_what f = { what, name };
	size_t n = 0;
	for (unsigned i = 0; i < c->nshards; i++) {
		lruhash_lock(&c->shard[i]);
		n += lruhash_remove_if(&c->shard[i], flush_matches, &f);
		lruhash_unlock(&c->shard[i]);
	}
	return n;
}

void rrcache_set_limits(struct rrcache *c, const struct rrcache_limits *lim)
{
	store_ttl_limits(c, lim);
	for (unsigned i = 0; i < c->nshards; i++) {
		struct lruhash *t = &c->shard[i];
		lruhash_lock(t);
		t->budget = lim->max_bytes / c->nshards;
		lruhash_evict(t);
		lruhash_unlock(t);
	}
}

void rrcache_free(struct rrcache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nshards; i++)
		lruhash_destroy(&c->shard[i]);
	free(c);
}
