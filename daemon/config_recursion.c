/*
 * config_recursion — the structured values of the recursion: section: root hints (built in,
 * a named.root file, or an inline list) and the outgoing source addresses.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_internal.h"
#include "lib/wire/dns.h"
#include "lib/zone/load.h"

/* A named.root file: the root's NS names and their A/AAAA records (RFC 1034 §5.3.2). */
static int hints_from_file(struct conf_parser *p, yaml_node_t *node, const char *file,
			   struct root_hints *out)
{
	static const uint8_t root[1] = { 0 };
	char err[512];
	char *path = conf_join_path(p->base_dir, file);
	struct zone *z = zone_new(root);
	int rc = -1;
	if (!path || !z)
		goto done;
	if (zone_load_file(z, path, err, sizeof(err)) < 0 ||
	    zone_finish(z, err, sizeof(err)) < 0) {
		conf_error(p, node, "recursion.root-hints: %s: %s", file, err);
		goto done;
	}
	const struct zone_node *apex = zone_find_node(z, root);
	const struct zone_rrset *ns = apex ? zone_node_rrset(apex, DNS_TYPE_NS) : NULL;
	if (!ns) {
		conf_error(p, node, "recursion.root-hints: %s has no NS records for the root (.)",
			   file);
		goto done;
	}
	uint32_t off = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	while (zone_rrset_next(ns, &off, &rd, &rdlen)) {
		uint8_t name[WIRE_NAME_MAX];
		memcpy(name, rd, wire_name_len(rd));
		wire_name_lower(name);
		const struct zone_node *n = zone_find_node(z, name);
		const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
		for (int t = 0; n && t < 2; t++) {
			const struct zone_rrset *a = zone_node_rrset(n, types[t]);
			uint32_t o = 0;
			const uint8_t *ad;
			uint16_t alen;
			while (a && zone_rrset_next(a, &o, &ad, &alen)) {
				struct netaddr na = { .family = t == 0 ? AF_INET : AF_INET6,
						      .port = 53 };
				memcpy(na.addr, ad, alen);
				if (root_hints_add(out, name, &na) < 0)
					goto done;
			}
		}
	}
	if (out->count == 0) {
		conf_error(p, node, "recursion.root-hints: %s gives no address for any root "
			   "server", file);
		goto done;
	}
	rc = 0;
done:
	free(path);
	zone_free(z);
	return rc;
}

/* An inline list: [{name: a.root.lab, address: 127.53.0.1}, ...]. */
static int hints_from_list(struct conf_parser *p, yaml_node_t *node, struct root_hints *out)
{
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *v = conf_node(p, *it);
		if (!v)
			continue;
		if (v->type != YAML_MAPPING_NODE) {
			conf_error(p, v, "a recursion.root-hints entry must be {name: NAME, "
				   "address: ADDR}");
			continue;
		}
		const char *name = NULL, *addr = NULL;
		bool bad_key = false;
		yaml_node_t *addr_node = v;
		for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
		     pr < v->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = conf_node(p, pr->key), *val = conf_node(p, pr->value);
			const char *ks = k ? conf_scalar(p, k, "a key") : NULL;
			if (!ks || !val)
				continue;
			if (!strcmp(ks, "name")) {
				name = conf_scalar(p, val, "recursion.root-hints name");
			} else if (!strcmp(ks, "address")) {
				addr = conf_scalar(p, val, "recursion.root-hints address");
				addr_node = val;
			} else {
				conf_error(p, k, "unknown key '%s' in a recursion.root-hints entry "
					   "(name, address)", ks);
				bad_key = true;
			}
		}
		if (!name || !addr) {
			if (!bad_key) /* a misspelt key already explains the missing one */
				conf_error(p, v, "a recursion.root-hints entry needs both name and "
					   "address");
			continue;
		}
		uint8_t wire[WIRE_NAME_MAX];
		struct netaddr na;
		char err[256];
		if (conf_domain_name(name, wire) < 0) {
			conf_error(p, v, "recursion.root-hints: '%s' is not a domain name", name);
			continue;
		}
		if (netaddr_parse(addr, 53, &na, err, sizeof(err)) < 0) {
			conf_error(p, addr_node, "recursion.root-hints: %s", err);
			continue;
		}
		if (root_hints_add(out, wire, &na) < 0)
			return -1;
	}
	if (node->data.sequence.items.top == node->data.sequence.items.start)
		conf_error(p, node, "recursion.root-hints must name at least one server");
	return 0;
}

int conf_parse_root_hints(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	root_hints_free(&cfg->root_hints);
	if (node->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)node->data.scalar.value;
		if (!strcmp(s, "builtin"))
			return root_hints_builtin(&cfg->root_hints);
		return hints_from_file(p, node, s, &cfg->root_hints);
	}
	if (!conf_expect_sequence(p, node, "recursion.root-hints"))
		return -1;
	return hints_from_list(p, node, &cfg->root_hints);
}

/* recursion.outgoing-address: source addresses, at most one per family. */
int conf_parse_outgoing(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	free(cfg->outgoing);
	cfg->outgoing = NULL;
	cfg->n_outgoing = 0;
	if (!conf_expect_sequence(p, node, "recursion.outgoing-address"))
		return -1;
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	cfg->outgoing = calloc(n ? n : 1, sizeof(*cfg->outgoing));
	if (!cfg->outgoing)
		return -1;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *v = conf_node(p, *it);
		const char *s = v ? conf_scalar(p, v, "an outgoing address") : NULL;
		struct netaddr a;
		char err[256];
		if (!s)
			continue;
		if (netaddr_parse(s, 0, &a, err, sizeof(err)) < 0) {
			conf_error(p, v, "recursion.outgoing-address: %s", err);
			continue;
		}
		if (a.port != 0) {
			conf_error(p, v, "recursion.outgoing-address: '%s' gives a port; the source "
				   "port is random for every query", s);
			continue;
		}
		for (size_t j = 0; j < cfg->n_outgoing; j++)
			if (cfg->outgoing[j].family == a.family)
				conf_error(p, v, "recursion.outgoing-address: one address per "
					   "family (IPv4, IPv6)");
		cfg->outgoing[cfg->n_outgoing++] = a;
	}
	return 0;
}

void conf_free_recursion(struct cairn_config *cfg)
{
	root_hints_free(&cfg->root_hints);
	free(cfg->outgoing);
	cfg->outgoing = NULL;
}
