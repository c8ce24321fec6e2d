/* servers — per-address RTT, hold-down and quirks (see servers.h). */
#include "servers.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct servers {
	struct srv_info **buckets;
	size_t nbuckets;       /* power of two */
	size_t count, max;
	struct srv_info lru;   /* sentinel: lru.lru_next is the most recently used */
};

static uint32_t addr_hash(const struct netaddr *a)
{
	uint32_t h = 2166136261u;
	size_t n = a->family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < n; i++)
		h = (h ^ a->addr[i]) * 16777619u;
	h = (h ^ (a->port & 0xff)) * 16777619u;
	return (h ^ (a->port >> 8)) * 16777619u;
}

struct servers *servers_new(size_t max_entries)
{
	struct servers *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->max = max_entries ? max_entries : 1;
	s->nbuckets = 256;
	while (s->nbuckets < s->max && s->nbuckets < (1u << 20))
		s->nbuckets *= 2;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return NULL;
	}
	s->lru.lru_next = s->lru.lru_prev = &s->lru;
	return s;
}

void servers_free(struct servers *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct srv_info *e = s->buckets[i];
		while (e) {
			struct srv_info *n = e->hnext;
			free(e);
			e = n;
		}
	}
	free(s->buckets);
	free(s);
}

static struct srv_info **slot_of(const struct servers *s, const struct netaddr *a)
{
	struct srv_info **p = &s->buckets[addr_hash(a) & (s->nbuckets - 1)];
	while (*p && !netaddr_equal(&(*p)->addr, a))
		p = &(*p)->hnext;
	return p;
}

static void lru_unlink(struct srv_info *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
}

static void lru_front(struct servers *s, struct srv_info *e)
{
	e->lru_next = s->lru.lru_next;
	e->lru_prev = &s->lru;
	s->lru.lru_next->lru_prev = e;
	s->lru.lru_next = e;
}

const struct srv_info *servers_peek(const struct servers *s, const struct netaddr *a)
{
	return *slot_of(s, a);
}

struct srv_info *servers_get(struct servers *s, const struct netaddr *a)
{
	struct srv_info **p = slot_of(s, a);
	if (*p) {
		lru_unlink(*p);
		lru_front(s, *p);
		return *p;
	}
	if (s->count >= s->max) {
		struct srv_info *old = s->lru.lru_prev;
		struct srv_info **op = slot_of(s, &old->addr);
		*op = old->hnext;
		lru_unlink(old);
		free(old);
		s->count--;
		p = slot_of(s, a);
	}
	struct srv_info *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->addr = *a;
	e->rto_ms = SRV_RTO_UNKNOWN_MS;
	*p = e;
	lru_front(s, e);
	s->count++;
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
	return s->count;
}
