/*
 * zone_helpers — what test_zone.c and test_zone_load.c both need: names from text, a lookup
 * into a shared answer, and the asserts on it. Include after <cmocka.h>.
 */
#ifndef CAIRN_TESTS_ZONE_HELPERS_H
#define CAIRN_TESTS_ZONE_HELPERS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/wire/dns.h"
#include "lib/wire/name.h"
#include "lib/zone/lookup.h"
#include "lib/zone/zoneset.h"

static inline void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	if (wire_name_from_text(text, NULL, out) <= 0)
		fail_msg("'%s' is not a name", text);
}

/* The answer of the last lookup, and the query name it was made for. */
static struct zone_answer ans;
static uint8_t qbuf[WIRE_NAME_MAX];

/* A single-zone lookup of text qname. */
static inline const uint8_t *lookup(const struct zone *z, const char *qname, uint16_t qtype)
{
	name_of(qname, qbuf);
	wire_name_lower(qbuf);
	memset(&ans, 0, sizeof(ans));
	return zone_lookup(z, qbuf, qtype, &ans);
}

static inline bool answer_through_set(const struct zoneset *zs, const char *qname,
				      uint16_t qtype)
{
	name_of(qname, qbuf);
	wire_name_lower(qbuf);
	return zoneset_answer(zs, qbuf, qtype, &ans);
}

static inline void assert_owner(const struct zone_answer_rr *a, const char *text)
{
	char buf[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(a->owner, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

/* A negative answer: no records, the SOA in authority with this TTL. */
static inline void assert_negative(unsigned rcode, uint32_t ttl)
{
	assert_int_equal(ans.rcode, rcode);
	assert_int_equal(ans.n_answer, 0);
	assert_int_equal(ans.n_authority, 1);
	assert_int_equal(ans.authority[0].rrset->type, DNS_TYPE_SOA);
	assert_int_equal(ans.authority[0].ttl, ttl);
}

#endif
