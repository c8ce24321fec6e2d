/* policy — views, rules and the decision for a question (see policy.h). */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool policy_assoc_has(const struct policy_assoc *a, long vpc)
{
	if (a->every)
		return true;
	for (size_t i = 0; vpc >= 0 && i < a->n; i++)
		if (a->vpcs[i] == (uint32_t)vpc)
			return true;
	return false;
}

/* Deeper rules first: the first rule that covers a name is then the most specific. */
static int cmp_rule_depth(const void *a, const void *b)
{
	const struct policy_rule *x = *(const struct policy_rule *const *)a;
	const struct policy_rule *y = *(const struct policy_rule *const *)b;
	unsigned lx = wire_name_labels(x->domain), ly = wire_name_labels(y->domain);
	return lx != ly ? (lx > ly ? -1 : 1) : wire_name_compare(x->domain, y->domain);
}

static int cmp_net(const void *a, const void *b)
{
	const struct policy_net *x = a, *y = b;
	if (x->net.family != y->net.family)
		return x->net.family == AF_INET ? -1 : 1;
	return x->net.prefix != y->net.prefix ? (x->net.prefix > y->net.prefix ? -1 : 1) : 0;
}

static bool has_apex(const struct zone *const *zs, size_t n, const uint8_t *apex)
{
	for (size_t i = 0; i < n; i++)
		if (wire_name_equal(zs[i]->apex, apex))
			return true;
	return false;
}

/* Route 53's selection for a name a zone holds: does a rule at least as specific as the
 * zone take it? */
static bool rule_takes(const void *ctx, const uint8_t *name, const struct zone *z)
{
	const struct policy_rule *r = policy_rule_for(ctx, name);
	return r && wire_name_labels(r->domain) >= wire_name_labels(z->apex);
}

/* One view: its rules and its zones. vpc < 0 is the default view. */
static int build_view(struct policy_view *v, long vpc, const struct policy_rule *rules,
		      size_t n_rules, const struct zone *const *zones,
		      const struct policy_assoc *zone_assoc, size_t n_zones,
		      const struct zone *const *builtins, size_t n_builtins)
{
	v->rules = calloc(n_rules ? n_rules : 1, sizeof(*v->rules));
	const struct zone **all = calloc(n_zones + n_builtins + 1, sizeof(*all));
	if (!v->rules || !all) {
		free(all);
		return -1;
	}
	for (size_t i = 0; i < n_rules; i++)
		if (policy_assoc_has(&rules[i].assoc, vpc))
			v->rules[v->n_rules++] = &rules[i];
	qsort(v->rules, v->n_rules, sizeof(*v->rules), cmp_rule_depth);
	size_t n = 0;
	for (size_t i = 0; i < n_zones; i++)
		if (policy_assoc_has(&zone_assoc[i], vpc))
			all[n++] = zones[i];
	size_t n_private = n;
	/* A private zone of the same name replaces a built-in one, in the views it is in. */
	for (size_t i = 0; i < n_builtins; i++)
		if (!has_apex(all, n_private, builtins[i]->apex))
			all[n++] = builtins[i];
	int rc = zoneset_init(&v->zones, all, n);
	free(all);
	if (v->n_rules) {
		v->zones.shadowed = rule_takes;
		v->zones.shadow_ctx = v;
	}
	return rc;
}

int policy_build(struct policy *p, const struct policy_vpc *vpcs, size_t n_vpcs,
		 const struct policy_rule *rules, size_t n_rules, const struct zone *const *zones,
		 const struct policy_assoc *zone_assoc, size_t n_zones,
		 const struct zone *const *builtins, size_t n_builtins, bool default_dnssec)
{
	memset(p, 0, sizeof(*p));
	p->views = calloc(n_vpcs + 1, sizeof(*p->views));
	size_t n_nets = 0;
	for (size_t i = 0; i < n_vpcs; i++)
		n_nets += vpcs[i].n_cidrs;
	p->nets = calloc(n_nets ? n_nets : 1, sizeof(*p->nets));
	if (!p->views || !p->nets) {
		policy_clear(p);
		return -1;
	}
	p->n_views = n_vpcs + 1;
	for (size_t i = 0; i < p->n_views; i++) {
		struct policy_view *v = &p->views[i];
		v->index = (uint32_t)i;
		v->vpc = i ? &vpcs[i - 1] : NULL;
		v->dnssec = i ? vpcs[i - 1].dnssec : default_dnssec;
		if (build_view(v, (long)i - 1, rules, n_rules, zones, zone_assoc, n_zones, builtins,
			       n_builtins) < 0) {
			policy_clear(p);
			return -1;
		}
	}
	for (size_t i = 0; i < n_vpcs; i++)
		for (size_t k = 0; k < vpcs[i].n_cidrs; k++)
			p->nets[p->n_nets++] = (struct policy_net){ vpcs[i].cidrs[k],
								    (uint32_t)i + 1 };
	/* Route 53 picks the VPC whose range holds the client; here the longest prefix wins,
	 * so a /24 carved out of another VPC's /16 is its own network. The sort is stable
	 * enough: equal prefixes of two VPCs are refused by the config. */
	qsort(p->nets, p->n_nets, sizeof(*p->nets), cmp_net);
	return 0;
}

void policy_clear(struct policy *p)
{
	for (size_t i = 0; p->views && i < p->n_views; i++) {
		free(p->views[i].rules);
		zoneset_clear(&p->views[i].zones);
	}
	free(p->views);
	free(p->nets);
	memset(p, 0, sizeof(*p));
}

const struct policy_view *policy_view_for(const struct policy *p, int family,
					  const uint8_t *addr)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (family == AF_INET6 && memcmp(addr, mapped, sizeof(mapped)) == 0) {
		family = AF_INET;
		addr += 12;
	}
	for (size_t i = 0; i < p->n_nets; i++)
		if (cidr_contains(&p->nets[i].net, family, addr))
			return &p->views[p->nets[i].view];
	return &p->views[0];
}

const struct policy_view *policy_view_named(const struct policy *p, const char *name)
{
	for (size_t i = 1; i < p->n_views; i++)
		if (!strcmp(p->views[i].vpc->name, name))
			return &p->views[i];
	return NULL;
}

const struct policy_rule *policy_rule_for(const struct policy_view *v, const uint8_t *name)
{
	for (size_t i = 0; i < v->n_rules; i++)
		if (wire_name_is_subdomain(name, v->rules[i]->domain))
			return v->rules[i];
	return NULL;
}

bool policy_forwards_everything(const struct policy *p)
{
	static const uint8_t root[1] = { 0 };
	for (size_t i = 0; i < p->n_views; i++) {
		const struct policy_view *v = &p->views[i];
		const struct policy_rule *r = policy_rule_for(v, root);
		if (!r || r->type != POLICY_RULE_FORWARD)
			return false;
		for (size_t k = 0; k < v->n_rules; k++)
			if (v->rules[k]->type == POLICY_RULE_SYSTEM)
				return false;
	}
	return p->n_views > 0;
}

void policy_decide(const struct policy_view *v, const uint8_t *name, struct policy_decision *d)
{
	memset(d, 0, sizeof(*d));
	const struct zone *z = zoneset_find_any(&v->zones, name);
	const struct policy_rule *r = policy_rule_for(v, name);
	/* The most specific domain wins; at the same name, the rule (Route 53 Resolver). */
	bool zone_wins = z && (!r || wire_name_labels(z->apex) > wire_name_labels(r->domain));
	if (zone_wins) {
		d->kind = POLICY_ZONE;
		d->zone = z;
		d->other_rule = r;
		return;
	}
	d->other_zone = z;
	d->rule = r;
	d->kind = !r ? POLICY_RECURSIVE
		     : r->type == POLICY_RULE_FORWARD ? POLICY_FORWARD : POLICY_SYSTEM;
}

void policy_explain(const struct policy_decision *d, char *buf, size_t size)
{
	char a[WIRE_NAME_TEXT_MAX], b[WIRE_NAME_TEXT_MAX];
	switch (d->kind) {
	case POLICY_ZONE:
		wire_name_to_text(d->zone->apex, a, sizeof(a));
		if (d->other_rule) {
			wire_name_to_text(d->other_rule->domain, b, sizeof(b));
			snprintf(buf, size, "private zone %s is more specific than rule %s (%s)", a,
				 d->other_rule->name, b);
		} else {
			snprintf(buf, size, "private zone %s is the most specific match; no rule "
				 "covers the name", a);
		}
		return;
	case POLICY_FORWARD:
	case POLICY_SYSTEM:
		wire_name_to_text(d->rule->domain, a, sizeof(a));
		if (d->other_zone) {
			wire_name_to_text(d->other_zone->apex, b, sizeof(b));
			snprintf(buf, size, "%s rule %s (%s) is %s private zone %s",
				 d->kind == POLICY_FORWARD ? "forward" : "system", d->rule->name, a,
				 wire_name_equal(d->rule->domain, d->other_zone->apex)
					 ? "at the same name as (a rule wins over)"
					 : "more specific than",
				 b);
		} else {
			snprintf(buf, size, "%s rule %s (%s) is the most specific match",
				 d->kind == POLICY_FORWARD ? "forward" : "system", d->rule->name, a);
		}
		return;
	case POLICY_RECURSIVE:
		snprintf(buf, size, "no rule or private zone of this view covers the name: the "
			 "implicit recursive rule for \".\" resolves it");
		return;
	}
}
