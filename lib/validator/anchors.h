/*
 * anchors — where trust starts (RFC 4033 §2, RFC 4035 §4.4): DS or DNSKEY records the operator
 * vouches for, by owner name; and negative trust anchors (RFC 7646), names below which
 * validation is off. The IANA root KSKs are compiled in (anchors_builtin); dnssec.trust-
 * anchors replaces them. Pure data: the daemon reads the files.
 */
#ifndef CAIRN_VALIDATOR_ANCHORS_H
#define CAIRN_VALIDATOR_ANCHORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/wire/name.h"

/* Every anchor record of one owner name. */
struct anchor {
	uint8_t owner[WIRE_NAME_MAX];  /* canonical */
	uint8_t *ds;                   /* DS records, packed [u16 length][data] */
	uint32_t ds_size, ds_count;
	uint8_t *keys;                 /* DNSKEY records, packed the same way */
	uint32_t keys_size, keys_count;
};

struct anchors {
	struct anchor *a;
	size_t count;
	uint8_t (*nta)[WIRE_NAME_MAX]; /* negative trust anchors, canonical */
	size_t n_nta;
};

/* The IANA root zone KSKs as DS records: KSK-2017 (tag 20326) and KSK-2024 (tag 38696),
 * both RSASHA256, SHA-256 digests. -1 when out of memory. */
int anchors_builtin(struct anchors *out);

/* Add one DS or DNSKEY record (type given) for owner. -1 when out of memory or the type is
 * neither. */
int anchors_add(struct anchors *as, const uint8_t *owner, uint16_t type, const uint8_t *rdata,
		uint16_t rdlen);

/* Add a negative trust anchor. -1 when out of memory. */
int anchors_add_nta(struct anchors *as, const uint8_t *name);

/* The anchor at the closest ancestor of name (or name itself), or NULL: validation of name
 * starts there; no anchor above it means it is not validated (insecure). */
const struct anchor *anchors_closest(const struct anchors *as, const uint8_t *name);

/* Is name at or below a negative trust anchor? */
bool anchors_nta_covers(const struct anchors *as, const uint8_t *name);

/* Do a and b hold the same anchors and negative anchors (in the same order)? */
bool anchors_equal(const struct anchors *a, const struct anchors *b);

void anchors_free(struct anchors *as);

#endif
