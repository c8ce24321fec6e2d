/*
 * policy — Route 53 Resolver's model of who sees what: VPCs (client networks), resolver rules
 * (forward | system) and private zones, each associated with VPCs, and the decision for one
 * question: which private zone, rule or the implicit recursive rule for "." answers it.
 *
 * Built once from the config (policy_build), then read-only. A *view* is what one client
 * network sees: view 0 is the default view (clients in no VPC: zones and rules associated
 * with every client), view i+1 is VPC i. The decision follows Route 53 Resolver's
 * documented selection: the most specific domain wins; at the same name a rule beats a
 * private zone; a system rule resolves its subdomain recursively even under a forward rule.
 *
 * The policy does not own the zones (the config does) nor the VPC and rule arrays it is
 * built from.
 */
#ifndef CAIRN_POLICY_POLICY_H
#define CAIRN_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/netaddr.h"
#include "lib/wire/name.h"
#include "lib/zone/zone.h"
#include "lib/zone/zoneset.h"

/* Targets of one forward rule: each is a "server" of the request's delegation point, which
 * holds 13 (lib/iterator/deleg.h). Route 53 allows 6. */
#define POLICY_TARGETS_MAX 13

/* Which VPCs a rule or zone is associated with. */
struct policy_assoc {
	bool every;            /* `vpcs` omitted: every client, VPC or not */
	const uint32_t *vpcs;  /* VPC indices */
	size_t n;
};

struct policy_vpc {
	const char *name;      /* vpcs[].name */
	const char *id;        /* vpcs[].id, shown in logs and test-answer */
	const struct cidr *cidrs;
	size_t n_cidrs;
	bool dnssec;           /* dnssec-validation */
};

enum policy_rule_type { POLICY_RULE_FORWARD, POLICY_RULE_SYSTEM };

struct policy_rule {
	const char *name;
	enum policy_rule_type type;
	uint8_t domain[WIRE_NAME_MAX];  /* canonical */
	const struct netaddr *targets;  /* forward: where questions go (RD=1) */
	size_t n_targets;
	bool validate;                  /* forward: DNSSEC-validate what it answers */
	uint16_t part;                  /* cache partition: forward rule k has k+1, system 0 */
	struct policy_assoc assoc;
};

struct policy_view {
	const struct policy_vpc *vpc;       /* NULL: the default view */
	uint32_t index;                     /* 0 default, i+1 for VPC i: the message cache key */
	bool dnssec;                        /* validate answers for this view */
	const struct policy_rule **rules;   /* associated rules, most labels first */
	size_t n_rules;
	struct zoneset zones;               /* associated private zones + built-in zones */
};

/* One VPC prefix, for classifying clients: most specific first. */
struct policy_net {
	struct cidr net;
	uint32_t view;
};

struct policy {
	struct policy_view *views;          /* n_vpcs + 1 */
	size_t n_views;
	struct policy_net *nets;
	size_t n_nets;
};

/* What answers a question. */
enum policy_kind {
	POLICY_ZONE,        /* a private (or built-in) zone answers it */
	POLICY_FORWARD,     /* a forward rule: ask its targets with RD=1 */
	POLICY_SYSTEM,      /* a system rule: resolve recursively */
	POLICY_RECURSIVE,   /* nothing more specific than the implicit rule for "." */
};

struct policy_decision {
	enum policy_kind kind;
	const struct zone *zone;            /* POLICY_ZONE */
	const struct policy_rule *rule;     /* POLICY_FORWARD / POLICY_SYSTEM */
	/* What lost, for explanations: the most specific candidate of the other sort. */
	const struct zone *other_zone;
	const struct policy_rule *other_rule;
};

/* Build the views. zones[i] is associated as zone_assoc[i]; builtins are in every view,
 * except where an associated private zone has the same apex. default_dnssec is the
 * dnssec-validation of the default view. Returns 0, -1 when out of memory. */
int policy_build(struct policy *p, const struct policy_vpc *vpcs, size_t n_vpcs,
		 const struct policy_rule *rules, size_t n_rules, const struct zone *const *zones,
		 const struct policy_assoc *zone_assoc, size_t n_zones,
		 const struct zone *const *builtins, size_t n_builtins, bool default_dnssec);
void policy_clear(struct policy *p);

/* Is this association true of VPC index vpc (or of the default view when vpc < 0)? */
bool policy_assoc_has(const struct policy_assoc *a, long vpc);

/* The view of a client address: the VPC with the most specific matching prefix, else the
 * default view. An IPv4-mapped IPv6 address is matched as IPv4. */
const struct policy_view *policy_view_for(const struct policy *p, int family,
					  const uint8_t *addr);

/* The view of a VPC by name, NULL when none has it. */
const struct policy_view *policy_view_named(const struct policy *p, const char *name);

/* The most specific rule of a view for name (canonical), or NULL (the implicit "." rule). */
const struct policy_rule *policy_rule_for(const struct policy_view *v, const uint8_t *name);

/* The decision for a question name (canonical) in a view. */
void policy_decide(const struct policy_view *v, const uint8_t *name,
		   struct policy_decision *d);

/* Does every view forward every name (a forward rule for "." and no system rule)? Then
 * nothing is resolved from the root, and priming it would only send queries nobody needs. */
bool policy_forwards_everything(const struct policy *p);

/* One line saying why the decision went that way (for test-answer and traces). */
void policy_explain(const struct policy_decision *d, char *buf, size_t size);

#endif
