/* Unit tests for lib/validator's record-level checks, against fixed vectors: zones signed
 * once with each algorithm (tests/unit/data/dnssec/README), RFC 5155's NSEC3 examples, and
 * hand-made NSEC spans. The clock is an argument, so validity windows are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "lib/validator/anchors.h"
#include "lib/validator/dnskey.h"
#include "lib/validator/nsec.h"
#include "lib/validator/verify.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

#define T_2027 1798761600 /* 2027-01-01T00:00:00Z: inside every vector's window */
#define T_INCEPTION 1767225600  /* 2026-01-01 */
#define T_EXPIRATION 2082758400 /* 2036-01-01 */
#define SKEW 3600

static char datadir[4096];

static int setup_paths(void **state)
{
	(void)state;
	const char *s = getenv("CAIRN_SRCDIR");
	snprintf(datadir, sizeof(datadir), "%s/tests/unit/data/dnssec", s ? s : ".");
	return 0;
}

/* ---- reading the vectors ---- */

static ldns_zone *load_zone(const char *file)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", datadir, file);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	ldns_zone *z = NULL;
	ldns_status st = ldns_zone_new_frm_fp(&z, f, NULL, 0, LDNS_RR_CLASS_IN);
	fclose(f);
	if (st != LDNS_STATUS_OK)
		fail_msg("%s: %s", path, ldns_get_errorstr_by_id(st));
	return z;
}

/* Packed records: [u16 length][data] each. */
struct packed {
	uint8_t b[8192];
	uint32_t size, count;
	uint8_t owner[WIRE_NAME_MAX];
	uint32_t ttl;
};

static void pack_rdata(struct packed *p, const ldns_rr *rr)
{
	ldns_buffer *buf = ldns_buffer_new(4096);
	assert_int_equal(ldns_rr_rdata2buffer_wire(buf, rr), LDNS_STATUS_OK);
	size_t len = ldns_buffer_position(buf);
	assert_true(p->size + 2 + len <= sizeof(p->b));
	wire_write_u16(p->b + p->size, (uint16_t)len);
	memcpy(p->b + p->size + 2, ldns_buffer_begin(buf), len);
	p->size += 2u + (uint32_t)len;
	p->count++;
	ldns_buffer_free(buf);
}

static void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	if (wire_name_from_text(text, NULL, out) <= 0)
		fail_msg("'%s' is not a name", text);
	wire_name_lower(out);
}

static bool owner_is(const ldns_rr *rr, const char *owner)
{
	char *s = ldns_rdf2str(ldns_rr_owner(rr));
	bool same = strcasecmp(s, owner) == 0;
	free(s);
	return same;
}

/* Every record (owner, type) of the zone, SOA included; covered: for RRSIG, the type it
 * covers (0: any). */
static void collect(ldns_zone *z, const char *owner, uint16_t type, uint16_t covered,
		    struct packed *p)
{
	memset(p, 0, sizeof(*p));
	name_of(owner, p->owner);
	ldns_rr_list *all = ldns_rr_list_clone(ldns_zone_rrs(z));
	if (ldns_zone_soa(z))
		ldns_rr_list_push_rr(all, ldns_rr_clone(ldns_zone_soa(z)));
	for (size_t i = 0; i < ldns_rr_list_rr_count(all); i++) {
		ldns_rr *rr = ldns_rr_list_rr(all, i);
		if (ldns_rr_get_type(rr) != type || !owner_is(rr, owner))
			continue;
		if (type == DNS_TYPE_RRSIG && covered &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) != covered)
			continue;
		p->ttl = ldns_rr_ttl(rr);
		pack_rdata(p, rr);
	}
	ldns_rr_list_deep_free(all);
}

/* The first record of a packed set. */
static const uint8_t *first(const struct packed *p, uint16_t *len)
{
	*len = wire_read_u16(p->b);
	return p->b + 2;
}

struct vector {
	ldns_zone *z;
	struct packed keys, rrset, sigs;
	uint8_t zone[WIRE_NAME_MAX];
};

static void load_vector(struct vector *v, const char *file, const char *owner, uint16_t type)
{
	v->z = load_zone(file);
	name_of("sig.test.", v->zone);
	collect(v->z, "sig.test.", DNS_TYPE_DNSKEY, 0, &v->keys);
	collect(v->z, owner, type, 0, &v->rrset);
	collect(v->z, owner, DNS_TYPE_RRSIG, type, &v->sigs);
	assert_true(v->keys.count >= 1 && v->rrset.count >= 1 && v->sigs.count == 1);
}

static enum sig_verdict check(const struct vector *v, const struct packed *rrset,
			      const struct packed *keys, int64_t now, uint16_t type)
{
	struct rrset_view view = { .owner = rrset->owner, .type = type, .ttl = rrset->ttl,
				   .count = rrset->count, .rdata = rrset->b,
				   .size = rrset->size };
	uint16_t len, tag;
	const uint8_t *sig = first(&v->sigs, &len);
	return rrsig_verify(&view, sig, len, v->zone, keys->b, keys->size, now, SKEW, &tag);
}

/* ---- signatures, one algorithm at a time ---- */

static void signature_checks(const char *file)
{
	struct vector v;
	load_vector(&v, file, "www.sig.test.", DNS_TYPE_A);
	/* the two A records, in the order the file has them: canonical order is ldns's job */
	assert_int_equal(check(&v, &v.rrset, &v.keys, T_2027, DNS_TYPE_A), SIG_VALID);

	/* RFC 4035 §5.3.1: the window, with the clock skew allowed on either side */
	assert_int_equal(check(&v, &v.rrset, &v.keys, T_EXPIRATION + SKEW + 1, DNS_TYPE_A),
			 SIG_EXPIRED);
	assert_int_equal(check(&v, &v.rrset, &v.keys, T_EXPIRATION + SKEW - 1, DNS_TYPE_A),
			 SIG_VALID);
	assert_int_equal(check(&v, &v.rrset, &v.keys, T_INCEPTION - SKEW - 1, DNS_TYPE_A),
			 SIG_NOT_YET_VALID);
	assert_int_equal(check(&v, &v.rrset, &v.keys, T_INCEPTION - SKEW + 1, DNS_TYPE_A),
			 SIG_VALID);

	/* RFC 4034 §6.3: the signature is over the canonical order; the records may come in
	 * any order */
	struct packed reversed = v.rrset;
	uint16_t l1 = wire_read_u16(v.rrset.b);
	uint32_t first_size = 2u + l1;
	memcpy(reversed.b, v.rrset.b + first_size, v.rrset.size - first_size);
	memcpy(reversed.b + (v.rrset.size - first_size), v.rrset.b, first_size);
	assert_int_equal(check(&v, &reversed, &v.keys, T_2027, DNS_TYPE_A), SIG_VALID);
	/* the owner in another letter case is the same name */
	struct packed upper = v.rrset;
	upper.owner[1] = 'W';
	assert_int_equal(check(&v, &upper, &v.keys, T_2027, DNS_TYPE_A), SIG_VALID);

	/* a forged address: the maths fails */
	struct packed forged = v.rrset;
	forged.b[forged.size - 1] ^= 0x01;
	assert_int_equal(check(&v, &forged, &v.keys, T_2027, DNS_TYPE_A), SIG_BAD);

	/* one record of the two missing: the set is not the one signed */
	struct packed half = v.rrset;
	half.count = 1;
	half.size = 2u + wire_read_u16(half.b);
	assert_int_equal(check(&v, &half, &v.keys, T_2027, DNS_TYPE_A), SIG_BAD);

	/* no DNSKEY with the signature's tag: DNSKEY Missing */
	struct packed none = { .size = 0 };
	assert_int_equal(check(&v, &v.rrset, &none, T_2027, DNS_TYPE_A), SIG_NO_KEY);

	/* the same key marked revoked (RFC 5011) is not used */
	struct packed revoked = v.keys;
	revoked.b[2] |= DNSKEY_FLAG_REVOKE >> 8;
	revoked.b[3] |= DNSKEY_FLAG_REVOKE & 0xff;
	assert_int_equal(check(&v, &v.rrset, &revoked, T_2027, DNS_TYPE_A), SIG_NO_KEY);

	/* a signature over another type proves nothing for this one */
	assert_int_equal(check(&v, &v.rrset, &v.keys, T_2027, DNS_TYPE_AAAA), SIG_BAD);
	ldns_zone_deep_free(v.z);
}

static void test_rsasha256(void **state)
{
	(void)state;
	signature_checks("sig.test.alg8.signed");
}

static void test_rsasha512(void **state)
{
	(void)state;
	signature_checks("sig.test.alg10.signed");
}

static void test_ecdsap256sha256(void **state)
{
	(void)state;
	signature_checks("sig.test.alg13.signed");
}

static void test_ecdsap384sha384(void **state)
{
	(void)state;
	signature_checks("sig.test.alg14.signed");
}

static void test_ed25519(void **state)
{
	(void)state;
	signature_checks("sig.test.alg15.signed");
}

static void test_ed448(void **state)
{
	(void)state;
	signature_checks("sig.test.alg16.signed");
}

/* RFC 4035 §5.3.4: a wildcard answer is signed for *.wild; the RRSIG's label count says so,
 * and the expanded owner verifies with the same signature. */
static void test_wildcard_expansion_verifies(void **state)
{
	(void)state;
	struct vector v;
	load_vector(&v, "sig.test.alg13.signed", "*.wild.sig.test.", DNS_TYPE_TXT);
	struct packed expanded = v.rrset;
	name_of("anything.wild.sig.test.", expanded.owner);
	assert_int_equal(check(&v, &expanded, &v.keys, T_2027, DNS_TYPE_TXT), SIG_VALID);
	/* two labels deeper still matches the same wildcard */
	name_of("a.b.wild.sig.test.", expanded.owner);
	assert_int_equal(check(&v, &expanded, &v.keys, T_2027, DNS_TYPE_TXT), SIG_VALID);
	/* an owner outside the signer's zone is refused before any maths */
	name_of("anything.wild.other.test.", expanded.owner);
	assert_int_equal(check(&v, &expanded, &v.keys, T_2027, DNS_TYPE_TXT), SIG_BAD);
	ldns_zone_deep_free(v.z);
}

/* An algorithm this validator does not implement is "unsupported", never "bogus". */
static void test_unknown_algorithm_is_unsupported(void **state)
{
	(void)state;
	struct vector v;
	load_vector(&v, "sig.test.alg13.signed", "www.sig.test.", DNS_TYPE_A);
	uint16_t len;
	uint8_t *sig = (uint8_t *)first(&v.sigs, &len);
	sig[2] = 253; /* PRIVATEDNS */
	assert_int_equal(check(&v, &v.rrset, &v.keys, T_2027, DNS_TYPE_A), SIG_UNSUPPORTED);
	assert_false(dnssec_alg_supported(253));
	assert_false(dnssec_alg_supported(3)); /* DSA: withdrawn (RFC 8624) */
	assert_true(dnssec_alg_supported(DNSSEC_ALG_ED448));
	ldns_zone_deep_free(v.z);
}

/* ---- DS and key tags ---- */

static void ds_checks(const char *signed_file, const char *ds_file)
{
	ldns_zone *z = load_zone(signed_file);
	ldns_zone *dz = load_zone(ds_file);
	struct packed keys, ds;
	collect(z, "sig.test.", DNS_TYPE_DNSKEY, 0, &keys);
	collect(dz, "sig.test.", DNS_TYPE_DS, 0, &ds);
	assert_int_equal(ds.count, 2); /* SHA-256 and SHA-384 */
	uint8_t owner[WIRE_NAME_MAX];
	name_of("sig.test.", owner);
	uint16_t klen;
	const uint8_t *key = first(&keys, &klen);
	for (uint32_t off = 0; off < ds.size;) {
		uint16_t len = wire_read_u16(ds.b + off);
		uint8_t *d = ds.b + off + 2;
		uint16_t tag, dlen;
		uint8_t alg, type;
		const uint8_t *digest;
		assert_true(ds_parse(d, len, &tag, &alg, &type, &digest, &dlen));
		/* RFC 4034 Appendix B: the tag ldns wrote is the one we compute */
		assert_int_equal(tag, dnskey_tag(key, klen));
		assert_true(ds_matches_dnskey(d, len, owner, key, klen));
		/* the owner is part of the digest, in any letter case */
		uint8_t upper[WIRE_NAME_MAX];
		name_of("SIG.test.", upper);
		upper[1] = 'S';
		assert_true(ds_matches_dnskey(d, len, upper, key, klen));
		uint8_t other[WIRE_NAME_MAX];
		name_of("sig.example.", other);
		assert_false(ds_matches_dnskey(d, len, other, key, klen));
		/* one bit of the digest changed: the KSK rolled, the DS is stale */
		d[len - 1] ^= 0x80;
		assert_false(ds_matches_dnskey(d, len, owner, key, klen));
		d[len - 1] ^= 0x80;
		/* an unknown digest type matches nothing */
		uint8_t saved = d[3];
		d[3] = 99;
		assert_false(ds_matches_dnskey(d, len, owner, key, klen));
		d[3] = saved;
		off += 2u + len;
	}
	ldns_zone_deep_free(z);
	ldns_zone_deep_free(dz);
}

static void test_ds_matches_its_key_for_every_algorithm(void **state)
{
	(void)state;
	static const int algs[] = { 8, 10, 13, 14, 15, 16 };
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		char s[64], d[64];
		snprintf(s, sizeof(s), "sig.test.alg%d.signed", algs[i]);
		snprintf(d, sizeof(d), "sig.test.alg%d.ds", algs[i]);
		ds_checks(s, d);
	}
}

/* RFC 4034 Appendix B: a DNSKEY whose tag is known from the IANA root (KSK-2017, 20326) is
 * not at hand here; ldns's own tag function is the second opinion. */
static void test_key_tag_agrees_with_ldns(void **state)
{
	(void)state;
	uint8_t data[300];
	for (int round = 0; round < 200; round++) {
		uint16_t len = (uint16_t)(4 + round);
		for (uint16_t i = 0; i < len; i++)
			data[i] = (uint8_t)(i * 37 + round * 11);
		data[3] = 8;
		assert_int_equal(dnskey_tag(data, len), ldns_calc_keytag_raw(data, len));
	}
}

/* ---- NSEC ---- */

static void test_nsec_span_and_bitmap(void **state)
{
	(void)state;
	ldns_zone *z = load_zone("sig.test.nsec.signed");
	struct packed nsec;
	collect(z, "ns.sig.test.", DNS_TYPE_NSEC, 0, &nsec);
	assert_int_equal(nsec.count, 1);
	uint16_t len;
	const uint8_t *rd = first(&nsec, &len);
	const uint8_t *next, *bitmap;
	size_t blen;
	assert_true(nsec_parse(rd, len, &next, &bitmap, &blen));
	uint8_t want_next[WIRE_NAME_MAX], name[WIRE_NAME_MAX];
	name_of("*.wild.sig.test.", want_next);
	assert_true(wire_name_equal(next, want_next));
	/* ns has A, RRSIG, NSEC and nothing else */
	assert_true(nsec_bitmap_has(bitmap, blen, DNS_TYPE_A));
	assert_true(nsec_bitmap_has(bitmap, blen, DNS_TYPE_NSEC));
	assert_false(nsec_bitmap_has(bitmap, blen, DNS_TYPE_AAAA));
	assert_false(nsec_bitmap_has(bitmap, blen, DNS_TYPE_MX));
	assert_false(nsec_bitmap_has(bitmap, blen, 1000)); /* another window */
	/* RFC 4034 §6.1 order: ns < nt < nz < *.wild? No: '*' (0x2a) sorts below letters,
	 * but "wild" is the label compared first: ns.sig.test < *.wild.sig.test. */
	name_of("nt.sig.test.", name);
	assert_true(nsec_covers(nsec.owner, next, name));
	name_of("ns.sig.test.", name);
	assert_false(nsec_covers(nsec.owner, next, name)); /* the owner exists */
	name_of("a.ns.sig.test.", name);
	assert_true(nsec_covers(nsec.owner, next, name)); /* below ns, before wild */
	name_of("www.sig.test.", name);
	assert_false(nsec_covers(nsec.owner, next, name));
	ldns_zone_deep_free(z);

	/* the last NSEC of a zone points back at the apex: the span wraps */
	uint8_t last[WIRE_NAME_MAX], apex[WIRE_NAME_MAX];
	name_of("www.sig.test.", last);
	name_of("sig.test.", apex);
	name_of("zzz.sig.test.", name);
	assert_true(nsec_covers(last, apex, name));
	name_of("a.sig.test.", name);
	assert_false(nsec_covers(last, apex, name));
	name_of("a.www.sig.test.", name);
	assert_true(nsec_covers(last, apex, name));
}

/* An NSEC at a delegation point (NS without SOA) or a DNAME says nothing below its owner. */
static void test_nsec_at_a_cut_denies_nothing_below(void **state)
{
	(void)state;
	uint8_t owner[WIRE_NAME_MAX], name[WIRE_NAME_MAX];
	name_of("child.sig.test.", owner);
	const uint8_t ns_ds[] = { 0, 6, 0x20, 0, 0, 0, 0, 0x10 }; /* NS, DS (43: octet 5) */
	const uint8_t ns_soa[] = { 0, 1, 0x22 };                 /* NS, SOA: an apex */
	const uint8_t dname[] = { 0, 5, 0, 0, 0, 0, 0x01 };      /* DNAME (39) */
	name_of("www.child.sig.test.", name);
	assert_false(nsec_may_deny_below(owner, ns_ds, sizeof(ns_ds), name));
	assert_true(nsec_may_deny_below(owner, ns_soa, sizeof(ns_soa), name));
	assert_false(nsec_may_deny_below(owner, dname, sizeof(dname), name));
	/* the owner itself, and names beside it, are fine */
	assert_true(nsec_may_deny_below(owner, ns_ds, sizeof(ns_ds), owner));
	name_of("other.sig.test.", name);
	assert_true(nsec_may_deny_below(owner, ns_ds, sizeof(ns_ds), name));
}

static void test_nsec_bitmap_rejects_malformed_windows(void **state)
{
	(void)state;
	const uint8_t empty_window[] = { 0, 0 };
	assert_false(nsec_bitmap_has(empty_window, sizeof(empty_window), DNS_TYPE_A));
	const uint8_t too_long[] = { 0, 40 };
	assert_false(nsec_bitmap_has(too_long, sizeof(too_long), DNS_TYPE_A));
	const uint8_t backwards[] = { 1, 1, 0x80, 0, 1, 0x40 };
	assert_false(nsec_bitmap_has(backwards, sizeof(backwards), DNS_TYPE_A));
	const uint8_t a_only[] = { 0, 1, 0x40 };
	assert_true(nsec_bitmap_has(a_only, sizeof(a_only), DNS_TYPE_A));
	assert_false(nsec_bitmap_has(a_only, sizeof(a_only), DNS_TYPE_NS));
}

/* ---- NSEC3 ---- */

/* RFC 5155 Appendix A: salt aabbccdd, 12 iterations. */
static void test_nsec3_hash_rfc5155_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *name, *hash;
	} v[] = {
		{ "example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi" },
		{ "ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr" },
	};
	const uint8_t salt[4] = { 0xaa, 0xbb, 0xcc, 0xdd };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t name[WIRE_NAME_MAX], hash[NSEC3_HASH_MAX], want[NSEC3_HASH_MAX];
		name_of(v[i].name, name);
		assert_int_equal(nsec3_hash(name, NSEC3_ALG_SHA1, 12, salt, 4, hash), 20);
		/* the expected hash, as an NSEC3 owner label decodes it */
		uint8_t owner[WIRE_NAME_MAX];
		char text[128];
		snprintf(text, sizeof(text), "%s.example.", v[i].hash);
		name_of(text, owner);
		assert_int_equal(nsec3_owner_hash(owner, want), 20);
		assert_memory_equal(hash, want, 20);
	}
	uint8_t name[WIRE_NAME_MAX], hash[NSEC3_HASH_MAX];
	name_of("example.", name);
	assert_int_equal(nsec3_hash(name, 2, 12, salt, 4, hash), 0); /* unknown algorithm */
	name[1] = 'E'; /* the hash is over the canonical (lower-case) name */
	uint8_t lower[NSEC3_HASH_MAX];
	assert_int_equal(nsec3_hash(name, NSEC3_ALG_SHA1, 12, salt, 4, hash), 20);
	name_of("example.", name);
	assert_int_equal(nsec3_hash(name, NSEC3_ALG_SHA1, 12, salt, 4, lower), 20);
	assert_memory_equal(hash, lower, 20);
}

static void test_nsec3_owner_hash_rejects_bad_labels(void **state)
{
	(void)state;
	uint8_t owner[WIRE_NAME_MAX], out[NSEC3_HASH_MAX];
	name_of("not-base32.example.", owner);
	assert_int_equal(nsec3_owner_hash(owner, out), 0);
	name_of("0p9mhaveqvm6t7vbl5lop2u3t2rp3to.example.", owner); /* 31 characters */
	assert_int_equal(nsec3_owner_hash(owner, out), 0);
	name_of("0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM.example.", owner); /* case does not matter */
	assert_int_equal(nsec3_owner_hash(owner, out), 20);
}

/* The signed vector zone's NSEC3 chain: www's hash is an owner; a name that does not exist
 * hashes into the span of exactly one NSEC3. */
static void test_nsec3_chain_of_a_signed_zone(void **state)
{
	(void)state;
	ldns_zone *z = load_zone("sig.test.alg13.signed");
	ldns_rr_list *rrs = ldns_zone_rrs(z);
	uint8_t www[WIRE_NAME_MAX], nope[WIRE_NAME_MAX];
	name_of("www.sig.test.", www);
	name_of("nope.sig.test.", nope);
	uint8_t hw[NSEC3_HASH_MAX], hn[NSEC3_HASH_MAX];
	unsigned matched = 0, covering = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC3)
			continue;
		struct packed p = { .size = 0 };
		pack_rdata(&p, rr);
		uint16_t len;
		const uint8_t *rd = first(&p, &len);
		struct nsec3_fields f;
		assert_true(nsec3_parse(rd, len, &f));
		assert_int_equal(f.alg, NSEC3_ALG_SHA1);
		assert_int_equal(f.iterations, 1);
		assert_int_equal(f.salt_len, 0);
		assert_int_equal(f.hash_len, 20);
		assert_int_equal(nsec3_hash(www, f.alg, f.iterations, f.salt, f.salt_len, hw), 20);
		assert_int_equal(nsec3_hash(nope, f.alg, f.iterations, f.salt, f.salt_len, hn), 20);
		uint8_t owner[WIRE_NAME_MAX], oh[NSEC3_HASH_MAX];
		char *text = ldns_rdf2str(ldns_rr_owner(rr));
		name_of(text, owner);
		free(text);
		assert_int_equal(nsec3_owner_hash(owner, oh), 20);
		if (memcmp(oh, hw, 20) == 0) {
			matched++;
			assert_true(nsec_bitmap_has(f.bitmap, f.bitmap_len, DNS_TYPE_A));
			assert_false(nsec_bitmap_has(f.bitmap, f.bitmap_len, DNS_TYPE_MX));
		}
		if (nsec3_covers(oh, f.next_hash, hn, 20))
			covering++;
		assert_false(nsec3_covers(oh, f.next_hash, oh, 20));
	}
	assert_int_equal(matched, 1);
	assert_int_equal(covering, 1);
	ldns_zone_deep_free(z);
}

/* ---- trust anchors ---- */

static void test_builtin_anchors_are_the_iana_root_ksks(void **state)
{
	(void)state;
	struct anchors as = { 0 };
	assert_int_equal(anchors_builtin(&as), 0);
	assert_int_equal(as.count, 1);
	const struct anchor *a = &as.a[0];
	assert_int_equal(a->owner[0], 0);
	assert_int_equal(a->ds_count, 2);
	assert_int_equal(a->keys_count, 0);
	uint16_t tags[2];
	uint32_t off = 0;
	for (int i = 0; i < 2; i++) {
		uint16_t len = wire_read_u16(a->ds + off), dlen;
		uint8_t alg, type;
		const uint8_t *digest;
		assert_true(ds_parse(a->ds + off + 2, len, &tags[i], &alg, &type, &digest, &dlen));
		assert_int_equal(alg, DNSSEC_ALG_RSASHA256);
		assert_int_equal(type, DS_DIGEST_SHA256);
		assert_int_equal(dlen, 32);
		off += 2u + len;
	}
	assert_int_equal(tags[0], 20326);
	assert_int_equal(tags[1], 38696);
	/* every name starts at the root's anchor */
	uint8_t name[WIRE_NAME_MAX];
	name_of("www.example.com.", name);
	assert_ptr_equal(anchors_closest(&as, name), a);
	anchors_free(&as);
}

static void test_closest_anchor_and_negative_anchors(void **state)
{
	(void)state;
	struct anchors as = { 0 };
	uint8_t lab[WIRE_NAME_MAX], sub[WIRE_NAME_MAX], name[WIRE_NAME_MAX];
	name_of("Lab.", lab); /* stored canonical whatever the case given */
	lab[1] = 'L';
	name_of("sec.lab.", sub);
	const uint8_t ds[8] = { 1, 2, 8, 2, 9, 9, 9, 9 };
	assert_int_equal(anchors_add(&as, lab, DNS_TYPE_DS, ds, sizeof(ds)), 0);
	assert_int_equal(anchors_add(&as, sub, DNS_TYPE_DNSKEY, ds, sizeof(ds)), 0);
	assert_int_equal(anchors_add(&as, sub, DNS_TYPE_DNSKEY, ds, sizeof(ds)), 0);
	assert_int_equal(anchors_add(&as, sub, DNS_TYPE_A, ds, 4), -1);
	assert_int_equal(as.count, 2);
	name_of("www.sec.lab.", name);
	const struct anchor *a = anchors_closest(&as, name);
	assert_non_null(a);
	assert_int_equal(a->keys_count, 2);
	name_of("www.other.lab.", name);
	a = anchors_closest(&as, name);
	assert_non_null(a);
	assert_int_equal(a->ds_count, 1);
	name_of("www.example.com.", name);
	assert_null(anchors_closest(&as, name)); /* no anchor above: not validated */

	/* RFC 7646: validation is off at and below a negative trust anchor */
	name_of("broken.sec.lab.", name);
	assert_int_equal(anchors_add_nta(&as, name), 0);
	assert_true(anchors_nta_covers(&as, name));
	name_of("www.broken.sec.lab.", name);
	assert_true(anchors_nta_covers(&as, name));
	name_of("sec.lab.", name);
	assert_false(anchors_nta_covers(&as, name));
	name_of("notbroken.sec.lab.", name);
	assert_false(anchors_nta_covers(&as, name));
	anchors_free(&as);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsasha256),
		cmocka_unit_test(test_rsasha512),
		cmocka_unit_test(test_ecdsap256sha256),
		cmocka_unit_test(test_ecdsap384sha384),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_ed448),
		cmocka_unit_test(test_wildcard_expansion_verifies),
		cmocka_unit_test(test_unknown_algorithm_is_unsupported),
		cmocka_unit_test(test_ds_matches_its_key_for_every_algorithm),
		cmocka_unit_test(test_key_tag_agrees_with_ldns),
		cmocka_unit_test(test_nsec_span_and_bitmap),
		cmocka_unit_test(test_nsec_bitmap_rejects_malformed_windows),
		cmocka_unit_test(test_nsec_at_a_cut_denies_nothing_below),
		cmocka_unit_test(test_nsec3_hash_rfc5155_vectors),
		cmocka_unit_test(test_nsec3_owner_hash_rejects_bad_labels),
		cmocka_unit_test(test_nsec3_chain_of_a_signed_zone),
		cmocka_unit_test(test_builtin_anchors_are_the_iana_root_ksks),
		cmocka_unit_test(test_closest_anchor_and_negative_anchors),
	};
	return cmocka_run_group_tests(tests, setup_paths, NULL);
}
