/* hints — root server hints (see hints.h). */
#include "hints.h"

#include <stdlib.h>
#include <string.h>

/* IANA named.root: letter, IPv4, IPv6. */
static const struct {
	char letter;
	const char *v4, *v6;
} IANA_ROOTS[] = {
	{ 'a', "198.41.0.4", "2001:503:ba3e::2:30" },  { 'b', "170.247.170.2", "2801:1b8:10::b" },
	{ 'c', "192.33.4.12", "2001:500:2::c" },       { 'd', "199.7.91.13", "2001:500:2d::d" },
	{ 'e', "192.203.230.10", "2001:500:a8::e" },   { 'f', "192.5.5.241", "2001:500:2f::f" },
	{ 'g', "192.112.36.4", "2001:500:12::d0d" },   { 'h', "198.97.190.53", "2001:500:1::53" },
	{ 'i', "192.36.148.17", "2001:7fe::53" },      { 'j', "192.58.128.30", "2001:503:c27::2:30" },
	{ 'k', "193.0.14.129", "2001:7fd::1" },        { 'l', "199.7.83.42", "2001:500:9f::42" },
	{ 'm', "202.12.27.33", "2001:dc3::35" },
};

int root_hints_add(struct root_hints *h, const uint8_t *name, const struct netaddr *addr)
{
	struct root_hint *n = realloc(h->hint, (h->count + 1) * sizeof(*n));
	if (!n)
		return -1;
	h->hint = n;
	memcpy(n[h->count].name, name, wire_name_len(name));
	wire_name_lower(n[h->count].name);
	n[h->count].addr = *addr;
	h->count++;
	return 0;
}

int root_hints_builtin(struct root_hints *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(IANA_ROOTS) / sizeof(IANA_ROOTS[0]); i++) {
		char text[32], err[64];
		uint8_t name[WIRE_NAME_MAX];
		memcpy(text, "x.root-servers.net.", 20);
		text[0] = IANA_ROOTS[i].letter;
		if (wire_name_from_text(text, NULL, name) < 0)
			return -1;
		const char *addrs[2] = { IANA_ROOTS[i].v4, IANA_ROOTS[i].v6 };
		for (int k = 0; k < 2; k++) {
			struct netaddr a;
			if (netaddr_parse(addrs[k], 53, &a, err, sizeof(err)) < 0 ||
			    root_hints_add(out, name, &a) < 0) {
				root_hints_free(out);
				return -1;
			}
		}
	}
	return 0;
}

int root_hints_copy(struct root_hints *dst, const struct root_hints *src)
{
	dst->count = 0;
	dst->hint = NULL;
	if (!src->count)
		return 0;
	dst->hint = malloc(src->count * sizeof(*dst->hint));
	if (!dst->hint)
		return -1;
	memcpy(dst->hint, src->hint, src->count * sizeof(*dst->hint));
	dst->count = src->count;
	return 0;
}

void root_hints_free(struct root_hints *h)
{
	free(h->hint);
	h->hint = NULL;
	h->count = 0;
}
