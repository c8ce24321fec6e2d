/* zone — building and indexing one in-memory zone (see zone.h). */
#include "zone.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/wire/builder.h"
#include "lib/wire/dns.h"

/* One record as loaded, before the zone is indexed. */
struct pending_rr {
	uint8_t *owner; /* canonical */
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata;
};

struct zone_pending {
	struct pending_rr *rrs;
	size_t count, cap;
};

/* Synthesised SOA values, chosen like a small private zone: a 5-minute negative TTL keeps
 * "the record exists now but clients still get NXDOMAIN" short. */
#define SYNTH_SOA_TTL 300
#define SYNTH_SOA_REFRESH 3600
#define SYNTH_SOA_RETRY 600
#define SYNTH_SOA_EXPIRE 86400
#define SYNTH_SOA_MINIMUM 300

struct zone *zone_new(const uint8_t *apex)
{
	struct zone *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->pending = calloc(1, sizeof(*z->pending));
	if (!z->pending) {
		free(z);
		return NULL;
	}
	memcpy(z->apex, apex, wire_name_len(apex));
	wire_name_lower(z->apex);
	return z;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

int zone_add_rr(struct zone *z, const uint8_t *owner, uint16_t type, uint32_t ttl,
		const uint8_t *rdata, uint16_t rdlen, char *err, size_t errlen)
{
	struct zone_pending *p = z->pending;
	char name[WIRE_NAME_TEXT_MAX], apex[WIRE_NAME_TEXT_MAX];

	if (!p) {
		snprintf(err, errlen, "zone already finished");
		return -1;
	}
	if (!wire_name_is_subdomain(owner, z->apex)) {
		wire_name_to_text(owner, name, sizeof(name));
		wire_name_to_text(z->apex, apex, sizeof(apex));
		snprintf(err, errlen, "record owner %s is outside the zone %s", name, apex);
		return -1;
	}
	if (type == DNS_TYPE_SOA && !wire_name_equal(owner, z->apex)) {
		wire_name_to_text(owner, name, sizeof(name));
		snprintf(err, errlen, "SOA record at %s, not at the zone apex", name);
		return -1;
	}
	if (type == DNS_TYPE_OPT || type == DNS_TYPE_ANY || type == DNS_TYPE_AXFR ||
	    type == DNS_TYPE_IXFR || type == DNS_TYPE_TSIG) {
		snprintf(err, errlen, "type %u cannot be stored in a zone", type);
		return -1;
	}
	if (!wire_rdata_well_formed(type, rdata, rdlen)) {
		wire_name_to_text(owner, name, sizeof(name));
		snprintf(err, errlen, "malformed data in a type %u record at %s", type, name);
		return -1;
	}
	if (p->count == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct pending_rr *n = realloc(p->rrs, ncap * sizeof(*n));
		if (!n)
			goto oom;
		p->rrs = n;
		p->cap = ncap;
	}
	struct pending_rr *rr = &p->rrs[p->count];
	rr->owner = dup_bytes(owner, wire_name_len(owner));
	rr->rdata = dup_bytes(rdata, rdlen);
	if (!rr->owner || !rr->rdata) {
		free(rr->owner);
		free(rr->rdata);
		goto oom;
	}
	wire_name_lower(rr->owner);
	rr->type = type;
	rr->ttl = ttl;
	rr->rdlen = rdlen;
	p->count++;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int cmp_pending(const void *a, const void *b)
{
	const struct pending_rr *x = a, *y = b;
	int c = wire_name_compare(x->owner, y->owner);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	size_t n = x->rdlen < y->rdlen ? x->rdlen : y->rdlen;
	c = memcmp(x->rdata, y->rdata, n);
	if (c)
		return c;
	return (x->rdlen > y->rdlen) - (x->rdlen < y->rdlen);
}

static int cmp_name_ptr(const void *a, const void *b)
{
	return wire_name_compare(*(uint8_t *const *)a, *(uint8_t *const *)b);
}

static int add_synth_soa(struct zone *z, char *err, size_t errlen)
{
	uint8_t rdata[2 * WIRE_NAME_MAX + 20];
	size_t al = wire_name_len(z->apex), o = 0;

	memcpy(rdata, z->apex, al); /* MNAME: the zone itself, no outside name to look up */
	o += al;
	if (al + 11 <= WIRE_NAME_MAX) {
		rdata[o] = 10;
		memcpy(rdata + o + 1, "hostmaster", 10);
		memcpy(rdata + o + 11, z->apex, al);
		o += 11 + al;
	} else {
		memcpy(rdata + o, z->apex, al);
		o += al;
	}
	uint32_t v[5] = { 1, SYNTH_SOA_REFRESH, SYNTH_SOA_RETRY, SYNTH_SOA_EXPIRE,
			  SYNTH_SOA_MINIMUM };
	for (int i = 0; i < 5; i++, o += 4)
		wire_write_u32(rdata + o, v[i]);
	return zone_add_rr(z, z->apex, DNS_TYPE_SOA, SYNTH_SOA_TTL, rdata, (uint16_t)o, err,
			   errlen);
}

static void free_pending(struct zone_pending *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++) {
		free(p->rrs[i].owner);
		free(p->rrs[i].rdata);
	}
	free(p->rrs);
	free(p);
}

/* Collect the distinct owner names plus every ancestor up to the apex (the empty
 * non-terminals), sorted canonically. Pointers refer to pending owners. */
static const uint8_t **collect_names(const struct zone *z, size_t *out_n)
{
	const struct zone_pending *p = z->pending;
	size_t cap = 1, n = 0;
	for (size_t i = 0; i < p->count; i++)
		cap += wire_name_labels(p->rrs[i].owner) + 1;
	const uint8_t **names = malloc(cap * sizeof(*names));
	if (!names)
		return NULL;
	for (size_t i = 0; i < p->count; i++) {
		if (i > 0 && wire_name_compare(p->rrs[i - 1].owner, p->rrs[i].owner) == 0)
			continue;
		/* ancestors are suffixes of the owner's own bytes */
		for (const uint8_t *a = p->rrs[i].owner;; a = wire_name_parent(a)) {
			names[n++] = a;
			if (wire_name_equal(a, z->apex) || *a == 0)
				break;
		}
	}
	qsort(names, n, sizeof(*names), cmp_name_ptr);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || wire_name_compare(names[u - 1], names[i]) != 0)
			names[u++] = names[i];
	*out_n = u;
	return names;
}

/* Build the RRsets of one node from the sorted pending records [*i, ...) with that owner. */
static int fill_node(struct zone_node *node, const struct zone_pending *p, size_t *i)
{
	size_t start = *i, end = *i, types = 0;
	while (end < p->count && wire_name_compare(p->rrs[end].owner, node->name) == 0) {
		if (end == start || p->rrs[end].type != p->rrs[end - 1].type)
			types++;
		end++;
	}
	*i = end;
	if (types == 0)
		return 0;
	node->rrsets = calloc(types, sizeof(*node->rrsets));
	if (!node->rrsets)
		return -1;
	for (size_t k = start; k < end;) {
		struct zone_rrset *rs = &node->rrsets[node->rrset_count++];
		size_t j = k, bytes = 0;
		rs->type = p->rrs[k].type;
		rs->ttl = p->rrs[k].ttl;
		for (; j < end && p->rrs[j].type == rs->type; j++) {
			if (j > k && cmp_pending(&p->rrs[j - 1], &p->rrs[j]) == 0)
				continue; /* the same record twice is one record */
			bytes += 2 + p->rrs[j].rdlen;
		}
		rs->rdata = malloc(bytes ? bytes : 1);
		if (!rs->rdata)
			return -1;
		for (size_t m = k; m < j; m++) {
			/* RFC 2181 §5.2: differing TTLs in one RRset; use the lowest, also
			 * from a duplicate that is dropped. */
			if (p->rrs[m].ttl < rs->ttl)
				rs->ttl = p->rrs[m].ttl;
			if (m > k && cmp_pending(&p->rrs[m - 1], &p->rrs[m]) == 0)
				continue;
			wire_write_u16(rs->rdata + rs->size, p->rrs[m].rdlen);
			memcpy(rs->rdata + rs->size + 2, p->rrs[m].rdata, p->rrs[m].rdlen);
			rs->size += 2u + p->rrs[m].rdlen;
			rs->count++;
		}
		k = j;
	}
	return 0;
}

/* RFC 1034 §3.6.2 and RFC 2181 §10.1: a CNAME is alone at its name and single. */
static int check_node(const struct zone_node *n, char *err, size_t errlen)
{
	const struct zone_rrset *cname = zone_node_rrset(n, DNS_TYPE_CNAME);
	char name[WIRE_NAME_TEXT_MAX];
	if (!cname)
		return 0;
	wire_name_to_text(n->name, name, sizeof(name));
	if (cname->count > 1) {
		snprintf(err, errlen, "%s has %" PRIu32 " CNAME records; a name can have only one",
			 name, cname->count);
		return -1;
	}
	if (n->rrset_count > 1) {
		snprintf(err, errlen, "%s has a CNAME and other data; a CNAME must be alone", name);
		return -1;
	}
	return 0;
}

int zone_finish(struct zone *z, char *err, size_t errlen)
{
	struct zone_pending *p = z->pending;
	size_t soa_count = 0;

	for (size_t i = 0; i < p->count; i++)
		soa_count += p->rrs[i].type == DNS_TYPE_SOA;
	if (soa_count == 0 && add_synth_soa(z, err, errlen) < 0)
		return -1;
	qsort(p->rrs, p->count, sizeof(*p->rrs), cmp_pending);

	size_t nnames;
	const uint8_t **names = collect_names(z, &nnames);
	if (!names)
		goto oom;
	z->nodes = calloc(nnames, sizeof(*z->nodes));
	if (!z->nodes) {
		free(names);
		goto oom;
	}
	size_t i = 0;
	for (size_t k = 0; k < nnames; k++) {
		struct zone_node *node = &z->nodes[z->node_count++];
		node->name = dup_bytes(names[k], wire_name_len(names[k]));
		if (!node->name || fill_node(node, p, &i) < 0) {
			free(names);
			goto oom;
		}
	}
	free(names);
	free_pending(p);
	z->pending = NULL;

	for (size_t k = 0; k < z->node_count; k++)
		if (check_node(&z->nodes[k], err, errlen) < 0)
			return -1;
	const struct zone_node *apex = zone_find_node(z, z->apex);
	z->soa = apex ? zone_node_rrset(apex, DNS_TYPE_SOA) : NULL;
	if (!z->soa || z->soa->count != 1) {
		snprintf(err, errlen,
			 "the zone apex must hold exactly one SOA record, found %" PRIu32,
			 z->soa ? z->soa->count : 0);
		return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void zone_free(struct zone *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->node_count; i++) {
		for (uint16_t k = 0; k < z->nodes[i].rrset_count; k++)
			free(z->nodes[i].rrsets[k].rdata);
		free(z->nodes[i].rrsets);
		free(z->nodes[i].name);
	}
	free(z->nodes);
	free_pending(z->pending);
	free(z);
}

const struct zone_node *zone_find_node(const struct zone *z, const uint8_t *name)
{
	size_t lo = 0, hi = z->node_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = wire_name_compare(name, z->nodes[mid].name);
		if (c == 0)
			return &z->nodes[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct zone_rrset *zone_node_rrset(const struct zone_node *n, uint16_t type)
{
	for (uint16_t i = 0; i < n->rrset_count; i++)
		if (n->rrsets[i].type == type)
			return &n->rrsets[i];
	return NULL;
}

bool zone_rrset_next(const struct zone_rrset *rs, uint32_t *off, const uint8_t **rdata,
		     uint16_t *rdlen)
{
	if (*off + 2 > rs->size)
		return false;
	*rdlen = wire_read_u16(rs->rdata + *off);
	*rdata = rs->rdata + *off + 2;
	*off += 2u + *rdlen;
	return true;
}

uint32_t zone_negative_ttl(const struct zone *z)
{
	const uint8_t *rd = z->soa->rdata + 2;
	uint16_t rdlen = wire_read_u16(z->soa->rdata);
	uint32_t minimum = rdlen >= 4 ? wire_read_u32(rd + rdlen - 4) : 0;
	return minimum < z->soa->ttl ? minimum : z->soa->ttl;
}
