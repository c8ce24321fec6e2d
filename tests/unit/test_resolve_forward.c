/*
 * Replay tests of forward rules (lib/resolve_forward.c, issue #7): a request in a view whose
 * rule forwards a domain asks the rule's targets with RD=1, moves on from a silent target,
 * ends in SERVFAIL with EDE 22 only when every target failed, and keeps what the targets
 * said in the rule's own cache partition.
 *
 * The policy: VPC 0 ("app") forwards corp.lab. to 192.0.2.53 and 192.0.2.54@5353 and
 * resolves sys.corp.lab. by recursion (a system rule); VPC 1 ("data") has no rule. The rest
 * of the world is replay_steps.h's lab (root → lab. → example.lab.).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/policy/policy.h"
#include "replay_steps.h"

static const char *const TARGETS[] = { "192.0.2.53", "192.0.2.54@5353", NULL };

struct views {
	struct netaddr targets[2];
	struct cidr nets[2];
	struct policy_vpc vpcs[2];
	uint32_t app[1];
	struct policy_rule rules[2];
	struct policy policy;
};

static struct views *make_views(void)
{
	static struct views v;
	memset(&v, 0, sizeof(v));
	char err[128];
	v.targets[0] = rp_addr("192.0.2.53");
	v.targets[1] = rp_addr("192.0.2.54@5353");
	assert_int_equal(cidr_parse("10.0.0.0/16", &v.nets[0], err, sizeof(err)), 0);
	assert_int_equal(cidr_parse("10.1.0.0/16", &v.nets[1], err, sizeof(err)), 0);
	v.vpcs[0] = (struct policy_vpc){ .name = "app", .id = "vpc-app", .cidrs = &v.nets[0],
					 .n_cidrs = 1, .dnssec = false };
	v.vpcs[1] = (struct policy_vpc){ .name = "data", .id = "vpc-data", .cidrs = &v.nets[1],
					 .n_cidrs = 1, .dnssec = false };
	v.app[0] = 0;
	v.rules[0] = (struct policy_rule){ .name = "corp", .type = POLICY_RULE_FORWARD,
					   .targets = v.targets, .n_targets = 2, .validate = true,
					   .part = 1, .assoc = { false, v.app, 1 } };
	rp_lname("corp.lab.", v.rules[0].domain);
	v.rules[1] = (struct policy_rule){ .name = "corp-sys", .type = POLICY_RULE_SYSTEM,
					   .part = 0, .assoc = { false, v.app, 1 } };
	rp_lname("sys.corp.lab.", v.rules[1].domain);
	assert_int_equal(policy_build(&v.policy, v.vpcs, 2, v.rules, 2, NULL, NULL, 0, NULL, 0,
				      false),
			 0);
	return &v;
}

static const struct policy_view *app_view(struct views *v)
{
	return policy_view_named(&v->policy, "app");
}

static struct resolve_req *request_in(struct replay *w, const struct policy_view *view,
				      const char *qname, uint16_t qtype)
{
	struct resolve_req *q = replay_request(w, qname, qtype);
	resolve_set_view(q, view);
	return q;
}

/* A recursive resolver's answer (AA=0), TTL 300. */
static void forwarder_answers_a(struct replay *w, struct resolve_req *q, const struct sent *s,
				const char *owner, const char *ip)
{
	struct reply p;
	reply_start(&p, s, DNS_FLAG_RA, DNS_RCODE_NOERROR);
	reply_a(&p, WIRE_ANSWER, owner, 300, ip);
	reply_opt(&p);
	reply_send(w, q, s, &p, 10);
}

static void test_forwarded_question_goes_to_a_target_with_rd_and_in_full(void **state)
{
	struct replay *w = world(state);
	w->r.opts.qname_minimisation = true; /* iteration would minimise; forwarding must not */
	struct views *v = make_views();
	struct resolve_req *q = request_in(w, app_view(v), "www.dept.corp.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, TARGETS, "www.dept.corp.lab.", DNS_TYPE_A);
	assert_true(s.flags & DNS_FLAG_RD);
	forwarder_answers_a(w, q, &s, "www.dept.corp.lab.", "10.10.0.1");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 1);
	assert_true(rrset_has_a(&r->answer[0], "10.10.0.1"));
	replay_release(w, q);
	policy_clear(&v->policy);
}

static void test_forwarders_chain_out_of_the_domain_is_taken_whole(void **state)
{
	struct replay *w = world(state);
	struct views *v = make_views();
	struct resolve_req *q = request_in(w, app_view(v), "app.corp.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, TARGETS, "app.corp.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_RA, DNS_RCODE_NOERROR);
	reply_cname(&p, "app.corp.lab.", 300, "lb.example.lab.");
	reply_a(&p, WIRE_ANSWER, "lb.example.lab.", 60, "10.10.0.9");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 2);
	assert_int_equal(r->answer[0].type, DNS_TYPE_CNAME);
	assert_true(rrset_has_a(&r->answer[1], "10.10.0.9"));
	replay_release(w, q);
	policy_clear(&v->policy);
}

static void test_silent_target_is_left_for_the_other(void **state)
{
	struct replay *w = world(state);
	struct views *v = make_views();
	struct resolve_req *q = request_in(w, app_view(v), "www.corp.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, TARGETS, "www.corp.lab.", DNS_TYPE_A);
	struct sent first = s;
	replay_timeout(w, q, &s);
	expect_query(q, &s, TARGETS, "www.corp.lab.", DNS_TYPE_A);
	assert_false(rp_same_addr(&s.server, &first.server));
	assert_true(s.flags & DNS_FLAG_RD);
	forwarder_answers_a(w, q, &s, "www.corp.lab.", "10.10.0.1");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);
	policy_clear(&v->policy);
}

static void test_every_target_failing_is_servfail_ede_22_naming_them(void **state)
{
	struct replay *w = world(state);
	struct views *v = make_views();
	struct resolve_req *q = request_in(w, app_view(v), "www.corp.lab.", DNS_TYPE_A);
	struct sent s;
	/* each target: a timeout, then a second try that times out too, or a REFUSED */
	unsigned queries = 0;
	for (;;) {
		if (replay_next(q, &s) != RESOLVE_SEND)
			break;
		assert_true(sent_to_one_of(&s, TARGETS));
		queries++;
		if (rp_addr_is(&s.server, "192.0.2.54@5353"))
			answer_rcode(w, q, &s, DNS_RCODE_REFUSED);
		else
			replay_timeout(w, q, &s);
		assert_true(queries <= 4);
	}
	const struct resolve_result *r = resolve_result(q);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NO_REACHABLE_AUTHORITY);
	assert_non_null(strstr(r->ede_text, "forward rule corp"));
	assert_non_null(strstr(r->ede_text, "192.0.2.53@53 timed out"));
	assert_non_null(strstr(r->ede_text, "192.0.2.54@5353 answered REFUSED"));
	assert_int_equal(queries, 3); /* the silent one twice, the refusing one once */
	replay_release(w, q);
	policy_clear(&v->policy);
}

static void test_referral_from_a_target_is_a_failure_of_that_target(void **state)
{
	struct replay *w = world(state);
	struct views *v = make_views();
	struct resolve_req *q = request_in(w, app_view(v), "www.corp.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, TARGETS, "www.corp.lab.", DNS_TYPE_A);
	struct sent first = s;
	struct reply p;
	reply_start(&p, &s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "corp.lab.", "ns1.corp.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.corp.lab.", 300, "127.53.9.9");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	expect_query(q, &s, TARGETS, "www.corp.lab.", DNS_TYPE_A);
	assert_false(rp_same_addr(&s.server, &first.server));
	forwarder_answers_a(w, q, &s, "www.corp.lab.", "10.10.0.1");
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);
	policy_clear(&v->policy);
}

static void test_forwarded_answers_are_cached_for_the_rule_only(void **state)
{
	struct replay *w = world(state);
	struct views *v = make_views();
	struct resolve_req *q = request_in(w, app_view(v), "www.corp.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, TARGETS, "www.corp.lab.", DNS_TYPE_A);
	forwarder_answers_a(w, q, &s, "www.corp.lab.", "10.10.0.1");
	expect_done(q);
	replay_release(w, q);

	/* the same view: from the rule's partition, no query */
	q = request_in(w, app_view(v), "www.corp.lab.", DNS_TYPE_A);
	const struct resolve_result *r = expect_done(q);
	assert_true(rrset_has_a(&r->answer[0], "10.10.0.1"));
	replay_release(w, q);

	/* a view without the rule resolves it by itself, from the root */
	q = request_in(w, policy_view_named(&v->policy, "data"), "www.corp.lab.", DNS_TYPE_A);
	expect_query(q, &s, ROOT, "www.corp.lab.", DNS_TYPE_A);
	assert_false(s.flags & DNS_FLAG_RD);
	replay_release(w, q);

	/* and plain recursion (no view) does not see it either */
	q = replay_request(w, "www.corp.lab.", DNS_TYPE_A);
	expect_query(q, &s, ROOT, "www.corp.lab.", DNS_TYPE_A);
	replay_release(w, q);
	policy_clear(&v->policy);
}

static void test_system_rule_carves_its_domain_out_of_the_forward_rule(void **state)
{
	struct replay *w = world(state);
	struct views *v = make_views();
	struct resolve_req *q = request_in(w, app_view(v), "www.sys.corp.lab.", DNS_TYPE_A);
	struct sent s;
	expect_query(q, &s, ROOT, "www.sys.corp.lab.", DNS_TYPE_A);
	assert_false(s.flags & DNS_FLAG_RD);
	replay_release(w, q);
	policy_clear(&v->policy);
}

static void test_chain_from_recursion_into_a_forwarded_domain_goes_to_the_targets(void **state)
{
	struct replay *w = world(state);
	struct views *v = make_views();
	struct resolve_req *q = request_in(w, app_view(v), "www.example.lab.", DNS_TYPE_A);
	struct sent s;
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	struct reply p;
	reply_start(&p, &s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_cname(&p, "www.example.lab.", 300, "www.corp.lab.");
	reply_opt(&p);
	reply_send(w, q, &s, &p, 10);
	expect_query(q, &s, TARGETS, "www.corp.lab.", DNS_TYPE_A);
	assert_true(s.flags & DNS_FLAG_RD);
	forwarder_answers_a(w, q, &s, "www.corp.lab.", "10.10.0.1");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->n_answer, 2);
	assert_true(rrset_has_a(&r->answer[1], "10.10.0.1"));
	replay_release(w, q);
	policy_clear(&v->policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_forwarded_question_goes_to_a_target_with_rd_and_in_full, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_forwarders_chain_out_of_the_domain_is_taken_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_target_is_left_for_the_other, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_every_target_failing_is_servfail_ede_22_naming_them, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_referral_from_a_target_is_a_failure_of_that_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forwarded_answers_are_cached_for_the_rule_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_system_rule_carves_its_domain_out_of_the_forward_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_chain_from_recursion_into_a_forwarded_domain_goes_to_the_targets, setup,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
