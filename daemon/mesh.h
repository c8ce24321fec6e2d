/*
 * mesh — the client questions a worker is resolving, and the clients waiting for each.
 *
 * Identical questions (name, type) that arrive while one is being resolved join it instead
 * of starting another (Unbound's "mesh"): one set of upstream queries, one result, written
 * to each waiting client with its own ID, letter case and EDNS. The mesh drives each
 * lib/resolve request: it sends what the request produces (daemon/upstream), feeds back
 * what comes in, and answers the clients when the request is done.
 *
 * Upstream queries are coalesced too: a request that would send the question already in
 * flight from another (same server, transport, name in any case, type) — the minimised
 * "com. A" of many cold names, the address of a shared glueless name server — waits for
 * that exchange instead, and gets its response once the sender has accepted it.
 */
#ifndef CAIRN_DAEMON_MESH_H
#define CAIRN_DAEMON_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/policy/policy.h"
#include "lib/wire/query.h"

struct worker;
struct cairn_config;
struct reply_to;
struct mesh;

/* Counters of the mesh, summed into the stats line. */
struct mesh_counters {
	uint64_t joined;          /* client questions that joined one already resolving */
	uint64_t overload;        /* SERVFAIL at once: max-in-flight reached */
	uint64_t shared;          /* upstream queries not sent: the same one was in flight */
	uint64_t send_errors;     /* upstream queries that could not be sent */
};

struct mesh *mesh_new(struct worker *w);
void mesh_free(struct mesh *m);

/* Resolve q for the client rt (copied), in the client's view (questions join only one of
 * the same view). Answers at once with SERVFAIL when over the limit. */
void mesh_submit(struct mesh *m, const struct wire_query *q, const struct policy_view *view,
		 const struct reply_to *rt);

/* Prefetch: resolve q again with nobody waiting, not from the cache, and store the answer
 * (the fast path saw it near the end of its TTL). Skipped when the mesh is half full. */
void mesh_prefetch(struct mesh *m, const struct wire_query *q, const struct policy_view *view);

/* A reload: every request in flight takes its view from the new config (by VPC name; the
 * default view when its VPC is gone). */
void mesh_rebind(struct mesh *m, const struct cairn_config *cfg);

/* RFC 8109 priming: resolve ". NS" with nobody waiting. */
void mesh_prime(struct mesh *m);

/* Drop every request (daemon stopping): no answers, sockets closed. */
void mesh_stop(struct mesh *m);

/* Requests in progress. */
size_t mesh_size(const struct mesh *m);

const struct mesh_counters *mesh_counters(const struct mesh *m);

#endif
