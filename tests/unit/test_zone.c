/* Unit tests for lib/zone: building zones, authoritative lookup (RFC 1034 §4.3.2, RFC 4592
 * wildcards, CNAME chains, Route 53-style aliases) and zonesets. Zone files and built-ins:
 * test_zone_load.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/wire/dns.h"
#include "lib/wire/name.h"
#include "lib/zone/load.h"
#include "lib/zone/lookup.h"
#include "lib/zone/zone.h"
#include "lib/zone/zoneset.h"
#include "zone_helpers.h"

/* ---- helpers ---- */

/* Start a zone and add records; the caller finishes it (or checks the error). */
static struct zone *start_zone(const char *apex_text, const char *const *recs)
{
	uint8_t apex[WIRE_NAME_MAX];
	char err[512];
	name_of(apex_text, apex);
	struct zone *z = zone_new(apex);
	assert_non_null(z);
	for (; recs && *recs; recs++)
		if (zone_add_text_rr(z, *recs, err, sizeof(err)) < 0)
			fail_msg("record '%s': %s", *recs, err);
	return z;
}

static struct zone *make_zone(const char *apex_text, const char *const *recs)
{
	char err[512];
	struct zone *z = start_zone(apex_text, recs);
	if (zone_finish(z, err, sizeof(err)) < 0)
		fail_msg("zone %s: %s", apex_text, err);
	return z;
}

/* The zones a CNAME test serves, as one zoneset; unserve() frees them. */
static struct zoneset served;
static struct zone *served_zones[2];

static void serve(struct zone *a, struct zone *b)
{
	const struct zone *zs[] = { a, b };
	served_zones[0] = a;
	served_zones[1] = b;
	assert_int_equal(zoneset_init(&served, zs, b ? 2 : 1), 0);
}

static void unserve(void)
{
	zoneset_clear(&served);
	zone_free(served_zones[0]);
	zone_free(served_zones[1]);
}

static const char *text_of(const uint8_t *name)
{
	static char buf[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(name, buf, sizeof(buf));
	return buf;
}

static const char *const basic_recs[] = {
	"@ 3600 IN SOA ns hostmaster 1 3600 600 86400 60",
	"@ 3600 IN NS ns",
	"ns 300 IN A 192.0.2.53",
	"www 300 IN A 192.0.2.1",
	"www 300 IN A 192.0.2.2",
	"www 100 IN TXT \"hello\"",
	"www 300 IN AAAA 2001:db8::1",
	"alias 300 IN CNAME www",
	"a.b.c 300 IN A 192.0.2.3",
	NULL,
};

/* ---- lookup in one zone ---- */

static void test_exact_match_returns_the_rrset(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.test.", basic_recs);
	assert_null(lookup(z, "www.example.test.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.n_authority, 0);
	assert_int_equal(ans.answer[0].rrset->type, DNS_TYPE_A);
	assert_int_equal(ans.answer[0].rrset->count, 2);
	assert_int_equal(ans.answer[0].ttl, 300);
	assert_owner(&ans.answer[0], "www.example.test.");
	uint32_t off = 0;
	const uint8_t *rd;
	uint16_t len;
	assert_true(zone_rrset_next(ans.answer[0].rrset, &off, &rd, &len));
	assert_int_equal(len, 4);
	assert_memory_equal(rd, "\xc0\x00\x02\x01", 4);
	assert_true(zone_rrset_next(ans.answer[0].rrset, &off, &rd, &len));
	assert_memory_equal(rd, "\xc0\x00\x02\x02", 4);
	assert_false(zone_rrset_next(ans.answer[0].rrset, &off, &rd, &len));
	zone_free(z);
}

static void test_nodata_has_soa_in_authority_and_no_answer(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.test.", basic_recs);
	assert_null(lookup(z, "ns.example.test.", DNS_TYPE_AAAA));
	assert_negative(DNS_RCODE_NOERROR, 60);
	assert_owner(&ans.authority[0], "example.test.");
	zone_free(z);
}

static void test_nxdomain_soa_ttl_is_min_of_soa_ttl_and_minimum(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.test.", basic_recs);
	assert_null(lookup(z, "nope.example.test.", DNS_TYPE_A));
	assert_negative(DNS_RCODE_NXDOMAIN, 60); /* SOA TTL 3600, MINIMUM 60 */
	assert_int_equal(zone_negative_ttl(z), 60);
	zone_free(z);

	static const char *const low_ttl[] = { "@ 30 IN SOA ns hostmaster 1 3600 600 86400 900",
					       NULL };
	z = make_zone("example.test.", low_ttl);
	assert_null(lookup(z, "nope.example.test.", DNS_TYPE_A));
	assert_negative(DNS_RCODE_NXDOMAIN, 30); /* SOA TTL 30, MINIMUM 900 */
	zone_free(z);
}

static void test_empty_non_terminal_is_nodata(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.test.", basic_recs);
	assert_null(lookup(z, "b.c.example.test.", DNS_TYPE_A));
	assert_negative(DNS_RCODE_NOERROR, 60);
	assert_null(lookup(z, "c.example.test.", DNS_TYPE_ANY));
	assert_negative(DNS_RCODE_NOERROR, 60);
	assert_null(lookup(z, "x.c.example.test.", DNS_TYPE_A));
	assert_negative(DNS_RCODE_NXDOMAIN, 60);
	zone_free(z);
}

static void test_any_returns_every_rrset_at_the_name(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.test.", basic_recs);
	assert_null(lookup(z, "www.example.test.", DNS_TYPE_ANY));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 3);
	bool a = false, aaaa = false, txt = false;
	for (unsigned i = 0; i < ans.n_answer; i++) {
		a |= ans.answer[i].rrset->type == DNS_TYPE_A;
		aaaa |= ans.answer[i].rrset->type == DNS_TYPE_AAAA;
		txt |= ans.answer[i].rrset->type == DNS_TYPE_TXT;
	}
	assert_true(a && aaaa && txt);
	zone_free(z);
}

static void test_same_record_twice_is_one_and_rrset_ttl_is_lowest(void **state)
{
	(void)state;
	static const char *const recs[] = { "x 300 IN A 192.0.2.1", "x 300 IN A 192.0.2.1",
					    "x 100 IN A 192.0.2.2", NULL };
	struct zone *z = make_zone("example.test.", recs);
	assert_null(lookup(z, "x.example.test.", DNS_TYPE_A));
	assert_int_equal(ans.answer[0].rrset->count, 2);
	assert_int_equal(ans.answer[0].ttl, 100);
	zone_free(z);
}

static void test_duplicate_with_lower_ttl_lowers_the_rrset_ttl(void **state)
{
	(void)state;
	/* the lower TTL sits on the copy that is dropped as a duplicate */
	static const char *const recs[] = { "x 300 IN A 192.0.2.1", "x 100 IN A 192.0.2.1",
					    "y 100 IN A 192.0.2.1", "y 300 IN A 192.0.2.1", NULL };
	struct zone *z = make_zone("example.test.", recs);
	assert_null(lookup(z, "x.example.test.", DNS_TYPE_A));
	assert_int_equal(ans.answer[0].rrset->count, 1);
	assert_int_equal(ans.answer[0].ttl, 100);
	assert_null(lookup(z, "y.example.test.", DNS_TYPE_A));
	assert_int_equal(ans.answer[0].ttl, 100);
	zone_free(z);
}

static void test_65537_cnames_at_one_name_are_refused(void **state)
{
	(void)state;
	/* a 16-bit record count would wrap to 1 and let this through */
	uint8_t apex[WIRE_NAME_MAX], owner[WIRE_NAME_MAX], target[WIRE_NAME_MAX];
	char err[512], text[64];
	name_of("example.test.", apex);
	name_of("c.example.test.", owner);
	struct zone *z = zone_new(apex);
	for (unsigned i = 0; i < 65537; i++) {
		snprintf(text, sizeof(text), "t%u.example.test.", i);
		int n = wire_name_from_text(text, NULL, target);
		assert_int_equal(zone_add_rr(z, owner, DNS_TYPE_CNAME, 60, target, (uint16_t)n,
					     err, sizeof(err)), 0);
	}
	assert_int_equal(zone_finish(z, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "65537 CNAME records"));
	zone_free(z);
}

/* ---- wildcards: RFC 4592 §2.2.1 ---- */

static const char *const rfc4592_recs[] = {
	"example. 3600 IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 3600",
	"example. 3600 IN NS ns.example.com.",
	"example. 3600 IN NS ns.example.net.",
	"*.example. 3600 IN TXT \"this is a wildcard\"",
	"*.example. 3600 IN MX 10 host1.example.",
	"sub.*.example. 3600 IN TXT \"this is not a wildcard\"",
	"host1.example. 3600 IN A 192.0.2.1",
	"_ssh._tcp.host1.example. 3600 IN SRV 0 0 22 host1.example.",
	"_ssh._tcp.host2.example. 3600 IN SRV 0 0 22 host2.example.",
	NULL,
};

static void test_wildcard_answer_is_owned_by_the_query_name(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.", rfc4592_recs);
	assert_null(lookup(z, "host3.example.", DNS_TYPE_MX));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.answer[0].rrset->type, DNS_TYPE_MX);
	assert_owner(&ans.answer[0], "host3.example.");

	assert_null(lookup(z, "foo.bar.example.", DNS_TYPE_TXT));
	assert_int_equal(ans.n_answer, 1);
	assert_owner(&ans.answer[0], "foo.bar.example.");
	zone_free(z);
}

static void test_wildcard_without_the_type_is_nodata(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.", rfc4592_recs);
	assert_null(lookup(z, "host3.example.", DNS_TYPE_A));
	assert_negative(DNS_RCODE_NOERROR, 3600);
	zone_free(z);
}

static void test_wildcard_does_not_apply_to_existing_names(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.", rfc4592_recs);
	assert_null(lookup(z, "host1.example.", DNS_TYPE_MX)); /* host1 exists */
	assert_negative(DNS_RCODE_NOERROR, 3600);
	assert_null(lookup(z, "sub.*.example.", DNS_TYPE_MX)); /* sub.*.example exists */
	assert_negative(DNS_RCODE_NOERROR, 3600);
	assert_null(lookup(z, "host2.example.", DNS_TYPE_TXT)); /* empty non-terminal */
	assert_negative(DNS_RCODE_NOERROR, 3600);
	zone_free(z);
}

static void test_wildcard_does_not_apply_below_existing_name_or_ent(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.", rfc4592_recs);
	/* _tcp.host1.example. exists without data: the closest encloser, no wildcard there */
	assert_null(lookup(z, "_telnet._tcp.host1.example.", DNS_TYPE_SRV));
	assert_negative(DNS_RCODE_NXDOMAIN, 3600);
	/* *.example. exists, so ghost.*.example. would need *.*.example. */
	assert_null(lookup(z, "ghost.*.example.", DNS_TYPE_MX));
	assert_negative(DNS_RCODE_NXDOMAIN, 3600);
	assert_null(lookup(z, "x.host1.example.", DNS_TYPE_TXT));
	assert_negative(DNS_RCODE_NXDOMAIN, 3600);
	assert_null(lookup(z, "x.host2.example.", DNS_TYPE_TXT));
	assert_negative(DNS_RCODE_NXDOMAIN, 3600);
	zone_free(z);
}

static void test_star_node_queried_directly(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.", rfc4592_recs);
	assert_null(lookup(z, "*.example.", DNS_TYPE_TXT));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1);
	assert_owner(&ans.answer[0], "*.example.");
	zone_free(z);
}

/* ---- CNAME ---- */

static void test_cname_followed_within_the_zone(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.test.", basic_recs);
	serve(z, NULL);
	assert_true(answer_through_set(&served, "alias.example.test.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 2);
	assert_int_equal(ans.answer[0].rrset->type, DNS_TYPE_CNAME);
	assert_owner(&ans.answer[0], "alias.example.test.");
	assert_int_equal(ans.answer[1].rrset->type, DNS_TYPE_A);
	assert_owner(&ans.answer[1], "www.example.test.");
	assert_null(ans.leaves);
	assert_false(ans.chain_cut);
	unserve();
}

static void test_qtype_cname_returns_just_the_cname(void **state)
{
	(void)state;
	struct zone *z = make_zone("example.test.", basic_recs);
	assert_null(lookup(z, "alias.example.test.", DNS_TYPE_CNAME));
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.answer[0].rrset->type, DNS_TYPE_CNAME);
	/* a CNAME lookup for another type hands back the target to follow */
	const uint8_t *next = lookup(z, "alias.example.test.", DNS_TYPE_A);
	assert_non_null(next);
	assert_string_equal(text_of(next), "www.example.test.");
	zone_free(z);
}

static void test_cname_followed_across_zones(void **state)
{
	(void)state;
	static const char *const a_recs[] = { "alias 300 IN CNAME www.b.test.", NULL };
	static const char *const b_recs[] = { "www 300 IN A 192.0.2.7", NULL };
	struct zone *a = make_zone("a.test.", a_recs), *b = make_zone("b.test.", b_recs);
	serve(a, b);
	assert_true(answer_through_set(&served, "alias.a.test.", DNS_TYPE_A));
	assert_int_equal(ans.n_answer, 2);
	assert_int_equal(ans.answer[1].rrset->type, DNS_TYPE_A);
	assert_owner(&ans.answer[1], "www.b.test.");
	assert_ptr_equal(ans.zone, b);
	unserve();
}

static void test_cname_to_missing_name_is_nxdomain_with_the_cname(void **state)
{
	(void)state;
	static const char *const recs[] = { "dangling 300 IN CNAME gone", NULL };
	struct zone *z = make_zone("example.test.", recs);
	serve(z, NULL);
	assert_true(answer_through_set(&served, "dangling.example.test.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NXDOMAIN); /* RFC 6604: the last name's rcode */
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.n_authority, 1);
	unserve();
}

static void test_cname_loop_stops_with_chain_cut(void **state)
{
	(void)state;
	static const char *const recs[] = { "l1 300 IN CNAME l2", "l2 300 IN CNAME l1",
					    "self 300 IN CNAME self", NULL };
	struct zone *z = make_zone("example.test.", recs);
	serve(z, NULL);
	assert_true(answer_through_set(&served, "l1.example.test.", DNS_TYPE_A));
	assert_true(ans.chain_cut);
	assert_int_equal(ans.n_answer, 2);
	assert_true(answer_through_set(&served, "self.example.test.", DNS_TYPE_A));
	assert_true(ans.chain_cut);
	assert_int_equal(ans.n_answer, 1);
	unserve();
}

static void test_long_cname_chain_is_cut(void **state)
{
	(void)state;
	char recs_text[31][64];
	const char *recs[32];
	for (int i = 0; i < 30; i++) {
		snprintf(recs_text[i], sizeof(recs_text[i]), "c%d 300 IN CNAME c%d", i, i + 1);
		recs[i] = recs_text[i];
	}
	snprintf(recs_text[30], sizeof(recs_text[30]), "c30 300 IN A 192.0.2.1");
	recs[30] = recs_text[30];
	recs[31] = NULL;
	struct zone *z = make_zone("example.test.", recs);
	serve(z, NULL);
	assert_true(answer_through_set(&served, "c0.example.test.", DNS_TYPE_A));
	assert_true(ans.chain_cut);
	assert_true(ans.n_answer <= ZONE_CNAME_CHAIN_MAX + 1);
	/* a short chain of the same zone completes */
	assert_true(answer_through_set(&served, "c25.example.test.", DNS_TYPE_A));
	assert_false(ans.chain_cut);
	assert_int_equal(ans.n_answer, 6);
	assert_int_equal(ans.answer[5].rrset->type, DNS_TYPE_A);
	unserve();
}

static void test_cname_leaving_all_zones_sets_leaves(void **state)
{
	(void)state;
	static const char *const recs[] = { "ext 300 IN CNAME www.example.org.", NULL };
	struct zone *z = make_zone("example.test.", recs);
	serve(z, NULL);
	assert_true(answer_through_set(&served, "ext.example.test.", DNS_TYPE_A));
	assert_non_null(ans.leaves);
	assert_string_equal(text_of(ans.leaves), "www.example.org.");
	assert_int_equal(ans.n_answer, 1);
	assert_false(ans.chain_cut);
	assert_false(answer_through_set(&served, "www.example.org.", DNS_TYPE_A));
	unserve();
}

/* ---- building errors ---- */

static void expect_finish_error(const char *const *recs, const char *needle)
{
	char err[512] = "";
	struct zone *z = start_zone("example.test.", recs);
	assert_int_equal(zone_finish(z, err, sizeof(err)), -1);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	zone_free(z);
}

static void test_finish_rejects_cname_with_other_data(void **state)
{
	(void)state;
	static const char *const recs[] = { "x 300 IN CNAME www", "x 300 IN A 192.0.2.1", NULL };
	expect_finish_error(recs, "CNAME and other data");
}

static void test_finish_rejects_two_cnames(void **state)
{
	(void)state;
	static const char *const recs[] = { "x 300 IN CNAME a", "x 300 IN CNAME b", NULL };
	expect_finish_error(recs, "2 CNAME");
}

static void test_finish_rejects_two_soas(void **state)
{
	(void)state;
	static const char *const recs[] = { "@ 300 IN SOA ns hm 1 2 3 4 5",
					    "@ 300 IN SOA ns hm 2 2 3 4 5", NULL };
	expect_finish_error(recs, "exactly one SOA");
}

static void test_add_rejects_soa_below_apex_and_record_outside_zone(void **state)
{
	(void)state;
	char err[512] = "";
	struct zone *z = start_zone("example.test.", NULL);
	assert_int_equal(zone_add_text_rr(z, "sub 300 IN SOA ns hm 1 2 3 4 5", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "not at the zone apex"));
	assert_int_equal(zone_add_text_rr(z, "www.other.test. 300 IN A 192.0.2.1", err,
					  sizeof(err)), -1);
	assert_non_null(strstr(err, "outside the zone"));
	assert_int_equal(zone_add_text_rr(z, "www 300 IN A not-an-ip", err, sizeof(err)), -1);
	zone_free(z);
}

static void test_zone_without_soa_gets_a_synthesised_one(void **state)
{
	(void)state;
	static const char *const recs[] = { "www 300 IN A 192.0.2.1", NULL };
	struct zone *z = make_zone("Example.TEST.", recs);
	assert_non_null(z->soa);
	assert_int_equal(z->soa->count, 1);
	assert_int_equal(z->soa->ttl, 300);
	uint16_t len;
	uint32_t off = 0;
	const uint8_t *rd;
	assert_true(zone_rrset_next(z->soa, &off, &rd, &len));
	uint8_t mname[WIRE_NAME_MAX], rname[WIRE_NAME_MAX];
	name_of("example.test.", mname);
	name_of("hostmaster.example.test.", rname);
	assert_int_equal(len, 14 + 25 + 20);
	assert_memory_equal(rd, mname, 14);
	assert_memory_equal(rd + 14, rname, 25);
	const uint8_t *v = rd + 39;
	assert_int_equal(wire_read_u32(v), 1);
	assert_int_equal(wire_read_u32(v + 4), 3600);
	assert_int_equal(wire_read_u32(v + 8), 600);
	assert_int_equal(wire_read_u32(v + 12), 86400);
	assert_int_equal(wire_read_u32(v + 16), 300);
	assert_null(lookup(z, "nope.example.test.", DNS_TYPE_A));
	assert_negative(DNS_RCODE_NXDOMAIN, 300);
	zone_free(z);
}

/* ---- Route 53-style aliases ---- */

/* One alias to add: absolute owner and target names. */
struct alias_spec {
	const char *owner;
	uint16_t type;
	const char *target;
};

static void add_aliases(struct zone *z, const struct alias_spec *aliases)
{
	uint8_t owner[WIRE_NAME_MAX], target[WIRE_NAME_MAX];
	char err[512];
	for (; aliases && aliases->owner; aliases++) {
		name_of(aliases->owner, owner);
		name_of(aliases->target, target);
		if (zone_add_alias(z, owner, aliases->type, target, err, sizeof(err)) < 0)
			fail_msg("alias %s: %s", aliases->owner, err);
	}
}

static struct zone *make_alias_zone(const char *apex, const char *const *recs,
				    const struct alias_spec *aliases)
{
	char err[512];
	struct zone *z = start_zone(apex, recs);
	add_aliases(z, aliases);
	if (zone_finish(z, err, sizeof(err)) < 0)
		fail_msg("zone %s: %s", apex, err);
	return z;
}

static void expect_alias_finish_error(const char *const *recs, const struct alias_spec *aliases,
				      const char *needle)
{
	char err[512] = "";
	struct zone *z = start_zone("example.test.", recs);
	add_aliases(z, aliases);
	assert_int_equal(zone_finish(z, err, sizeof(err)), -1);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	zone_free(z);
}

/* The single A record of an answer entry is this address. */
static void assert_one_a(const struct zone_answer_rr *a, const char *addr4)
{
	uint32_t off = 0;
	const uint8_t *rd;
	uint16_t len;
	assert_int_equal(a->rrset->type, DNS_TYPE_A);
	assert_int_equal(a->rrset->count, 1);
	assert_true(zone_rrset_next(a->rrset, &off, &rd, &len));
	assert_int_equal(len, 4);
	assert_memory_equal(rd, addr4, 4);
}

static const char *const internal_recs[] = {
	"@ 3600 IN SOA ns hostmaster 1 3600 600 86400 60",
	"@ 3600 IN NS ns",
	"ns 300 IN A 192.0.2.53",
	"www 42 IN A 192.0.2.10",
	NULL,
};

static const struct alias_spec apex_alias[] = {
	{ "internal.example.", DNS_TYPE_A, "www.internal.example." },
	{ "www2.internal.example.", DNS_TYPE_A, "www.internal.example." },
	{ NULL, 0, NULL },
};

static void test_alias_at_apex_answers_target_records_with_target_ttl(void **state)
{
	(void)state;
	struct zone *z = make_alias_zone("internal.example.", internal_recs, apex_alias);
	assert_null(lookup(z, "internal.example.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.n_authority, 0);
	assert_owner(&ans.answer[0], "internal.example.");
	assert_int_equal(ans.answer[0].ttl, 42);
	assert_one_a(&ans.answer[0], "\xc0\x00\x02\x0a");
	assert_null(ans.alias_target);
	/* the apex SOA and NS beside the alias answer as usual */
	assert_null(lookup(z, "internal.example.", DNS_TYPE_NS));
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.answer[0].rrset->type, DNS_TYPE_NS);
	assert_int_equal(ans.answer[0].ttl, 3600);
	zone_free(z);
}

static void test_alias_answers_only_its_type_and_its_name_exists(void **state)
{
	(void)state;
	struct zone *z = make_alias_zone("internal.example.", internal_recs, apex_alias);
	assert_null(lookup(z, "internal.example.", DNS_TYPE_AAAA));
	assert_negative(DNS_RCODE_NOERROR, 60);
	assert_owner(&ans.authority[0], "internal.example.");
	/* a name that holds only an alias is a node: other types are NODATA, not NXDOMAIN */
	assert_null(lookup(z, "www2.internal.example.", DNS_TYPE_TXT));
	assert_negative(DNS_RCODE_NOERROR, 60);
	assert_null(lookup(z, "x.www2.internal.example.", DNS_TYPE_A));
	assert_negative(DNS_RCODE_NXDOMAIN, 60);
	assert_null(lookup(z, "www2.internal.example.", DNS_TYPE_A));
	assert_int_equal(ans.n_answer, 1);
	assert_owner(&ans.answer[0], "www2.internal.example.");
	/* the node's RRsets stay real records; the alias is apart */
	uint8_t n[WIRE_NAME_MAX];
	name_of("www2.internal.example.", n);
	const struct zone_node *node = zone_find_node(z, n);
	assert_non_null(node);
	assert_int_equal(node->rrset_count, 0);
	assert_null(zone_node_rrset(node, DNS_TYPE_A));
	assert_string_equal(text_of(zone_node_alias(node, DNS_TYPE_A)), "www.internal.example.");
	assert_null(zone_node_alias(node, DNS_TYPE_AAAA));
	zone_free(z);
}

static void test_any_at_alias_node_includes_the_in_zone_target(void **state)
{
	(void)state;
	struct zone *z = make_alias_zone("internal.example.", internal_recs, apex_alias);
	assert_null(lookup(z, "internal.example.", DNS_TYPE_ANY));
	assert_int_equal(ans.n_answer, 3); /* NS, SOA, and the alias's A */
	assert_int_equal(ans.n_authority, 0);
	const struct zone_answer_rr *a = NULL;
	for (unsigned i = 0; i < ans.n_answer; i++)
		if (ans.answer[i].rrset->type == DNS_TYPE_A)
			a = &ans.answer[i];
	assert_non_null(a);
	assert_owner(a, "internal.example.");
	assert_int_equal(a->ttl, 42);
	assert_null(lookup(z, "www2.internal.example.", DNS_TYPE_ANY));
	assert_int_equal(ans.n_answer, 1);
	assert_one_a(&ans.answer[0], "\xc0\x00\x02\x0a");
	zone_free(z);
}

static void test_alias_chain_in_zone_ends_at_records(void **state)
{
	(void)state;
	static const struct alias_spec chain[] = {
		{ "a.internal.example.", DNS_TYPE_A, "b.internal.example." },
		{ "b.internal.example.", DNS_TYPE_A, "www.internal.example." },
		{ NULL, 0, NULL },
	};
	struct zone *z = make_alias_zone("internal.example.", internal_recs, chain);
	assert_null(lookup(z, "a.internal.example.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1); /* no CNAME-like links in the answer */
	assert_owner(&ans.answer[0], "a.internal.example.");
	assert_int_equal(ans.answer[0].ttl, 42);
	assert_one_a(&ans.answer[0], "\xc0\x00\x02\x0a");
	assert_false(ans.chain_cut);
	zone_free(z);
}

static void test_long_alias_chain_is_cut(void **state)
{
	(void)state;
	char owners[21][64], targets[21][64];
	struct alias_spec chain[21];
	for (int i = 0; i < 20; i++) {
		snprintf(owners[i], sizeof(owners[i]), "c%d.example.test.", i);
		snprintf(targets[i], sizeof(targets[i]), "c%d.example.test.", i + 1);
		chain[i] = (struct alias_spec){ owners[i], DNS_TYPE_A, targets[i] };
	}
	chain[20] = (struct alias_spec){ NULL, 0, NULL };
	static const char *const recs[] = { "c20 300 IN A 192.0.2.1", NULL };
	struct zone *z = make_alias_zone("example.test.", recs, chain);
	serve(z, NULL);
	assert_true(answer_through_set(&served, "c0.example.test.", DNS_TYPE_A));
	assert_true(ans.chain_cut);
	assert_int_equal(ans.n_answer, 0);
	assert_null(ans.alias_target);
	assert_true(answer_through_set(&served, "c7.example.test.", DNS_TYPE_A)); /* 13 */
	assert_true(ans.chain_cut);
	/* ZONE_CNAME_CHAIN_MAX aliases in a row still answer */
	assert_true(answer_through_set(&served, "c8.example.test.", DNS_TYPE_A));
	assert_false(ans.chain_cut);
	assert_int_equal(ans.n_answer, 1);
	assert_owner(&ans.answer[0], "c8.example.test.");
	assert_one_a(&ans.answer[0], "\xc0\x00\x02\x01");
	unserve();
}

static void test_alias_to_outside_name_is_left_to_the_caller(void **state)
{
	(void)state;
	static const char *const recs[] = { "c 300 IN CNAME @", NULL };
	static const struct alias_spec out[] = {
		{ "example.test.", DNS_TYPE_A, "LB.Example.COM." },
		{ NULL, 0, NULL },
	};
	struct zone *z = make_alias_zone("example.test.", recs, out);
	serve(z, NULL);
	assert_true(answer_through_set(&served, "example.test.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 0);
	assert_int_equal(ans.n_authority, 0);
	assert_non_null(ans.alias_target);
	assert_string_equal(text_of(ans.alias_target), "lb.example.com."); /* canonical */
	assert_int_equal(ans.alias_type, DNS_TYPE_A);
	assert_string_equal(text_of(ans.alias_owner), "example.test.");
	assert_null(ans.leaves);
	assert_false(ans.chain_cut);
	/* reached through a CNAME: the answer holds the CNAME, the owner is its target */
	assert_true(answer_through_set(&served, "c.example.test.", DNS_TYPE_A));
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.answer[0].rrset->type, DNS_TYPE_CNAME);
	assert_string_equal(text_of(ans.alias_target), "lb.example.com.");
	assert_string_equal(text_of(ans.alias_owner), "example.test.");
	/* another type at the same name is not the alias's business */
	assert_true(answer_through_set(&served, "example.test.", DNS_TYPE_AAAA));
	assert_null(ans.alias_target);
	assert_negative(DNS_RCODE_NOERROR, 300);
	unserve();
}

static void test_zoneset_resolves_alias_target_in_another_local_zone(void **state)
{
	(void)state;
	static const struct alias_spec a_aliases[] = {
		{ "www.a.test.", DNS_TYPE_A, "www.b.test." },
		{ "gone.a.test.", DNS_TYPE_A, "nope.b.test." },
		{ NULL, 0, NULL },
	};
	static const char *const a_recs[] = { "@ 300 IN SOA ns hm 1 2 3 4 30", NULL };
	static const char *const b_recs[] = { "www 77 IN A 192.0.2.7", NULL };
	struct zone *a = make_alias_zone("a.test.", a_recs, a_aliases);
	struct zone *b = make_zone("b.test.", b_recs);
	serve(a, b);
	assert_true(answer_through_set(&served, "www.a.test.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1);
	assert_owner(&ans.answer[0], "www.a.test.");
	assert_int_equal(ans.answer[0].ttl, 77);
	assert_one_a(&ans.answer[0], "\xc0\x00\x02\x07");
	assert_null(ans.alias_target);
	/* a target the other zone lacks: NODATA at the alias owner, with the owner zone's SOA */
	assert_true(answer_through_set(&served, "gone.a.test.", DNS_TYPE_A));
	assert_null(ans.alias_target);
	assert_negative(DNS_RCODE_NOERROR, 30);
	assert_owner(&ans.authority[0], "a.test.");
	unserve();
}

static void test_finish_rejects_alias_to_missing_name(void **state)
{
	(void)state;
	static const struct alias_spec aliases[] = {
		{ "www2.example.test.", DNS_TYPE_A, "nope.example.test." },
		{ NULL, 0, NULL },
	};
	expect_alias_finish_error(basic_recs, aliases,
				  "alias www2.example.test. A points at nope.example.test., "
				  "which does not exist in zone example.test.");
}

static void test_finish_rejects_alias_to_name_without_the_type(void **state)
{
	(void)state;
	static const struct alias_spec aliases[] = {
		{ "www2.example.test.", DNS_TYPE_A, "b.c.example.test." }, /* empty non-terminal */
		{ NULL, 0, NULL },
	};
	expect_alias_finish_error(basic_recs, aliases,
				  "alias www2.example.test. A points at b.c.example.test., "
				  "which has no A records");
	static const struct alias_spec mx[] = {
		{ "www2.example.test.", DNS_TYPE_MX, "www.example.test." },
		{ NULL, 0, NULL },
	};
	expect_alias_finish_error(basic_recs, mx, "which has no MX records");
}

static void test_finish_rejects_alias_beside_records_of_its_type(void **state)
{
	(void)state;
	static const struct alias_spec aliases[] = {
		{ "ns.example.test.", DNS_TYPE_A, "www.example.test." },
		{ NULL, 0, NULL },
	};
	expect_alias_finish_error(basic_recs, aliases,
				  "alias ns.example.test. A sits beside A records");
}

static void test_finish_rejects_alias_beside_cname(void **state)
{
	(void)state;
	static const struct alias_spec aliases[] = {
		{ "alias.example.test.", DNS_TYPE_AAAA, "www.example.test." },
		{ NULL, 0, NULL },
	};
	expect_alias_finish_error(basic_recs, aliases,
				  "alias alias.example.test. AAAA sits beside a CNAME");
}

static void test_finish_rejects_alias_loop(void **state)
{
	(void)state;
	static const struct alias_spec loop[] = {
		{ "l1.example.test.", DNS_TYPE_A, "l2.example.test." },
		{ "l2.example.test.", DNS_TYPE_A, "l1.example.test." },
		{ NULL, 0, NULL },
	};
	expect_alias_finish_error(basic_recs, loop, "loop");
	static const struct alias_spec self[] = {
		{ "self.example.test.", DNS_TYPE_TXT, "self.example.test." },
		{ NULL, 0, NULL },
	};
	expect_alias_finish_error(basic_recs, self,
				  "alias self.example.test. TXT points at self.example.test., and "
				  "the aliases from there loop");
}

static void test_finish_rejects_alias_with_two_targets(void **state)
{
	(void)state;
	static const struct alias_spec two[] = {
		{ "x.example.test.", DNS_TYPE_A, "www.example.test." },
		{ "x.example.test.", DNS_TYPE_A, "ns.example.test." },
		{ NULL, 0, NULL },
	};
	expect_alias_finish_error(basic_recs, two, "alias x.example.test. A has two targets");
	/* the same alias twice is one alias */
	static const struct alias_spec same[] = {
		{ "x.example.test.", DNS_TYPE_A, "www.example.test." },
		{ "X.example.test.", DNS_TYPE_A, "WWW.example.test." },
		{ NULL, 0, NULL },
	};
	struct zone *z = make_alias_zone("example.test.", basic_recs, same);
	uint8_t n[WIRE_NAME_MAX];
	name_of("x.example.test.", n);
	assert_int_equal(zone_find_node(z, n)->alias_count, 1);
	zone_free(z);
}

static void test_add_alias_rejects_wildcard_owner_bad_type_and_outside_owner(void **state)
{
	(void)state;
	uint8_t owner[WIRE_NAME_MAX], target[WIRE_NAME_MAX];
	char err[512] = "";
	struct zone *z = start_zone("example.test.", basic_recs);
	name_of("www.example.test.", target);

	name_of("*.example.test.", owner);
	assert_int_equal(zone_add_alias(z, owner, DNS_TYPE_A, target, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "alias owner *.example.test. is a wildcard"));

	name_of("x.example.test.", owner);
	static const uint16_t refused[] = { DNS_TYPE_CNAME, DNS_TYPE_SOA, DNS_TYPE_NS,
					    DNS_TYPE_DNAME, DNS_TYPE_RRSIG, DNS_TYPE_ANY };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = 0;
		assert_int_equal(zone_add_alias(z, owner, refused[i], target, err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "an alias can only be of type A, AAAA"));
	}
	assert_int_equal(zone_add_alias(z, owner, 257 /* CAA */, target, err, sizeof(err)), 0);

	name_of("x.other.test.", owner);
	assert_int_equal(zone_add_alias(z, owner, DNS_TYPE_A, target, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "alias owner x.other.test. is outside the zone"));
	zone_free(z);
}

/* ---- zoneset ---- */

static void test_zoneset_find_picks_most_specific_zone(void **state)
{
	(void)state;
	struct zone *t = make_zone("test.", NULL), *ex = make_zone("example.test.", NULL),
		    *sub = make_zone("sub.example.test.", NULL);
	struct zoneset zs;
	const struct zone *zones[] = { sub, t, ex };
	uint8_t n[WIRE_NAME_MAX];
	assert_int_equal(zoneset_init(&zs, zones, 3), 0);
	name_of("a.SUB.example.test.", n);
	assert_ptr_equal(zoneset_find(&zs, n), sub);
	name_of("sub.example.test.", n);
	assert_ptr_equal(zoneset_find(&zs, n), sub);
	name_of("x.example.test.", n);
	assert_ptr_equal(zoneset_find(&zs, n), ex);
	name_of("other.test.", n);
	assert_ptr_equal(zoneset_find(&zs, n), t);
	name_of("example.org.", n);
	assert_null(zoneset_find(&zs, n));
	name_of(".", n);
	assert_null(zoneset_find(&zs, n));
	zoneset_clear(&zs);
	zone_free(t);
	zone_free(ex);
	zone_free(sub);
}

/* The set remembers the last labels of its apexes: a name under another one is in no zone
 * without a search, whatever the case of its letters. */
static void test_zoneset_find_by_top_label_in_any_case(void **state)
{
	(void)state;
	struct zone *rev = make_zone("10.IN-ADDR.arpa.", NULL), *lh = make_zone("localhost.", NULL),
		    *t = make_zone("example.test.", NULL);
	struct zoneset zs;
	const struct zone *zones[] = { rev, lh, t };
	uint8_t n[WIRE_NAME_MAX];
	assert_int_equal(zoneset_init(&zs, zones, 3), 0);
	assert_int_equal(zs.n_tops, 3);
	name_of("1.0.0.10.in-addr.ARPA.", n);
	assert_ptr_equal(zoneset_find(&zs, n), rev);
	name_of("foo.LOCALHOST.", n);
	assert_ptr_equal(zoneset_find(&zs, n), lh);
	name_of("www.example.com.", n);
	assert_null(zoneset_find(&zs, n));
	name_of("1.0.0.11.in-addr.arpa.", n); /* right top label, no zone */
	assert_null(zoneset_find(&zs, n));
	name_of("localhostx.", n);
	assert_null(zoneset_find(&zs, n));
	zoneset_clear(&zs);
	zone_free(rev);
	zone_free(lh);
	zone_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_match_returns_the_rrset),
		cmocka_unit_test(test_nodata_has_soa_in_authority_and_no_answer),
		cmocka_unit_test(test_nxdomain_soa_ttl_is_min_of_soa_ttl_and_minimum),
		cmocka_unit_test(test_empty_non_terminal_is_nodata),
		cmocka_unit_test(test_any_returns_every_rrset_at_the_name),
		cmocka_unit_test(test_same_record_twice_is_one_and_rrset_ttl_is_lowest),
		cmocka_unit_test(test_duplicate_with_lower_ttl_lowers_the_rrset_ttl),
		cmocka_unit_test(test_65537_cnames_at_one_name_are_refused),
		cmocka_unit_test(test_wildcard_answer_is_owned_by_the_query_name),
		cmocka_unit_test(test_wildcard_without_the_type_is_nodata),
		cmocka_unit_test(test_wildcard_does_not_apply_to_existing_names),
		cmocka_unit_test(test_wildcard_does_not_apply_below_existing_name_or_ent),
		cmocka_unit_test(test_star_node_queried_directly),
		cmocka_unit_test(test_cname_followed_within_the_zone),
		cmocka_unit_test(test_qtype_cname_returns_just_the_cname),
		cmocka_unit_test(test_cname_followed_across_zones),
		cmocka_unit_test(test_cname_to_missing_name_is_nxdomain_with_the_cname),
		cmocka_unit_test(test_cname_loop_stops_with_chain_cut),
		cmocka_unit_test(test_long_cname_chain_is_cut),
		cmocka_unit_test(test_cname_leaving_all_zones_sets_leaves),
		cmocka_unit_test(test_finish_rejects_cname_with_other_data),
		cmocka_unit_test(test_finish_rejects_two_cnames),
		cmocka_unit_test(test_finish_rejects_two_soas),
		cmocka_unit_test(test_add_rejects_soa_below_apex_and_record_outside_zone),
		cmocka_unit_test(test_zone_without_soa_gets_a_synthesised_one),
		cmocka_unit_test(test_alias_at_apex_answers_target_records_with_target_ttl),
		cmocka_unit_test(test_alias_answers_only_its_type_and_its_name_exists),
		cmocka_unit_test(test_any_at_alias_node_includes_the_in_zone_target),
		cmocka_unit_test(test_alias_chain_in_zone_ends_at_records),
		cmocka_unit_test(test_long_alias_chain_is_cut),
		cmocka_unit_test(test_alias_to_outside_name_is_left_to_the_caller),
		cmocka_unit_test(test_zoneset_resolves_alias_target_in_another_local_zone),
		cmocka_unit_test(test_finish_rejects_alias_to_missing_name),
		cmocka_unit_test(test_finish_rejects_alias_to_name_without_the_type),
		cmocka_unit_test(test_finish_rejects_alias_beside_records_of_its_type),
		cmocka_unit_test(test_finish_rejects_alias_beside_cname),
		cmocka_unit_test(test_finish_rejects_alias_loop),
		cmocka_unit_test(test_finish_rejects_alias_with_two_targets),
		cmocka_unit_test(test_add_alias_rejects_wildcard_owner_bad_type_and_outside_owner),
		cmocka_unit_test(test_zoneset_find_picks_most_specific_zone),
		cmocka_unit_test(test_zoneset_find_by_top_label_in_any_case),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
