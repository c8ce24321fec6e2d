/* resolve_cache — INIT: the cache's answer, else the closest delegation point it knows. */
#include "resolve_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/wire/dns.h"

static int copy_entry(const struct cache_entry *e, int64_t now, struct iter_rrset *out)
{
	if (iter_rrset_make(out, e->owner, e->type, rrcache_ttl_left(e, now), e->count,
			    e->rdata, e->size) < 0)
		return -1;
	if (iter_rrset_set_sigs(out, e->sigs, e->sig_size, e->sig_count) < 0) {
		iter_rrset_free(out);
		return -1;
	}
	out->security = e->security;
	out->ede = e->ede;
	return 0;
}

static int negative_soa(struct frame *f, const struct cache_entry *e, int64_t now)
{
	struct iter_rrset soa;
	uint8_t packed[2 + 0xffff];
	wire_write_u16(packed, e->soa_rdlen);
	memcpy(packed + 2, e->soa_rdata, e->soa_rdlen);
	if (iter_rrset_make(&soa, e->soa_owner, DNS_TYPE_SOA, rrcache_ttl_left(e, now), 1, packed,
			    2u + e->soa_rdlen) < 0)
		return -1;
	soa.security = e->security; /* what validation found of the negative answer */
	soa.ede = e->ede;
	resolve_frame_set_soa(f, &soa);
	return 0;
}

/* Has the chain of this frame already passed through name? (CNAME loop) */
static bool chain_has(const struct frame *f, const uint8_t *name)
{
	if (wire_name_equal(f->qname, name))
		return true;
	for (size_t i = 0; i < f->n_answer; i++)
		if (f->answer[i].type == DNS_TYPE_CNAME && wire_name_equal(f->answer[i].owner, name))
			return true;
	return false;
}

/* Move the chain on to target; false (frame failed) on a loop or too many links. */
bool resolve_chain_follow(struct resolve_req *q, struct frame *f, const uint8_t *target)
{
	char a[WIRE_NAME_TEXT_MAX], b[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(f->qname, a, sizeof(a));
	if (chain_has(f, target)) {
		wire_name_to_text(target, b, sizeof(b));
		resolve_frame_fail(q, f, EDE_OTHER, "CNAME loop: the chain from %s comes back to %s", a, b);
		return false;
	}
	if (++f->links > q->opts.max_cname) {
		resolve_frame_fail(q, f, EDE_OTHER,
			   "CNAME chain from %s is longer than %u links (recursion.max-cname-chain)",
			   a, q->opts.max_cname);
		return false;
	}
	memcpy(f->sname, target, wire_name_len(target));
	wire_name_lower(f->sname);
	f->qmin_labels = 0;
	f->qmin_steps = 0;
	f->qmin_off = false;
	return true;
}

/* The delegation point closest to name that the cache knows, else the root hints. */
void resolve_find_dp(struct resolve_req *q, struct frame *f, const uint8_t *start)
{
	struct rrcache *c = q->r->cache;
	int64_t now = resolve_now_wall(q);
	const uint8_t *name = start;
	for (;;) {
		const struct cache_entry *e = rrcache_get(c, name, DNS_TYPE_NS, now);
		bool found = e && e->kind == CACHE_POSITIVE;
		if (found) {
			deleg_init(&f->dp, name, wire_name_parent(name));
			f->dp.from_cache = true;
			uint32_t off = 0;
			const uint8_t *rd;
			uint16_t rdlen;
			while (rrcache_next_rdata(e, &off, &rd, &rdlen))
				if (wire_name_len_bounded(rd, rdlen) > 0)
					deleg_add_ns(&f->dp, rd);
		}
		rrcache_release(c, e); /* only its copy in f->dp is used below */
		if (found) {
			for (unsigned i = 0; i < f->dp.n_ns; i++)
				deleg_add_cached_addrs(&f->dp, i, c, now);
			if (f->dp.n_ns)
				return;
		}
		if (name[0] == 0)
			break;
		name = wire_name_parent(name);
	}
	static const uint8_t root[1] = { 0 };
	deleg_init(&f->dp, root, root);
	f->dp.from_hints = true;
	q->r->stats.hint_fallbacks++;
	const struct root_hints *h = q->r->hints;
	for (size_t i = 0; h && i < h->count; i++) {
		int k = deleg_add_ns(&f->dp, h->hint[i].name);
		if (k >= 0)
			deleg_add_addr(&f->dp, (unsigned)k, &h->hint[i].addr);
	}
	/* Hints carry every address they have: nothing more to look up for them. */
	for (unsigned i = 0; i < f->dp.n_ns; i++)
		f->dp.ns[i].v4_looked = f->dp.ns[i].v6_looked = true;
}

/* RFC 8198 §5.1: a name in a span of NSECs already validated does not exist (or lacks the
 * type): answered from them, with their proof, before any server is asked. */
static bool aggressive_denial(struct resolve_req *q, struct frame *f)
{
	const struct anchors *as = q->r->anchors;
	if (!q->r->nsec || !q->opts.dnssec || !q->opts.aggressive_nsec || q->cd ||
	    q->novalidate || f->part != 0 || (as && anchors_nta_covers(as, f->sname)))
		return false;
	struct iter_rrset soa, proofs[NSECCACHE_PROOFS_MAX];
	size_t n = 0;
	enum nsec_aggressive v = nseccache_lookup(q->r->nsec, f->sname, f->qtype,
						  resolve_now_wall(q), &soa, proofs, &n);
	if (v == NSEC_AGGR_NONE)
		return false;
	struct iter_rrset *kept = malloc(n * sizeof(*kept));
	if (!kept) {
		iter_rrset_free(&soa);
		for (size_t i = 0; i < n; i++)
			iter_rrset_free(&proofs[i]);
		return false;
	}
	memcpy(kept, proofs, n * sizeof(*kept));
	for (size_t i = 0; i < f->n_proof; i++)
		iter_rrset_free(&f->proof[i]);
	free(f->proof);
	f->proof = kept;
	f->n_proof = n;
	resolve_frame_set_soa(f, &soa);
	f->rcode = v == NSEC_AGGR_NXDOMAIN ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
	f->state = FS_DONE;
	q->r->stats.aggressive_nsec++;
	resolve_trace(q, "denied by cached NSEC spans (RFC 8198)");
	return true;
}

/* INIT: answer from the cache as far as it goes, then pick the zone to ask. */
void resolve_st_init(struct resolve_req *q, struct frame *f)
{
	struct rrcache *c = q->r->cache;
	int64_t now = resolve_now_wall(q);
	const struct policy_rule *rule; /* the forward rule of sname, or NULL */
	/* A refresh asks the servers again for the question itself. */
	if (((q->refresh && f == q->f[0]) || f->refresh) && wire_name_equal(f->sname, f->qname)) {
		rule = resolve_route(q, f);
		goto find_servers;
	}
	for (;;) {
		/* Each name of a chain may be another rule's: its answers are in its partition. */
		rule = resolve_route(q, f);
		uint16_t part = f->part;
		/* Each entry found is copied, then released before the cache is read again. */
		const struct cache_entry *e = rrcache_get(c, f->sname, RRCACHE_KEY(part, f->qtype),
							  now);
		if (e && e->kind == CACHE_POSITIVE && e->rank < CACHE_RANK_NONAUTH) {
			rrcache_release(c, e);
			e = NULL; /* RFC 2181 §5.4.1: glue and a referral's NS are no answer */
		}
		if (e) {
			f->rcode = DNS_RCODE_NOERROR;
			struct iter_rrset s;
			int r;
			if (e->kind == CACHE_POSITIVE) {
				r = copy_entry(e, now, &s);
				rrcache_release(c, e);
				if (r < 0 || resolve_frame_append(f, &s) < 0)
					goto oom;
			} else {
				r = negative_soa(f, e, now);
				rrcache_release(c, e);
				if (r < 0)
					goto oom;
			}
			f->state = FS_DONE;
			return;
		}
		e = rrcache_get(c, f->sname, RRCACHE_KEY(part, CACHE_TYPE_NXDOMAIN), now);
		/* RFC 8020 §2: nothing exists below a name that does not exist. */
		for (const uint8_t *a = f->sname; !e && a[0];) {
			a = wire_name_parent(a);
			e = rrcache_get(c, a, RRCACHE_KEY(part, CACHE_TYPE_NXDOMAIN), now);
		}
		if (e) {
			int r = negative_soa(f, e, now);
			rrcache_release(c, e);
			if (r < 0)
				goto oom;
			f->rcode = DNS_RCODE_NXDOMAIN;
			f->state = FS_DONE;
			return;
		}
		if (f->qtype == DNS_TYPE_CNAME)
			break;
		e = rrcache_get(c, f->sname, RRCACHE_KEY(part, DNS_TYPE_CNAME), now);
		if (e && (e->kind != CACHE_POSITIVE || e->rank < CACHE_RANK_NONAUTH)) {
			rrcache_release(c, e);
			break;
		}
		if (!e)
			break;
		struct iter_rrset s;
		uint8_t t[WIRE_NAME_MAX];
		int r = copy_entry(e, now, &s);
		rrcache_release(c, e);
		if (r < 0)
			goto oom;
		if (!iter_rrset_target(&s, t)) {
			iter_rrset_free(&s);
			break;
		}
		if (resolve_frame_append(f, &s) < 0)
			goto oom;
		if (!resolve_chain_follow(q, f, t))
			return;
	}
	if (aggressive_denial(q, f))
		return;
find_servers:;
	if (rule) {
		resolve_forward_dp(f, rule);
		f->dp_went_up = true; /* the targets are all there is */
		f->state = FS_QUERY;
		return;
	}
	/* RFC 4035 §3.1.4.1: DS lives on the parent side of the cut. */
	const uint8_t *start = f->qtype == DNS_TYPE_DS && f->sname[0] ? wire_name_parent(f->sname)
								      : f->sname;
	resolve_find_dp(q, f, start);
	f->dp_went_up = false;
	f->qmin_labels = 0;
	f->qmin_steps = 0;
	f->state = FS_QUERY;
	return;
oom:
	resolve_frame_fail(q, f, EDE_OTHER, "out of memory");
}
