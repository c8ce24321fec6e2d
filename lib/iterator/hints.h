/*
 * hints — the root name servers the resolver starts from (RFC 1034 §5.3.2 "SBELT"): the IANA
 * root hints compiled in, or a list the operator gives (recursion.root-hints). Priming
 * (RFC 8109) replaces them with the root's own NS set as soon as it answers.
 */
#ifndef CAIRN_ITERATOR_HINTS_H
#define CAIRN_ITERATOR_HINTS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util/netaddr.h"
#include "lib/wire/name.h"

struct root_hint {
	uint8_t name[WIRE_NAME_MAX]; /* canonical name of the server */
	struct netaddr addr;         /* one of its addresses, port 53 unless given */
};

struct root_hints {
	struct root_hint *hint;
	size_t count;
};

/* The IANA root servers (a..m.root-servers.net, IPv4 and IPv6), as of the 2024 b-root
 * renumbering. Returns 0, or -1 when out of memory. */
int root_hints_builtin(struct root_hints *out);

/* Append one server; -1 when out of memory. */
int root_hints_add(struct root_hints *h, const uint8_t *name, const struct netaddr *addr);

/* Deep copy (for a worker that outlives a config). */
int root_hints_copy(struct root_hints *dst, const struct root_hints *src);

void root_hints_free(struct root_hints *h);

#endif
