/*
 * resolve_validate — VALIDATE: the chain of trust for a finished answer (RFC 4035 §5).
 *
 * Each RRset of frame 0's answer is judged in turn. Its signer's keys are found by walking
 * down from the closest trust anchor, one label at a time: the anchor's DNSKEY set must match
 * the anchor; below a zone whose keys are trusted, the DS of the next name is asked of that
 * zone — a signed DS set makes the name a secure cut whose DNSKEY set must match it; a signed
 * denial (NSEC or NSEC3) either shows no cut there (walk on) or an unsigned delegation (the
 * rest is insecure). The fetches are frames pushed on the request's stack, resolved like any
 * other question; their results are judged here, never trusted as they come.
 *
 * States of the walk (val.state):
 *   NEXT_RRSET   pick the next RRset, or finish
 *   ANCHOR_KEYS  the closest anchor's DNSKEY set is being fetched
 *   DESCEND      keys of `zone` are trusted: verify, or ask the DS of the next name
 *   DS           a DS fetch is out
 *   KEYS         a DNSKEY fetch for a secure cut is out
 *
 * A negative answer (NXDOMAIN, NODATA) is judged last, as the RRset of its SOA: the keys of
 * the SOA's zone must sign the SOA and the NSEC or NSEC3 records that prove the denial
 * (RFC 4035 §5.4, RFC 5155 §8).
 */
#include "resolve_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/validator/dnskey.h"
#include "lib/validator/nsec.h"
#include "lib/validator/verify.h"
#include "lib/wire/dns.h"

/* ---- small helpers ---------------------------------------------------------------------- */

static struct rrset_view view_of(const struct iter_rrset *s)
{
	return (struct rrset_view){ .owner = s->owner, .type = s->type, .ttl = s->ttl,
				    .count = s->count, .rdata = s->rdata, .size = s->size };
}

/* The EDE a signature verdict calls for (RFC 8914 §4). */
static int verdict_ede(enum sig_verdict v)
{
	switch (v) {
	case SIG_EXPIRED: return EDE_SIGNATURE_EXPIRED;
	case SIG_NOT_YET_VALID: return EDE_SIGNATURE_NOT_YET_VALID;
	case SIG_NO_KEY: return EDE_DNSKEY_MISSING;
	case SIG_UNSUPPORTED: return EDE_UNSUPPORTED_DNSKEY_ALG;
	default: return EDE_DNSSEC_BOGUS;
	}
}

/* Order of badness, for reporting the most telling of several verdicts. */
static int verdict_rank(enum sig_verdict v)
{
	switch (v) {
	case SIG_VALID: return 6;
	case SIG_EXPIRED: return 5;
	case SIG_NOT_YET_VALID: return 4;
	case SIG_BAD: return 3;
	case SIG_NO_KEY: return 2;
	default: return 1;
	}
}

/* RFC 4035 §5.3: the best verdict over every RRSIG of s whose signer is zone, with keys
 * (packed DNSKEY data). *tag receives the key tag of the signature judged; *used (when not
 * NULL) the fields of the one that verified. Every check counts against the request's budget
 * (VAL_SIG_CHECKS_MAX): many keys with one tag, or many signatures, cannot make a question
 * cost unbounded work (CVE-2023-50387, "KeyTrap"). */
static enum sig_verdict verify_set(struct resolve_req *q, const struct iter_rrset *s,
				   const uint8_t *zone, const uint8_t *keys, uint32_t keys_size,
				   uint16_t *tag, struct rrsig_fields *used)
{
	struct rrset_view v = view_of(s);
	enum sig_verdict best = SIG_NO_KEY;
	bool any = false;
	*tag = 0;
	for (uint32_t off = 0; off + 2 <= s->sig_size;) {
		uint16_t len = wire_read_u16(s->sigs + off);
		const uint8_t *sig = s->sigs + off + 2;
		off += 2u + len;
		if (q->val.sig_checks >= VAL_SIG_CHECKS_MAX) {
			q->val.over_budget = true;
			return any ? best : SIG_BAD;
		}
		q->val.sig_checks++;
		uint16_t t;
		enum sig_verdict r = rrsig_verify(&v, sig, len, zone, keys, keys_size,
						  resolve_now_wall(q), q->opts.sig_skew, &t);
		if (!any || verdict_rank(r) > verdict_rank(best)) {
			best = r;
			*tag = t;
		}
		any = true;
		if (r == SIG_VALID) {
			if (used && !rrsig_parse(sig, len, used))
				return SIG_BAD;
			break;
		}
	}
	return best;
}

/* The signer named by s's first RRSIG, if any. */
static const uint8_t *signer_of(const struct iter_rrset *s)
{
	struct rrsig_fields f;
	if (s->sig_size < 2 || !rrsig_parse(s->sigs + 2, wire_read_u16(s->sigs), &f))
		return NULL;
	return f.signer;
}

/* The name one label below `above` on the way down to `target` (target is below above). */
static void next_below(const uint8_t *above, const uint8_t *target, uint8_t *out)
{
	unsigned want = wire_name_labels(above) + 1;
	const uint8_t *n = target;
	while (wire_name_labels(n) > want)
		n = wire_name_parent(n);
	memcpy(out, n, wire_name_len(n));
}

static void set_name(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, wire_name_len(src));
}

/* What an RRset's mark must match in the cache. */
static struct rrcache_judged judged_data(const struct iter_rrset *s)
{
	return (struct rrcache_judged){ s->rdata, s->size };
}

/* The request ends in SERVFAIL. remember: the data itself failed (a signature, a proof), so
 * it is kept marked for dnssec.bogus-ttl; a failure to get keys or proofs (a server down,
 * too deep, memory) is not held against the data. */
static void fail_as(struct resolve_req *q, bool remember, int ede, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_as(struct resolve_req *q, bool remember, int ede, const char *fmt, ...)
{
	char text[RESOLVE_EDE_TEXT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* The data stays in the cache, marked bogus for dnssec.bogus-ttl at most: the same
	 * question gets the same answer without any server being asked again. */
	struct frame *f = q->f[0];
	if (remember && !q->val.over_budget && q->val.started &&
	    (q->val.negative ? f->soa != NULL : q->val.item < f->n_answer)) {
		const uint8_t *owner = q->val.negative ? f->sname : f->answer[q->val.item].owner;
		uint32_t type = q->val.negative ? (f->rcode == DNS_RCODE_NXDOMAIN
							   ? CACHE_TYPE_NXDOMAIN
							   : f->qtype)
						: f->answer[q->val.item].type;
		const struct iter_rrset *j = q->val.negative ? f->soa : &f->answer[q->val.item];
		struct rrcache_judged d = judged_data(j);
		rrcache_mark_bogus(q->r->cache, owner, RRCACHE_KEY(j->part, type), &d, (uint8_t)ede, q->opts.bogus_ttl,
				   resolve_now_wall(q));
	}
	if (q->val.over_budget)
		resolve_frame_fail(q, f, EDE_DNSSEC_INDETERMINATE,
				   "DNSSEC: %s (stopped at the validation work limit: %u signature "
				   "checks, %u NSEC3 hashes)", text, VAL_SIG_CHECKS_MAX, VAL_HASHES_MAX);
	else
		resolve_frame_fail(q, f, ede, "DNSSEC: %s", text);
	q->val.state = VAL_DONE;
	q->r->stats.bogus++;
}

#define bogus(q, ...) fail_as(q, true, __VA_ARGS__)
#define unverifiable(q, ...) fail_as(q, false, __VA_ARGS__)

/* The RRset being judged is insecure (no anchor above, a negative trust anchor, or an unsigned
 * delegation on the way down): on to the next one, and the answer gets no AD. */
static void judged(struct resolve_req *q)
{
	if (q->val.negative)
		q->val.negative_done = true;
	else
		q->val.item++;
	q->val.state = VAL_NEXT_RRSET;
}

static void insecure(struct resolve_req *q)
{
	q->val.all_secure = false;
	judged(q);
}

/* The RRset being judged: an answer link, or the SOA of the negative answer. */
static struct iter_rrset *current(struct resolve_req *q)
{
	return q->val.negative ? q->f[0]->soa : &q->f[0]->answer[q->val.item];
}

static void text_of(const uint8_t *name, char *buf)
{
	wire_name_to_text(name, buf, WIRE_NAME_TEXT_MAX);
}

/* ---- the walk ---------------------------------------------------------------------------- */

/* Ask (name, type) in a frame of its own; VALIDATE waits for it. */
static bool fetch(struct resolve_req *q, const uint8_t *name, uint16_t type,
		  enum val_state then)
{
	if (q->depth >= RESOLVE_FRAMES_MAX) {
		char n[WIRE_NAME_TEXT_MAX];
		text_of(name, n);
		unverifiable(q, EDE_DNSSEC_INDETERMINATE, "too deep to fetch %s type %u", n, type);
		return false;
	}
	struct frame *c = resolve_frame_push(q, name, type);
	if (!c) {
		resolve_frame_fail(q, q->f[0], EDE_OTHER, "out of memory");
		q->val.state = VAL_DONE;
		return false;
	}
	c->vfetch = true;
	q->val.state = then;
	resolve_trace(q, "validation fetch");
	return true;
}

/* Frame 0's answer came from the cache without the proof it needs: resolve it again from the
 * servers (its own question not read from the cache), once. false when already done. */
static bool restart(struct resolve_req *q)
{
	struct val *v = &q->val;
	if (v->restarted)
		return false;
	struct frame *f = q->f[0];
	for (size_t i = 0; i < f->n_answer; i++)
		iter_rrset_free(&f->answer[i]);
	f->n_answer = 0;
	if (f->soa) {
		iter_rrset_free(f->soa);
		free(f->soa);
		f->soa = NULL;
	}
	for (size_t i = 0; i < f->n_proof; i++)
		iter_rrset_free(&f->proof[i]);
	f->n_proof = 0;
	memcpy(f->sname, f->qname, wire_name_len(f->qname));
	f->links = f->referrals = f->qmin_labels = f->qmin_steps = 0;
	f->qmin_off = false;
	f->rcode = 0;
	f->refresh = true;
	f->state = FS_INIT;
	/* The walk starts over; its budget and the keys found so far carry on. */
	v->started = false;
	v->restarted = true;
	v->state = VAL_DONE;
	resolve_trace(q, "validation: asking again for the proof the cache did not keep");
	return true;
}

/* Is this DNSKEY (data) vouched for: matched by a DS of the set, or one of the known keys? */
static bool vouched(const uint8_t *owner, const uint8_t *key, uint16_t len, const uint8_t *ds,
		    uint32_t ds_size, const uint8_t *known, uint32_t known_size)
{
	for (uint32_t d = 0; d + 2 <= ds_size;) {
		uint16_t dl = wire_read_u16(ds + d);
		if (ds_matches_dnskey(ds + d + 2, dl, owner, key, len))
			return true;
		d += 2u + dl;
	}
	for (uint32_t d = 0; d + 2 <= known_size;) {
		uint16_t dl = wire_read_u16(known + d);
		if (dl == len && memcmp(known + d + 2, key, len) == 0)
			return true;
		d += 2u + dl;
	}
	return false;
}

/* RFC 4035 §5.2 (and §4.4 for an anchor): the DNSKEY set of zone that fetch c brought is
 * trusted when it holds a key the DS set (or the anchor's keys) vouches for and is signed by
 * such a key; it then becomes the walk's keys, and zone its deepest trusted zone. */
static void adopt_keys(struct resolve_req *q, const struct frame *c, const uint8_t *zone,
		       const uint8_t *ds, uint32_t ds_size, const uint8_t *known,
		       uint32_t known_size, bool anchor)
{
	struct val *v = &q->val;
	char name[WIRE_NAME_TEXT_MAX];
	text_of(zone, name);
	const struct iter_rrset *keys = NULL;
	for (size_t i = 0; !c->failed && i < c->n_answer; i++)
		if (c->answer[i].type == DNS_TYPE_DNSKEY && wire_name_equal(c->answer[i].owner, zone))
			keys = &c->answer[i];
	if (!keys) {
		if (anchor)
			bogus(q, EDE_DNSKEY_MISSING, "no DNSKEY set for the trust anchor %s", name);
		else
			bogus(q, EDE_DNSKEY_MISSING, "%s has a DS in its parent but no DNSKEY set "
			      "(signed, then signing turned off?)", name);
		return;
	}
	uint8_t *match = malloc(keys->size ? keys->size : 1);
	uint32_t msize = 0;
	if (!match) {
		unverifiable(q, EDE_OTHER, "out of memory");
		return;
	}
	for (uint32_t off = 0; off + 2 <= keys->size;) {
		uint16_t len = wire_read_u16(keys->rdata + off);
		if (vouched(zone, keys->rdata + off + 2, len, ds, ds_size, known, known_size)) {
			memcpy(match + msize, keys->rdata + off, 2u + len);
			msize += 2u + len;
		}
		off += 2u + len;
	}
	uint16_t tag = 0;
	enum sig_verdict r = msize ? verify_set(q, keys, zone, match, msize, &tag, NULL)
				   : SIG_NO_KEY;
	free(match);
	if (msize == 0) {
		if (anchor) {
			bogus(q, EDE_DNSKEY_MISSING, "no DNSKEY of %s matches its trust anchor", name);
		} else {
			uint16_t dtag = ds_size >= 4 ? wire_read_u16(ds + 2) : 0;
			bogus(q, EDE_DNSKEY_MISSING, "no DNSKEY of %s matches its DS (key tag %u): "
			      "the KSK was rolled without updating the DS?", name, dtag);
		}
		return;
	}
	if (keys->sig_count == 0) {
		bogus(q, EDE_RRSIGS_MISSING, "the DNSKEY set of %s is not signed", name);
		return;
	}
	if (r != SIG_VALID) {
		bogus(q, verdict_ede(r), "DNSKEY set of %s: %s (key tag %u)", name,
		      sig_verdict_text(r), tag);
		return;
	}
	iter_rrset_free(&v->keys);
	if (iter_rrset_copy(&v->keys, keys) < 0) {
		unverifiable(q, EDE_OTHER, "out of memory");
		return;
	}
	set_name(v->zone, zone);
	set_name(v->cursor, zone);
	v->have_keys = true;
	struct rrcache_judged d = judged_data(keys);
	rrcache_set_security(q->r->cache, keys->owner, RRCACHE_KEY(keys->part, DNS_TYPE_DNSKEY),
			     &d, CACHE_SEC_SECURE, 0,
			     resolve_now_wall(q));
	v->state = VAL_DESCEND;
}

/* Keys of the closest anchor (RFC 4035 §4.4, RFC 7958): DS or DNSKEY anchors vouch. */
static void anchor_keys_done(struct resolve_req *q, const struct frame *c)
{
	const struct anchor *a = q->val.anchor;
	adopt_keys(q, c, a->owner, a->ds, a->ds_size, a->keys, a->keys_size, true);
}

/* The DNSKEY set of a secure cut, against its validated DS set. */
static void keys_done(struct resolve_req *q, const struct frame *c)
{
	struct val *v = &q->val;
	adopt_keys(q, c, v->next, v->ds.rdata, v->ds.size, NULL, 0, false);
}

/* A proof record of the DS fetch, verified with the trusted keys. */
static bool proof_ok(struct resolve_req *q, const struct iter_rrset *p)
{
	uint16_t tag;
	return verify_set(q, p, q->val.zone, q->val.keys.rdata, q->val.keys.size, &tag, NULL) ==
	       SIG_VALID;
}

enum denial { DENIAL_NONE, DENIAL_NO_CUT, DENIAL_INSECURE_CUT, DENIAL_DS_EXISTS,
	      DENIAL_ITERATIONS };

/* NSEC3 hashing is costly: each question may hash VAL_HASHES_MAX names at most. */
static bool hash_budget(struct resolve_req *q)
{
	if (q->val.hashes >= VAL_HASHES_MAX) {
		q->val.over_budget = true;
		return false;
	}
	q->val.hashes++;
	return true;
}

/* RFC 4035 §5.2 and RFC 5155 §8.5–8.6: what the signed denial says of a DS at name. */
static enum denial ds_denial(struct resolve_req *q, const struct frame *c, const uint8_t *name)
{
	for (size_t i = 0; i < c->n_proof; i++) {
		const struct iter_rrset *p = &c->proof[i];
		if (p->type != DNS_TYPE_NSEC || !proof_ok(q, p) || p->size < 2)
			continue;
		const uint8_t *next, *bitmap;
		size_t blen;
		if (!nsec_parse(p->rdata + 2, wire_read_u16(p->rdata), &next, &bitmap, &blen))
			continue;
		if (wire_name_equal(p->owner, name)) {
			if (nsec_bitmap_has(bitmap, blen, DNS_TYPE_DS))
				return DENIAL_DS_EXISTS;
			bool cut = nsec_bitmap_has(bitmap, blen, DNS_TYPE_NS) &&
				   !nsec_bitmap_has(bitmap, blen, DNS_TYPE_SOA);
			return cut ? DENIAL_INSECURE_CUT : DENIAL_NO_CUT;
		}
		if (nsec_covers(p->owner, next, name) &&
		    nsec_may_deny_below(p->owner, bitmap, blen, name))
			return DENIAL_NO_CUT; /* the name does not exist: no cut there either */
	}
	uint8_t h[NSEC3_HASH_MAX];
	for (size_t i = 0; i < c->n_proof; i++) {
		const struct iter_rrset *p = &c->proof[i];
		struct nsec3_fields f;
		uint8_t oh[NSEC3_HASH_MAX];
		if (p->type != DNS_TYPE_NSEC3 || p->size < 2 ||
		    !nsec3_parse(p->rdata + 2, wire_read_u16(p->rdata), &f) || !proof_ok(q, p))
			continue;
		if (f.iterations > NSEC3_ITERATIONS_MAX)
			return DENIAL_ITERATIONS; /* RFC 9276 §3.2: not hashed, insecure */
		if (!hash_budget(q))
			return DENIAL_NONE;
		size_t hl = nsec3_hash(name, f.alg, f.iterations, f.salt, f.salt_len, h);
		if (hl != f.hash_len || nsec3_owner_hash(p->owner, oh) != hl)
			continue;
		if (memcmp(oh, h, hl) == 0) {
			if (nsec_bitmap_has(f.bitmap, f.bitmap_len, DNS_TYPE_DS))
				return DENIAL_DS_EXISTS;
			bool cut = nsec_bitmap_has(f.bitmap, f.bitmap_len, DNS_TYPE_NS) &&
				   !nsec_bitmap_has(f.bitmap, f.bitmap_len, DNS_TYPE_SOA);
			return cut ? DENIAL_INSECURE_CUT : DENIAL_NO_CUT;
		}
		/* RFC 5155 §6: an opt-out span covering the name may hide unsigned cuts; a span
		 * without opt-out shows the name does not exist, so no cut is there. */
		if (nsec3_covers(oh, f.next_hash, h, hl))
			return (f.flags & NSEC3_FLAG_OPT_OUT) ? DENIAL_INSECURE_CUT : DENIAL_NO_CUT;
	}
	return DENIAL_NONE;
}

/* RFC 9276 §3.2: a denial by NSEC3 with more iterations than we hash is insecure; the
 * client is told why (EDE 27). */
static void too_many_iterations(struct resolve_req *q, const uint8_t *zone)
{
	char z[WIRE_NAME_TEXT_MAX];
	text_of(zone, z);
	q->result.ede = EDE_UNSUPPORTED_NSEC3_ITERATIONS;
	snprintf(q->result.ede_text, sizeof(q->result.ede_text),
		 "DNSSEC: %.120s uses more than %u NSEC3 iterations: answered as insecure", z,
		 NSEC3_ITERATIONS_MAX);
	insecure(q);
}

/* The DS of v->next came back. */
static void ds_done(struct resolve_req *q, const struct frame *c)
{
	struct val *v = &q->val;
	char name[WIRE_NAME_TEXT_MAX], zone[WIRE_NAME_TEXT_MAX];
	text_of(v->next, name);
	text_of(v->zone, zone);
	if (c->failed) {
		unverifiable(q, EDE_DNSSEC_BOGUS, "could not get the DS of %s from %s", name, zone);
		return;
	}
	const struct iter_rrset *ds = NULL;
	for (size_t i = 0; i < c->n_answer; i++)
		if (c->answer[i].type == DNS_TYPE_DS && wire_name_equal(c->answer[i].owner, v->next))
			ds = &c->answer[i];
	if (ds) {
		uint16_t tag = 0;
		enum sig_verdict r = ds->security == CACHE_SEC_SECURE
					     ? SIG_VALID
					     : verify_set(q, ds, v->zone, v->keys.rdata, v->keys.size,
							  &tag, NULL);
		if (ds->sig_count == 0 && r != SIG_VALID) {
			bogus(q, EDE_RRSIGS_MISSING, "the DS of %s is not signed by %s", name, zone);
			return;
		}
		if (r != SIG_VALID) {
			bogus(q, verdict_ede(r), "DS of %s: %s (key tag %u of %s)", name,
			      sig_verdict_text(r), tag, zone);
			return;
		}
		struct rrcache_judged dd = judged_data(ds);
		rrcache_set_security(q->r->cache, ds->owner, RRCACHE_KEY(ds->part, DNS_TYPE_DS), &dd,
				     CACHE_SEC_SECURE, 0,
				     resolve_now_wall(q));
		/* RFC 4035 §5.2: DS records only of algorithms or digests unknown here make
		 * the delegation insecure, not bogus. */
		bool usable = false, alg_known = false;
		for (uint32_t off = 0; !usable && off + 2 <= ds->size;) {
			uint16_t len = wire_read_u16(ds->rdata + off);
			const uint8_t *d = ds->rdata + off + 2;
			alg_known |= len >= 4 && dnssec_alg_supported(d[2]);
			usable = len >= 4 && dnssec_alg_supported(d[2]) && ds_digest_supported(d[3]);
			off += 2u + len;
		}
		if (!usable) {
			q->result.ede = alg_known ? EDE_UNSUPPORTED_DS_DIGEST
						  : EDE_UNSUPPORTED_DNSKEY_ALG;
			snprintf(q->result.ede_text, sizeof(q->result.ede_text),
				 "DNSSEC: the DS records of %.80s use only %s this validator does "
				 "not implement: answered as insecure", name,
				 alg_known ? "digest types" : "algorithms");
			insecure(q);
			return;
		}
		iter_rrset_free(&v->ds);
		if (iter_rrset_copy(&v->ds, ds) < 0) {
			unverifiable(q, EDE_OTHER, "out of memory");
			return;
		}
		fetch(q, v->next, DNS_TYPE_DNSKEY, VAL_KEYS);
		return;
	}
	/* No DS: a cached conclusion, or a signed denial in the response. Only a denial of
	 * this very name counts: a DS question answered with a CNAME proves nothing. */
	enum denial d = DENIAL_NONE;
	bool direct = c->n_answer == 0 && wire_name_equal(c->sname, v->next);
	uint8_t mark = direct && c->soa ? c->soa->security : 0;
	if (mark == CACHE_SEC_INSECURE)
		d = DENIAL_INSECURE_CUT;
	else if (mark == CACHE_SEC_INSECURE_ITERATIONS)
		d = DENIAL_ITERATIONS;
	else if (mark == CACHE_SEC_SECURE)
		d = DENIAL_NO_CUT;
	else if (direct)
		d = ds_denial(q, c, v->next);
	if (d == DENIAL_NONE && direct && c->n_proof == 0 && !v->ds_refetched) {
		/* A denial from the cache, kept without its proof: ask the servers once. */
		v->ds_refetched = true;
		if (fetch(q, v->next, DNS_TYPE_DS, VAL_DS))
			q->f[q->depth - 1]->refresh = true;
		return;
	}
	uint32_t type = RRCACHE_KEY(c->part, c->rcode == DNS_RCODE_NXDOMAIN ? CACHE_TYPE_NXDOMAIN
									      : DNS_TYPE_DS);
	struct rrcache_judged soa = c->soa ? judged_data(c->soa) : (struct rrcache_judged){ 0 };
	const struct rrcache_judged *sd = c->soa ? &soa : NULL;
	switch (d) {
	case DENIAL_INSECURE_CUT:
		rrcache_set_security(q->r->cache, v->next, type, sd, CACHE_SEC_INSECURE, 0,
				     resolve_now_wall(q));
		insecure(q);
		return;
	case DENIAL_NO_CUT:
		rrcache_set_security(q->r->cache, v->next, type, sd, CACHE_SEC_SECURE, 0,
				     resolve_now_wall(q));
		set_name(v->cursor, v->next);
		v->ds_refetched = false;
		v->state = VAL_DESCEND;
		return;
	case DENIAL_ITERATIONS:
		rrcache_set_security(q->r->cache, v->next, type, sd, CACHE_SEC_INSECURE_ITERATIONS,
				     0, resolve_now_wall(q));
		too_many_iterations(q, v->zone);
		return;
	case DENIAL_DS_EXISTS:
		bogus(q, EDE_NSEC_MISSING, "%s says a DS exists at %s, but none came", zone, name);
		return;
	default:
		bogus(q, c->n_proof ? EDE_NSEC_MISSING : EDE_RRSIGS_MISSING,
		      "no signed proof from %s that %s has no DS", zone, name);
		return;
	}
}

/* RFC 4035 §5.3.4: a wildcard answer needs the proof that the name asked does not exist. */
static bool wildcard_proven(struct resolve_req *q, const struct iter_rrset *s,
			    unsigned sig_labels)
{
	const struct frame *f = q->f[0];
	for (size_t i = 0; i < f->n_proof; i++) {
		const struct iter_rrset *p = &f->proof[i];
		if (!proof_ok(q, p) || p->size < 2)
			continue;
		if (p->type == DNS_TYPE_NSEC) {
			const uint8_t *next, *bitmap;
			size_t blen;
			if (nsec_parse(p->rdata + 2, wire_read_u16(p->rdata), &next, &bitmap, &blen) &&
			    nsec_covers(p->owner, next, s->owner) &&
			    nsec_may_deny_below(p->owner, bitmap, blen, s->owner))
				return true;
		} else {
			/* RFC 5155 §8.8: the next closer name (one label below the closest
			 * encloser, which has the signature's label count) is covered. */
			struct nsec3_fields nf;
			uint8_t oh[NSEC3_HASH_MAX], h[NSEC3_HASH_MAX];
			if (!nsec3_parse(p->rdata + 2, wire_read_u16(p->rdata), &nf) ||
			    nf.iterations > NSEC3_ITERATIONS_MAX || !hash_budget(q))
				continue;
			const uint8_t *nc = s->owner;
			while (wire_name_labels(nc) > sig_labels + 1)
				nc = wire_name_parent(nc);
			size_t hl = nsec3_hash(nc, nf.alg, nf.iterations, nf.salt, nf.salt_len, h);
			if (hl && hl == nf.hash_len && nsec3_owner_hash(p->owner, oh) == hl &&
			    nsec3_covers(oh, nf.next_hash, h, hl))
				return true;
		}
	}
	return false;
}

/* ---- denial of existence (RFC 4035 §5.4, RFC 5155 §8) ---------------------------------- */

/* The deepest name that is an ancestor (or the same) of both a and b. */
static const uint8_t *common_ancestor(const uint8_t *a, const uint8_t *b)
{
	while (a[0] && !wire_name_is_subdomain(b, a))
		a = wire_name_parent(a);
	return a;
}

/* A verified NSEC of frame 0's proofs, one at a time: *i moves on. */
static const struct iter_rrset *next_nsec(struct resolve_req *q, size_t *i, const uint8_t **next,
					  const uint8_t **bitmap, size_t *blen)
{
	const struct frame *f = q->f[0];
	while (*i < f->n_proof) {
		const struct iter_rrset *p = &f->proof[(*i)++];
		if (p->type == DNS_TYPE_NSEC && p->size >= 2 &&
		    nsec_parse(p->rdata + 2, wire_read_u16(p->rdata), next, bitmap, blen) &&
		    proof_ok(q, p))
			return p;
	}
	return NULL;
}

/* Does a verified NSEC cover name (strictly)? */
static bool nsec_covered(struct resolve_req *q, const uint8_t *name,
			 const struct iter_rrset **which, const uint8_t **which_next)
{
	size_t i = 0;
	const uint8_t *next, *bitmap;
	size_t blen;
	const struct iter_rrset *p;
	while ((p = next_nsec(q, &i, &next, &bitmap, &blen)))
		if (nsec_covers(p->owner, next, name) &&
		    nsec_may_deny_below(p->owner, bitmap, blen, name)) {
			if (which)
				*which = p;
			if (which_next)
				*which_next = next;
			return true;
		}
	return false;
}

/* Is there a verified NSEC at name whose bitmap has neither type nor CNAME? */
/* RFC 4035 §5.4: the NSEC (or NSEC3) of a delegation point is the parent's; it says nothing
 * of the child's types, only of DS. */
static bool parent_side(const uint8_t *bitmap, size_t blen, uint16_t type)
{
	return type != DNS_TYPE_DS && nsec_bitmap_has(bitmap, blen, DNS_TYPE_NS) &&
	       !nsec_bitmap_has(bitmap, blen, DNS_TYPE_SOA);
}

static bool nsec_nodata_at(struct resolve_req *q, const uint8_t *name, uint16_t type)
{
	size_t i = 0;
	const uint8_t *next, *bitmap;
	size_t blen;
	const struct iter_rrset *p;
	while ((p = next_nsec(q, &i, &next, &bitmap, &blen)))
		if (wire_name_equal(p->owner, name))
			return !nsec_bitmap_has(bitmap, blen, type) &&
			       !nsec_bitmap_has(bitmap, blen, DNS_TYPE_CNAME) &&
			       !parent_side(bitmap, blen, type);
	return false;
}

enum proof { PROOF_NONE, PROOF_SECURE, PROOF_OPT_OUT, PROOF_ITERATIONS };

/* RFC 4035 §5.4 with NSEC: NXDOMAIN needs the name and the wildcard at its closest encloser
 * covered; NODATA an NSEC at the name without the type, or the wildcard's. */
static enum proof prove_nsec(struct resolve_req *q, const uint8_t *name, uint16_t type,
			     bool nxdomain)
{
	uint8_t wild[WIRE_NAME_MAX];
	if (!nxdomain && nsec_nodata_at(q, name, type))
		return PROOF_SECURE;
	const struct iter_rrset *c;
	const uint8_t *cnext;
	if (!nsec_covered(q, name, &c, &cnext))
		return PROOF_NONE;
	/* A span that ends below the name shows it is an empty non-terminal: it exists. */
	if (nxdomain && wire_name_is_subdomain(cnext, name))
		return PROOF_NONE;
	/* The closest encloser: the deeper of the ancestors name shares with the covering
	 * NSEC's two ends. */
	const uint8_t *a = common_ancestor(name, c->owner), *b = common_ancestor(name, cnext);
	const uint8_t *ce = wire_name_labels(a) >= wire_name_labels(b) ? a : b;
	if (!wire_name_wildcard(ce, wild))
		return PROOF_NONE;
	if (nxdomain)
		return nsec_covered(q, wild, NULL, NULL) ? PROOF_SECURE : PROOF_NONE;
	return nsec_nodata_at(q, wild, type) ? PROOF_SECURE : PROOF_NONE;
}

/* A verified NSEC3 matching or covering name; *opt_out tells its flag. */
static bool nsec3_find(struct resolve_req *q, const uint8_t *name, bool match,
		       struct nsec3_fields *out, bool *too_many)
{
	const struct frame *f = q->f[0];
	uint8_t h[NSEC3_HASH_MAX], oh[NSEC3_HASH_MAX];
	for (size_t i = 0; i < f->n_proof; i++) {
		const struct iter_rrset *p = &f->proof[i];
		struct nsec3_fields nf;
		if (p->type != DNS_TYPE_NSEC3 || p->size < 2 ||
		    !nsec3_parse(p->rdata + 2, wire_read_u16(p->rdata), &nf) || !proof_ok(q, p))
			continue;
		if (nf.iterations > NSEC3_ITERATIONS_MAX) {
			*too_many = true; /* RFC 9276 §3.2: a signed record, but not hashed */
			continue;
		}
		if (!hash_budget(q))
			return false;
		size_t hl = nsec3_hash(name, nf.alg, nf.iterations, nf.salt, nf.salt_len, h);
		if (!hl || nsec3_owner_hash(p->owner, oh) != hl || hl != nf.hash_len)
			continue;
		bool hit = match ? memcmp(oh, h, hl) == 0 : nsec3_covers(oh, nf.next_hash, h, hl);
		if (hit) {
			*out = nf;
			return true;
		}
	}
	return false;
}

/* RFC 5155 §8.4–8.7: NODATA by the NSEC3 matching the name; NXDOMAIN by the closest
 * encloser proof (an ancestor matched, the next closer name and the wildcard covered). */
static enum proof prove_nsec3(struct resolve_req *q, const uint8_t *name, uint16_t type,
			      bool nxdomain, const uint8_t *zone)
{
	struct nsec3_fields nf;
	bool too_many = false;
	if (!nxdomain && nsec3_find(q, name, true, &nf, &too_many))
		return !nsec_bitmap_has(nf.bitmap, nf.bitmap_len, type) &&
				       !nsec_bitmap_has(nf.bitmap, nf.bitmap_len, DNS_TYPE_CNAME) &&
				       !parent_side(nf.bitmap, nf.bitmap_len, type)
			       ? PROOF_SECURE
			       : PROOF_NONE;
	/* The closest encloser: the deepest ancestor with a matching NSEC3. */
	const uint8_t *ce = NULL, *nc = name;
	for (const uint8_t *a = name; wire_name_is_subdomain(a, zone); a = wire_name_parent(a)) {
		if (a != name && nsec3_find(q, a, true, &nf, &too_many)) {
			ce = a;
			break;
		}
		nc = a;
		if (a[0] == 0)
			break;
	}
	if (!ce)
		return too_many ? PROOF_ITERATIONS : PROOF_NONE;
	/* RFC 5155 §8.3: a closest encloser at a delegation or a DNAME proves nothing below. */
	if ((nsec_bitmap_has(nf.bitmap, nf.bitmap_len, DNS_TYPE_NS) &&
	     !nsec_bitmap_has(nf.bitmap, nf.bitmap_len, DNS_TYPE_SOA)) ||
	    nsec_bitmap_has(nf.bitmap, nf.bitmap_len, DNS_TYPE_DNAME))
		return PROOF_NONE;
	struct nsec3_fields cover;
	if (!nsec3_find(q, nc, false, &cover, &too_many))
		return too_many ? PROOF_ITERATIONS : PROOF_NONE;
	bool opt_out = cover.flags & NSEC3_FLAG_OPT_OUT;
	uint8_t wild[WIRE_NAME_MAX];
	struct nsec3_fields w;
	if (!wire_name_wildcard(ce, wild))
		return PROOF_NONE;
	if (nxdomain) {
		if (!nsec3_find(q, wild, false, &w, &too_many))
			return too_many ? PROOF_ITERATIONS : PROOF_NONE;
	} else if (!(type == DNS_TYPE_DS && opt_out)) {
		/* NODATA at a wildcard: the wildcard's NSEC3 matches and lacks the type. */
		if (!nsec3_find(q, wild, true, &w, &too_many) ||
		    nsec_bitmap_has(w.bitmap, w.bitmap_len, type))
			return too_many ? PROOF_ITERATIONS : PROOF_NONE;
	}
	return opt_out ? PROOF_OPT_OUT : PROOF_SECURE;
}

/* RFC 8198: the NSEC and NSEC3 records of a proven denial (each verified with the zone's
 * keys) are kept in order, so that later names in the same spans are answered without
 * asking. */
static void remember_spans(struct resolve_req *q)
{
	struct frame *f = q->f[0];
	if (!q->r->nsec || !q->opts.aggressive_nsec || !f->soa)
		return;
	int64_t now = resolve_now_wall(q);
	for (size_t i = 0; i < f->n_proof; i++) {
		const struct iter_rrset *p = &f->proof[i];
		if ((p->type != DNS_TYPE_NSEC && p->type != DNS_TYPE_NSEC3) || !proof_ok(q, p))
			continue;
		/* RFC 8198 §5.4: no longer than the negative TTL the SOA gives. */
		uint32_t ttl = p->ttl < f->soa->ttl ? p->ttl : f->soa->ttl;
		nseccache_put(q->r->nsec, q->val.zone, p, now + ttl, f->soa, now + f->soa->ttl);
	}
}

/* The SOA of the negative answer verified: now the denial itself. */
static void verify_denial(struct resolve_req *q)
{
	struct val *v = &q->val;
	struct frame *f = q->f[0];
	bool nxdomain = f->rcode == DNS_RCODE_NXDOMAIN;
	/* The denial is about where the chain stopped: the last CNAME target, or the name. */
	const uint8_t *name = f->sname;
	char text[WIRE_NAME_TEXT_MAX], zone[WIRE_NAME_TEXT_MAX];
	text_of(name, text);
	text_of(v->zone, zone);
	enum proof p = prove_nsec(q, name, f->qtype, nxdomain);
	if (p == PROOF_NONE)
		p = prove_nsec3(q, name, f->qtype, nxdomain, v->zone);
	uint32_t key = RRCACHE_KEY(f->soa->part, nxdomain ? CACHE_TYPE_NXDOMAIN : f->qtype);
	struct rrcache_judged soa = judged_data(f->soa);
	/* A proven NODATA for DS says nothing of a cut by itself: the walk's DS lookups keep
	 * their own marks, so this one is not written where they would read it. */
	bool mark = f->qtype != DNS_TYPE_DS || nxdomain;
	switch (p) {
	case PROOF_SECURE:
		remember_spans(q);
		f->soa->security = CACHE_SEC_SECURE;
		if (mark)
			rrcache_set_security(q->r->cache, name, key, &soa, CACHE_SEC_SECURE, 0,
					     resolve_now_wall(q));
		judged(q);
		return;
	case PROOF_OPT_OUT:
		if (mark)
			rrcache_set_security(q->r->cache, name, key, &soa, CACHE_SEC_INSECURE, 0,
					     resolve_now_wall(q));
		insecure(q);
		return;
	case PROOF_ITERATIONS:
		if (mark)
			rrcache_set_security(q->r->cache, name, key, &soa,
					     CACHE_SEC_INSECURE_ITERATIONS, 0, resolve_now_wall(q));
		too_many_iterations(q, v->zone);
		return;
	default:
		bogus(q, EDE_NSEC_MISSING, "no signed proof from %s that %s %s", zone, text,
		      nxdomain ? "does not exist" : "has no record of this type");
		return;
	}
}

/* Keys of the signer are trusted: judge the RRset itself. */
/* RFC 4035 §5.3.3: a validated RRset lives no longer than its signature allows. */
static uint32_t sig_ttl_cap(const struct resolve_req *q, const struct rrsig_fields *f,
			    uint32_t ttl)
{
	if (f->orig_ttl < ttl)
		ttl = f->orig_ttl;
	int64_t left = (int32_t)(f->expiration - (uint32_t)resolve_now_wall(q));
	if (left < 0)
		left = 0;
	return (int64_t)ttl > left ? (uint32_t)left : ttl;
}

/* Keys of the zone are trusted: judge the RRset itself (a link of the answer, or the SOA of
 * the denial). */
static void verify_rrset(struct resolve_req *q)
{
	struct val *v = &q->val;
	struct frame *f = q->f[0];
	char owner[WIRE_NAME_TEXT_MAX], zone[WIRE_NAME_TEXT_MAX];
	text_of(v->zone, zone);
	if (v->negative) {
		/* The denial must come from the deepest secure zone above the name: its SOA,
		 * signed by its keys (not the SOA of some other zone, nor none). */
		text_of(f->sname, owner);
		if (!f->soa) {
			bogus(q, EDE_NSEC_MISSING, "%s is denied without an SOA, but %s is signed",
			      owner, zone);
			return;
		}
		if (!wire_name_equal(f->soa->owner, v->zone)) {
			char soa[WIRE_NAME_TEXT_MAX];
			text_of(f->soa->owner, soa);
			bogus(q, EDE_DNSSEC_BOGUS, "%s is denied with the SOA of %s, but it is in %s",
			      owner, soa, zone);
			return;
		}
	}
	struct iter_rrset *s = current(q);
	text_of(s->owner, owner);
	if (s->sig_count == 0) {
		bogus(q, EDE_RRSIGS_MISSING, "%s type %u has no RRSIG, but %s is signed", owner,
		      s->type, zone);
		return;
	}
	uint16_t tag;
	struct rrsig_fields used;
	enum sig_verdict r = verify_set(q, s, v->zone, v->keys.rdata, v->keys.size, &tag, &used);
	if (r != SIG_VALID) {
		bogus(q, verdict_ede(r), "%s type %u: %s (key tag %u of %s)", owner, s->type,
		      sig_verdict_text(r), tag, zone);
		return;
	}
	s->ttl = sig_ttl_cap(q, &used, s->ttl);
	/* RFC 4035 §5.3.4: the signature that verified says whether this is a wildcard
	 * expansion, which needs the proof that the name itself does not exist. */
	if (!v->negative && used.labels < rrsig_labels(s->owner) &&
	    !wildcard_proven(q, s, used.labels)) {
		if (f->n_proof == 0 && restart(q))
			return; /* from the cache, without its proof: ask again, once */
		bogus(q, EDE_NSEC_MISSING, "%s type %u is a wildcard answer without the proof that "
		      "%s does not exist", owner, s->type, owner);
		return;
	}
	if (v->negative) {
		verify_denial(q);
		return;
	}
	s->security = CACHE_SEC_SECURE;
	struct rrcache_judged d = judged_data(s);
	rrcache_set_security(q->r->cache, s->owner, RRCACHE_KEY(s->part, s->type), &d,
			     CACHE_SEC_SECURE, s->ttl,
			     resolve_now_wall(q));
	judged(q);
}

/* Is the answer of frame 0 a denial at the end of its chain (NXDOMAIN, or no data)? */
static bool has_denial(const struct frame *f)
{
	if (f->soa || f->rcode == DNS_RCODE_NXDOMAIN || f->n_answer == 0)
		return true;
	const struct iter_rrset *last = &f->answer[f->n_answer - 1];
	return f->qtype != DNS_TYPE_ANY && last->type != f->qtype &&
	       (last->type == DNS_TYPE_CNAME || last->type == DNS_TYPE_DNAME);
}

/* A denial proven when it was cached comes back without its NSEC/NSEC3 records (the RRset
 * cache keeps the SOA only): the span cache of RFC 8198 usually still has them, for the
 * clients that ask for the proof (DO). */
static void attach_cached_proof(struct resolve_req *q)
{
	struct frame *f = q->f[0];
	if (f->n_proof || !q->r->nsec)
		return;
	struct iter_rrset soa, proofs[NSECCACHE_PROOFS_MAX];
	size_t n = 0;
	enum nsec_aggressive v = nseccache_lookup(q->r->nsec, f->sname, f->qtype,
						  resolve_now_wall(q), &soa, proofs, &n);
	if (v == NSEC_AGGR_NONE)
		return;
	iter_rrset_free(&soa);
	bool fits = v == (f->rcode == DNS_RCODE_NXDOMAIN ? NSEC_AGGR_NXDOMAIN : NSEC_AGGR_NODATA);
	struct iter_rrset *kept = fits ? malloc(n * sizeof(*kept)) : NULL;
	if (!kept) {
		for (size_t i = 0; i < n; i++)
			iter_rrset_free(&proofs[i]);
		return;
	}
	memcpy(kept, proofs, n * sizeof(*kept));
	free(f->proof);
	f->proof = kept;
	f->n_proof = n;
}

/* The denial is next: what its cached marks say, else the walk down to the name. */
static void next_denial(struct resolve_req *q)
{
	struct val *v = &q->val;
	struct frame *f = q->f[0];
	struct iter_rrset *s = f->soa;
	uint8_t mark = s ? s->security : CACHE_SEC_UNCHECKED;
	const struct anchors *as = q->r->anchors;
	v->anchor = as ? anchors_closest(as, f->sname) : NULL;
	if (!v->anchor || anchors_nta_covers(as, f->sname) || resolve_unvalidated(q, f->sname)) {
		insecure(q);
		return;
	}
	switch (mark) {
	case CACHE_SEC_SECURE:
		attach_cached_proof(q); /* for DO clients */
		judged(q); /* proven when it was cached */
		return;
	case CACHE_SEC_INSECURE:
		insecure(q);
		return;
	case CACHE_SEC_INSECURE_ITERATIONS:
		too_many_iterations(q, s->owner);
		return;
	case CACHE_SEC_BOGUS: {
		char name[WIRE_NAME_TEXT_MAX];
		text_of(f->sname, name);
		bogus(q, s->ede ? s->ede : EDE_DNSSEC_BOGUS,
		      "%s was found bogus (EDE %u) less than %u s ago (dnssec.bogus-ttl): not asked "
		      "again yet", name, s->ede, q->opts.bogus_ttl);
		return;
	}
	default:
		break;
	}
	if (s && f->n_proof == 0 && restart(q))
		return; /* a denial from the cache, never judged and kept without its proof */
	/* Walk down to the name itself: every cut between the SOA's zone and the name counts. */
	set_name(v->target, f->sname);
	if (v->have_keys && wire_name_is_subdomain(f->sname, v->zone) &&
	    wire_name_is_subdomain(v->zone, v->anchor->owner)) {
		set_name(v->cursor, v->zone);
		v->state = VAL_DESCEND;
		return;
	}
	v->have_keys = false;
	fetch(q, v->anchor->owner, DNS_TYPE_DNSKEY, VAL_ANCHOR_KEYS);
}

/* Start judging answer[item], or the denial, or finish. */
static void next_rrset(struct resolve_req *q)
{
	struct val *v = &q->val;
	struct frame *f = q->f[0];
	if (v->item >= f->n_answer) {
		if (!has_denial(f) || v->negative_done) {
			q->result.secure = v->all_secure;
			v->state = VAL_DONE;
			return;
		}
		v->negative = true; /* the chain is judged: now the denial at its end */
		next_denial(q);
		return;
	}
	struct iter_rrset *s = current(q);
	if (s->security == CACHE_SEC_BOGUS) {
		char owner[WIRE_NAME_TEXT_MAX];
		text_of(s->owner, owner);
		bogus(q, s->ede ? s->ede : EDE_DNSSEC_BOGUS,
		      "%s was found bogus (EDE %u) less than %u s ago (dnssec.bogus-ttl): not asked "
		      "again yet", owner, s->ede, q->opts.bogus_ttl);
		return;
	}
	/* RFC 6672 §5.3.1: a CNAME synthesised from a DNAME carries no RRSIG; the DNAME just
	 * judged vouches for it. */
	if (s->type == DNS_TYPE_CNAME && s->sig_count == 0 && v->item > 0 &&
	    f->answer[v->item - 1].type == DNS_TYPE_DNAME &&
	    wire_name_is_subdomain(s->owner, f->answer[v->item - 1].owner)) {
		judged(q);
		return;
	}
	if (s->security == CACHE_SEC_SECURE) {
		judged(q); /* judged when it was cached */
		return;
	}
	const struct anchors *as = q->r->anchors;
	v->anchor = as ? anchors_closest(as, s->owner) : NULL;
	if (!v->anchor || anchors_nta_covers(as, s->owner) || resolve_unvalidated(q, s->owner)) {
		insecure(q);
		return;
	}
	/* The zone whose keys must sign it: the signer, or for an unsigned RRset its owner (the
	 * walk then shows whether an unsigned delegation lies on the way). */
	const uint8_t *signer = signer_of(s);
	const uint8_t *target = signer && wire_name_is_subdomain(s->owner, signer) &&
					wire_name_is_subdomain(signer, v->anchor->owner)
				? signer
				: s->owner;
	set_name(v->target, target);
	if (v->have_keys && wire_name_is_subdomain(target, v->zone) &&
	    wire_name_is_subdomain(v->zone, v->anchor->owner)) {
		set_name(v->cursor, v->zone);
		v->state = VAL_DESCEND; /* the keys of an earlier link lead on */
		return;
	}
	v->have_keys = false;
	fetch(q, v->anchor->owner, DNS_TYPE_DNSKEY, VAL_ANCHOR_KEYS);
}

static void descend(struct resolve_req *q)
{
	struct val *v = &q->val;
	if (wire_name_equal(v->cursor, v->target) ||
	    (!v->negative && signer_of(current(q)) && wire_name_equal(v->zone, v->target))) {
		verify_rrset(q);
		return;
	}
	next_below(v->cursor, v->target, v->next);
	v->ds_refetched = false;
	fetch(q, v->next, DNS_TYPE_DS, VAL_DS);
}

bool resolve_validation_wanted(const struct resolve_req *q)
{
	const struct frame *f = q->f[0];
	return q->opts.dnssec && !q->cd && !q->novalidate && !f->failed && !q->val.started;
}

void resolve_st_validate(struct resolve_req *q)
{
	struct val *v = &q->val;
	if (!v->started) {
		v->started = true;
		v->all_secure = true;
		v->item = 0;
		v->negative = v->negative_done = false;
		v->state = VAL_NEXT_RRSET;
	}
	switch (v->state) {
	case VAL_NEXT_RRSET:
		next_rrset(q);
		break;
	case VAL_DESCEND:
		descend(q);
		break;
	default:
		break; /* a fetch is out: resolve_validate_child() moves on */
	}
	if (v->state == VAL_DONE && q->f[0]->state == FS_VALIDATE)
		q->f[0]->state = FS_DONE;
}

void resolve_validate_child(struct resolve_req *q, const struct frame *c)
{
	switch (q->val.state) {
	case VAL_ANCHOR_KEYS:
		anchor_keys_done(q, c);
		break;
	case VAL_DS:
		ds_done(q, c);
		break;
	case VAL_KEYS:
		keys_done(q, c);
		break;
	default:
		break;
	}
	if (q->val.state == VAL_DONE && q->f[0]->state == FS_VALIDATE)
		q->f[0]->state = FS_DONE;
}

void resolve_validate_free(struct resolve_req *q)
{
	iter_rrset_free(&q->val.keys);
	iter_rrset_free(&q->val.ds);
}
