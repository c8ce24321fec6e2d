/*
 * dnskey — the arithmetic of DNSKEY and DS records: key tags (RFC 4034 Appendix B), DS
 * digests (RFC 4034 §5.1.4, RFC 4509 SHA-256, RFC 6605 SHA-384) and which algorithms and
 * digests this validator implements (RFC 8624). All on wire-format record data; no I/O.
 */
#ifndef CAIRN_VALIDATOR_DNSKEY_H
#define CAIRN_VALIDATOR_DNSKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DNSKEY flags (RFC 4034 §2.1.1, RFC 5011 §7). */
#define DNSKEY_FLAG_ZONE 0x0100   /* a zone key: may verify RRSIGs */
#define DNSKEY_FLAG_REVOKE 0x0080 /* revoked (RFC 5011): never used */
#define DNSKEY_FLAG_SEP 0x0001    /* secure entry point (KSK), a hint only */

/* DNSSEC algorithm numbers (IANA registry). */
enum dnssec_alg {
	DNSSEC_ALG_RSASHA1 = 5,
	DNSSEC_ALG_RSASHA1_NSEC3 = 7,
	DNSSEC_ALG_RSASHA256 = 8,
	DNSSEC_ALG_RSASHA512 = 10,
	DNSSEC_ALG_ECDSAP256SHA256 = 13,
	DNSSEC_ALG_ECDSAP384SHA384 = 14,
	DNSSEC_ALG_ED25519 = 15,
	DNSSEC_ALG_ED448 = 16,
};

/* DS digest types. */
enum ds_digest { DS_DIGEST_SHA1 = 1, DS_DIGEST_SHA256 = 2, DS_DIGEST_SHA384 = 4 };

/* The key tag of a DNSKEY's data (RFC 4034 Appendix B; algorithm 1 is not supported, its
 * keys get the general formula). */
uint16_t dnskey_tag(const uint8_t *rdata, uint16_t rdlen);

/* The parts of a DNSKEY's data; false when it is too short to be one. */
bool dnskey_parse(const uint8_t *rdata, uint16_t rdlen, uint16_t *flags, uint8_t *protocol,
		  uint8_t *alg);

/* May this DNSKEY verify signatures: a zone key, not revoked, protocol 3 (RFC 4034 §2.1.2)? */
bool dnskey_usable(const uint8_t *rdata, uint16_t rdlen);

/* Does the validator verify signatures of this algorithm? (RFC 4035 §5.2: a zone signed only
 * with algorithms it does not know is treated as insecure, not bogus.) */
bool dnssec_alg_supported(uint8_t alg);

/* Does it compute DS digests of this type? */
bool ds_digest_supported(uint8_t digest_type);

/* The parts of a DS's data; false when it is too short. */
bool ds_parse(const uint8_t *rdata, uint16_t rdlen, uint16_t *key_tag, uint8_t *alg,
	      uint8_t *digest_type, const uint8_t **digest, uint16_t *digest_len);

/* RFC 4034 §5.2: does the DS (its data) name this DNSKEY of owner (canonical wire name)? Key
 * tag, algorithm and digest must all agree; false for an unsupported digest type. */
bool ds_matches_dnskey(const uint8_t *ds, uint16_t ds_len, const uint8_t *owner,
		       const uint8_t *dnskey, uint16_t dnskey_len);

#endif
