/* The validator against forged responses (replay, lib/resolve_validate.c): an attacker who
 * can answer for a signed zone must never get AD, nor an answer where the zone would give
 * SERVFAIL. The honest data is the fixed vector zone sig.test (tests/unit/data/dnssec:
 * algorithm 13, NSEC), trusted through its DS as the only trust anchor; one server answers
 * every question authoritatively, honestly or as each test scripts it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "replay_steps.h"

#define T_2027 1798761600 /* inside the vectors' validity window */

static char datadir[4096];
static ldns_zone *zone;           /* sig.test.nsec.signed */
static struct anchors anchors;

/* ---- the honest server, from the signed zone ---- */

static bool owner_is(const ldns_rr *rr, const uint8_t *name)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	uint8_t n[WIRE_NAME_MAX];
	if (ldns_rdf_size(o) > WIRE_NAME_MAX)
		return false;
	memcpy(n, ldns_rdf_data(o), ldns_rdf_size(o));
	wire_name_lower(n);
	return wire_name_equal(n, name);
}

/* Every record of the zone (SOA too). */
static ldns_rr *zone_rr(size_t i)
{
	if (i == 0)
		return ldns_zone_soa(zone);
	return i - 1 < ldns_rr_list_rr_count(ldns_zone_rrs(zone))
		       ? ldns_rr_list_rr(ldns_zone_rrs(zone), i - 1)
		       : NULL;
}

static void add_rr(struct reply *p, enum wire_section sec, const ldns_rr *rr, const uint8_t *owner,
		   uint32_t ttl)
{
	ldns_buffer *b = ldns_buffer_new(4096);
	assert_int_equal(ldns_rr_rdata2buffer_wire(b, rr), LDNS_STATUS_OK);
	assert_int_equal(wire_builder_rr(&p->b, sec, owner, (uint16_t)ldns_rr_get_type(rr),
					 DNS_CLASS_IN, ttl, ldns_buffer_begin(b),
					 (uint16_t)ldns_buffer_position(b)),
			 0);
	ldns_buffer_free(b);
}

/* Add the records (owner, type) and their RRSIGs (wildcard ones under the name asked). */
static bool add_rrset(struct reply *p, enum wire_section sec, const uint8_t *from,
		      const uint8_t *as, uint16_t type, bool sigs)
{
	bool found = false;
	for (size_t i = 0; zone_rr(i); i++) {
		ldns_rr *rr = zone_rr(i);
		if (!owner_is(rr, from))
			continue;
		uint16_t t = (uint16_t)ldns_rr_get_type(rr);
		bool sig = t == DNS_TYPE_RRSIG &&
			   ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type;
		if (t == type || (sigs && sig)) {
			add_rr(p, sec, rr, as, ldns_rr_ttl(rr));
			found |= t == type;
		}
	}
	return found;
}

static void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	rp_lname(text, out);
}

static bool has_rrset(const uint8_t *owner, uint16_t type)
{
	for (size_t i = 0; zone_rr(i); i++)
		if (owner_is(zone_rr(i), owner) && ldns_rr_get_type(zone_rr(i)) == type)
			return true;
	return false;
}

static bool name_exists(const uint8_t *name)
{
	for (size_t i = 0; zone_rr(i); i++) {
		ldns_rr *rr = zone_rr(i);
		uint8_t o[WIRE_NAME_MAX];
		memcpy(o, ldns_rdf_data(ldns_rr_owner(rr)), ldns_rdf_size(ldns_rr_owner(rr)));
		wire_name_lower(o);
		if (wire_name_is_subdomain(o, name))
			return true; /* the name, or an empty non-terminal above records */
	}
	return false;
}

/* Every NSEC of the zone in authority: the validator picks what proves its point. */
static void add_all_nsec(struct reply *p)
{
	for (size_t i = 0; zone_rr(i); i++) {
		ldns_rr *rr = zone_rr(i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC)
			continue;
		uint8_t o[WIRE_NAME_MAX];
		memcpy(o, ldns_rdf_data(ldns_rr_owner(rr)), ldns_rdf_size(ldns_rr_owner(rr)));
		wire_name_lower(o);
		add_rrset(p, WIRE_AUTHORITY, o, o, DNS_TYPE_NSEC, true);
	}
}

/* The honest answer to what was sent, as an authoritative server of sig.test would give it:
 * the RRset with its RRSIGs; a wildcard expansion with its NSECs; else NODATA or NXDOMAIN with
 * the SOA and the NSECs (all from the signed file). */
static void honest(struct replay *w, struct resolve_req *q, const struct sent *s)
{
	struct reply p;
	uint8_t name[WIRE_NAME_MAX], apex[WIRE_NAME_MAX], wild[WIRE_NAME_MAX];
	memcpy(name, s->qname, wire_name_len(s->qname));
	wire_name_lower(name);
	name_of("sig.test.", apex);
	const uint8_t *parent = wire_name_parent(name);
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, parent, wire_name_len(parent));
	if (has_rrset(name, s->qtype)) {
		reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
		add_rrset(&p, WIRE_ANSWER, name, name, s->qtype, true);
	} else if (!name_exists(name) && has_rrset(wild, s->qtype)) {
		reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
		add_rrset(&p, WIRE_ANSWER, wild, name, s->qtype, true);
		add_all_nsec(&p);
	} else {
		reply_start(&p, s, DNS_FLAG_AA,
			    name_exists(name) ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN);
		add_rrset(&p, WIRE_AUTHORITY, apex, apex, DNS_TYPE_SOA, true);
		add_all_nsec(&p);
	}
	reply_opt(&p);
	reply_send(w, q, s, &p, 5);
}

/* Run the request to its end, answering honestly except what script() takes over (it
 * returns true when it answered). */
static const struct resolve_result *
run(struct replay *w, struct resolve_req *q,
    bool (*script)(struct replay *w, struct resolve_req *q, const struct sent *s))
{
	for (int i = 0; i < 40; i++) {
		struct sent s;
		if (replay_next(q, &s) == RESOLVE_DONE)
			return resolve_result(q);
		if (!script || !script(w, q, &s))
			honest(w, q, &s);
	}
	replay_dump_trace(w);
	fail_msg("the request did not finish in 40 exchanges");
	return NULL;
}

static struct replay *validating(void **state)
{
	struct replay *w = world(state);
	w->wall = T_2027;
	w->r.opts.dnssec = true;
	w->r.opts.sig_skew = 3600;
	w->r.opts.bogus_ttl = 60;
	w->r.anchors = &anchors;
	return w;
}

static bool is_query(const struct sent *s, const char *name, uint16_t type)
{
	return rp_name_is(s->qname, name) && s->qtype == type;
}

/* ---- the honest baseline ---- */

static void test_honest_answers_are_secure(void **state)
{
	struct replay *w = validating(state);
	struct resolve_req *q = replay_request(w, "www.sig.test.", DNS_TYPE_A);
	const struct resolve_result *r = run(w, q, NULL);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_true(r->secure);
	replay_release(w, q);
	q = replay_request(w, "nope.sig.test.", DNS_TYPE_A);
	r = run(w, q, NULL);
	assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
	assert_true(r->secure);
	replay_release(w, q);
	q = replay_request(w, "foo.wild.sig.test.", DNS_TYPE_TXT);
	r = run(w, q, NULL);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_true(r->secure);
	replay_release(w, q);
}

/* ---- forged NXDOMAIN ---- */

static bool nxdomain_without_soa(struct replay *w, struct resolve_req *q, const struct sent *s)
{
	if (!is_query(s, "www.sig.test.", DNS_TYPE_A))
		return false;
	struct reply p;
	reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NXDOMAIN);
	reply_opt(&p);
	reply_send(w, q, s, &p, 5);
	return true;
}

static bool nxdomain_with_a_wrong_proof(struct replay *w, struct resolve_req *q,
					const struct sent *s)
{
	if (!is_query(s, "www.sig.test.", DNS_TYPE_A))
		return false;
	/* A genuine, signed SOA and a genuine NSEC (ns -> *.wild) that does not cover www. */
	struct reply p;
	uint8_t apex[WIRE_NAME_MAX], ns[WIRE_NAME_MAX];
	name_of("sig.test.", apex);
	name_of("ns.sig.test.", ns);
	reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NXDOMAIN);
	add_rrset(&p, WIRE_AUTHORITY, apex, apex, DNS_TYPE_SOA, true);
	add_rrset(&p, WIRE_AUTHORITY, ns, ns, DNS_TYPE_NSEC, true);
	reply_opt(&p);
	reply_send(w, q, s, &p, 5);
	return true;
}

static void test_forged_nxdomain_is_bogus(void **state)
{
	struct replay *w = validating(state);
	struct resolve_req *q = replay_request(w, "www.sig.test.", DNS_TYPE_A);
	const struct resolve_result *r = run(w, q, nxdomain_without_soa);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_false(r->secure);
	replay_release(w, q);

	rrcache_flush(w->r.cache, RRCACHE_FLUSH_ALL, NULL);
	q = replay_request(w, "www.sig.test.", DNS_TYPE_A);
	r = run(w, q, nxdomain_with_a_wrong_proof);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NSEC_MISSING);
	replay_release(w, q);
}

/* ---- a wildcard answer passed off as an exact one ---- */

static bool wildcard_with_a_decoy_signature(struct replay *w, struct resolve_req *q,
					    const struct sent *s)
{
	if (!is_query(s, "foo.wild.sig.test.", DNS_TYPE_TXT))
		return false;
	/* The genuine expansion, no NSEC proof, and in front of the genuine RRSIG a garbage
	 * one that claims four labels (an exact answer). */
	struct reply p;
	uint8_t wild[WIRE_NAME_MAX], foo[WIRE_NAME_MAX], rd[64];
	name_of("*.wild.sig.test.", wild);
	name_of("foo.wild.sig.test.", foo);
	reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	add_rrset(&p, WIRE_ANSWER, wild, foo, DNS_TYPE_TXT, false);
	memset(rd, 0, sizeof(rd));
	wire_write_u16(rd, DNS_TYPE_TXT);
	rd[2] = 13;
	rd[3] = 4; /* labels of foo.wild.sig.test.: no wildcard */
	wire_write_u32(rd + 4, 3600);
	wire_write_u32(rd + 8, T_2027 + 86400);
	wire_write_u32(rd + 12, T_2027 - 86400);
	static const uint8_t signer[] = { 3, 's', 'i', 'g', 4, 't', 'e', 's', 't', 0 };
	memcpy(rd + 18, signer, sizeof(signer));
	assert_int_equal(wire_builder_rr(&p.b, WIRE_ANSWER, foo, DNS_TYPE_RRSIG, DNS_CLASS_IN,
					 3600, rd, (uint16_t)(18 + sizeof(signer) + 20)),
			 0);
	for (size_t i = 0; zone_rr(i); i++) {
		ldns_rr *rr = zone_rr(i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && owner_is(rr, wild) &&
		    (uint16_t)ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == DNS_TYPE_TXT)
			add_rr(&p, WIRE_ANSWER, rr, foo, 3600);
	}
	reply_opt(&p);
	reply_send(w, q, s, &p, 5);
	return true;
}

static void test_wildcard_needs_its_proof_whatever_signatures_come_first(void **state)
{
	struct replay *w = validating(state);
	struct resolve_req *q = replay_request(w, "foo.wild.sig.test.", DNS_TYPE_TXT);
	const struct resolve_result *r = run(w, q, wildcard_with_a_decoy_signature);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_NSEC_MISSING);
	assert_false(r->secure);
	replay_release(w, q);
}

/* ---- KeyTrap: work bounded ---- */

static bool many_signatures(struct replay *w, struct resolve_req *q, const struct sent *s)
{
	if (!is_query(s, "www.sig.test.", DNS_TYPE_A))
		return false;
	struct reply p;
	uint8_t www[WIRE_NAME_MAX], rd[128];
	name_of("www.sig.test.", www);
	reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	add_rrset(&p, WIRE_ANSWER, www, www, DNS_TYPE_A, false);
	/* 36 signatures with the key's tag and algorithm, none of them right: more than the
	 * 32 checks one question may cost */
	uint16_t tag = 0;
	for (size_t i = 0; zone_rr(i); i++)
		if (ldns_rr_get_type(zone_rr(i)) == LDNS_RR_TYPE_DNSKEY)
			tag = ldns_calc_keytag(zone_rr(i));
	static const uint8_t signer[] = { 3, 's', 'i', 'g', 4, 't', 'e', 's', 't', 0 };
	for (int k = 0; k < 36; k++) {
		memset(rd, k + 1, sizeof(rd));
		wire_write_u16(rd, DNS_TYPE_A);
		rd[2] = 13;
		rd[3] = 3;
		wire_write_u32(rd + 4, 3600);
		wire_write_u32(rd + 8, T_2027 + 86400);
		wire_write_u32(rd + 12, T_2027 - 86400);
		wire_write_u16(rd + 16, tag);
		memcpy(rd + 18, signer, sizeof(signer));
		assert_int_equal(wire_builder_rr(&p.b, WIRE_ANSWER, www, DNS_TYPE_RRSIG,
						 DNS_CLASS_IN, 3600, rd,
						 (uint16_t)(18 + sizeof(signer) + 48)),
				 0);
	}
	reply_opt(&p);
	reply_send(w, q, s, &p, 5);
	return true;
}

static void test_validation_work_is_bounded(void **state)
{
	struct replay *w = validating(state);
	struct resolve_req *q = replay_request(w, "www.sig.test.", DNS_TYPE_A);
	const struct resolve_result *r = run(w, q, many_signatures);
	assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(r->ede, EDE_DNSSEC_INDETERMINATE);
	assert_non_null(strstr(r->ede_text, "work limit"));
	replay_release(w, q);
}

/* ---- RFC 4035 §5.3.3: the signature bounds the TTL ---- */

static bool long_ttl(struct replay *w, struct resolve_req *q, const struct sent *s)
{
	if (!is_query(s, "www.sig.test.", DNS_TYPE_A))
		return false;
	struct reply p;
	uint8_t www[WIRE_NAME_MAX];
	name_of("www.sig.test.", www);
	reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	for (size_t i = 0; zone_rr(i); i++) {
		ldns_rr *rr = zone_rr(i);
		if (owner_is(rr, www) && (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A ||
					  ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG))
			add_rr(&p, WIRE_ANSWER, rr, www, 86400); /* the signed TTL is 3600 */
	}
	reply_opt(&p);
	reply_send(w, q, s, &p, 5);
	return true;
}

static void test_ttl_is_capped_by_the_signature(void **state)
{
	struct replay *w = validating(state);
	struct resolve_req *q = replay_request(w, "www.sig.test.", DNS_TYPE_A);
	const struct resolve_result *r = run(w, q, long_ttl);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_true(r->secure);
	assert_true(r->answer[0].ttl <= 3600);
	replay_release(w, q);
}

static int setup_all(void **state)
{
	(void)state;
	const char *s = getenv("CAIRN_SRCDIR");
	snprintf(datadir, sizeof(datadir), "%s/tests/unit/data/dnssec", s ? s : ".");
	char path[4200];
	snprintf(path, sizeof(path), "%s/sig.test.nsec.signed", datadir);
	FILE *f = fopen(path, "r");
	if (!f || ldns_zone_new_frm_fp(&zone, f, NULL, 0, LDNS_RR_CLASS_IN) != LDNS_STATUS_OK)
		return -1;
	fclose(f);
	/* the only trust anchor: sig.test's DNSKEY (the KSK that signs everything) */
	for (size_t i = 0; zone_rr(i); i++) {
		ldns_rr *rr = zone_rr(i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY)
			continue;
		ldns_buffer *b = ldns_buffer_new(1024);
		ldns_rr_rdata2buffer_wire(b, rr);
		uint8_t apex[WIRE_NAME_MAX];
		rp_lname("sig.test.", apex);
		anchors_add(&anchors, apex, DNS_TYPE_DNSKEY, ldns_buffer_begin(b),
			    (uint16_t)ldns_buffer_position(b));
		ldns_buffer_free(b);
	}
	return anchors.count == 1 ? 0 : -1;
}

static int teardown_all(void **state)
{
	(void)state;
	ldns_zone_deep_free(zone);
	anchors_free(&anchors);
	return 0;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_honest_answers_are_secure),
		T(test_forged_nxdomain_is_bogus),
		T(test_wildcard_needs_its_proof_whatever_signatures_come_first),
		T(test_validation_work_is_bounded),
		T(test_ttl_is_capped_by_the_signature),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
