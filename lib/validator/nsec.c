/* nsec — NSEC and NSEC3 coverage, bitmaps and hashing (see nsec.h). */
#include "nsec.h"

#include <openssl/evp.h>
#include <string.h>

#include "lib/wire/dns.h"
#include "lib/wire/name.h"

bool nsec_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type)
{
	/* RFC 4034 §4.1.2: blocks of (window, length 1..32, bits), windows increasing. */
	size_t pos = 0;
	int last = -1;
	while (pos + 2 <= len) {
		uint8_t window = bitmap[pos], blen = bitmap[pos + 1];
		if ((int)window <= last || blen == 0 || blen > 32 || pos + 2 + blen > len)
			return false;
		if (window == type >> 8) {
			uint8_t octet = (uint8_t)((type & 0xff) >> 3);
			return octet < blen && (bitmap[pos + 2 + octet] & (0x80 >> (type & 7)));
		}
		last = window;
		pos += 2u + blen;
	}
	return false;
}

bool nsec_parse(const uint8_t *rdata, uint16_t rdlen, const uint8_t **next,
		const uint8_t **bitmap, size_t *bitmap_len)
{
	int n = wire_name_len_bounded(rdata, rdlen);
	if (n <= 0)
		return false;
	*next = rdata;
	*bitmap = rdata + n;
	*bitmap_len = (size_t)(rdlen - n);
	return true;
}

bool nsec_may_deny_below(const uint8_t *owner, const uint8_t *bitmap, size_t blen,
			 const uint8_t *name)
{
	if (!wire_name_is_subdomain(name, owner) || wire_name_equal(name, owner))
		return true;
	bool cut = nsec_bitmap_has(bitmap, blen, DNS_TYPE_NS) &&
		   !nsec_bitmap_has(bitmap, blen, DNS_TYPE_SOA);
	return !cut && !nsec_bitmap_has(bitmap, blen, DNS_TYPE_DNAME);
}

bool nsec_covers(const uint8_t *owner, const uint8_t *next, const uint8_t *name)
{
	int after_owner = wire_name_compare(name, owner) > 0;
	int before_next = wire_name_compare(name, next) < 0;
	if (wire_name_compare(owner, next) < 0)
		return after_owner && before_next;
	/* The last NSEC of the zone: next is the apex, the span wraps around. */
	return after_owner || before_next;
}

bool nsec3_parse(const uint8_t *rd, uint16_t rdlen, struct nsec3_fields *out)
{
	if (rdlen < 5)
		return false;
	out->alg = rd[0];
	out->flags = rd[1];
	out->iterations = wire_read_u16(rd + 2);
	out->salt_len = rd[4];
	size_t pos = 5u + out->salt_len;
	if (pos + 1 > rdlen)
		return false;
	out->salt = rd + 5;
	out->hash_len = rd[pos];
	if (out->hash_len == 0 || out->hash_len > NSEC3_HASH_MAX || pos + 1 + out->hash_len > rdlen)
		return false;
	out->next_hash = rd + pos + 1;
	out->bitmap = rd + pos + 1 + out->hash_len;
	out->bitmap_len = rdlen - (pos + 1 + out->hash_len);
	return true;
}

size_t nsec3_hash(const uint8_t *name, uint8_t alg, uint16_t iterations, const uint8_t *salt,
		  uint8_t salt_len, uint8_t out[NSEC3_HASH_MAX])
{
	if (alg != NSEC3_ALG_SHA1)
		return 0;
	/* RFC 5155 §5: IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) ||
	 * salt), over the canonical (lower-case) owner name. */
	uint8_t lower[WIRE_NAME_MAX];
	size_t nlen = wire_name_len(name);
	memcpy(lower, name, nlen);
	wire_name_lower(lower);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	bool ok = ctx != NULL;
	const uint8_t *in = lower;
	size_t in_len = nlen;
	for (unsigned i = 0; ok && i <= iterations; i++) {
		ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
		     EVP_DigestUpdate(ctx, in, in_len) == 1 &&
		     EVP_DigestUpdate(ctx, salt, salt_len) == 1 &&
		     EVP_DigestFinal_ex(ctx, out, &len) == 1;
		in = out;
		in_len = len;
	}
	EVP_MD_CTX_free(ctx);
	return ok ? len : 0;
}

static int base32hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	return -1;
}

size_t nsec3_owner_hash(const uint8_t *owner, uint8_t out[NSEC3_HASH_MAX])
{
	/* RFC 4648 §7 without padding: every 8 characters carry 5 bytes. */
	size_t chars = owner[0];
	if (chars == 0 || (chars * 5) % 8 != 0 || chars * 5 / 8 > NSEC3_HASH_MAX)
		return 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;
	for (size_t i = 0; i < chars; i++) {
		int v = base32hex_value(owner[1 + i]);
		if (v < 0)
			return 0;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			out[n++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return n;
}

bool nsec3_covers(const uint8_t *owner_hash, const uint8_t *next_hash, const uint8_t *hash,
		  size_t len)
{
	int after_owner = memcmp(hash, owner_hash, len) > 0;
	int before_next = memcmp(hash, next_hash, len) < 0;
	if (memcmp(owner_hash, next_hash, len) < 0)
		return after_owner && before_next;
	return after_owner || before_next; /* the last NSEC3 of the chain wraps around */
}
