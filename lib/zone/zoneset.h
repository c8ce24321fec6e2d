/*
 * zoneset — the local zones one client can see (private zones and built-in zones), and the
 * choice of the most specific zone for a name. Built once from the config, then read-only.
 * It does not own the zones: the config does.
 */
#ifndef CAIRN_ZONE_ZONESET_H
#define CAIRN_ZONE_ZONESET_H

#include <stddef.h>
#include <stdint.h>

#include "zone.h"

struct zoneset {
	const struct zone **zones; /* sorted by apex, canonical order */
	size_t count;
	/* The distinct last labels of the apexes ("arpa", "localhost", "test"...), canonical:
	 * a name under none of them is in no zone, found without a search (the common case for
	 * every question that is resolved). */
	uint8_t (*tops)[WIRE_LABEL_MAX + 1];
	size_t n_tops;
	/* A view may give names under a zone to a resolver rule (lib/policy: the most specific
	 * domain wins, a rule at the same name too): such a name is in no zone of this set,
	 * for questions and for CNAME and alias targets alike. NULL: none is. */
	bool (*shadowed)(const void *ctx, const uint8_t *name, const struct zone *z);
	const void *shadow_ctx;
};

/* Build from an array of zones; apexes must be distinct. Returns 0, -1 when out of memory. */
int zoneset_init(struct zoneset *zs, const struct zone *const *zones, size_t n);
void zoneset_clear(struct zoneset *zs);

/* The zone whose apex is the longest suffix of name, or NULL; NULL too when the name is
 * shadowed. */
const struct zone *zoneset_find(const struct zoneset *zs, const uint8_t *name);

/* The same, shadowed or not. */
const struct zone *zoneset_find_any(const struct zoneset *zs, const uint8_t *name);

#endif
