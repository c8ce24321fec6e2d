/* deleg — delegation points and the choice of the next server (see deleg.h). */
#include "deleg.h"

#include <string.h>
#include <sys/socket.h>

#include "lib/wire/dns.h"

void deleg_init(struct deleg *d, const uint8_t *zone, const uint8_t *parent)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->zone, zone, wire_name_len(zone));
	memcpy(d->parent, parent, wire_name_len(parent));
}

int deleg_find_ns(const struct deleg *d, const uint8_t *name)
{
	for (unsigned i = 0; i < d->n_ns; i++)
		if (wire_name_equal(d->ns[i].name, name))
			return (int)i;
	return -1;
}

int deleg_add_ns(struct deleg *d, const uint8_t *name)
{
	int i = deleg_find_ns(d, name);
	if (i >= 0)
		return i;
	if (d->n_ns >= DELEG_NS_MAX)
		return -1;
	struct deleg_ns *n = &d->ns[d->n_ns];
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name, wire_name_len(name));
	wire_name_lower(n->name);
	return (int)d->n_ns++;
}

void deleg_add_addr(struct deleg *d, unsigned i, const struct netaddr *a)
{
	struct deleg_ns *n = &d->ns[i];
	for (unsigned k = 0; k < n->n_addr; k++)
		if (netaddr_equal(&n->addr[k], a))
			return;
	if (n->n_addr < DELEG_ADDR_MAX)
		n->addr[n->n_addr++] = *a;
	if (a->family == AF_INET)
		n->v4_looked = true;
	else
		n->v6_looked = true;
}

void deleg_add_cached_addrs(struct deleg *d, unsigned i, struct rrcache *c, int64_t now)
{
	const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
	for (int t = 0; t < 2; t++) {
		const struct cache_entry *e = rrcache_get(c, d->ns[i].name, types[t], now);
		if (!e)
			continue;
		if (t == 0)
			d->ns[i].v4_looked = true;
		else
			d->ns[i].v6_looked = true;
		uint32_t off = 0;
		const uint8_t *rd;
		uint16_t rdlen;
		while (e->kind == CACHE_POSITIVE && rrcache_next_rdata(e, &off, &rd, &rdlen)) {
			if (rdlen != (t == 0 ? 4 : 16))
				continue;
			struct netaddr a = { .family = t == 0 ? AF_INET : AF_INET6, .port = 53 };
			memcpy(a.addr, rd, rdlen);
			deleg_add_addr(d, i, &a);
		}
		rrcache_release(c, e);
	}
}

bool deleg_addr_allowed(const struct deleg_policy *p, const struct netaddr *a)
{
	const uint8_t *b = a->addr;
	if (a->family == AF_INET) {
		if (!p->ipv4)
			return false;
		if (b[0] == 0 || b[0] >= 224)            /* this network, multicast, class E */
			return false;
		if (b[0] == 127 && !p->query_loopback)  /* RFC 1122 loopback */
			return false;
		return true;
	}
	if (a->family != AF_INET6 || !p->ipv6)
		return false;
	static const uint8_t zero[16], v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || (b[15] == 1 && !p->query_loopback)))
		return false;                            /* :: and ::1 */
	if (memcmp(b, v4mapped, 12) == 0 || b[0] == 0xff)
		return false;                            /* v4-mapped, multicast */
	return true;
}

static const struct deleg_try *find_try(const struct deleg *d, const struct netaddr *a)
{
	for (unsigned i = 0; i < d->n_tried; i++)
		if (netaddr_equal(&d->tried[i].addr, a))
			return &d->tried[i];
	return NULL;
}

/* May this address get (another) query in this request? Only silence earns a second try:
 * a server that refused or failed will say the same again. */
static bool retryable(const struct deleg *d, const struct netaddr *a)
{
	const struct deleg_try *t = find_try(d, a);
	if (!t)
		return d->n_tried < DELEG_TRIED_MAX;
	return t->last == SRV_TIMEOUT && t->count < DELEG_TRIES_PER_ADDR;
}

bool deleg_choose(const struct deleg *d, const struct deleg_policy *p, struct servers *srv,
		  uint64_t now_ms, uint32_t rnd, struct netaddr *out)
{
	const struct netaddr *cand[DELEG_NS_MAX * DELEG_ADDR_MAX];
	uint64_t score[DELEG_NS_MAX * DELEG_ADDR_MAX];
	unsigned n = 0;
	uint64_t best = UINT64_MAX;
	for (unsigned i = 0; i < d->n_ns; i++) {
		for (unsigned k = 0; k < d->ns[i].n_addr; k++) {
			const struct netaddr *a = &d->ns[i].addr[k];
			if (!deleg_addr_allowed(p, a) || !retryable(d, a))
				continue;
			const struct srv_info *si = servers_peek(srv, a);
			uint64_t s = si ? servers_score(si, now_ms) : SRV_SCORE_UNKNOWN_MS;
			const struct deleg_try *t = find_try(d, a);
			if (t)
				s += 2000000; /* a retry comes after every first try */
			cand[n] = a;
			score[n] = s;
			if (s < best)
				best = s;
			n++;
		}
	}
	if (!n)
		return false;
	/* Like Unbound: any server within the band of the best may be chosen, so that unknown
	 * and slightly slower servers keep being measured. */
	unsigned in_band = 0;
	for (unsigned i = 0; i < n; i++)
		if (score[i] <= best + SRV_BAND_MS)
			in_band++;
	unsigned pick = rnd % in_band;
	for (unsigned i = 0; i < n; i++) {
		if (score[i] > best + SRV_BAND_MS)
			continue;
		if (pick-- == 0) {
			*out = *cand[i];
			return true;
		}
	}
	return false;
}

void deleg_note_try(struct deleg *d, const struct netaddr *addr)
{
	struct deleg_try *t = (struct deleg_try *)find_try(d, addr);
	if (!t) {
		if (d->n_tried >= DELEG_TRIED_MAX)
			return;
		t = &d->tried[d->n_tried++];
		t->addr = *addr;
		t->count = 0;
	}
	t->count++;
	t->last = -1;
}

void deleg_note_result(struct deleg *d, const struct netaddr *addr, int failure)
{
	struct deleg_try *t = (struct deleg_try *)find_try(d, addr);
	if (!t)
		return;
	if (failure >= 0) {
		t->last = (int8_t)failure;
		return;
	}
	/* It answered usefully: it may take the next question (QNAME minimisation, retries
	 * after a CNAME) like any fresh server. */
	*t = d->tried[--d->n_tried];
}

const uint8_t *deleg_ns_of(const struct deleg *d, const struct netaddr *addr)
{
	for (unsigned i = 0; i < d->n_ns; i++)
		for (unsigned k = 0; k < d->ns[i].n_addr; k++)
			if (netaddr_equal(&d->ns[i].addr[k], addr))
				return d->ns[i].name;
	return NULL;
}

uint16_t deleg_ns_missing(const struct deleg *d, unsigned i, const struct deleg_policy *p)
{
	const struct deleg_ns *n = &d->ns[i];
	if (p->ipv4 && !n->v4_looked)
		return DNS_TYPE_A;
	if (p->ipv6 && !n->v6_looked)
		return DNS_TYPE_AAAA;
	return 0;
}
