/* Unit tests for lib/cache/nseccache.h (RFC 8198): spans of the signed vector zone sig.test
 * (NSEC, tests/unit/data/dnssec) kept in order deny the names they cover, and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "lib/cache/nseccache.h"
#include "lib/cache/rrcache.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

#define T0 1798761600

static void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	if (wire_name_from_text(text, NULL, out) <= 0)
		fail_msg("'%s' is not a name", text);
	wire_name_lower(out);
}

/* Every NSEC of the vector zone stored (as the validator would after proofs), and its SOA. */
static struct nseccache *filled(int64_t ttl)
{
	const char *d = getenv("CAIRN_SRCDIR");
	char path[4200];
	snprintf(path, sizeof(path), "%s/tests/unit/data/dnssec/sig.test.nsec.signed", d ? d : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	ldns_zone *z = NULL;
	assert_int_equal(ldns_zone_new_frm_fp(&z, f, NULL, 0, LDNS_RR_CLASS_IN), LDNS_STATUS_OK);
	fclose(f);
	struct nseccache *c = nseccache_new(1000);
	uint8_t apex[WIRE_NAME_MAX];
	name_of("sig.test.", apex);
	struct iter_rrset soa;
	ldns_buffer *b = ldns_buffer_new(4096);
	assert_int_equal(ldns_rr_rdata2buffer_wire(b, ldns_zone_soa(z)), LDNS_STATUS_OK);
	uint8_t packed[512];
	wire_write_u16(packed, (uint16_t)ldns_buffer_position(b));
	memcpy(packed + 2, ldns_buffer_begin(b), ldns_buffer_position(b));
	assert_int_equal(iter_rrset_make(&soa, apex, DNS_TYPE_SOA, 300, 1, packed,
					 2u + (uint32_t)ldns_buffer_position(b)), 0);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(z)); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_zone_rrs(z), i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC)
			continue;
		ldns_buffer_clear(b);
		assert_int_equal(ldns_rr_rdata2buffer_wire(b, rr), LDNS_STATUS_OK);
		wire_write_u16(packed, (uint16_t)ldns_buffer_position(b));
		memcpy(packed + 2, ldns_buffer_begin(b), ldns_buffer_position(b));
		uint8_t owner[WIRE_NAME_MAX];
		memcpy(owner, ldns_rdf_data(ldns_rr_owner(rr)), ldns_rdf_size(ldns_rr_owner(rr)));
		struct iter_rrset s;
		assert_int_equal(iter_rrset_make(&s, owner, DNS_TYPE_NSEC, 300, 1, packed,
						 2u + (uint32_t)ldns_buffer_position(b)), 0);
		assert_int_equal(nseccache_put(c, apex, &s, T0 + ttl, &soa, T0 + ttl), 0);
		iter_rrset_free(&s);
	}
	iter_rrset_free(&soa);
	ldns_buffer_free(b);
	ldns_zone_deep_free(z);
	return c;
}

static enum nsec_aggressive look(struct nseccache *c, const char *name, uint16_t type,
				 int64_t now, size_t *n)
{
	uint8_t q[WIRE_NAME_MAX];
	name_of(name, q);
	struct iter_rrset soa, proofs[NSECCACHE_PROOFS_MAX];
	enum nsec_aggressive v = nseccache_lookup(c, q, type, now, &soa, proofs, n);
	if (v != NSEC_AGGR_NONE) {
		assert_non_null(soa.owner);
		assert_int_equal(soa.security, CACHE_SEC_SECURE);
		assert_true(soa.ttl <= 300);
		iter_rrset_free(&soa);
		for (size_t i = 0; i < *n; i++) {
			assert_int_equal(proofs[i].type, DNS_TYPE_NSEC);
			iter_rrset_free(&proofs[i]);
		}
	}
	return v;
}

static void test_covered_names_are_denied(void **state)
{
	(void)state;
	struct nseccache *c = filled(300);
	size_t n;
	/* nope.sig.test. sorts after the apex and before ns.sig.test: the apex's span covers
	 * it, and the wildcard *.sig.test too */
	assert_int_equal(look(c, "nope.sig.test.", DNS_TYPE_A, T0, &n), NSEC_AGGR_NXDOMAIN);
	assert_true(n >= 1 && n <= 2);
	assert_int_equal(look(c, "zzz.sig.test.", DNS_TYPE_A, T0, &n), NSEC_AGGR_NXDOMAIN);
	/* a name that exists is never denied; a type it lacks is NODATA */
	assert_int_equal(look(c, "www.sig.test.", DNS_TYPE_A, T0, &n), NSEC_AGGR_NONE);
	assert_int_equal(look(c, "www.sig.test.", DNS_TYPE_MX, T0, &n), NSEC_AGGR_NODATA);
	assert_int_equal(n, 1);
	/* below a wildcard's owner the wildcard answers: not denied */
	assert_int_equal(look(c, "foo.wild.sig.test.", DNS_TYPE_TXT, T0, &n), NSEC_AGGR_NONE);
	/* names of other zones: nothing known */
	assert_int_equal(look(c, "www.other.test.", DNS_TYPE_A, T0, &n), NSEC_AGGR_NONE);
	/* expired: forgotten */
	assert_int_equal(look(c, "nope.sig.test.", DNS_TYPE_A, T0 + 300, &n), NSEC_AGGR_NONE);
	assert_true(nseccache_flush(c) > 0);
	assert_int_equal(look(c, "nope.sig.test.", DNS_TYPE_A, T0, &n), NSEC_AGGR_NONE);
	nseccache_free(c);
}

/* The empty non-terminal "wild.sig.test." (only *.wild below it) exists: never NXDOMAIN. */
static void test_empty_non_terminal_is_not_denied(void **state)
{
	(void)state;
	struct nseccache *c = filled(300);
	size_t n;
	assert_int_equal(look(c, "wild.sig.test.", DNS_TYPE_A, T0, &n), NSEC_AGGR_NONE);
	nseccache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_covered_names_are_denied),
		cmocka_unit_test(test_empty_non_terminal_is_not_denied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
