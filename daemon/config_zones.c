/*
 * config_zones — the private-zones section: each entry becomes a struct zone (from a zone
 * file, YAML records, or both), then the built-in zones are added and the zoneset built.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "lib/wire/dns.h"
#include "lib/zone/builtin.h"
#include "lib/zone/load.h"

#define RECORD_TEXT_MAX 70000 /* one record's presentation text */

yaml_node_t *conf_map_get(struct conf_parser *p, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = conf_node(p, pair->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return conf_node(p, pair->value);
	}
	return NULL;
}

bool conf_check_keys(struct conf_parser *p, yaml_node_t *map, const char *const *allowed,
		       const char *what)
{
	bool ok = true;
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = conf_node(p, pair->key);
		const char *ks = k ? conf_scalar(p, k, "a key") : NULL;
		if (!ks) {
			ok = false;
			continue;
		}
		const char *const *a = allowed;
		while (*a && strcmp(*a, ks))
			a++;
		if (!*a) {
			conf_error(p, k, "unknown key '%s' in %s", ks, what);
			ok = false;
		}
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pair; q++) {
			yaml_node_t *qk = conf_node(p, q->key);
			if (qk && qk->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)qk->data.scalar.value, ks)) {
				conf_error(p, k, "duplicate key '%s' in %s", ks, what);
				ok = false;
			}
		}
	}
	return ok;
}

/* TXT data written plainly is text: quote it for the zone-file parser, split into
 * character-strings of at most 255 bytes (RFC 1035 §3.3.14), as long DKIM keys need. */
static void quote_txt(const char *s, char *out, size_t size)
{
	size_t o = 0, in_string = 0;
	out[o++] = '"';
	for (; *s && o + 6 < size; s++) {
		if (in_string == 255) {
			memcpy(out + o, "\" \"", 3);
			o += 3;
			in_string = 0;
		}
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
		in_string++;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* Where each alias of a zone was written: zone_finish judges them all at once, and its
 * error ("alias OWNER TYPE ...") is reported at the alias it names. */
struct alias_place {
	uint8_t owner[WIRE_NAME_MAX]; /* canonical */
	uint16_t type;
	const yaml_node_t *node;
};

struct alias_places {
	struct alias_place *at;
	size_t n, cap;
};

static void alias_place_add(struct alias_places *ap, const uint8_t *owner, uint16_t type,
			    const yaml_node_t *node)
{
	if (ap->n == ap->cap) {
		size_t cap = ap->cap ? 2 * ap->cap : 8;
		struct alias_place *at = realloc(ap->at, cap * sizeof(*at));
		if (!at)
			return; /* its error, if any, goes to the zone's name */
		ap->at = at;
		ap->cap = cap;
	}
	struct alias_place *a = &ap->at[ap->n++];
	memcpy(a->owner, owner, wire_name_len(owner));
	wire_name_lower(a->owner);
	a->type = type;
	a->node = node;
}

/* The alias zone_finish's error names, written the way it writes them: the canonical owner
 * and the type's mnemonic. */
static const yaml_node_t *alias_place(const struct alias_places *ap, const char *err)
{
	for (size_t i = 0; i < ap->n; i++) {
		char prefix[WIRE_NAME_TEXT_MAX + 32], o[WIRE_NAME_TEXT_MAX];
		const char *ty = zone_alias_type_name(ap->at[i].type);
		wire_name_to_text(ap->at[i].owner, o, sizeof(o));
		snprintf(prefix, sizeof(prefix), "alias %s %s ", o, ty ? ty : "?");
		if (!strncmp(err, prefix, strlen(prefix)))
			return ap->at[i].node;
	}
	return NULL;
}

/* {name, type, alias}: a Route 53 alias record (the target's TTL, so no ttl). */
static void add_yaml_alias(struct conf_parser *p, yaml_node_t *rec, struct zone *z,
			   const char *what, struct alias_places *ap)
{
	yaml_node_t *nn = conf_map_get(p, rec, "name"), *tn = conf_map_get(p, rec, "type");
	yaml_node_t *an = conf_map_get(p, rec, "alias");
	if (!nn || !tn) {
		conf_error(p, rec, "%s needs name and type", what);
		return;
	}
	if (conf_map_get(p, rec, "data") || conf_map_get(p, rec, "ttl")) {
		conf_error(p, conf_map_get(p, rec, "data") ? conf_map_get(p, rec, "data")
							   : conf_map_get(p, rec, "ttl"),
			   "%s: an alias takes the records and TTL of its target: no data or ttl",
			   what);
		return;
	}
	const char *name = conf_scalar(p, nn, "record name");
	const char *type = conf_scalar(p, tn, "record type");
	const char *target = conf_scalar(p, an, "alias target");
	if (!name || !type || !target)
		return;
	uint16_t t = zone_type_from_text(type);
	if (t == 0) {
		conf_error(p, tn, "unknown record type '%s'", type);
		return;
	}
	uint8_t owner[WIRE_NAME_MAX], to[WIRE_NAME_MAX];
	if (wire_name_from_text(name, z->apex, owner) < 0) {
		conf_error(p, nn, "'%s' is not a valid record name", name);
		return;
	}
	if (!*target || wire_name_from_text(target, z->apex, to) < 0) {
		conf_error(p, an, "'%s' is not a valid alias target", target);
		return;
	}
	char err[512];
	if (zone_add_alias(z, owner, t, to, err, sizeof(err)) < 0) {
		conf_error(p, an, "%s: %s", what, err);
		return;
	}
	alias_place_add(ap, owner, t, an);
}

/* One {name, type, ttl, data} entry → records in z. */
static void add_yaml_record(struct conf_parser *p, yaml_node_t *rec, struct zone *z,
			    const char *zname, struct alias_places *ap)
{
	static const char *const keys[] = { "name", "type", "ttl", "data", "alias", NULL };
	char what[WIRE_NAME_TEXT_MAX + 64];
	snprintf(what, sizeof(what), "a record of private zone %s", zname);
	if (rec->type != YAML_MAPPING_NODE) {
		conf_error(p, rec, "%s must be a mapping {name, type, ttl, data}", what);
		return;
	}
	if (!conf_check_keys(p, rec, keys, what))
		return;
	if (conf_map_get(p, rec, "alias")) {
		add_yaml_alias(p, rec, z, what, ap);
		return;
	}
	yaml_node_t *nn = conf_map_get(p, rec, "name"), *tn = conf_map_get(p, rec, "type");
	yaml_node_t *ttln = conf_map_get(p, rec, "ttl"), *dn = conf_map_get(p, rec, "data");
	if (!nn || !tn || !dn) {
		conf_error(p, rec, "%s needs name, type and data (or alias)", what);
		return;
	}
	const char *name = conf_scalar(p, nn, "record name");
	const char *type = conf_scalar(p, tn, "record type");
	const char *ttl = ttln ? conf_scalar(p, ttln, "record ttl") : "300";
	if (!name || !type || !ttl)
		return;
	if (zone_type_from_text(type) == 0) {
		conf_error(p, tn, "unknown record type '%s'", type);
		return;
	}
	char *end;
	unsigned long tv = strtoul(ttl, &end, 10);
	if (*ttl < '0' || *ttl > '9' || *end || tv > 2147483647ul) {
		conf_error(p, ttln, "record ttl must be a number of seconds (0..2147483647), not "
			   "'%s'", ttl);
		return;
	}
	uint8_t owner[WIRE_NAME_MAX];
	if (wire_name_from_text(name, z->apex, owner) < 0) {
		conf_error(p, nn, "'%s' is not a valid record name", name);
		return;
	}
	bool is_txt = zone_type_from_text(type) == DNS_TYPE_TXT;
	if (dn->type == YAML_MAPPING_NODE) {
		conf_error(p, dn, "record data must be a list of values");
		return;
	}
	size_t n = conf_seq_len(dn); /* data: VALUE is a one-item list */
	if (n == 0)
		conf_error(p, dn, "record data must hold at least one value");
	char *line = malloc(RECORD_TEXT_MAX), *quoted = malloc(RECORD_TEXT_MAX);
	for (size_t i = 0; line && quoted && i < n; i++) {
		yaml_node_t *v = conf_seq_item(p, dn, i);
		const char *d = v ? conf_scalar(p, v, "record data") : NULL;
		char err[512];
		if (!d)
			continue;
		if (is_txt && d[0] != '"') {
			quote_txt(d, quoted, RECORD_TEXT_MAX);
			d = quoted;
		}
		/* The owner is given in wire form through a name that ldns cannot misread. */
		char owner_text[WIRE_NAME_TEXT_MAX];
		wire_name_to_text(owner, owner_text, sizeof(owner_text));
		snprintf(line, RECORD_TEXT_MAX, "%s %lu IN %s %s", owner_text, tv, type, d);
		if (zone_add_text_rr(z, line, err, sizeof(err)) < 0)
			conf_error(p, v, "bad %s record data '%s': %s", type, d, err);
	}
	free(line);
	free(quoted);
}

char *conf_join_path(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", file[0] == '/' ? "" : dir, file);
	if (s && file[0] == '/')
		snprintf(s, n, "%s", file);
	return s;
}

/* One private-zones entry; its vpcs: go to a. */
static struct zone *parse_zone(struct conf_parser *p, yaml_node_t *entry, struct conf_assoc *a)
{
	static const char *const keys[] = { "name", "vpcs", "file", "records", NULL };
	if (entry->type != YAML_MAPPING_NODE) {
		conf_error(p, entry, "a private-zones entry must be a mapping {name, file, records}");
		return NULL;
	}
	if (!conf_check_keys(p, entry, keys, "a private zone"))
		return NULL;
	yaml_node_t *nn = conf_map_get(p, entry, "name");
	yaml_node_t *fn = conf_map_get(p, entry, "file"), *rn = conf_map_get(p, entry, "records");
	if (!nn) {
		conf_error(p, entry, "a private zone needs a name");
		return NULL;
	}
	const char *name = conf_scalar(p, nn, "private zone name");
	if (!name)
		return NULL;
	uint8_t apex[WIRE_NAME_MAX];
	if (conf_domain_name(name, apex) < 0) {
		conf_error(p, nn, "'%s' is not a valid zone name", name);
		return NULL;
	}
	if (apex[0] == 0) {
		conf_error(p, nn, "a private zone needs a name below the root, not '%s'", name);
		return NULL;
	}
	char abs[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(apex, abs, sizeof(abs));
	char what[WIRE_NAME_TEXT_MAX + 16];
	snprintf(what, sizeof(what), "private zone %s", abs);
	conf_parse_assoc(p, conf_map_get(p, entry, "vpcs"), a, what);
	a->line = (int)nn->start_mark.line + 1;
	a->col = (int)nn->start_mark.column + 1;
	struct zone *z = zone_new(apex);
	if (!z) {
		conf_error(p, nn, "out of memory");
		return NULL;
	}
	size_t errors_before = p->errs->count;
	char err[1024];
	if (fn) {
		const char *file = conf_scalar(p, fn, "private zone file");
		char *path = file ? conf_join_path(p->base_dir, file) : NULL;
		if (path && zone_load_file(z, path, err, sizeof(err)) < 0)
			conf_error(p, fn, "%s", err);
		free(path);
	}
	struct alias_places ap = { 0 };
	if (rn && (rn->type != YAML_SCALAR_NODE || rn->data.scalar.length != 0)) {
		if (conf_expect_sequence(p, rn, "records"))
			for (yaml_node_item_t *it = rn->data.sequence.items.start;
			     it < rn->data.sequence.items.top; it++) {
				yaml_node_t *rec = conf_node(p, *it);
				if (rec)
					add_yaml_record(p, rec, z, abs, &ap);
			}
	}
	if (p->errs->count == errors_before && zone_finish(z, err, sizeof(err)) < 0) {
		const yaml_node_t *at = alias_place(&ap, err);
		conf_error(p, at ? at : nn, "private zone %s: %s", abs, err);
	}
	free(ap.at);
	if (p->errs->count != errors_before) {
		zone_free(z);
		return NULL;
	}
	return z;
}

int conf_parse_private_zones(struct conf_parser *p, yaml_node_t *node, struct cairn_config *cfg)
{
	conf_free_zones(cfg);
	if (node->type == YAML_SCALAR_NODE && node->data.scalar.length == 0)
		return 0;
	if (!conf_expect_sequence(p, node, "private-zones"))
		return -1;
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	cfg->zones = calloc(n ? n : 1, sizeof(*cfg->zones));
	cfg->zone_assoc = calloc(n ? n : 1, sizeof(*cfg->zone_assoc));
	if (!cfg->zones || !cfg->zone_assoc)
		return -1;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *entry = conf_node(p, *it);
		if (!entry)
			continue;
		struct conf_assoc *a = &cfg->zone_assoc[cfg->n_zones];
		struct zone *z = parse_zone(p, entry, a);
		if (!z) {
			conf_assoc_free(a);
			continue;
		}
		/* Two zones of one name are fine for different VPCs (split horizon): whether
		 * they meet is known once the VPCs are (conf_build_policy). */
		cfg->zones[cfg->n_zones++] = z;
	}
	return 0;
}

static bool builtin_left_out(const struct cairn_config *cfg, const struct zone *b)
{
	if (!cfg->builtin_zones)
		return true;
	for (size_t i = 0; i < cfg->n_builtin_exclude; i++)
		if (wire_name_is_subdomain(b->apex, cfg->builtin_exclude[i]))
			return true;
	return false; /* a private zone of the same name replaces it in its views only */
}

int conf_build_builtins(struct conf_parser *p, struct cairn_config *cfg)
{
	size_t nb = builtin_zone_count();
	cfg->builtins = calloc(nb ? nb : 1, sizeof(*cfg->builtins));
	if (!cfg->builtins) {
		conf_error(p, NULL, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nb; i++) {
		char err[256];
		struct zone *b = builtin_zone_build(i, err, sizeof(err));
		if (!b) {
			conf_error(p, NULL, "built-in zone %s: %s", builtin_zone_name(i), err);
			continue;
		}
		if (builtin_left_out(cfg, b)) {
			zone_free(b);
			continue;
		}
		cfg->builtins[cfg->n_builtins++] = b;
	}
	return 0;
}

void conf_free_zones(struct cairn_config *cfg)
{
	for (size_t i = 0; i < cfg->n_zones; i++) {
		zone_free(cfg->zones[i]);
		if (cfg->zone_assoc)
			conf_assoc_free(&cfg->zone_assoc[i]);
	}
	free(cfg->zones);
	free(cfg->zone_assoc);
	cfg->zone_assoc = NULL;
	cfg->zones = NULL;
	cfg->n_zones = 0;
	for (size_t i = 0; i < cfg->n_builtins; i++)
		zone_free(cfg->builtins[i]);
	free(cfg->builtins);
	cfg->builtins = NULL;
	cfg->n_builtins = 0;
}
