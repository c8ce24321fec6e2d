/*
 * config_schema — THE option table: every key, its type, default, bounds and help line.
 * The parser, the defaults, --check-config and conf/cairnd.yaml all come from here, so a new
 * option is one entry (plus, for a structured value, its parser below).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "lib/wire/name.h"
#include "lib/zone/builtin.h"
#include "log.h"

#define DNS_PORT 53

/* server.listen: a list of ADDR@PORT. */
static int parse_listen(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	if (!conf_expect_sequence(p, node, "server.listen"))
		return -1;
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	struct netaddr *list = calloc(n ? n : 1, sizeof(*list));
	if (!list)
		return -1;
	size_t k = 0;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *v = conf_node(p, *it);
		const char *s = v ? conf_scalar(p, v, "a server.listen entry") : NULL;
		char err[256];
		if (!s)
			continue;
		if (netaddr_parse(s, DNS_PORT, &list[k], err, sizeof(err)) < 0) {
			conf_error(p, v, "server.listen: %s", err);
			continue;
		}
		for (size_t j = 0; j < k; j++)
			if (!memcmp(&list[j], &list[k], sizeof(list[k])))
				conf_error(p, v, "server.listen: '%s' is listed twice", s);
		k++;
	}
	if (n == 0)
		conf_error(p, node, "server.listen must name at least one address");
	free(cfg->listen);
	cfg->listen = list;
	cfg->n_listen = k;
	return 0;
}

/* server.access: a list of {allow: CIDR} / {refuse: CIDR}. */
static int parse_access(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	if (!conf_expect_sequence(p, node, "server.access"))
		return -1;
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	struct access_rule *rules = calloc(n ? n : 1, sizeof(*rules));
	if (!rules)
		return -1;
	size_t k = 0;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *v = conf_node(p, *it);
		if (!v)
			continue;
		if (v->type != YAML_MAPPING_NODE ||
		    v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1) {
			conf_error(p, v, "a server.access entry must be {allow: CIDR} or "
				   "{refuse: CIDR}");
			continue;
		}
		yaml_node_t *key = conf_node(p, v->data.mapping.pairs.start->key);
		yaml_node_t *val = conf_node(p, v->data.mapping.pairs.start->value);
		const char *ks = key ? conf_scalar(p, key, "an access action") : NULL;
		if (!ks || !val)
			continue;
		bool allow = !strcmp(ks, "allow");
		if (!allow && strcmp(ks, "refuse")) {
			conf_error(p, key, "unknown access action '%s' (use allow or refuse)", ks);
			continue;
		}
		const char *cs = conf_scalar(p, val, "server.access CIDR");
		char err[256];
		if (!cs)
			continue;
		if (cidr_parse(cs, &rules[k].net, err, sizeof(err)) < 0) {
			conf_error(p, val, "server.access: %s", err);
			continue;
		}
		rules[k++].allow = allow;
	}
	free(cfg->access.rules);
	cfg->access.rules = rules;
	cfg->access.count = k;
	return 0;
}

/* server.builtin-zones: true | false | [zones to leave out]. */
static int parse_builtin_zones(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	free(cfg->builtin_exclude);
	cfg->builtin_exclude = NULL;
	cfg->n_builtin_exclude = 0;
	if (node->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)node->data.scalar.value;
		if (conf_parse_bool_text(s, &cfg->builtin_zones) < 0) {
			conf_error(p, node, "server.builtin-zones must be true, false or a list of "
				   "built-in zones to leave out, not '%s'", s);
			return -1;
		}
		return 0;
	}
	if (!conf_expect_sequence(p, node, "server.builtin-zones"))
		return -1;
	cfg->builtin_zones = true;
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	cfg->builtin_exclude = calloc(n ? n : 1, sizeof(*cfg->builtin_exclude));
	if (!cfg->builtin_exclude)
		return -1;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *v = conf_node(p, *it);
		const char *s = v ? conf_scalar(p, v, "a built-in zone name") : NULL;
		uint8_t *name = cfg->builtin_exclude[cfg->n_builtin_exclude];
		if (!s)
			continue;
		if (conf_domain_name(s, name) < 0) {
			conf_error(p, v, "server.builtin-zones: '%s' is not a domain name", s);
			continue;
		}
		if (!builtin_zone_matches(name)) {
			conf_error(p, v, "server.builtin-zones: no built-in zone at or below '%s' "
				   "(see README, built-in zones)", s);
			continue;
		}
		wire_name_lower(name);
		cfg->n_builtin_exclude++;
	}
	return 0;
}

/* server.threads: a count, or auto (one worker per online CPU). */
static int parse_threads(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	const char *s = conf_scalar(p, node, "server.threads");
	if (!s)
		return -1;
	if (!strcmp(s, "auto")) {
		cfg->threads = 0;
		return 0;
	}
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || v < 1 || v > 64) {
		conf_error(p, node, "server.threads must be auto or a number from 1 to 64, not '%s'",
			   s);
		return -1;
	}
	cfg->threads = (unsigned)v;
	return 0;
}

static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };

#define FIELD(f) offsetof(struct cairn_config, f)

static const struct conf_option server_options[] = {
	{ .key = "listen", .type = CT_CUSTOM, .def = "[\"127.0.0.1@5353\", \"::1@5353\"]",
	  .parse = parse_listen,
	  .help = "addresses to answer on (UDP and TCP): ADDR@PORT, IPv6 as ::1@53 or "
		  "[::1]@53; port 53 when omitted" },
	{ .key = "access", .type = CT_CUSTOM,
	  .def = "[{allow: 127.0.0.0/8}, {allow: \"::1/128\"}]", .parse = parse_access,
	  .help = "who may query: {allow: CIDR} or {refuse: CIDR}, first match wins, "
		  "no match is REFUSED" },
	{ .key = "edns-buffer-size", .type = CT_UINT, .def = "1232", .min = 512, .max = 4096,
	  .offset = FIELD(edns_buffer_size),
	  .help = "largest UDP answer sent to EDNS clients, bytes (512..4096); 1232 avoids "
		  "IP fragmentation" },
	{ .key = "tcp-idle-timeout", .type = CT_DURATION, .def = "10s", .min = 100,
	  .max = 3600000, .offset = FIELD(tcp_idle_timeout_ms),
	  .help = "close a TCP connection idle this long (100ms..1h; 10, 10s, 500ms, 2m)" },
	{ .key = "max-tcp-clients", .type = CT_UINT, .def = "256", .min = 1, .max = 65536,
	  .offset = FIELD(max_tcp_clients),
	  .help = "open TCP connections at once (1..65536); more are closed on accept" },
	{ .key = "threads", .type = CT_CUSTOM, .def = "1", .parse = parse_threads,
	  .help = "worker threads (1..64) or auto (one per CPU); each has its own UDP sockets "
		  "(SO_REUSEPORT) and shares the cache; TCP is served by the first" },
	{ .key = "log-level", .type = CT_ENUM, .def = "info", .enum_values = log_levels,
	  .offset = FIELD(log_level), .help = "error, warning, info or debug" },
	{ .key = "builtin-zones", .type = CT_CUSTOM, .def = "true",
	  .parse = parse_builtin_zones,
	  .help = "answer RFC 6761/6303 zones (localhost, invalid, private reverse...) "
		  "locally: true, false, or a list of zones to leave out" },
	{ 0 },
};

static const struct conf_option recursion_options[] = {
	{ .key = "enabled", .type = CT_BOOL, .def = "true", .offset = FIELD(recursion),
	  .help = "resolve names outside the local zones; false answers them REFUSED" },
	{ .key = "root-hints", .type = CT_CUSTOM, .def = "builtin",
	  .parse = conf_parse_root_hints,
	  .help = "where iteration starts: builtin (IANA root servers), a named.root FILE, "
		  "or a list of {name, address}",
	  .example = "#   root-hints: [{name: a.root.lab, address: 127.53.0.1}]\n" },
	{ .key = "prime-root", .type = CT_BOOL, .def = "true", .offset = FIELD(prime_root),
	  .help = "ask the root for its NS set at start and when it has expired (RFC 8109); "
		  "the only query cairnd sends that no client asked for" },
	{ .key = "qname-minimisation", .type = CT_BOOL, .def = "true",
	  .offset = FIELD(qname_minimisation),
	  .help = "show each server only the labels it needs (RFC 9156), relaxed: the full "
		  "name after an error" },
	{ .key = "use-0x20", .type = CT_BOOL, .def = "true", .offset = FIELD(use_0x20),
	  .help = "random letter case in upstream questions, checked in answers (falls back "
		  "per server that does not echo it)" },
	{ .key = "ipv4", .type = CT_BOOL, .def = "true", .offset = FIELD(rec_ipv4),
	  .help = "query servers over IPv4" },
	{ .key = "ipv6", .type = CT_BOOL, .def = "true", .offset = FIELD(rec_ipv6),
	  .help = "query servers over IPv6 (false: no AAAA lookups of server names either)" },
	{ .key = "outgoing-address", .type = CT_CUSTOM, .def = "[]",
	  .parse = conf_parse_outgoing,
	  .help = "source address of upstream queries, one per family; [] lets the kernel "
		  "choose (the port is always random)" },
	{ .key = "query-loopback", .type = CT_BOOL, .def = "false",
	  .offset = FIELD(query_loopback),
	  .help = "allow servers on 127.0.0.0/8 and ::1 (labs); 0.0.0.0/8, multicast and :: "
		  "are never queried" },
	{ .key = "harden-glue", .type = CT_BOOL, .def = "true", .offset = FIELD(harden_glue),
	  .help = "ignore glue outside the zone that gave the referral (anti-poisoning)" },
	{ .key = "request-timeout", .type = CT_DURATION, .def = "4s", .min = 100,
	  .max = 60000, .offset = FIELD(request_timeout_ms),
	  .help = "give up on a client's question after this long: SERVFAIL (100ms..60s)" },
	{ .key = "max-queries-per-request", .type = CT_UINT, .def = "100", .min = 1,
	  .max = 10000, .offset = FIELD(max_queries),
	  .help = "upstream queries one client question may cost (NXNS, TsuNAME defence)" },
	{ .key = "max-referrals", .type = CT_UINT, .def = "30", .min = 1, .max = 255,
	  .offset = FIELD(max_referrals),
	  .help = "referrals followed for one name (delegation depth)" },
	{ .key = "max-glueless-lookups", .type = CT_UINT, .def = "12", .min = 0, .max = 1000,
	  .offset = FIELD(max_glueless),
	  .help = "address lookups of glueless name servers per client question" },
	{ .key = "max-glueless-depth", .type = CT_UINT, .def = "4", .min = 1, .max = 7,
	  .offset = FIELD(max_glueless_depth),
	  .help = "how deep such lookups may nest (a lookup that needs a lookup...)" },
	{ .key = "max-cname-chain", .type = CT_UINT, .def = "12", .min = 1, .max = 64,
	  .offset = FIELD(max_cname),
	  .help = "CNAME/DNAME links followed in one answer; longer chains are SERVFAIL" },
	{ .key = "max-in-flight", .type = CT_UINT, .def = "4096", .min = 1, .max = 1000000,
	  .offset = FIELD(max_in_flight),
	  .help = "client questions being resolved at once; more get SERVFAIL at once" },
	{ 0 },
};

static const struct conf_option cache_options[] = {
	{ .key = "size", .type = CT_SIZE, .def = "64M", .min = 1024, .max = 64u * 1024 * 1024,
	  .offset = FIELD(cache_size),
	  .help = "memory for cached records, bytes or with K, M, G (1M..64G); least recently "
		  "used entries go first" },
	{ .key = "max-ttl", .type = CT_DURATION, .def = "86400", .min = 1000, .max = 604800000,
	  .offset = FIELD(cache_max_ttl_ms),
	  .help = "no record is kept (or answered with a TTL) longer than this, seconds or "
		  "5m/1h (Route 53 Resolver: 300)" },
	{ .key = "min-ttl", .type = CT_DURATION, .def = "0", .min = 0, .max = 86400000,
	  .offset = FIELD(cache_min_ttl_ms),
	  .help = "records are kept at least this long, even with a lower TTL" },
	{ .key = "negative-max-ttl", .type = CT_DURATION, .def = "3600", .min = 0,
	  .max = 86400000, .offset = FIELD(cache_neg_max_ttl_ms),
	  .help = "NXDOMAIN/NODATA are kept at most this long (RFC 2308: SOA TTL and MINIMUM "
		  "decide below that)" },
	{ .key = "serve-stale", .type = CT_BOOL, .def = "false", .offset = FIELD(serve_stale),
	  .help = "when every server fails, answer from expired data with TTL 30 and EDE 3 "
		  "(RFC 8767)" },
	{ .key = "stale-max-age", .type = CT_DURATION, .def = "1d", .min = 1000,
	  .max = 604800000, .offset = FIELD(stale_max_age_ms),
	  .help = "serve-stale: data expired longer ago than this is not served (1s..7d)" },
	{ .key = "prefetch", .type = CT_BOOL, .def = "true", .offset = FIELD(prefetch),
	  .help = "an answer asked for in the last 10% of its TTL is refreshed in the "
		  "background" },
	{ 0 },
};

static const struct conf_option dnssec_options[] = {
	{ .key = "validation", .type = CT_BOOL, .def = "true", .offset = FIELD(dnssec_validation),
	  .help = "validate answers from the trust anchors down (DO=1 upstream); AD for secure "
		  "answers, SERVFAIL with an EDE for bogus ones" },
	{ .key = "trust-anchors", .type = CT_CUSTOM, .def = "builtin",
	  .parse = conf_parse_trust_anchors,
	  .help = "builtin (the IANA root KSKs) or a list of files of DS/DNSKEY lines, which "
		  "replace them (relative to this file)" },
	{ .key = "negative-trust-anchors", .type = CT_CUSTOM, .def = "[]", .parse = conf_parse_nta,
	  .help = "domains below which nothing is validated (RFC 7646): a broken zone you "
		  "choose to trust" },
	{ .key = "aggressive-nsec", .type = CT_BOOL, .def = "true", .offset = FIELD(aggressive_nsec),
	  .help = "answer NXDOMAIN/NODATA from NSEC spans already validated (RFC 8198), without "
		  "asking" },
	{ .key = "bogus-ttl", .type = CT_DURATION, .def = "60", .min = 1000, .max = 3600000,
	  .offset = FIELD(bogus_ttl_ms),
	  .help = "data that failed validation is kept, marked, this long (1s..1h): the same "
		  "question gets the same SERVFAIL without asking the broken zone again" },
	{ .key = "clock-skew", .type = CT_DURATION, .def = "1h", .min = 0, .max = 86400000,
	  .offset = FIELD(sig_skew_ms),
	  .help = "signatures are accepted this long before their inception and after their "
		  "expiration (0..1d)" },
	{ 0 },
};

static int parse_control_socket(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	const char *s = conf_scalar(p, node, "control.socket");
	if (!s)
		return -1;
	if (s[0] && s[0] != '/') {
		conf_error(p, node, "control.socket must be an absolute path (or \"\" for none), "
			   "not '%s'", s);
		return -1;
	}
	if (strlen(s) >= 108) { /* sun_path */
		conf_error(p, node, "control.socket: path longer than 107 bytes");
		return -1;
	}
	free(cfg->control_socket);
	cfg->control_socket = strdup(s);
	return cfg->control_socket ? 0 : -1;
}

static const struct conf_option control_options[] = {
	{ .key = "socket", .type = CT_CUSTOM, .def = "\"/run/cairn/cairnd.sock\"",
	  .parse = parse_control_socket,
	  .help = "UNIX socket for cairnctl (mode 0660); \"\" for none" },
	{ 0 },
};

const struct conf_option conf_top[] = {
	{ .key = "server", .type = CT_SECTION, .children = server_options,
	  .help = "how cairnd listens and who it answers" },
	{ .key = "recursion", .type = CT_SECTION, .children = recursion_options,
	  .help = "iterative resolution from the root" },
	{ .key = "cache", .type = CT_SECTION, .children = cache_options,
	  .help = "what is remembered, and for how long" },
	{ .key = "dnssec", .type = CT_SECTION, .children = dnssec_options,
	  .help = "DNSSEC validation (RFC 4033-4035)" },
	{ .key = "control", .type = CT_SECTION, .children = control_options,
	  .help = "the control socket of cairnctl" },
	{ .key = "vpcs", .type = CT_CUSTOM, .def = "[]", .parse = conf_parse_vpcs,
	  .help = "client networks (Route 53 VPCs): a client is in the VPC whose range holds it "
		  "most specifically",
	  .example = "#   - name: app                      # used by rules and private zones\n"
		     "#     id: vpc-0app                   # shown in logs and test-answer\n"
		     "#     cidrs: [10.0.0.0/16]\n"
		     "#     dnssec-validation: true        # default: dnssec.validation\n" },
	{ .key = "rules", .type = CT_CUSTOM, .def = "[]", .parse = conf_parse_rules,
	  .help = "resolver rules: the most specific domain wins, a rule beats a zone of the "
		  "same name",
	  .example = "#   - name: corp\n"
		     "#     type: forward                  # forward | system\n"
		     "#     domain: corp.example\n"
		     "#     targets: [192.0.2.53, 192.0.2.54@5353]   # forward only, RD=1\n"
		     "#     vpcs: [app]                    # omitted: every client\n"
		     "#     validate: true                 # forward only: DNSSEC-validate\n"
		     "#   - {name: cloud, type: system, domain: aws.corp.example, vpcs: [app]}\n" },
	{ .key = "private-zones", .type = CT_CUSTOM, .def = "[]",
	  .parse = conf_parse_private_zones,
	  .help = "zones answered authoritatively from this file or a zone file",
	  .example = "#   - name: example.test             # the zone apex\n"
		     "#     vpcs: [app]                    # omitted: every client\n"
		     "#     file: example.test.zone        # optional, relative to this file\n"
		     "#     records:                       # optional, added to the file's\n"
		     "#       - {name: www, type: A, ttl: 300, data: [192.0.2.1]}\n"
		     "#       - {name: \"@\", type: MX, data: [\"10 mail\"]}   # ttl: 300\n"
		     "#       - {name: \"*.dev\", type: CNAME, data: [www]}\n"
		     "#       - {name: \"@\", type: A, alias: www}   # target's records and TTL\n" },
	{ 0 },
};
