/* access — first-match allow/refuse list (see access.h). */
#include "access.h"

#include <string.h>
#include <sys/socket.h>

static bool is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

bool policy_access_allows(const struct access_list *l, int family, const uint8_t *addr)
{
	if (family == AF_INET6 && is_v4_mapped(addr)) {
		family = AF_INET;
		addr += 12;
	}
	for (size_t i = 0; i < l->count; i++)
		if (cidr_contains(&l->rules[i].net, family, addr))
			return l->rules[i].allow;
	return false;
}
