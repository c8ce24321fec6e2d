/*
 * nsec — the record-level arithmetic of authenticated denial: does an NSEC (RFC 4034 §4,
 * RFC 4035 §5.4) or an NSEC3 (RFC 5155) cover or match a name, and which types does its
 * bitmap list. The proofs built from these (NXDOMAIN, NODATA, wildcard, insecure
 * delegation) live in the validator proper; this file has no policy, only the maths.
 */
#ifndef CAIRN_VALIDATOR_NSEC_H
#define CAIRN_VALIDATOR_NSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NSEC3_HASH_MAX 64             /* longest hash accepted (SHA-1 gives 20) */
#define NSEC3_ALG_SHA1 1
#define NSEC3_FLAG_OPT_OUT 0x01
#define NSEC3_ITERATIONS_MAX 150      /* RFC 9276 §3.2: above this, treat as insecure */

/* RFC 4034 §4.1.2: is type in the type bitmap (bitmap, len bytes)? false if malformed. */
bool nsec_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type);

/* An NSEC's data: the next owner name and the bitmap; false when malformed. */
bool nsec_parse(const uint8_t *rdata, uint16_t rdlen, const uint8_t **next,
		const uint8_t **bitmap, size_t *bitmap_len);

/* RFC 4035 §5.4 / RFC 6672 §5.3.4: an NSEC at a delegation point (NS without SOA) or at a
 * DNAME proves nothing about the names below its owner: may this one deny name? */
bool nsec_may_deny_below(const uint8_t *owner, const uint8_t *bitmap, size_t blen,
			 const uint8_t *name);

/* RFC 4035 §5.4: does the NSEC owner..next span cover name, strictly between the two in
 * canonical order (the last NSEC of a zone wraps around to the apex)? All canonical. */
bool nsec_covers(const uint8_t *owner, const uint8_t *next, const uint8_t *name);

struct nsec3_fields {
	uint8_t alg;
	uint8_t flags;
	uint16_t iterations;
	const uint8_t *salt;
	uint8_t salt_len;
	const uint8_t *next_hash;       /* the next hashed owner, raw bytes */
	uint8_t hash_len;
	const uint8_t *bitmap;
	size_t bitmap_len;
};

/* An NSEC3's data; false when malformed. */
bool nsec3_parse(const uint8_t *rdata, uint16_t rdlen, struct nsec3_fields *out);

/* RFC 5155 §5: the hash of name (canonical) with the given parameters, into out; its
 * length, or 0 for an unknown algorithm. */
size_t nsec3_hash(const uint8_t *name, uint8_t alg, uint16_t iterations, const uint8_t *salt,
		  uint8_t salt_len, uint8_t out[NSEC3_HASH_MAX]);

/* The hash an NSEC3 owner name carries in its first label (base32hex, RFC 4648 §7), into
 * out; its length, or 0 when the label is not such an encoding. */
size_t nsec3_owner_hash(const uint8_t *owner, uint8_t out[NSEC3_HASH_MAX]);

/* RFC 5155 §8.3: does the span from the owner's hash to next_hash cover hash (strictly
 * between; the last one wraps)? All of len bytes. */
bool nsec3_covers(const uint8_t *owner_hash, const uint8_t *next_hash, const uint8_t *hash,
		  size_t len);

#endif
