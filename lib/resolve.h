/*
 * resolve — one client question resolved iteratively (RFC 1034 §5.3.3), as an explicit state
 * machine that does no I/O (the Knot Resolver produce/consume model).
 *
 * The daemon drives a request: resolve_produce() says "send this packet to that server over
 * UDP/TCP and wait at most N ms", or that the request is finished; the daemon then hands in
 * what came back (resolve_consume), or that nothing came (resolve_timeout) or the connection
 * failed (resolve_neterror), and asks again. Each request holds a stack of frames: the
 * client's question, and below it the address lookups of glueless name servers.
 *
 * A frame moves through these states (the debug log shows each transition):
 *   INIT   look in the cache (answer, NODATA, NXDOMAIN, CNAME) or find the closest known
 *          delegation point (cached NS set, else the root hints)
 *   QUERY  pick the next server of the delegation point, or start an address lookup for a
 *          glueless NS name, or give up when none is left
 *   WAIT   a query is out: consume or timeout moves on
 *   CHILD  waiting for the frame above (an NS address lookup)
 *   DONE   the frame has its answer or its failure
 *
 * The resolver context (cache, server table, options) is shared by every request of one
 * worker thread.
 */
#ifndef CAIRN_RESOLVE_H
#define CAIRN_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cache/nseccache.h"
#include "lib/cache/rrcache.h"
#include "lib/iterator/deleg.h"
#include "lib/iterator/hints.h"
#include "lib/iterator/response.h"
#include "lib/iterator/servers.h"
#include "lib/policy/policy.h"
#include "lib/util/env.h"
#include "lib/util/netaddr.h"
#include "lib/validator/anchors.h"

#define RESOLVE_EDNS_SIZE 1232   /* our advertised UDP size upstream (DNS flag day 2020) */
#define RESOLVE_EDE_TEXT_MAX 200

/* The recursion: options of the config (copied into each request when it starts). */
struct resolve_opts {
	bool qname_minimisation;       /* RFC 9156, relaxed on errors */
	bool use_0x20;                 /* random case in upstream questions */
	bool harden_glue;              /* drop glue outside the delegating zone */
	struct deleg_policy addr;      /* ipv4, ipv6, query-loopback */
	uint32_t request_timeout_ms;   /* whole request, then SERVFAIL */
	unsigned max_queries;          /* upstream queries per client request */
	unsigned max_referrals;        /* referrals followed per question */
	unsigned max_glueless;         /* NS address lookups per client request */
	unsigned max_depth;            /* nesting of those lookups */
	unsigned max_cname;            /* CNAME/DNAME links in one answer */
	bool dnssec;                   /* validate answers (dnssec.validation): DO=1 upstream */
	uint32_t sig_skew;             /* seconds of clock skew allowed around RRSIG windows */
	uint32_t bogus_ttl;            /* seconds bogus data is kept, marked, in the cache */
	bool aggressive_nsec;          /* RFC 8198: answer from cached, validated NSEC spans */
};

/* Counters of the upstream side. */
struct resolve_stats {
	uint64_t requests;        /* requests started */
	uint64_t sent_udp, sent_tcp;
	uint64_t timeouts;
	uint64_t mismatched;      /* responses dropped: wrong ID, question or case */
	uint64_t case_fallbacks;  /* servers found not to echo 0x20 case */
	uint64_t edns_fallbacks;  /* servers found not to speak EDNS */
	uint64_t glue_dropped;    /* out-of-bailiwick glue ignored */
	uint64_t servfail;        /* requests that ended in SERVFAIL */
	uint64_t bogus;           /* answers that failed DNSSEC validation */
	uint64_t aggressive_nsec; /* denials answered from cached NSEC spans (RFC 8198) */
	uint64_t hint_fallbacks;  /* delegation points taken from the root hints: no root NS set
				   * in the cache (RFC 8109: time to prime again) */
};

/* Shared by the requests of one worker. The daemon owns every pointer. */
struct resolver {
	struct resolve_opts opts;       /* current options (a request copies them) */
	const struct root_hints *hints; /* current root hints */
	const struct anchors *anchors;  /* trust anchors and negative ones (NULL: none) */
	struct rrcache *cache;
	struct nseccache *nsec;         /* validated NSEC spans (RFC 8198), or NULL */
	struct servers *servers;
	const struct cairn_env *env;
	struct resolve_stats stats;
	/* Each state transition, query and verdict as one line of text (NULL: no trace). */
	void (*trace)(void *ctx, const char *line);
	void *trace_ctx;
};

/* What the client gets. */
struct resolve_result {
	unsigned rcode;
	struct iter_rrset *answer;    /* the chain: CNAME/DNAME links, then the data */
	size_t n_answer;
	struct iter_rrset *soa;          /* authority for NXDOMAIN/NODATA, or NULL */
	struct iter_rrset *proof;        /* NSEC/NSEC3 that came with it (for DO clients) */
	size_t n_proof;
	int ede;                        /* EDE_NONE or an RFC 8914 code */
	char ede_text[RESOLVE_EDE_TEXT_MAX];
	bool secure;                    /* every RRset validated up to a trust anchor (AD) */
};

enum resolve_transport { RESOLVE_UDP, RESOLVE_TCP };

/* The next thing the daemon must do for a request. */
struct resolve_query {
	struct netaddr server;
	enum resolve_transport transport;
	const uint8_t *pkt;             /* owned by the request, valid until the next call */
	size_t len;
	uint32_t timeout_ms;
};

enum resolve_step { RESOLVE_SEND, RESOLVE_DONE };
enum resolve_verdict {
	RESOLVE_ACCEPTED,  /* the response to the query in flight: taken */
	RESOLVE_IGNORED,   /* not it (wrong source, ID or question): keep waiting */
	RESOLVE_RETRY,     /* it came back with the 0x20 case changed: the question goes again
			    * in plain case, and is no answer for anybody */
};

struct resolve_req;

/* Start resolving (qname canonical, qtype). NULL when out of memory. */
struct resolve_req *resolve_new(struct resolver *r, const uint8_t *qname, uint16_t qtype);

/* Prefetch (a refresh before expiry): the answer to the question itself is not taken from
 * the cache, only the delegations that lead to it; the fresh answer replaces the cached one. */
void resolve_set_refresh(struct resolve_req *q);

/* RFC 4035 §3.2.2 (CD=1): the client validates for itself; answer without validating. */
void resolve_set_checking_disabled(struct resolve_req *q);

/* The client's view (lib/policy): its forward rules send names under them to their targets
 * (RD=1, answers cached apart per rule), its DNSSEC switch says whether answers are
 * validated. NULL: plain recursion. After a reload the daemon sets the new config's view:
 * a request never keeps a pointer into a config across steps otherwise. */
void resolve_set_view(struct resolve_req *q, const struct policy_view *v);

/* What to do next. After RESOLVE_DONE, resolve_result() holds the answer. */
enum resolve_step resolve_produce(struct resolve_req *q, struct resolve_query *out);

/* A packet arrived for the query in flight from `from` over the transport it was sent on.
 * RESOLVE_IGNORED: it is not the answer (wrong source, ID or question); keep waiting. */
enum resolve_verdict resolve_consume(struct resolve_req *q, const struct netaddr *from,
				     const uint8_t *pkt, size_t len);

/* The daemon coalesces identical upstream questions (same server, transport, name in any
 * case, type): only the first request's query is sent, and its response, once that request
 * has ACCEPTED it, is handed to the others here. The ID and exact case were checked for the
 * first; the source and the question are checked again. */
enum resolve_verdict resolve_consume_shared(struct resolve_req *q, const struct netaddr *from,
					    const uint8_t *pkt, size_t len);

/* The shared query timed out or failed: like resolve_timeout / resolve_neterror, but the
 * server is judged once, by the request that sent it. */
void resolve_timeout_shared(struct resolve_req *q);
void resolve_neterror_shared(struct resolve_req *q, const char *why);

/* Forget the query in flight without blaming the server (the shared query was answered
 * RESOLVE_RETRY): the same question goes again, in plain case. */
void resolve_abandon(struct resolve_req *q);

/* The query in flight got no answer in time. */
void resolve_timeout(struct resolve_req *q);

/* The query in flight could not be sent or its TCP connection failed. */
void resolve_neterror(struct resolve_req *q, const char *why);

const struct resolve_result *resolve_result(const struct resolve_req *q);

/* Milliseconds left before the request's overall timeout. */
uint32_t resolve_time_left(const struct resolve_req *q);

void resolve_free(struct resolve_req *q);

#endif
