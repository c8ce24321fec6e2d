/* zoneset — most specific local zone for a name (see zoneset.h). */
#include "zoneset.h"

#include <stdlib.h>
#include <string.h>

static int cmp_zone(const void *a, const void *b)
{
	const struct zone *x = *(const struct zone *const *)a, *y = *(const struct zone *const *)b;
	return wire_name_compare(x->apex, y->apex);
}

/* The last label before the root of a name (length byte first), or NULL for the root. */
static const uint8_t *top_label(const uint8_t *name)
{
	if (!*name)
		return NULL;
	while (name[1 + name[0]])
		name += 1 + name[0];
	return name;
}

static bool has_top(const struct zoneset *zs, const uint8_t *label)
{
	for (size_t i = 0; i < zs->n_tops; i++) {
		const uint8_t *t = zs->tops[i];
		if (t[0] != label[0])
			continue;
		size_t k = 1;
		for (; k <= label[0]; k++) {
			uint8_t c = label[k];
			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c + 32);
			if (c != t[k])
				break;
		}
		if (k > label[0])
			return true;
	}
	return false;
}

int zoneset_init(struct zoneset *zs, const struct zone *const *zones, size_t n)
{
	zs->count = 0;
	zs->n_tops = 0;
	zs->shadowed = NULL;
	zs->shadow_ctx = NULL;
	zs->zones = malloc((n ? n : 1) * sizeof(*zs->zones));
	zs->tops = malloc((n ? n : 1) * sizeof(*zs->tops));
	if (!zs->zones || !zs->tops) {
		free(zs->zones);
		free(zs->tops);
		zs->zones = NULL;
		zs->tops = NULL;
		return -1;
	}
	memcpy(zs->zones, zones, n * sizeof(*zones));
	zs->count = n;
	qsort(zs->zones, n, sizeof(*zs->zones), cmp_zone);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *t = top_label(zs->zones[i]->apex);
		if (!t || has_top(zs, t))
			continue;
		uint8_t *dst = zs->tops[zs->n_tops++];
		dst[0] = t[0];
		for (size_t k = 1; k <= t[0]; k++)
			dst[k] = (uint8_t)(t[k] >= 'A' && t[k] <= 'Z' ? t[k] + 32 : t[k]);
	}
	return 0;
}

void zoneset_clear(struct zoneset *zs)
{
	free(zs->zones);
	free(zs->tops);
	zs->zones = NULL;
	zs->tops = NULL;
	zs->count = 0;
	zs->n_tops = 0;
}

static const struct zone *find_exact(const struct zoneset *zs, const uint8_t *apex)
{
	size_t lo = 0, hi = zs->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = wire_name_compare(apex, zs->zones[mid]->apex);
		if (c == 0)
			return zs->zones[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct zone *zoneset_find(const struct zoneset *zs, const uint8_t *name)
{
	const struct zone *z = zoneset_find_any(zs, name);
	return z && zs->shadowed && zs->shadowed(zs->shadow_ctx, name, z) ? NULL : z;
}

const struct zone *zoneset_find_any(const struct zoneset *zs, const uint8_t *name)
{
	if (zs->count == 0)
		return NULL;
	const uint8_t *top = top_label(name);
	if (top && !has_top(zs, top))
		return NULL;
	for (const uint8_t *n = name;; n = wire_name_parent(n)) {
		const struct zone *z = find_exact(zs, n);
		if (z)
			return z;
		if (*n == 0)
			return NULL;
	}
}
