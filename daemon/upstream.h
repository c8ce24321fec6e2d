/*
 * upstream — one query to one authoritative server, over UDP or TCP, with its timer.
 *
 * Every UDP query gets a fresh socket on a random ephemeral port (the kernel picks it), and
 * the socket is connected to the server: datagrams from any other address or port never
 * reach cairnd (the kernel drops them), and an ICMP "port unreachable" comes back at once as
 * an error instead of a timeout. TCP (RFC 7766) is one connection per query, used after a
 * truncated UDP answer. The owner gets callbacks until it cancels; a cancelled query frees
 * itself once libuv has closed its handles.
 */
#ifndef CAIRN_DAEMON_UPSTREAM_H
#define CAIRN_DAEMON_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/resolve.h"
#include "lib/util/netaddr.h"

enum upstream_event {
	UPSTREAM_PACKET,   /* a datagram or a whole TCP message arrived */
	UPSTREAM_TIMEOUT,  /* nothing usable in time */
	UPSTREAM_ERROR,    /* refused, reset, unreachable: err says which */
};

struct upstream_q;

typedef void (*upstream_cb)(void *owner, enum upstream_event ev, const struct netaddr *from,
			    const uint8_t *pkt, size_t len, const char *err);

/* Send rq; source is the outgoing address for its family (port 0) or NULL. Returns NULL with
 * a reason in err when the query cannot even be started. */
struct upstream_q *upstream_send(uv_loop_t *loop, const struct resolve_query *rq,
				 const struct netaddr *source, upstream_cb cb, void *owner,
				 char *err, size_t errlen);

/* Milliseconds before this query times out. */
uint64_t upstream_due_in(const struct upstream_q *u);

/* No more callbacks; the sockets close and the memory goes with them. */
void upstream_cancel(struct upstream_q *u);

#endif
