/* msgcache — ready answers in wire format, sharded, for the fast path (see msgcache.h). */
#include "msgcache.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util/hash.h"
#include "lib/util/lruhash.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

struct msg_entry {
	struct lru_node node;                /* the table's links, hash and cost; first */
	uint32_t view;
	uint16_t qtype;
	uint8_t flags;
	bool prefetch_told;                 /* one caller has been asked to refresh it */
	uint16_t len;                       /* message bytes */
	uint16_t n_ttl;                     /* TTL fields in it */
	uint32_t ttl;                       /* the smallest of them: freshness */
	int64_t stored;                     /* wall-clock second it was stored */
	uint8_t data[];                     /* the message, then n_ttl u16 offsets of TTLs */
};

/* One shard: its table, and the counters the table does not keep (under its lock). */
struct shard {
	struct lruhash t;
	uint64_t hits, misses, stale_hits;
};

struct msgcache {
	uint32_t stale_max;                 /* read under any shard lock; written under all */
	struct shard shard[MSGCACHE_SHARDS];
};

static uint32_t key_hash(const struct msgcache_key *k)
{
	/* The canonical name, then the rest of the key. */
	const uint8_t rest[4] = { (uint8_t)(k->qtype >> 8), (uint8_t)k->qtype, k->flags,
				  (uint8_t)k->view };
	uint32_t h = hash_fnv1a(HASH_FNV_BASIS, k->qname, wire_name_len(k->qname));
	return hash_spread(hash_fnv1a(h, rest, sizeof(rest)));
}

/* Take a shard's lock, counting the times another thread held it (the contention that the
 * sharding is there to avoid; reported as lock-waits). */
static struct shard *shard_of(struct msgcache *c, uint32_t h)
{
	return &c->shard[h >> 28 & (MSGCACHE_SHARDS - 1)];
}

static bool key_matches(const struct msg_entry *e, const struct msgcache_key *k, uint32_t h)
{
	return e->node.hash == h && e->qtype == k->qtype && e->flags == k->flags &&
	       e->view == k->view && wire_name_equal(e->data + DNS_HEADER_SIZE, k->qname);
}

static struct lru_node **find_slot(struct shard *s, const struct msgcache_key *k, uint32_t h)
{
	struct lru_node **p = lruhash_chain(&s->t, h);
	while (*p && !key_matches((const struct msg_entry *)*p, k, h))
		p = &(*p)->hnext;
	return p;
}

struct msgcache *msgcache_new(size_t max_bytes, uint32_t stale_max)
{
	struct msgcache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->stale_max = stale_max;
	bool ok = true;
	for (size_t i = 0; i < MSGCACHE_SHARDS; i++)
		ok &= lruhash_init(&c->shard[i].t, max_bytes / MSGCACHE_SHARDS) == 0;
	if (!ok) {
		msgcache_free(c);
		return NULL;
	}
	return c;
}

void msgcache_free(struct msgcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < MSGCACHE_SHARDS; i++)
		lruhash_destroy(&c->shard[i].t);
	free(c);
}

void msgcache_set_limits(struct msgcache *c, size_t max_bytes, uint32_t stale_max)
{
	for (size_t i = 0; i < MSGCACHE_SHARDS; i++)
		lruhash_lock(&c->shard[i].t);
	c->stale_max = stale_max;
	for (size_t i = 0; i < MSGCACHE_SHARDS; i++) {
		struct lruhash *t = &c->shard[i].t;
		t->budget = max_bytes / MSGCACHE_SHARDS;
		lruhash_evict(t);
	}
	for (size_t i = MSGCACHE_SHARDS; i-- > 0;)
		lruhash_unlock(&c->shard[i].t);
}

/* RFC 1035 §4.1: walk the records after the question, noting where each TTL sits and the
 * smallest one. Returns how many TTLs, or -1 when the message is malformed or has an OPT. */
static int find_ttls(const uint8_t *msg, size_t len, uint16_t *offs, uint32_t *min_ttl)
{
	if (len < DNS_HEADER_SIZE || wire_read_u16(msg + 4) != 1)
		return -1;
	size_t pos = DNS_HEADER_SIZE;
	if (wire_name_skip(msg, len, &pos) < 0 || pos + 4 > len)
		return -1;
	pos += 4;
	unsigned rrs = (unsigned)wire_read_u16(msg + 6) + wire_read_u16(msg + 8) +
		       wire_read_u16(msg + 10);
	uint32_t lowest = UINT32_MAX;
	int n = 0;
	for (unsigned i = 0; i < rrs; i++) {
		if (wire_name_skip(msg, len, &pos) < 0 || pos + 10 > len)
			return -1;
		if (wire_read_u16(msg + pos) == DNS_TYPE_OPT)
			return -1;
		uint32_t ttl = wire_read_u32(msg + pos + 4);
		if (ttl < lowest)
			lowest = ttl;
		if (offs)
			offs[n] = (uint16_t)(pos + 4);
		n++;
		pos += 10u + wire_read_u16(msg + pos + 8);
		if (pos > len)
			return -1;
	}
	if (pos != len)
		return -1;
	*min_ttl = n ? lowest : 0;
	return n;
}

int msgcache_put(struct msgcache *c, const struct msgcache_key *key, const uint8_t *msg,
		 size_t len, int64_t now)
{
	uint32_t ttl;
	if (len > MSGCACHE_ENTRY_MAX)
		return -1;
	int n = find_ttls(msg, len, NULL, &ttl);
	size_t qlen = wire_name_len(key->qname);
	if (n < 0 || ttl == 0 || len < DNS_HEADER_SIZE + qlen ||
	    memcmp(msg + DNS_HEADER_SIZE, key->qname, qlen) != 0)
		return -1; /* malformed, nothing worth keeping, or not this key's question */
	struct msg_entry *e = malloc(sizeof(*e) + len + (size_t)n * sizeof(uint16_t));
	if (!e)
		return -1;
	memset(e, 0, sizeof(*e));
	memcpy(e->data, msg, len);
	uint16_t offs[MSGCACHE_ENTRY_MAX / 11 + 1]; /* an RR takes at least 11 bytes */
	find_ttls(msg, len, offs, &ttl);
	memcpy(e->data + len, offs, (size_t)n * sizeof(uint16_t));
	e->node.hash = key_hash(key);
	e->node.cost = lruhash_alloc_cost(e); /* what the process pays, not only the payload */
	e->view = key->view;
	e->qtype = key->qtype;
	e->flags = key->flags;
	e->len = (uint16_t)len;
	e->n_ttl = (uint16_t)n;
	e->ttl = ttl;
	e->stored = now;

	struct shard *s = shard_of(c, e->node.hash);
	lruhash_lock(&s->t);
	struct lru_node **slot = find_slot(s, key, e->node.hash);
	if (*slot) {
		const struct msg_entry *old = (const struct msg_entry *)*slot;
		int64_t age = now - old->stored;
		bool fresh = age >= 0 && age < (int64_t)old->ttl;
		uint32_t left = fresh ? old->ttl - (uint32_t)age : 0;
		if (fresh && (uint64_t)left * 10 >= old->ttl) {
			/* fresh, and not due for a refresh: the one stored first stays */
			lruhash_unlock(&s->t);
			free(e);
			return 1;
		}
		lruhash_remove(&s->t, slot);
	}
	lruhash_insert(&s->t, &e->node);
	lruhash_evict(&s->t);
	lruhash_unlock(&s->t);
	return 0;
}

/* Copy e into out with each TTL replaced by ttl(original). */
static void copy_out(const struct msg_entry *e, uint8_t *out, bool stale, uint32_t elapsed,
		     uint32_t stale_ttl)
{
	memcpy(out, e->data, e->len);
	const uint8_t *offs = e->data + e->len;
	for (unsigned i = 0; i < e->n_ttl; i++) {
		uint16_t off;
		memcpy(&off, offs + i * sizeof(uint16_t), sizeof(off));
		uint32_t t = wire_read_u32(out + off);
		wire_write_u32(out + off, stale ? stale_ttl : t - elapsed);
	}
}

size_t msgcache_get(struct msgcache *c, const struct msgcache_key *key, int64_t now,
		    uint8_t *out, size_t cap, bool prefetch, struct msgcache_hit *hit)
{
	uint32_t h = key_hash(key);
	struct shard *s = shard_of(c, h);
	size_t len = 0;
	lruhash_lock(&s->t);
	struct lru_node **slot = find_slot(s, key, h);
	struct msg_entry *e = (struct msg_entry *)*slot;
	int64_t age = e ? now - e->stored : 0;
	if (e && (age < 0 || age >= (int64_t)e->ttl)) {
		/* Expired (or stored in the future: the clock went back). Kept for serve-stale
		 * while it may still serve; a miss either way. */
		if (age < 0 || age >= (int64_t)e->ttl + c->stale_max)
			lruhash_remove(&s->t, slot);
		e = NULL;
	}
	if (e && e->len <= cap) {
		uint32_t left = e->ttl - (uint32_t)age;
		copy_out(e, out, false, (uint32_t)age, 0);
		lruhash_touch(&s->t, &e->node);
		hit->ttl_left = left;
		/* Prefetch (Unbound's rule): asked in the last tenth of its life. */
		hit->prefetch = prefetch && !e->prefetch_told && (uint64_t)left * 10 < e->ttl;
		if (hit->prefetch)
			e->prefetch_told = true;
		len = e->len;
		s->hits++;
	} else {
		s->misses++;
	}
	lruhash_unlock(&s->t);
	return len;
}

size_t msgcache_get_stale(struct msgcache *c, const struct msgcache_key *key, int64_t now,
			  uint32_t stale_ttl, uint8_t *out, size_t cap)
{
	uint32_t h = key_hash(key);
	struct shard *s = shard_of(c, h);
	size_t len = 0;
	lruhash_lock(&s->t);
	const struct msg_entry *e = (const struct msg_entry *)*find_slot(s, key, h);
	int64_t age = e ? now - e->stored : -1;
	if (e && age >= 0 && age < (int64_t)e->ttl + c->stale_max && e->len <= cap) {
		bool fresh = age < (int64_t)e->ttl;
		copy_out(e, out, !fresh, (uint32_t)age, stale_ttl);
		len = e->len;
		s->stale_hits++;
	}
	lruhash_unlock(&s->t);
	return len;
}

size_t msgcache_flush(struct msgcache *c)
{
	size_t n = 0;
	for (size_t i = 0; i < MSGCACHE_SHARDS; i++) {
		lruhash_lock(&c->shard[i].t);
		n += lruhash_remove_if(&c->shard[i].t, NULL, NULL);
		lruhash_unlock(&c->shard[i].t);
	}
	return n;
}

void msgcache_get_stats(struct msgcache *c, struct msgcache_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < MSGCACHE_SHARDS; i++) {
		struct shard *s = &c->shard[i];
		lruhash_lock(&s->t);
		out->entries += s->t.entries;
		out->bytes += s->t.cost;
		out->evictions += s->t.evictions;
		out->lock_waits += s->t.lock_waits;
		out->hits += s->hits;
		out->misses += s->misses;
		out->stale_hits += s->stale_hits;
		lruhash_unlock(&s->t);
	}
}
