/* cache_helpers — read the RRset cache in tests without holding its lock.
 *
 * rrcache_get() keeps the entry's shard locked until rrcache_release(); a test that reads an
 * entry and then stores or reads again would wait on itself. cache_snapshot() copies the
 * entry (header, owner, records, SOA) and releases it at once. The copy lives until the
 * CACHE_SNAPSHOTS-th next call. */
#ifndef CAIRN_TESTS_CACHE_HELPERS_H
#define CAIRN_TESTS_CACHE_HELPERS_H

#include <string.h>

#include "lib/cache/rrcache.h"
#include "lib/wire/name.h"

#define CACHE_SNAPSHOTS 4

struct cache_snapshot {
	struct cache_entry e;
	uint8_t owner[WIRE_NAME_MAX];
	uint8_t soa_owner[WIRE_NAME_MAX];
	uint8_t soa_rdata[65536];
	uint8_t rdata[65536];
	uint8_t sigs[65536];
};

static inline const struct cache_entry *cache_snapshot(struct rrcache *c, const uint8_t *owner,
						      uint32_t type, int64_t now)
{
	static struct cache_snapshot snaps[CACHE_SNAPSHOTS];
	static unsigned next;
	const struct cache_entry *e = rrcache_get(c, owner, type, now);
	if (!e)
		return NULL;
	struct cache_snapshot *s = &snaps[next++ % CACHE_SNAPSHOTS];
	s->e = *e;
	memcpy(s->owner, e->owner, wire_name_len(e->owner));
	s->e.owner = s->owner;
	if (e->rdata && e->size) {
		memcpy(s->rdata, e->rdata, e->size);
		s->e.rdata = s->rdata;
	}
	if (e->sigs) {
		memcpy(s->sigs, e->sigs, e->sig_size);
		s->e.sigs = s->sigs;
	}
	if (e->soa_owner) {
		memcpy(s->soa_owner, e->soa_owner, wire_name_len(e->soa_owner));
		memcpy(s->soa_rdata, e->soa_rdata, e->soa_rdlen);
		s->e.soa_owner = s->soa_owner;
		s->e.soa_rdata = s->soa_rdata;
		if (e->kind != CACHE_POSITIVE)
			s->e.rdata = s->soa_rdata;
	}
	rrcache_release(c, e);
	return &s->e;
}

#endif
