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

#include "lib/cache/msgcache.h"
#include "lib/policy/access.h"
#include "lib/policy/policy.h"
#include "lib/resolve.h"
#include "lib/wire/query.h"
#include "lib/zone/zoneset.h"

/* What the daemon's current config provides; read-only while answering. */
/* RFC 8767 §4: the TTL of a stale answer. */
#define RESPOND_STALE_TTL 30

struct respond_ctx {
	const struct access_list *access; /* server.access (NULL: no check, for test-answer) */
	const struct policy *policy;      /* views: VPCs, rules, private + built-in zones */
	const struct policy_view *view;   /* the client's view, the message cache key; when
					   * NULL, respond_to_query sets it from the client's
					   * address */
	uint16_t edns_buffer_size;        /* server.edns-buffer-size: our UDP payload size */
	bool recursion;                   /* recursion.enabled: RA=1, resolve other names */
	struct msgcache *msgs;            /* the fast path's answers (NULL: none) */
	bool prefetch;                    /* cache.prefetch: ask for refreshes near expiry */
	int64_t now;                      /* wall-clock seconds, for the message cache */
};

/* Counters one worker keeps; the daemon sums and reports them. */
struct respond_stats {
	uint64_t queries;   /* packets handed in */
	uint64_t dropped;   /* no answer sent: short header or QR=1 */
	uint64_t formerr, notimp, refused, badvers, servfail, nxdomain, noerror;
	uint64_t truncated; /* UDP answers sent with TC=1 */
	uint64_t fast;      /* answered from the message cache */
	uint64_t stale;     /* answered with stale data after a failed resolution (RFC 8767) */
	uint64_t prefetch;  /* background refreshes asked for by the fast path */
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
 * true and resolve_q holds the parsed query for respond_resolved().
 * ctx->view, when NULL, is set to the client's view (the caller hands it to the
 * resolution).
 * After the local zones, the fast path: a question whose answer is in the message cache is
 * answered from it. When that answer is near the end of its TTL the return is the answer's
 * length *and* *resolve is true: send the answer, and refresh the question in the
 * background. */
size_t respond_to_query(struct respond_ctx *ctx, const struct respond_client *client,
			const uint8_t *pkt, size_t len, uint8_t *out, size_t outcap,
			struct respond_stats *st, bool *resolve, struct wire_query *resolve_q);

/* Write the answer to a resolved question: RA set, AA clear, the chain in the answer section,
 * the SOA in authority for NXDOMAIN/NODATA, EDE for failures; TTLs count down from the time
 * the result was taken (now_wall seconds). */
size_t respond_resolved(const struct respond_ctx *ctx, enum respond_transport t,
			const struct wire_query *q, const struct resolve_result *res,
			uint8_t *out, size_t outcap, struct respond_stats *st);

/* Keep the answer to (qname canonical, qtype, class IN) in the message cache when it is one
 * worth keeping: NOERROR or NXDOMAIN, no error. flags: MSGCACHE_DO/CD of the questions it
 * answers. */
void respond_cache_store(const struct respond_ctx *ctx, const uint8_t *qname, uint16_t qtype,
			 uint8_t flags, const struct resolve_result *res);

/* RFC 8767: a resolution of q failed; write the expired answer the message cache still
 * holds, with TTL 30 and EDE 3 (Stale Answer). Returns 0 when there is none. */
size_t respond_stale(const struct respond_ctx *ctx, enum respond_transport t,
		     const struct wire_query *q, uint8_t *out, size_t outcap,
		     struct respond_stats *st);

/* The message cache key flags of a question. */
uint8_t respond_cache_flags(const struct wire_query *q);

/* Count and write a SERVFAIL with an EDE for a question that cannot be resolved now. */
size_t respond_servfail(const struct respond_ctx *ctx, enum respond_transport t,
			const struct wire_query *q, int ede, const char *text, uint8_t *out,
			size_t outcap, struct respond_stats *st);

#endif
