/*
 * nseccache — validated NSEC records kept in canonical order (and NSEC3 records in hash
 * order), zone by zone, for the aggressive use of the DNSSEC-validated cache (RFC 8198): a
 * name that falls in a span already proven empty is answered NXDOMAIN (or NODATA) at once,
 * with the proof, without asking anybody.
 *
 * Only records the validator has verified go in, each with the expiry its TTL allows, and the
 * SOA of its zone (an answer needs one). Shared by every worker thread under one lock: it is
 * read on the miss path only. Bounded by a number of records; past it, the zone stored to
 * least recently loses its records.
 */
#ifndef CAIRN_CACHE_NSECCACHE_H
#define CAIRN_CACHE_NSECCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/iterator/response.h"

#define NSECCACHE_ZONE_MAX 4096   /* NSEC records kept per zone, and NSEC3 records */
#define NSECCACHE_PROOFS_MAX 3    /* records one synthesised denial carries */
#define NSECCACHE_HASHES_MAX 16   /* NSEC3 hashes one lookup may compute */

struct nseccache;

struct nseccache *nseccache_new(size_t max_records);
void nseccache_free(struct nseccache *c);

/* Keep a verified NSEC or NSEC3 RRset (one record, with its RRSIGs; NSEC3 of the zone's one
 * parameter set, at most 150 iterations) of zone, until expires, and the
 * zone's SOA RRset (verified too) until soa_expires. -1 when out of memory. */
int nseccache_put(struct nseccache *c, const uint8_t *zone, const struct iter_rrset *nsec,
		  int64_t expires, const struct iter_rrset *soa, int64_t soa_expires);

enum nsec_aggressive { NSEC_AGGR_NONE, NSEC_AGGR_NXDOMAIN, NSEC_AGGR_NODATA };

/* RFC 8198 §5.1: do the cached NSECs of the closest zone above name prove that it does not
 * exist (name and the wildcard at its closest encloser covered), or that it has no type
 * (NODATA: an NSEC at name without type nor CNAME)? Or its NSEC3s (closest encloser proof,
 * no opt-out)? On a proof, *soa and proofs[0..*n) (room for NSECCACHE_PROOFS_MAX) are filled
 * with copies (the caller frees them), TTLs counted down. */
enum nsec_aggressive nseccache_lookup(struct nseccache *c, const uint8_t *name, uint16_t type,
				      int64_t now, struct iter_rrset *soa,
				      struct iter_rrset *proofs, size_t *n);

/* Forget everything (cairnctl flush). Returns the records removed. */
size_t nseccache_flush(struct nseccache *c);

#endif
