/*
 * Replay tests for lib/resolve.h (layer 2): a request is driven through produce/consume/
 * timeout against scripted servers, with a clock and randomness the test controls.
 *
 * The scripted lab (all on 127.53/16):
 *   .            a.root-servers.test.  127.53.0.1 (the root hint)
 *   lab.         ns1.lab. ns2.lab.     127.53.1.1 127.53.1.2
 *   example.lab. ns1/ns2.example.lab.  127.53.2.1 127.53.2.2
 *   other.lab.   ns1.other.lab.        127.53.3.1
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache_helpers.h"
#include "replay_steps.h"

/* ---- following referrals to an answer ---- */

static void test_referrals_from_root_to_lab_to_example_lab_give_the_a_rrset(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;

	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	assert_int_equal(s.transport, RESOLVE_UDP);
	assert_int_equal(s.qclass, DNS_CLASS_IN);
	assert_false(s.flags & DNS_FLAG_RD); /* we iterate: RD=0 upstream */
	assert_false(s.flags & DNS_FLAG_QR);
	assert_true(s.has_opt);
	assert_int_equal(s.opt_udp_size, RESOLVE_EDNS_SIZE);
	assert_int_equal(s.timeout_ms, SRV_RTO_UNKNOWN_MS); /* a server never heard from */
	root_refers_to_lab(w, q, &s);

	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	lab_refers_to_example(w, q, &s);

	expect_query(q, &s, EXAMPLE, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_a(&p, WIRE_ANSWER, "www.example.lab.", 300, "127.0.0.80");
	reply_a(&p, WIRE_ANSWER, "www.example.lab.", 300, "127.0.0.81");
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns1.example.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->ede, EDE_NONE);
	assert_int_equal(r->n_answer, 1);
	assert_rrset(&r->answer[0], "www.example.lab.", DNS_TYPE_A, 2);
	assert_true(rrset_has_a(&r->answer[0], "127.0.0.80"));
	assert_true(rrset_has_a(&r->answer[0], "127.0.0.81"));
	assert_int_equal(r->answer[0].ttl, 300);
	assert_null(r->soa);

	assert_int_equal(w->r.stats.requests, 1);
	assert_int_equal(w->r.stats.sent_udp, 3);
	assert_int_equal(w->r.stats.sent_tcp, 0);
	assert_int_equal(w->r.stats.servfail, 0);
	assert_int_equal(w->r.stats.mismatched, 0);
	/* the request is over: a late packet changes nothing */
	assert_int_equal(reply_send_from(w, q, &s.server, &p, 1), RESOLVE_IGNORED);
	replay_release(w, q);
}

static void test_second_request_for_the_same_name_needs_no_query(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "www.example.lab.", "127.0.0.80");
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);
	uint64_t sent = w->r.stats.sent_udp;

	w->wall += 100;
	q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 1);
	assert_rrset(&r->answer[0], "www.example.lab.", DNS_TYPE_A, 1);
	assert_true(rrset_has_a(&r->answer[0], "127.0.0.80"));
	assert_int_equal(r->answer[0].ttl, 200); /* what is left of 300 after 100 s */
	assert_int_equal(w->r.stats.sent_udp, sent);
	replay_release(w, q);
}

/* A minimal RRSIG's data covering type (RFC 4034 §3.1); the signature bytes are a tag. */
static size_t fake_rrsig(uint8_t *rd, uint16_t covered, uint8_t tag)
{
	memset(rd, 0, 18);
	wire_write_u16(rd, covered);
	rd[2] = 13;
	rd[3] = 3;
	static const uint8_t signer[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'l', 'a', 'b', 0 };
	memcpy(rd + 18, signer, sizeof(signer));
	rd[18 + sizeof(signer)] = tag;
	return 18 + sizeof(signer) + 1;
}

/* RFC 4035 §3.1.1: an RRset's signatures travel with it — into the result and the cache —
 * and signatures over other types or in other sections are not taken for it. */
static void test_rrsigs_stay_with_their_rrset(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	uint8_t rd[64];
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_a(&p, WIRE_ANSWER, "www.example.lab.", 300, "127.0.0.80");
	reply_rr(&p, WIRE_ANSWER, "www.example.lab.", DNS_TYPE_RRSIG, 300, rd,
		 fake_rrsig(rd, DNS_TYPE_A, 1));
	reply_rr(&p, WIRE_ANSWER, "www.example.lab.", DNS_TYPE_RRSIG, 300, rd,
		 fake_rrsig(rd, DNS_TYPE_A, 2));
	reply_rr(&p, WIRE_ANSWER, "www.example.lab.", DNS_TYPE_RRSIG, 300, rd,
		 fake_rrsig(rd, DNS_TYPE_AAAA, 3)); /* covers another type */
	reply_rr(&p, WIRE_ANSWER, "www.example.lab.", DNS_TYPE_RRSIG, 300, rd,
		 fake_rrsig(rd, DNS_TYPE_A, 1)); /* the same one twice: a set */
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->n_answer, 1);
	assert_int_equal(r->answer[0].sig_count, 2);
	assert_int_equal(r->answer[0].sigs[2 + 18 + 13], 1);
	replay_release(w, q);

	uint8_t n[WIRE_NAME_MAX];
	rp_lname("www.example.lab.", n);
	const struct cache_entry *e = cache_snapshot(w->r.cache, n, DNS_TYPE_A, w->wall);
	assert_non_null(e);
	assert_int_equal(e->sig_count, 2);

	/* from the cache, the signatures come back with the records */
	q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	r = expect_done(q);
	assert_int_equal(r->answer[0].sig_count, 2);
	assert_int_equal(r->answer[0].sig_size, e->sig_size);
	replay_release(w, q);
}

static void test_another_name_in_a_known_zone_goes_straight_to_its_servers(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "www.example.lab.", "127.0.0.80");
	expect_done(q);
	replay_release(w, q);

	/* the NS set and the glue of example.lab. are cached: neither root nor lab. is asked */
	q = replay_request(w, "mail.example.lab.", DNS_TYPE_A);
	expect_query(q, &s, EXAMPLE, "mail.example.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "mail.example.lab.", "127.0.0.25");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_true(rrset_has_a(&r->answer[0], "127.0.0.25"));
	replay_release(w, q);

	/* and a name elsewhere under lab. starts at lab.'s servers */
	q = replay_request(w, "www.other.lab.", DNS_TYPE_A);
	expect_query(q, &s, LAB, "www.other.lab.", DNS_TYPE_A);
	replay_release(w, q);
}

/* ---- negative answers ---- */

static void test_nxdomain_with_soa_is_the_result_and_is_cached(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "nope.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "nope.example.lab.", DNS_TYPE_A);
	answer_negative(w, q, &s, DNS_RCODE_NXDOMAIN, "example.lab.");

	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(r->n_answer, 0);
	assert_non_null(r->soa);
	assert_rrset(r->soa, "example.lab.", DNS_TYPE_SOA, 1);
	assert_int_equal(r->soa->ttl, 300); /* RFC 2308 §5: min(SOA TTL 3600, MINIMUM 300) */
	assert_int_equal(w->r.stats.servfail, 0);
	replay_release(w, q);

	uint8_t name[WIRE_NAME_MAX];
	rp_lname("nope.example.lab.", name);
	const struct cache_entry *e =
		cache_snapshot(w->r.cache, name, CACHE_TYPE_NXDOMAIN, w->wall);
	assert_non_null(e);
	assert_int_equal(e->kind, CACHE_NXDOMAIN);
	assert_int_equal(rrcache_ttl_left(e, w->wall), 300);

	/* the name does not exist for any type: answered from the cache */
	uint64_t sent = w->r.stats.sent_udp;
	w->wall += 10;
	q = replay_request(w, "nope.example.lab.", DNS_TYPE_AAAA);
	r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
	assert_non_null(r->soa);
	assert_rrset(r->soa, "example.lab.", DNS_TYPE_SOA, 1);
	assert_int_equal(r->soa->ttl, 290);
	assert_int_equal(w->r.stats.sent_udp, sent);
	replay_release(w, q);
}

static void test_nodata_with_soa_is_noerror_without_answer_and_is_cached(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_AAAA);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_AAAA);
	answer_negative(w, q, &s, DNS_RCODE_NOERROR, "example.lab.");

	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 0);
	assert_non_null(r->soa);
	assert_int_equal(r->soa->ttl, 300);
	replay_release(w, q);

	uint64_t sent = w->r.stats.sent_udp;
	q = replay_request(w, "www.example.lab.", DNS_TYPE_AAAA);
	r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 0);
	assert_non_null(r->soa);
	assert_int_equal(w->r.stats.sent_udp, sent);
	replay_release(w, q);

	/* NODATA for AAAA is not NODATA for A */
	q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	expect_query(q, &s, EXAMPLE, "www.example.lab.", DNS_TYPE_A);
	replay_release(w, q);
}

/* ---- CNAME chains ---- */

static void test_cname_into_another_zone_continues_at_that_zones_servers(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_cname(&p, "www.example.lab.", 300, "www.other.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	/* other.lab. is unknown, lab. is cached: its servers are asked for the target */
	expect_query(q, &s, LAB, "www.other.lab.", DNS_TYPE_A);
	lab_refers_to_other(w, q, &s);
	expect_query(q, &s, OTHER, "www.other.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "www.other.lab.", "127.0.0.99");

	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 2);
	assert_rrset(&r->answer[0], "www.example.lab.", DNS_TYPE_CNAME, 1);
	assert_true(rrset_first_name_is(&r->answer[0], "www.other.lab."));
	assert_rrset(&r->answer[1], "www.other.lab.", DNS_TYPE_A, 1);
	assert_true(rrset_has_a(&r->answer[1], "127.0.0.99"));
	replay_release(w, q);

	/* both links are cached now */
	q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	r = expect_done(q);
	assert_int_equal(r->n_answer, 2);
	assert_rrset(&r->answer[1], "www.other.lab.", DNS_TYPE_A, 1);
	replay_release(w, q);
}

static void test_answer_data_outside_the_servers_zone_is_not_trusted(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	/* example.lab.'s server also "answers" for other.lab.: a poisoning attempt */
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_cname(&p, "www.example.lab.", 300, "www.other.lab.");
	reply_a(&p, WIRE_ANSWER, "www.other.lab.", 86400, "192.0.2.66");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	expect_query(q, &s, LAB, "www.other.lab.", DNS_TYPE_A);
	lab_refers_to_other(w, q, &s);
	expect_query(q, &s, OTHER, "www.other.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "www.other.lab.", "127.0.0.99");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->n_answer, 2);
	assert_true(rrset_has_a(&r->answer[1], "127.0.0.99"));
	assert_false(rrset_has_a(&r->answer[1], "192.0.2.66"));
	replay_release(w, q);
}

static void test_cname_chain_within_one_response_is_followed(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_cname(&p, "www.example.lab.", 300, "web.example.lab.");
	reply_cname(&p, "web.example.lab.", 300, "host.example.lab.");
	reply_a(&p, WIRE_ANSWER, "host.example.lab.", 300, "127.0.0.7");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 3);
	assert_rrset(&r->answer[0], "www.example.lab.", DNS_TYPE_CNAME, 1);
	assert_rrset(&r->answer[1], "web.example.lab.", DNS_TYPE_CNAME, 1);
	assert_rrset(&r->answer[2], "host.example.lab.", DNS_TYPE_A, 1);
	replay_release(w, q);
}

static void test_cname_to_a_missing_name_is_nxdomain_with_the_cname(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NXDOMAIN);
	reply_cname(&p, "www.example.lab.", 300, "gone.example.lab.");
	reply_soa(&p, "example.lab.", 3600, 300);
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(r->n_answer, 1);
	assert_rrset(&r->answer[0], "www.example.lab.", DNS_TYPE_CNAME, 1);
	assert_non_null(r->soa);
	/* the target is what does not exist, not the name asked */
	uint8_t n[WIRE_NAME_MAX];
	rp_lname("gone.example.lab.", n);
	assert_non_null(cache_snapshot(w->r.cache, n, CACHE_TYPE_NXDOMAIN, w->wall));
	rp_lname("www.example.lab.", n);
	assert_null(cache_snapshot(w->r.cache, n, CACHE_TYPE_NXDOMAIN, w->wall));
	replay_release(w, q);

	/* from the cache: the same CNAME, the same NXDOMAIN */
	uint64_t sent = w->r.stats.sent_udp;
	q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(r->n_answer, 1);
	assert_rrset(&r->answer[0], "www.example.lab.", DNS_TYPE_CNAME, 1);
	assert_non_null(r->soa);
	assert_int_equal(w->r.stats.sent_udp, sent);
	replay_release(w, q);
}

static void test_cname_loop_across_two_responses_is_servfail(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "a.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "a.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_cname(&p, "a.example.lab.", 300, "b.example.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	expect_query(q, &s, EXAMPLE, "b.example.lab.", DNS_TYPE_A);
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_cname(&p, "b.example.lab.", 300, "a.example.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_non_null(strstr(r->ede_text, "loop"));
	assert_int_equal(w->r.stats.servfail, 1);
	replay_release(w, q);
}

static void test_cname_loop_inside_one_response_is_servfail(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "a.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "a.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_cname(&p, "a.example.lab.", 300, "b.example.lab.");
	reply_cname(&p, "b.example.lab.", 300, "c.example.lab.");
	reply_cname(&p, "c.example.lab.", 300, "a.example.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_non_null(strstr(r->ede_text, "loop"));
	replay_release(w, q);
}

static void test_cname_chain_longer_than_max_cname_is_servfail(void **state)
{
	struct replay *w = world(state);
	w->r.opts.max_cname = 2;
	struct resolve_req *q = replay_request(w, "c0.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "c0.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_cname(&p, "c0.example.lab.", 300, "c1.example.lab.");
	reply_cname(&p, "c1.example.lab.", 300, "c2.example.lab.");
	reply_cname(&p, "c2.example.lab.", 300, "c3.example.lab.");
	reply_a(&p, WIRE_ANSWER, "c3.example.lab.", 300, "127.0.0.3");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_non_null(strstr(r->ede_text, "max-cname-chain"));
	replay_release(w, q);
}

/* ---- name server addresses ---- */

static void test_glueless_ns_name_is_looked_up_before_the_question(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	/* example.lab. is served by ns.provider.lab., with no address in the referral */
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns.provider.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	/* the server's address first: lab. is cached, so its servers are asked */
	expect_query(q, &s, LAB, "ns.provider.lab.", DNS_TYPE_A);
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "provider.lab.", "ns1.provider.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.provider.lab.", 3600, "127.53.4.1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	static const char *const PROVIDER[] = { "127.53.4.1", NULL };
	expect_query(q, &s, PROVIDER, "ns.provider.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "ns.provider.lab.", "127.53.2.9");

	/* then the question, at the address found */
	static const char *const FOUND[] = { "127.53.2.9", NULL };
	expect_query(q, &s, FOUND, "www.example.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "www.example.lab.", "127.0.0.80");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	/* the client gets its answer only, not the name server's address */
	assert_int_equal(r->n_answer, 1);
	assert_rrset(&r->answer[0], "www.example.lab.", DNS_TYPE_A, 1);
	replay_release(w, q);

	/* the server's address is cached with the zone: the next name goes straight there */
	q = replay_request(w, "mail.example.lab.", DNS_TYPE_A);
	expect_query(q, &s, FOUND, "mail.example.lab.", DNS_TYPE_A);
	replay_release(w, q);
}

static void test_referral_glue_outside_bailiwick_is_ignored(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	/* lab. may not vouch for the address of a name under net. */
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns.example.net.");
	reply_a(&p, WIRE_ADDITIONAL, "ns.example.net.", 172800, "127.53.9.9");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	assert_int_equal(w->r.stats.glue_dropped, 1);
	uint8_t n[WIRE_NAME_MAX];
	rp_lname("ns.example.net.", n);
	assert_null(cache_snapshot(w->r.cache, n, DNS_TYPE_A, w->wall));

	/* the engine looks ns.example.net. up itself, from the root (nothing of net. known) */
	expect_query(q, &s, ROOT, "ns.example.net.", DNS_TYPE_A);
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "net.", "a.nic.net.");
	reply_a(&p, WIRE_ADDITIONAL, "a.nic.net.", 172800, "127.53.5.1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	static const char *const NET[] = { "127.53.5.1", NULL };
	expect_query(q, &s, NET, "ns.example.net.", DNS_TYPE_A);
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.net.", "ns.example.net.");
	reply_a(&p, WIRE_ADDITIONAL, "ns.example.net.", 172800, "127.53.6.1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	static const char *const EXNET[] = { "127.53.6.1", NULL };
	expect_query(q, &s, EXNET, "ns.example.net.", DNS_TYPE_A);
	answer_a(w, q, &s, "ns.example.net.", "127.53.6.1");

	/* the question goes to the real address, never to the one in the dropped glue */
	expect_query(q, &s, EXNET, "www.example.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "www.example.lab.", "127.0.0.80");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_true(rrset_has_a(&r->answer[0], "127.0.0.80"));
	replay_release(w, q);
}

static void test_out_of_bailiwick_glue_is_used_when_harden_glue_is_off(void **state)
{
	struct replay *w = world(state);
	w->r.opts.harden_glue = false;
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns.example.net.");
	reply_a(&p, WIRE_ADDITIONAL, "ns.example.net.", 172800, "127.53.9.9");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	static const char *const GLUE[] = { "127.53.9.9", NULL };
	expect_query(q, &s, GLUE, "www.example.lab.", DNS_TYPE_A);
	/* used, so not "dropped" (the stats line says glue-dropped) */
	assert_int_equal(w->r.stats.glue_dropped, 0);
	replay_release(w, q);
}

/* ---- responses that are not the answer ---- */

static void test_response_with_wrong_id_or_question_is_ignored_and_counted(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	uint8_t other[WIRE_NAME_MAX];

	/* wrong ID */
	reply_start_as(&p, (uint16_t)(s.id + 1), 0, DNS_RCODE_NOERROR, s.qname, s.qtype);
	reply_ns(&p, WIRE_AUTHORITY, "lab.", "ns1.lab.");
	assert_int_equal(reply_send_from(w, q, &s.server, &p, 5), RESOLVE_IGNORED);
	assert_int_equal(w->r.stats.mismatched, 1);
	/* another name */
	rp_name("www.example.lac.", other);
	reply_start_as(&p, s.id, 0, DNS_RCODE_NOERROR, other, s.qtype);
	assert_int_equal(reply_send_from(w, q, &s.server, &p, 5), RESOLVE_IGNORED);
	assert_int_equal(w->r.stats.mismatched, 2);
	/* another type */
	reply_start_as(&p, s.id, 0, DNS_RCODE_NOERROR, s.qname, DNS_TYPE_AAAA);
	assert_int_equal(reply_send_from(w, q, &s.server, &p, 5), RESOLVE_IGNORED);
	assert_int_equal(w->r.stats.mismatched, 3);
	/* right packet, wrong sender */
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	struct netaddr stranger = rp_addr("127.53.9.9");
	assert_int_equal(reply_send_from(w, q, &stranger, &p, 5), RESOLVE_IGNORED);
	assert_int_equal(w->r.stats.mismatched, 4);
	/* right packet, right address, another port */
	struct netaddr port = s.server;
	port.port = 5353;
	assert_int_equal(reply_send_from(w, q, &port, &p, 5), RESOLVE_IGNORED);
	assert_int_equal(w->r.stats.mismatched, 5);
	/* a query, not a response (QR clear) */
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	wire_builder_set_flag(&p.b, DNS_FLAG_QR, false);
	assert_int_equal(reply_send_from(w, q, &s.server, &p, 5), RESOLVE_IGNORED);
	assert_int_equal(w->r.stats.mismatched, 6);
	/* NOERROR without the question */
	reply_start_as(&p, s.id, 0, DNS_RCODE_NOERROR, NULL, 0);
	assert_int_equal(reply_send_from(w, q, &s.server, &p, 5), RESOLVE_IGNORED);
	assert_int_equal(w->r.stats.mismatched, 7);

	/* none of that moved the request: the real response is still awaited and taken */
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	assert_int_equal(w->r.stats.mismatched, 7);
	replay_release(w, q);
}

/* ---- 0x20 ---- */

#define LONG_NAME "a-rather-long-host-name-for-the-case-test.example.lab."

static void test_0x20_question_has_mixed_case_for_a_long_name(void **state)
{
	struct replay *w = world(state);
	w->r.opts.use_0x20 = true;
	struct resolve_req *q = replay_request(w, LONG_NAME, DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, LONG_NAME, DNS_TYPE_A);
	assert_true(has_upper(s.qname));
	assert_true(has_lower(s.qname));
	/* an echo of that exact spelling is the answer */
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, LONG_NAME, DNS_TYPE_A);
	assert_true(has_upper(s.qname));
	assert_int_equal(w->r.stats.case_fallbacks, 0);
	replay_release(w, q);
}

static void test_without_0x20_question_is_all_lower_case(void **state)
{
	struct replay *w = world(state);
	w->r.opts.use_0x20 = false;
	struct resolve_req *q = replay_request(w, LONG_NAME, DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, LONG_NAME, DNS_TYPE_A);
	uint8_t plain[WIRE_NAME_MAX];
	rp_lname(LONG_NAME, plain);
	assert_memory_equal(s.qname, plain, wire_name_len(plain));
	replay_release(w, q);
}

static void test_response_with_the_case_changed_makes_the_engine_ask_again_in_plain_case(
	void **state)
{
	struct replay *w = world(state);
	w->r.opts.use_0x20 = true;
	struct resolve_req *q = replay_request(w, LONG_NAME, DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, LONG_NAME, DNS_TYPE_A);
	assert_true(has_upper(s.qname));
	struct sent first = s;

	/* this server writes the question back in lower case (and answers) */
	uint8_t plain[WIRE_NAME_MAX];
	rp_lname(LONG_NAME, plain);
	struct reply p;
	reply_start_as(&p, s.id, DNS_FLAG_AA, DNS_RCODE_NOERROR, plain, s.qtype);
	reply_a(&p, WIRE_ANSWER, LONG_NAME, 300, "127.0.0.80");
	reply_opt(&p);
	/* no answer for anybody (so the daemon shares it with no other request) */
	assert_int_equal(reply_send_from(w, q, &s.server, &p, 10), RESOLVE_RETRY);
	assert_int_equal(w->r.stats.case_fallbacks, 1);

	/* same question, same server, plain case */
	assert_int_equal(replay_next(q, &s), RESOLVE_SEND);
	assert_true(rp_same_addr(&s.server, &first.server));
	assert_int_equal(s.transport, RESOLVE_UDP);
	assert_int_equal(s.qtype, DNS_TYPE_A);
	assert_memory_equal(s.qname, plain, wire_name_len(plain));
	answer_a(w, q, &s, LONG_NAME, "127.0.0.80");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_true(rrset_has_a(&r->answer[0], "127.0.0.80"));
	assert_int_equal(w->r.stats.case_fallbacks, 1);
	assert_int_equal(w->r.stats.mismatched, 0);
	replay_release(w, q);
}

static void test_nxdomain_without_the_question_is_not_believed(void **state)
{
	struct replay *w = world(state);
	w->r.opts.use_0x20 = true;
	struct resolve_req *q = replay_request(w, LONG_NAME, DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, LONG_NAME, DNS_TYPE_A);
	/* a forger who guessed the ID but not the 0x20 spelling leaves the question out */
	struct reply p;
	reply_start_as(&p, s.id, DNS_FLAG_AA, DNS_RCODE_NXDOMAIN, NULL, 0);
	reply_soa(&p, "example.lab.", 86400, 86400);
	assert_int_equal(reply_send_from(w, q, &s.server, &p, 5), RESOLVE_IGNORED);
	assert_int_equal(w->r.stats.mismatched, 1);
	uint8_t n[WIRE_NAME_MAX];
	rp_lname(LONG_NAME, n);
	assert_null(cache_snapshot(w->r.cache, n, CACHE_TYPE_NXDOMAIN, w->wall));
	/* the real answer is still taken */
	answer_a(w, q, &s, LONG_NAME, "127.0.0.80");
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);
}

static void test_refused_without_the_question_counts_against_the_server(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct sent first = s;
	struct reply p;
	reply_start_as(&p, s.id, 0, DNS_RCODE_REFUSED, NULL, 0);
	reply_send(w, q, &s, &p, 5);
	expect_query(q, &s, EXAMPLE, "www.example.lab.", DNS_TYPE_A);
	assert_false(rp_same_addr(&s.server, &first.server));
	replay_release(w, q);
}

/* ---- transport and server failures ---- */

static void test_truncated_answer_is_asked_again_over_tcp_to_the_same_server(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "big.example.lab.", DNS_TYPE_TXT);
	struct sent s;
	walk_to_example(w, q, &s, "big.example.lab.", DNS_TYPE_TXT);
	struct sent udp = s;
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA | DNS_FLAG_TC, DNS_RCODE_NOERROR);
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	assert_int_equal(replay_next(q, &s), RESOLVE_SEND);
	assert_int_equal(s.transport, RESOLVE_TCP);
	assert_true(rp_same_addr(&s.server, &udp.server));
	assert_memory_equal(s.qname, udp.qname, wire_name_len(udp.qname));
	assert_int_equal(s.qtype, DNS_TYPE_TXT);
	assert_true(s.timeout_ms >= 1500); /* a handshake more than UDP */
	assert_int_equal(w->r.stats.sent_tcp, 1);

	static const uint8_t txt[] = "\x0bhello world";
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_rr(&p, WIRE_ANSWER, "big.example.lab.", DNS_TYPE_TXT, 300, txt, sizeof(txt) - 1);
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 1);
	assert_rrset(&r->answer[0], "big.example.lab.", DNS_TYPE_TXT, 1);
	replay_release(w, q);
}

static void test_timeout_moves_to_the_other_server_of_the_zone(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct sent first = s;
	replay_timeout(w, q, &s);
	assert_int_equal(w->r.stats.timeouts, 1);

	expect_query(q, &s, EXAMPLE, "www.example.lab.", DNS_TYPE_A);
	assert_false(rp_same_addr(&s.server, &first.server));
	/* the first server's answer, late: not from the server asked now */
	struct reply late;
	reply_start(&late, &first, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_a(&late, WIRE_ANSWER, "www.example.lab.", 300, "192.0.2.1");
	assert_int_equal(reply_send_from(w, q, &first.server, &late, 50), RESOLVE_IGNORED);

	answer_a(w, q, &s, "www.example.lab.", "127.0.0.80");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_true(rrset_has_a(&r->answer[0], "127.0.0.80"));

	/* the silent server is held down and slower now in the shared table */
	const struct srv_info *si = servers_peek(w->r.servers, &first.server);
	assert_non_null(si);
	assert_int_equal(si->timeouts, 1);
	assert_int_equal(servers_rto(si), 2 * SRV_RTO_UNKNOWN_MS);
	replay_release(w, q);
}

static void test_all_servers_refused_is_servfail_ede_22_lame(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct sent first = s;
	answer_rcode(w, q, &s, DNS_RCODE_REFUSED);
	expect_query(q, &s, EXAMPLE, "www.example.lab.", DNS_TYPE_A);
	assert_false(rp_same_addr(&s.server, &first.server));
	answer_rcode(w, q, &s, DNS_RCODE_REFUSED);

	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NO_REACHABLE_AUTHORITY);
	assert_non_null(strstr(r->ede_text, "lame"));
	assert_non_null(strstr(r->ede_text, "example.lab."));
	assert_int_equal(r->n_answer, 0);
	assert_int_equal(w->r.stats.servfail, 1);
	replay_release(w, q);
}

static void test_all_servers_unreachable_is_servfail_ede_23(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	resolve_neterror(q, "connection refused");
	expect_query(q, &s, EXAMPLE, "www.example.lab.", DNS_TYPE_A);
	resolve_neterror(q, "connection refused");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NETWORK_ERROR);
	assert_non_null(strstr(r->ede_text, "unreachable"));
	replay_release(w, q);
}

static void test_server_without_edns_is_asked_again_without_opt(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	assert_true(s.has_opt);
	struct sent first = s;
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_FORMERR); /* FORMERR and no OPT: an old server */
	reply_send(w, q, &s, &p, 10);
	assert_int_equal(w->r.stats.edns_fallbacks, 1);
	assert_int_equal(replay_next(q, &s), RESOLVE_SEND);
	assert_true(rp_same_addr(&s.server, &first.server));
	assert_false(s.has_opt);
	assert_true(rp_name_is(s.qname, "www.example.lab."));
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_a(&p, WIRE_ANSWER, "www.example.lab.", 300, "127.0.0.80");
	reply_send(w, q, &s, &p, 10);
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);

	/* Remembered for a while, not for good: one forged reply must not turn EDNS off. */
	const struct srv_info *si = servers_peek(w->r.servers, &first.server);
	assert_non_null(si);
	assert_true(si->no_edns_until_ms > w->mono);
	assert_true(si->no_edns_until_ms <= w->mono + SRV_NO_EDNS_MS);
}

static void test_upward_referral_is_lame_and_the_other_server_is_asked(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct sent first = s;
	/* a server that does not serve example.lab. points back up to lab. */
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "lab.", "ns1.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.lab.", 172800, "127.53.1.1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	expect_query(q, &s, EXAMPLE, "www.example.lab.", DNS_TYPE_A);
	assert_false(rp_same_addr(&s.server, &first.server));
	answer_a(w, q, &s, "www.example.lab.", "127.0.0.80");
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);
}

static void test_dname_is_followed_with_a_synthesised_cname(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "x.old.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "x.old.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_name_rr(&p, WIRE_ANSWER, "old.example.lab.", DNS_TYPE_DNAME, 300, "new.example.lab.");
	reply_cname(&p, "x.old.example.lab.", 300, "x.new.example.lab.");
	reply_a(&p, WIRE_ANSWER, "x.new.example.lab.", 300, "127.0.0.5");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 3);
	assert_rrset(&r->answer[0], "old.example.lab.", DNS_TYPE_DNAME, 1);
	assert_rrset(&r->answer[1], "x.old.example.lab.", DNS_TYPE_CNAME, 1);
	assert_true(rrset_first_name_is(&r->answer[1], "x.new.example.lab."));
	assert_rrset(&r->answer[2], "x.new.example.lab.", DNS_TYPE_A, 1);
	assert_true(rrset_has_a(&r->answer[2], "127.0.0.5"));
	replay_release(w, q);
}

static void test_additional_records_for_other_names_are_not_cached(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	/* the referral carries, besides glue, an address for the very name asked */
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "lab.", "ns1.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.lab.", 172800, "127.53.1.1");
	reply_a(&p, WIRE_ADDITIONAL, "www.example.lab.", 172800, "192.0.2.66");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	uint8_t n[WIRE_NAME_MAX];
	rp_lname("www.example.lab.", n);
	assert_null(cache_snapshot(w->r.cache, n, DNS_TYPE_A, w->wall));
	static const char *const NS1[] = { "127.53.1.1", NULL };
	expect_query(q, &s, NS1, "www.example.lab.", DNS_TYPE_A);
	replay_release(w, q);
}

static void test_expired_glue_of_a_cached_zone_sends_the_engine_to_the_parent(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	/* NS for two days, but glue for one minute */
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns1.example.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.example.lab.", 60, "127.53.2.1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	static const char *const NS1[] = { "127.53.2.1", NULL };
	expect_query(q, &s, NS1, "www.example.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "www.example.lab.", "127.0.0.80");
	expect_done(q);
	replay_release(w, q);

	/* later the NS set is still cached but its in-zone server has no address: lab. is
	 * asked for the delegation again rather than failing */
	w->wall += 120;
	q = replay_request(w, "mail.example.lab.", DNS_TYPE_A);
	expect_query(q, &s, LAB, "mail.example.lab.", DNS_TYPE_A);
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns1.example.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.example.lab.", 60, "127.53.2.1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	expect_query(q, &s, NS1, "mail.example.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "mail.example.lab.", "127.0.0.25");
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);
}

/* Found in the lab: going back to the parent rewrote the delegation point from a pointer into
 * itself, so the zone became "." and every glue looked in bailiwick. */
static void test_glue_stays_checked_against_the_parent_after_going_back_to_it(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	struct reply p;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns1.example.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.example.lab.", 60, "127.53.2.1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	static const char *const NS1[] = { "127.53.2.1", NULL };
	expect_query(q, &s, NS1, "www.example.lab.", DNS_TYPE_A);
	answer_a(w, q, &s, "www.example.lab.", "127.0.0.80");
	expect_done(q);
	replay_release(w, q);

	/* The glue has expired: lab. is asked again, and this time it adds glue for a name
	 * outside lab., which must not be used. */
	w->wall += 120;
	uint64_t dropped = w->r.stats.glue_dropped;
	q = replay_request(w, "mail.example.lab.", DNS_TYPE_A);
	expect_query(q, &s, LAB, "mail.example.lab.", DNS_TYPE_A);
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns1.example.lab.");
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns.evil.test.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.example.lab.", 60, "127.53.2.1");
	reply_a(&p, WIRE_ADDITIONAL, "ns.evil.test.", 60, "127.53.66.6");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	assert_int_equal(w->r.stats.glue_dropped, dropped + 1);
	expect_query(q, &s, NS1, "mail.example.lab.", DNS_TYPE_A);
	replay_release(w, q);
}

static void test_glueless_ns_cycle_ends_in_servfail(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	struct reply p;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	/* lab. answers every question about the two zones with a glueless referral:
	 * example.lab. is served by ns.example2.lab., example2.lab. by ns.example.lab. */
	unsigned n = 0;
	while (replay_next(q, &s) == RESOLVE_SEND) {
		assert_true(sent_to_one_of(&s, LAB));
		reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
		if (rp_name_is(s.qname, "ns.example2.lab."))
			reply_ns(&p, WIRE_AUTHORITY, "example2.lab.", "ns.example.lab.");
		else
			reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns.example2.lab.");
		reply_opt(&p);
		reply_send(w, q, &s, &p, 10);
		assert_true(++n < 20);
	}
	const struct resolve_result *r = resolve_result(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NO_REACHABLE_AUTHORITY);
	assert_non_null(strstr(r->ede_text, "example.lab."));
	replay_release(w, q);
}

static void test_glueless_lookups_beyond_max_glueless_are_servfail(void **state)
{
	struct replay *w = world(state);
	w->r.opts.max_glueless = 0;
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns.provider.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NO_REACHABLE_AUTHORITY);
	assert_non_null(strstr(r->ede_text, "max-glueless-lookups"));
	replay_release(w, q);
}

static void test_more_referrals_than_max_referrals_is_servfail(void **state)
{
	struct replay *w = world(state);
	w->r.opts.max_referrals = 1;
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	lab_refers_to_example(w, q, &s);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_non_null(strstr(r->ede_text, "max-referrals"));
	replay_release(w, q);
}

static void test_only_server_is_retried_once_with_a_doubled_timeout(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	assert_int_equal(s.timeout_ms, SRV_RTO_UNKNOWN_MS);
	replay_timeout(w, q, &s);
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	assert_int_equal(s.timeout_ms, 2 * SRV_RTO_UNKNOWN_MS);
	replay_timeout(w, q, &s);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NO_REACHABLE_AUTHORITY);
	assert_non_null(strstr(r->ede_text, "timed out"));
	assert_int_equal(w->r.stats.timeouts, 2);
	replay_release(w, q);
}

/* ---- limits ---- */

static void test_request_timeout_is_servfail_ede_22(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	uint64_t start = w->mono;
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	/* example.lab. has thirteen servers, every one of them silent */
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	char ns[64], ip[32];
	for (int i = 1; i <= 13; i++) {
		snprintf(ns, sizeof(ns), "ns%d.example.lab.", i);
		reply_ns(&p, WIRE_AUTHORITY, "example.lab.", ns);
	}
	for (int i = 1; i <= 13; i++) {
		snprintf(ns, sizeof(ns), "ns%d.example.lab.", i);
		snprintf(ip, sizeof(ip), "127.53.2.%d", i);
		reply_a(&p, WIRE_ADDITIONAL, ns, 172800, ip);
	}
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	unsigned silent = 0;
	while (replay_next(q, &s) == RESOLVE_SEND) {
		assert_true(s.server.addr[2] == 2); /* 127.53.2.x */
		/* no query waits past the end of the request */
		assert_true(s.timeout_ms <= resolve_time_left(q));
		assert_true(s.timeout_ms > 0);
		replay_timeout(w, q, &s);
		assert_true(++silent <= 13);
	}
	const struct resolve_result *r = resolve_result(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NO_REACHABLE_AUTHORITY);
	assert_non_null(strstr(r->ede_text, "request-timeout"));
	assert_true(w->mono - start >= 4000);
	assert_true(w->mono - start < 4000 + SRV_RTO_UNKNOWN_MS);
	assert_int_equal(resolve_time_left(q), 0);
	replay_release(w, q);
}

static void test_request_timeout_during_a_name_server_lookup_is_servfail(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns.provider.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	/* the lookup of the server's address hangs until the request is out of time */
	expect_query(q, &s, LAB, "ns.provider.lab.", DNS_TYPE_A);
	w->mono += 5000;
	resolve_timeout(q);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NO_REACHABLE_AUTHORITY);
	assert_non_null(strstr(r->ede_text, "request-timeout"));
	assert_int_equal(r->n_answer, 0);
	/* the request's own deadline is not the server's fault */
	const struct srv_info *si = servers_peek(w->r.servers, &s.server);
	assert_non_null(si);
	assert_int_equal(si->timeouts, 0);
	replay_release(w, q);
}

static void test_more_queries_than_max_queries_is_servfail(void **state)
{
	struct replay *w = world(state);
	w->r.opts.max_queries = 2;
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.example.lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "www.example.lab.", DNS_TYPE_A);
	lab_refers_to_example(w, q, &s);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_non_null(strstr(r->ede_text, "max-queries-per-request"));
	assert_int_equal(w->r.stats.sent_udp, 2);
	replay_release(w, q);
}

static void test_retry_over_tcp_counts_against_max_queries(void **state)
{
	struct replay *w = world(state);
	w->r.opts.max_queries = 3;
	struct resolve_req *q = replay_request(w, "big.example.lab.", DNS_TYPE_TXT);
	struct sent s;
	walk_to_example(w, q, &s, "big.example.lab.", DNS_TYPE_TXT);
	/* the third query is truncated: a fourth (over TCP) would pass the limit */
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA | DNS_FLAG_TC, DNS_RCODE_NOERROR);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_non_null(strstr(r->ede_text, "max-queries-per-request"));
	assert_int_equal(w->r.stats.sent_udp + w->r.stats.sent_tcp, 3);
	replay_release(w, q);
}

/* ---- QNAME minimisation (RFC 9156) ---- */

#define DEEP_NAME "a.b.c.example.lab."

/* The daemon coalesces identical upstream questions: the response to the first request's
 * query completes a second request that asked the same (in other letter case, other ID). */
static void test_a_shared_response_serves_a_second_request(void **state)
{
	struct replay *w = world(state);
	w->r.opts.qname_minimisation = true;
	struct resolve_req *a = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct resolve_req *b = replay_request(w, "mail.example.lab.", DNS_TYPE_A);
	struct sent sa, sb;
	expect_query(a, &sa, ROOT, "lab.", DNS_TYPE_A);
	expect_query(b, &sb, ROOT, "lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &sa, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "lab.", "ns1.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.lab.", 172800, "127.53.1.1");
	reply_opt(&p);
	assert_int_equal(reply_send_from(w, a, &sa.server, &p, 10), RESOLVE_ACCEPTED);
	assert_int_equal(resolve_consume_shared(b, &sa.server, p.buf, p.b.len),
			 RESOLVE_ACCEPTED);
	static const char *const NS1[] = { "127.53.1.1", NULL };
	expect_query(a, &sa, NS1, "example.lab.", DNS_TYPE_A);
	expect_query(b, &sb, NS1, "example.lab.", DNS_TYPE_A);
	/* From another address it is no answer, shared or not. */
	struct netaddr other = rp_addr("127.53.9.9");
	reply_start(&p, &sa, 0, DNS_RCODE_REFUSED);
	reply_opt(&p);
	assert_int_equal(resolve_consume_shared(b, &other, p.buf, p.b.len), RESOLVE_IGNORED);
	replay_release(w, a);
	replay_release(w, b);
}

/* The first request saw the 0x20 case changed: no answer for anybody. The second one is
 * abandoned without blame and asks again, in plain case, at the same server. */
static void test_an_abandoned_shared_query_is_asked_again_in_plain_case(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *b = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	struct sent sb, again;
	expect_query(b, &sb, ROOT, "www.example.lab.", DNS_TYPE_A);
	resolve_abandon(b);
	expect_query(b, &again, ROOT, "www.example.lab.", DNS_TYPE_A);
	assert_true(rp_same_addr(&again.server, &sb.server));
	char text[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(again.qname, text, sizeof(text));
	assert_string_equal(text, "www.example.lab.");
	replay_release(w, b);
}

/* RFC 8482 leaves ANY answers to the server; whatever RRsets it gives at the name are the
 * answer (they used to be taken for NODATA: an empty NOERROR). */
static void test_any_answer_carries_every_rrset_the_server_gave(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_ANY);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_ANY);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_a(&p, WIRE_ANSWER, "www.example.lab.", 300, "127.0.0.80");
	reply_name_rr(&p, WIRE_ANSWER, "www.example.lab.", DNS_TYPE_NS, 300, "ns1.example.lab.");
	reply_a(&p, WIRE_ANSWER, "www.example.lab.", 300, "127.0.0.81");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 2);
	assert_rrset(&r->answer[0], "www.example.lab.", DNS_TYPE_A, 2);
	assert_rrset(&r->answer[1], "www.example.lab.", DNS_TYPE_NS, 1);
	replay_release(w, q);
}

/* RFC 4035 §3.1.4.1: the DS of example.lab. lives in lab.; a lab. server that "refers" the
 * question to example.lab. itself is lame, and the other lab. server is asked. */
static void test_ds_referral_to_the_zone_asked_about_is_lame(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "example.lab.", DNS_TYPE_DS);
	struct sent s;
	expect_query(q, &s, ROOT, "example.lab.", DNS_TYPE_DS);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "example.lab.", DNS_TYPE_DS);
	struct netaddr first = s.server;
	lab_refers_to_example(w, q, &s);
	expect_query(q, &s, LAB, "example.lab.", DNS_TYPE_DS);
	assert_false(rp_same_addr(&s.server, &first));
	replay_release(w, q);
}

/* RFC 8020: once nope.example.lab. is NXDOMAIN, names below it are too, from the cache. */
static void test_nxdomain_cut_answers_names_below_from_the_cache(void **state)
{
	struct replay *w = world(state);
	struct resolve_req *q = replay_request(w, "nope.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "nope.example.lab.", DNS_TYPE_A);
	answer_negative(w, q, &s, DNS_RCODE_NXDOMAIN, "example.lab.");
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NXDOMAIN);
	replay_release(w, q);

	q = replay_request(w, "a.b.nope.example.lab.", DNS_TYPE_AAAA);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
	assert_non_null(r->soa);
	replay_release(w, q);
	/* a sibling is no business of the cut */
	q = replay_request(w, "other.example.lab.", DNS_TYPE_A);
	static const char *const EX[] = { "127.53.2.1", "127.53.2.2", NULL };
	expect_query(q, &s, EX, "other.example.lab.", DNS_TYPE_A);
	replay_release(w, q);
}

static void test_qname_minimisation_reveals_one_label_per_step(void **state)
{
	struct replay *w = world(state);
	w->r.opts.qname_minimisation = true;
	struct resolve_req *q = replay_request(w, DEEP_NAME, DNS_TYPE_AAAA);
	struct sent s;
	/* the root learns only the TLD */
	expect_query(q, &s, ROOT, "lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "example.lab.", DNS_TYPE_A);
	lab_refers_to_example(w, q, &s);
	/* inside example.lab. there is no further cut: one more label at a time */
	expect_query(q, &s, EXAMPLE, "c.example.lab.", DNS_TYPE_A);
	answer_negative(w, q, &s, DNS_RCODE_NOERROR, "example.lab.");
	expect_query(q, &s, EXAMPLE, "b.c.example.lab.", DNS_TYPE_A);
	answer_negative(w, q, &s, DNS_RCODE_NOERROR, "example.lab.");
	/* and the real question last */
	expect_query(q, &s, EXAMPLE, DEEP_NAME, DNS_TYPE_AAAA);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_aaaa(&p, WIRE_ANSWER, DEEP_NAME, 300, "2001:db8::1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);

	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 1);
	assert_rrset(&r->answer[0], DEEP_NAME, DNS_TYPE_AAAA, 1);
	/* the NODATA of the minimised steps is no answer for the client's names */
	uint8_t n[WIRE_NAME_MAX];
	rp_lname("c.example.lab.", n);
	assert_null(cache_snapshot(w->r.cache, n, DNS_TYPE_A, w->wall));
	replay_release(w, q);
}

static void test_without_qname_minimisation_the_root_is_asked_the_full_name(void **state)
{
	struct replay *w = world(state);
	w->r.opts.qname_minimisation = false;
	struct resolve_req *q = replay_request(w, DEEP_NAME, DNS_TYPE_AAAA);
	struct sent s;
	expect_query(q, &s, ROOT, DEEP_NAME, DNS_TYPE_AAAA);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, DEEP_NAME, DNS_TYPE_AAAA);
	lab_refers_to_example(w, q, &s);
	expect_query(q, &s, EXAMPLE, DEEP_NAME, DNS_TYPE_AAAA);
	replay_release(w, q);
}

static void test_nxdomain_for_a_minimised_name_makes_the_engine_ask_the_full_name(void **state)
{
	struct replay *w = world(state);
	w->r.opts.qname_minimisation = true;
	struct resolve_req *q = replay_request(w, DEEP_NAME, DNS_TYPE_AAAA);
	struct sent s;
	expect_query(q, &s, ROOT, "lab.", DNS_TYPE_A);
	root_refers_to_lab(w, q, &s);
	expect_query(q, &s, LAB, "example.lab.", DNS_TYPE_A);
	lab_refers_to_example(w, q, &s);
	expect_query(q, &s, EXAMPLE, "c.example.lab.", DNS_TYPE_A);
	/* a broken server denies the empty non-terminal */
	answer_negative(w, q, &s, DNS_RCODE_NXDOMAIN, "example.lab.");

	expect_query(q, &s, EXAMPLE, DEEP_NAME, DNS_TYPE_AAAA);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_aaaa(&p, WIRE_ANSWER, DEEP_NAME, 300, "2001:db8::1");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 1);
	/* and the denial was not believed */
	uint8_t n[WIRE_NAME_MAX];
	rp_lname("c.example.lab.", n);
	assert_null(cache_snapshot(w->r.cache, n, CACHE_TYPE_NXDOMAIN, w->wall));
	replay_release(w, q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_referrals_from_root_to_lab_to_example_lab_give_the_a_rrset),
		T(test_second_request_for_the_same_name_needs_no_query),
		T(test_rrsigs_stay_with_their_rrset),
		T(test_another_name_in_a_known_zone_goes_straight_to_its_servers),
		T(test_nxdomain_with_soa_is_the_result_and_is_cached),
		T(test_nodata_with_soa_is_noerror_without_answer_and_is_cached),
		T(test_cname_into_another_zone_continues_at_that_zones_servers),
		T(test_answer_data_outside_the_servers_zone_is_not_trusted),
		T(test_cname_chain_within_one_response_is_followed),
		T(test_cname_to_a_missing_name_is_nxdomain_with_the_cname),
		T(test_cname_loop_across_two_responses_is_servfail),
		T(test_cname_loop_inside_one_response_is_servfail),
		T(test_cname_chain_longer_than_max_cname_is_servfail),
		T(test_glueless_ns_name_is_looked_up_before_the_question),
		T(test_referral_glue_outside_bailiwick_is_ignored),
		T(test_out_of_bailiwick_glue_is_used_when_harden_glue_is_off),
		T(test_response_with_wrong_id_or_question_is_ignored_and_counted),
		T(test_0x20_question_has_mixed_case_for_a_long_name),
		T(test_without_0x20_question_is_all_lower_case),
		T(test_response_with_the_case_changed_makes_the_engine_ask_again_in_plain_case),
		T(test_nxdomain_without_the_question_is_not_believed),
		T(test_refused_without_the_question_counts_against_the_server),
		T(test_truncated_answer_is_asked_again_over_tcp_to_the_same_server),
		T(test_timeout_moves_to_the_other_server_of_the_zone),
		T(test_all_servers_refused_is_servfail_ede_22_lame),
		T(test_all_servers_unreachable_is_servfail_ede_23),
		T(test_server_without_edns_is_asked_again_without_opt),
		T(test_upward_referral_is_lame_and_the_other_server_is_asked),
		T(test_dname_is_followed_with_a_synthesised_cname),
		T(test_additional_records_for_other_names_are_not_cached),
		T(test_expired_glue_of_a_cached_zone_sends_the_engine_to_the_parent),
		T(test_glue_stays_checked_against_the_parent_after_going_back_to_it),
		T(test_glueless_ns_cycle_ends_in_servfail),
		T(test_glueless_lookups_beyond_max_glueless_are_servfail),
		T(test_more_referrals_than_max_referrals_is_servfail),
		T(test_only_server_is_retried_once_with_a_doubled_timeout),
		T(test_request_timeout_is_servfail_ede_22),
		T(test_request_timeout_during_a_name_server_lookup_is_servfail),
		T(test_more_queries_than_max_queries_is_servfail),
		T(test_retry_over_tcp_counts_against_max_queries),
		T(test_a_shared_response_serves_a_second_request),
		T(test_an_abandoned_shared_query_is_asked_again_in_plain_case),
		T(test_any_answer_carries_every_rrset_the_server_gave),
		T(test_ds_referral_to_the_zone_asked_about_is_lame),
		T(test_nxdomain_cut_answers_names_below_from_the_cache),
		T(test_qname_minimisation_reveals_one_label_per_step),
		T(test_without_qname_minimisation_the_root_is_asked_the_full_name),
		T(test_nxdomain_for_a_minimised_name_makes_the_engine_ask_the_full_name),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
