/*
 * respond — turns one client packet into the answer packet, without I/O: parse and check
 * the query (lib/wire), apply the access list (lib/policy), answer from the local zones
 * (lib/zone), and write the reply with EDNS, an Extended DNS Error where something failed,
 * and truncation for UDP. The daemon calls it for every UDP datagram and TCP message.
 *
 * Until recursion lands, a name outside every local zone gets SERVFAIL with EDE 21.
 */
#ifndef CAIRN_RESPOND_H
#define CAIRN_RESPOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/policy/access.h"
#include "lib/zone/zoneset.h"

/* What the daemon's current config provides; read-only while answering. */
struct respond_ctx {
	const struct access_list *access; /* server.access */
	const struct zoneset *zones;      /* private + built-in zones */
	uint16_t edns_buffer_size;        /* server.edns-buffer-size: our UDP payload size */
};

/* Counters one worker keeps; the daemon sums and reports them. */
struct respond_stats {
	uint64_t queries;   /* packets handed in */
	uint64_t dropped;   /* no answer sent: short header or QR=1 */
	uint64_t formerr, notimp, refused, badvers, servfail, nxdomain, noerror;
	uint64_t truncated; /* UDP answers sent with TC=1 */
};

enum respond_transport { RESPOND_UDP, RESPOND_TCP };

/* The client, as the daemon saw it. */
struct respond_client {
	int family;            /* AF_INET or AF_INET6 */
	const uint8_t *addr;   /* 4 or 16 bytes, network order */
	enum respond_transport transport;
};

/* Answer pkt into out (outcap >= 512; 65535 lets TCP answers grow to any size).
 * Returns the answer's length, or 0 when the packet must be dropped. */
size_t respond_to_query(const struct respond_ctx *ctx, const struct respond_client *client,
			const uint8_t *pkt, size_t len, uint8_t *out, size_t outcap,
			struct respond_stats *st);

#endif
