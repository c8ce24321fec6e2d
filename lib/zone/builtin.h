/*
 * builtin — the zones every resolver answers itself instead of asking the Internet:
 * RFC 6761 (localhost., invalid.), RFC 7686 (onion.), RFC 8375 (home.arpa.) and the
 * RFC 6303 / RFC 7793 reverse zones of loopback, private-use, link-local, documentation and
 * shared address space. "test." is deliberately absent so that labs can use it.
 */
#ifndef CAIRN_ZONE_BUILTIN_H
#define CAIRN_ZONE_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zone.h"

/* Number of built-in zones and the apex text of the i-th one. */
size_t builtin_zone_count(void);
const char *builtin_zone_name(size_t i);

/* Is there a built-in zone at or below this name (used to check a "leave out" entry)? */
bool builtin_zone_matches(const uint8_t *name);

/* Build the built-in zone i. NULL with a reason in err (only on out of memory). */
struct zone *builtin_zone_build(size_t i, char *err, size_t errlen);

#endif
