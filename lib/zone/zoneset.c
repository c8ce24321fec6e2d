/* zoneset — most specific local zone for a name (see zoneset.h). */
#include "zoneset.h"

#include <stdlib.h>
#include <string.h>

static int cmp_zone(const void *a, const void *b)
{
	const struct zone *x = *(const struct zone *const *)a, *y = *(const struct zone *const *)b;
	return wire_name_compare(x->apex, y->apex);
}

int zoneset_init(struct zoneset *zs, const struct zone *const *zones, size_t n)
{
	zs->count = 0;
	zs->zones = malloc((n ? n : 1) * sizeof(*zs->zones));
	if (!zs->zones)
		return -1;
	memcpy(zs->zones, zones, n * sizeof(*zones));
	zs->count = n;
	qsort(zs->zones, n, sizeof(*zs->zones), cmp_zone);
	return 0;
}

void zoneset_clear(struct zoneset *zs)
{
	free(zs->zones);
	zs->zones = NULL;
	zs->count = 0;
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
	if (zs->count == 0)
		return NULL;
	for (const uint8_t *n = name;; n = wire_name_parent(n)) {
		const struct zone *z = find_exact(zs, n);
		if (z)
			return z;
		if (*n == 0)
			return NULL;
	}
}
