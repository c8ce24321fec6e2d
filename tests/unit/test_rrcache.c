/* Unit tests for lib/cache/rrcache.h: the clock is the `now` argument, so expiry is exact. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache_helpers.h"
#include "lib/cache/rrcache.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

#define T0 1700000000 /* wall clock at the start of every test */

/* ---- helpers ---- */

static void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	if (wire_name_from_text(text, NULL, out) <= 0)
		fail_msg("'%s' is not a name", text);
	wire_name_lower(out);
}

static struct rrcache *new_cache(size_t max_bytes)
{
	struct rrcache_limits lim = {
		.max_bytes = max_bytes,
		.max_ttl = 86400,
		.min_ttl = 0,
		.neg_max_ttl = 3600,
	};
	/* One shard: the LRU order is then global, as the eviction tests expect. */
	struct rrcache *c = rrcache_new_sharded(&lim, 1);
	assert_non_null(c);
	return c;
}

/* Packed data of one A record [u16 4][a.b.c.d]. */
struct packed_a {
	uint8_t b[6];
};

static struct packed_a one_a(uint8_t last)
{
	struct packed_a p = { { 0, 4, 192, 0, 2, last } };
	return p;
}

static int put_a(struct rrcache *c, const char *owner, uint32_t ttl, enum cache_rank rank,
		 uint8_t last, int64_t now)
{
	uint8_t n[WIRE_NAME_MAX];
	name_of(owner, n);
	struct packed_a p = one_a(last);
	return rrcache_put_rrset(c, n, DNS_TYPE_A, ttl, rank, 1, p.b, sizeof(p.b), NULL, now);
}

static const struct cache_entry *get(struct rrcache *c, const char *owner, uint32_t type,
				     int64_t now)
{
	uint8_t n[WIRE_NAME_MAX];
	name_of(owner, n);
	return cache_snapshot(c, n, type, now);
}

/* The last byte of the single A record of a live entry (which one is stored). */
static uint8_t a_last_byte(struct rrcache *c, const char *owner, int64_t now)
{
	const struct cache_entry *e = get(c, owner, DNS_TYPE_A, now);
	assert_non_null(e);
	assert_int_equal(e->kind, CACHE_POSITIVE);
	assert_int_equal(e->count, 1);
	uint32_t off = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	assert_true(rrcache_next_rdata(e, &off, &rd, &rdlen));
	assert_int_equal(rdlen, 4);
	return rd[3];
}

/* SOA data: ns1.example.lab. hostmaster.example.lab. serial refresh retry expire minimum */
struct soa {
	uint8_t owner[WIRE_NAME_MAX];
	uint8_t rd[2 * WIRE_NAME_MAX + 20];
	uint16_t len;
};

static void make_soa(struct soa *s, uint32_t minimum)
{
	name_of("example.lab.", s->owner);
	uint8_t mname[WIRE_NAME_MAX], rname[WIRE_NAME_MAX];
	name_of("ns1.example.lab.", mname);
	name_of("hostmaster.example.lab.", rname);
	size_t o = 0;
	memcpy(s->rd + o, mname, wire_name_len(mname));
	o += wire_name_len(mname);
	memcpy(s->rd + o, rname, wire_name_len(rname));
	o += wire_name_len(rname);
	const uint32_t nums[5] = { 2024010101, 7200, 3600, 1209600, minimum };
	for (int i = 0; i < 5; i++, o += 4)
		wire_write_u32(s->rd + o, nums[i]);
	s->len = (uint16_t)o;
}

static int put_nxdomain(struct rrcache *c, const char *owner, uint32_t soa_ttl,
			uint32_t minimum, int64_t now)
{
	uint8_t n[WIRE_NAME_MAX];
	struct soa s;
	name_of(owner, n);
	make_soa(&s, minimum);
	return rrcache_put_negative(c, n, CACHE_TYPE_NXDOMAIN, s.owner, soa_ttl, s.rd, s.len,
				    now);
}

/* ---- put and get ---- */

static void test_stored_rrset_comes_back_with_its_records(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	uint8_t owner[WIRE_NAME_MAX];
	name_of("www.example.lab.", owner);
	/* two records: 192.0.2.1 and 192.0.2.2 */
	const uint8_t rdata[12] = { 0, 4, 192, 0, 2, 1, 0, 4, 192, 0, 2, 2 };
	assert_int_equal(rrcache_put_rrset(c, owner, DNS_TYPE_A, 300, CACHE_RANK_ANSWER, 2, rdata,
					   sizeof(rdata), NULL, T0),
			 0);

	const struct cache_entry *e = cache_snapshot(c, owner, DNS_TYPE_A, T0 + 10);
	assert_non_null(e);
	assert_int_equal(e->kind, CACHE_POSITIVE);
	assert_int_equal(e->type, DNS_TYPE_A);
	assert_int_equal(e->rank, CACHE_RANK_ANSWER);
	assert_int_equal(e->count, 2);
	assert_true(wire_name_equal(e->owner, owner));
	assert_int_equal(rrcache_ttl_left(e, T0 + 10), 290);

	uint32_t off = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	assert_true(rrcache_next_rdata(e, &off, &rd, &rdlen));
	assert_int_equal(rdlen, 4);
	assert_memory_equal(rd, "\xc0\x00\x02\x01", 4);
	assert_true(rrcache_next_rdata(e, &off, &rd, &rdlen));
	assert_memory_equal(rd, "\xc0\x00\x02\x02", 4);
	assert_false(rrcache_next_rdata(e, &off, &rd, &rdlen));

	/* another type at the same owner is another key */
	assert_null(cache_snapshot(c, owner, DNS_TYPE_AAAA, T0 + 10));
	rrcache_free(c);
}

static void test_entry_dies_when_its_ttl_runs_out(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	assert_int_equal(put_a(c, "www.example.lab.", 300, CACHE_RANK_ANSWER, 1, T0), 0);
	const struct cache_entry *e = get(c, "www.example.lab.", DNS_TYPE_A, T0 + 299);
	assert_non_null(e);
	assert_int_equal(rrcache_ttl_left(e, T0 + 299), 1);
	assert_null(get(c, "www.example.lab.", DNS_TYPE_A, T0 + 300));
	/* and it is gone for good, not only hidden */
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_null(get(c, "www.example.lab.", DNS_TYPE_A, T0));
	rrcache_free(c);
}

static void test_ttl_zero_is_never_served(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	put_a(c, "www.example.lab.", 0, CACHE_RANK_ANSWER, 1, T0);
	assert_null(get(c, "www.example.lab.", DNS_TYPE_A, T0));
	rrcache_free(c);
}

static void test_ttl_above_max_ttl_is_capped(void **state)
{
	(void)state;
	struct rrcache_limits lim = { .max_bytes = 1 << 20, .max_ttl = 3600, .min_ttl = 0,
				      .neg_max_ttl = 900 };
	struct rrcache *c = rrcache_new(&lim);
	assert_non_null(c);
	put_a(c, "www.example.lab.", 604800, CACHE_RANK_ANSWER, 1, T0);
	const struct cache_entry *e = get(c, "www.example.lab.", DNS_TYPE_A, T0);
	assert_non_null(e);
	assert_int_equal(rrcache_ttl_left(e, T0), 3600);
	assert_null(get(c, "www.example.lab.", DNS_TYPE_A, T0 + 3600));
	rrcache_free(c);
}

static void test_ttl_below_min_ttl_is_raised(void **state)
{
	(void)state;
	struct rrcache_limits lim = { .max_bytes = 1 << 20, .max_ttl = 86400, .min_ttl = 30,
				      .neg_max_ttl = 900 };
	struct rrcache *c = rrcache_new(&lim);
	assert_non_null(c);
	put_a(c, "www.example.lab.", 5, CACHE_RANK_ANSWER, 1, T0);
	const struct cache_entry *e = get(c, "www.example.lab.", DNS_TYPE_A, T0 + 10);
	assert_non_null(e);
	assert_int_equal(rrcache_ttl_left(e, T0 + 10), 20);
	rrcache_free(c);
}

/* ---- negative answers ---- */

static void test_negative_ttl_is_soa_ttl_when_lower_than_minimum(void **state)
{
	(void)state;
	struct soa s;
	make_soa(&s, 300);
	assert_int_equal(rrcache_soa_negative_ttl(60, s.rd, s.len), 60);
	assert_int_equal(rrcache_soa_negative_ttl(3600, s.rd, s.len), 300);
	assert_int_equal(rrcache_soa_negative_ttl(300, s.rd, s.len), 300);
}

static void test_nxdomain_is_cached_for_min_of_soa_ttl_and_minimum(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	assert_int_equal(put_nxdomain(c, "nope.example.lab.", 3600, 300, T0), 0);
	const struct cache_entry *e = get(c, "nope.example.lab.", CACHE_TYPE_NXDOMAIN, T0);
	assert_non_null(e);
	assert_int_equal(e->kind, CACHE_NXDOMAIN);
	assert_int_equal(rrcache_ttl_left(e, T0), 300);
	/* the SOA that proves it comes with it */
	uint8_t zone[WIRE_NAME_MAX];
	name_of("example.lab.", zone);
	assert_true(wire_name_equal(e->soa_owner, zone));
	struct soa s;
	make_soa(&s, 300);
	assert_int_equal(e->soa_rdlen, s.len);
	assert_memory_equal(e->soa_rdata, s.rd, s.len);
	assert_null(get(c, "nope.example.lab.", CACHE_TYPE_NXDOMAIN, T0 + 300));

	/* SOA TTL lower than MINIMUM: the TTL wins */
	assert_int_equal(put_nxdomain(c, "gone.example.lab.", 45, 300, T0), 0);
	e = get(c, "gone.example.lab.", CACHE_TYPE_NXDOMAIN, T0);
	assert_non_null(e);
	assert_int_equal(rrcache_ttl_left(e, T0), 45);
	rrcache_free(c);
}

static void test_negative_ttl_is_capped_by_neg_max_ttl(void **state)
{
	(void)state;
	struct rrcache_limits lim = { .max_bytes = 1 << 20, .max_ttl = 86400, .min_ttl = 0,
				      .neg_max_ttl = 100 };
	struct rrcache *c = rrcache_new(&lim);
	assert_non_null(c);
	put_nxdomain(c, "nope.example.lab.", 3600, 86400, T0);
	const struct cache_entry *e = get(c, "nope.example.lab.", CACHE_TYPE_NXDOMAIN, T0);
	assert_non_null(e);
	assert_int_equal(rrcache_ttl_left(e, T0), 100);
	rrcache_free(c);
}

static void test_nodata_is_kept_per_type(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	uint8_t owner[WIRE_NAME_MAX];
	struct soa s;
	name_of("www.example.lab.", owner);
	make_soa(&s, 600);
	assert_int_equal(rrcache_put_negative(c, owner, DNS_TYPE_AAAA, s.owner, 3600, s.rd, s.len,
					      T0),
			 0);
	const struct cache_entry *e = cache_snapshot(c, owner, DNS_TYPE_AAAA, T0);
	assert_non_null(e);
	assert_int_equal(e->kind, CACHE_NODATA);
	assert_int_equal(rrcache_ttl_left(e, T0), 600);
	/* NODATA for AAAA says nothing about A, nor that the name is missing */
	assert_null(cache_snapshot(c, owner, DNS_TYPE_A, T0));
	assert_null(cache_snapshot(c, owner, CACHE_TYPE_NXDOMAIN, T0));
	rrcache_free(c);
}

static void test_positive_rrset_ends_a_cached_nxdomain_of_its_owner(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	put_nxdomain(c, "new.example.lab.", 3600, 3600, T0);
	assert_non_null(get(c, "new.example.lab.", CACHE_TYPE_NXDOMAIN, T0));
	assert_int_equal(put_a(c, "new.example.lab.", 300, CACHE_RANK_ANSWER, 9, T0 + 1), 0);
	assert_null(get(c, "new.example.lab.", CACHE_TYPE_NXDOMAIN, T0 + 1));
	assert_int_equal(a_last_byte(c, "new.example.lab.", T0 + 1), 9);
	/* only that owner's */
	put_nxdomain(c, "other.example.lab.", 3600, 3600, T0);
	put_a(c, "new.example.lab.", 300, CACHE_RANK_ANSWER, 9, T0 + 2);
	assert_non_null(get(c, "other.example.lab.", CACHE_TYPE_NXDOMAIN, T0 + 2));
	rrcache_free(c);
}

/* ---- ranks ---- */

static void test_glue_does_not_replace_an_authoritative_answer(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	assert_int_equal(put_a(c, "ns1.example.lab.", 3600, CACHE_RANK_ANSWER, 1, T0), 0);
	assert_int_equal(put_a(c, "ns1.example.lab.", 3600, CACHE_RANK_GLUE, 66, T0 + 5), 1);
	assert_int_equal(a_last_byte(c, "ns1.example.lab.", T0 + 5), 1);
	const struct cache_entry *e = get(c, "ns1.example.lab.", DNS_TYPE_A, T0 + 5);
	assert_int_equal(e->rank, CACHE_RANK_ANSWER);
	/* nor does a referral's or a non-authoritative answer's data */
	assert_int_equal(put_a(c, "ns1.example.lab.", 3600, CACHE_RANK_REFERRAL, 67, T0 + 5), 1);
	assert_int_equal(put_a(c, "ns1.example.lab.", 3600, CACHE_RANK_NONAUTH, 68, T0 + 5), 1);
	assert_int_equal(a_last_byte(c, "ns1.example.lab.", T0 + 5), 1);
	rrcache_free(c);
}

static void test_answer_replaces_glue(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	assert_int_equal(put_a(c, "ns1.example.lab.", 172800, CACHE_RANK_GLUE, 1, T0), 0);
	assert_int_equal(put_a(c, "ns1.example.lab.", 300, CACHE_RANK_ANSWER, 2, T0 + 1), 0);
	const struct cache_entry *e = get(c, "ns1.example.lab.", DNS_TYPE_A, T0 + 1);
	assert_non_null(e);
	assert_int_equal(e->rank, CACHE_RANK_ANSWER);
	assert_int_equal(rrcache_ttl_left(e, T0 + 1), 300); /* the new TTL too */
	assert_int_equal(a_last_byte(c, "ns1.example.lab.", T0 + 1), 2);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	rrcache_free(c);
}

static void test_same_rank_replaces(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	put_a(c, "www.example.lab.", 300, CACHE_RANK_ANSWER, 1, T0);
	assert_int_equal(put_a(c, "www.example.lab.", 300, CACHE_RANK_ANSWER, 2, T0 + 1), 0);
	assert_int_equal(a_last_byte(c, "www.example.lab.", T0 + 1), 2);
	rrcache_free(c);
}

static void test_expired_entry_is_replaced_by_anything(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	put_a(c, "ns1.example.lab.", 60, CACHE_RANK_ANSWER, 1, T0);
	/* still alive: glue bounces */
	assert_int_equal(put_a(c, "ns1.example.lab.", 3600, CACHE_RANK_GLUE, 2, T0 + 59), 1);
	/* expired (never read since): glue takes its place */
	assert_int_equal(put_a(c, "ns1.example.lab.", 3600, CACHE_RANK_GLUE, 3, T0 + 60), 0);
	const struct cache_entry *e = get(c, "ns1.example.lab.", DNS_TYPE_A, T0 + 60);
	assert_non_null(e);
	assert_int_equal(e->rank, CACHE_RANK_GLUE);
	assert_int_equal(a_last_byte(c, "ns1.example.lab.", T0 + 60), 3);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	rrcache_free(c);
}

/* ---- memory budget ---- */

/* What one A entry for a name of this length costs, measured on a cache of its own. */
static size_t cost_of_one_a(const char *owner)
{
	struct rrcache *c = new_cache(1 << 20);
	put_a(c, owner, 300, CACHE_RANK_ANSWER, 1, T0);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	rrcache_free(c);
	assert_true(st.bytes > 0);
	return (size_t)st.bytes;
}

static void test_over_budget_the_least_recently_read_entry_goes(void **state)
{
	(void)state;
	size_t one = cost_of_one_a("a.example.lab.");
	assert_int_equal(cost_of_one_a("b.example.lab."), one);
	struct rrcache *c = new_cache(3 * one);
	put_a(c, "a.example.lab.", 300, CACHE_RANK_ANSWER, 1, T0);
	put_a(c, "b.example.lab.", 300, CACHE_RANK_ANSWER, 2, T0);
	put_a(c, "c.example.lab.", 300, CACHE_RANK_ANSWER, 3, T0);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.bytes, 3 * one);
	assert_int_equal(st.evictions, 0);

	/* a is the oldest write but is read now: b becomes the least recently used */
	assert_non_null(get(c, "a.example.lab.", DNS_TYPE_A, T0 + 1));
	put_a(c, "d.example.lab.", 300, CACHE_RANK_ANSWER, 4, T0 + 2);

	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.bytes, 3 * one);
	assert_int_equal(st.evictions, 1);
	assert_null(get(c, "b.example.lab.", DNS_TYPE_A, T0 + 3));
	assert_non_null(get(c, "a.example.lab.", DNS_TYPE_A, T0 + 3));
	assert_non_null(get(c, "c.example.lab.", DNS_TYPE_A, T0 + 3));
	assert_non_null(get(c, "d.example.lab.", DNS_TYPE_A, T0 + 3));
	rrcache_free(c);
}

static void test_entry_bigger_than_the_budget_is_not_kept(void **state)
{
	(void)state;
	size_t one = cost_of_one_a("a.example.lab.");
	struct rrcache *c = new_cache(one / 2);
	put_a(c, "a.example.lab.", 300, CACHE_RANK_ANSWER, 1, T0);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_true(st.bytes <= one / 2);
	assert_null(get(c, "a.example.lab.", DNS_TYPE_A, T0));
	rrcache_free(c);
}

static void test_stats_count_hits_misses_entries_and_bytes(void **state)
{
	(void)state;
	size_t one = cost_of_one_a("a.example.lab.");
	struct rrcache *c = new_cache(1 << 20);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.hits, 0);
	assert_int_equal(st.misses, 0);

	put_a(c, "a.example.lab.", 300, CACHE_RANK_ANSWER, 1, T0);
	put_a(c, "b.example.lab.", 10, CACHE_RANK_ANSWER, 2, T0);
	assert_non_null(get(c, "a.example.lab.", DNS_TYPE_A, T0));      /* hit */
	assert_non_null(get(c, "a.example.lab.", DNS_TYPE_A, T0 + 1));  /* hit */
	assert_null(get(c, "z.example.lab.", DNS_TYPE_A, T0));          /* miss: absent */
	assert_null(get(c, "b.example.lab.", DNS_TYPE_A, T0 + 10));     /* miss: expired */
	rrcache_get_stats(c, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.bytes, one);
	assert_int_equal(st.evictions, 0); /* expiry is not eviction */

	/* replacing an entry keeps one entry and its size */
	put_a(c, "a.example.lab.", 300, CACHE_RANK_ANSWER, 5, T0 + 2);
	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.bytes, one);
	rrcache_free(c);
}

static void test_many_entries_grow_the_table_and_all_stay_findable(void **state)
{
	(void)state;
	struct rrcache *c = new_cache((size_t)64 << 20);
	char name[64];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "host%d.example.lab.", i);
		assert_int_equal(put_a(c, name, 300, CACHE_RANK_ANSWER, (uint8_t)i, T0), 0);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "host%d.example.lab.", i);
		assert_int_equal(a_last_byte(c, name, T0), (uint8_t)i);
	}
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 5000);
	rrcache_free(c);
}

/* ---- flush (the seeds' "record exists now, clients still get NXDOMAIN") ---- */

static void test_flush_name_removes_only_that_owner(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	put_a(c, "www.example.lab.", 300, CACHE_RANK_ANSWER, 1, T0);
	put_a(c, "a.www.example.lab.", 300, CACHE_RANK_ANSWER, 2, T0);
	put_nxdomain(c, "www.example.lab.", 300, 300, T0);
	uint8_t n[WIRE_NAME_MAX];
	name_of("www.example.lab.", n);
	assert_int_equal(rrcache_flush(c, RRCACHE_FLUSH_NAME, n), 2);
	assert_null(get(c, "www.example.lab.", CACHE_TYPE_NXDOMAIN, T0));
	assert_null(get(c, "www.example.lab.", DNS_TYPE_A, T0));
	assert_non_null(get(c, "a.www.example.lab.", DNS_TYPE_A, T0));
	rrcache_free(c);
}

static void test_flush_below_removes_the_name_and_everything_under_it(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	put_a(c, "example.lab.", 300, CACHE_RANK_ANSWER, 1, T0);
	put_a(c, "www.example.lab.", 300, CACHE_RANK_ANSWER, 2, T0);
	put_nxdomain(c, "nope.example.lab.", 300, 300, T0);
	put_a(c, "www.other.lab.", 300, CACHE_RANK_ANSWER, 3, T0);
	uint8_t n[WIRE_NAME_MAX];
	name_of("EXAMPLE.lab.", n);
	wire_name_lower(n);
	assert_int_equal(rrcache_flush(c, RRCACHE_FLUSH_BELOW, n), 3);
	assert_null(get(c, "www.example.lab.", DNS_TYPE_A, T0));
	assert_non_null(get(c, "www.other.lab.", DNS_TYPE_A, T0));
	rrcache_free(c);
}

static void test_flush_negative_keeps_positive_entries(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	put_a(c, "www.example.lab.", 300, CACHE_RANK_ANSWER, 1, T0);
	put_nxdomain(c, "nope.example.lab.", 300, 300, T0);
	assert_int_equal(rrcache_flush(c, RRCACHE_FLUSH_NEGATIVE, NULL), 1);
	assert_non_null(get(c, "www.example.lab.", DNS_TYPE_A, T0));
	assert_null(get(c, "nope.example.lab.", CACHE_TYPE_NXDOMAIN, T0));
	assert_int_equal(rrcache_flush(c, RRCACHE_FLUSH_ALL, NULL), 1);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	rrcache_free(c);
}

static void test_smaller_budget_evicts_at_once(void **state)
{
	(void)state;
	struct rrcache *c = new_cache(1 << 20);
	for (int i = 0; i < 50; i++) {
		char name[64];
		snprintf(name, sizeof(name), "n%d.example.lab.", i);
		put_a(c, name, 300, CACHE_RANK_ANSWER, (uint8_t)i, T0);
	}
	struct rrcache_limits lim = { .max_bytes = 1024, .max_ttl = 60, .neg_max_ttl = 60 };
	rrcache_set_limits(c, &lim);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_true(st.bytes <= 1024);
	assert_true(st.evictions > 0);
	put_a(c, "capped.example.lab.", 300, CACHE_RANK_ANSWER, 9, T0);
	assert_int_equal(rrcache_ttl_left(get(c, "capped.example.lab.", DNS_TYPE_A, T0), T0), 60);
	rrcache_free(c);
}

/* The daemon's cache: 16 shards, each with a sixteenth of the budget. The whole stays within
 * the budget, and what was read recently survives a flood of new names. */
static void test_sharded_cache_holds_its_budget(void **state)
{
	(void)state;
	struct rrcache_limits lim = { .max_bytes = 256 * 1024, .max_ttl = 86400,
				      .neg_max_ttl = 3600 };
	struct rrcache *c = rrcache_new(&lim);
	assert_non_null(c);
	for (int i = 0; i < 20000; i++) {
		char name[64];
		snprintf(name, sizeof(name), "n%d.example.lab.", i);
		put_a(c, name, 300, CACHE_RANK_ANSWER, (uint8_t)i, T0);
		if (i % 8 == 0)
			assert_non_null(get(c, "n0.example.lab.", DNS_TYPE_A, T0));
		struct rrcache_stats st;
		rrcache_get_stats(c, &st);
		assert_true(st.bytes <= lim.max_bytes);
	}
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_true(st.evictions > 10000);
	assert_true(st.entries > 1000);
	assert_non_null(get(c, "n0.example.lab.", DNS_TYPE_A, T0));
	assert_non_null(get(c, "n19999.example.lab.", DNS_TYPE_A, T0));
	assert_null(get(c, "n1.example.lab.", DNS_TYPE_A, T0));
	rrcache_free(c);
}

/* Four threads store, read and flush one cache at once; the sanitizer build checks that no
 * entry is used after another thread evicted it. */
struct hammer {
	struct rrcache *c;
	int id;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 20000; i++) {
		char name[64];
		uint8_t n[WIRE_NAME_MAX];
		snprintf(name, sizeof(name), "n%d.t%d.example.lab.", i % 3000, h->id % 2);
		name_of(name, n);
		struct packed_a p = one_a((uint8_t)i);
		rrcache_put_rrset(h->c, n, DNS_TYPE_A, 300, CACHE_RANK_ANSWER, 1, p.b,
				  sizeof(p.b), NULL, T0);
		const struct cache_entry *e = rrcache_get(h->c, n, DNS_TYPE_A, T0);
		if (e) {
			uint32_t off = 0;
			const uint8_t *rd;
			uint16_t rdlen;
			while (rrcache_next_rdata(e, &off, &rd, &rdlen))
				if (rdlen != 4)
					abort();
			rrcache_release(h->c, e);
		}
		if (i % 5000 == 4999)
			rrcache_flush(h->c, RRCACHE_FLUSH_BELOW, n + 1 + n[0]);
	}
	return NULL;
}

static void test_threads_share_one_cache(void **state)
{
	(void)state;
	struct rrcache_limits lim = { .max_bytes = 128 * 1024, .max_ttl = 86400,
				      .neg_max_ttl = 3600 };
	struct rrcache *c = rrcache_new(&lim);
	assert_non_null(c);
	pthread_t t[4];
	struct hammer h[4];
	for (int i = 0; i < 4; i++) {
		h[i] = (struct hammer){ .c = c, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, hammer_thread, &h[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	struct rrcache_stats st;
	rrcache_get_stats(c, &st);
	assert_true(st.bytes <= lim.max_bytes);
	assert_true(st.hits > 0 && st.evictions > 0);
	rrcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stored_rrset_comes_back_with_its_records),
		cmocka_unit_test(test_entry_dies_when_its_ttl_runs_out),
		cmocka_unit_test(test_ttl_zero_is_never_served),
		cmocka_unit_test(test_ttl_above_max_ttl_is_capped),
		cmocka_unit_test(test_ttl_below_min_ttl_is_raised),
		cmocka_unit_test(test_negative_ttl_is_soa_ttl_when_lower_than_minimum),
		cmocka_unit_test(test_nxdomain_is_cached_for_min_of_soa_ttl_and_minimum),
		cmocka_unit_test(test_negative_ttl_is_capped_by_neg_max_ttl),
		cmocka_unit_test(test_nodata_is_kept_per_type),
		cmocka_unit_test(test_positive_rrset_ends_a_cached_nxdomain_of_its_owner),
		cmocka_unit_test(test_glue_does_not_replace_an_authoritative_answer),
		cmocka_unit_test(test_answer_replaces_glue),
		cmocka_unit_test(test_same_rank_replaces),
		cmocka_unit_test(test_expired_entry_is_replaced_by_anything),
		cmocka_unit_test(test_over_budget_the_least_recently_read_entry_goes),
		cmocka_unit_test(test_entry_bigger_than_the_budget_is_not_kept),
		cmocka_unit_test(test_stats_count_hits_misses_entries_and_bytes),
		cmocka_unit_test(test_many_entries_grow_the_table_and_all_stay_findable),
		cmocka_unit_test(test_flush_name_removes_only_that_owner),
		cmocka_unit_test(test_flush_below_removes_the_name_and_everything_under_it),
		cmocka_unit_test(test_flush_negative_keeps_positive_entries),
		cmocka_unit_test(test_smaller_budget_evicts_at_once),
		cmocka_unit_test(test_sharded_cache_holds_its_budget),
		cmocka_unit_test(test_threads_share_one_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
