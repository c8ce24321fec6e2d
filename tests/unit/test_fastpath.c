/* The fast path of lib/respond: a question whose answer is in the message cache is answered
 * from it — the client's ID, flags, spelling and OPT patched in — and that allocates nothing.
 *
 * malloc, calloc and realloc are interposed here (the test binary's definitions win over
 * libc's for every caller, libcairn included) and counted while `counting` is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "lib/cache/msgcache.h"
#include "lib/iterator/response.h"
#include "lib/respond.h"
#include "lib/wire/builder.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"
#include "lib/zone/load.h"
#include "lib/zone/zone.h"
#include "lib/zone/zoneset.h"
#include "lib/policy/policy.h"

#define T0 1700000000

/* ---- allocation counter ---- */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#endif

static int counting;
static unsigned allocations;

/* The sanitizers own malloc: there the count stays 0 and only the answers are checked (the
 * plain build, which make check also runs, counts). */
#ifndef SANITIZED
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);

void *malloc(size_t size)
{
	allocations += counting;
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	allocations += counting;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	allocations += counting;
	return __libc_realloc(p, size);
}
#endif

/* ---- helpers ---- */

struct world {
	struct msgcache *msgs;
	struct access_rule rule;
	struct access_list access;
	struct cidr other_net;            /* VPC "other": 127.0.0.2/32 */
	struct policy_vpc other;
	struct policy policy;
	const uint8_t *client;            /* the address ask() queries from */
	struct respond_ctx ctx;
	struct respond_stats st;
};

static struct world *world_new(void)
{
	static struct world w;
	memset(&w, 0, sizeof(w));
	w.msgs = msgcache_new(1 << 20, 0);
	assert_non_null(w.msgs);
	char err[128];
	assert_int_equal(cidr_parse("127.0.0.0/8", &w.rule.net, err, sizeof(err)), 0);
	w.rule.allow = true;
	w.access = (struct access_list){ &w.rule, 1 };
	assert_int_equal(cidr_parse("127.0.0.2/32", &w.other_net, err, sizeof(err)), 0);
	w.other = (struct policy_vpc){ .name = "other", .id = "vpc-other", .cidrs = &w.other_net,
				       .n_cidrs = 1 };
	assert_int_equal(policy_build(&w.policy, &w.other, 1, NULL, 0, NULL, NULL, 0, NULL, 0,
				      false),
			 0);
	static const uint8_t localhost[4] = { 127, 0, 0, 1 };
	w.client = localhost;
	w.ctx = (struct respond_ctx){ .access = &w.access, .policy = &w.policy,
				      .view = &w.policy.views[0], .edns_buffer_size = 1232,
				      .recursion = true, .msgs = w.msgs, .prefetch = true,
				      .now = T0 };
	return &w;
}

static void world_free(struct world *w)
{
	msgcache_free(w->msgs);
	policy_clear(&w->policy);
}

/* A query for name/A: id, flags word, with or without an OPT (DO as given). */
static size_t make_query(uint8_t *buf, const char *name, uint16_t id, uint16_t flags, bool edns,
			 bool do_bit)
{
	uint8_t qname[WIRE_NAME_MAX];
	assert_true(wire_name_from_text(name, NULL, qname) > 0);
	struct wire_builder b;
	wire_builder_init(&b, buf, 512);
	wire_builder_header(&b, id, flags, 0);
	assert_int_equal(wire_builder_question(&b, qname, DNS_TYPE_A, DNS_CLASS_IN), 0);
	if (edns) {
		struct wire_opt opt = { .udp_size = 4096, .do_bit = do_bit, .ede_code = EDE_NONE };
		assert_int_equal(wire_builder_opt(&b, &opt), 0);
	}
	return b.len;
}

/* Store "www.example.com. 300 A 192.0.2.1" as the resolved answer (DO=0, CD=0). */
static void store_answer(struct world *w)
{
	uint8_t owner[WIRE_NAME_MAX];
	assert_true(wire_name_from_text("www.example.com.", NULL, owner) > 0);
	const uint8_t rdata[6] = { 0, 4, 192, 0, 2, 1 };
	struct iter_rrset rs;
	assert_int_equal(iter_rrset_make(&rs, owner, DNS_TYPE_A, 300, 1, rdata, sizeof(rdata)), 0);
	struct resolve_result res = { .rcode = DNS_RCODE_NOERROR, .answer = &rs, .n_answer = 1,
				      .ede = EDE_NONE };
	respond_cache_store(&w->ctx, owner, DNS_TYPE_A, 0, &res);
	iter_rrset_free(&rs);
}

static size_t ask(struct world *w, const uint8_t *q, size_t len, uint8_t *out, bool *resolve)
{
	struct respond_client c = { .family = AF_INET, .addr = w->client,
				    .transport = RESPOND_UDP };
	struct wire_query parsed;
	*resolve = false;
	w->ctx.view = NULL; /* as the daemon does: the client's address chooses it */
	return respond_to_query(&w->ctx, &c, q, len, out, 4096, &w->st, resolve, &parsed);
}

/* ---- tests ---- */

static void test_hit_is_answered_without_allocating(void **state)
{
	(void)state;
	struct world *w = world_new();
	store_answer(w);
	uint8_t q[512], out[4096];
	size_t qlen = make_query(q, "WWW.Example.COM.", 0xbeef, DNS_FLAG_RD, true, false);
	w->ctx.now = T0 + 100;
	bool resolve;
	counting = 1;
	allocations = 0;
	size_t n = ask(w, q, qlen, out, &resolve);
	counting = 0;
	assert_int_equal(allocations, 0);
	assert_false(resolve);
	assert_true(n > 0);
	assert_int_equal(wire_read_u16(out), 0xbeef);
	uint16_t flags = wire_read_u16(out + 2);
	assert_true(flags & DNS_FLAG_QR && flags & DNS_FLAG_RD && flags & DNS_FLAG_RA);
	assert_false(flags & DNS_FLAG_AA);
	/* the client's spelling of the name, letter for letter */
	assert_memory_equal(out + DNS_HEADER_SIZE, q + DNS_HEADER_SIZE, 17);
	/* one answer, its TTL counted down by 100 s, and the client's OPT */
	assert_int_equal(wire_read_u16(out + 6), 1);
	assert_int_equal(wire_read_u16(out + 10), 1);
	size_t rr = DNS_HEADER_SIZE + 17 + 4; /* then a pointer to the name, type, class, TTL */
	assert_int_equal(wire_read_u32(out + rr + 2 + 4), 200);
	assert_int_equal(w->st.fast, 1);
	assert_int_equal(w->st.noerror, 1);
	world_free(w);
}

static void test_miss_and_other_keys_go_to_resolution(void **state)
{
	(void)state;
	struct world *w = world_new();
	store_answer(w);
	uint8_t q[512], out[4096];
	bool resolve;
	/* DO=1 is another key: not stored, so resolved */
	size_t qlen = make_query(q, "www.example.com.", 1, DNS_FLAG_RD, true, true);
	assert_int_equal(ask(w, q, qlen, out, &resolve), 0);
	assert_true(resolve);
	/* a client of another view (a VPC) never reads the default view's answers */
	static const uint8_t vpc_client[4] = { 127, 0, 0, 2 }, plain_client[4] = { 127, 0, 0, 1 };
	w->client = vpc_client;
	qlen = make_query(q, "www.example.com.", 2, DNS_FLAG_RD, true, false);
	assert_int_equal(ask(w, q, qlen, out, &resolve), 0);
	assert_true(resolve);
	assert_int_equal(w->ctx.view->index, 1);
	w->client = plain_client;
	qlen = make_query(q, "www.example.com.", 3, DNS_FLAG_RD, true, false);
	assert_int_not_equal(ask(w, q, qlen, out, &resolve), 0); /* its own view still has it */
	w->ctx.view = &w->policy.views[0];
	/* expired */
	w->ctx.now = T0 + 300;
	assert_int_equal(ask(w, q, qlen, out, &resolve), 0);
	assert_true(resolve);
	assert_int_equal(w->st.fast, 1); /* only the question of the view that stored it */
	world_free(w);
}

static void test_no_edns_no_opt_and_near_expiry_asks_for_refresh(void **state)
{
	(void)state;
	struct world *w = world_new();
	store_answer(w);
	uint8_t q[512], out[4096];
	bool resolve;
	size_t qlen = make_query(q, "www.example.com.", 3, 0, false, false);
	w->ctx.now = T0 + 290; /* the last 10% of 300 s */
	size_t n = ask(w, q, qlen, out, &resolve);
	assert_true(n > 0);
	assert_int_equal(wire_read_u16(out + 10), 0); /* ARCOUNT: no OPT */
	assert_false(wire_read_u16(out + 2) & DNS_FLAG_RD);
	assert_true(resolve); /* answered, and the daemon should refresh it */
	assert_int_equal(w->st.prefetch, 1);
	n = ask(w, q, qlen, out, &resolve);
	assert_true(n > 0);
	assert_false(resolve); /* asked for once */
	world_free(w);
}

/* A local zone (added by a reload, say) answers its names even when the message cache holds
 * a resolved answer for them: the zones are looked at first. */
static void test_local_zone_wins_over_a_cached_answer(void **state)
{
	(void)state;
	struct world *w = world_new();
	store_answer(w);
	uint8_t apex[WIRE_NAME_MAX];
	char err[256];
	assert_true(wire_name_from_text("example.com.", NULL, apex) > 0);
	struct zone *z = zone_new(apex);
	assert_non_null(z);
	assert_int_equal(zone_add_text_rr(z, "@ 3600 IN SOA ns hostmaster 1 3600 600 86400 60",
					  err, sizeof(err)), 0);
	assert_int_equal(zone_add_text_rr(z, "www 60 IN A 10.0.0.1", err, sizeof(err)), 0);
	assert_int_equal(zone_finish(z, err, sizeof(err)), 0);
	const struct zone *zones[] = { z };
	const struct policy_assoc every = { .every = true };
	policy_clear(&w->policy); /* a reload that adds the zone */
	assert_int_equal(policy_build(&w->policy, NULL, 0, NULL, 0, zones, &every, 1, NULL, 0,
				      false),
			 0);
	uint8_t q[512], out[4096];
	bool resolve;
	size_t qlen = make_query(q, "www.example.com.", 9, DNS_FLAG_RD, true, false);
	size_t n = ask(w, q, qlen, out, &resolve);
	assert_true(n > 0);
	assert_false(resolve);
	assert_true(wire_read_u16(out + 2) & DNS_FLAG_AA);
	static const uint8_t local[4] = { 10, 0, 0, 1 };
	assert_memory_equal(out + n - 11 - 4, local, 4); /* the A record's data, then the OPT */
	assert_int_equal(w->st.fast, 0);
	world_free(w);
	zone_free(z);
}

/* With prefetch off, nobody is asked to refresh, and the entry is not marked as told. */
static void test_prefetch_off_asks_for_no_refresh(void **state)
{
	(void)state;
	struct world *w = world_new();
	store_answer(w);
	w->ctx.prefetch = false;
	w->ctx.now = T0 + 295;
	uint8_t q[512], out[4096];
	bool resolve;
	size_t qlen = make_query(q, "www.example.com.", 3, 0, false, false);
	assert_true(ask(w, q, qlen, out, &resolve) > 0);
	assert_false(resolve);
	assert_int_equal(w->st.prefetch, 0);
	w->ctx.prefetch = true;
	assert_true(ask(w, q, qlen, out, &resolve) > 0);
	assert_true(resolve);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_is_answered_without_allocating),
		cmocka_unit_test(test_miss_and_other_keys_go_to_resolution),
		cmocka_unit_test(test_no_edns_no_opt_and_near_expiry_asks_for_refresh),
		cmocka_unit_test(test_local_zone_wins_over_a_cached_answer),
		cmocka_unit_test(test_prefetch_off_asks_for_no_refresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
