/*
 * respond — turns one client packet into the answer packet, without I/O: parse and check
 * the query (lib/wire), apply the access list (lib/policy), answer from the local zones
 * (lib/zone), and write the reply with EDNS, an Extended DNS Error where something failed,
 * and truncation for UDP. The daemon calls it for every UDP datagram and TCP message.
 *
 * A question outside every local zone is handed back to the daemon for resolution (lib/
 * resolve); respond_resolved() later writes the answer from the request's result.
 */
#ifndef CAIRN_RESPOND_H
#define CAIRN_RESPOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/policy/access.h"
#include "lib/resolve.h"
#include "lib/wire/query.h"
#include "lib/zone/zoneset.h"

/* What the daemon's current config provides; read-only while answering. */
struct respond_ctx {
	const struct access_list *access; /* server.access */
	const struct zoneset *zones;      /* private + built-in zones */
	uint16_t edns_buffer_size;        /* server.edns-buffer-size: our UDP payload size */
	bool recursion;                   /* recursion.enabled: RA=1, resolve other names */
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
 * Returns the answer's length, or 0 when nothing is to be sent now: either the packet must be
 * dropped, or — when resolve is not NULL — the question needs resolution: then *resolve is
 * true and resolve_q holds the parsed query for respond_resolved(). */
size_t respond_to_query(const struct respond_ctx *ctx, const struct respond_client *client,
			const uint8_t *pkt, size_t len, uint8_t *out, size_t outcap,
			struct respond_stats *st, bool *resolve, struct wire_query *resolve_q);

/* Write the answer to a resolved question: RA set, AA clear, the chain in the answer section,
 * the SOA in authority for NXDOMAIN/NODATA, EDE for failures; TTLs count down from the time
 * the result was taken (now_wall seconds). */
size_t respond_resolved(const struct respond_ctx *ctx, enum respond_transport t,
			const struct wire_query *q, const struct resolve_result *res,
			uint8_t *out, size_t outcap, struct respond_stats *st);

/* Count and write a SERVFAIL with an EDE for a question that cannot be resolved now. */
size_t respond_servfail(const struct respond_ctx *ctx, enum respond_transport t,
			const struct wire_query *q, int ede, const char *text, uint8_t *out,
			size_t outcap, struct respond_stats *st);

#endif
