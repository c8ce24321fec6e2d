/* netaddr — parsing and matching of addresses and prefixes (see netaddr.h). */
#define _POSIX_C_SOURCE 200809L
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse an address literal into family + bytes. */
static int parse_ip(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int netaddr_parse(const char *text, uint16_t default_port, struct netaddr *out, char *err,
		  size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *at = strrchr(text, '@');
	size_t hlen = at ? (size_t)(at - text) : strlen(text);

	memset(out, 0, sizeof(*out));
	out->port = default_port;
	if (at && parse_port(at + 1, &out->port) < 0) {
		snprintf(err, errlen, "bad port '%s' in '%s' (expected 1..65535)", at + 1, text);
		return -1;
	}
	if (hlen >= 2 && text[0] == '[' && text[hlen - 1] == ']') {
		text++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "bad address '%s'", text);
		return -1;
	}
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (parse_ip(host, &out->family, out->addr) < 0) {
		snprintf(err, errlen, "bad address '%s' (expected IPv4 or IPv6, optionally @PORT)",
			 host);
		return -1;
	}
	return 0;
}

int cidr_parse(const char *text, struct cidr *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);

	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "bad CIDR '%s'", text);
		return -1;
	}
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (parse_ip(host, &out->family, out->addr) < 0) {
		snprintf(err, errlen, "bad CIDR '%s': '%s' is not an IP address", text, host);
		return -1;
	}
	unsigned max = out->family == AF_INET ? 32 : 128;
	unsigned long prefix = max;
	if (slash) {
		char *end;
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end || errno || prefix > max) {
			snprintf(err, errlen, "bad CIDR '%s': prefix length must be 0..%u", text,
				 max);
			return -1;
		}
	}
	out->prefix = (uint8_t)prefix;
	for (unsigned bit = out->prefix; bit < max; bit++) {
		if (out->addr[bit / 8] & (0x80 >> (bit % 8))) {
			snprintf(err, errlen, "bad CIDR '%s': address has bits set after /%u",
				 text, out->prefix);
			return -1;
		}
	}
	return 0;
}

bool cidr_contains(const struct cidr *net, int family, const uint8_t *addr)
{
	if (net->family != family)
		return false;
	unsigned full = net->prefix / 8, rest = net->prefix % 8;
	if (memcmp(net->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (addr[full] & mask) == net->addr[full];
}

void netaddr_format(const struct netaddr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	if (!inet_ntop(a->family, a->addr, host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	if (a->family == AF_INET6)
		snprintf(buf, size, "[%s]@%u", host, a->port);
	else
		snprintf(buf, size, "%s@%u", host, a->port);
}

bool netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}
