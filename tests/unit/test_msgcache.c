/* Unit tests for lib/cache/msgcache.h: stored answers come back with TTLs counted down, stale
 * ones only through the stale door, and the byte budget holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/cache/msgcache.h"
#include "lib/wire/builder.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

#define T0 1700000000

struct msg {
	uint8_t qname[WIRE_NAME_MAX];
	uint8_t buf[4096];
	size_t len;
};

/* An answer to NAME/A with one A record of ttl_a and an SOA in authority of ttl_soa (0: none). */
static void make_answer(struct msg *m, const char *name, uint32_t ttl_a, uint32_t ttl_soa)
{
	if (wire_name_from_text(name, NULL, m->qname) <= 0)
		fail_msg("bad name %s", name);
	wire_name_lower(m->qname);
	struct wire_builder b;
	wire_builder_init(&b, m->buf, sizeof(m->buf));
	wire_builder_header(&b, 0, DNS_FLAG_QR | DNS_FLAG_RA, DNS_RCODE_NOERROR);
	assert_int_equal(wire_builder_question(&b, m->qname, DNS_TYPE_A, DNS_CLASS_IN), 0);
	const uint8_t a[4] = { 192, 0, 2, 1 };
	assert_int_equal(wire_builder_rr(&b, WIRE_ANSWER, m->qname, DNS_TYPE_A, DNS_CLASS_IN,
					 ttl_a, a, 4), 0);
	if (ttl_soa) {
		uint8_t soa[64];
		size_t n = 0;
		soa[n++] = 0; /* mname: root */
		soa[n++] = 0; /* rname: root */
		for (int i = 0; i < 5; i++, n += 4)
			wire_write_u32(soa + n, 60);
		assert_int_equal(wire_builder_rr(&b, WIRE_AUTHORITY, m->qname, DNS_TYPE_SOA,
						 DNS_CLASS_IN, ttl_soa, soa, (uint16_t)n), 0);
	}
	m->len = b.len;
}

static struct msgcache_key key_of(const struct msg *m, uint32_t gen)
{
	return (struct msgcache_key){ .qname = m->qname, .qtype = DNS_TYPE_A, .view = gen };
}

/* A cache (1 MiB, the given stale window) holding the answer to name/A with one record of
 * ttl, stored at T0; m and k receive the message and its key. */
static struct msgcache *cache_with(const char *name, uint32_t ttl, uint32_t stale_max,
				   struct msg *m, struct msgcache_key *k)
{
	struct msgcache *c = msgcache_new(1 << 20, stale_max);
	assert_non_null(c);
	make_answer(m, name, ttl, 0);
	*k = key_of(m, 0);
	assert_int_equal(msgcache_put(c, k, m->buf, m->len, T0), 0);
	return c;
}

/* The TTL of the n-th record after the question (records of make_answer: name is a pointer). */
static uint32_t ttl_at(const uint8_t *p, size_t len, unsigned n)
{
	size_t pos = DNS_HEADER_SIZE;
	assert_true(wire_name_skip(p, len, &pos) >= 0);
	pos += 4;
	for (unsigned i = 0;; i++) {
		assert_true(wire_name_skip(p, len, &pos) >= 0);
		if (i == n)
			return wire_read_u32(p + pos + 4);
		pos += 10u + wire_read_u16(p + pos + 8);
	}
}

static void test_hit_counts_ttls_down(void **state)
{
	(void)state;
	struct msgcache *c = msgcache_new(1 << 20, 0);
	struct msg m;
	make_answer(&m, "www.example.com.", 300, 120);
	struct msgcache_key k = key_of(&m, 1);
	assert_int_equal(msgcache_put(c, &k, m.buf, m.len, T0), 0);

	uint8_t out[4096];
	struct msgcache_hit hit;
	size_t n = msgcache_get(c, &k, T0 + 50, out, sizeof(out), true, &hit);
	assert_int_equal(n, m.len);
	assert_int_equal(ttl_at(out, n, 0), 250);
	assert_int_equal(ttl_at(out, n, 1), 70);
	/* The message's freshness is its smallest TTL. */
	assert_int_equal(hit.ttl_left, 70);
	/* Everything else is the stored bytes. */
	assert_memory_equal(out, m.buf, 12);
	msgcache_free(c);
}

static void test_expired_is_a_miss(void **state)
{
	(void)state;
	struct msg m;
	struct msgcache_key k;
	struct msgcache *c = cache_with("a.example.", 60, 0, &m, &k);
	uint8_t out[4096];
	struct msgcache_hit hit;
	assert_int_equal(msgcache_get(c, &k, T0 + 59, out, sizeof(out), true, &hit), m.len);
	assert_int_equal(ttl_at(out, m.len, 0), 1);
	assert_int_equal(msgcache_get(c, &k, T0 + 60, out, sizeof(out), true, &hit), 0);
	/* Without a stale window the entry is gone, even for the stale door. */
	assert_int_equal(msgcache_get_stale(c, &k, T0 + 60, 30, out, sizeof(out)), 0);
	struct msgcache_stats st;
	msgcache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 1);
	msgcache_free(c);
}

/* RFC 8767 §4: expired data is kept for the stale window and served with TTL 30 only when
 * asked for as stale; the ordinary lookup never returns it. */
static void test_stale_window(void **state)
{
	(void)state;
	struct msg m;
	struct msgcache_key k;
	struct msgcache *c = cache_with("a.example.", 60, 3600, &m, &k);
	uint8_t out[4096];
	struct msgcache_hit hit;
	assert_int_equal(msgcache_get(c, &k, T0 + 100, out, sizeof(out), true, &hit), 0);
	size_t n = msgcache_get_stale(c, &k, T0 + 100, 30, out, sizeof(out));
	assert_int_equal(n, m.len);
	assert_int_equal(ttl_at(out, n, 0), 30);
	/* Past ttl + stale window: gone. */
	assert_int_equal(msgcache_get_stale(c, &k, T0 + 60 + 3600, 30, out, sizeof(out)), 0);
	assert_int_equal(msgcache_get(c, &k, T0 + 60 + 3600, out, sizeof(out), true, &hit), 0);
	struct msgcache_stats st;
	msgcache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.stale_hits, 1);
	msgcache_free(c);
}

/* Another view (issue #7's VPCs) is another key; so are the type and DO/CD. */
static void test_key_parts(void **state)
{
	(void)state;
	struct msg m;
	struct msgcache_key k;
	struct msgcache *c = cache_with("a.example.", 60, 0, &m, &k);
	uint8_t out[4096];
	struct msgcache_hit hit;
	struct msgcache_key other = k;
	other.view = 2;
	assert_int_equal(msgcache_get(c, &other, T0, out, sizeof(out), true, &hit), 0);
	other = k;
	other.flags = MSGCACHE_DO;
	assert_int_equal(msgcache_get(c, &other, T0, out, sizeof(out), true, &hit), 0);
	other = k;
	other.qtype = DNS_TYPE_AAAA;
	assert_int_equal(msgcache_get(c, &other, T0, out, sizeof(out), true, &hit), 0);
	/* A message that does not fit the caller's room is a miss, not a partial copy. */
	assert_int_equal(msgcache_get(c, &k, T0, out, m.len - 1, true, &hit), 0);
	assert_int_equal(msgcache_get(c, &k, T0, out, sizeof(out), true, &hit), m.len);
	msgcache_free(c);
}

/* Prefetch is asked for once, in the last tenth of the TTL. */
static void test_prefetch_once(void **state)
{
	(void)state;
	struct msg m;
	struct msgcache_key k;
	struct msgcache *c = cache_with("a.example.", 100, 0, &m, &k);
	uint8_t out[4096];
	struct msgcache_hit hit;
	assert_true(msgcache_get(c, &k, T0 + 90, out, sizeof(out), true, &hit) > 0);
	assert_false(hit.prefetch);
	assert_true(msgcache_get(c, &k, T0 + 91, out, sizeof(out), true, &hit) > 0);
	assert_true(hit.prefetch);
	assert_true(msgcache_get(c, &k, T0 + 92, out, sizeof(out), true, &hit) > 0);
	assert_false(hit.prefetch);
	/* A fresh store (the refresh) starts the count again. */
	assert_int_equal(msgcache_put(c, &k, m.buf, m.len, T0 + 92), 0);
	assert_true(msgcache_get(c, &k, T0 + 183, out, sizeof(out), true, &hit) > 0);
	assert_true(hit.prefetch);
	msgcache_free(c);
}

/* Bytes stay within the budget; the least recently used go first. */
static void test_budget_and_lru(void **state)
{
	(void)state;
	size_t budget = 64 * 1024;
	struct msgcache *c = msgcache_new(budget, 0);
	struct msg first;
	make_answer(&first, "keep.example.", 3600, 0);
	struct msgcache_key kf = key_of(&first, 1);
	assert_int_equal(msgcache_put(c, &kf, first.buf, first.len, T0), 0);
	uint8_t out[4096];
	struct msgcache_hit hit;
	for (int i = 0; i < 5000; i++) {
		struct msg m;
		char name[64];
		snprintf(name, sizeof(name), "n%d.example.", i);
		make_answer(&m, name, 3600, 0);
		struct msgcache_key k = key_of(&m, 1);
		assert_int_equal(msgcache_put(c, &k, m.buf, m.len, T0), 0);
		struct msgcache_stats st;
		msgcache_get_stats(c, &st);
		assert_true(st.bytes <= budget);
		/* Reading "keep" now and then keeps it young in its shard. */
		if (i % 4 == 0)
			assert_int_equal(msgcache_get(c, &kf, T0, out, sizeof(out), true, &hit),
					 first.len);
	}
	struct msgcache_stats st;
	msgcache_get_stats(c, &st);
	assert_true(st.evictions > 4000);
	assert_true(st.entries > 100);
	/* The last names stored are there, the first ones are not. */
	struct msg m;
	make_answer(&m, "n4999.example.", 3600, 0);
	struct msgcache_key k = key_of(&m, 1);
	assert_int_equal(msgcache_get(c, &k, T0, out, sizeof(out), true, &hit), m.len);
	make_answer(&m, "n0.example.", 3600, 0);
	k = key_of(&m, 1);
	assert_int_equal(msgcache_get(c, &k, T0, out, sizeof(out), true, &hit), 0);
	assert_int_equal(msgcache_get(c, &kf, T0, out, sizeof(out), true, &hit), first.len);
	assert_true(msgcache_flush(c) == st.entries);
	msgcache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	msgcache_free(c);
}

/* What cannot be served later is refused: garbage, an OPT inside, another question, no TTL. */
static void test_refuses_bad_messages(void **state)
{
	(void)state;
	struct msgcache *c = msgcache_new(1 << 20, 0);
	struct msg m;
	make_answer(&m, "a.example.", 60, 0);
	struct msgcache_key k = key_of(&m, 1);
	assert_int_equal(msgcache_put(c, &k, m.buf, m.len - 1, T0), -1);
	assert_int_equal(msgcache_put(c, &k, m.buf, 11, T0), -1);
	uint8_t extra[4096];
	memcpy(extra, m.buf, m.len);
	extra[m.len] = 0;
	assert_int_equal(msgcache_put(c, &k, extra, m.len + 1, T0), -1);
	struct msg other;
	make_answer(&other, "b.example.", 60, 0);
	assert_int_equal(msgcache_put(c, &k, other.buf, other.len, T0), -1);
	make_answer(&m, "a.example.", 0, 0);
	assert_int_equal(msgcache_put(c, &k, m.buf, m.len, T0), -1);
	/* An OPT record has no place in a stored answer: the client's own is added later. */
	make_answer(&m, "a.example.", 60, 0);
	struct wire_builder b;
	wire_builder_init(&b, m.buf, sizeof(m.buf));
	b.len = m.len;
	b.counts[0] = 1;
	struct wire_opt opt = { .udp_size = 1232, .ede_code = EDE_NONE };
	assert_int_equal(wire_builder_opt(&b, &opt), 0);
	assert_int_equal(msgcache_put(c, &k, m.buf, b.len, T0), -1);
	struct msgcache_stats st;
	msgcache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	msgcache_free(c);
}

/* A fresh answer stays when the same question is resolved again (by another thread, or for
 * a client it did not fit); one due for a refresh is replaced. */
static void test_fresh_entry_is_kept_until_due(void **state)
{
	(void)state;
	struct msg m;
	struct msgcache_key k;
	struct msgcache *c = cache_with("a.example.", 100, 0, &m, &k);
	struct msg newer;
	make_answer(&newer, "a.example.", 300, 0);
	assert_int_equal(msgcache_put(c, &k, newer.buf, newer.len, T0 + 50), 1);
	uint8_t out[4096];
	struct msgcache_hit hit;
	assert_int_equal(msgcache_get(c, &k, T0 + 50, out, sizeof(out), true, &hit), m.len);
	assert_int_equal(ttl_at(out, m.len, 0), 50);
	assert_int_equal(msgcache_put(c, &k, newer.buf, newer.len, T0 + 91), 0);
	assert_int_equal(msgcache_get(c, &k, T0 + 91, out, sizeof(out), true, &hit), newer.len);
	assert_int_equal(ttl_at(out, newer.len, 0), 300);
	msgcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_counts_ttls_down),
		cmocka_unit_test(test_expired_is_a_miss),
		cmocka_unit_test(test_stale_window),
		cmocka_unit_test(test_key_parts),
		cmocka_unit_test(test_prefetch_once),
		cmocka_unit_test(test_fresh_entry_is_kept_until_due),
		cmocka_unit_test(test_budget_and_lru),
		cmocka_unit_test(test_refuses_bad_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
