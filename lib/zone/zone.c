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

/* One alias as added, before the zone is indexed. */
struct pending_alias {
	uint8_t *owner;  /* canonical */
	uint16_t type;
	uint8_t *target; /* canonical */
};

struct zone_pending {
	struct pending_rr *rrs;
	size_t count, cap;
	struct pending_alias *aliases;
	size_t alias_count, alias_cap;
};

/* The alias types of Route 53 ("Supported DNS record types", alias column) less CNAME: an
 * alias CNAME would be a CNAME that shares its name with other data, which RFC 1034 §3.6.2
 * forbids to real ones. The names are for error texts. */
static const struct alias_type {
	uint16_t type;
	const char *name;
} alias_types[] = {
	{ DNS_TYPE_A, "A" },   { DNS_TYPE_AAAA, "AAAA" }, { 257, "CAA" }, /* RFC 8659 */
	{ DNS_TYPE_MX, "MX" }, { 35, "NAPTR" },            /* RFC 3403 */
	{ DNS_TYPE_PTR, "PTR" }, { 99, "SPF" },            /* RFC 4408 */
	{ DNS_TYPE_SRV, "SRV" }, { DNS_TYPE_TXT, "TXT" },
};

const char *zone_alias_type_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(alias_types) / sizeof(alias_types[0]); i++)
		if (alias_types[i].type == type)
			return alias_types[i].name;
	return NULL;
}

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

int zone_add_alias(struct zone *z, const uint8_t *owner, uint16_t type, const uint8_t *target,
		   char *err, size_t errlen)
{
	struct zone_pending *p = z->pending;
	char name[WIRE_NAME_TEXT_MAX], apex[WIRE_NAME_TEXT_MAX];

	if (!p) {
		snprintf(err, errlen, "zone already finished");
		return -1;
	}
	if (wire_name_len_bounded(owner, WIRE_NAME_MAX) < 0 ||
	    wire_name_len_bounded(target, WIRE_NAME_MAX) < 0) {
		snprintf(err, errlen, "alias owner or target is not a valid name");
		return -1;
	}
	wire_name_to_text(owner, name, sizeof(name));
	if (!wire_name_is_subdomain(owner, z->apex)) {
		wire_name_to_text(z->apex, apex, sizeof(apex));
		snprintf(err, errlen, "alias owner %s is outside the zone %s", name, apex);
		return -1;
	}
	/* RFC 4592 would synthesise from a wildcard alias under every missing name; Route 53
	 * aliases are per name, and so are ours. */
	if (wire_name_is_wildcard(owner)) {
		snprintf(err, errlen, "alias owner %s is a wildcard; an alias needs an exact name",
			 name);
		return -1;
	}
	if (!zone_alias_type_name(type)) {
		snprintf(err, errlen,
			 "alias %s of type %u: an alias can only be of type A, AAAA, CAA, MX, "
			 "NAPTR, PTR, SPF, SRV or TXT", name, type);
		return -1;
	}
	if (p->alias_count == p->alias_cap) {
		size_t ncap = p->alias_cap ? p->alias_cap * 2 : 16;
		struct pending_alias *n = realloc(p->aliases, ncap * sizeof(*n));
		if (!n)
			goto oom;
		p->aliases = n;
		p->alias_cap = ncap;
	}
	struct pending_alias *a = &p->aliases[p->alias_count];
	a->owner = dup_bytes(owner, wire_name_len(owner));
	a->target = dup_bytes(target, wire_name_len(target));
	if (!a->owner || !a->target) {
		free(a->owner);
		free(a->target);
		goto oom;
	}
	wire_name_lower(a->owner);
	wire_name_lower(a->target);
	a->type = type;
	p->alias_count++;
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

static int cmp_pending_alias(const void *a, const void *b)
{
	const struct pending_alias *x = a, *y = b;
	int c = wire_name_compare(x->owner, y->owner);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return wire_name_compare(x->target, y->target);
}

static bool same_alias_key(const struct pending_alias *x, const struct pending_alias *y)
{
	return x->type == y->type && wire_name_equal(x->owner, y->owner);
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
	for (size_t i = 0; i < p->alias_count; i++) {
		free(p->aliases[i].owner);
		free(p->aliases[i].target);
	}
	free(p->rrs);
	free(p->aliases);
	free(p);
}

/* Append owner and its ancestors up to the apex; ancestors are suffixes of owner's bytes. */
static void add_with_ancestors(const uint8_t **names, size_t *n, const uint8_t *owner,
			       const uint8_t *apex)
{
	for (const uint8_t *a = owner;; a = wire_name_parent(a)) {
		names[(*n)++] = a;
		if (wire_name_equal(a, apex) || *a == 0)
			break;
	}
}

/* Collect the distinct owner names of records and aliases plus every ancestor up to the apex
 * (the empty non-terminals), sorted canonically. Pointers refer to pending owners. */
static const uint8_t **collect_names(const struct zone *z, size_t *out_n)
{
	const struct zone_pending *p = z->pending;
	size_t cap = 1, n = 0;
	for (size_t i = 0; i < p->count; i++)
		cap += wire_name_labels(p->rrs[i].owner) + 1;
	for (size_t i = 0; i < p->alias_count; i++)
		cap += wire_name_labels(p->aliases[i].owner) + 1;
	const uint8_t **names = malloc(cap * sizeof(*names));
	if (!names)
		return NULL;
	for (size_t i = 0; i < p->count; i++) {
		if (i > 0 && wire_name_compare(p->rrs[i - 1].owner, p->rrs[i].owner) == 0)
			continue;
		add_with_ancestors(names, &n, p->rrs[i].owner, z->apex);
	}
	for (size_t i = 0; i < p->alias_count; i++)
		add_with_ancestors(names, &n, p->aliases[i].owner, z->apex);
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

/* Build the aliases of one node from the sorted pending aliases [*i, ...) with that owner;
 * the same alias twice is one alias. */
static int fill_aliases(struct zone_node *node, const struct zone_pending *p, size_t *i)
{
	size_t start = *i, end = *i;
	while (end < p->alias_count && wire_name_equal(p->aliases[end].owner, node->name))
		end++;
	*i = end;
	if (end == start)
		return 0;
	node->aliases = calloc(end - start, sizeof(*node->aliases));
	if (!node->aliases)
		return -1;
	for (size_t k = start; k < end; k++) {
		if (k > start && same_alias_key(&p->aliases[k - 1], &p->aliases[k]))
			continue;
		struct zone_alias *a = &node->aliases[node->alias_count++];
		a->type = p->aliases[k].type;
		a->target = dup_bytes(p->aliases[k].target, wire_name_len(p->aliases[k].target));
		if (!a->target)
			return -1;
	}
	return 0;
}

/* One (owner, type) answers from one target: two different targets are a mistake, not a
 * round robin. The pending aliases must be sorted. */
static int check_alias_duplicates(const struct zone_pending *p, char *err, size_t errlen)
{
	char owner[WIRE_NAME_TEXT_MAX], t1[WIRE_NAME_TEXT_MAX], t2[WIRE_NAME_TEXT_MAX];
	for (size_t i = 1; i < p->alias_count; i++) {
		const struct pending_alias *x = &p->aliases[i - 1], *y = &p->aliases[i];
		if (!same_alias_key(x, y) || wire_name_equal(x->target, y->target))
			continue;
		wire_name_to_text(y->owner, owner, sizeof(owner));
		wire_name_to_text(x->target, t1, sizeof(t1));
		wire_name_to_text(y->target, t2, sizeof(t2));
		snprintf(err, errlen, "alias %s %s has two targets, %s and %s", owner,
			 zone_alias_type_name(y->type), t1, t2);
		return -1;
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

/* An alias stands in for the records of its type: beside records of that type one of the two
 * would never be seen, and beside a CNAME it would break RFC 1034 §3.6.2 (CNAME alone). */
static int check_node_aliases(const struct zone_node *n, char *err, size_t errlen)
{
	char name[WIRE_NAME_TEXT_MAX];
	if (n->alias_count == 0)
		return 0;
	wire_name_to_text(n->name, name, sizeof(name));
	for (uint16_t i = 0; i < n->alias_count; i++) {
		const char *type = zone_alias_type_name(n->aliases[i].type);
		if (zone_node_rrset(n, DNS_TYPE_CNAME)) {
			snprintf(err, errlen,
				 "alias %s %s sits beside a CNAME; a CNAME must be alone at "
				 "its name", name, type);
			return -1;
		}
		if (zone_node_rrset(n, n->aliases[i].type)) {
			snprintf(err, errlen,
				 "alias %s %s sits beside %s records at the same name; keep "
				 "one of them", name, type, type);
			return -1;
		}
	}
	return 0;
}

/* A target in this zone is known now: it must exist and hold the type, as records or as an
 * alias, since Route 53 refuses an alias to a record that is not there. A target outside the
 * zone is resolved at query time. */
static int check_alias_target(const struct zone *z, const struct zone_node *n,
			      const struct zone_alias *a, char *err, size_t errlen)
{
	char name[WIRE_NAME_TEXT_MAX], target[WIRE_NAME_TEXT_MAX], apex[WIRE_NAME_TEXT_MAX];
	if (!wire_name_is_subdomain(a->target, z->apex))
		return 0;
	const struct zone_node *t = zone_find_node(z, a->target);
	if (t && (zone_node_rrset(t, a->type) || zone_node_alias(t, a->type)))
		return 0;
	const char *type = zone_alias_type_name(a->type);
	wire_name_to_text(n->name, name, sizeof(name));
	wire_name_to_text(a->target, target, sizeof(target));
	wire_name_to_text(z->apex, apex, sizeof(apex));
	if (!t)
		snprintf(err, errlen, "alias %s %s points at %s, which does not exist in zone %s",
			 name, type, target, apex);
	else
		snprintf(err, errlen, "alias %s %s points at %s, which has no %s records", name,
			 type, target, type);
	return -1;
}

/* Follow an alias through the zone. Every target in the zone holds the type (checked
 * first), so a walk still on aliases after more steps than the zone has aliases is a loop. */
static int check_alias_loop(const struct zone *z, const struct zone_node *n,
			    const struct zone_alias *a, size_t alias_total, char *err,
			    size_t errlen)
{
	const uint8_t *t = a->target;
	for (size_t steps = 0; wire_name_is_subdomain(t, z->apex); steps++) {
		const struct zone_node *tn = zone_find_node(z, t);
		if (!tn || zone_node_rrset(tn, a->type))
			return 0;
		const uint8_t *next = zone_node_alias(tn, a->type);
		if (!next)
			return 0;
		if (steps > alias_total) {
			char name[WIRE_NAME_TEXT_MAX], target[WIRE_NAME_TEXT_MAX];
			wire_name_to_text(n->name, name, sizeof(name));
			wire_name_to_text(a->target, target, sizeof(target));
			snprintf(err, errlen,
				 "alias %s %s points at %s, and the aliases from there loop "
				 "without reaching %s records", name, zone_alias_type_name(a->type),
				 target, zone_alias_type_name(a->type));
			return -1;
		}
		t = next;
	}
	return 0;
}

/* The alias rules of zone_finish, on the indexed zone: targets first, then loops (the loop
 * walk relies on every in-zone target holding the type). */
static int check_aliases(const struct zone *z, char *err, size_t errlen)
{
	size_t total = 0;
	for (size_t k = 0; k < z->node_count; k++) {
		const struct zone_node *n = &z->nodes[k];
		total += n->alias_count;
		if (check_node_aliases(n, err, errlen) < 0)
			return -1;
		for (uint16_t i = 0; i < n->alias_count; i++)
			if (check_alias_target(z, n, &n->aliases[i], err, errlen) < 0)
				return -1;
	}
	for (size_t k = 0; total && k < z->node_count; k++) {
		const struct zone_node *n = &z->nodes[k];
		for (uint16_t i = 0; i < n->alias_count; i++)
			if (check_alias_loop(z, n, &n->aliases[i], total, err, errlen) < 0)
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
	if (p->alias_count) /* qsort must not see the NULL array of a zone without aliases */
		qsort(p->aliases, p->alias_count, sizeof(*p->aliases), cmp_pending_alias);
	if (check_alias_duplicates(p, err, errlen) < 0)
		return -1;

	size_t nnames;
	const uint8_t **names = collect_names(z, &nnames);
	if (!names)
		goto oom;
	z->nodes = calloc(nnames, sizeof(*z->nodes));
	if (!z->nodes) {
		free(names);
		goto oom;
	}
	size_t i = 0, ai = 0;
	for (size_t k = 0; k < nnames; k++) {
		struct zone_node *node = &z->nodes[z->node_count++];
		node->name = dup_bytes(names[k], wire_name_len(names[k]));
		if (!node->name || fill_node(node, p, &i) < 0 || fill_aliases(node, p, &ai) < 0) {
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
	if (check_aliases(z, err, errlen) < 0)
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
		for (uint16_t k = 0; k < z->nodes[i].alias_count; k++)
			free(z->nodes[i].aliases[k].target);
		free(z->nodes[i].rrsets);
		free(z->nodes[i].aliases);
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

const uint8_t *zone_node_alias(const struct zone_node *n, uint16_t type)
{
	for (uint16_t i = 0; i < n->alias_count; i++)
		if (n->aliases[i].type == type)
			return n->aliases[i].target;
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
