/* servers — per-address RTT, hold-down and quirks (see servers.h). */
#include "servers.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/util/hash.h"

struct servers {
	struct lruhash t;     /* each address costs 1: the budget is the number remembered */
};

static uint32_t addr_hash(const struct netaddr *a)
{
	const uint8_t port[2] = { (uint8_t)a->port, (uint8_t)(a->port >> 8) };
	uint32_t h = hash_fnv1a(HASH_FNV_BASIS, a->addr, a->family == AF_INET ? 4 : 16);
	return hash_fnv1a(h, port, sizeof(port));
}

struct servers *servers_new(size_t max_entries)
{
	struct servers *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (lruhash_init(&s->t, max_entries ? max_entries : 1) < 0) {
		lruhash_destroy(&s->t);
		free(s);
		return NULL;
	}
	return s;
}

void servers_free(struct servers *s)
{
	if (!s)
		return;
	lruhash_destroy(&s->t);
	free(s);
}

static struct lru_node **slot_of(struct servers *s, const struct netaddr *a, uint32_t h)
{
	struct lru_node **p = lruhash_chain(&s->t, h);
	while (*p && !netaddr_equal(&((const struct srv_info *)*p)->addr, a))
		p = &(*p)->hnext;
	return p;
}

const struct srv_info *servers_peek(const struct servers *s, const struct netaddr *a)
{
	/* A lookup changes nothing; the table is only not const for the chain's type. */
	struct servers *m = (struct servers *)s;
	return (const struct srv_info *)*slot_of(m, a, addr_hash(a));
}

struct srv_info *servers_get(struct servers *s, const struct netaddr *a)
{
	uint32_t h = addr_hash(a);
	struct lru_node **p = slot_of(s, a, h);
	if (*p) {
		lruhash_touch(&s->t, *p);
		return (struct srv_info *)*p;
	}
	if (s->t.entries >= s->t.budget)
		lruhash_delete(&s->t, lruhash_oldest(&s->t)); /* the least recently used goes */
	struct srv_info *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->node.hash = h;
	e->node.cost = 1;
	e->addr = *a;
	e->rto_ms = SRV_RTO_UNKNOWN_MS;
	lruhash_insert(&s->t, &e->node);
	return e;
}

static uint32_t clamp_rto(uint32_t v)
{
	return v < SRV_RTO_MIN_MS ? SRV_RTO_MIN_MS : v > SRV_RTO_MAX_MS ? SRV_RTO_MAX_MS : v;
}

uint32_t servers_rto(const struct srv_info *i)
{
	return i->rto_ms;
}

void servers_answered(struct srv_info *i, uint32_t rtt_ms)
{
	if (!i->known) {
		/* RFC 6298 §2.2: the first measurement. */
		i->srtt_ms = rtt_ms;
		i->rttvar_ms = rtt_ms / 2;
		i->known = true;
	} else {
		/* RFC 6298 §2.3 with alpha 1/8, beta 1/4. */
		uint32_t diff = i->srtt_ms > rtt_ms ? i->srtt_ms - rtt_ms : rtt_ms - i->srtt_ms;
		i->rttvar_ms = (3 * i->rttvar_ms + diff) / 4;
		i->srtt_ms = (7 * i->srtt_ms + rtt_ms) / 8;
	}
	i->rto_ms = clamp_rto(i->srtt_ms + 4 * i->rttvar_ms);
	i->timeouts = 0;
	i->failures = 0;
	i->held_until_ms = 0;
}

static uint64_t hold_ms(unsigned n)
{
	uint64_t v = SRV_HOLD_BASE_MS;
	for (unsigned k = 1; k < n && v < SRV_HOLD_MAX_MS; k++)
		v *= 2;
	return v < SRV_HOLD_MAX_MS ? v : SRV_HOLD_MAX_MS;
}

void servers_failed(struct srv_info *i, enum srv_failure why, uint64_t now_ms)
{
	unsigned n;
	if (why == SRV_TIMEOUT || why == SRV_UNREACHABLE) {
		/* RFC 6298 §5.5: back the timer off. The measured RTT says nothing now, so the
		 * server also ranks as slow as its timeout until it answers again. */
		i->rto_ms = clamp_rto(i->rto_ms * 2);
		if (i->srtt_ms < i->rto_ms)
			i->srtt_ms = i->rto_ms;
		i->known = true;
		n = i->timeouts < 255 ? ++i->timeouts : i->timeouts;
	} else {
		n = i->failures < 255 ? ++i->failures : i->failures;
	}
	i->held_until_ms = now_ms + hold_ms(n);
}

uint64_t servers_score(const struct srv_info *i, uint64_t now_ms)
{
	uint64_t base = i->known ? i->srtt_ms : SRV_SCORE_UNKNOWN_MS;
	if (i->held_until_ms > now_ms)
		base += 1000000 + (i->held_until_ms - now_ms);
	return base;
}

size_t servers_count(const struct servers *s)
{
	return s->t.entries;
}
