/* respond — one query in, one answer out (see respond.h). */
#include "respond.h"

#include <string.h>

#include "lib/wire/builder.h"
#include "lib/wire/dns.h"
#include "lib/wire/query.h"
#include "lib/zone/lookup.h"

/* The answer being prepared: everything but the records, which come from the zones. */
struct reply {
	unsigned rcode;      /* full 12-bit RCODE */
	uint16_t flags;      /* header flags besides QR/opcode/RD/CD, which come from the query */
	int ede;             /* EDE_NONE or an INFO-CODE */
	const char *ede_text;
	bool echo_question;
};

static uint16_t base_flags(const struct respond_ctx *ctx, const struct wire_query *q)
{
	/* RFC 1035 §4.1.1: QR set, opcode and RD copied, RA when we recurse; RFC 4035 §3.2.2:
	 * CD copied. */
	return (uint16_t)(DNS_FLAG_QR | (q->flags & (DNS_OPCODE_MASK << DNS_OPCODE_SHIFT)) |
			  (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD)) |
			  (ctx->recursion ? DNS_FLAG_RA : 0));
}

/* The size an answer may have: over UDP what RFC 6891 §6.2.5 and RFC 1035 §4.2.1 allow,
 * over TCP the buffer; never more than the buffer. */
static size_t answer_limit(const struct respond_ctx *ctx, enum respond_transport t,
			   const struct wire_query *q, size_t outcap)
{
	if (t != RESPOND_UDP)
		return outcap;
	size_t lim = DNS_MAX_UDP_NO_EDNS;
	if (q->edns.present) {
		lim = q->edns.udp_size < ctx->edns_buffer_size ? q->edns.udp_size
							     : ctx->edns_buffer_size;
		if (lim < DNS_MAX_UDP_NO_EDNS)
			lim = DNS_MAX_UDP_NO_EDNS;
	}
	return lim < outcap ? lim : outcap;
}

static void count_rcode(struct respond_stats *st, unsigned rcode)
{
	switch (rcode) {
	case DNS_RCODE_NOERROR: st->noerror++; break;
	case DNS_RCODE_NXDOMAIN: st->nxdomain++; break;
	case DNS_RCODE_SERVFAIL: st->servfail++; break;
	case DNS_RCODE_FORMERR: st->formerr++; break;
	case DNS_RCODE_NOTIMP: st->notimp++; break;
	case DNS_RCODE_REFUSED: st->refused++; break;
	case DNS_RCODE_BADVERS: st->badvers++; break;
	default: break;
	}
}

/* Write the records of one RRset; -1 when they do not fit. */
static int put_rrset(struct wire_builder *b, enum wire_section s, const struct zone_answer_rr *a)
{
	uint32_t off = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	while (zone_rrset_next(a->rrset, &off, &rd, &rdlen))
		if (wire_builder_rr(b, s, a->owner, a->rrset->type, DNS_CLASS_IN, a->ttl, rd,
				    rdlen) < 0)
			return -1;
	return 0;
}

/* Write one resolved RRset, and its RRSIGs for a client that set DO (RFC 4035 §3.2.1);
 * -1 when they do not fit. */
static int put_resolved(struct wire_builder *b, enum wire_section s, const struct iter_rrset *rs,
			bool dnssec_ok)
{
	uint32_t off = 0;
	while (off + 2 <= rs->size) {
		uint16_t len = wire_read_u16(rs->rdata + off);
		if (wire_builder_rr(b, s, rs->owner, rs->type, DNS_CLASS_IN, rs->ttl,
				    rs->rdata + off + 2, len) < 0)
			return -1;
		off += 2u + len;
	}
	for (off = 0; dnssec_ok && off + 2 <= rs->sig_size;) {
		uint16_t len = wire_read_u16(rs->sigs + off);
		if (wire_builder_rr(b, s, rs->owner, DNS_TYPE_RRSIG, DNS_CLASS_IN, rs->ttl,
				    rs->sigs + off + 2, len) < 0)
			return -1;
		off += 2u + len;
	}
	return 0;
}

/* A resolution's records: the chain, the SOA of a denial, and for a DO client the RRSIGs and
 * the NSEC/NSEC3 proofs; -1 when they do not fit. */
static int put_result(struct wire_builder *b, const struct resolve_result *res, bool dnssec_ok)
{
	for (size_t i = 0; i < res->n_answer; i++)
		if (put_resolved(b, WIRE_ANSWER, &res->answer[i], dnssec_ok) < 0)
			return -1;
	if (res->soa && put_resolved(b, WIRE_AUTHORITY, res->soa, dnssec_ok) < 0)
		return -1;
	for (size_t i = 0; dnssec_ok && i < res->n_proof; i++)
		if (put_resolved(b, WIRE_AUTHORITY, &res->proof[i], true) < 0)
			return -1;
	return 0;
}

/* Header, question, records and OPT; truncates with TC=1 when records pass the limit.
 * Records come from local zones (za) or from a resolution (res). */
static size_t write_reply(const struct respond_ctx *ctx, enum respond_transport transport,
			  const struct wire_query *q, const struct reply *r,
			  const struct zone_answer *za, const struct resolve_result *res,
			  uint8_t *out, size_t outcap, struct respond_stats *st)
{
	struct wire_builder b;
	struct wire_opt opt = {
		.udp_size = ctx->edns_buffer_size,
		.do_bit = q->edns.do_bit,
		.ext_rcode = (uint8_t)(r->rcode >> 4),
		.ede_code = r->ede,
		.ede_text = r->ede_text,
	};
	size_t limit = answer_limit(ctx, transport, q, outcap);
	size_t opt_size = q->edns.present ? wire_opt_size(&opt) : 0;

	wire_builder_init(&b, out, outcap);
	wire_builder_header(&b, q->id, (uint16_t)(base_flags(ctx, q) | r->flags),
			    r->rcode & 0x0f);
	if (r->echo_question && q->has_question)
		wire_builder_question(&b, q->qname, q->qtype, q->qclass);
	size_t question_end = b.len;
	b.limit = limit > opt_size ? limit - opt_size : question_end;

	bool fits = true;
	for (unsigned i = 0; za && fits && i < za->n_answer; i++)
		fits = put_rrset(&b, WIRE_ANSWER, &za->answer[i]) == 0;
	for (unsigned i = 0; za && fits && i < za->n_authority; i++)
		fits = put_rrset(&b, WIRE_AUTHORITY, &za->authority[i]) == 0;
	if (res && fits)
		fits = put_result(&b, res, q->edns.present && q->edns.do_bit) == 0;
	if (!fits) {
		/* RFC 2181 §9: a partial RRset must not be used; send none and set TC. */
		wire_builder_clear_records(&b, question_end);
		wire_builder_set_flag(&b, DNS_FLAG_TC, true);
		st->truncated++;
	}
	b.limit = outcap;
	if (q->edns.present)
		wire_builder_opt(&b, &opt);
	count_rcode(st, r->rcode);
	return b.len;
}

/* RFC 6840 §5.7–5.8: AD goes to a client that set DO or AD. */
static bool wants_ad(const struct wire_query *q)
{
	return q->ad || (q->edns.present && q->edns.do_bit);
}

uint8_t respond_cache_flags(const struct wire_query *q)
{
	return (uint8_t)((q->edns.present && q->edns.do_bit ? MSGCACHE_DO : 0) |
			 (q->cd ? MSGCACHE_CD : 0));
}

static struct msgcache_key cache_key(const struct respond_ctx *ctx, const struct wire_query *q,
				     uint8_t flags)
{
	return (struct msgcache_key){ .qname = q->qname_lc, .qtype = q->qtype, .flags = flags,
				      .view = ctx->view->index };
}

/* A stored message (n bytes in out) becomes the answer to q: the query's ID, RD and CD, the
 * client's spelling of the name, and the client's OPT (RFC 6891 §6.1.1: only to a client
 * that sent one), with an EDE when given. Returns the length. */
static size_t finish_stored(const struct respond_ctx *ctx, const struct wire_query *q,
			    uint8_t *out, size_t n, size_t outcap, int ede, const char *ede_text)
{
	uint16_t flags = wire_read_u16(out + 2);
	flags = (uint16_t)((flags & ~(DNS_FLAG_RD | DNS_FLAG_CD)) |
			   (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD)));
	if (!wants_ad(q))
		flags &= (uint16_t)~DNS_FLAG_AD; /* stored secure, but this client did not ask */
	wire_write_u16(out, q->id);
	wire_write_u16(out + 2, flags);
	memcpy(out + DNS_HEADER_SIZE, q->qname, q->qname_len);
	if (!q->edns.present)
		return n;
	struct wire_builder b;
	wire_builder_init(&b, out, outcap);
	b.len = n;
	for (int s = 0; s < 3; s++)
		b.counts[s] = wire_read_u16(out + 6 + 2 * s);
	struct wire_opt opt = { .udp_size = ctx->edns_buffer_size, .do_bit = q->edns.do_bit,
				.ede_code = ede, .ede_text = ede_text };
	if (wire_builder_opt(&b, &opt) < 0)
		return 0;
	return b.len;
}

/* The fast path: the whole answer from the message cache, or 0. */
static size_t answer_from_cache(const struct respond_ctx *ctx, enum respond_transport transport,
				const struct wire_query *q, uint8_t *out, size_t outcap,
				struct respond_stats *st, bool *refresh)
{
	if (!ctx->msgs || !ctx->recursion || q->qclass != DNS_CLASS_IN)
		return 0;
	size_t limit = answer_limit(ctx, transport, q, outcap);
	struct wire_opt opt = { .ede_code = EDE_NONE };
	size_t opt_size = q->edns.present ? wire_opt_size(&opt) : 0;
	if (limit < DNS_HEADER_SIZE + opt_size)
		return 0;
	struct msgcache_key k = cache_key(ctx, q, respond_cache_flags(q));
	struct msgcache_hit hit;
	size_t n = msgcache_get(ctx->msgs, &k, ctx->now, out, limit - opt_size, ctx->prefetch,
				&hit);
	if (n == 0)
		return 0; /* not cached, or too big for this client: the slow path truncates */
	n = finish_stored(ctx, q, out, n, outcap, EDE_NONE, NULL);
	st->fast++;
	count_rcode(st, out[3] & 0x0f);
	if (hit.prefetch) {
		st->prefetch++;
		*refresh = true;
	}
	return n;
}

void respond_cache_store(const struct respond_ctx *ctx, const uint8_t *qname, uint16_t qtype,
			 uint8_t flags, const struct resolve_result *res)
{
	if (!ctx->msgs || res->ede != EDE_NONE ||
	    (res->rcode != DNS_RCODE_NOERROR && res->rcode != DNS_RCODE_NXDOMAIN))
		return;
	uint8_t buf[MSGCACHE_ENTRY_MAX];
	struct wire_builder b;
	wire_builder_init(&b, buf, sizeof(buf));
	wire_builder_header(&b, 0, (uint16_t)(DNS_FLAG_QR | (ctx->recursion ? DNS_FLAG_RA : 0) |
					      (res->secure ? DNS_FLAG_AD : 0)),
			    res->rcode);
	if (wire_builder_question(&b, qname, qtype, DNS_CLASS_IN) < 0)
		return;
	if (put_result(&b, res, flags & MSGCACHE_DO) == 0) {
		struct msgcache_key k = { .qname = qname, .qtype = qtype, .flags = flags,
					  .view = ctx->view->index };
		msgcache_put(ctx->msgs, &k, buf, b.len, ctx->now);
	}
}

size_t respond_stale(const struct respond_ctx *ctx, enum respond_transport t,
		     const struct wire_query *q, uint8_t *out, size_t outcap,
		     struct respond_stats *st)
{
	if (!ctx->msgs)
		return 0;
	size_t limit = answer_limit(ctx, t, q, outcap);
	static const char text[] = "the servers did not answer: this answer expired and is "
				   "served stale (RFC 8767)";
	struct wire_opt opt = { .ede_code = EDE_STALE_ANSWER, .ede_text = text };
	size_t opt_size = q->edns.present ? wire_opt_size(&opt) : 0;
	if (limit < DNS_HEADER_SIZE + opt_size)
		return 0;
	struct msgcache_key k = cache_key(ctx, q, respond_cache_flags(q));
	/* RFC 8767 §4: 30 seconds is the TTL a stale answer should carry. */
	size_t n = msgcache_get_stale(ctx->msgs, &k, ctx->now, RESPOND_STALE_TTL, out,
				      limit - opt_size);
	if (n == 0)
		return 0;
	n = finish_stored(ctx, q, out, n, outcap, EDE_STALE_ANSWER, text);
	st->stale++;
	count_rcode(st, out[3] & 0x0f);
	return n;
}

/* Decide the answer of a well-formed standard query; *resolve when it needs recursion. */
static void answer_query(const struct respond_ctx *ctx, const struct wire_query *q,
			 struct reply *r, struct zone_answer *za, bool *have_records, bool *resolve)
{
	*have_records = false;
	if (q->qclass != DNS_CLASS_IN) {
		r->rcode = DNS_RCODE_REFUSED;
		r->ede = EDE_NOT_SUPPORTED;
		r->ede_text = "only class IN is served";
		return;
	}
	switch (q->qtype) {
	case DNS_TYPE_AXFR:
	case DNS_TYPE_IXFR:
	case DNS_TYPE_MAILA:
	case DNS_TYPE_MAILB:
		r->rcode = DNS_RCODE_NOTIMP;
		r->ede = EDE_NOT_SUPPORTED;
		r->ede_text = "zone transfers and MAILA/MAILB are not offered by a resolver";
		return;
	default:
		break;
	}
	/* The view's zones give way to its rules where Route 53 would (lib/policy); a view
	 * without rules costs no rule scan. */
	if (zoneset_answer(&ctx->view->zones, q->qname_lc, q->qtype, za)) {
		r->rcode = za->rcode;
		r->flags |= DNS_FLAG_AA;
		*have_records = true;
		return;
	}
	if (ctx->recursion && resolve) {
		*resolve = true;
		return;
	}
	r->rcode = DNS_RCODE_REFUSED;
	r->ede = EDE_NOT_SUPPORTED;
	r->ede_text = "recursion is disabled (recursion.enabled: false): only local zones are "
		      "answered";
}

size_t respond_to_query(struct respond_ctx *ctx, const struct respond_client *client,
			const uint8_t *pkt, size_t len, uint8_t *out, size_t outcap,
			struct respond_stats *st, bool *resolve, struct wire_query *resolve_q)
{
	struct wire_query q;
	struct reply r = { .rcode = DNS_RCODE_NOERROR, .ede = EDE_NONE, .echo_question = true };
	struct zone_answer za;
	bool have_records = false;

	st->queries++;
	if (!ctx->view)
		ctx->view = policy_view_for(ctx->policy, client->family, client->addr);
	enum wire_query_verdict v = wire_query_parse(pkt, len, &q);
	if (v == WIRE_QUERY_DROP || outcap < DNS_MAX_UDP_NO_EDNS) {
		st->dropped++;
		return 0;
	}
	if (ctx->access && !policy_access_allows(ctx->access, client->family, client->addr)) {
		r.rcode = DNS_RCODE_REFUSED;
		r.ede = EDE_PROHIBITED;
		r.ede_text = "client address not allowed by server.access";
		if (v != WIRE_QUERY_OK)
			q.edns.present = false; /* say no more than needed to a stranger */
		return write_reply(ctx, client->transport, &q, &r, NULL, NULL, out, outcap, st);
	}
	switch (v) {
	case WIRE_QUERY_FORMERR:
		r.rcode = DNS_RCODE_FORMERR;
		break;
	case WIRE_QUERY_NOTIMP:
		r.rcode = DNS_RCODE_NOTIMP;
		break;
	case WIRE_QUERY_BADVERS:
		/* RFC 6891 §6.1.3: answer with our version (0) and no data. */
		r.rcode = DNS_RCODE_BADVERS;
		break;
	default: {
		bool need = false;
		answer_query(ctx, &q, &r, &za, &have_records, resolve ? &need : NULL);
		if (have_records && za.alias_target && za.n_answer == 0 && ctx->recursion &&
		    resolve) {
			/* An alias to a name no local zone holds: resolve that name, answer
			 * its records under this one (no message cache: the zone is asked
			 * first every time, as a reload may change it). */
			q.alias = true;
			memcpy(q.alias_target, za.alias_target, wire_name_len(za.alias_target));
			wire_name_lower(q.alias_target);
			*resolve = true;
			*resolve_q = q;
			return 0;
		}
		if (need) {
			/* Local zones had their say (so a zone added by a reload always wins);
			 * the fast path: a resolved answer may be ready. */
			bool refresh = false;
			size_t n = answer_from_cache(ctx, client->transport, &q, out, outcap, st,
						     &refresh);
			*resolve = n == 0 || refresh;
			*resolve_q = q;
			return n;
		}
		break;
	}
	}
	return write_reply(ctx, client->transport, &q, &r, have_records ? &za : NULL, NULL, out,
			   outcap, st);
}

/* Route 53 alias: the target's records of the asked type, under the question's name and
 * with the target's TTL; no CNAME, no proofs (the records were not signed for this name).
 * A target that does not exist leaves the alias's name without data: NODATA. */
static size_t respond_alias(const struct respond_ctx *ctx, enum respond_transport t,
			    const struct wire_query *q, const struct resolve_result *res,
			    uint8_t *out, size_t outcap, struct respond_stats *st)
{
	if (res->rcode != DNS_RCODE_NOERROR && res->rcode != DNS_RCODE_NXDOMAIN) {
		struct reply r = { .rcode = res->rcode, .ede = res->ede, .echo_question = true,
				   .ede_text = res->ede_text[0] ? res->ede_text : NULL };
		return write_reply(ctx, t, q, &r, NULL, NULL, out, outcap, st);
	}
	struct iter_rrset renamed[ZONE_ANSWER_MAX];
	struct resolve_result alias = { .rcode = DNS_RCODE_NOERROR, .answer = renamed,
					.ede = EDE_NONE };
	for (size_t i = 0; i < res->n_answer && alias.n_answer < ZONE_ANSWER_MAX; i++) {
		if (res->answer[i].type != q->qtype)
			continue;
		renamed[alias.n_answer] = res->answer[i];
		renamed[alias.n_answer].owner = (uint8_t *)q->qname; /* only read from here */
		renamed[alias.n_answer].sig_size = 0;
		alias.n_answer++;
	}
	struct reply r = { .rcode = DNS_RCODE_NOERROR, .ede = EDE_NONE, .echo_question = true,
			   .flags = DNS_FLAG_AA };
	return write_reply(ctx, t, q, &r, NULL, &alias, out, outcap, st);
}

size_t respond_resolved(const struct respond_ctx *ctx, enum respond_transport t,
			const struct wire_query *q, const struct resolve_result *res,
			uint8_t *out, size_t outcap, struct respond_stats *st)
{
	if (q->alias)
		return respond_alias(ctx, t, q, res, out, outcap, st);
	struct reply r = { .rcode = res->rcode, .ede = res->ede, .echo_question = true };
	r.ede_text = res->ede_text[0] ? res->ede_text : NULL;
	if (res->secure && wants_ad(q))
		r.flags |= DNS_FLAG_AD;
	return write_reply(ctx, t, q, &r, NULL, res, out, outcap, st);
}

size_t respond_servfail(const struct respond_ctx *ctx, enum respond_transport t,
			const struct wire_query *q, int ede, const char *text, uint8_t *out,
			size_t outcap, struct respond_stats *st)
{
	struct reply r = { .rcode = DNS_RCODE_SERVFAIL, .ede = ede, .ede_text = text,
			   .echo_question = true };
	return write_reply(ctx, t, q, &r, NULL, NULL, out, outcap, st);
}
