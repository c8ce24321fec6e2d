/* Unit tests for lib/iterator/servers.h (RTT, RTO, hold-down, table bound) and the server
 * choice of lib/iterator/deleg.h that ranks by it. Time is the now_ms argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "lib/iterator/deleg.h"
#include "lib/iterator/servers.h"
#include "lib/util/netaddr.h"
#include "lib/wire/name.h"

/* ---- helpers ---- */

static struct netaddr addr(const char *text)
{
	struct netaddr a;
	char err[128];
	if (netaddr_parse(text, 53, &a, err, sizeof(err)) < 0)
		fail_msg("'%s': %s", text, err);
	return a;
}

static struct srv_info *get(struct servers *s, const char *text)
{
	struct netaddr a = addr(text);
	struct srv_info *i = servers_get(s, &a);
	assert_non_null(i);
	return i;
}

static bool present(const struct servers *s, const char *text)
{
	struct netaddr a = addr(text);
	return servers_peek(s, &a) != NULL;
}

static void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	if (wire_name_from_text(text, NULL, out) <= 0)
		fail_msg("'%s' is not a name", text);
}

static bool same_addr(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

/* ---- RTT and RTO ---- */

static void test_unknown_server_waits_the_unknown_rto(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	assert_non_null(s);
	struct srv_info *i = get(s, "127.53.1.1");
	assert_false(i->known);
	assert_int_equal(servers_rto(i), SRV_RTO_UNKNOWN_MS);
	assert_int_equal(servers_score(i, 0), SRV_SCORE_UNKNOWN_MS);
	assert_int_equal(servers_count(s), 1);
	/* asking again gives the same record */
	assert_ptr_equal(get(s, "127.53.1.1"), i);
	assert_int_equal(servers_count(s), 1);
	servers_free(s);
}

static void test_first_rtt_sets_srtt_and_half_of_it_as_variance(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *i = get(s, "127.53.1.1");
	servers_answered(i, 100);
	assert_true(i->known);
	assert_int_equal(i->srtt_ms, 100);
	assert_int_equal(i->rttvar_ms, 50);
	/* RFC 6298 §2.2: RTO = SRTT + 4 * RTTVAR */
	assert_int_equal(servers_rto(i), 300);
	assert_int_equal(servers_score(i, 0), 100);
	servers_free(s);
}

static void test_later_rtts_are_smoothed_as_rfc_6298_says(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *i = get(s, "127.53.1.1");
	servers_answered(i, 100);
	servers_answered(i, 200);
	/* RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 */
	assert_in_range(i->rttvar_ms, 62, 63);
	assert_in_range(i->srtt_ms, 112, 113);
	assert_in_range(servers_rto(i), 360, 365);

	/* a steady 20 ms server converges to about 20 ms and the RTO floor */
	struct srv_info *f = get(s, "127.53.1.2");
	for (int k = 0; k < 50; k++)
		servers_answered(f, 20);
	assert_in_range(f->srtt_ms, 20, 22);
	assert_int_equal(servers_rto(f), SRV_RTO_MIN_MS);
	servers_free(s);
}

static void test_rto_never_drops_below_the_minimum_nor_passes_the_maximum(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *fast = get(s, "127.53.1.1");
	servers_answered(fast, 1);
	assert_int_equal(servers_rto(fast), SRV_RTO_MIN_MS);
	struct srv_info *slow = get(s, "127.53.1.2");
	servers_answered(slow, 2500);
	assert_int_equal(servers_rto(slow), SRV_RTO_MAX_MS);
	servers_free(s);
}

static void test_timeouts_double_the_rto_up_to_the_maximum(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *i = get(s, "127.53.1.1");
	servers_failed(i, SRV_TIMEOUT, 10000);
	assert_int_equal(servers_rto(i), 2 * SRV_RTO_UNKNOWN_MS);
	servers_failed(i, SRV_TIMEOUT, 20000);
	assert_int_equal(servers_rto(i), 4 * SRV_RTO_UNKNOWN_MS);
	servers_failed(i, SRV_TIMEOUT, 30000);
	assert_int_equal(servers_rto(i), SRV_RTO_MAX_MS); /* 3200 capped */
	servers_failed(i, SRV_TIMEOUT, 40000);
	assert_int_equal(servers_rto(i), SRV_RTO_MAX_MS);
	assert_int_equal(i->timeouts, 4);
	servers_free(s);
}

static void test_timeouts_hold_the_server_down_1_2_4_seconds(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *i = get(s, "127.53.1.1");
	uint64_t now = 50000;
	const uint64_t want[] = { 1000, 2000, 4000, 8000, 16000 };
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		servers_failed(i, SRV_TIMEOUT, now);
		assert_int_equal(i->held_until_ms, now + want[k]);
		/* held: ranks after a million; free again once the hold is over */
		assert_true(servers_score(i, now) > 1000000);
		assert_true(servers_score(i, now + want[k] - 1) > 1000000);
		assert_true(servers_score(i, now + want[k]) < 1000000);
		now += want[k];
	}
	servers_free(s);
}

static void test_hold_down_stops_growing_at_the_maximum(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *i = get(s, "127.53.1.1");
	for (int k = 0; k < 300; k++) /* also past the 8-bit counter */
		servers_failed(i, SRV_TIMEOUT, 0);
	assert_int_equal(i->held_until_ms, SRV_HOLD_MAX_MS);
	assert_int_equal(servers_rto(i), SRV_RTO_MAX_MS);
	servers_free(s);
}

static void test_refused_holds_down_without_touching_the_rto(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *i = get(s, "127.53.1.1");
	servers_answered(i, 50);
	uint32_t rto = servers_rto(i);
	servers_failed(i, SRV_REFUSED, 1000);
	assert_int_equal(servers_rto(i), rto);
	assert_int_equal(i->failures, 1);
	assert_int_equal(i->timeouts, 0);
	assert_int_equal(i->held_until_ms, 1000 + SRV_HOLD_BASE_MS);
	servers_failed(i, SRV_SERVFAIL, 2000);
	assert_int_equal(i->held_until_ms, 2000 + 2 * SRV_HOLD_BASE_MS);
	servers_free(s);
}

static void test_an_answer_clears_the_hold_down(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *i = get(s, "127.53.1.1");
	servers_failed(i, SRV_TIMEOUT, 1000);
	servers_failed(i, SRV_TIMEOUT, 2000);
	servers_failed(i, SRV_LAME, 3000);
	assert_true(servers_score(i, 3000) > 1000000);
	servers_answered(i, 30);
	assert_int_equal(i->held_until_ms, 0);
	assert_int_equal(i->timeouts, 0);
	assert_int_equal(i->failures, 0);
	/* no longer held; it ranks by its (still smoothed, so still high) RTT */
	assert_int_equal(servers_score(i, 3000), i->srtt_ms);
	assert_true(i->srtt_ms < 1000000);
	/* a new failure starts again at one second */
	servers_failed(i, SRV_TIMEOUT, 5000);
	assert_int_equal(i->held_until_ms, 6000);
	servers_free(s);
}

static void test_timed_out_server_ranks_at_least_as_slow_as_its_rto(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *i = get(s, "127.53.1.1");
	servers_answered(i, 10);
	servers_failed(i, SRV_TIMEOUT, 0);
	/* once its hold is over, it does not jump back ahead of a 200 ms server */
	assert_true(servers_score(i, 1000) >= servers_rto(i));
	servers_free(s);
}

static void test_score_orders_fast_then_unknown_then_slow_then_held_down(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *fast = get(s, "127.53.1.1");
	struct srv_info *unknown = get(s, "127.53.1.2");
	struct srv_info *slow = get(s, "127.53.1.3");
	struct srv_info *held = get(s, "127.53.1.4");
	struct srv_info *held_longer = get(s, "127.53.1.5");
	servers_answered(fast, 20);
	servers_answered(slow, 900);
	servers_answered(held, 5);
	servers_failed(held, SRV_REFUSED, 1000);
	servers_answered(held_longer, 5);
	servers_failed(held_longer, SRV_REFUSED, 1000);
	servers_failed(held_longer, SRV_REFUSED, 1000);
	uint64_t now = 1100;
	assert_true(servers_score(fast, now) < servers_score(unknown, now));
	assert_true(servers_score(unknown, now) < servers_score(slow, now));
	assert_true(servers_score(slow, now) < servers_score(held, now));
	assert_true(servers_score(held, now) < servers_score(held_longer, now));
	servers_free(s);
}

static void test_full_table_forgets_the_least_recently_used_address(void **state)
{
	(void)state;
	struct servers *s = servers_new(3);
	get(s, "127.53.1.1");
	get(s, "127.53.1.2");
	get(s, "127.53.1.3");
	get(s, "127.53.1.1"); /* used again: .2 is now the least recent */
	/* peeking is not using */
	assert_true(present(s, "127.53.1.2"));
	struct srv_info *d = get(s, "127.53.1.4");
	assert_int_equal(d->rto_ms, SRV_RTO_UNKNOWN_MS);
	assert_int_equal(servers_count(s), 3);
	assert_false(present(s, "127.53.1.2"));
	assert_true(present(s, "127.53.1.1"));
	assert_true(present(s, "127.53.1.3"));
	assert_true(present(s, "127.53.1.4"));
	servers_free(s);
}

static void test_same_address_on_another_port_is_another_server(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct srv_info *a = get(s, "127.53.1.1");
	struct srv_info *b = get(s, "127.53.1.1@5353");
	struct srv_info *c = get(s, "::1");
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(a, c);
	servers_answered(a, 10);
	assert_false(b->known);
	assert_int_equal(servers_count(s), 3);
	servers_free(s);
}

/* ---- server choice within a zone (deleg) ---- */

static const struct deleg_policy V4_LOOPBACK = { .ipv4 = true, .ipv6 = false,
						 .query_loopback = true };

static void two_server_zone(struct deleg *d, const char *a1, const char *a2)
{
	uint8_t zone[WIRE_NAME_MAX], parent[WIRE_NAME_MAX], ns[WIRE_NAME_MAX];
	name_of("example.lab.", zone);
	name_of("lab.", parent);
	deleg_init(d, zone, parent);
	name_of("ns1.example.lab.", ns);
	int i = deleg_add_ns(d, ns);
	assert_int_equal(i, 0);
	struct netaddr a = addr(a1);
	deleg_add_addr(d, 0, &a);
	name_of("ns2.example.lab.", ns);
	assert_int_equal(deleg_add_ns(d, ns), 1);
	a = addr(a2);
	deleg_add_addr(d, 1, &a);
}

static void test_choice_prefers_a_fast_server_over_a_held_down_one(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct deleg d;
	two_server_zone(&d, "127.53.2.1", "127.53.2.2");
	servers_answered(get(s, "127.53.2.1"), 800);
	servers_answered(get(s, "127.53.2.2"), 10);
	servers_failed(get(s, "127.53.2.2"), SRV_SERVFAIL, 0);
	/* whatever the random number, the held-down fast server is not chosen */
	struct netaddr want = addr("127.53.2.1"), out;
	for (uint32_t rnd = 0; rnd < 8; rnd++) {
		assert_true(deleg_choose(&d, &V4_LOOPBACK, s, 10, rnd, &out));
		assert_true(same_addr(&out, &want));
	}
	/* once its hold is over, it wins again */
	want = addr("127.53.2.2");
	for (uint32_t rnd = 0; rnd < 8; rnd++) {
		assert_true(deleg_choose(&d, &V4_LOOPBACK, s, 10 + SRV_HOLD_BASE_MS, rnd, &out));
		assert_true(same_addr(&out, &want));
	}
	servers_free(s);
}

static void test_choice_is_random_within_the_band(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct deleg d;
	two_server_zone(&d, "127.53.2.1", "127.53.2.2");
	/* both unknown: either may be picked, by the random number */
	struct netaddr out0, out1;
	assert_true(deleg_choose(&d, &V4_LOOPBACK, s, 0, 0, &out0));
	assert_true(deleg_choose(&d, &V4_LOOPBACK, s, 0, 1, &out1));
	assert_false(same_addr(&out0, &out1));
	servers_free(s);
}

static void test_loopback_servers_need_query_loopback(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct deleg d;
	two_server_zone(&d, "127.53.2.1", "127.53.2.2");
	struct deleg_policy no_loop = { .ipv4 = true, .ipv6 = true, .query_loopback = false };
	struct netaddr out;
	assert_false(deleg_choose(&d, &no_loop, s, 0, 0, &out));
	struct deleg_policy v6_only = { .ipv4 = false, .ipv6 = true, .query_loopback = true };
	assert_false(deleg_choose(&d, &v6_only, s, 0, 0, &out));
	servers_free(s);
}

static void test_only_a_silent_server_gets_a_second_try(void **state)
{
	(void)state;
	struct servers *s = servers_new(16);
	struct deleg d;
	two_server_zone(&d, "127.53.2.1", "127.53.2.2");
	struct netaddr a1 = addr("127.53.2.1"), a2 = addr("127.53.2.2"), out;
	deleg_note_try(&d, &a1);
	deleg_note_result(&d, &a1, SRV_TIMEOUT);
	deleg_note_try(&d, &a2);
	deleg_note_result(&d, &a2, SRV_REFUSED);
	/* .2 refused: it would say the same again; .1 timed out once: one more try */
	assert_true(deleg_choose(&d, &V4_LOOPBACK, s, 0, 0, &out));
	assert_true(same_addr(&out, &a1));
	deleg_note_try(&d, &a1);
	deleg_note_result(&d, &a1, SRV_TIMEOUT);
	assert_false(deleg_choose(&d, &V4_LOOPBACK, s, 0, 0, &out));
	servers_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_server_waits_the_unknown_rto),
		cmocka_unit_test(test_first_rtt_sets_srtt_and_half_of_it_as_variance),
		cmocka_unit_test(test_later_rtts_are_smoothed_as_rfc_6298_says),
		cmocka_unit_test(test_rto_never_drops_below_the_minimum_nor_passes_the_maximum),
		cmocka_unit_test(test_timeouts_double_the_rto_up_to_the_maximum),
		cmocka_unit_test(test_timeouts_hold_the_server_down_1_2_4_seconds),
		cmocka_unit_test(test_hold_down_stops_growing_at_the_maximum),
		cmocka_unit_test(test_refused_holds_down_without_touching_the_rto),
		cmocka_unit_test(test_an_answer_clears_the_hold_down),
		cmocka_unit_test(test_timed_out_server_ranks_at_least_as_slow_as_its_rto),
		cmocka_unit_test(test_score_orders_fast_then_unknown_then_slow_then_held_down),
		cmocka_unit_test(test_full_table_forgets_the_least_recently_used_address),
		cmocka_unit_test(test_same_address_on_another_port_is_another_server),
		cmocka_unit_test(test_choice_prefers_a_fast_server_over_a_held_down_one),
		cmocka_unit_test(test_choice_is_random_within_the_band),
		cmocka_unit_test(test_loopback_servers_need_query_loopback),
		cmocka_unit_test(test_only_a_silent_server_gets_a_second_try),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
