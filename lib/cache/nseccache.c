/* nseccache — verified NSEC spans by zone, for RFC 8198 (see nseccache.h). */
#include "nseccache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cache/rrcache.h"
#include "lib/validator/nsec.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

#define ZONE_BUCKETS 1024

struct nsec_rec {
	struct iter_rrset rrset;        /* the NSEC (one record) and its RRSIGs, a deep copy */
	const uint8_t *next;            /* inside rrset.rdata */
	const uint8_t *bitmap;
	size_t blen;
	int64_t expires;
};

struct nsec_zone {
	struct nsec_zone *hnext;
	uint8_t apex[WIRE_NAME_MAX];    /* canonical */
	struct nsec_rec *recs;          /* in canonical order of owner */
	size_t n, cap;
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
	uint32_t h = 2166136261u;
	for (size_t i = 0, n = wire_name_len(name); i < n; i++)
		h = (h ^ name[i]) * 16777619u;
	return h;
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
	c->records -= z->n;
	z->n = 0;
}

static void zone_free(struct nseccache *c, struct nsec_zone *z)
{
	zone_clear(c, z);
	free(z->recs);
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
				if (z->n && (!oldest || z->stamp < oldest->stamp))
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

int nseccache_put(struct nseccache *c, const uint8_t *zone, const struct iter_rrset *nsec,
		  int64_t expires, const struct iter_rrset *soa, int64_t soa_expires)
{
	if (nsec->type != DNS_TYPE_NSEC || nsec->count != 1 || nsec->size < 2 ||
	    !wire_name_is_subdomain(nsec->owner, zone))
		return 0;
	struct nsec_rec r = { .expires = expires };
	if (iter_rrset_copy(&r.rrset, nsec) < 0)
		return -1;
	if (!nsec_parse(r.rrset.rdata + 2, wire_read_u16(r.rrset.rdata), &r.next, &r.bitmap,
			&r.blen)) {
		iter_rrset_free(&r.rrset);
		return 0;
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
	long i = floor_index(z, r.rrset.owner);
	if (i >= 0 && wire_name_equal(z->recs[i].rrset.owner, r.rrset.owner)) {
		iter_rrset_free(&z->recs[i].rrset); /* a newer copy of the same span */
		z->recs[i] = r;
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	if (z->n >= NSECCACHE_ZONE_MAX) {
		pthread_mutex_unlock(&c->lock);
		iter_rrset_free(&r.rrset);
		return 0;
	}
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 16;
		struct nsec_rec *grown = realloc(z->recs, cap * sizeof(*grown));
		if (!grown)
			goto oom;
		z->recs = grown;
		z->cap = cap;
	}
	size_t at = (size_t)(i + 1);
	memmove(&z->recs[at + 1], &z->recs[at], (z->n - at) * sizeof(z->recs[0]));
	z->recs[at] = r;
	z->n++;
	c->records++;
	evict(c);
	pthread_mutex_unlock(&c->lock);
	return 0;
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

enum nsec_aggressive nseccache_lookup(struct nseccache *c, const uint8_t *name, uint16_t type,
				      int64_t now, struct iter_rrset *soa,
				      struct iter_rrset *proofs, size_t *n)
{
	*n = 0;
	memset(soa, 0, sizeof(*soa));
	enum nsec_aggressive verdict = NSEC_AGGR_NONE;
	const struct nsec_rec *p1 = NULL, *p2 = NULL;
	pthread_mutex_lock(&c->lock);
	struct nsec_zone *z = NULL;
	for (const uint8_t *a = name;; a = wire_name_parent(a)) {
		z = zone_find(c, a);
		if (z || a[0] == 0)
			break;
	}
	if (!z || !z->soa.owner || z->soa_expires <= now)
		goto done;
	const struct nsec_rec *m = matching(z, name, now);
	if (m) {
		/* The name exists: NODATA when its bitmap has neither the type nor a CNAME. */
		if (!nsec_bitmap_has(m->bitmap, m->blen, type) &&
		    !nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_CNAME) &&
		    !(nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_NS) &&
		      !nsec_bitmap_has(m->bitmap, m->blen, DNS_TYPE_SOA))) {
			p1 = m;
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
	size_t cl = wire_name_len(ce);
	if (cl + 2 > WIRE_NAME_MAX)
		goto done;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce, cl);
	const struct nsec_rec *wcov = covering(z, wild, now);
	if (!wcov)
		goto done;
	p1 = cov;
	p2 = wcov == cov ? NULL : wcov;
	verdict = NSEC_AGGR_NXDOMAIN;
done:
	if (verdict != NSEC_AGGR_NONE) {
		int64_t until = z->soa_expires;
		if (p1->expires < until)
			until = p1->expires;
		if (p2 && p2->expires < until)
			until = p2->expires;
		bool ok = emit(&z->soa, until, now, soa) == 0;
		if (ok && emit(&p1->rrset, p1->expires, now, &proofs[0]) == 0)
			*n = 1;
		else
			ok = false;
		if (ok && p2 && emit(&p2->rrset, p2->expires, now, &proofs[1]) == 0)
			*n = 2;
		else if (p2)
			ok = false;
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
