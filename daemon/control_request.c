/* control_request — the pure half of the control socket (see control.h): the request line
 * parser and the two forms of "stats". No I/O, so the unit tests call them directly. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "lib/util/netaddr.h"
#include "lib/zone/load.h"

#define FLUSH_USAGE "usage: flush NAME | flush --below NAME | flush --negative | flush --all"
#define STATS_USAGE "usage: stats [--json]"
#define TEST_USAGE "usage: test-answer NAME TYPE [--vpc NAME | --client IP] [--json]"
#define COMMANDS "commands: flush, stats, test-answer"

/* ---- the request line ---- */

struct word {
	const char *s;
	size_t len;
};

static bool word_is(const struct word *w, const char *text)
{
	return w->len == strlen(text) && memcmp(w->s, text, w->len) == 0;
}

static void set_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A name as an operator types it: presentation form, the final dot optional. */
static int parse_name(const struct word *w, uint8_t out[WIRE_NAME_MAX], char *err, size_t errlen)
{
	static const uint8_t root[1] = { 0 };
	char text[CONTROL_LINE_MAX + 1];
	memcpy(text, w->s, w->len);
	text[w->len] = '\0';
	/* "@" means the origin in a zone file, which is no name to flush here. */
	int n = strcmp(text, "@") ? wire_name_from_text(text, root, out) : WIRE_NAME_BAD_TEXT;
	if (n == WIRE_NAME_TOO_LONG) {
		set_error(err, errlen, "'%s' is not a domain name (longer than 255 bytes)", text);
		return -1;
	}
	if (n < 0) {
		set_error(err, errlen, "'%s' is not a domain name", text);
		return -1;
	}
	wire_name_lower(out);
	return 0;
}

/* test-answer NAME TYPE [--vpc NAME | --client IP] [--json], options in any order. */
static int parse_test_answer(const struct word *words, size_t n, struct control_request *req,
			     char *err, size_t errlen)
{
	static const uint8_t root[1] = { 0 };
	if (n < 3) {
		set_error(err, errlen, "test-answer needs a name and a type; " TEST_USAGE);
		return -1;
	}
	req->command = CONTROL_TEST_ANSWER;
	char text[CONTROL_LINE_MAX + 1];
	memcpy(text, words[1].s, words[1].len);
	text[words[1].len] = '\0';
	if (wire_name_from_text(text, root, req->name) < 0) {
		set_error(err, errlen, "'%s' is not a domain name", text);
		return -1;
	}
	memcpy(text, words[2].s, words[2].len);
	text[words[2].len] = '\0';
	for (char *c = text; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 32);
	req->qtype = zone_type_from_text(text);
	if (req->qtype == 0) {
		set_error(err, errlen, "unknown record type '%s'", text);
		return -1;
	}
	for (size_t i = 3; i < n; i++) {
		const struct word *o = &words[i];
		if (word_is(o, "--json")) {
			req->json = true;
			continue;
		}
		bool vpc = word_is(o, "--vpc"), client = word_is(o, "--client");
		if (!vpc && !client) {
			set_error(err, errlen, "unknown option '%.*s'; " TEST_USAGE, (int)o->len,
				  o->s);
			return -1;
		}
		if (req->view != CONTROL_VIEW_DEFAULT) {
			set_error(err, errlen, "--vpc and --client choose the view: one of them, "
				  "once; " TEST_USAGE);
			return -1;
		}
		if (i + 1 >= n) {
			set_error(err, errlen, "%.*s needs a value; " TEST_USAGE, (int)o->len, o->s);
			return -1;
		}
		const struct word *v = &words[++i];
		if (vpc) {
			if (v->len >= sizeof(req->vpc)) {
				set_error(err, errlen, "VPC name longer than %d bytes",
					  CONTROL_VPC_NAME_MAX - 1);
				return -1;
			}
			memcpy(req->vpc, v->s, v->len);
			req->vpc[v->len] = '\0';
			req->view = CONTROL_VIEW_VPC;
			continue;
		}
		memcpy(text, v->s, v->len);
		text[v->len] = '\0';
		struct netaddr a;
		char why[128];
		if (netaddr_parse(text, 0, &a, why, sizeof(why)) < 0 || a.port != 0) {
			set_error(err, errlen, "'%s' is not an IP address", text);
			return -1;
		}
		req->family = a.family;
		memcpy(req->addr, a.addr, sizeof(req->addr));
		req->view = CONTROL_VIEW_CLIENT;
	}
	return 0;
}

static int parse_flush(const struct word *words, size_t n, struct control_request *req,
		       char *err, size_t errlen)
{
	if (n == 1) {
		set_error(err, errlen, "flush needs a name, --below NAME, --negative or --all; "
			  FLUSH_USAGE);
		return -1;
	}
	const struct word *opt = &words[1];
	if (opt->s[0] != '-') {
		if (n != 2) {
			set_error(err, errlen, "one name at a time; " FLUSH_USAGE);
			return -1;
		}
		req->command = CONTROL_FLUSH_NAME;
		return parse_name(opt, req->name, err, errlen);
	}
	if (word_is(opt, "--below")) {
		if (n != 3) {
			set_error(err, errlen, "flush --below needs one name; " FLUSH_USAGE);
			return -1;
		}
		req->command = CONTROL_FLUSH_BELOW;
		return parse_name(&words[2], req->name, err, errlen);
	}
	if (word_is(opt, "--negative") || word_is(opt, "--all")) {
		if (n != 2) {
			set_error(err, errlen, "flush %.*s takes no name; " FLUSH_USAGE,
				  (int)opt->len, opt->s);
			return -1;
		}
		req->command = word_is(opt, "--all") ? CONTROL_FLUSH_ALL : CONTROL_FLUSH_NEGATIVE;
		return 0;
	}
	set_error(err, errlen, "unknown option '%.*s'; " FLUSH_USAGE, (int)opt->len, opt->s);
	return -1;
}

int control_parse_request(const char *line, size_t len, struct control_request *req,
			  char *err, size_t errlen)
{
	memset(req, 0, sizeof(*req));
	if (len > CONTROL_LINE_MAX) {
		set_error(err, errlen, "request longer than %d bytes", CONTROL_LINE_MAX);
		return -1;
	}
	/* Bytes the error texts would echo must be printable: no control characters (NUL
	 * included, which would also cut the line short). */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			set_error(err, errlen, "control character (byte %u) at offset %zu of the "
				  "request", c, i);
			return -1;
		}
	}
	struct word words[8]; /* one more than any request has, for a precise error */
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		if (line[i] == ' ' || line[i] == '\t') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		if (n == sizeof(words) / sizeof(words[0])) {
			set_error(err, errlen, "too many words in the request");
			return -1;
		}
		words[n++] = (struct word){ .s = line + start, .len = i - start };
	}
	if (n == 0) {
		set_error(err, errlen, "empty request; " COMMANDS);
		return -1;
	}
	if (word_is(&words[0], "flush"))
		return parse_flush(words, n, req, err, errlen);
	if (word_is(&words[0], "test-answer"))
		return parse_test_answer(words, n, req, err, errlen);
	if (word_is(&words[0], "stats")) {
		req->command = CONTROL_STATS;
		if (n == 1)
			return 0;
		if (n == 2 && word_is(&words[1], "--json")) {
			req->json = true;
			return 0;
		}
		if (n == 2)
			set_error(err, errlen, "unknown option '%.*s'; " STATS_USAGE,
				  (int)words[1].len, words[1].s);
		else
			set_error(err, errlen, "stats takes one option at most; " STATS_USAGE);
		return -1;
	}
	set_error(err, errlen, "unknown command '%.*s'; " COMMANDS,
		  (int)words[0].len, words[0].s);
	return -1;
}

/* ---- stats ---- */

void out_printf(struct out_buf *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

size_t control_format_stats(const struct control_stat *stats, size_t n, bool json, char *out,
			    size_t cap)
{
	if (cap == 0)
		return 0;
	struct out_buf o = { .s = out, .cap = cap };
	if (json)
		out_printf(&o, "{");
	for (size_t i = 0; i < n; i++) {
		if (json)
			out_printf(&o, "%s\"%s\": %llu", i ? ", " : "", stats[i].key,
				   (unsigned long long)stats[i].value);
		else
			out_printf(&o, "%s: %llu\n", stats[i].key,
				   (unsigned long long)stats[i].value);
	}
	if (json)
		out_printf(&o, "}\n");
	return o.full ? 0 : o.len;
}
