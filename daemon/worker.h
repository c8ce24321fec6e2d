/*
 * worker — one libuv loop with its listeners, TCP connections, counters and scratch buffer.
 * cairnd runs server.threads workers (daemon/pool.c): worker 0 on the main thread, which also
 * owns signals, the control socket and every TCP listener; the others on threads of their
 * own, each with its own UDP sockets on the same addresses (SO_REUSEPORT: the kernel spreads
 * clients over them). All share the caches (struct worker_shared) and the config value.
 */
#ifndef CAIRN_DAEMON_WORKER_H
#define CAIRN_DAEMON_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "lib/cache/msgcache.h"
#include "lib/cache/rrcache.h"
#include "lib/iterator/servers.h"
#include "lib/resolve.h"
#include "lib/respond.h"
#include "lib/util/env.h"
#include "lib/wire/dns.h"

#include "mesh.h"

struct worker;
struct tcp_conn;

struct udp_queued;
struct udp_batch;

#define UDP_BATCH 32                /* datagrams per recvmmsg and answers per sendmmsg */
#define UDP_QUERY_MAX 4096          /* bytes of a UDP query; longer ones are dropped */
#define UDP_ANSWER_MAX 4096         /* bytes of a UDP answer: server.edns-buffer-size at most */

/* Room for one IPv4 or IPv6 packet-info control message, aligned for struct cmsghdr (which
 * ends in a flexible array, so it cannot sit in a union inside another struct). */
#define UDP_CONTROL_SIZE 64
union udp_control {
	_Alignas(struct cmsghdr) char buf[UDP_CONTROL_SIZE];
};

/* Where the answer to a client's question goes, kept while the question is resolved. */
struct reply_to {
	enum respond_transport transport;
	struct udp_listener *udp;       /* UDP: the socket it came in on */
	struct sockaddr_storage peer;   /* UDP: the client */
	socklen_t peerlen;
	union udp_control control;      /* UDP: our address it was sent to (IP_PKTINFO) */
	size_t controllen;
	struct tcp_conn *tcp;           /* TCP: the connection (held open until answered) */
	/* Neither: the answer goes to this function (cairnctl test-answer); len 0 when there
	 * is none (the daemon stops). */
	void (*done)(void *ctx, const uint8_t *data, size_t len);
	void *done_ctx;
};

/* One UDP socket, driven by uv_poll so that replies can leave from the address the query came
 * to (IP_PKTINFO / IPV6_PKTINFO) even on a wildcard bind, which uv_udp cannot do. */
struct udp_listener {
	uv_poll_t poll;
	int fd;                         /* our socket; closed after the poll handle closes */
	struct worker *w;
	bool open;                      /* handle initialised and not yet closed */
	int family;                     /* AF_INET or AF_INET6 */
	struct udp_queued *queue_head;  /* replies the kernel could not take yet */
	struct udp_queued *queue_tail;
	size_t queued;                  /* how many */
	struct udp_batch *batch;        /* datagrams are read and answered here */
};

/* One listening TCP socket. */
struct tcp_listener {
	uv_tcp_t handle;
	struct worker *w;
	bool open;
};

/* Counters the daemon keeps besides the answer counters of lib/respond. */
struct worker_counters {
	uint64_t udp_send_errors;   /* replies the kernel refused, or dropped: send queue full */
	uint64_t tcp_accepted;      /* connections accepted */
	uint64_t tcp_rejected;      /* closed at accept: max-tcp-clients reached */
	uint64_t tcp_idle_closed;   /* closed by tcp-idle-timeout */
	uint64_t tcp_bad_frames;    /* closed for a zero-length message */
};

/* What the workers of one daemon share. Both caches lock their own shards. */
struct worker_shared {
	struct rrcache *cache;               /* RRsets and negative answers */
	struct msgcache *msgs;               /* whole answers of the fast path */
	struct nseccache *nsec;              /* validated NSEC spans (RFC 8198) */
};

/* How cache.size is split: this share goes to whole messages, the rest to RRsets (a message
 * is rebuilt from RRsets when it is gone, never the other way round). */
#define WORKER_MSGCACHE_SHARE 4              /* 1/4 */
#define WORKER_NSEC_RECORDS 100000           /* NSEC records kept for RFC 8198 */

/* Create / free the shared caches for cfg. */
int worker_shared_init(struct worker_shared *sh, const struct cairn_config *cfg);
void worker_shared_free(struct worker_shared *sh);

/* Apply cfg's cache limits to the shared caches (a reload from old). */
void worker_shared_apply_config(struct worker_shared *sh, const struct cairn_config *old,
				const struct cairn_config *cfg);

#define WORKER_RANDOM_POOL 256         /* getrandom() bytes fetched at a time */
#define WORKER_SERVERS_MAX 100000      /* server addresses remembered (RTT, hold-down) */

/* Everything a worker counts, as one value: a worker's own, or the sum of several. */
struct worker_counts {
	struct respond_stats answers;
	struct worker_counters net;
	struct resolve_stats resolve;
	struct mesh_counters mesh;
	uint64_t in_flight;                  /* requests being resolved now */
	uint64_t tcp_clients;                /* TCP connections open now */
};

struct worker {
	uv_loop_t loop;
	unsigned index;                      /* 0: the main thread's worker */
	const struct cairn_config *cfg;      /* current config; main owns and swaps it */
	struct worker_shared *shared;        /* the caches every worker uses */
	struct cairn_env env;                /* clocks and randomness for lib/ */
	struct resolver resolver;            /* cache, server table and options of lib/resolve */
	struct mesh *mesh;                   /* questions being resolved */
	uint8_t random_pool[WORKER_RANDOM_POOL];
	size_t random_left;
	struct respond_stats stats;          /* answers by kind */
	struct worker_counters counters;
	struct udp_listener *udp;            /* one per listen address */
	struct tcp_listener *tcp;            /* one per listen address */
	size_t n_listeners;
	struct tcp_conn *conns;              /* open TCP connections (doubly linked) */
	size_t n_conns;
	bool stopping;                       /* SIGTERM seen: finish writes, then close */
	uint8_t answer[2 + DNS_MAX_MESSAGE]; /* scratch: 2-byte TCP prefix + answer */
};

/* Bind the listeners of cfg on w's loop: UDP on every worker (SO_REUSEPORT when reuseport),
 * TCP on worker 0 only. Returns 0, or -1 after logging what failed. */
int worker_start(struct worker *w, const struct cairn_config *cfg, struct worker_shared *sh,
		 bool reuseport);

/* Close listeners; connections close once their answers are written. The loop then ends. */
void worker_stop(struct worker *w);

/* The stop grace is over: close whatever is still open. */
void worker_force_close(struct worker *w);

/* Install a config: listeners stay, the resolver takes its options and root hints (the
 * shared caches take theirs through worker_shared_apply_config). */
void worker_apply_config(struct worker *w, const struct cairn_config *cfg);

/* Answer one message from peer; returns the answer length in out, or 0 when nothing is to
 * be sent now (dropped, or handed to the mesh, which answers rt later). */
size_t worker_answer(struct worker *w, const struct sockaddr *peer, const uint8_t *pkt,
		     size_t len, uint8_t *out, size_t cap, const struct reply_to *rt);

/* The respond context of the current config. */
void worker_respond_ctx(const struct worker *w, struct respond_ctx *ctx);

/* Keep rt's connection for a later answer; worker_reply() answers (len > 0) or only lets
 * it go (len 0). */
void worker_hold(struct worker *w, const struct reply_to *rt);
void worker_reply(struct worker *w, const struct reply_to *rt, const uint8_t *data, size_t len);

/* The configured source address for upstream queries of a family, or NULL. */
const struct netaddr *worker_outgoing(const struct worker *w, int family);

/* Free what worker_start built (after the loop has ended). */
void worker_free(struct worker *w);

/* w's counters now (on w's own thread, or once it has stopped). */
void worker_counts(const struct worker *w, struct worker_counts *out);

/* sum += more, counter by counter. */
void worker_counts_add(struct worker_counts *sum, const struct worker_counts *more);

/* Every counter, named as in the log's "stats:" line and cairnctl stats, in one fixed order
 * (the one list both read): the workers' counts c, the shared caches, the config's limits.
 * Returns how many were written (at most cap). */
#define WORKER_STATS_MAX 64
struct control_stat;
size_t worker_stats(const struct worker_counts *c, struct worker_shared *sh,
		    const struct cairn_config *cfg, struct control_stat *out, size_t cap);

/* Log the counters at info level, as one "stats: key=value ..." line. */
void worker_log_stats(const struct worker_counts *c, struct worker_shared *sh,
		      const struct cairn_config *cfg);

/* In net_udp.c / net_tcp.c */
/* Bind and start one listener; a libuv error code (< 0) when that fails. */
int udp_listener_start(struct worker *w, struct udp_listener *l, const struct sockaddr *sa,
		       bool reuseport);
void udp_listener_close(struct udp_listener *l);
/* Send one reply from a listener (queued when the socket is full). */
void udp_listener_reply(struct udp_listener *l, const uint8_t *data, size_t len,
			const struct sockaddr_storage *to, socklen_t tolen,
			const union udp_control *control, size_t controllen);
int tcp_listener_start(struct worker *w, struct tcp_listener *l, const struct sockaddr *sa);
void tcp_listener_close(struct tcp_listener *l);
/* Answer no more on any connection; each closes once its answers are written. */
void tcp_conns_stop(struct worker *w);
/* Close every connection now, written or not (the stop grace is over). */
void tcp_conns_close(struct worker *w);
/* A connection waits for one more resolved answer / gets it (data NULL: it never comes). */
void tcp_conn_hold(struct tcp_conn *c);
void tcp_conn_resolved(struct tcp_conn *c, const uint8_t *data, size_t len);

/* sockaddr for a netaddr */
void netaddr_to_sockaddr(const struct netaddr *a, struct sockaddr_storage *ss);

#endif
