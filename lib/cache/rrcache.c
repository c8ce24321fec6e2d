/* rrcache — RRset and negative cache with a byte budget and LRU eviction (see rrcache.h). */
#include "rrcache.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/wire/dns.h"
#include "lib/wire/name.h"

#define CACHE_BUCKETS_MIN 64

/* One shard: a hash table, its LRU list and its share of the budget, under one lock. */
struct shard {
	pthread_mutex_t lock;
	struct cache_entry **buckets;
	size_t nbuckets;             /* a power of two */
	struct cache_entry lru;      /* sentinel: lru.lru_next is the most recently used */
	size_t max_bytes;
	struct rrcache_stats st;
};

struct rrcache {
	/* The TTL caps, read without a lock by every thread, changed by a reload. */
	_Atomic uint32_t max_ttl, min_ttl, neg_max_ttl;
	unsigned nshards;            /* a power of two, at most RRCACHE_SHARDS */
	struct shard shard[RRCACHE_SHARDS];
};

static uint32_t key_hash(const uint8_t *owner, uint32_t type)
{
	/* FNV-1a over the canonical name and the type. */
	uint32_t h = 2166136261u;
	size_t n = wire_name_len(owner);
	for (size_t i = 0; i < n; i++)
		h = (h ^ owner[i]) * 16777619u;
	h = (h ^ (type >> 16)) * 16777619u;
	h = (h ^ ((type >> 8) & 0xff)) * 16777619u;
	h = (h ^ (type & 0xff)) * 16777619u;
	/* Spread the low bits (which pick the bucket) from the high ones (the shard). */
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

/* Take a shard's lock, counting the times another thread held it (the contention that the
 * sharding is there to avoid; reported as lock-waits). */
static void shard_lock(struct shard *s)
{
	if (pthread_mutex_trylock(&s->lock) != 0) {
		pthread_mutex_lock(&s->lock);
		s->st.lock_waits++;
	}
}

static struct shard *shard_of(struct rrcache *c, uint32_t h)
{
	return &c->shard[h >> 28 & (c->nshards - 1)];
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
	c->nshards = shards;
	for (size_t i = 0; i < RRCACHE_SHARDS; i++)
		pthread_mutex_init(&c->shard[i].lock, NULL);
	for (size_t i = 0; i < c->nshards; i++) {
		struct shard *s = &c->shard[i];
		s->lru.lru_next = s->lru.lru_prev = &s->lru;
		s->max_bytes = lim->max_bytes / c->nshards;
		s->nbuckets = CACHE_BUCKETS_MIN;
		s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
		if (!s->buckets) {
			rrcache_free(c);
			return NULL;
		}
	}
	return c;
}

static void lru_unlink(struct cache_entry *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push_front(struct shard *c, struct cache_entry *e)
{
	e->lru_next = c->lru.lru_next;
	e->lru_prev = &c->lru;
	c->lru.lru_next->lru_prev = e;
	c->lru.lru_next = e;
}

static struct cache_entry **find_slot(struct shard *c, const uint8_t *owner, uint32_t type,
				      uint32_t h)
{
	struct cache_entry **p = &c->buckets[h & (c->nbuckets - 1)];
	for (; *p; p = &(*p)->hnext)
		if ((*p)->hash == h && (*p)->type == type && wire_name_equal((*p)->owner, owner))
			return p;
	return p;
}

static void remove_entry(struct shard *c, struct cache_entry **slot)
{
	struct cache_entry *e = *slot;
	*slot = e->hnext;
	lru_unlink(e);
	c->st.entries--;
	c->st.bytes -= e->bytes;
	free(e);
}

/* Remove (owner, type) from whichever shard holds it (locking it). */
static void remove_key(struct rrcache *c, const uint8_t *owner, uint32_t type)
{
	uint32_t h = key_hash(owner, type);
	struct shard *s = shard_of(c, h);
	shard_lock(s);
	struct cache_entry **slot = find_slot(s, owner, type, h);
	if (*slot)
		remove_entry(s, slot);
	pthread_mutex_unlock(&s->lock);
}

static void grow(struct shard *c)
{
	size_t n = c->nbuckets * 2;
	struct cache_entry **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct cache_entry *e = c->buckets[i];
		while (e) {
			struct cache_entry *next = e->hnext;
			e->hnext = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(c->buckets);
	c->buckets = nb;
	c->nbuckets = n;
}

static void evict_to_budget(struct shard *c)
{
	while (c->st.bytes > c->max_bytes && c->lru.lru_prev != &c->lru) {
		struct cache_entry *e = c->lru.lru_prev;
		remove_entry(c, find_slot(c, e->owner, e->type, e->hash));
		c->st.evictions++;
	}
}

/* Insert a built entry in place of whatever holds its key (the shard is locked). */
static void insert(struct shard *c, struct cache_entry *e)
{
	struct cache_entry **slot = find_slot(c, e->owner, e->type, e->hash);
	if (*slot)
		remove_entry(c, slot);
	slot = find_slot(c, e->owner, e->type, e->hash);
	e->hnext = NULL;
	*slot = e;
	lru_push_front(c, e);
	c->st.entries++;
	c->st.bytes += e->bytes;
	if (c->st.entries > c->nbuckets)
		grow(c);
	evict_to_budget(c);
}

/* May a new entry of this rank replace the one stored now? (the shard is locked) */
static bool may_replace(struct shard *c, const uint8_t *owner, uint32_t type, uint32_t h,
			uint8_t rank, int64_t now)
{
	struct cache_entry *old = *find_slot(c, owner, type, h);
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
	e->hash = h;
	e->type = type;
	e->owner = p;
	/* What the process pays: the block, the allocator's header, and the bucket pointers
	 * (the table grows at one entry per bucket, so at most two per entry). */
	e->bytes = malloc_usable_size(e) + sizeof(size_t) + 2 * sizeof(void *);
	*tail = p + olen;
	return e;
}

int rrcache_put_rrset(struct rrcache *c, const uint8_t *owner, uint32_t type, uint32_t ttl,
		      enum cache_rank rank, uint32_t count, const uint8_t *rdata, uint32_t size,
		      int64_t now)
{
	uint32_t h = key_hash(owner, type);
	struct shard *s = shard_of(c, h);
	uint8_t *tail;
	/* Built before the lock is taken: the lock covers only the table. */
	struct cache_entry *e = entry_new(owner, type, h, size, &tail);
	if (!e)
		return -1;
	memcpy(tail, rdata, size);
	e->kind = CACHE_POSITIVE;
	e->rank = (uint8_t)rank;
	e->expires = now + rrcache_clamp_ttl(c, ttl);
	e->count = count;
	e->size = size;
	e->rdata = tail;
	shard_lock(s);
	if (!may_replace(s, owner, type, h, (uint8_t)rank, now)) {
		pthread_mutex_unlock(&s->lock);
		free(e);
		return 1;
	}
	insert(s, e);
	pthread_mutex_unlock(&s->lock);
	if (rank >= CACHE_RANK_NONAUTH)
		remove_key(c, owner, CACHE_TYPE_NXDOMAIN); /* the name exists after all */
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
	struct shard *s = shard_of(c, h);
	uint32_t ttl = rrcache_clamp_negative_ttl(
		c, rrcache_soa_negative_ttl(soa_ttl, soa_rdata, soa_rdlen));
	size_t slen = wire_name_len(soa_owner);
	uint8_t *tail;
	struct cache_entry *e = entry_new(owner, type, h, slen + soa_rdlen, &tail);
	if (!e)
		return -1;
	memcpy(tail, soa_owner, slen);
	memcpy(tail + slen, soa_rdata, soa_rdlen);
	e->kind = type == CACHE_TYPE_NXDOMAIN ? CACHE_NXDOMAIN : CACHE_NODATA;
	e->rank = CACHE_RANK_ANSWER;
	e->expires = now + ttl;
	e->rdata = tail + slen;
	e->soa_owner = tail;
	e->soa_rdata = tail + slen;
	e->soa_rdlen = soa_rdlen;
	shard_lock(s);
	if (!may_replace(s, owner, type, h, CACHE_RANK_ANSWER, now)) {
		pthread_mutex_unlock(&s->lock);
		free(e);
		return 1;
	}
	insert(s, e);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

const struct cache_entry *rrcache_get(struct rrcache *c, const uint8_t *owner, uint32_t type,
				      int64_t now)
{
	uint32_t h = key_hash(owner, type);
	struct shard *s = shard_of(c, h);
	shard_lock(s);
	struct cache_entry **slot = find_slot(s, owner, type, h);
	struct cache_entry *e = *slot;
	if (e && e->expires <= now) {
		remove_entry(s, slot);
		e = NULL;
	}
	if (!e) {
		s->st.misses++;
		pthread_mutex_unlock(&s->lock);
		return NULL;
	}
	lru_unlink(e);
	lru_push_front(s, e);
	s->st.hits++;
	return e; /* its shard stays locked until rrcache_release() */
}

void rrcache_release(struct rrcache *c, const struct cache_entry *e)
{
	if (e)
		pthread_mutex_unlock(&shard_of(c, e->hash)->lock);
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
	for (size_t i = 0; i < c->nshards; i++) {
		struct shard *s = &c->shard[i];
		shard_lock(s);
		out->entries += s->st.entries;
		out->bytes += s->st.bytes;
		out->hits += s->st.hits;
		out->misses += s->st.misses;
		out->evictions += s->st.evictions;
		out->lock_waits += s->st.lock_waits;
		pthread_mutex_unlock(&s->lock);
	}
}

static bool flush_matches(const struct cache_entry *e, enum rrcache_flush what,
			  const uint8_t *name)
{
	switch (what) {
	case RRCACHE_FLUSH_NAME: return wire_name_equal(e->owner, name);
	case RRCACHE_FLUSH_BELOW: return wire_name_is_subdomain(e->owner, name);
	case RRCACHE_FLUSH_NEGATIVE: return e->kind != CACHE_POSITIVE;
	default: return true;
	}
}

size_t rrcache_flush(struct rrcache *c, enum rrcache_flush what, const uint8_t *name)
{
	size_t n = 0;
	for (size_t k = 0; k < c->nshards; k++) {
		struct shard *s = &c->shard[k];
		shard_lock(s);
		for (size_t i = 0; i < s->nbuckets; i++) {
			struct cache_entry **p = &s->buckets[i];
			while (*p) {
				if (flush_matches(*p, what, name)) {
					remove_entry(s, p);
					n++;
				} else {
					p = &(*p)->hnext;
				}
			}
		}
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}

void rrcache_set_limits(struct rrcache *c, const struct rrcache_limits *lim)
{
	store_ttl_limits(c, lim);
	for (size_t i = 0; i < c->nshards; i++) {
		struct shard *s = &c->shard[i];
		shard_lock(s);
		s->max_bytes = lim->max_bytes / c->nshards;
		evict_to_budget(s);
		pthread_mutex_unlock(&s->lock);
	}
}

void rrcache_free(struct rrcache *c)
{
	if (!c)
		return;
	for (size_t k = 0; k < RRCACHE_SHARDS; k++) {
		struct shard *s = &c->shard[k];
		for (size_t i = 0; s->buckets && i < s->nbuckets; i++) {
			struct cache_entry *e = s->buckets[i];
			while (e) {
				struct cache_entry *next = e->hnext;
				free(e);
				e = next;
			}
		}
		free(s->buckets);
		pthread_mutex_destroy(&s->lock);
	}
	free(c);
}
