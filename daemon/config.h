/*
 * config — the daemon's configuration as one immutable value (struct cairn_config).
 *
 * One option table (config_schema.c) drives everything: the YAML parser, the defaults, the
 * checks behind --check-config and the reference printed by --print-default-config (which is
 * conf/cairnd.yaml). Loading validates every key and builds the zones; on any error nothing
 * is returned but the list of errors, each "FILE:LINE:COLUMN: message". Reload builds a new
 * value and swaps a pointer, so a bad file never disturbs the running one.
 */
#ifndef CAIRN_DAEMON_CONFIG_H
#define CAIRN_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/iterator/hints.h"
#include "lib/policy/access.h"
#include "lib/policy/policy.h"
#include "lib/util/netaddr.h"
#include "lib/validator/anchors.h"
#include "lib/zone/zone.h"
#include "lib/zone/zoneset.h"

#define CONFIG_MAX_ERRORS 100

/* A VPC name written in a `vpcs:` list, kept with its place until every VPC is known. */
struct conf_vpc_ref {
	char *name;
	int line, col;
};

/* The `vpcs:` of a rule or private zone: as written, then resolved to VPC indices. */
struct conf_assoc {
	bool every;                    /* no `vpcs:` key: every client */
	struct conf_vpc_ref *refs;
	size_t n_refs;
	uint32_t *vpcs;                /* resolved indices */
	size_t n;
	int line, col;                 /* where the entry's name is, for errors */
};

struct cairn_config {
	char *source;                  /* file path, or "<built-in default>" */

	/* server: */
	struct netaddr *listen;        /* listen: endpoints to serve on */
	size_t n_listen;
	struct access_list access;     /* access: first-match allow/refuse */
	uint32_t edns_buffer_size;     /* edns-buffer-size: bytes */
	uint32_t tcp_idle_timeout_ms;  /* tcp-idle-timeout */
	uint32_t max_tcp_clients;      /* max-tcp-clients: open connections at once */
	int log_level;                 /* log-level: enum log_level */
	unsigned threads;              /* threads: worker threads, 0 = auto (one per CPU) */
	bool builtin_zones;            /* builtin-zones: false turns them all off */
	uint8_t (*builtin_exclude)[255]; /* builtin-zones: [list]: names left out */
	size_t n_builtin_exclude;

	/* private-zones: */
	struct zone **zones;           /* private zones, in file order (owned) */
	size_t n_zones;
	struct conf_assoc *zone_assoc; /* their vpcs:, one per zone */

	/* vpcs: */
	struct policy_vpc *vpcs;       /* names, ids and CIDRs owned */
	size_t n_vpcs;
	int8_t *vpc_dnssec;            /* dnssec-validation per VPC: -1 unset (the global) */
	int *vpc_lines;                /* where each is named, for errors */

	/* rules: */
	struct policy_rule *rules;     /* names and targets owned */
	size_t n_rules;
	struct conf_assoc *rule_assoc; /* their vpcs:, one per rule */

	/* recursion: */
	bool recursion;                /* enabled: false answers only from local zones */
	struct root_hints root_hints;  /* root-hints: where iteration starts */
	bool prime_root;               /* prime-root: ask the root for its NS set at start */
	bool qname_minimisation;       /* qname-minimisation (RFC 9156) */
	bool use_0x20;                 /* use-0x20: random case in upstream questions */
	bool rec_ipv4, rec_ipv6;       /* ipv4 / ipv6: families used upstream */
	bool query_loopback;           /* query-loopback: allow 127/8 and ::1 servers */
	bool harden_glue;              /* harden-glue: drop out-of-bailiwick glue */
	struct netaddr *outgoing;      /* outgoing-address: source addresses (port 0) */
	size_t n_outgoing;
	uint32_t request_timeout_ms;   /* request-timeout */
	uint32_t max_queries;          /* max-queries-per-request */
	uint32_t max_referrals;        /* max-referrals */
	uint32_t max_glueless;         /* max-glueless-lookups */
	uint32_t max_glueless_depth;   /* max-glueless-depth */
	uint32_t max_cname;            /* max-cname-chain */
	uint32_t max_in_flight;        /* max-in-flight: client requests resolving at once */

	/* cache: */
	uint64_t cache_size;           /* size: bytes of cached data */
	uint32_t cache_max_ttl_ms;     /* max-ttl */
	uint32_t cache_min_ttl_ms;     /* min-ttl */
	uint32_t cache_neg_max_ttl_ms; /* negative-max-ttl */
	bool serve_stale;              /* serve-stale (RFC 8767) */
	uint32_t stale_max_age_ms;     /* stale-max-age */
	bool prefetch;                 /* prefetch */

	/* dnssec: */
	bool dnssec_validation;        /* validation */
	struct anchors anchors;        /* trust-anchors and negative-trust-anchors */
	uint32_t sig_skew_ms;          /* clock-skew */
	uint32_t bogus_ttl_ms;         /* bogus-ttl */
	bool aggressive_nsec;          /* aggressive-nsec */

	/* control: */
	char *control_socket;          /* socket: UNIX socket path for cairnctl ("" = none) */

	/* derived at load */
	uint32_t generation;           /* counts loads in this process: tells the worker threads'
					* configs apart, so an old one is freed once all moved on */
	struct zone **builtins;        /* built-in zones in use (owned) */
	size_t n_builtins;
	struct policy policy;          /* views: the VPCs' rules and zones, and the default */
	uint64_t policy_digest;        /* of vpcs, rules and associations: a reload that changes
					* it empties the caches that hold per-view answers */
};

/* The error list a failed load returns. */
struct config_errors {
	char *msg[CONFIG_MAX_ERRORS];  /* "FILE:LINE:COLUMN: message" */
	size_t count;
	size_t dropped;                /* errors beyond CONFIG_MAX_ERRORS */
};

/* Load a file (path) or, with path NULL, the built-in default. Returns NULL with errs filled
 * on any error. */
struct cairn_config *config_load(const char *path, struct config_errors *errs);

/* Load from YAML text; name is what error messages call it, base_dir resolves relative
 * zone file paths. */
struct cairn_config *config_load_text(const char *text, size_t len, const char *name,
				      const char *base_dir, struct config_errors *errs);

void config_free(struct cairn_config *cfg);
void config_errors_clear(struct config_errors *errs);

/* Write the reference: every key with its default and a comment (conf/cairnd.yaml). */
void config_print_reference(FILE *out);

/* Do two configs listen on the same endpoints (reload cannot rebind)? */
bool config_same_listen(const struct cairn_config *a, const struct cairn_config *b);

#endif
