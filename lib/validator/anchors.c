/* anchors — trust anchors and negative trust anchors (see anchors.h). */
#include "anchors.h"

#include <stdlib.h>
#include <string.h>

#include "lib/wire/dns.h"

/* RFC 4034 §5.1 data of the IANA root DS records (published at data.iana.org/root-anchors). */
static const uint8_t ksk_2017[] = {
	0x4f, 0x66, 8, 2, /* key tag 20326, RSASHA256, SHA-256 */
	0xe0, 0x6d, 0x44, 0xb8, 0x0b, 0x8f, 0x1d, 0x39, 0xa9, 0x5c, 0x0b, 0x0d, 0x7c, 0x65, 0xd0,
	0x84, 0x58, 0xe8, 0x80, 0x40, 0x9b, 0xbc, 0x68, 0x34, 0x57, 0x10, 0x42, 0x37, 0xc7, 0xf8,
	0xec, 0x8d,
};
static const uint8_t ksk_2024[] = {
	0x97, 0x28, 8, 2, /* key tag 38696, RSASHA256, SHA-256 */
	0x68, 0x3d, 0x2d, 0x0a, 0xcb, 0x8c, 0x9b, 0x71, 0x2a, 0x19, 0x48, 0xb2, 0x7f, 0x74, 0x12,
	0x19, 0x29, 0x8d, 0x0a, 0x45, 0x0d, 0x61, 0x2c, 0x48, 0x3a, 0xf4, 0x44, 0xa4, 0xc0, 0xfb,
	0x2b, 0x16,
};

int anchors_builtin(struct anchors *out)
{
	static const uint8_t root[1] = { 0 };
	return anchors_add(out, root, DNS_TYPE_DS, ksk_2017, sizeof(ksk_2017)) < 0 ||
			       anchors_add(out, root, DNS_TYPE_DS, ksk_2024, sizeof(ksk_2024)) < 0
		       ? -1
		       : 0;
}

static struct anchor *find(const struct anchors *as, const uint8_t *owner)
{
	for (size_t i = 0; i < as->count; i++)
		if (wire_name_equal(as->a[i].owner, owner))
			return &as->a[i];
	return NULL;
}

/* Append [u16 length][data] to a packed set. */
static int append(uint8_t **set, uint32_t *size, uint32_t *count, const uint8_t *rd,
		  uint16_t rdlen)
{
	uint8_t *grown = realloc(*set, *size + 2u + rdlen);
	if (!grown)
		return -1;
	wire_write_u16(grown + *size, rdlen);
	memcpy(grown + *size + 2, rd, rdlen);
	*set = grown;
	*size += 2u + rdlen;
	(*count)++;
	return 0;
}

int anchors_add(struct anchors *as, const uint8_t *owner, uint16_t type, const uint8_t *rdata,
		uint16_t rdlen)
{
	if (type != DNS_TYPE_DS && type != DNS_TYPE_DNSKEY)
		return -1;
	uint8_t name[WIRE_NAME_MAX];
	memcpy(name, owner, wire_name_len(owner));
	wire_name_lower(name);
	struct anchor *a = find(as, name);
	if (!a) {
		struct anchor *grown = realloc(as->a, (as->count + 1) * sizeof(*grown));
		if (!grown)
			return -1;
		as->a = grown;
		a = &as->a[as->count++];
		memset(a, 0, sizeof(*a));
		memcpy(a->owner, name, wire_name_len(name));
	}
	return type == DNS_TYPE_DS ? append(&a->ds, &a->ds_size, &a->ds_count, rdata, rdlen)
				   : append(&a->keys, &a->keys_size, &a->keys_count, rdata, rdlen);
}

int anchors_add_nta(struct anchors *as, const uint8_t *name)
{
	uint8_t(*grown)[WIRE_NAME_MAX] = realloc(as->nta, (as->n_nta + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	as->nta = grown;
	memcpy(as->nta[as->n_nta], name, wire_name_len(name));
	wire_name_lower(as->nta[as->n_nta]);
	as->n_nta++;
	return 0;
}

const struct anchor *anchors_closest(const struct anchors *as, const uint8_t *name)
{
	for (const uint8_t *n = name;; n = wire_name_parent(n)) {
		const struct anchor *a = find(as, n);
		if (a || n[0] == 0)
			return a;
	}
}

bool anchors_nta_covers(const struct anchors *as, const uint8_t *name)
{
	for (size_t i = 0; i < as->n_nta; i++)
		if (wire_name_is_subdomain(name, as->nta[i]))
			return true;
	return false;
}

bool anchors_equal(const struct anchors *a, const struct anchors *b)
{
	/* An anchor holds DS records or keys, not always both: an empty one is NULL, which
	 * memcmp must not see even for 0 bytes. */
	if (a->count != b->count || a->n_nta != b->n_nta)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct anchor *x = &a->a[i], *y = &b->a[i];
		if (!wire_name_equal(x->owner, y->owner) || x->ds_size != y->ds_size ||
		    x->keys_size != y->keys_size ||
		    (x->ds_size && memcmp(x->ds, y->ds, x->ds_size) != 0) ||
		    (x->keys_size && memcmp(x->keys, y->keys, x->keys_size) != 0))
			return false;
	}
	for (size_t i = 0; i < a->n_nta; i++)
		if (!wire_name_equal(a->nta[i], b->nta[i]))
			return false;
	return true;
}

void anchors_free(struct anchors *as)
{
	for (size_t i = 0; i < as->count; i++) {
		free(as->a[i].ds);
		free(as->a[i].keys);
	}
	free(as->a);
	free(as->nta);
	memset(as, 0, sizeof(*as));
}
