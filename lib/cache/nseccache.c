/* nseccache — verified NSEC spans by zone, for RFC 8198 (see nseccache.h). */
#include "nseccache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cache/rrcache.h"
#include "lib/util/hash.h"
#include "lib/validator/nsec.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

#define ZONE_BUCKETS 1024

struct nsec_rec {
	struct iter_rrset rrset;        /* the NSEC or NSEC3 (one record) and its RRSIGs */
	const uint8_t *next;            /* NSEC: inside rrset.rdata */
	const uint8_t *bitmap;
	size_t blen;
	struct nsec3_fields f3;         /* NSEC3: its fields (inside rrset.rdata) */
	uint8_t hash[NSEC3_HASH_MAX];   /* NSEC3: the owner's hash */
	int64_t expires;
};

struct nsec_zone {
	struct nsec_zone *hnext;
	uint8_t apex[WIRE_NAME_MAX];    /* canonical */
	struct nsec_rec *recs;          /* NSEC, in canonical order of owner */
	size_t n, cap;
	struct nsec_rec *recs3;         /* NSEC3, in order of owner hash; one parameter set */
	size_t n3, cap3;
	struct iter_rrset soa;
	int64_t soa_expires;
	uint64_t stamp;                 /* when it was last stored to */
};

struct nseccache {
	pthread_mutex_t lock;
	struct nsec_zone *buckets[ZONE_BUCKETS];
	size_t records, max;
	uint64_t clock;
};

static uint32_t name_hash(const uint8_t *name)
{
	return hash_fnv1a(HASH_FNV_BASIS, name, wire_name_len(name));
}

struct nseccache *nseccache_new(size_t max_records)
{
	struct nseccache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->max = max_records;
	return c;
}

static void zone_clear(struct nseccache *c, struct nsec_zone *z)
{
	for (size_t i = 0; i < z->n; i++)
		iter_rrset_free(&z->recs[i].rrset);
	for (size_t i = 0; i < z->n3; i++)
		iter_rrset_free(&z->recs3[i].rrset);
	c->records -= z->n + z->n3;
	z->n = z->n3 = 0;
}

static void zone_free(struct nseccache *c, struct nsec_zone *z)
{
	zone_clear(c, z);
	free(z->recs);
	free(z->recs3);
	iter_rrset_free(&z->soa);
	free(z);
}

size_t nseccache_flush(struct nseccache *c)
{
	pthread_mutex_lock(&c->lock);
	size_t n = c->records;
	for (size_t b = 0; b < ZONE_BUCKETS; b++) {
		while (c->buckets[b]) {
			struct nsec_zone *z = c->buckets[b];
			c->buckets[b] = z->hnext;
			zone_free(c, z);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}

void nseccache_free(struct nseccache *c)
{
	if (!c)
		return;
	nseccache_flush(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct nsec_zone *zone_find(struct nseccache *c, const uint8_t *apex)
{
	for (struct nsec_zone *z = c->buckets[name_hash(apex) % ZONE_BUCKETS]; z; z = z->hnext)
		if (wire_name_equal(z->apex, apex))
			return z;
	return NULL;
}

/* Past the budget: the zone stored to least recently gives its records back. */
static void evict(struct nseccache *c)
{
	while (c->records > c->max) {
		struct nsec_zone *oldest = NULL;
		for (size_t b = 0; b < ZONE_BUCKETS; b++)
			for (struct nsec_zone *z = c->buckets[b]; z; z = z->hnext)
				if ((z->n || z->n3) && (!oldest || z->stamp < oldest->stamp))
					oldest = z;
		if (!oldest)
			return;
		zone_clear(c, oldest);
	}
}

/* The index of the last record whose owner sorts at or before name, or -1. */
static long floor_index(const struct nsec_zone *z, const uint8_t *name)
{
	long lo = 0, hi = (long)z->n - 1, found = -1;
	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (wire_name_compare(z->recs[mid].rrset.owner, name) <= 0) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* The index of the last NSEC3 whose owner hash sorts at or before hash, or -1. */
static long floor_index3(const struct nsec_zone *z, const uint8_t *hash, size_t len)
{
	long lo = 0, hi = (long)z->n3 - 1, found = -1;
	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (memcmp(z->recs3[mid].hash, hash, len) <= 0) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* Put r in the sorted array at its place (replacing a record of the same owner). 1 when the
 * zone is full, -1 when out of memory; r is the array's then, else the caller's to free. */
static int insert_sorted(struct nseccache *c, struct nsec_rec **arr, size_t *n, size_t *cap,
			 long i, bool same, struct nsec_rec *r)
{
	if (same) {
		iter_rrset_free(&(*arr)[i].rrset); /* a newer copy of the same span */
		(*arr)[i] = *r;
		return 0;
	}
	if (*n >= NSECCACHE_ZONE_MAX)
		return 1;
	if (*n == *cap) {
		size_t grown_cap = *cap ? *cap * 2 : 16;
		struct nsec_rec *grown = realloc(*arr, grown_cap * sizeof(*grown));
		if (!grown)
			return -1;
		*arr = grown;
		*cap = grown_cap;
	}
	size_t at = (size_t)(i + 1);
	memmove(&(*arr)[at + 1], &(*arr)[at], (*n - at) * sizeof((*arr)[0]));
	(*arr)[at] = *r;
	(*n)++;
	c->records++;
	return 0;
}

int nseccache_put(struct nseccache *c, const uint8_t *zone, const struct iter_rrset *nsec,
		  int64_t expires, const struct iter_rrset *soa, int64_t soa_expires)
{
	bool is3 = nsec->type == DNS_TYPE_NSEC3;
	if ((nsec->type != DNS_TYPE_NSEC && !is3) || nsec->count != 1 || nsec->size < 2 ||
	    !wire_name_is_subdomain(nsec->owner, zone))
		return 0;
	struct nsec_rec r = { .expires = expires };
	if (iter_rrset_copy(&r.rrset, nsec) < 0)
		return -1;
	const uint8_t *rd = r.rrset.rdata + 2;
	uint16_t rdlen = wire_read_u16(r.rrset.rdata);
	bool ok = is3 ? nsec3_parse(rd, rdlen, &r.f3) && r.f3.iterations <= NSEC3_ITERATIONS_MAX &&
				nsec3_owner_hash(r.rrset.owner, r.hash) == r.f3.hash_len
		      : nsec_parse(rd, rdlen, &r.next, &r.bitmap, &r.blen);
	if (!ok) {
		iter_rrset_free(&r.rrset);
		return 0;
	}
	if (is3) {
		r.bitmap = r.f3.bitmap;
		r.blen = r.f3.bitmap_len;
	}
	pthread_mutex_lock(&c->lock);
	struct nsec_zone *z = zone_find(c, zone);
	if (!z) {
		z = calloc(1, sizeof(*z));
		if (!z)
			goto oom;
		memcpy(z->apex, zone, wire_name_len(zone));
		uint32_t b = name_hash(zone) % ZONE_BUCKETS;
		z->hnext = c->buckets[b];
		c->buckets[b] = z;
	}
	z->stamp = ++c->clock;
	if (soa && (z->soa.owner == NULL || soa_expires > z->soa_expires)) {
		struct iter_rrset copy;
		if (iter_rrset_copy(&copy, soa) == 0) {
			iter_rrset_free(&z->soa);
			z->soa = copy;
			z->soa_expires = soa_expires;
		}
	}
	int rc;
	if (is3) {
		/* One parameter set per zone (RFC 5155 §7.1: a zone uses one): others are
		 * not kept. */
		const struct nsec3_fields *first = z->n3 ? &z->recs3[0].f3 : NULL;
		if (first && (first->alg != r.f3.alg || first->iterations != r.f3.iterations ||
			      first->salt_len != r.f3.salt_len || first->hash_len != r.f3.hash_len ||
			      memcmp(first->salt, r.f3.salt, r.f3.salt_len) != 0)) {
			rc = 1;
		} else {
			long i = floor_index3(z, r.hash, r.f3.hash_len);
			bool same = i >= 0 && memcmp(z->recs3[i].hash, r.hash, r.f3.hash_len) == 0;
			rc = insert_sorted(c, &z->recs3, &z->n3, &z->cap3, i, same, &r);
		}
	} else {
		long i = floor_index(z, r.rrset.owner);
		bool same = i >= 0 && wire_name_equal(z->recs[i].rrset.owner, r.rrset.owner);
		rc = insert_sorted(c, &z->recs, &z->n, &z->cap, i, same, &r);
	}
	if (rc == 0)
		evict(c);
	pthread_mutex_unlock(&c->lock);
	if (rc != 0)
		iter_rrset_free(&r.rrset);
	return rc < 0 ? -1 : 0;
oom:
	pthread_mutex_unlock(&c->lock);
	iter_rrset_free(&r.rrset);
	return -1;
}

/* The live record that covers name (strictly), or NULL. */
static const struct nsec_rec *covering(const struct nsec_zone *z, const uint8_t *name,
				       int64_t now)
{
	long i = floor_index(z, name);
	/* Before the first owner, only the last record (whose span wraps to the apex) can. */
	const struct nsec_rec *r = i >= 0 ? &z->recs[i] : (z->n ? &z->recs[z->n - 1] : NULL);
	if (!r || r->expires <= now || !nsec_covers(r->rrset.owner, r->next, name) ||
	    !nsec_may_deny_below(r->rrset.owner, r->bitmap, r->blen, name))
		return NULL;
	return r;
}

static const struct nsec_rec *matching(const struct nsec_zone *z, const uint8_t *name,
				       int64_t now)
{
	long i = floor_index(z, name);
	if (i < 0 || !wire_name_equal(z->recs[i].rrset.owner, name) || z->recs[i].expires <= now)
		return NULL;
	return &z->recs[i];
}

static const uint8_t *deeper_common(const uint8_t *name, const uint8_t *a, const uint8_t *b)
{
	const uint8_t *x = name, *y = name;
	while (x[0] && !wire_name_is_subdomain(a, x))
		x = wire_name_parent(x);
	while (y[0] && !wire_name_is_subdomain(b, y))
		y = wire_name_parent(y);
	return wire_name_labels(x) >= wire_name_labels(y) ? x : y;
}

/* Copy a record's RRset with the TTL it has left. */
static int emit(const struct iter_rrset *s, int64_t expires, int64_t now, struct iter_rrset *out)
{
	if (iter_rrset_copy(out, s) < 0)
		return -1;
	uint32_t left = expires > now ? (uint32_t)(expires - now) : 0;
	if (out->ttl > left)
		out->ttl = left;
	out->security = CACHE_SEC_SECURE; /* verified when it was stored */
	return 0;
}

/* NSEC3 of the zone: the live one whose owner hash is h, or that covers h (strictly). */
static const struct nsec_rec *match3(const struct nsec_zone *z, const uint8_t *h, size_t len,
				     int64_t now)
{
	long i = floor_index3(z, h, len);
	if (i < 0 || memcmp(z->recs3[i].hash, h, len) != 0 || z->recs3[i].expires <= now)
		return NULL;
	return &z->recs3[i];
}

static const struct nsec_rec *cover3(const struct nsec_zone *z, const uint8_t *h, size_t len,
				     int64_t now)
{
	long i = floor_index3(z, h, len);
	const struct nsec_rec *r = i >= 0 ? &z->recs3[i] : (z->n3 ? &z->recs3[z->n3 - 1] : NULL);
	if (!r || r->expires <= now || !nsec3_covers(r->hash, r->f3.next_hash, h, len))
		return NULL;
	return r;
}

static bool is_cut_or_dname(const struct nsec_rec *r)
{
	return (nsec_bitmap_has(r->bitmap, r->blen, DNS_TYPE_NS) &&
		!nsec_bitmap_has(r->bitmap, r->blen, DNS_TYPE_SOA)) ||
	       nsec_bitmap_has(r->bitmap, r->blen, DNS_TYPE_DNAME);
}

/* RFC 5155 §8.4/8.5 from the cached chain: NODATA by the NSEC3 matching the name, NXDOMAIN by
 * the closest encloser proof (an ancestor matched, the next closer name and the wildcard
 * covered, no opt-out). At most NSECCACHE_HASHES_MAX hashes. */
static enum nsec_aggressive lookup3(const struct nsec_zone *z, const uint8_t *name,
				    uint16_t type, int64_t now, const struct nsec_rec **proof,
				    size_t *n)
{
	const struct nsec3_fields *p = &z->recs3[0].f3;
	uint8_t h[NSEC3_HASH_MAX];
	size_t len = p->hash_len;
	unsigned hashes = 0;
#define HASH(x) (++hashes <= NSECCACHE_HASHES_MAX && \
		 nsec3_hash((x), p->alg, p->iterations, p->salt, p->salt_len, h) == len)
	if (!HASH(name))
		return NSEC_AGGR_NONE;
	const struct nsec_rec *m = match3(z, h, len, now);
	if (m) {
		bool parent_side = type != DNS_TYPE_DS &&
				   nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_NS) &&
				   !nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_SOA);
		if (nsec_bitmap_has(m->bitmap, m->blen, type) ||
		    nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_CNAME) || parent_side)
			return NSEC_AGGR_NONE;
		proof[(*n)++] = m;
		return NSEC_AGGR_NODATA;
	}
	const uint8_t *nc = name;
	for (const uint8_t *a = wire_name_parent(name); wire_name_is_subdomain(a, z->apex);
	     a = wire_name_parent(a)) {
		if (!HASH(a))
			return NSEC_AGGR_NONE;
		const struct nsec_rec *ce = match3(z, h, len, now);
		if (ce) {
			if (is_cut_or_dname(ce) || !HASH(nc))
				return NSEC_AGGR_NONE;
			const struct nsec_rec *cov = cover3(z, h, len, now);
			if (!cov || (cov->f3.flags & NSEC3_FLAG_OPT_OUT))
				return NSEC_AGGR_NONE;
			uint8_t wild[WIRE_NAME_MAX];
			if (!wire_name_wildcard(a, wild) || !HASH(wild))
				return NSEC_AGGR_NONE;
			const struct nsec_rec *wc = cover3(z, h, len, now);
			if (!wc)
				return NSEC_AGGR_NONE;
			proof[(*n)++] = ce;
			proof[(*n)++] = cov;
			if (wc != cov && wc != ce)
				proof[(*n)++] = wc;
			return NSEC_AGGR_NXDOMAIN;
		}
		nc = a;
		if (a[0] == 0)
			break;
	}
	return NSEC_AGGR_NONE;
#undef HASH
}

enum nsec_aggressive nseccache_lookup(struct nseccache *c, const uint8_t *name, uint16_t type,
				      int64_t now, struct iter_rrset *soa,
				      struct iter_rrset *proofs, size_t *n)
{
	*n = 0;
	memset(soa, 0, sizeof(*soa));
	enum nsec_aggressive verdict = NSEC_AGGR_NONE;
	const struct nsec_rec *use[NSECCACHE_PROOFS_MAX];
	size_t n_use = 0;
	pthread_mutex_lock(&c->lock);
	struct nsec_zone *z = NULL;
	for (const uint8_t *a = name;; a = wire_name_parent(a)) {
		z = zone_find(c, a);
		if (z || a[0] == 0)
			break;
	}
	if (!z || !z->soa.owner || z->soa_expires <= now)
		goto done;
	if (z->n == 0) {
		if (z->n3)
			verdict = lookup3(z, name, type, now, use, &n_use);
		goto done;
	}
	const struct nsec_rec *m = matching(z, name, now);
	if (m) {
		/* The name exists: NODATA when its bitmap has neither the type nor a CNAME. */
		if (!nsec_bitmap_has(m->bitmap, m->blen, type) &&
		    !nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_CNAME) &&
		    !(nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_NS) &&
		      !nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_SOA))) {
			use[n_use++] = m;
			verdict = NSEC_AGGR_NODATA;
		}
		goto done;
	}
	const struct nsec_rec *cov = covering(z, name, now);
	/* A span ending below the name means the name is an empty non-terminal: it exists. */
	if (!cov || wire_name_is_subdomain(cov->next, name))
		goto done;
	const uint8_t *ce = deeper_common(name, cov->rrset.owner, cov->next);
	uint8_t wild[WIRE_NAME_MAX];
	if (!wire_name_wildcard(ce, wild))
		goto done;
	const struct nsec_rec *wcov = covering(z, wild, now);
	if (!wcov)
		goto done;
	use[n_use++] = cov;
	if (wcov != cov)
		use[n_use++] = wcov;
	verdict = NSEC_AGGR_NXDOMAIN;
done:
	if (verdict != NSEC_AGGR_NONE) {
		int64_t until = z->soa_expires;
		for (size_t i = 0; i < n_use; i++)
			if (use[i]->expires < until)
				until = use[i]->expires;
		bool ok = emit(&z->soa, until, now, soa) == 0;
		for (size_t i = 0; ok && i < n_use; i++) {
			ok = emit(&use[i]->rrset, use[i]->expires, now, &proofs[i]) == 0;
			if (ok)
				*n = i + 1;
		}
		if (!ok) {
			if (soa->owner)
				iter_rrset_free(soa);
			for (size_t i = 0; i < *n; i++)
				iter_rrset_free(&proofs[i]);
			*n = 0;
			verdict = NSEC_AGGR_NONE;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return verdict;
}
