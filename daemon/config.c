/* config — loading, checking and freeing the configuration value (see config.h). */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* Append "FILE:LINE:COLUMN: message" to the error list. */
static void add_error_v(struct conf_parser *p, size_t line, size_t col, const char *fmt,
			va_list ap)
{
	struct config_errors *e = p->errs;
	if (e->count >= CONFIG_MAX_ERRORS) {
		e->dropped++;
		return;
	}
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(p->name) + strlen(msg) + 64;
	char *s = malloc(n);
	if (!s) {
		e->dropped++;
		return;
	}
	snprintf(s, n, "%s:%zu:%zu: %s", p->name, line, col, msg);
	e->msg[e->count++] = s;
}

void conf_error(struct conf_parser *p, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_error_v(p, node ? node->start_mark.line + 1 : 1, node ? node->start_mark.column + 1 : 1,
		    fmt, ap);
	va_end(ap);
}

void conf_error_at(struct conf_parser *p, size_t line, size_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_error_v(p, line, col, fmt, ap);
	va_end(ap);
}

void config_errors_clear(struct config_errors *errs)
{
	for (size_t i = 0; i < errs->count; i++)
		free(errs->msg[i]);
	errs->count = 0;
	errs->dropped = 0;
}

yaml_node_t *conf_node(struct conf_parser *p, int index)
{
	return yaml_document_get_node(p->doc, index);
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a single value";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

const char *conf_scalar(struct conf_parser *p, yaml_node_t *node, const char *what)
{
	if (node->type != YAML_SCALAR_NODE) {
		conf_error(p, node, "%s must be a single value, not %s", what, node_kind(node));
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}

bool conf_expect_sequence(struct conf_parser *p, yaml_node_t *node, const char *what)
{
	if (node->type == YAML_SEQUENCE_NODE)
		return true;
	conf_error(p, node, "%s must be a list, not %s", what, node_kind(node));
	return false;
}

size_t conf_seq_len(const yaml_node_t *node)
{
	if (node->type == YAML_SEQUENCE_NODE)
		return (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	return 1;
}

yaml_node_t *conf_seq_item(struct conf_parser *p, yaml_node_t *node, size_t i)
{
	return node->type == YAML_SEQUENCE_NODE ? conf_node(p, node->data.sequence.items.start[i])
						: node;
}

int conf_domain_name(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	static const uint8_t root[1] = { 0 };
	/* relative to the root is absolute: "example.test" and "example.test." are one name */
	return wire_name_from_text(text, root, out);
}

int conf_parse_bool_text(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int parse_uint(const char *s, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* "10" (seconds), "500ms", "10s", "2m", "1h", "1d" → milliseconds. */
static int parse_duration(const char *s, uint64_t *ms)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || v > UINT32_MAX)
		return -1;
	uint64_t mult;
	if (*end == '\0' || !strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else if (!strcmp(end, "d"))
		mult = 86400000;
	else
		return -1;
	*ms = v * mult;
	return 0;
}

/* "64M", "512K", "1G", "1048576": bytes (K = 1024). */
static int parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || v > (1ull << 40))
		return -1;
	uint64_t mult = 1;
	if (!strcmp(end, "K") || !strcmp(end, "k"))
		mult = 1ull << 10;
	else if (!strcmp(end, "M"))
		mult = 1ull << 20;
	else if (!strcmp(end, "G"))
		mult = 1ull << 30;
	else if (*end)
		return -1;
	*bytes = v * mult;
	return 0;
}

static void format_size_kib(uint32_t kib, char *buf, size_t size)
{
	if (kib % 1024)
		snprintf(buf, size, "%" PRIu32 "K", kib);
	else if (kib % (1024 * 1024))
		snprintf(buf, size, "%" PRIu32 "M", kib / 1024);
	else
		snprintf(buf, size, "%" PRIu32 "G", kib / (1024 * 1024));
}

static void format_duration(uint32_t ms, char *buf, size_t size)
{
	if (ms % 1000)
		snprintf(buf, size, "%" PRIu32 "ms", ms);
	else
		snprintf(buf, size, "%" PRIu32 "s", ms / 1000);
}

static void apply_option(struct conf_parser *p, const struct conf_option *o, yaml_node_t *v,
			 struct cairn_config *cfg, const char *section)
{
	char what[128];
	snprintf(what, sizeof(what), "%s%s%s", section ? section : "", section ? "." : "",
		 o->key);
	void *field = (char *)cfg + o->offset;
	const char *s;
	uint64_t n;

	switch (o->type) {
	case CT_SECTION:
		if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
			return; /* "server:" with nothing under it keeps the defaults */
		conf_apply_mapping(p, v, o->children, cfg, what);
		return;
	case CT_CUSTOM:
		o->parse(p, v, cfg);
		return;
	case CT_BOOL:
		if (!(s = conf_scalar(p, v, what)))
			return;
		if (conf_parse_bool_text(s, (bool *)field) < 0)
			conf_error(p, v, "%s must be true or false, not '%s'", what, s);
		return;
	case CT_UINT:
		if (!(s = conf_scalar(p, v, what)))
			return;
		if (parse_uint(s, &n) < 0 || n < o->min || n > o->max) {
			conf_error(p, v, "%s must be a whole number from %" PRIu32 " to %" PRIu32
				   ", not '%s'", what, o->min, o->max, s);
			return;
		}
		*(uint32_t *)field = (uint32_t)n;
		return;
	case CT_DURATION:
		if (!(s = conf_scalar(p, v, what)))
			return;
		if (parse_duration(s, &n) < 0 || n < o->min || n > o->max) {
			char lo[32], hi[32];
			format_duration(o->min, lo, sizeof(lo));
			format_duration(o->max, hi, sizeof(hi));
			conf_error(p, v, "%s must be a duration from %s to %s (e.g. 10s, 500ms), "
				   "not '%s'", what, lo, hi, s);
			return;
		}
		*(uint32_t *)field = (uint32_t)n;
		return;
	case CT_SIZE:
		if (!(s = conf_scalar(p, v, what)))
			return;
		if (parse_size(s, &n) < 0 || n < (uint64_t)o->min * 1024 ||
		    n > (uint64_t)o->max * 1024) {
			char lo[32], hi[32];
			format_size_kib(o->min, lo, sizeof(lo));
			format_size_kib(o->max, hi, sizeof(hi));
			conf_error(p, v, "%s must be a size from %s to %s (e.g. 64M, 512K), not '%s'",
				   what, lo, hi, s);
			return;
		}
		*(uint64_t *)field = n;
		return;
	case CT_ENUM:
		if (!(s = conf_scalar(p, v, what)))
			return;
		for (int i = 0; o->enum_values[i]; i++) {
			if (!strcmp(s, o->enum_values[i])) {
				*(int *)field = i;
				return;
			}
		}
		char choices[256] = "";
		for (int i = 0; o->enum_values[i]; i++) {
			strncat(choices, i ? ", " : "", sizeof(choices) - strlen(choices) - 1);
			strncat(choices, o->enum_values[i], sizeof(choices) - strlen(choices) - 1);
		}
		conf_error(p, v, "%s must be one of %s, not '%s'", what, choices, s);
		return;
	}
}

void conf_apply_mapping(struct conf_parser *p, yaml_node_t *node, const struct conf_option *opts,
			struct cairn_config *cfg, const char *section)
{
	if (node->type != YAML_MAPPING_NODE) {
		conf_error(p, node, "%s must be a mapping of keys, not %s",
			   section ? section : "the file", node_kind(node));
		return;
	}
	size_t nopts = 0;
	while (opts[nopts].key)
		nopts++;
	int seen_line[64] = { 0 };

	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = conf_node(p, pair->key), *v = conf_node(p, pair->value);
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			conf_error(p, k, "keys must be plain words");
			continue;
		}
		const char *key = (const char *)k->data.scalar.value;
		size_t i = 0;
		while (i < nopts && strcmp(opts[i].key, key))
			i++;
		if (i == nopts) {
			conf_error(p, k, "unknown key '%s'%s%s", key, section ? " in " : "",
				   section ? section : "");
			continue;
		}
		if (i < 64 && seen_line[i]) {
			conf_error(p, k, "duplicate key '%s' (first at line %d)", key, seen_line[i]);
			continue;
		}
		if (i < 64)
			seen_line[i] = (int)k->start_mark.line + 1;
		apply_option(p, &opts[i], v, cfg, section);
	}
}

/* libyaml's reader errors (bad UTF-8, control characters) carry a byte offset, not a mark. */
static void offset_to_position(const char *text, size_t len, size_t off, size_t *line,
			       size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void report_parser_error(struct conf_parser *p, yaml_parser_t *parser, const char *text,
				size_t len)
{
	size_t line, col;
	if (parser->error == YAML_READER_ERROR) {
		offset_to_position(text, len, parser->problem_offset, &line, &col);
	} else {
		/* libyaml marks are 0-based */
		line = parser->problem_mark.line + 1;
		col = parser->problem_mark.column + 1;
	}
	conf_error_at(p, line, col, "YAML syntax error: %s%s%s", parser->problem ? parser->problem : "?",
		 parser->context ? " " : "", parser->context ? parser->context : "");
}

/* One pass over the YAML events, before any document is built: syntax errors at their
 * position; every alias where it is written (an alias lets a small file stand for a huge one,
 * and each value in cairn's config has one meaning in one place); a second document, which
 * would otherwise be ignored. */
static bool check_stream(struct conf_parser *p, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	bool ok = true, done = false;
	int documents = 0;
	if (!yaml_parser_initialize(&parser)) {
		conf_error(p, NULL, "out of memory");
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			report_parser_error(p, &parser, text, len);
			ok = false;
			break;
		}
		if (ev.type == YAML_ALIAS_EVENT) {
			conf_error_at(p, ev.start_mark.line + 1, ev.start_mark.column + 1,
				 "YAML aliases are not supported: %s (write the value out)",
				 (const char *)ev.data.alias.anchor);
			ok = false;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && ++documents == 2) {
			conf_error_at(p, ev.start_mark.line + 1, ev.start_mark.column + 1,
				 "more than one YAML document: a config file holds exactly one");
			ok = false;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return ok;
}

/* Check the text, load its one document and apply it to cfg. */
static void apply_text(struct conf_parser *p, const char *text, size_t len,
		       struct cairn_config *cfg)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!check_stream(p, text, len))
		return;
	if (!yaml_parser_initialize(&parser)) {
		conf_error(p, NULL, "out of memory");
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		report_parser_error(p, &parser, text, len);
		yaml_parser_delete(&parser);
		return;
	}
	p->doc = &doc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
		conf_apply_mapping(p, root, conf_top, cfg, NULL);
	p->doc = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

/* Apply every option's default, from the same text the reference prints. */
static void apply_defaults(const struct conf_option *opts, const char *section,
			   struct cairn_config *cfg, struct config_errors *errs)
{
	for (const struct conf_option *o = opts; o->key; o++) {
		if (o->type == CT_SECTION) {
			apply_defaults(o->children, o->key, cfg, errs);
			continue;
		}
		char doc[1024];
		if (section)
			snprintf(doc, sizeof(doc), "%s:\n  %s: %s\n", section, o->key, o->def);
		else
			snprintf(doc, sizeof(doc), "%s: %s\n", o->key, o->def);
		struct conf_parser p = { .name = "<built-in default>", .base_dir = ".",
					 .errs = errs };
		apply_text(&p, doc, strlen(doc), cfg);
	}
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

struct cairn_config *config_load_text(const char *text, size_t len, const char *name,
				      const char *base_dir, struct config_errors *errs)
{
	struct cairn_config *cfg = calloc(1, sizeof(*cfg));
	memset(errs, 0, sizeof(*errs));
	if (!cfg || !(cfg->source = dup_str(name))) {
		free(cfg);
		errs->msg[errs->count++] = dup_str("out of memory");
		return NULL;
	}
	apply_defaults(conf_top, NULL, cfg, errs);
	struct conf_parser p = { .name = name, .base_dir = base_dir, .errs = errs };
	apply_text(&p, text, len, cfg);
	if (errs->count == 0 && errs->dropped == 0 && conf_build_builtins(&p, cfg) == 0)
		conf_build_policy(&p, cfg);
	if (errs->count || errs->dropped) {
		config_free(cfg);
		return NULL;
	}
	/* Configs are loaded on the main thread only; the count never repeats in a process. */
	static uint32_t loads;
	cfg->generation = ++loads;
	return cfg;
}

static char *read_file(const char *path, size_t *len, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			char *nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
				snprintf(why, whylen, "file too large (over 64 MiB)");
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				snprintf(why, whylen, "%s", strerror(errno));
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

struct cairn_config *config_load(const char *path, struct config_errors *errs)
{
	if (!path) {
		char *ref = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&ref, &len);
		if (!mem)
			return NULL;
		config_print_reference(mem);
		fclose(mem);
		struct cairn_config *cfg =
			config_load_text(ref, len, "<built-in default>", ".", errs);
		free(ref);
		return cfg;
	}
	char why[256] = "";
	size_t len;
	char *text = read_file(path, &len, why, sizeof(why));
	if (!text) {
		memset(errs, 0, sizeof(*errs));
		size_t n = strlen(path) + strlen(why) + 64;
		char *s = malloc(n);
		if (s) {
			snprintf(s, n, "%s:1:1: cannot read the config file: %s", path, why);
			errs->msg[errs->count++] = s;
		}
		return NULL;
	}
	char *dir = dup_str(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	const char *base = ".";
	if (slash) {
		*slash = '\0';
		base = slash == dir ? "/" : dir;
	}
	struct cairn_config *cfg = config_load_text(text, len, path, base, errs);
	free(dir);
	free(text);
	return cfg;
}

void config_free(struct cairn_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->source);
	free(cfg->listen);
	free(cfg->access.rules);
	free(cfg->builtin_exclude);
	conf_free_policy(cfg); /* views point into the zones: first */
	conf_free_zones(cfg);
	conf_free_recursion(cfg);
	anchors_free(&cfg->anchors);
	free(cfg->control_socket);
	free(cfg);
}

bool config_same_listen(const struct cairn_config *a, const struct cairn_config *b)
{
	return a->n_listen == b->n_listen &&
	       memcmp(a->listen, b->listen, a->n_listen * sizeof(*a->listen)) == 0;
}

static void print_options(FILE *out, const struct conf_option *opts, int indent)
{
	for (const struct conf_option *o = opts; o->key; o++) {
		if (o != opts && indent == 0)
			fputc('\n', out);
		fprintf(out, "%*s# %s\n", indent, "", o->help);
		if (o->type == CT_SECTION) {
			fprintf(out, "%*s%s:\n", indent, "", o->key);
			print_options(out, o->children, indent + 2);
			continue;
		}
		fprintf(out, "%*s%s: %s\n", indent, "", o->key, o->def);
		if (o->example)
			fprintf(out, "%s", o->example);
	}
}

void config_print_reference(FILE *out)
{
	fprintf(out,
		"# cairnd configuration reference: every key with its default value.\n"
		"# This file is what cairnd runs with when started without -c; copy it and\n"
		"# change what you need. Check a file with: cairnd --check-config FILE\n"
		"# Generated by `cairnd --print-default-config`; see README.md for details.\n\n");
	print_options(out, conf_top, 0);
}
