/* Unit tests for lib/zone/load.h and lib/zone/builtin.h: zone files (good, broken, leaks)
 * and the built-in RFC 6761 / RFC 6303 zones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <malloc.h>

#include "lib/wire/dns.h"
#include "lib/wire/name.h"
#include "lib/zone/builtin.h"
#include "lib/zone/load.h"
#include "lib/zone/lookup.h"
#include "lib/zone/zone.h"
#include "lib/zone/zoneset.h"
#include "zone_helpers.h"

/* ---- helpers ---- */

/* First rdata of an answer RRset. */
static const uint8_t *first_rdata(const struct zone_answer_rr *a, uint16_t *len)
{
	uint32_t off = 0;
	const uint8_t *rd = NULL;
	assert_true(zone_rrset_next(a->rrset, &off, &rd, len));
	return rd;
}

/* ---- zone files ---- */

static void data_path(const char *file, char *out, size_t size)
{
	const char *src = getenv("CAIRN_SRCDIR");
	snprintf(out, size, "%s/tests/unit/data/%s", src ? src : ".", file);
}

static void test_load_good_zone_file(void **state)
{
	(void)state;
	char path[4096], err[512] = "";
	uint8_t apex[WIRE_NAME_MAX];
	data_path("good.zone", path, sizeof(path));
	name_of("files.test.", apex);
	struct zone *z = zone_new(apex);
	if (zone_load_file(z, path, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(zone_finish(z, err, sizeof(err)), 0);
	assert_int_equal(zone_negative_ttl(z), 120);
	assert_null(lookup(z, "ns.files.test.", DNS_TYPE_A));
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.answer[0].ttl, 600); /* $TTL */
	assert_null(lookup(z, "www.files.test.", DNS_TYPE_AAAA));
	assert_int_equal(ans.n_answer, 1);
	assert_null(lookup(z, "www.files.test.", DNS_TYPE_A));
	assert_int_equal(ans.answer[0].ttl, 300);
	assert_null(lookup(z, "mail.files.test.", DNS_TYPE_MX));
	uint16_t len;
	const uint8_t *rd = first_rdata(&ans.answer[0], &len);
	assert_int_equal(len, 2 + 16);
	assert_memory_equal(rd, "\x00\x0a\x03www\x05" "files\x04test", 18);
	zone_free(z);
}

static void test_load_bad_zone_file_names_the_line(void **state)
{
	(void)state;
	char path[4096], err[512] = "";
	uint8_t apex[WIRE_NAME_MAX];
	data_path("bad.zone", path, sizeof(path));
	name_of("files.test.", apex);
	struct zone *z = zone_new(apex);
	assert_int_equal(zone_load_file(z, path, err, sizeof(err)), -1);
	if (!strstr(err, "line 5"))
		fail_msg("error '%s' does not name line 5", err);
	zone_free(z);

	z = zone_new(apex);
	data_path("no-such.zone", path, sizeof(path));
	assert_int_equal(zone_load_file(z, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no-such.zone"));
	zone_free(z);
}

/* Bytes the C heap has handed out (0 under ASan, whose allocator LeakSanitizer watches). */
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static void load_once(const char *file, bool expect_ok)
{
	char path[4096], err[512] = "";
	uint8_t apex[WIRE_NAME_MAX];
	data_path(file, path, sizeof(path));
	name_of("files.test.", apex);
	struct zone *z = zone_new(apex);
	assert_int_equal(zone_load_file(z, path, err, sizeof(err)), expect_ok ? 0 : -1);
	zone_free(z);
}

static void test_loading_zone_files_frees_everything_even_on_error(void **state)
{
	(void)state;
	/* a reload with a broken zone file must not cost memory each time */
	static const struct { const char *file; bool ok; } cases[] = {
		{ "good.zone", true }, { "bad.zone", false } };
	for (size_t c = 0; c < 2; c++) {
		for (int i = 0; i < 100; i++) /* warm up the allocator's caches */
			load_once(cases[c].file, cases[c].ok);
		size_t before = heap_in_use();
		for (int i = 0; i < 100; i++)
			load_once(cases[c].file, cases[c].ok);
		size_t after = heap_in_use();
		/* allocator noise stays under a few kB; a leak of one record per load does not */
		if (after > before + 8192)
			fail_msg("100 loads of %s kept %zu bytes", cases[c].file, after - before);
	}
}

static void test_load_zone_file_with_record_outside_zone_names_the_line(void **state)
{
	(void)state;
	/* load.h promises "line N: reason" for every error in a zone file */
	char path[4096], err[512] = "";
	uint8_t apex[WIRE_NAME_MAX];
	data_path("outside.zone", path, sizeof(path));
	name_of("files.test.", apex);
	struct zone *z = zone_new(apex);
	assert_int_equal(zone_load_file(z, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside the zone"));
	bool has_line = strstr(err, "line 4") != NULL;
	zone_free(z);
	if (!has_line)
		fail_msg("error '%s' does not name line 4", err);
}

static void test_zone_file_with_two_soas_is_refused(void **state)
{
	(void)state;
	/* the same rule as for records given one by one: exactly one SOA at the apex */
	char path[4096], err[512] = "";
	uint8_t apex[WIRE_NAME_MAX];
	data_path("two-soa.zone", path, sizeof(path));
	name_of("files.test.", apex);
	struct zone *z = zone_new(apex);
	int rc = zone_load_file(z, path, err, sizeof(err));
	if (rc == 0)
		rc = zone_finish(z, err, sizeof(err));
	zone_free(z);
	if (rc == 0)
		fail_msg("a zone file with two SOA records was accepted");
	assert_non_null(strstr(err, "SOA"));
}

/* ---- built-in zones ---- */

/* Every built-in zone, served together as the daemon does (built once for the run). */
static struct zoneset builtins;

static int build_builtins(void **state)
{
	(void)state;
	size_t n = builtin_zone_count();
	const struct zone **b = calloc(n, sizeof(*b));
	char err[256];
	size_t built = 0;
	while (b && built < n && (b[built] = builtin_zone_build(built, err, sizeof(err))))
		built++;
	int rc = built == n ? zoneset_init(&builtins, b, n) : -1;
	if (rc < 0) {
		print_error("built-in zone %zu: %s\n", built, err);
		for (size_t i = 0; i < built; i++)
			zone_free((struct zone *)b[i]);
	}
	free(b); /* the zoneset keeps the pointers */
	return rc;
}

static int free_builtins(void **state)
{
	(void)state;
	for (size_t i = 0; i < builtins.count; i++)
		zone_free((struct zone *)builtins.zones[i]);
	zoneset_clear(&builtins);
	return 0;
}

static void test_builtin_localhost_is_127_0_0_1(void **state)
{
	(void)state;
	const struct zoneset *zs = &builtins;
	assert_true(answer_through_set(zs, "localhost.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1);
	uint16_t len;
	assert_memory_equal(first_rdata(&ans.answer[0], &len), "\x7f\x00\x00\x01", 4);
	assert_int_equal(len, 4);
}

static void test_builtin_name_below_localhost_has_aaaa_loopback(void **state)
{
	(void)state;
	const struct zoneset *zs = &builtins;
	assert_true(answer_through_set(zs, "foo.localhost.", DNS_TYPE_AAAA));
	assert_int_equal(ans.n_answer, 1);
	assert_owner(&ans.answer[0], "foo.localhost.");
	uint16_t len;
	const uint8_t *rd = first_rdata(&ans.answer[0], &len);
	assert_int_equal(len, 16);
	assert_memory_equal(rd, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
}

static void test_builtin_loopback_reverse_is_localhost(void **state)
{
	(void)state;
	const struct zoneset *zs = &builtins;
	assert_true(answer_through_set(zs, "1.0.0.127.in-addr.arpa.", DNS_TYPE_PTR));
	assert_int_equal(ans.n_answer, 1);
	uint16_t len;
	const uint8_t *rd = first_rdata(&ans.answer[0], &len);
	assert_int_equal(len, 11);
	assert_memory_equal(rd, "\x09localhost", 11);
}

static void test_builtin_private_reverse_is_nxdomain(void **state)
{
	(void)state;
	const struct zoneset *zs = &builtins;
	assert_true(answer_through_set(zs, "x.10.in-addr.arpa.", DNS_TYPE_PTR));
	assert_negative(DNS_RCODE_NXDOMAIN, 10800);
	assert_true(answer_through_set(zs, "foo.invalid.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NXDOMAIN);
	/* test. is left to labs: no built-in zone answers it */
	assert_false(answer_through_set(zs, "foo.test.", DNS_TYPE_A));
	assert_false(answer_through_set(zs, "8.8.8.8.in-addr.arpa.", DNS_TYPE_PTR));
}

static void test_builtin_zone_matches(void **state)
{
	(void)state;
	uint8_t n[WIRE_NAME_MAX];
	name_of("in-addr.arpa.", n);
	assert_true(builtin_zone_matches(n));
	name_of("localhost.", n);
	assert_true(builtin_zone_matches(n));
	name_of("test.", n);
	assert_false(builtin_zone_matches(n));
	name_of("foo.localhost.", n);
	assert_false(builtin_zone_matches(n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_good_zone_file),
		cmocka_unit_test(test_load_bad_zone_file_names_the_line),
		cmocka_unit_test(test_loading_zone_files_frees_everything_even_on_error),
		cmocka_unit_test(test_load_zone_file_with_record_outside_zone_names_the_line),
		cmocka_unit_test(test_zone_file_with_two_soas_is_refused),
		cmocka_unit_test(test_builtin_localhost_is_127_0_0_1),
		cmocka_unit_test(test_builtin_name_below_localhost_has_aaaa_loopback),
		cmocka_unit_test(test_builtin_loopback_reverse_is_localhost),
		cmocka_unit_test(test_builtin_private_reverse_is_nxdomain),
		cmocka_unit_test(test_builtin_zone_matches),
	};
	return cmocka_run_group_tests(tests, build_builtins, free_builtins);
}
