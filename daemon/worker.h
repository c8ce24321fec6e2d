/*
 * worker — one libuv loop with its listeners, TCP connections, counters and scratch buffer.
 * Issue #3 runs one worker; later issues run one per thread, each with its own sockets
 * (SO_REUSEPORT) and the shared config pointer.
 */
#ifndef CAIRN_DAEMON_WORKER_H
#define CAIRN_DAEMON_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "lib/respond.h"
#include "lib/wire/dns.h"

struct worker;
struct tcp_conn;

struct udp_queued;

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
	uint8_t buf[DNS_MAX_MESSAGE];   /* every datagram is read here */
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

struct worker {
	uv_loop_t loop;
	const struct cairn_config *cfg;      /* current config; main owns and swaps it */
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

/* Bind every listener of cfg on w's loop. Returns 0, or -1 after logging what failed. */
int worker_start(struct worker *w, const struct cairn_config *cfg);

/* Close listeners; connections close once their answers are written. The loop then ends. */
void worker_stop(struct worker *w);

/* The stop grace is over: close whatever is still open. */
void worker_force_close(struct worker *w);

/* Answer one message from peer; returns the answer length in out (0 = send nothing). */
size_t worker_answer(struct worker *w, const struct sockaddr *peer, enum respond_transport t,
		     const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

/* Log the counters at info level. */
void worker_log_stats(const struct worker *w);

/* In net_udp.c / net_tcp.c */
/* Bind and start one listener; a libuv error code (< 0) when that fails. */
int udp_listener_start(struct worker *w, struct udp_listener *l, const struct sockaddr *sa);
void udp_listener_close(struct udp_listener *l);
int tcp_listener_start(struct worker *w, struct tcp_listener *l, const struct sockaddr *sa);
void tcp_listener_close(struct tcp_listener *l);
/* Answer no more on any connection; each closes once its answers are written. */
void tcp_conns_stop(struct worker *w);
/* Close every connection now, written or not (the stop grace is over). */
void tcp_conns_close(struct worker *w);

/* sockaddr for a netaddr */
void netaddr_to_sockaddr(const struct netaddr *a, struct sockaddr_storage *ss);

#endif
