/* resolve_response — what a server's response means for the frame that asked (RFC 1034
 * §5.3.3 step 4): an answer or chain, a referral, a negative answer, or a failure. */
#include "resolve_internal.h"

#include <string.h>
#include <sys/socket.h>

#include "lib/wire/dns.h"

/* Stored in the partition of the frame that asked: what a forward target said stays with
 * its rule, even for names outside the rule's domain. */
static void cache_rrset(struct resolve_req *q, const struct frame *f, const struct iter_rrset *s,
			enum cache_rank rank)
{
	struct rrcache_sigs sigs = { s->sigs, s->sig_size, s->sig_count };
	rrcache_put_rrset(q->r->cache, s->owner, RRCACHE_KEY(f->part, s->type), s->ttl, rank,
			  s->count, s->rdata, s->size, &sigs, resolve_now_wall(q));
}

/* Cache the addresses of NS targets found in the additional section, when in bailiwick. */
static void cache_ns_addresses(struct resolve_req *q, const struct frame *f,
			       const struct wire_msg *m,
			       const struct iter_rrset *ns, const uint8_t *bailiwick)
{
	uint32_t off = 0;
	while (off + 2 <= ns->size) {
		uint16_t len = wire_read_u16(ns->rdata + off);
		const uint8_t *target = ns->rdata + off + 2;
		off += 2u + len;
		if (wire_name_len_bounded(target, len) < 0 ||
		    !wire_name_is_subdomain(target, bailiwick))
			continue;
		const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
		for (int t = 0; t < 2; t++) {
			struct iter_rrset a;
			if (iter_gather(m, WIRE_ADDITIONAL, target, types[t], &a) > 0) {
				cache_rrset(q, f, &a, CACHE_RANK_GLUE);
				iter_rrset_free(&a);
			}
		}
	}
}

static void negative(struct resolve_req *q, struct frame *f, const struct wire_msg *m,
		     const uint8_t *name, unsigned rcode)
{
	const struct wire_rr *soa = iter_find_soa(m, f->dp.zone);
	f->rcode = rcode;
	f->state = FS_DONE;
	if (!soa)
		return; /* RFC 2308 §5: without an SOA it is not cached */
	struct iter_rrset s;
	if (iter_gather(m, WIRE_AUTHORITY, soa->owner, DNS_TYPE_SOA, &s) <= 0)
		return;
	uint16_t rdlen;
	const uint8_t *rd = iter_rrset_first(&s, &rdlen);
	if (rd)
		rrcache_put_negative(q->r->cache, name,
				     RRCACHE_KEY(f->part, rcode == DNS_RCODE_NXDOMAIN
							     ? CACHE_TYPE_NXDOMAIN
							     : f->qtype),
				     s.owner, s.ttl, rd, rdlen, resolve_now_wall(q));
	/* RFC 2308 §5: the SOA goes to the client with the negative TTL, capped as in the cache. */
	s.ttl = rrcache_clamp_negative_ttl(q->r->cache,
					   rd ? rrcache_soa_negative_ttl(s.ttl, rd, rdlen) : s.ttl);
	resolve_frame_set_soa(f, &s);
}

/* RFC 6672 §2.2: the CNAME a DNAME implies for name. false when the result is too long. */
static bool dname_substitute(const uint8_t *name, const uint8_t *owner, const uint8_t *target,
			     uint16_t tlen, uint8_t *out)
{
	size_t keep = wire_name_len(name) - wire_name_len(owner);
	size_t t = (size_t)wire_name_len_bounded(target, tlen);
	if (wire_name_len_bounded(target, tlen) < 0 || keep + t > WIRE_NAME_MAX)
		return false;
	memcpy(out, name, keep);
	memcpy(out + keep, target, t);
	wire_name_lower(out);
	return true;
}

/* The next link of the answer, with the TTL the cache would give it. */
static void append_answer(struct resolve_req *q, struct frame *f, struct iter_rrset *s)
{
	s->ttl = rrcache_clamp_ttl(q->r->cache, s->ttl);
	resolve_frame_append(f, s);
}

/* ANY (RFC 8482 allows a subset): every RRset the answer holds at name. */
static bool answer_any(struct resolve_req *q, struct frame *f, const struct wire_msg *m,
		       const uint8_t *name, enum cache_rank rank)
{
	bool found = false;
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (rr->section != WIRE_ANSWER || !wire_name_equal(rr->owner, name))
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = m->rr[k].section == WIRE_ANSWER && m->rr[k].type == rr->type &&
			       wire_name_equal(m->rr[k].owner, name);
		struct iter_rrset s;
		if (seen || iter_gather(m, WIRE_ANSWER, name, rr->type, &s) <= 0)
			continue;
		cache_rrset(q, f, &s, rank);
		append_answer(q, f, &s);
		found = true;
	}
	return found;
}

/* Follow the answer section from sname: data, CNAME and DNAME links within the zone. */
static void on_answer(struct resolve_req *q, struct frame *f, const struct wire_msg *m)
{
	enum cache_rank rank = (m->flags & DNS_FLAG_AA) ? CACHE_RANK_ANSWER : CACHE_RANK_NONAUTH;
	uint8_t cur[WIRE_NAME_MAX];
	memcpy(cur, f->sname, wire_name_len(f->sname));
	for (;;) {
		/* Scrubbing: the server speaks only for its own zone. */
		if (!wire_name_is_subdomain(cur, f->dp.zone))
			break;
		struct iter_rrset s;
		if (f->qtype == DNS_TYPE_ANY && answer_any(q, f, m, cur, rank)) {
			f->rcode = DNS_RCODE_NOERROR;
			f->state = FS_DONE;
			return;
		}
		if (iter_gather(m, WIRE_ANSWER, cur, f->qtype, &s) > 0) {
			cache_rrset(q, f, &s, rank);
			if (f->qtype == DNS_TYPE_NS)
				cache_ns_addresses(q, f, m, &s, f->dp.zone);
			append_answer(q, f, &s);
			f->rcode = DNS_RCODE_NOERROR;
			f->state = FS_DONE;
			return;
		}
		const struct wire_rr *d = iter_find_dname(m, f->dp.zone, cur);
		if (d) {
			uint8_t target[WIRE_NAME_MAX];
			if (!dname_substitute(cur, d->owner, d->rdata, d->rdlen, target)) {
				f->rcode = 6; /* YXDOMAIN, RFC 6672 §2.2 */
				f->state = FS_DONE;
				return;
			}
			struct iter_rrset ds, cs;
			uint8_t packed[2 + WIRE_NAME_MAX];
			size_t tl = wire_name_len(target);
			if (iter_gather(m, WIRE_ANSWER, d->owner, DNS_TYPE_DNAME, &ds) > 0) {
				cache_rrset(q, f, &ds, rank);
				append_answer(q, f, &ds);
			}
			wire_write_u16(packed, (uint16_t)tl);
			memcpy(packed + 2, target, tl);
			if (iter_rrset_make(&cs, cur, DNS_TYPE_CNAME, d->ttl, 1, packed,
					    (uint32_t)(2 + tl)) == 0)
				append_answer(q, f, &cs);
			if (!resolve_chain_follow(q, f, target))
				return;
			memcpy(cur, target, tl);
			continue;
		}
		if (f->qtype != DNS_TYPE_CNAME &&
		    iter_gather(m, WIRE_ANSWER, cur, DNS_TYPE_CNAME, &s) > 0) {
			uint8_t target[WIRE_NAME_MAX];
			if (!iter_rrset_target(&s, target)) {
				iter_rrset_free(&s);
				break;
			}
			cache_rrset(q, f, &s, rank);
			append_answer(q, f, &s);
			if (!resolve_chain_follow(q, f, target))
				return;
			memcpy(cur, target, wire_name_len(target));
			continue;
		}
		break;
	}
	/* The chain stops at cur without data. */
	if (wire_name_is_subdomain(cur, f->dp.zone)) {
		if (m->rcode == DNS_RCODE_NXDOMAIN) {
			negative(q, f, m, cur, DNS_RCODE_NXDOMAIN);
			return;
		}
		if (iter_find_soa(m, f->dp.zone)) {
			negative(q, f, m, cur, DNS_RCODE_NOERROR);
			return;
		}
	}
	/* The target lies in another zone (or this server said no more): resolve it anew. */
	f->state = FS_INIT;
}

static void on_referral(struct resolve_req *q, struct frame *f, const struct wire_msg *m,
			const uint8_t *cut)
{
	char zone[WIRE_NAME_TEXT_MAX];
	if (++f->referrals > q->opts.max_referrals) {
		wire_name_to_text(f->qname, zone, sizeof(zone));
		resolve_frame_fail(q, f, EDE_OTHER,
			   "more than %u referrals for %s (recursion.max-referrals)",
			   q->opts.max_referrals, zone);
		return;
	}
	struct iter_rrset ns;
	uint8_t cutname[WIRE_NAME_MAX], old_zone[WIRE_NAME_MAX];
	memcpy(cutname, cut, wire_name_len(cut));
	memcpy(old_zone, f->dp.zone, wire_name_len(f->dp.zone));
	if (iter_gather(m, WIRE_AUTHORITY, cutname, DNS_TYPE_NS, &ns) <= 0) {
		f->state = FS_QUERY;
		return;
	}
	cache_rrset(q, f, &ns, CACHE_RANK_REFERRAL);
	deleg_init(&f->dp, cutname, old_zone);
	uint32_t off = 0;
	while (off + 2 <= ns.size) {
		uint16_t len = wire_read_u16(ns.rdata + off);
		if (wire_name_len_bounded(ns.rdata + off + 2, len) > 0)
			deleg_add_ns(&f->dp, ns.rdata + off + 2);
		off += 2u + len;
	}
	iter_rrset_free(&ns);
	/* Glue: addresses of the new NS names, only from inside the delegating zone. */
	int64_t now = resolve_now_wall(q);
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (rr->section != WIRE_ADDITIONAL ||
		    (rr->type != DNS_TYPE_A && rr->type != DNS_TYPE_AAAA))
			continue;
		int k = deleg_find_ns(&f->dp, rr->owner);
		if (k < 0)
			continue;
		bool in_bailiwick = wire_name_is_subdomain(rr->owner, old_zone);
		if (!in_bailiwick && q->opts.harden_glue) {
			q->r->stats.glue_dropped++;
			continue;
		}
		if ((rr->type == DNS_TYPE_A && rr->rdlen != 4) ||
		    (rr->type == DNS_TYPE_AAAA && rr->rdlen != 16))
			continue;
		struct netaddr a = { .family = rr->type == DNS_TYPE_A ? AF_INET : AF_INET6,
				     .port = 53 };
		memcpy(a.addr, rr->rdata, rr->rdlen);
		deleg_add_addr(&f->dp, (unsigned)k, &a);
		if (in_bailiwick) {
			struct iter_rrset g;
			if (iter_gather(m, WIRE_ADDITIONAL, rr->owner, rr->type, &g) > 0) {
				cache_rrset(q, f, &g, CACHE_RANK_GLUE);
				iter_rrset_free(&g);
			}
		}
	}
	/* Names without glue may have cached addresses from elsewhere. */
	for (unsigned i = 0; i < f->dp.n_ns; i++)
		deleg_add_cached_addrs(&f->dp, i, q->r->cache, now);
	f->dp_went_up = false;
	f->qmin_labels = 0;
	f->qmin_steps = 0;
	f->state = FS_QUERY;
}

static enum srv_failure failure_of(enum iter_resp r)
{
	switch (r) {
	case IR_SERVFAIL: return SRV_SERVFAIL;
	case IR_REFUSED: return SRV_REFUSED;
	case IR_FORMERR: return SRV_FORMERR;
	case IR_BROKEN: return SRV_FORMERR;
	default: return SRV_LAME;
	}
}

void resolve_server_failed(struct resolve_req *q, struct frame *f, enum srv_failure why)
{
	struct srv_info *si = q->shared ? NULL : servers_get(q->r->servers, &q->server);
	if (si)
		servers_failed(si, why, resolve_now_ms(q));
	deleg_note_result(&f->dp, &q->server, why);
	f->state = FS_QUERY;
}

/* A response gave the frame (a link of) its answer: keep its proofs for the validator — of
 * every response of a chain, as a wildcard link may come from an earlier one. */
static void keep_proofs(struct resolve_req *q, struct frame *f, const struct wire_msg *m)
{
	if (!q->opts.dnssec || f->failed)
		return;
	if (iter_gather_proofs(m, &f->proof, &f->n_proof) < 0)
		resolve_frame_fail(q, f, EDE_OTHER, "out of memory");
}

void resolve_on_response(struct resolve_req *q, struct frame *f, const struct wire_msg *m)
{
	const uint8_t *cut = NULL;
	enum iter_resp kind = iter_classify(m, f->dp.zone, f->ask, f->ask_type, &cut);
	bool mini = resolve_minimised(f);
	static const char *const KIND[] = { "answer", "NXDOMAIN", "NODATA", "referral", "lame",
					    "SERVFAIL", "REFUSED", "FORMERR", "bad rcode" };
	resolve_trace(q, "response: %s%s", KIND[kind], mini ? " (to a minimised name)" : "");
	switch (kind) {
	case IR_ANSWER:
	case IR_NODATA:
		deleg_note_result(&f->dp, &q->server, -1);
		if (mini) {
			resolve_qmin_advance(f); /* no zone cut at the minimised name */
			f->state = FS_QUERY;
		} else if (kind == IR_ANSWER) {
			on_answer(q, f, m);
			keep_proofs(q, f, m);
		} else {
			negative(q, f, m, f->sname, DNS_RCODE_NOERROR);
			keep_proofs(q, f, m);
		}
		return;
	case IR_NXDOMAIN:
		deleg_note_result(&f->dp, &q->server, -1);
		if (mini) {
			/* Relaxed mode (§2.3): some servers deny empty non-terminals; ask in full. */
			f->qmin_off = true;
			f->state = FS_QUERY;
		} else {
			negative(q, f, m, f->sname, DNS_RCODE_NXDOMAIN);
			keep_proofs(q, f, m);
		}
		return;
	case IR_REFERRAL:
		if (f->fwd) {
			/* A forward target must resolve, not refer: it is no recursive server. */
			resolve_server_failed(q, f, SRV_LAME);
			return;
		}
		deleg_note_result(&f->dp, &q->server, -1);
		on_referral(q, f, m, cut);
		return;
	default:
		if (mini) {
			/* Relaxed mode: a server that chokes on the minimised name gets the full
			 * name before it is blamed. */
			f->qmin_off = true;
			deleg_note_result(&f->dp, &q->server, -1);
			f->state = FS_QUERY;
			return;
		}
		resolve_server_failed(q, f, failure_of(kind));
		return;
	}
}
