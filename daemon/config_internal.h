/*
 * config_internal — the machinery shared by the config files: the option table's shape, the
 * parser context with its error list, and the helpers every value parser uses. Only
 * daemon/config*.c include it.
 */
#ifndef CAIRN_DAEMON_CONFIG_INTERNAL_H
#define CAIRN_DAEMON_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "config.h"
#include "lib/wire/name.h"

/* The parse of one YAML document. */
struct conf_parser {
	const char *name;            /* what error messages call the file */
	const char *base_dir;        /* relative paths (zone files) start here */
	yaml_document_t *doc;        /* the loaded document */
	struct config_errors *errs;  /* where errors go */
};

enum conf_type {
	CT_SECTION,  /* a mapping of child options */
	CT_BOOL,     /* true | false */
	CT_UINT,     /* whole number within min..max, stored as uint32_t */
	CT_DURATION, /* number of seconds, or NUMBER with ms|s|m|h; stored as uint32_t ms */
	CT_ENUM,     /* one word of enum_values, stored as int (its index) */
	CT_SIZE,     /* bytes, or NUMBER with K|M|G (binary); stored as uint64_t bytes */
	CT_CUSTOM,   /* parsed by .parse */
};

struct conf_option {
	const char *key;                 /* kebab-case YAML key */
	enum conf_type type;
	const char *def;                 /* default, as YAML text (printed in the reference) */
	uint32_t min, max;               /* bounds (CT_UINT; CT_DURATION in ms; CT_SIZE in KiB) */
	const char *const *enum_values;  /* CT_ENUM words, NULL-ended */
	size_t offset;                   /* field in struct cairn_config */
	int (*parse)(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg);
	const struct conf_option *children; /* CT_SECTION: NULL-key-ended table */
	const char *help;                /* one comment line for the reference */
	const char *example;             /* extra commented lines after the key, or NULL */
};

extern const struct conf_option conf_top[];

/* Record an error at a node's position (node may be NULL: position 1:1). */
void conf_error(struct conf_parser *p, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An error at a 1-based position (libyaml's own findings, or a node seen earlier). */
void conf_error_at(struct conf_parser *p, size_t line, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The node at index, NULL if none. */
yaml_node_t *conf_node(struct conf_parser *p, int index);

/* The text of a scalar node, or NULL after an error naming what was expected. */
const char *conf_scalar(struct conf_parser *p, yaml_node_t *node, const char *what);

/* A sequence node (a one-item list may be written as a bare scalar when allow_scalar). */
bool conf_expect_sequence(struct conf_parser *p, yaml_node_t *node, const char *what);

/* A list that may be written as one bare scalar: its number of items (1 for a scalar), and
 * item i (the scalar itself). */
size_t conf_seq_len(const yaml_node_t *node);
yaml_node_t *conf_seq_item(struct conf_parser *p, yaml_node_t *node, size_t i);

/* Apply a mapping of options to cfg: unknown and duplicate keys are errors. */
void conf_apply_mapping(struct conf_parser *p, yaml_node_t *node, const struct conf_option *opts,
			struct cairn_config *cfg, const char *section);

/* A domain name as config files write it, with or without the final dot ("." is the root):
 * its wire form, case kept. Returns the length, or < 0 when it is not a name. */
int conf_domain_name(const char *text, uint8_t out[WIRE_NAME_MAX]);

/* Parse "true"/"false". */
int conf_parse_bool_text(const char *s, bool *out);

/* dir/file, or file when it is absolute (malloc'd; NULL when out of memory). */
char *conf_join_path(const char *dir, const char *file);

/* Custom parsers that live in config_recursion.c. */
int conf_parse_root_hints(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg);
int conf_parse_outgoing(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg);
void conf_free_recursion(struct cairn_config *cfg);

/* config_dnssec.c */
int conf_parse_trust_anchors(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg);
int conf_parse_nta(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg);

/* A mapping's value for key, or NULL. */
yaml_node_t *conf_map_get(struct conf_parser *p, yaml_node_t *map, const char *key);

/* Report keys of map not in allowed (NULL-ended) and duplicate keys; false if any. */
bool conf_check_keys(struct conf_parser *p, yaml_node_t *map, const char *const *allowed,
		     const char *what);

/* config_policy.c: vpcs:, rules:, and the `vpcs:` list of a rule or zone. */
int conf_parse_vpcs(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg);
int conf_parse_rules(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg);
void conf_parse_assoc(struct conf_parser *p, yaml_node_t *node, struct conf_assoc *out,
		      const char *what);
void conf_assoc_free(struct conf_assoc *a);
/* Once the whole file is read: VPC names resolved, overlaps refused, the views built. */
int conf_build_policy(struct conf_parser *p, struct cairn_config *cfg);
void conf_free_policy(struct cairn_config *cfg);

/* Custom parsers that live in config_zones.c. */
int conf_parse_private_zones(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg);

/* Build the built-in zones in use once the whole file is read. */
int conf_build_builtins(struct conf_parser *p, struct cairn_config *cfg);

void conf_free_zones(struct cairn_config *cfg);

#endif
