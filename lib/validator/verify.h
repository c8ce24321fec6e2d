/*
 * verify — one RRSIG over one RRset, checked the way RFC 4035 §5.3 says: the signature's
 * fields against the RRset and the signer's zone, its validity window (with clock skew),
 * then the cryptography against each DNSKEY of the signer that fits (key tag, algorithm,
 * a zone key not revoked). The maths is ldns's (with OpenSSL), which puts the RRset in
 * canonical form and order first (RFC 4034 §6).
 *
 * Record data comes packed as in the caches: [u16 length][bytes] per record.
 */
#ifndef CAIRN_VALIDATOR_VERIFY_H
#define CAIRN_VALIDATOR_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fields of an RRSIG's data (RFC 4034 §3.1). */
struct rrsig_fields {
	uint16_t type_covered;
	uint8_t alg;
	uint8_t labels;
	uint32_t orig_ttl;
	uint32_t expiration, inception;  /* seconds since 1970, modulo 2^32 (RFC 1982) */
	uint16_t key_tag;
	const uint8_t *signer;           /* the signer's name, inside the data (uncompressed) */
	const uint8_t *sig;
	uint16_t sig_len;
};

/* false when the data is not an RRSIG's. */
bool rrsig_parse(const uint8_t *rdata, uint16_t rdlen, struct rrsig_fields *out);

enum sig_verdict {
	SIG_VALID,          /* verified with a key of the set */
	SIG_EXPIRED,        /* past its expiration (EDE 7) */
	SIG_NOT_YET_VALID,  /* before its inception (EDE 8) */
	SIG_NO_KEY,         /* no usable DNSKEY with its tag and algorithm (EDE 9) */
	SIG_BAD,            /* fields that do not fit the RRset, or the maths failed (EDE 6) */
	SIG_UNSUPPORTED,    /* an algorithm this validator does not implement (EDE 1) */
};

/* A readable word for a verdict ("valid", "expired", ...). */
const char *sig_verdict_text(enum sig_verdict v);

/* Labels of an owner as an RRSIG counts them (RFC 4034 §3.1.3: not the root, not a leading
 * "*"): fewer in a signature means the RRset was synthesised from a wildcard. */
unsigned rrsig_labels(const uint8_t *owner);

/* The RRset to check: owner (canonical), type, class IN, count records packed in size
 * bytes. */
struct rrset_view {
	const uint8_t *owner;
	uint16_t type;
	uint32_t ttl;
	uint32_t count;
	const uint8_t *rdata;
	uint32_t size;
};

/* Check one RRSIG (its data) over rrset with the DNSKEY set of zone (packed, as above).
 * now is the wall clock in seconds; skew the seconds of tolerance on either side of the
 * validity window. *tag receives the key tag of the signature. */
enum sig_verdict rrsig_verify(const struct rrset_view *rrset, const uint8_t *rrsig,
			      uint16_t rrsig_len, const uint8_t *zone, const uint8_t *keys,
			      uint32_t keys_size, int64_t now, uint32_t skew, uint16_t *tag);

#endif
