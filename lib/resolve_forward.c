/*
 * resolve_forward — names under a forward rule (Route 53 Resolver's outbound rules): the
 * question goes to the rule's targets with RD=1, the target's answer is taken whole (it
 * resolved the chain itself), and what it says is cached in the rule's own partition.
 *
 * A target is chosen at random among those not known to fail (the server table's hold-down
 * after timeouts, as for authoritative servers); a silent one is tried once more, then the
 * others; only when every target has failed within the request's time is the answer
 * SERVFAIL with EDE 22 (No Reachable Authority).
 */
#include "resolve_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/wire/dns.h"

/* The rule that decides name in this request's view: for DS, the parent side's (RFC 4035
 * §3.1.4.1: the DS of a forwarded domain's apex is the parent's to give). */
static const struct policy_rule *rule_of(const struct resolve_req *q, const uint8_t *name,
					 uint16_t type)
{
	if (!q->view || q->view->n_rules == 0)
		return NULL;
	if (type == DNS_TYPE_DS && name[0])
		name = wire_name_parent(name);
	const struct policy_rule *r = policy_rule_for(q->view, name);
	return r && r->type == POLICY_RULE_FORWARD ? r : NULL;
}

const struct policy_rule *resolve_route(struct resolve_req *q, struct frame *f)
{
	const struct policy_rule *r = rule_of(q, f->sname, f->qtype);
	f->fwd = r != NULL;
	f->part = r ? r->part : 0;
	if (r)
		snprintf(f->fwd_rule, sizeof(f->fwd_rule), "%s", r->name);
	return r;
}

void resolve_forward_dp(struct frame *f, const struct policy_rule *r)
{
	static const uint8_t root[1] = { 0 };
	/* The targets resolve for us: whatever names their answer holds is theirs to give,
	 * so the zone they speak for is the root. */
	deleg_init(&f->dp, root, root);
	for (size_t i = 0; r && i < r->n_targets && i < DELEG_NS_MAX; i++) {
		/* Each target is its own "server", named by its position for messages. */
		uint8_t name[8] = { 0 };
		int n = snprintf((char *)name + 1, sizeof(name) - 1, "t%zu", i + 1);
		name[0] = (uint8_t)n;
		int k = deleg_add_ns(&f->dp, name);
		if (k < 0)
			break;
		deleg_add_addr(&f->dp, (unsigned)k, &r->targets[i]);
		f->dp.ns[k].v4_looked = f->dp.ns[k].v6_looked = true;
	}
	/* RFC 9156 is for iteration: a forwarder gets the whole name. */
	f->qmin_off = true;
}

void resolve_forward_exhausted(struct resolve_req *q, struct frame *f)
{
	static const char *const how[] = { "timed out", "answered SERVFAIL", "answered REFUSED",
					   "gave no usable answer", "answered FORMERR",
					   "is unreachable" };
	char list[RESOLVE_EDE_TEXT_MAX] = "";
	size_t len = 0;
	for (unsigned i = 0; i < f->dp.n_tried && len < sizeof(list); i++) {
		char a[64];
		const struct deleg_try *t = &f->dp.tried[i];
		netaddr_format(&t->addr, a, sizeof(a));
		int last = t->last;
		int n = snprintf(list + len, sizeof(list) - len, "%s%s %s", i ? ", " : "", a,
				 last >= 0 && last < (int)(sizeof(how) / sizeof(how[0]))
					 ? how[last]
					 : "failed");
		if (n < 0)
			break;
		len += (size_t)n;
	}
	char name[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(f->sname, name, sizeof(name));
	if (f->dp.n_tried == 0)
		resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "forward rule %s: no usable target for %s", f->fwd_rule, name);
	else
		resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "forward rule %s: no target answered for %s: %s", f->fwd_rule,
				   name, list);
}

bool resolve_unvalidated(const struct resolve_req *q, const uint8_t *name)
{
	const struct policy_rule *r = rule_of(q, name, 0);
	return r && !r->validate;
}
