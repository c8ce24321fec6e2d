/* test_answer — cairnctl test-answer (see test_answer.h). */
#define _POSIX_C_SOURCE 200809L
#include "test_answer.h"

#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/policy/policy.h"
#include "lib/wire/builder.h"
#include "lib/wire/dns.h"
#include "worker.h"

struct test_answer {
	test_answer_done done;          /* NULL once cancelled */
	void *ctx;
	bool json;
	bool starting;                  /* test_answer_start has not returned yet */
	bool finished;                  /* finish() ran meanwhile: start frees it */
	char question[WIRE_NAME_TEXT_MAX + 48];
	char view_text[600];            /* the view and the decision, as text and as JSON */
	char view_json[1200];
	char decision_text[3 * WIRE_NAME_TEXT_MAX];
	char decision_json[6 * WIRE_NAME_TEXT_MAX];
};

/* s as a JSON string (quotes included) into buf. */
static const char *json_str(const char *s, char *buf, size_t size)
{
	size_t o = 0;
	buf[o++] = '"';
	for (; *s && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c == '\t') {
			buf[o++] = ' ';
		} else if (c < 0x20) {
			o += (size_t)snprintf(buf + o, size - o, "\\u%04x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static void fail(test_answer_done done, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(test_answer_done done, void *ctx, const char *fmt, ...)
{
	char text[CONTROL_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text) - 1, fmt, ap);
	va_end(ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(text) - 1 ? (size_t)n : sizeof(text) - 2;
	char reply[CONTROL_ERROR_MAX + 16];
	int r = snprintf(reply, sizeof(reply), "error: %.*s\n", (int)len, text);
	done(ctx, reply, r < 0 ? 0 : (size_t)r < sizeof(reply) ? (size_t)r : sizeof(reply) - 1);
}

/* RFC 8914: the first Extended DNS Error of the answer's OPT, if any. */
static bool find_ede(const ldns_pkt *p, unsigned *code, char *text, size_t size)
{
	ldns_rdf *d = ldns_pkt_edns_data(p);
	if (!d)
		return false;
	const uint8_t *b = ldns_rdf_data(d);
	size_t n = ldns_rdf_size(d);
	for (size_t off = 0; off + 4 <= n;) {
		unsigned opt = (unsigned)(b[off] << 8 | b[off + 1]);
		size_t len = (size_t)(b[off + 2] << 8 | b[off + 3]);
		if (off + 4 + len > n)
			break;
		if (opt == EDNS_OPTION_EDE && len >= 2) {
			*code = (unsigned)(b[off + 4] << 8 | b[off + 5]);
			size_t tl = len - 2 < size - 1 ? len - 2 : size - 1;
			memcpy(text, b + off + 6, tl);
			text[tl] = '\0';
			return true;
		}
		off += 4 + len;
	}
	return false;
}

/* Each RR of a section, as zone-file text without its newline. */
static void put_section(struct out_buf *o, const ldns_rr_list *l, bool json, const char *key)
{
	char esc[2048];
	if (json)
		out_printf(o, ", \"%s\": [", key);
	else if (ldns_rr_list_rr_count(l))
		out_printf(o, "%s:\n", key);
	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		char *t = ldns_rr2str(ldns_rr_list_rr(l, i));
		if (!t)
			continue;
		size_t n = strlen(t);
		while (n && (t[n - 1] == '\n' || t[n - 1] == '\r'))
			t[--n] = '\0';
		if (json)
			out_printf(o, "%s%s", i ? ", " : "", json_str(t, esc, sizeof(esc)));
		else
			out_printf(o, "  %s\n", t);
		free(t);
	}
	if (json)
		out_printf(o, "]");
}

static void release(struct test_answer *t)
{
	if (t->starting)
		t->finished = true;
	else
		free(t);
}

/* The client's answer arrived (or, len 0, never will): format it and hand it over. */
static void finish(struct test_answer *t, const uint8_t *data, size_t len)
{
	if (!t->done) { /* cancelled: nobody to tell */
		release(t);
		return;
	}
	ldns_pkt *p = NULL;
	if (len == 0 || ldns_wire2pkt(&p, data, len) != LDNS_STATUS_OK) {
		fail(t->done, t->ctx, "no answer for %s (cairnd is stopping?)", t->question);
		release(t);
		return;
	}
	char reply[CONTROL_REPLY_MAX], rcode[32], esc[600];
	const ldns_lookup_table *rc = ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(p));
	snprintf(rcode, sizeof(rcode), "%s", rc ? rc->name : "?");
	unsigned ede = 0;
	char ede_text[300] = "";
	bool has_ede = find_ede(p, &ede, ede_text, sizeof(ede_text));
	struct out_buf o = { .s = reply, .cap = sizeof(reply) };
	out_printf(&o, "ok\n");
	if (t->json) {
		out_printf(&o, "{\"question\": %s, %s, %s, \"rcode\": \"%s\", \"aa\": %s",
		    json_str(t->question, esc, sizeof(esc)), t->view_json, t->decision_json, rcode,
		    ldns_pkt_aa(p) ? "true" : "false");
		if (has_ede)
			out_printf(&o, ", \"ede\": %u, \"ede-text\": %s", ede,
			    json_str(ede_text, esc, sizeof(esc)));
		put_section(&o, ldns_pkt_answer(p), true, "answer");
		put_section(&o, ldns_pkt_authority(p), true, "authority");
		out_printf(&o, "}\n");
	} else {
		out_printf(&o, "question: %s\nview: %s\n%srcode: %s%s\n", t->question, t->view_text,
		    t->decision_text, rcode, ldns_pkt_aa(p) ? " (authoritative)" : "");
		if (has_ede)
			out_printf(&o, "ede: %u %s\n", ede, ede_text);
		put_section(&o, ldns_pkt_answer(p), false, "answer");
		put_section(&o, ldns_pkt_authority(p), false, "authority");
	}
	ldns_pkt_free(p);
	if (o.full) {
		static const char cut[] = "\n(the rest does not fit in the reply)\n";
		memcpy(reply + sizeof(reply) - sizeof(cut), cut, sizeof(cut));
		o.len = sizeof(reply) - 1;
	}
	t->done(t->ctx, reply, o.len);
	release(t);
}

static void on_resolved(void *ctx, const uint8_t *data, size_t len)
{
	finish(ctx, data, len);
}

/* The view asked for, or NULL after telling why. */
static const struct policy_view *choose_view(const struct worker *w,
					     const struct control_request *req,
					     test_answer_done done, void *ctx)
{
	const struct policy *pol = &w->cfg->policy;
	if (req->view == CONTROL_VIEW_CLIENT)
		return policy_view_for(pol, req->family, req->addr);
	if (req->view == CONTROL_VIEW_DEFAULT)
		return &pol->views[0];
	const struct policy_view *v = policy_view_named(pol, req->vpc);
	if (!v) {
		char names[512] = "";
		size_t len = 0;
		for (size_t i = 1; i < pol->n_views && len < sizeof(names); i++) {
			int n = snprintf(names + len, sizeof(names) - len, "%s%s", i > 1 ? ", " : "",
					 pol->views[i].vpc->name);
			len += n > 0 ? (size_t)n : 0;
		}
		fail(done, ctx, "no VPC named '%s' (VPCs: %s)", req->vpc,
		     pol->n_views > 1 ? names : "none");
	}
	return v;
}

static const char *kind_word(enum policy_kind k)
{
	switch (k) {
	case POLICY_ZONE: return "zone";
	case POLICY_FORWARD: return "forward";
	case POLICY_SYSTEM: return "system";
	default: return "recursive";
	}
}

/* What decided, in words and in JSON, before any answer exists. */
static void describe(struct test_answer *t, const struct policy_view *v, const uint8_t *name)
{
	char esc[300], esc2[2 * WIRE_NAME_TEXT_MAX], esc3[2 * WIRE_NAME_TEXT_MAX];
	char domain[WIRE_NAME_TEXT_MAX], why[WIRE_NAME_TEXT_MAX];
	if (v->vpc) {
		snprintf(t->view_text, sizeof(t->view_text), "vpc %s (%s)", v->vpc->name,
			 v->vpc->id);
		snprintf(t->view_json, sizeof(t->view_json), "\"view\": %s, \"vpc-id\": %s",
			 json_str(v->vpc->name, esc, sizeof(esc)),
			 json_str(v->vpc->id, esc2, sizeof(esc2)));
	} else {
		snprintf(t->view_text, sizeof(t->view_text), "default (no VPC)");
		snprintf(t->view_json, sizeof(t->view_json), "\"view\": null, \"vpc-id\": null");
	}
	struct policy_decision d;
	policy_decide(v, name, &d);
	policy_explain(&d, why, sizeof(why));
	const char *rule = d.rule ? d.rule->name : NULL;
	if (d.kind == POLICY_ZONE)
		wire_name_to_text(d.zone->apex, domain, sizeof(domain));
	else if (d.rule)
		wire_name_to_text(d.rule->domain, domain, sizeof(domain));
	else
		snprintf(domain, sizeof(domain), ".");
	if (d.kind == POLICY_ZONE)
		snprintf(t->decision_text, sizeof(t->decision_text),
			 "decision: private zone %s\nwhy: %s\n", domain, why);
	else if (rule)
		snprintf(t->decision_text, sizeof(t->decision_text),
			 "decision: %s rule %s (%s)\nwhy: %s\n", kind_word(d.kind), rule, domain,
			 why);
	else
		snprintf(t->decision_text, sizeof(t->decision_text),
			 "decision: recursive (the implicit rule for .)\nwhy: %s\n", why);
	snprintf(t->decision_json, sizeof(t->decision_json),
		 "\"decision\": {\"kind\": \"%s\", \"name\": %s, \"domain\": %s}, \"why\": %s",
		 kind_word(d.kind), rule ? json_str(rule, esc, sizeof(esc)) : "null",
		 json_str(domain, esc2, sizeof(esc2)), json_str(why, esc3, sizeof(esc3)));
}

struct test_answer *test_answer_start(struct worker *w, const struct control_request *req,
				      test_answer_done done, void *ctx)
{
	const struct policy_view *v = choose_view(w, req, done, ctx);
	if (!v)
		return NULL;
	struct test_answer *t = calloc(1, sizeof(*t));
	if (!t) {
		fail(done, ctx, "out of memory");
		return NULL;
	}
	t->done = done;
	t->ctx = ctx;
	t->starting = true;
	t->json = req->json;
	char name[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(req->name, name, sizeof(name));
	char type[32];
	ldns_rdf *tr = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_TYPE, 2,
					     (uint8_t[2]){ (uint8_t)(req->qtype >> 8),
							   (uint8_t)req->qtype });
	char *ts = tr ? ldns_rdf2str(tr) : NULL;
	snprintf(type, sizeof(type), "%s", ts ? ts : "?");
	free(ts);
	ldns_rdf_deep_free(tr);
	snprintf(t->question, sizeof(t->question), "%s %s", name, type);
	uint8_t lc[WIRE_NAME_MAX];
	memcpy(lc, req->name, wire_name_len(req->name));
	wire_name_lower(lc);
	describe(t, v, lc);

	/* The question as a client would send it: RD=1, EDNS (for the EDE), no DO. */
	uint8_t pkt[DNS_MAX_UDP_NO_EDNS];
	struct wire_builder b;
	wire_builder_init(&b, pkt, sizeof(pkt));
	wire_builder_header(&b, 0x7e57, DNS_FLAG_RD, 0);
	wire_builder_question(&b, req->name, req->qtype, DNS_CLASS_IN);
	struct wire_opt opt = { .udp_size = 4096, .ede_code = EDE_NONE };
	wire_builder_opt(&b, &opt);

	struct respond_ctx rc;
	worker_respond_ctx(w, &rc);
	rc.view = v;
	rc.access = NULL; /* an operator's question, not a client's */
	static const uint8_t local[4] = { 127, 0, 0, 1 };
	struct respond_client client = { .family = AF_INET, .addr = local,
					 .transport = RESPOND_TCP };
	struct respond_stats st = { 0 }; /* not a client: not in the daemon's counters */
	bool resolve = false;
	struct wire_query q;
	size_t n = respond_to_query(&rc, &client, pkt, b.len, w->answer, DNS_MAX_MESSAGE, &st,
				    &resolve, &q);
	if (n) {
		t->starting = false;
		finish(t, w->answer, n); /* a zone or the message cache: no network I/O */
		return NULL;
	}
	if (!resolve) {
		fail(done, ctx, "the question was dropped");
		free(t);
		return NULL;
	}
	struct reply_to rt = { .transport = RESPOND_TCP, .done = on_resolved, .done_ctx = t };
	mesh_submit(w->mesh, &q, v, &rt);
	t->starting = false;
	if (t->finished) { /* answered at once (all from the cache, or overload) */
		free(t);
		return NULL;
	}
	return t;
}

void test_answer_cancel(struct test_answer *t)
{
	t->done = NULL;
}
