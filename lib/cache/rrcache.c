/* rrcache — RRset and negative cache with a byte budget and LRU eviction (see rrcache.h). */
#include "rrcache.h"

#include <stdlib.h>
#include <string.h>

#include "lib/wire/dns.h"
#include "lib/wire/name.h"

#define CACHE_BUCKETS_MIN 1024

struct rrcache {
	struct rrcache_limits lim;
	struct cache_entry **buckets;
	size_t nbuckets;             /* a power of two */
	struct cache_entry lru;      /* sentinel: lru.lru_next is the most recently used */
	struct rrcache_stats st;
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
	return h;
}

struct rrcache *rrcache_new(const struct rrcache_limits *lim)
{
	struct rrcache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->lim = *lim;
	c->nbuckets = CACHE_BUCKETS_MIN;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	return c;
}

static void lru_unlink(struct cache_entry *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push_front(struct rrcache *c, struct cache_entry *e)
{
	e->lru_next = c->lru.lru_next;
	e->lru_prev = &c->lru;
	c->lru.lru_next->lru_prev = e;
	c->lru.lru_next = e;
}

static struct cache_entry **find_slot(struct rrcache *c, const uint8_t *owner, uint32_t type,
				      uint32_t h)
{
	struct cache_entry **p = &c->buckets[h & (c->nbuckets - 1)];
	for (; *p; p = &(*p)->hnext)
		if ((*p)->hash == h && (*p)->type == type && wire_name_equal((*p)->owner, owner))
			return p;
	return p;
}

static void remove_entry(struct rrcache *c, struct cache_entry **slot)
{
	struct cache_entry *e = *slot;
	*slot = e->hnext;
	lru_unlink(e);
	c->st.entries--;
	c->st.bytes -= e->bytes;
	free(e);
}

static void remove_key(struct rrcache *c, const uint8_t *owner, uint32_t type)
{
	struct cache_entry **slot = find_slot(c, owner, type, key_hash(owner, type));
	if (*slot)
		remove_entry(c, slot);
}

static void grow(struct rrcache *c)
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

static void evict_to_budget(struct rrcache *c)
{
	while (c->st.bytes > c->lim.max_bytes && c->lru.lru_prev != &c->lru) {
		struct cache_entry *e = c->lru.lru_prev;
		remove_entry(c, find_slot(c, e->owner, e->type, e->hash));
		c->st.evictions++;
	}
}

/* Insert a built entry in place of whatever holds its key. */
static void insert(struct rrcache *c, struct cache_entry *e)
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

/* May a new entry of this rank replace the one stored now? */
static bool may_replace(struct rrcache *c, const uint8_t *owner, uint32_t type, uint32_t h,
			uint8_t rank, int64_t now)
{
	struct cache_entry *old = *find_slot(c, owner, type, h);
	return !old || old->expires <= now || rank >= old->rank;
}

uint32_t rrcache_clamp_negative_ttl(const struct rrcache *c, uint32_t ttl)
{
	return ttl > c->lim.neg_max_ttl ? c->lim.neg_max_ttl : ttl;
}

uint32_t rrcache_clamp_ttl(const struct rrcache *c, uint32_t ttl)
{
	if (ttl < c->lim.min_ttl)
		ttl = c->lim.min_ttl;
	if (ttl > c->lim.max_ttl) /* the cap wins over the floor */
		ttl = c->lim.max_ttl;
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
	e->bytes = sizeof(*e) + olen + extra;
	*tail = p + olen;
	return e;
}

int rrcache_put_rrset(struct rrcache *c, const uint8_t *owner, uint32_t type, uint32_t ttl,
		      enum cache_rank rank, uint32_t count, const uint8_t *rdata, uint32_t size,
		      int64_t now)
{
	uint32_t h = key_hash(owner, type);
	if (!may_replace(c, owner, type, h, (uint8_t)rank, now))
		return 1;
	uint8_t *tail;
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
	insert(c, e);
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
	if (!may_replace(c, owner, type, h, CACHE_RANK_ANSWER, now))
		return 1;
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
	insert(c, e);
	return 0;
}

const struct cache_entry *rrcache_get(struct rrcache *c, const uint8_t *owner, uint32_t type,
				      int64_t now)
{
	struct cache_entry **slot = find_slot(c, owner, type, key_hash(owner, type));
	struct cache_entry *e = *slot;
	if (!e) {
		c->st.misses++;
		return NULL;
	}
	if (e->expires <= now) {
		remove_entry(c, slot);
		c->st.misses++;
		return NULL;
	}
	lru_unlink(e);
	lru_push_front(c, e);
	c->st.hits++;
	return e;
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

void rrcache_get_stats(const struct rrcache *c, struct rrcache_stats *out)
{
	*out = c->st;
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
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct cache_entry **p = &c->buckets[i];
		while (*p) {
			if (flush_matches(*p, what, name)) {
				remove_entry(c, p);
				n++;
			} else {
				p = &(*p)->hnext;
			}
		}
	}
	return n;
}

void rrcache_set_limits(struct rrcache *c, const struct rrcache_limits *lim)
{
	c->lim = *lim;
	evict_to_budget(c);
}

void rrcache_free(struct rrcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct cache_entry *e = c->buckets[i];
		while (e) {
			struct cache_entry *next = e->hnext;
			free(e);
			e = next;
		}
	}
	free(c->buckets);
	free(c);
}
