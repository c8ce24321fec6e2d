/* verify — RFC 4035 §5.3 for one RRSIG (see verify.h). */
#include "verify.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "dnskey.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"

bool rrsig_parse(const uint8_t *rd, uint16_t rdlen, struct rrsig_fields *out)
{
	if (rdlen < 18 + 1)
		return false;
	out->type_covered = wire_read_u16(rd);
	out->alg = rd[2];
	out->labels = rd[3];
	out->orig_ttl = wire_read_u32(rd + 4);
	out->expiration = wire_read_u32(rd + 8);
	out->inception = wire_read_u32(rd + 12);
	out->key_tag = wire_read_u16(rd + 16);
	int n = wire_name_len_bounded(rd + 18, (size_t)rdlen - 18);
	if (n <= 0 || 18 + n >= rdlen) /* a signer and at least one byte of signature */
		return false;
	out->signer = rd + 18;
	out->sig = rd + 18 + n;
	out->sig_len = (uint16_t)(rdlen - 18 - n);
	return true;
}

unsigned rrsig_labels(const uint8_t *owner)
{
	unsigned n = wire_name_labels(owner);
	return wire_name_is_wildcard(owner) ? n - 1 : n;
}

const char *sig_verdict_text(enum sig_verdict v)
{
	switch (v) {
	case SIG_VALID: return "valid";
	case SIG_EXPIRED: return "expired";
	case SIG_NOT_YET_VALID: return "not yet valid";
	case SIG_NO_KEY: return "no matching DNSKEY";
	case SIG_BAD: return "signature does not verify";
	default: return "unsupported algorithm";
	}
}

/* One record as an ldns_rr (class IN), or NULL. */
static ldns_rr *make_rr(const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *rd,
			uint16_t rdlen)
{
	size_t nlen = wire_name_len(owner);
	size_t len = nlen + 10 + rdlen;
	uint8_t *buf = malloc(len);
	if (!buf)
		return NULL;
	memcpy(buf, owner, nlen);
	wire_write_u16(buf + nlen, type);
	wire_write_u16(buf + nlen + 2, DNS_CLASS_IN);
	wire_write_u32(buf + nlen + 4, ttl);
	wire_write_u16(buf + nlen + 8, rdlen);
	memcpy(buf + nlen + 10, rd, rdlen);
	ldns_rr *rr = NULL;
	size_t pos = 0;
	if (ldns_wire2rr(&rr, buf, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		rr = NULL;
	free(buf);
	return rr;
}

/* RFC 1982 serial arithmetic: a - b as a signed distance. */
static int64_t serial_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* RFC 4035 §5.3.1: the fields that must fit before any maths is done. */
static enum sig_verdict check_fields(const struct rrset_view *rrset,
				     const struct rrsig_fields *f, const uint8_t *zone)
{
	if (f->type_covered != rrset->type || !wire_name_equal(f->signer, zone) ||
	    !wire_name_is_subdomain(rrset->owner, zone))
		return SIG_BAD;
	if (f->labels > rrsig_labels(rrset->owner))
		return SIG_BAD;
	if (!dnssec_alg_supported(f->alg))
		return SIG_UNSUPPORTED;
	return SIG_VALID;
}

enum sig_verdict rrsig_verify(const struct rrset_view *rrset, const uint8_t *rrsig,
			      uint16_t rrsig_len, const uint8_t *zone, const uint8_t *keys,
			      uint32_t keys_size, int64_t now, uint32_t skew, uint16_t *tag)
{
	struct rrsig_fields f;
	if (!rrsig_parse(rrsig, rrsig_len, &f))
		return SIG_BAD;
	*tag = f.key_tag;
	enum sig_verdict v = check_fields(rrset, &f, zone);
	if (v != SIG_VALID)
		return v;
	uint32_t t = (uint32_t)now;
	if (serial_diff(t, f.expiration) > (int64_t)skew)
		return SIG_EXPIRED;
	if (serial_diff(f.inception, t) > (int64_t)skew)
		return SIG_NOT_YET_VALID;
	/* The window was judged above, with the skew; ldns judges it again at a time inside. */
	time_t check = now;
	if (serial_diff(t, f.inception) < 0)
		check = (time_t)(now + serial_diff(f.inception, t));
	else if (serial_diff(t, f.expiration) > 0)
		check = (time_t)(now - serial_diff(t, f.expiration));

	ldns_rr_list *set = ldns_rr_list_new();
	ldns_rr *sig = make_rr(rrset->owner, DNS_TYPE_RRSIG,
			       f.orig_ttl, rrsig, rrsig_len);
	bool ok = set && sig;
	for (uint32_t off = 0; ok && off + 2 <= rrset->size;) {
		uint16_t len = wire_read_u16(rrset->rdata + off);
		ldns_rr *rr = make_rr(rrset->owner, rrset->type, rrset->ttl, rrset->rdata + off + 2,
				      len);
		ok = rr && ldns_rr_list_push_rr(set, rr);
		if (!ok)
			ldns_rr_free(rr);
		off += 2u + len;
	}
	v = ok ? SIG_NO_KEY : SIG_BAD;
	for (uint32_t off = 0; ok && v != SIG_VALID && off + 2 <= keys_size;) {
		uint16_t len = wire_read_u16(keys + off);
		const uint8_t *key = keys + off + 2;
		off += 2u + len;
		if (len < 4 || key[3] != f.alg || dnskey_tag(key, len) != f.key_tag ||
		    !dnskey_usable(key, len))
			continue;
		ldns_rr *k = make_rr(zone, DNS_TYPE_DNSKEY, 0, key, len);
		if (!k)
			continue;
		/* A tag can collide: every fitting key is tried (RFC 4035 §5.3.1). */
		if (ldns_verify_rrsig_time(set, sig, k, check) == LDNS_STATUS_OK)
			v = SIG_VALID;
		else
			v = SIG_BAD;
		ldns_rr_free(k);
	}
	ldns_rr_list_deep_free(set);
	ldns_rr_free(sig);
	return v;
}
