/*
 * access — who may query at all (server.access): an ordered list of allow/refuse prefixes,
 * first match wins, no match refuses. Later the VPC views of lib/policy build on the same
 * prefix matching.
 */
#ifndef CAIRN_POLICY_ACCESS_H
#define CAIRN_POLICY_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/netaddr.h"

struct access_rule {
	struct cidr net; /* the prefix this rule covers */
	bool allow;      /* allow, or refuse */
};

struct access_list {
	struct access_rule *rules; /* in config order */
	size_t count;
};

/* May this client query? An IPv4-mapped IPv6 address (::ffff:a.b.c.d, seen on dual-stack
 * sockets) is matched as the IPv4 address it carries. */
bool policy_access_allows(const struct access_list *l, int family, const uint8_t *addr);

#endif
