/*
 * zone — one authoritative zone held in memory (private zones and the built-in RFC 6761 /
 * RFC 6303 zones) and the lookup that answers from it (RFC 1034 §4.3.2, RFC 4592).
 *
 * A zone is built once (zone_new, zone_add_rr..., zone_finish) and then read-only: nodes
 * sorted in canonical order (RFC 4034 §6.1), each with its RRsets in wire form. Empty
 * non-terminals exist as nodes without RRsets so that they answer NODATA, not NXDOMAIN.
 * A node may also hold Route 53-style alias records, kept apart from its RRsets: a node's
 * RRsets are only ever real records. The zone owns all its memory; zone_free releases it.
 */
#ifndef CAIRN_ZONE_ZONE_H
#define CAIRN_ZONE_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/wire/name.h"

/* One RRset: the records of one (owner, type), rdatas packed as [u16 length][bytes]. */
struct zone_rrset {
	uint16_t type;
	uint32_t ttl;      /* RFC 2181 §5.2: one TTL per RRset (the lowest one loaded) */
	uint32_t count;    /* number of records */
	uint32_t size;     /* bytes in rdata */
	uint8_t *rdata;    /* packed records */
};

/* A Route 53 alias: questions for (node, type) are answered with the target's RRset of that
 * type, under the node's name and with the target's TTL; no CNAME is shown. */
struct zone_alias {
	uint16_t type;     /* the one question type it answers */
	uint8_t *target;   /* canonical wire name, in this zone or anywhere else */
};

struct zone_node {
	uint8_t *name;               /* canonical wire name */
	struct zone_rrset *rrsets;   /* sorted by type; real records only, never aliases */
	uint16_t rrset_count;        /* 0 for an empty non-terminal or an alias-only name */
	struct zone_alias *aliases;  /* sorted by type, at most one per type */
	uint16_t alias_count;        /* 0 for most names */
};

struct zone_pending; /* records collected before zone_finish */

struct zone {
	uint8_t apex[WIRE_NAME_MAX]; /* canonical wire name of the zone */
	struct zone_node *nodes;     /* canonical order, apex first */
	size_t node_count;
	const struct zone_rrset *soa;/* the apex SOA (always present after zone_finish) */
	struct zone_pending *pending;/* build-time only */
};

/* Start building a zone for apex (wire form, any case). NULL only when out of memory. */
struct zone *zone_new(const uint8_t *apex);

/* Add one record. owner must be at or below the apex. Returns 0, or -1 with a reason. */
int zone_add_rr(struct zone *z, const uint8_t *owner, uint16_t type, uint32_t ttl,
		const uint8_t *rdata, uint16_t rdlen, char *err, size_t errlen);

/* Route 53 alias: (owner, type) answers with the target's RRset of that type, under owner,
 * with the target's TTL, no CNAME; allowed at the apex. owner at or below the apex and not a
 * wildcard; type one of A, AAAA, CAA, MX, NAPTR, PTR, SPF, SRV, TXT; target any name
 * (canonicalised). Returns 0, or -1 with a reason in err. */
/* The mnemonic of an alias type (as zone_finish's errors write it), or NULL when the type
 * cannot be an alias. */
const char *zone_alias_type_name(uint16_t type);

int zone_add_alias(struct zone *z, const uint8_t *owner, uint16_t type, const uint8_t *target,
		   char *err, size_t errlen);

/* Sort, merge RRsets, add empty non-terminals, check the rules a zone must obey (one SOA at
 * the apex, CNAME alone at its name, RFC 1034 §3.6.2; an alias neither beside a CNAME nor
 * beside records of its own type, its target in this zone present with that type, no alias
 * loop). A zone without SOA gets a synthesised one:
 * "<apex> hostmaster.<apex> 1 3600 600 86400 300", TTL 300. */
int zone_finish(struct zone *z, char *err, size_t errlen);

void zone_free(struct zone *z);

/* The node with exactly this canonical name, or NULL. */
const struct zone_node *zone_find_node(const struct zone *z, const uint8_t *name);

/* The RRset of a type at a node, or NULL. */
const struct zone_rrset *zone_node_rrset(const struct zone_node *n, uint16_t type);

/* The target of the alias of a type at a node, or NULL. */
const uint8_t *zone_node_alias(const struct zone_node *n, uint16_t type);

/* Iterate the records of an RRset: *off starts at 0; returns false at the end. */
bool zone_rrset_next(const struct zone_rrset *rs, uint32_t *off, const uint8_t **rdata,
		     uint16_t *rdlen);

/* RFC 2308 §3: the TTL of the SOA in a negative answer, min(SOA TTL, SOA MINIMUM). */
uint32_t zone_negative_ttl(const struct zone *z);

#endif
