/*
 * netaddr — IP addresses, ADDR@PORT endpoints and CIDR prefixes.
 *
 * Pure value types shared by the config loader (listen addresses, access lists, later forward
 * targets and VPC ranges) and by the policy code that matches a client address. No sockets here:
 * the daemon converts to and from struct sockaddr.
 */
#ifndef CAIRN_UTIL_NETADDR_H
#define CAIRN_UTIL_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One IPv4 or IPv6 address, optionally with a port. */
struct netaddr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network byte order; IPv4 uses the first 4 bytes */
	uint16_t port;     /* host byte order; 0 when not given */
};

/* An address prefix: family, network bytes (host bits zero) and prefix length. */
struct cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network bytes, host bits cleared */
	uint8_t prefix;   /* 0..32 or 0..128 */
};

/* Parse "192.0.2.1", "2001:db8::1", "192.0.2.1@5353", "::1@53" or "[::1]@53".
 * default_port fills .port when none is written. Returns 0, or -1 with a reason in err. */
int netaddr_parse(const char *text, uint16_t default_port, struct netaddr *out, char *err,
		  size_t errlen);

/* Parse "10.0.0.0/8" or "2001:db8::/32"; a bare address is a host prefix (/32 or /128).
 * Host bits set below the prefix are refused, as they usually mean a typo. */
int cidr_parse(const char *text, struct cidr *out, char *err, size_t errlen);

/* Does the prefix contain this address (same family required)? */
bool cidr_contains(const struct cidr *net, int family, const uint8_t *addr);

/* Same family, address and port? */
bool netaddr_equal(const struct netaddr *a, const struct netaddr *b);

/* Write "ADDR@PORT" (IPv6 in brackets) for logs. */
void netaddr_format(const struct netaddr *a, char *buf, size_t size);

#endif
