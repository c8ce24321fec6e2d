/* dnskey — key tags, DS digests, supported algorithms (see dnskey.h). */
#include "dnskey.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "lib/wire/dns.h"
#include "lib/wire/name.h"

uint16_t dnskey_tag(const uint8_t *rdata, uint16_t rdlen)
{
	/* RFC 4034 Appendix B: the data as 16-bit words, summed with the carry folded in. */
	uint32_t ac = 0;
	for (uint16_t i = 0; i < rdlen; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

bool dnskey_parse(const uint8_t *rdata, uint16_t rdlen, uint16_t *flags, uint8_t *protocol,
		  uint8_t *alg)
{
	if (rdlen < 5) /* flags, protocol, algorithm and at least one byte of key */
		return false;
	*flags = wire_read_u16(rdata);
	*protocol = rdata[2];
	*alg = rdata[3];
	return true;
}

bool dnskey_usable(const uint8_t *rdata, uint16_t rdlen)
{
	uint16_t flags;
	uint8_t protocol, alg;
	return dnskey_parse(rdata, rdlen, &flags, &protocol, &alg) &&
	       (flags & DNSKEY_FLAG_ZONE) && !(flags & DNSKEY_FLAG_REVOKE) && protocol == 3;
}

bool dnssec_alg_supported(uint8_t alg)
{
	switch (alg) {
	case DNSSEC_ALG_RSASHA1:
	case DNSSEC_ALG_RSASHA1_NSEC3:
	case DNSSEC_ALG_RSASHA256:
	case DNSSEC_ALG_RSASHA512:
	case DNSSEC_ALG_ECDSAP256SHA256:
	case DNSSEC_ALG_ECDSAP384SHA384:
	case DNSSEC_ALG_ED25519:
	case DNSSEC_ALG_ED448:
		return true;
	default:
		return false;
	}
}

static const EVP_MD *digest_md(uint8_t digest_type)
{
	switch (digest_type) {
	case DS_DIGEST_SHA1: return EVP_sha1();
	case DS_DIGEST_SHA256: return EVP_sha256();
	case DS_DIGEST_SHA384: return EVP_sha384();
	default: return NULL;
	}
}

bool ds_digest_supported(uint8_t digest_type)
{
	return digest_md(digest_type) != NULL;
}

bool ds_parse(const uint8_t *rdata, uint16_t rdlen, uint16_t *key_tag, uint8_t *alg,
	      uint8_t *digest_type, const uint8_t **digest, uint16_t *digest_len)
{
	if (rdlen < 5)
		return false;
	*key_tag = wire_read_u16(rdata);
	*alg = rdata[2];
	*digest_type = rdata[3];
	*digest = rdata + 4;
	*digest_len = (uint16_t)(rdlen - 4);
	return true;
}

bool ds_matches_dnskey(const uint8_t *ds, uint16_t ds_len, const uint8_t *owner,
		       const uint8_t *dnskey, uint16_t dnskey_len)
{
	uint16_t tag, digest_len, flags;
	uint8_t alg, digest_type, protocol, key_alg;
	const uint8_t *digest;
	if (!ds_parse(ds, ds_len, &tag, &alg, &digest_type, &digest, &digest_len) ||
	    !dnskey_parse(dnskey, dnskey_len, &flags, &protocol, &key_alg) || alg != key_alg ||
	    tag != dnskey_tag(dnskey, dnskey_len))
		return false;
	const EVP_MD *md = digest_md(digest_type);
	if (!md || (int)digest_len != EVP_MD_size(md))
		return false;
	/* RFC 4034 §5.1.4: digest = hash(canonical owner name | DNSKEY RDATA). */
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen = wire_name_len(owner);
	memcpy(name, owner, nlen);
	wire_name_lower(name);
	uint8_t out[EVP_MAX_MD_SIZE];
	unsigned out_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
		  EVP_DigestUpdate(ctx, name, nlen) == 1 &&
		  EVP_DigestUpdate(ctx, dnskey, dnskey_len) == 1 &&
		  EVP_DigestFinal_ex(ctx, out, &out_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok && out_len == digest_len && CRYPTO_memcmp(out, digest, digest_len) == 0;
}
