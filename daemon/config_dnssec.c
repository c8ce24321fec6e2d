/*
 * config_dnssec — the structured values of the dnssec: section: trust anchors (built in, or
 * files of DS/DNSKEY lines as ldns-keygen and dnssec-keygen write them) and negative trust
 * anchors (RFC 7646).
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "lib/wire/dns.h"

/* One anchor file: zone-file lines, DS or DNSKEY, TTL and class optional, $ORIGIN and $TTL
 * allowed. Every other type is an error naming the file and its line. */
static int anchors_from_file(struct conf_parser *p, yaml_node_t *node, const char *file,
			     struct anchors *out)
{
	char *path = conf_join_path(p->base_dir, file);
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f) {
		conf_error(p, node, "dnssec.trust-anchors: cannot read %s: %s", file,
			   path ? strerror(errno) : "out of memory");
		free(path);
		return -1;
	}
	uint32_t ttl = 3600;
	ldns_rdf *origin = NULL, *prev = NULL;
	int line = 1, added = 0, rc = 0;
	while (!feof(f)) {
		ldns_rr *rr = NULL;
		int at = line;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN || st == LDNS_STATUS_SYNTAX_INCLUDE)
			continue;
		if (st != LDNS_STATUS_OK) {
			conf_error(p, node, "dnssec.trust-anchors: %s:%d: %s", file, at,
				   ldns_get_errorstr_by_id(st));
			rc = -1;
			break;
		}
		uint16_t type = (uint16_t)ldns_rr_get_type(rr);
		if (type != DNS_TYPE_DS && type != DNS_TYPE_DNSKEY) {
			conf_error(p, node, "dnssec.trust-anchors: %s:%d: a trust anchor is a DS or "
				   "DNSKEY record, not type %u", file, at, type);
			ldns_rr_free(rr);
			rc = -1;
			break;
		}
		ldns_buffer *rd = ldns_buffer_new(1024);
		uint8_t owner[WIRE_NAME_MAX];
		const ldns_rdf *o = ldns_rr_owner(rr);
		bool ok = rd && ldns_rdf_size(o) <= WIRE_NAME_MAX &&
			  ldns_rr_rdata2buffer_wire(rd, rr) == LDNS_STATUS_OK;
		if (ok) {
			memcpy(owner, ldns_rdf_data(o), ldns_rdf_size(o));
			ok = anchors_add(out, owner, type, ldns_buffer_begin(rd),
					 (uint16_t)ldns_buffer_position(rd)) == 0;
		}
		ldns_buffer_free(rd);
		ldns_rr_free(rr);
		if (!ok) {
			conf_error(p, node, "dnssec.trust-anchors: %s:%d: cannot use this record",
				   file, at);
			rc = -1;
			break;
		}
		added++;
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(f);
	free(path);
	if (rc == 0 && added == 0) {
		conf_error(p, node, "dnssec.trust-anchors: %s holds no DS or DNSKEY record", file);
		rc = -1;
	}
	return rc;
}

/* dnssec.trust-anchors: builtin, or a list of files (which replace the built-in ones). */
int conf_parse_trust_anchors(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	/* Negative anchors are kept: they come from their own key. */
	uint8_t(*nta)[WIRE_NAME_MAX] = cfg->anchors.nta;
	size_t n_nta = cfg->anchors.n_nta;
	cfg->anchors.nta = NULL;
	cfg->anchors.n_nta = 0;
	anchors_free(&cfg->anchors);
	cfg->anchors.nta = nta;
	cfg->anchors.n_nta = n_nta;
	if (node->type == YAML_SCALAR_NODE &&
	    !strcmp((const char *)node->data.scalar.value, "builtin"))
		return anchors_builtin(&cfg->anchors);
	if (!conf_expect_sequence(p, node, "dnssec.trust-anchors"))
		return -1;
	int rc = 0;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *v = conf_node(p, *it);
		const char *s = v ? conf_scalar(p, v, "a trust anchor file") : NULL;
		if (!s || anchors_from_file(p, v, s, &cfg->anchors) < 0)
			rc = -1;
	}
	return rc;
}

/* dnssec.negative-trust-anchors: domains below which validation is off (RFC 7646). */
int conf_parse_nta(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	free(cfg->anchors.nta);
	cfg->anchors.nta = NULL;
	cfg->anchors.n_nta = 0;
	if (!conf_expect_sequence(p, node, "dnssec.negative-trust-anchors"))
		return -1;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *v = conf_node(p, *it);
		const char *s = v ? conf_scalar(p, v, "a domain name") : NULL;
		uint8_t name[WIRE_NAME_MAX];
		if (!s)
			continue;
		if (conf_domain_name(s, name) < 0) {
			conf_error(p, v, "dnssec.negative-trust-anchors: '%s' is not a domain name", s);
			continue;
		}
		if (anchors_add_nta(&cfg->anchors, name) < 0)
			return -1;
	}
	return 0;
}
