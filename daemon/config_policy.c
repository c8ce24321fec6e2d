/*
 * config_policy — the Route 53 Resolver sections: vpcs: (client networks), rules: (forward |
 * system) and the `vpcs:` association of rules and private zones. VPC names may be used
 * before the vpcs: section that defines them, so associations are resolved once the whole
 * file is read (conf_build_policy), with the place each name was written for errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_internal.h"

static char *dup_text(const char *s)
{
	return s ? strdup(s) : NULL;
}

static bool is_empty(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0;
}

void conf_parse_assoc(struct conf_parser *p, yaml_node_t *node, struct conf_assoc *out,
		      const char *what)
{
	out->every = false;
	if (!node) {
		out->every = true;
		return;
	}
	if (node->type == YAML_MAPPING_NODE || is_empty(node)) {
		conf_error(p, node, "%s: vpcs must be a list of VPC names", what);
		return;
	}
	size_t n = conf_seq_len(node);
	if (n == 0) {
		conf_error(p, node, "%s: vpcs is empty (leave the key out for every client)", what);
		return;
	}
	out->refs = calloc(n, sizeof(*out->refs));
	if (!out->refs)
		return;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *v = conf_seq_item(p, node, i);
		const char *s = v ? conf_scalar(p, v, "a VPC name") : NULL;
		if (!s)
			continue;
		struct conf_vpc_ref *r = &out->refs[out->n_refs++];
		r->name = dup_text(s);
		r->line = (int)v->start_mark.line + 1;
		r->col = (int)v->start_mark.column + 1;
	}
}

void conf_assoc_free(struct conf_assoc *a)
{
	for (size_t i = 0; i < a->n_refs; i++)
		free(a->refs[i].name);
	free(a->refs);
	free(a->vpcs);
	memset(a, 0, sizeof(*a));
}

/* The text of a required key; NULL (reported) when missing or not a scalar. */
static const char *required(struct conf_parser *p, yaml_node_t *map, const char *key,
			    const char *what, yaml_node_t **node)
{
	yaml_node_t *n = conf_map_get(p, map, key);
	if (node)
		*node = n;
	if (!n) {
		conf_error(p, map, "%s needs %s", what, key);
		return NULL;
	}
	const char *s = conf_scalar(p, n, key);
	if (s && !*s) {
		conf_error(p, n, "%s: %s is empty", what, key);
		return NULL;
	}
	return s;
}

/* One vpcs: entry {name, id, cidrs, dnssec-validation}. */
static bool parse_vpc(struct conf_parser *p, yaml_node_t *e, struct cairn_config *cfg)
{
	static const char *const keys[] = { "name", "id", "cidrs", "dnssec-validation", NULL };
	if (e->type != YAML_MAPPING_NODE) {
		conf_error(p, e, "a vpcs entry must be a mapping {name, id, cidrs}");
		return false;
	}
	if (!conf_check_keys(p, e, keys, "a VPC"))
		return false;
	yaml_node_t *nn, *cn;
	const char *name = required(p, e, "name", "a VPC", &nn);
	if (!name || !conf_map_get(p, e, "cidrs")) {
		if (name)
			conf_error(p, e, "VPC %s needs cidrs", name);
		return false;
	}
	for (size_t i = 0; i < cfg->n_vpcs; i++)
		if (!strcmp(cfg->vpcs[i].name, name)) {
			conf_error(p, nn, "duplicate VPC %s (first at line %d)", name,
				   cfg->vpc_lines[i]);
			return false;
		}
	cn = conf_map_get(p, e, "cidrs");
	size_t n = conf_seq_len(cn);
	if (cn->type == YAML_MAPPING_NODE || is_empty(cn) || n == 0) {
		conf_error(p, cn, "VPC %s: cidrs must be a list of prefixes like 10.0.0.0/16", name);
		return false;
	}
	struct cidr *cidrs = calloc(n, sizeof(*cidrs));
	if (!cidrs)
		return false;
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *v = conf_seq_item(p, cn, i);
		const char *s = v ? conf_scalar(p, v, "a CIDR") : NULL;
		char err[160];
		if (!s || cidr_parse(s, &cidrs[i], err, sizeof(err)) < 0) {
			if (s)
				conf_error(p, v, "VPC %s: %s", name, err);
			ok = false;
			continue;
		}
		/* The same prefix in two VPCs would make the client's VPC a matter of order. */
		for (size_t k = 0; k < cfg->n_vpcs; k++)
			for (size_t j = 0; j < cfg->vpcs[k].n_cidrs; j++) {
				const struct cidr *o = &cfg->vpcs[k].cidrs[j];
				if (o->family == cidrs[i].family && o->prefix == cidrs[i].prefix &&
				    !memcmp(o->addr, cidrs[i].addr, sizeof(o->addr))) {
					conf_error(p, v, "VPC %s: %s is already a range of VPC %s",
						   name, s, cfg->vpcs[k].name);
					ok = false;
				}
			}
	}
	int8_t dnssec = -1;
	yaml_node_t *dn = conf_map_get(p, e, "dnssec-validation");
	if (dn) {
		const char *s = conf_scalar(p, dn, "dnssec-validation");
		bool b;
		if (!s || conf_parse_bool_text(s, &b) < 0) {
			if (s)
				conf_error(p, dn, "dnssec-validation must be true or false, not '%s'",
					   s);
			ok = false;
		} else {
			dnssec = b;
		}
	}
	yaml_node_t *idn = conf_map_get(p, e, "id");
	const char *id = idn ? conf_scalar(p, idn, "a VPC id") : name;
	if (!ok || !id) {
		free(cidrs);
		return false;
	}
	struct policy_vpc *v = &cfg->vpcs[cfg->n_vpcs];
	v->name = dup_text(name);
	v->id = dup_text(id);
	v->cidrs = cidrs;
	v->n_cidrs = n;
	cfg->vpc_dnssec[cfg->n_vpcs] = dnssec;
	cfg->vpc_lines[cfg->n_vpcs] = (int)nn->start_mark.line + 1;
	cfg->n_vpcs++;
	return true;
}

static void free_vpcs(struct cairn_config *cfg)
{
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		free((char *)cfg->vpcs[i].name);
		free((char *)cfg->vpcs[i].id);
		free((struct cidr *)cfg->vpcs[i].cidrs);
	}
	free(cfg->vpcs);
	free(cfg->vpc_dnssec);
	free(cfg->vpc_lines);
	cfg->vpcs = NULL;
	cfg->vpc_dnssec = NULL;
	cfg->vpc_lines = NULL;
	cfg->n_vpcs = 0;
}

int conf_parse_vpcs(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	free_vpcs(cfg);
	if (is_empty(node))
		return 0;
	if (!conf_expect_sequence(p, node, "vpcs"))
		return -1;
	size_t n = conf_seq_len(node);
	cfg->vpcs = calloc(n ? n : 1, sizeof(*cfg->vpcs));
	cfg->vpc_dnssec = calloc(n ? n : 1, sizeof(*cfg->vpc_dnssec));
	cfg->vpc_lines = calloc(n ? n : 1, sizeof(*cfg->vpc_lines));
	if (!cfg->vpcs || !cfg->vpc_dnssec || !cfg->vpc_lines)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *e = conf_seq_item(p, node, i);
		if (e)
			parse_vpc(p, e, cfg);
	}
	return 0;
}

/* targets: of a forward rule: ADDR or ADDR@PORT, IPv4 or IPv6. */
static bool parse_targets(struct conf_parser *p, yaml_node_t *tn, struct policy_rule *r)
{
	size_t n = conf_seq_len(tn);
	if (tn->type == YAML_MAPPING_NODE || is_empty(tn) || n == 0) {
		conf_error(p, tn, "forward rule %s: targets must be a list of ADDR or ADDR@PORT",
			   r->name);
		return false;
	}
	if (n > POLICY_TARGETS_MAX) {
		conf_error(p, tn, "forward rule %s: %zu targets, at most %d", r->name, n,
			   POLICY_TARGETS_MAX);
		return false;
	}
	struct netaddr *t = calloc(n, sizeof(*t));
	if (!t)
		return false;
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *v = conf_seq_item(p, tn, i);
		const char *s = v ? conf_scalar(p, v, "a target") : NULL;
		char err[160];
		if (!s || netaddr_parse(s, 53, &t[i], err, sizeof(err)) < 0) {
			if (s)
				conf_error(p, v, "forward rule %s: bad target '%s': %s", r->name, s,
					   err);
			ok = false;
		} else if (t[i].port == 0) {
			conf_error(p, v, "forward rule %s: target '%s' has port 0", r->name, s);
			ok = false;
		}
	}
	if (!ok) {
		free(t);
		return false;
	}
	r->targets = t;
	r->n_targets = n;
	return true;
}

/* One rules: entry {name, type, domain, targets, vpcs, validate}. */
static bool parse_rule(struct conf_parser *p, yaml_node_t *e, struct cairn_config *cfg)
{
	static const char *const keys[] = { "name", "type", "domain", "targets", "vpcs",
					     "validate", NULL };
	if (e->type != YAML_MAPPING_NODE) {
		conf_error(p, e, "a rules entry must be a mapping {name, type, domain, ...}");
		return false;
	}
	if (!conf_check_keys(p, e, keys, "a rule"))
		return false;
	yaml_node_t *nn, *tyn, *dn;
	const char *name = required(p, e, "name", "a rule", &nn);
	const char *type = name ? required(p, e, "type", "a rule", &tyn) : NULL;
	const char *domain = type ? required(p, e, "domain", "a rule", &dn) : NULL;
	if (!domain)
		return false;
	for (size_t i = 0; i < cfg->n_rules; i++)
		if (!strcmp(cfg->rules[i].name, name)) {
			conf_error(p, nn, "duplicate rule name %s (first at line %d)", name,
				   cfg->rule_assoc[i].line);
			return false;
		}
	struct policy_rule *r = &cfg->rules[cfg->n_rules];
	memset(r, 0, sizeof(*r));
	r->name = name;
	if (!strcmp(type, "forward")) {
		r->type = POLICY_RULE_FORWARD;
	} else if (!strcmp(type, "system")) {
		r->type = POLICY_RULE_SYSTEM;
	} else {
		conf_error(p, tyn, "rule %s: unknown type '%s' (use forward or system)", name, type);
		return false;
	}
	if (conf_domain_name(domain, r->domain) < 0) {
		conf_error(p, dn, "rule %s: '%s' is not a valid domain name", name, domain);
		return false;
	}
	wire_name_lower(r->domain);
	yaml_node_t *tn = conf_map_get(p, e, "targets"), *vn = conf_map_get(p, e, "validate");
	r->validate = true;
	if (r->type == POLICY_RULE_SYSTEM && (tn || vn)) {
		conf_error(p, tn ? tn : vn, "system rule %s resolves recursively: it takes no %s",
			   name, tn ? "targets" : "validate");
		return false;
	}
	if (r->type == POLICY_RULE_FORWARD && !tn) {
		conf_error(p, e, "forward rule %s needs targets", name);
		return false;
	}
	if (vn) {
		const char *s = conf_scalar(p, vn, "validate");
		if (!s || conf_parse_bool_text(s, &r->validate) < 0) {
			if (s)
				conf_error(p, vn, "validate must be true or false, not '%s'", s);
			return false;
		}
	}
	if (tn && !parse_targets(p, tn, r))
		return false;
	struct conf_assoc *a = &cfg->rule_assoc[cfg->n_rules];
	memset(a, 0, sizeof(*a));
	char what[256];
	snprintf(what, sizeof(what), "rule %s", name);
	conf_parse_assoc(p, conf_map_get(p, e, "vpcs"), a, what);
	a->line = (int)nn->start_mark.line + 1;
	a->col = (int)nn->start_mark.column + 1;
	r->name = dup_text(name);
	cfg->n_rules++;
	return true;
}

static void free_rules(struct cairn_config *cfg)
{
	for (size_t i = 0; i < cfg->n_rules; i++) {
		free((char *)cfg->rules[i].name);
		free((struct netaddr *)cfg->rules[i].targets);
		conf_assoc_free(&cfg->rule_assoc[i]);
	}
	free(cfg->rules);
	free(cfg->rule_assoc);
	cfg->rules = NULL;
	cfg->rule_assoc = NULL;
	cfg->n_rules = 0;
}

int conf_parse_rules(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	free_rules(cfg);
	if (is_empty(node))
		return 0;
	if (!conf_expect_sequence(p, node, "rules"))
		return -1;
	size_t n = conf_seq_len(node);
	cfg->rules = calloc(n ? n : 1, sizeof(*cfg->rules));
	cfg->rule_assoc = calloc(n ? n : 1, sizeof(*cfg->rule_assoc));
	if (!cfg->rules || !cfg->rule_assoc)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *e = conf_seq_item(p, node, i);
		if (e)
			parse_rule(p, e, cfg);
	}
	return 0;
}

/* Turn the written VPC names into indices; unknown names are errors where they were
 * written. */
static void resolve_assoc(struct conf_parser *p, const struct cairn_config *cfg,
			  struct conf_assoc *a, const char *what)
{
	if (a->every)
		return;
	a->vpcs = calloc(a->n_refs ? a->n_refs : 1, sizeof(*a->vpcs));
	if (!a->vpcs)
		return;
	for (size_t i = 0; i < a->n_refs; i++) {
		size_t k = 0;
		while (k < cfg->n_vpcs && strcmp(cfg->vpcs[k].name, a->refs[i].name))
			k++;
		if (k == cfg->n_vpcs) {
			conf_error_at(p, (size_t)a->refs[i].line, (size_t)a->refs[i].col,
				      "%s names VPC '%s', which is not in vpcs", what,
				      a->refs[i].name);
			continue;
		}
		a->vpcs[a->n++] = (uint32_t)k;
	}
}

/* A client that both associations reach: the VPC's name, "every client", or NULL. */
static const char *shared_client(const struct cairn_config *cfg, const struct conf_assoc *a,
				 const struct conf_assoc *b)
{
	if (a->every && b->every)
		return "every client";
	if (a->every || b->every) {
		const struct conf_assoc *some = a->every ? b : a;
		return some->n ? cfg->vpcs[some->vpcs[0]].name : NULL;
	}
	for (size_t i = 0; i < a->n; i++)
		for (size_t k = 0; k < b->n; k++)
			if (a->vpcs[i] == b->vpcs[k])
				return cfg->vpcs[a->vpcs[i]].name;
	return NULL;
}

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const uint8_t *b = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static uint64_t assoc_digest(uint64_t h, const struct conf_assoc *a)
{
	h = fnv(h, &a->every, sizeof(a->every));
	return fnv(h, a->vpcs, a->n * sizeof(*a->vpcs));
}

/* What the per-view caches depend on: VPCs, rules, their associations and switches. */
static uint64_t policy_digest(const struct cairn_config *cfg)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		const struct policy_vpc *v = &cfg->vpcs[i];
		h = fnv(h, v->name, strlen(v->name) + 1);
		h = fnv(h, v->cidrs, v->n_cidrs * sizeof(*v->cidrs));
		h = fnv(h, &v->dnssec, sizeof(v->dnssec));
	}
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct policy_rule *r = &cfg->rules[i];
		h = fnv(h, r->name, strlen(r->name) + 1);
		h = fnv(h, &r->type, sizeof(r->type));
		h = fnv(h, r->domain, wire_name_len(r->domain));
		h = fnv(h, r->targets, r->n_targets * sizeof(*r->targets));
		h = fnv(h, &r->validate, sizeof(r->validate));
		h = assoc_digest(h, &cfg->rule_assoc[i]);
	}
	for (size_t i = 0; i < cfg->n_zones; i++) {
		h = fnv(h, cfg->zones[i]->apex, wire_name_len(cfg->zones[i]->apex));
		h = assoc_digest(h, &cfg->zone_assoc[i]);
	}
	return h;
}

int conf_build_policy(struct conf_parser *p, struct cairn_config *cfg)
{
	char what[WIRE_NAME_TEXT_MAX + 64];
	for (size_t i = 0; i < cfg->n_vpcs; i++)
		cfg->vpcs[i].dnssec = cfg->vpc_dnssec[i] < 0 ? cfg->dnssec_validation
							    : cfg->vpc_dnssec[i] > 0;
	for (size_t i = 0; i < cfg->n_rules; i++) {
		snprintf(what, sizeof(what), "rule %s", cfg->rules[i].name);
		resolve_assoc(p, cfg, &cfg->rule_assoc[i], what);
		cfg->rules[i].assoc = (struct policy_assoc){ cfg->rule_assoc[i].every,
							     cfg->rule_assoc[i].vpcs,
							     cfg->rule_assoc[i].n };
		cfg->rules[i].part = cfg->rules[i].type == POLICY_RULE_FORWARD ? (uint16_t)(i + 1)
									     : 0;
	}
	for (size_t i = 0; i < cfg->n_zones; i++) {
		char apex[WIRE_NAME_TEXT_MAX];
		wire_name_to_text(cfg->zones[i]->apex, apex, sizeof(apex));
		snprintf(what, sizeof(what), "private zone %s", apex);
		resolve_assoc(p, cfg, &cfg->zone_assoc[i], what);
	}
	if (p->errs->count)
		return -1;
	/* Route 53 refuses two rules for one domain, or two private zones of one name, that
	 * reach the same VPC: which would answer? */
	for (size_t i = 0; i < cfg->n_rules; i++)
		for (size_t k = 0; k < i; k++) {
			const char *who = shared_client(cfg, &cfg->rule_assoc[i], &cfg->rule_assoc[k]);
			if (!who || !wire_name_equal(cfg->rules[i].domain, cfg->rules[k].domain))
				continue;
			wire_name_to_text(cfg->rules[i].domain, what, sizeof(what));
			conf_error_at(p, (size_t)cfg->rule_assoc[i].line,
				      (size_t)cfg->rule_assoc[i].col,
				      "rules %s and %s are both for %s and both reach %s",
				      cfg->rules[k].name, cfg->rules[i].name, what, who);
		}
	for (size_t i = 0; i < cfg->n_zones; i++)
		for (size_t k = 0; k < i; k++) {
			const char *who = shared_client(cfg, &cfg->zone_assoc[i], &cfg->zone_assoc[k]);
			if (!who || !wire_name_equal(cfg->zones[i]->apex, cfg->zones[k]->apex))
				continue;
			wire_name_to_text(cfg->zones[i]->apex, what, sizeof(what));
			conf_error_at(p, (size_t)cfg->zone_assoc[i].line,
				      (size_t)cfg->zone_assoc[i].col,
				      "duplicate private zone %s (first at line %d): both reach %s",
				      what, cfg->zone_assoc[k].line, who);
		}
	if (p->errs->count)
		return -1;
	struct policy_assoc *za = calloc(cfg->n_zones ? cfg->n_zones : 1, sizeof(*za));
	if (!za) {
		conf_error(p, NULL, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_zones; i++)
		za[i] = (struct policy_assoc){ cfg->zone_assoc[i].every, cfg->zone_assoc[i].vpcs,
					       cfg->zone_assoc[i].n };
	int rc = policy_build(&cfg->policy, cfg->vpcs, cfg->n_vpcs, cfg->rules, cfg->n_rules,
			      (const struct zone *const *)cfg->zones, za, cfg->n_zones,
			      (const struct zone *const *)cfg->builtins, cfg->n_builtins,
			      cfg->dnssec_validation);
	free(za);
	if (rc < 0) {
		conf_error(p, NULL, "out of memory");
		return -1;
	}
	cfg->policy_digest = policy_digest(cfg);
	return 0;
}

void conf_free_policy(struct cairn_config *cfg)
{
	policy_clear(&cfg->policy);
	free_rules(cfg);
	free_vpcs(cfg);
}
