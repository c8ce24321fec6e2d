/* Unit tests for lib/policy: Route 53 Resolver's selection between private zones, forward and
 * system rules and the implicit recursive rule for "." (most specific domain wins, a rule
 * beats a zone at the same name), associations with VPCs, the classification of a client
 * address into a view, built-in zones per view, and the one-line explanation. Zones are built
 * by hand here; test_config.c covers the same through the YAML. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "lib/policy/policy.h"
#include "lib/util/netaddr.h"
#include "lib/wire/name.h"
#include "lib/zone/load.h"
#include "lib/zone/zone.h"
#include "lib/zone/zoneset.h"
#include "zone_helpers.h"

/* ---- a scene: VPCs, rules, private and built-in zones, and the policy built from them ---- */

#define SCENE_MAX 8

struct scene {
	struct policy_vpc vpcs[SCENE_MAX];
	struct cidr cidrs[SCENE_MAX][SCENE_MAX];
	size_t n_vpcs;
	struct policy_rule rules[SCENE_MAX];
	size_t n_rules;
	struct zone *zones[SCENE_MAX];
	struct policy_assoc zone_assoc[SCENE_MAX];
	size_t n_zones;
	struct zone *builtins[SCENE_MAX];
	size_t n_builtins;
	bool default_dnssec;
	struct policy p;
};

/* Association lists; the index is the VPC's position in the scene (view index - 1). */
static const uint32_t VPC_0[] = { 0 };
static const uint32_t VPC_1[] = { 1 };
static const uint32_t VPC_0_AND_2[] = { 0, 2 };
#define EVERY ((struct policy_assoc){ .every = true })
#define ONLY(list) ((struct policy_assoc){ .vpcs = (list), .n = sizeof(list) / sizeof((list)[0]) })

static const struct netaddr FORWARDER = { .family = AF_INET, .addr = { 192, 0, 2, 53 },
					  .port = 53 };

static const char *text_of(const uint8_t *name)
{
	static char buf[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(name, buf, sizeof(buf));
	return buf;
}

/* A finished zone at apex with the NULL-ended records (relative to the apex), or with one A
 * record at www when recs is NULL (the SOA is synthesised). */
static struct zone *new_zone_with(const char *apex_text, const char *const *recs)
{
	static const char *const www[] = { "www 300 IN A 192.0.2.1", NULL };
	uint8_t apex[WIRE_NAME_MAX];
	char err[512];
	name_of(apex_text, apex);
	struct zone *z = zone_new(apex);
	assert_non_null(z);
	for (recs = recs ? recs : www; *recs; recs++)
		if (zone_add_text_rr(z, *recs, err, sizeof(err)) < 0)
			fail_msg("record '%s': %s", *recs, err);
	if (zone_finish(z, err, sizeof(err)) < 0)
		fail_msg("zone %s: %s", apex_text, err);
	return z;
}

static struct zone *new_zone(const char *apex_text)
{
	return new_zone_with(apex_text, NULL);
}

/* A VPC with NULL-ended CIDRs; it becomes view n_vpcs + 1. */
static void add_vpc(struct scene *s, const char *name, const char *const *cidrs, bool dnssec)
{
	assert_true(s->n_vpcs < SCENE_MAX);
	size_t i = s->n_vpcs++, n = 0;
	for (; cidrs[n]; n++) {
		char err[160];
		assert_true(n < SCENE_MAX);
		if (cidr_parse(cidrs[n], &s->cidrs[i][n], err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	s->vpcs[i] = (struct policy_vpc){ .name = name, .id = name, .cidrs = s->cidrs[i],
					  .n_cidrs = n, .dnssec = dnssec };
}

static struct zone *add_zone(struct scene *s, const char *apex, struct policy_assoc a)
{
	assert_true(s->n_zones < SCENE_MAX);
	s->zone_assoc[s->n_zones] = a;
	return s->zones[s->n_zones++] = new_zone(apex);
}

static struct zone *add_zone_with(struct scene *s, const char *apex, struct policy_assoc a,
				  const char *const *recs)
{
	assert_true(s->n_zones < SCENE_MAX);
	s->zone_assoc[s->n_zones] = a;
	return s->zones[s->n_zones++] = new_zone_with(apex, recs);
}

static struct zone *add_builtin(struct scene *s, const char *apex)
{
	assert_true(s->n_builtins < SCENE_MAX);
	return s->builtins[s->n_builtins++] = new_zone(apex);
}

static const struct policy_rule *add_rule(struct scene *s, const char *name,
					  enum policy_rule_type type, const char *domain,
					  struct policy_assoc a)
{
	assert_true(s->n_rules < SCENE_MAX);
	struct policy_rule *r = &s->rules[s->n_rules];
	*r = (struct policy_rule){ .name = name, .type = type, .assoc = a, .validate = true };
	name_of(domain, r->domain);
	wire_name_lower(r->domain);
	if (type == POLICY_RULE_FORWARD) {
		r->targets = &FORWARDER;
		r->n_targets = 1;
		r->part = (uint16_t)(s->n_rules + 1);
	}
	s->n_rules++;
	return r;
}

static void build(struct scene *s)
{
	const struct zone *const *zones = (const struct zone *const *)s->zones;
	const struct zone *const *builtins = (const struct zone *const *)s->builtins;
	assert_int_equal(policy_build(&s->p, s->vpcs, s->n_vpcs, s->rules, s->n_rules, zones,
				      s->zone_assoc, s->n_zones, builtins, s->n_builtins,
				      s->default_dnssec),
			 0);
	assert_int_equal(s->p.n_views, s->n_vpcs + 1);
}

static void scene_free(struct scene *s)
{
	policy_clear(&s->p);
	for (size_t i = 0; i < s->n_zones; i++)
		zone_free(s->zones[i]);
	for (size_t i = 0; i < s->n_builtins; i++)
		zone_free(s->builtins[i]);
}

/* The scene of each test: zeroed before, freed after (even when an assert fails). */
static int scene_setup(void **state)
{
	struct scene *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	*state = s;
	return 0;
}

static int scene_teardown(void **state)
{
	scene_free(*state);
	free(*state);
	return 0;
}

static const struct policy_view *view(const struct scene *s, size_t index)
{
	assert_true(index < s->p.n_views);
	return &s->p.views[index];
}

/* The decision for a question name (text) in a view. */
static struct policy_decision decide(const struct policy_view *v, const char *qname)
{
	uint8_t n[WIRE_NAME_MAX];
	struct policy_decision d;
	name_of(qname, n);
	wire_name_lower(n);
	policy_decide(v, n, &d);
	return d;
}

static const char *kind_text(enum policy_kind k)
{
	switch (k) {
	case POLICY_ZONE:
		return "zone";
	case POLICY_FORWARD:
		return "forward";
	case POLICY_SYSTEM:
		return "system";
	case POLICY_RECURSIVE:
		return "recursive";
	}
	return "?";
}

/* The private (or built-in) zone z answers qname in v. */
static void assert_zone_answers(const struct policy_view *v, const char *qname,
				const struct zone *z)
{
	struct policy_decision d = decide(v, qname);
	if (d.kind != POLICY_ZONE)
		fail_msg("%s in view %u: %s, expected zone %s", qname, v->index, kind_text(d.kind),
			 text_of(z->apex));
	assert_ptr_equal(d.zone, z);
	assert_null(d.rule);
}

/* Rule r (forward or system, by its type) answers qname in v. */
static void assert_rule_answers(const struct policy_view *v, const char *qname,
				const struct policy_rule *r)
{
	struct policy_decision d = decide(v, qname);
	enum policy_kind want = r->type == POLICY_RULE_FORWARD ? POLICY_FORWARD : POLICY_SYSTEM;
	if (d.kind != want || d.rule != r)
		fail_msg("%s in view %u: %s (%s), expected %s rule %s", qname, v->index,
			 kind_text(d.kind), d.rule ? d.rule->name : "no rule", kind_text(want),
			 r->name);
	assert_null(d.zone);
	uint8_t n[WIRE_NAME_MAX];
	name_of(qname, n);
	wire_name_lower(n);
	assert_ptr_equal(policy_rule_for(v, n), r);
}

/* Nothing more specific than the implicit rule for "." in v. */
static void assert_recursive(const struct policy_view *v, const char *qname)
{
	struct policy_decision d = decide(v, qname);
	if (d.kind != POLICY_RECURSIVE)
		fail_msg("%s in view %u: %s, expected recursive", qname, v->index,
			 kind_text(d.kind));
	assert_null(d.zone);
	assert_null(d.rule);
	assert_null(d.other_zone);
	assert_null(d.other_rule);
}

/* The explanation of the decision for qname in v. */
static const char *explain(const struct policy_view *v, const char *qname)
{
	static char buf[512];
	struct policy_decision d = decide(v, qname);
	policy_explain(&d, buf, sizeof(buf));
	return buf;
}

static void assert_says(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("'%s' does not say '%s'", text, needle);
}

/* The view a client address (text, IPv4 or IPv6) falls in. */
static uint32_t view_of_client(const struct scene *s, const char *ip)
{
	uint8_t addr[16] = { 0 };
	int family = AF_INET;
	if (inet_pton(AF_INET, ip, addr) != 1) {
		family = AF_INET6;
		if (inet_pton(AF_INET6, ip, addr) != 1)
			fail_msg("'%s' is not an address", ip);
	}
	const struct policy_view *v = policy_view_for(&s->p, family, addr);
	assert_non_null(v);
	assert_true(v >= s->p.views && v < s->p.views + s->p.n_views);
	assert_int_equal(v->index, (uint32_t)(v - s->p.views));
	return v->index;
}

static const char *const NET_10_1[] = { "10.1.0.0/16", NULL };
static const char *const NET_10_2[] = { "10.2.0.0/16", NULL };
static const char *const NET_10_3[] = { "10.3.0.0/16", NULL };

/* ---- the most specific domain wins ---- */

static void test_most_specific_zone_wins_among_zones(void **state)
{
	struct scene *s = *state;
	struct zone *corp = add_zone(s, "corp.test.", EVERY);
	struct zone *dev = add_zone(s, "dev.corp.test.", EVERY);
	struct zone *other = add_zone(s, "other.test.", EVERY);
	build(s);
	const struct policy_view *v = view(s, 0);
	assert_zone_answers(v, "www.dev.corp.test.", dev);
	assert_zone_answers(v, "dev.corp.test.", dev);
	assert_zone_answers(v, "a.b.c.dev.corp.test.", dev);
	assert_zone_answers(v, "www.corp.test.", corp);
	assert_zone_answers(v, "corp.test.", corp);
	/* a shared suffix that is not a label boundary is another name */
	assert_zone_answers(v, "xdev.corp.test.", corp);
	assert_zone_answers(v, "WWW.Other.TEST.", other);
	assert_recursive(v, "test.");
	assert_recursive(v, "corp.example.");
}

static void test_most_specific_rule_wins_among_rules(void **state)
{
	struct scene *s = *state;
	/* the shallower rule first, so the view must sort them */
	const struct policy_rule *corp =
		add_rule(s, "corp", POLICY_RULE_FORWARD, "corp.example.", EVERY);
	const struct policy_rule *eu =
		add_rule(s, "eu", POLICY_RULE_FORWARD, "eu.corp.example.", EVERY);
	const struct policy_rule *paris =
		add_rule(s, "paris", POLICY_RULE_FORWARD, "paris.eu.corp.example.", EVERY);
	build(s);
	const struct policy_view *v = view(s, 0);
	assert_int_equal(v->n_rules, 3);
	assert_rule_answers(v, "host.paris.eu.corp.example.", paris);
	assert_rule_answers(v, "host.eu.corp.example.", eu);
	assert_rule_answers(v, "eu.corp.example.", eu);
	assert_rule_answers(v, "host.us.corp.example.", corp);
	assert_rule_answers(v, "xeu.corp.example.", corp);
	assert_recursive(v, "example.");
	assert_true(v->n_rules > 0);
}

static void test_rule_beats_zone_at_the_same_name(void **state)
{
	struct scene *s = *state;
	struct zone *z = add_zone(s, "corp.test.", EVERY);
	const struct policy_rule *r =
		add_rule(s, "onprem", POLICY_RULE_FORWARD, "corp.test.", EVERY);
	build(s);
	const struct policy_view *v = view(s, 0);
	assert_rule_answers(v, "www.corp.test.", r);
	assert_rule_answers(v, "corp.test.", r);
	struct policy_decision d = decide(v, "www.corp.test.");
	assert_ptr_equal(d.other_zone, z); /* what lost, for the explanation */
	assert_null(d.other_rule);
}

static void test_system_rule_beats_zone_at_the_same_name(void **state)
{
	struct scene *s = *state;
	struct zone *z = add_zone(s, "corp.test.", EVERY);
	const struct policy_rule *r = add_rule(s, "sys", POLICY_RULE_SYSTEM, "corp.test.", EVERY);
	build(s);
	assert_rule_answers(view(s, 0), "www.corp.test.", r);
	assert_ptr_equal(decide(view(s, 0), "www.corp.test.").other_zone, z);
}

static void test_zone_more_specific_than_forward_rule_wins(void **state)
{
	struct scene *s = *state;
	const struct policy_rule *r =
		add_rule(s, "onprem", POLICY_RULE_FORWARD, "corp.test.", EVERY);
	struct zone *dev = add_zone(s, "dev.corp.test.", EVERY);
	build(s);
	const struct policy_view *v = view(s, 0);
	assert_zone_answers(v, "www.dev.corp.test.", dev);
	assert_zone_answers(v, "dev.corp.test.", dev);
	assert_ptr_equal(decide(v, "www.dev.corp.test.").other_rule, r);
	/* the rest of the rule's domain is still forwarded, with no zone in the way */
	assert_rule_answers(v, "www.corp.test.", r);
	assert_rule_answers(v, "corp.test.", r);
	assert_null(decide(v, "www.corp.test.").other_zone);
}

static void test_forward_rule_more_specific_than_zone_wins(void **state)
{
	struct scene *s = *state;
	struct zone *corp = add_zone(s, "corp.test.", EVERY);
	const struct policy_rule *r =
		add_rule(s, "onprem", POLICY_RULE_FORWARD, "onprem.corp.test.", EVERY);
	build(s);
	const struct policy_view *v = view(s, 0);
	assert_rule_answers(v, "host.onprem.corp.test.", r);
	assert_ptr_equal(decide(v, "host.onprem.corp.test.").other_zone, corp);
	assert_zone_answers(v, "www.corp.test.", corp);
}

static void test_system_rule_under_forward_rule_resolves_only_its_subdomain(void **state)
{
	struct scene *s = *state;
	const struct policy_rule *fwd =
		add_rule(s, "corp", POLICY_RULE_FORWARD, "corp.example.", EVERY);
	const struct policy_rule *sys =
		add_rule(s, "aws", POLICY_RULE_SYSTEM, "aws.corp.example.", EVERY);
	build(s);
	const struct policy_view *v = view(s, 0);
	assert_rule_answers(v, "db.aws.corp.example.", sys);
	assert_rule_answers(v, "aws.corp.example.", sys);
	assert_int_equal(decide(v, "db.aws.corp.example.").kind, POLICY_SYSTEM);
	assert_rule_answers(v, "www.corp.example.", fwd);
	assert_rule_answers(v, "xaws.corp.example.", fwd);
	assert_rule_answers(v, "corp.example.", fwd);
	assert_int_equal(decide(v, "www.corp.example.").kind, POLICY_FORWARD);
	assert_recursive(v, "example.");
	assert_recursive(v, "www.example.org.");
}

static void test_nothing_configured_is_recursive(void **state)
{
	struct scene *s = *state;
	build(s);
	assert_int_equal(s->p.n_views, 1);
	assert_null(s->p.views[0].vpc);
	assert_int_equal(s->p.views[0].n_rules, 0);
	assert_recursive(view(s, 0), "www.example.com.");
	assert_recursive(view(s, 0), ".");
	uint8_t n[WIRE_NAME_MAX];
	name_of("www.example.com.", n);
	assert_null(policy_rule_for(view(s, 0), n));
	assert_int_equal(view_of_client(s, "10.1.2.3"), 0);
}

static void test_forward_rule_for_the_root_covers_everything_but_a_zone_beats_it(void **state)
{
	struct scene *s = *state;
	const struct policy_rule *all = add_rule(s, "all", POLICY_RULE_FORWARD, ".", EVERY);
	struct zone *corp = add_zone(s, "corp.test.", EVERY);
	struct zone *localhost = add_builtin(s, "localhost.");
	build(s);
	const struct policy_view *v = view(s, 0);
	assert_rule_answers(v, "www.example.com.", all);
	assert_rule_answers(v, "com.", all);
	assert_rule_answers(v, ".", all);
	assert_rule_answers(v, "test.", all);
	assert_zone_answers(v, "www.corp.test.", corp);
	assert_ptr_equal(decide(v, "www.corp.test.").other_rule, all);
	assert_zone_answers(v, "localhost.", localhost);
}

/* ---- associations: which views see a rule or a zone ---- */

static void test_rule_and_zone_for_every_client_are_in_every_view(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_vpc(s, "lab", NET_10_2, true);
	struct zone *z = add_zone(s, "corp.test.", EVERY);
	const struct policy_rule *r = add_rule(s, "onprem", POLICY_RULE_FORWARD, "corp.example.",
					       EVERY);
	build(s);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(view(s, i)->n_rules, 1);
		assert_zone_answers(view(s, i), "www.corp.test.", z);
		assert_rule_answers(view(s, i), "www.corp.example.", r);
	}
}

static void test_association_with_one_vpc_is_only_in_that_view(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_vpc(s, "lab", NET_10_2, true);
	struct zone *z = add_zone(s, "corp.test.", ONLY(VPC_0));
	const struct policy_rule *r = add_rule(s, "onprem", POLICY_RULE_FORWARD, "corp.example.",
					       ONLY(VPC_1));
	build(s);
	/* view 1 is VPC 0 ("app"), view 2 is VPC 1 ("lab"); view 0 is clients in no VPC */
	assert_string_equal(view(s, 1)->vpc->name, "app");
	assert_string_equal(view(s, 2)->vpc->name, "lab");
	assert_zone_answers(view(s, 1), "www.corp.test.", z);
	assert_recursive(view(s, 0), "www.corp.test.");
	assert_recursive(view(s, 2), "www.corp.test.");
	assert_rule_answers(view(s, 2), "www.corp.example.", r);
	assert_recursive(view(s, 0), "www.corp.example.");
	assert_recursive(view(s, 1), "www.corp.example.");
	assert_int_equal(view(s, 0)->n_rules, 0);
	assert_int_equal(view(s, 1)->n_rules, 0);
	assert_int_equal(view(s, 2)->n_rules, 1);
}

static void test_association_with_several_vpcs_skips_the_others(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "a", NET_10_1, true);
	add_vpc(s, "b", NET_10_2, true);
	add_vpc(s, "c", NET_10_3, true);
	struct zone *z = add_zone(s, "corp.test.", ONLY(VPC_0_AND_2));
	build(s);
	assert_recursive(view(s, 0), "www.corp.test.");
	assert_zone_answers(view(s, 1), "www.corp.test.", z);
	assert_recursive(view(s, 2), "www.corp.test.");
	assert_zone_answers(view(s, 3), "www.corp.test.", z);
}

static void test_split_horizon_zones_of_one_name_answer_per_view(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_vpc(s, "lab", NET_10_2, true);
	struct zone *for_app = add_zone(s, "corp.test.", ONLY(VPC_0));
	struct zone *for_lab = add_zone(s, "corp.test.", ONLY(VPC_1));
	build(s);
	assert_zone_answers(view(s, 1), "www.corp.test.", for_app);
	assert_zone_answers(view(s, 2), "www.corp.test.", for_lab);
	assert_recursive(view(s, 0), "www.corp.test.");
}

static void test_rules_of_one_domain_for_different_vpcs(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_vpc(s, "lab", NET_10_2, true);
	const struct policy_rule *fwd =
		add_rule(s, "fwd", POLICY_RULE_FORWARD, "corp.example.", ONLY(VPC_0));
	const struct policy_rule *sys =
		add_rule(s, "sys", POLICY_RULE_SYSTEM, "corp.example.", ONLY(VPC_1));
	build(s);
	assert_recursive(view(s, 0), "www.corp.example.");
	assert_rule_answers(view(s, 1), "www.corp.example.", fwd);
	assert_rule_answers(view(s, 2), "www.corp.example.", sys);
}

static void test_assoc_has_every_or_listed_vpcs(void **state)
{
	(void)state;
	struct policy_assoc every = EVERY, one = ONLY(VPC_1), two = ONLY(VPC_0_AND_2);
	assert_true(policy_assoc_has(&every, -1));
	assert_true(policy_assoc_has(&every, 0));
	assert_true(policy_assoc_has(&every, 7));
	assert_false(policy_assoc_has(&one, -1)); /* the default view is no VPC */
	assert_false(policy_assoc_has(&one, 0));
	assert_true(policy_assoc_has(&one, 1));
	assert_true(policy_assoc_has(&two, 0));
	assert_false(policy_assoc_has(&two, 1));
	assert_true(policy_assoc_has(&two, 2));
}

/* ---- views: per-VPC switches and lookup by name ---- */

static void test_views_carry_their_vpc_and_dnssec_switch(void **state)
{
	struct scene *s = *state;
	s->default_dnssec = true;
	add_vpc(s, "app", NET_10_1, false);
	add_vpc(s, "lab", NET_10_2, true);
	build(s);
	assert_null(view(s, 0)->vpc);
	assert_true(view(s, 0)->dnssec);
	assert_ptr_equal(view(s, 1)->vpc, &s->vpcs[0]);
	assert_false(view(s, 1)->dnssec);
	assert_ptr_equal(view(s, 2)->vpc, &s->vpcs[1]);
	assert_true(view(s, 2)->dnssec);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(view(s, i)->index, i);
}

static void test_default_view_without_dnssec(void **state)
{
	struct scene *s = *state;
	s->default_dnssec = false;
	add_vpc(s, "app", NET_10_1, true);
	build(s);
	assert_false(view(s, 0)->dnssec);
	assert_true(view(s, 1)->dnssec);
}

static void test_view_named_finds_vpcs_only(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_vpc(s, "lab", NET_10_2, true);
	build(s);
	assert_ptr_equal(policy_view_named(&s->p, "app"), view(s, 1));
	assert_ptr_equal(policy_view_named(&s->p, "lab"), view(s, 2));
	assert_null(policy_view_named(&s->p, "App"));
	assert_null(policy_view_named(&s->p, "ap"));
	assert_null(policy_view_named(&s->p, ""));
	assert_null(policy_view_named(&s->p, "default"));
}

/* ---- clients: the most specific prefix across VPCs ---- */

static void test_client_most_specific_prefix_wins_across_vpcs(void **state)
{
	(void)state;
	static const char *const wide[] = { "10.1.2.0/24", NULL };
	static const char *const narrow[] = { "10.1.2.128/25", NULL };
	/* in both orders: the choice must not depend on where the VPC is written */
	for (int order = 0; order < 2; order++) {
		struct scene *s = calloc(1, sizeof(*s));
		assert_non_null(s);
		add_vpc(s, order ? "narrow" : "wide", order ? narrow : wide, true);
		add_vpc(s, order ? "wide" : "narrow", order ? wide : narrow, true);
		build(s);
		uint32_t w = order ? 2 : 1, n = order ? 1 : 2;
		assert_int_equal(view_of_client(s, "10.1.2.5"), w);
		assert_int_equal(view_of_client(s, "10.1.2.127"), w);
		assert_int_equal(view_of_client(s, "10.1.2.128"), n);
		assert_int_equal(view_of_client(s, "10.1.2.255"), n);
		assert_int_equal(view_of_client(s, "10.1.3.1"), 0);
		assert_int_equal(view_of_client(s, "192.0.2.1"), 0);
		scene_free(s);
		free(s);
	}
}

static void test_client_carved_out_of_a_wider_vpc_with_several_ranges(void **state)
{
	struct scene *s = *state;
	static const char *const big[] = { "10.0.0.0/8", "172.16.0.0/12", NULL };
	static const char *const small[] = { "10.9.0.0/16", "172.16.5.0/24", NULL };
	add_vpc(s, "big", big, true);
	add_vpc(s, "small", small, true);
	build(s);
	assert_int_equal(view_of_client(s, "10.1.1.1"), 1);
	assert_int_equal(view_of_client(s, "10.9.1.1"), 2);
	assert_int_equal(view_of_client(s, "172.16.5.9"), 2);
	assert_int_equal(view_of_client(s, "172.16.6.9"), 1);
	assert_int_equal(view_of_client(s, "172.32.0.1"), 0);
}

static void test_client_ipv6_prefixes(void **state)
{
	struct scene *s = *state;
	static const char *const wide[] = { "2001:db8::/32", NULL };
	static const char *const narrow[] = { "2001:db8:1::/48", "10.1.0.0/16", NULL };
	add_vpc(s, "wide", wide, true);
	add_vpc(s, "narrow", narrow, true);
	build(s);
	assert_int_equal(view_of_client(s, "2001:db8:1::5"), 2);
	assert_int_equal(view_of_client(s, "2001:db8:1:ffff::1"), 2);
	assert_int_equal(view_of_client(s, "2001:db8:2::1"), 1);
	assert_int_equal(view_of_client(s, "2001:db8::1"), 1);
	assert_int_equal(view_of_client(s, "2001:db9::1"), 0);
	assert_int_equal(view_of_client(s, "::1"), 0);
	assert_int_equal(view_of_client(s, "10.1.0.1"), 2);
	/* an IPv6 address whose first bytes spell 10.1 is no IPv4 client */
	assert_int_equal(view_of_client(s, "a01::1"), 0);
}

static void test_client_ipv4_mapped_ipv6_is_matched_as_ipv4(void **state)
{
	struct scene *s = *state;
	static const char *const v4[] = { "10.0.0.0/8", NULL };
	static const char *const v4_host[] = { "10.0.0.7/32", NULL };
	add_vpc(s, "v4", v4, true);
	add_vpc(s, "host", v4_host, true);
	build(s);
	assert_int_equal(view_of_client(s, "::ffff:10.0.0.5"), 1);
	assert_int_equal(view_of_client(s, "::ffff:10.0.0.7"), 2);
	assert_int_equal(view_of_client(s, "10.0.0.7"), 2);
	assert_int_equal(view_of_client(s, "::ffff:192.0.2.1"), 0);
	/* IPv4-compatible (::10.0.0.5, deprecated) is not mapped */
	assert_int_equal(view_of_client(s, "::10.0.0.5"), 0);
}

static void test_client_in_no_vpc_gets_the_default_view(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	build(s);
	assert_int_equal(view_of_client(s, "10.2.0.1"), 0);
	assert_int_equal(view_of_client(s, "127.0.0.1"), 0);
	assert_int_equal(view_of_client(s, "2001:db8::1"), 0);
	assert_null(s->p.views[view_of_client(s, "10.2.0.1")].vpc);
}

/* ---- built-in zones ---- */

static void test_builtin_zones_are_in_every_view(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_vpc(s, "lab", NET_10_2, true);
	struct zone *localhost = add_builtin(s, "localhost.");
	struct zone *ten = add_builtin(s, "10.in-addr.arpa.");
	build(s);
	for (size_t i = 0; i < 3; i++) {
		assert_zone_answers(view(s, i), "localhost.", localhost);
		assert_zone_answers(view(s, i), "1.2.3.10.in-addr.arpa.", ten);
		assert_int_equal(view(s, i)->zones.count, 2);
	}
}

static void test_private_zone_replaces_builtin_only_in_its_views(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_vpc(s, "lab", NET_10_2, true);
	struct zone *localhost = add_builtin(s, "localhost.");
	struct zone *builtin_ten = add_builtin(s, "10.in-addr.arpa.");
	struct zone *private_ten = add_zone(s, "10.in-addr.arpa.", ONLY(VPC_0));
	build(s);
	assert_zone_answers(view(s, 1), "1.2.3.10.in-addr.arpa.", private_ten);
	assert_zone_answers(view(s, 1), "10.in-addr.arpa.", private_ten);
	assert_int_equal(view(s, 1)->zones.count, 2); /* the private one and localhost */
	assert_zone_answers(view(s, 1), "localhost.", localhost);
	/* where the private zone is not associated, the built-in one stays */
	assert_zone_answers(view(s, 0), "1.2.3.10.in-addr.arpa.", builtin_ten);
	assert_zone_answers(view(s, 2), "1.2.3.10.in-addr.arpa.", builtin_ten);
	assert_int_equal(view(s, 0)->zones.count, 2);
	assert_int_equal(view(s, 2)->zones.count, 2);
}

static void test_private_zone_for_every_client_replaces_builtin_everywhere(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_builtin(s, "10.in-addr.arpa.");
	struct zone *private_ten = add_zone(s, "10.In-Addr.Arpa.", EVERY);
	build(s);
	for (size_t i = 0; i < 2; i++) {
		assert_zone_answers(view(s, i), "9.9.9.10.in-addr.arpa.", private_ten);
		assert_int_equal(view(s, i)->zones.count, 1);
	}
}

static void test_private_zone_below_a_builtin_does_not_replace_it(void **state)
{
	struct scene *s = *state;
	struct zone *builtin_ten = add_builtin(s, "10.in-addr.arpa.");
	struct zone *sub = add_zone(s, "1.10.in-addr.arpa.", EVERY);
	build(s);
	assert_zone_answers(view(s, 0), "5.5.1.10.in-addr.arpa.", sub);
	assert_zone_answers(view(s, 0), "5.5.2.10.in-addr.arpa.", builtin_ten);
	assert_int_equal(view(s, 0)->zones.count, 2);
}

static void test_builtin_zone_answers_through_the_view_zoneset(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_builtin(s, "localhost.");
	build(s);
	assert_true(answer_through_set(&view(s, 1)->zones, "www.localhost.", DNS_TYPE_A));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1);
	assert_false(answer_through_set(&view(s, 1)->zones, "www.example.com.", DNS_TYPE_A));
}

/* ---- the zones of a view leave alone what a rule takes ---- */

/* Does the view's zoneset answer qname A (from any of its zones)? */
static bool zones_answer(const struct policy_view *v, const char *qname)
{
	return answer_through_set(&v->zones, qname, DNS_TYPE_A);
}

static void test_view_zones_do_not_answer_names_a_more_specific_rule_takes(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	struct zone *corp = add_zone(s, "corp.test.", EVERY);
	add_rule(s, "onprem", POLICY_RULE_FORWARD, "onprem.corp.test.", ONLY(VPC_0));
	build(s);
	/* VPC app forwards onprem.corp.test: its zones must not answer NXDOMAIN for it */
	assert_false(zones_answer(view(s, 1), "host.onprem.corp.test."));
	assert_false(zones_answer(view(s, 1), "onprem.corp.test."));
	assert_true(zones_answer(view(s, 1), "www.corp.test."));
	assert_ptr_equal(ans.zone, corp);
	assert_true(zones_answer(view(s, 1), "xonprem.corp.test."));
	assert_int_equal(ans.rcode, DNS_RCODE_NXDOMAIN);
	/* clients in no VPC have no such rule: the zone answers */
	assert_true(zones_answer(view(s, 0), "host.onprem.corp.test."));
	assert_int_equal(ans.rcode, DNS_RCODE_NXDOMAIN);
	assert_ptr_equal(ans.zone, corp);
}

static void test_view_zones_do_not_answer_names_a_rule_at_the_same_name_takes(void **state)
{
	struct scene *s = *state;
	add_zone(s, "corp.test.", EVERY);
	add_rule(s, "sys", POLICY_RULE_SYSTEM, "corp.test.", EVERY);
	build(s);
	assert_false(zones_answer(view(s, 0), "www.corp.test."));
	assert_false(zones_answer(view(s, 0), "corp.test."));
}

static void test_view_zones_answer_a_zone_more_specific_than_a_rule(void **state)
{
	struct scene *s = *state;
	add_rule(s, "onprem", POLICY_RULE_FORWARD, "corp.test.", EVERY);
	struct zone *dev = add_zone(s, "dev.corp.test.", EVERY);
	build(s);
	assert_true(zones_answer(view(s, 0), "www.dev.corp.test."));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_ptr_equal(ans.zone, dev);
	assert_false(zones_answer(view(s, 0), "www.corp.test."));
}

static void test_cname_into_a_name_a_rule_takes_leaves_the_zones(void **state)
{
	struct scene *s = *state;
	static const char *const recs[] = { "www 300 IN CNAME host.onprem.corp.test.", NULL };
	add_zone_with(s, "corp.test.", EVERY, recs);
	add_rule(s, "onprem", POLICY_RULE_FORWARD, "onprem.corp.test.", EVERY);
	build(s);
	assert_true(zones_answer(view(s, 0), "www.corp.test."));
	assert_int_equal(ans.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ans.n_answer, 1);
	assert_int_equal(ans.answer[0].rrset->type, DNS_TYPE_CNAME);
	/* the chain goes on outside the zones (through the rule), not as NXDOMAIN from corp */
	assert_non_null(ans.leaves);
	assert_string_equal(text_of(ans.leaves), "host.onprem.corp.test.");
}

/* Over many names of one scene: the decision says POLICY_ZONE exactly when the view's zoneset
 * finds that zone, so what test-answer explains is what the client gets. */
static void test_decision_and_view_zones_agree(void **state)
{
	struct scene *s = *state;
	add_vpc(s, "app", NET_10_1, true);
	add_vpc(s, "lab", NET_10_2, true);
	add_zone(s, "corp.test.", EVERY);
	add_zone(s, "dev.onprem.corp.test.", ONLY(VPC_0));
	add_zone(s, "10.in-addr.arpa.", ONLY(VPC_1));
	add_builtin(s, "10.in-addr.arpa.");
	add_builtin(s, "localhost.");
	add_rule(s, "onprem", POLICY_RULE_FORWARD, "onprem.corp.test.", EVERY);
	add_rule(s, "aws", POLICY_RULE_SYSTEM, "aws.onprem.corp.test.", ONLY(VPC_0));
	add_rule(s, "rev", POLICY_RULE_FORWARD, "2.10.in-addr.arpa.", ONLY(VPC_1));
	add_rule(s, "all", POLICY_RULE_FORWARD, ".", ONLY(VPC_1));
	add_rule(s, "lab-corp", POLICY_RULE_SYSTEM, "corp.test.", ONLY(VPC_1));
	build(s);
	static const char *const names[] = {
		"corp.test.", "www.corp.test.", "onprem.corp.test.", "a.onprem.corp.test.",
		"dev.onprem.corp.test.", "x.dev.onprem.corp.test.", "aws.onprem.corp.test.",
		"x.aws.onprem.corp.test.", "1.1.1.10.in-addr.arpa.", "1.1.2.10.in-addr.arpa.",
		"2.10.in-addr.arpa.", "10.in-addr.arpa.", "localhost.", "www.example.com.", ".",
	};
	for (size_t vi = 0; vi < s->p.n_views; vi++)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const struct policy_view *v = view(s, vi);
			uint8_t n[WIRE_NAME_MAX];
			name_of(names[i], n);
			struct policy_decision d = decide(v, names[i]);
			const struct zone *z = zoneset_find(&v->zones, n);
			if ((d.kind == POLICY_ZONE) != (z != NULL) ||
			    (d.kind == POLICY_ZONE && d.zone != z))
				fail_msg("%s in view %zu: decision %s, zoneset %s", names[i], vi,
					 kind_text(d.kind), z ? text_of(z->apex) : "none");
		}
}

/* ---- the explanation ---- */

static void test_explain_names_the_winner_and_what_lost(void **state)
{
	struct scene *s = *state;
	add_zone(s, "corp.test.", EVERY);
	add_zone(s, "dev.onprem.test.", EVERY);
	add_zone(s, "solo.test.", EVERY);
	add_rule(s, "same-name", POLICY_RULE_FORWARD, "corp.test.", EVERY);
	add_rule(s, "onprem-fwd", POLICY_RULE_FORWARD, "onprem.test.", EVERY);
	add_rule(s, "aws-sys", POLICY_RULE_SYSTEM, "aws.corp.test.", EVERY);
	add_rule(s, "lonely", POLICY_RULE_FORWARD, "lonely.example.", EVERY);
	build(s);
	const struct policy_view *v = view(s, 0);
	const char *e;

	/* a zone more specific than a rule: both named */
	e = explain(v, "www.dev.onprem.test.");
	assert_says(e, "private zone dev.onprem.test.");
	assert_says(e, "more specific than");
	assert_says(e, "onprem-fwd");
	assert_says(e, "onprem.test.");

	/* a zone alone */
	e = explain(v, "www.solo.test.");
	assert_says(e, "private zone solo.test.");
	assert_says(e, "no rule");

	/* a rule at the same name as a zone */
	e = explain(v, "www.corp.test.");
	assert_says(e, "forward rule same-name (corp.test.)");
	assert_says(e, "same name");
	assert_says(e, "private zone corp.test.");

	/* a system rule more specific than a zone */
	e = explain(v, "db.aws.corp.test.");
	assert_says(e, "system rule aws-sys (aws.corp.test.)");
	assert_says(e, "more specific than private zone corp.test.");

	/* a rule alone */
	e = explain(v, "x.lonely.example.");
	assert_says(e, "forward rule lonely (lonely.example.)");
	assert_says(e, "most specific match");
	if (strstr(e, "zone"))
		fail_msg("'%s' names a zone where none lost", e);

	/* nothing */
	e = explain(v, "www.example.org.");
	assert_says(e, "implicit recursive rule");
	assert_says(e, "\".\"");
}

static void test_explain_is_cut_to_the_buffer(void **state)
{
	struct scene *s = *state;
	add_zone(s, "dev.corp.test.", EVERY);
	add_rule(s, "a-rather-long-rule-name", POLICY_RULE_FORWARD, "corp.test.", EVERY);
	build(s);
	struct policy_decision d = decide(view(s, 0), "www.dev.corp.test.");
	char buf[24];
	memset(buf, 'x', sizeof(buf));
	policy_explain(&d, buf, 16);
	assert_int_equal(strlen(buf), 15);
	assert_int_equal(buf[16], 'x'); /* nothing written past the size given */
}

/* Priming is pointless only when every view forwards every name. */
static void test_forwarding_everything_is_known_per_policy(void **state)
{
	struct scene *s = *state;
	static const char *const lab[] = { "10.0.0.0/16", NULL };
	add_vpc(s, "lab", lab, false);
	add_rule(s, "all", POLICY_RULE_FORWARD, ".", EVERY);
	build(s);
	assert_true(policy_forwards_everything(&s->p));
	policy_clear(&s->p);
	/* a system rule somewhere: that view resolves from the root */
	add_rule(s, "carve", POLICY_RULE_SYSTEM, "aws.example.", (struct policy_assoc){
		false, VPC_0, 1 });
	build(s);
	assert_false(policy_forwards_everything(&s->p));
	policy_clear(&s->p);
	/* "." forwarded for the VPC only: the default view recurses */
	s->rules[0].assoc = (struct policy_assoc){ false, VPC_0, 1 };
	s->n_rules = 1;
	build(s);
	assert_false(policy_forwards_everything(&s->p));
	policy_clear(&s->p);
	/* a forward rule below the root only */
	s->n_rules = 0;
	add_rule(s, "corp", POLICY_RULE_FORWARD, "corp.example.", EVERY);
	build(s);
	assert_false(policy_forwards_everything(&s->p));
}

#define SCENE_TEST(f) cmocka_unit_test_setup_teardown(f, scene_setup, scene_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCENE_TEST(test_most_specific_zone_wins_among_zones),
		SCENE_TEST(test_most_specific_rule_wins_among_rules),
		SCENE_TEST(test_rule_beats_zone_at_the_same_name),
		SCENE_TEST(test_system_rule_beats_zone_at_the_same_name),
		SCENE_TEST(test_zone_more_specific_than_forward_rule_wins),
		SCENE_TEST(test_forward_rule_more_specific_than_zone_wins),
		SCENE_TEST(test_system_rule_under_forward_rule_resolves_only_its_subdomain),
		SCENE_TEST(test_nothing_configured_is_recursive),
		SCENE_TEST(test_forwarding_everything_is_known_per_policy),
		SCENE_TEST(test_forward_rule_for_the_root_covers_everything_but_a_zone_beats_it),
		SCENE_TEST(test_rule_and_zone_for_every_client_are_in_every_view),
		SCENE_TEST(test_association_with_one_vpc_is_only_in_that_view),
		SCENE_TEST(test_association_with_several_vpcs_skips_the_others),
		SCENE_TEST(test_split_horizon_zones_of_one_name_answer_per_view),
		SCENE_TEST(test_rules_of_one_domain_for_different_vpcs),
		cmocka_unit_test(test_assoc_has_every_or_listed_vpcs),
		SCENE_TEST(test_views_carry_their_vpc_and_dnssec_switch),
		SCENE_TEST(test_default_view_without_dnssec),
		SCENE_TEST(test_view_named_finds_vpcs_only),
		cmocka_unit_test(test_client_most_specific_prefix_wins_across_vpcs),
		SCENE_TEST(test_client_carved_out_of_a_wider_vpc_with_several_ranges),
		SCENE_TEST(test_client_ipv6_prefixes),
		SCENE_TEST(test_client_ipv4_mapped_ipv6_is_matched_as_ipv4),
		SCENE_TEST(test_client_in_no_vpc_gets_the_default_view),
		SCENE_TEST(test_builtin_zones_are_in_every_view),
		SCENE_TEST(test_private_zone_replaces_builtin_only_in_its_views),
		SCENE_TEST(test_private_zone_for_every_client_replaces_builtin_everywhere),
		SCENE_TEST(test_private_zone_below_a_builtin_does_not_replace_it),
		SCENE_TEST(test_builtin_zone_answers_through_the_view_zoneset),
		SCENE_TEST(test_view_zones_do_not_answer_names_a_more_specific_rule_takes),
		SCENE_TEST(test_view_zones_do_not_answer_names_a_rule_at_the_same_name_takes),
		SCENE_TEST(test_view_zones_answer_a_zone_more_specific_than_a_rule),
		SCENE_TEST(test_cname_into_a_name_a_rule_takes_leaves_the_zones),
		SCENE_TEST(test_decision_and_view_zones_agree),
		SCENE_TEST(test_explain_names_the_winner_and_what_lost),
		SCENE_TEST(test_explain_is_cut_to_the_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
