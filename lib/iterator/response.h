/*
 * response — reading an upstream response the way an iterator must (RFC 1034 §5.3.3 step 4):
 * what kind of answer it is relative to the zone that was asked and the name asked, and the
 * RRsets it holds, gathered into owned copies.
 */
#ifndef CAIRN_ITERATOR_RESPONSE_H
#define CAIRN_ITERATOR_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/wire/msg.h"

enum iter_resp {
	IR_ANSWER,    /* data, or a CNAME/DNAME chain, for the name asked */
	IR_NXDOMAIN,  /* the name does not exist */
	IR_NODATA,    /* the name exists without the type (authoritative, or with SOA) */
	IR_REFERRAL,  /* NS records for a zone between the current one and the name */
	IR_LAME,      /* the server does not serve the zone: upward referral, or nothing useful */
	IR_SERVFAIL,
	IR_REFUSED,
	IR_FORMERR,   /* FORMERR or NOTIMP: it did not understand the query */
	IR_BROKEN,    /* any other RCODE */
};

/* One RRset gathered from a response (or a cache entry), in owned memory. */
struct iter_rrset {
	uint8_t *owner;    /* canonical name */
	uint16_t type;
	uint32_t ttl;      /* lowest TTL of its records (RFC 2181 §5.2) */
	uint32_t count;    /* records */
	uint32_t size;     /* bytes of rdata */
	uint8_t *rdata;    /* packed [u16 length][bytes], duplicates removed */
	uint32_t sig_count;/* RRSIGs over it (RFC 4034 §3) that came in the same section */
	uint32_t sig_size;
	uint8_t *sigs;     /* their data, packed the same way; NULL when none */
	uint8_t security;  /* enum cache_sec: what validation has found of it */
	uint8_t ede;       /* CACHE_SEC_BOGUS: the EDE code it was found bogus with */
	uint16_t part;     /* the cache partition it came from or goes to (lib/policy rules) */
};

/* Classify a response to (ask, qtype) sent to a server of `zone`. For IR_REFERRAL, *cut is
 * set to the delegated zone's name (pointing into m). */
enum iter_resp iter_classify(const struct wire_msg *m, const uint8_t *zone, const uint8_t *ask,
			     uint16_t qtype, const uint8_t **cut);

/* Gather the records (owner, type) of one section (or every section when section < 0).
 * Returns the number of records found (0: none, out untouched), -1 when out of memory. */
int iter_gather(const struct wire_msg *m, int section, const uint8_t *owner, uint16_t type,
		struct iter_rrset *out);

/* Find the first DNAME in the answer section whose owner is a proper ancestor of name and
 * lies within zone; NULL if none. */
const struct wire_rr *iter_find_dname(const struct wire_msg *m, const uint8_t *zone,
				      const uint8_t *name);

/* The SOA of the authority section (owner within zone), or NULL. */
const struct wire_rr *iter_find_soa(const struct wire_msg *m, const uint8_t *zone);

/* Deep copies and release. */
int iter_rrset_copy(struct iter_rrset *dst, const struct iter_rrset *src);
int iter_rrset_make(struct iter_rrset *dst, const uint8_t *owner, uint16_t type, uint32_t ttl,
		    uint32_t count, const uint8_t *rdata, uint32_t size);
void iter_rrset_free(struct iter_rrset *s);

/* Every NSEC and NSEC3 RRset of the authority section, with its RRSIGs: the denial and
 * wildcard proofs of an answer (RFC 4035 §3.1.3). Appends to *out (n of them, grown with
 * realloc). -1 when out of memory. */
int iter_gather_proofs(const struct wire_msg *m, struct iter_rrset **out, size_t *n);

/* Give s a copy of these RRSIGs (packed), in place of any it had. -1 when out of memory. */
int iter_rrset_set_sigs(struct iter_rrset *s, const uint8_t *sigs, uint32_t size,
			uint32_t count);

/* The first record's data of a packed set, and its length. */
const uint8_t *iter_rrset_first(const struct iter_rrset *s, uint16_t *rdlen);

/* The name a CNAME (or NS, PTR...) set points to, canonical: its first record's data, which
 * must be exactly one well-formed name. false when it is not. */
bool iter_rrset_target(const struct iter_rrset *s, uint8_t out[WIRE_NAME_MAX]);

#endif
