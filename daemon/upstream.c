/* upstream — sockets and timer of one upstream query (see upstream.h). */
#include "upstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/wire/dns.h"
#include "worker.h"

#define UPSTREAM_UDP_BUF 4096   /* we advertise 1232; a larger datagram counts as truncated */

struct upstream_q {
	uv_loop_t *loop;
	upstream_cb cb;
	void *owner;                  /* NULL once cancelled */
	enum resolve_transport transport;
	struct netaddr server;
	union {
		uv_udp_t udp;
		uv_tcp_t tcp;
	} h;
	uv_timer_t timer;
	uv_connect_t connect;
	uv_write_t write;
	int open_handles;             /* freed when both handles have closed */
	uint8_t *rbuf;                /* TCP: what has arrived; UDP: one datagram */
	size_t rlen, rcap;
	size_t qlen;
	uint8_t qbuf[2 + DNS_MAX_UDP_NO_EDNS]; /* TCP length prefix + the query */
};

static void on_closed(uv_handle_t *h)
{
	struct upstream_q *u = h->data;
	if (--u->open_handles == 0) {
		free(u->rbuf);
		free(u);
	}
}

uint64_t upstream_due_in(const struct upstream_q *u)
{
	return uv_timer_get_due_in(&u->timer);
}

void upstream_cancel(struct upstream_q *u)
{
	if (!u || !u->owner)
		return;
	u->owner = NULL;
	uv_timer_stop(&u->timer);
	uv_close((uv_handle_t *)&u->h, on_closed);
	uv_close((uv_handle_t *)&u->timer, on_closed);
}

/* Tell the owner; the owner may cancel from inside the callback. */
static void report(struct upstream_q *u, enum upstream_event ev, const uint8_t *pkt, size_t len,
		   const char *err)
{
	if (u->owner)
		u->cb(u->owner, ev, &u->server, pkt, len, err);
}

static void on_timeout(uv_timer_t *t)
{
	report(t->data, UPSTREAM_TIMEOUT, NULL, 0, "timed out");
}

static void sockaddr_to_netaddr(const struct sockaddr *sa, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		memcpy(out->addr, &s->sin_addr, 4);
		out->port = ntohs(s->sin_port);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		memcpy(out->addr, &s->sin6_addr, 16);
		out->port = ntohs(s->sin6_port);
	}
}

static void udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct upstream_q *u = h->data;
	(void)suggested;
	*buf = uv_buf_init((char *)u->rbuf, (unsigned)u->rcap);
}

static void udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
		     unsigned flags)
{
	struct upstream_q *u = h->data;
	(void)buf;
	if (!u->owner)
		return;
	if (nread < 0) {
		char why[96];
		snprintf(why, sizeof(why), "UDP: %s", uv_strerror((int)nread));
		report(u, UPSTREAM_ERROR, NULL, 0, why);
		return;
	}
	if (nread == 0 && !addr)
		return; /* nothing more to read now */
	struct netaddr from;
	sockaddr_to_netaddr(addr, &from);
	if (flags & UV_UDP_PARTIAL) {
		/* Bigger than we asked for: hand on the header with TC set so that TCP follows. */
		if (nread >= DNS_HEADER_SIZE)
			u->rbuf[2] |= DNS_FLAG_TC >> 8;
	}
	if (u->owner)
		u->cb(u->owner, UPSTREAM_PACKET, &from, u->rbuf, (size_t)nread, NULL);
}

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct upstream_q *u = h->data;
	(void)suggested;
	if (u->rlen == u->rcap && u->rcap < 2 + DNS_MAX_MESSAGE) {
		size_t ncap = u->rcap * 4 > 2 + DNS_MAX_MESSAGE ? 2 + DNS_MAX_MESSAGE : u->rcap * 4;
		uint8_t *n = realloc(u->rbuf, ncap);
		if (n) {
			u->rbuf = n;
			u->rcap = ncap;
		}
	}
	*buf = uv_buf_init((char *)u->rbuf + u->rlen, (unsigned)(u->rcap - u->rlen));
}

static void tcp_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct upstream_q *u = s->data;
	(void)buf;
	if (!u->owner)
		return;
	if (nread < 0) {
		char why[96];
		snprintf(why, sizeof(why), "TCP: %s", nread == UV_EOF
			 ? "connection closed before the answer" : uv_strerror((int)nread));
		report(u, UPSTREAM_ERROR, NULL, 0, why);
		return;
	}
	u->rlen += (size_t)nread;
	/* RFC 7766 §8: two-byte length, then the message; every whole message in turn, since
	 * the owner may ignore one (wrong ID) and wait for the next. */
	size_t off = 0;
	while (u->owner && u->rlen - off >= 2) {
		size_t mlen = wire_read_u16(u->rbuf + off);
		if (u->rlen - off < 2 + mlen)
			break;
		const uint8_t *msg = u->rbuf + off + 2;
		off += 2 + mlen;
		if (mlen) /* an empty frame is nothing to judge */
			report(u, UPSTREAM_PACKET, msg, mlen, NULL);
	}
	if (off && u->owner) {
		memmove(u->rbuf, u->rbuf + off, u->rlen - off);
		u->rlen -= off;
	}
}

static void tcp_written(uv_write_t *req, int status)
{
	struct upstream_q *u = req->data;
	if (status < 0 && u->owner && status != UV_ECANCELED) {
		char why[96];
		snprintf(why, sizeof(why), "TCP: %s", uv_strerror(status));
		report(u, UPSTREAM_ERROR, NULL, 0, why);
	}
}

static void tcp_connected(uv_connect_t *req, int status)
{
	struct upstream_q *u = req->data;
	if (!u->owner)
		return;
	if (status < 0) {
		char why[96];
		snprintf(why, sizeof(why), "TCP connect: %s", uv_strerror(status));
		report(u, UPSTREAM_ERROR, NULL, 0, why);
		return;
	}
	uv_buf_t b = uv_buf_init((char *)u->qbuf, (unsigned)(2 + u->qlen));
	u->write.data = u;
	int r = uv_write(&u->write, (uv_stream_t *)&u->h.tcp, &b, 1, tcp_written);
	if (r == 0)
		r = uv_read_start((uv_stream_t *)&u->h.tcp, tcp_alloc, tcp_read);
	if (r < 0) {
		char why[96];
		snprintf(why, sizeof(why), "TCP: %s", uv_strerror(r));
		report(u, UPSTREAM_ERROR, NULL, 0, why);
	}
}

static int start_udp(struct upstream_q *u, const struct sockaddr *to, const struct netaddr *src)
{
	int r = uv_udp_init(u->loop, &u->h.udp);
	if (r < 0)
		return r;
	u->open_handles++;
	u->h.udp.data = u;
	if (src) {
		struct sockaddr_storage ss;
		netaddr_to_sockaddr(src, &ss);
		if ((r = uv_udp_bind(&u->h.udp, (struct sockaddr *)&ss, 0)) < 0)
			return r;
	}
	if ((r = uv_udp_connect(&u->h.udp, to)) < 0)
		return r;
	if ((r = uv_udp_recv_start(&u->h.udp, udp_alloc, udp_recv)) < 0)
		return r;
	uv_buf_t b = uv_buf_init((char *)u->qbuf + 2, (unsigned)u->qlen);
	r = uv_udp_try_send(&u->h.udp, &b, 1, NULL);
	return r < 0 ? r : 0;
}

static int start_tcp(struct upstream_q *u, const struct sockaddr *to, const struct netaddr *src)
{
	int r = uv_tcp_init(u->loop, &u->h.tcp);
	if (r < 0)
		return r;
	u->open_handles++;
	u->h.tcp.data = u;
	if (src) {
		struct sockaddr_storage ss;
		netaddr_to_sockaddr(src, &ss);
		if ((r = uv_tcp_bind(&u->h.tcp, (struct sockaddr *)&ss, 0)) < 0)
			return r;
	}
	u->connect.data = u;
	return uv_tcp_connect(&u->connect, &u->h.tcp, to, tcp_connected);
}

struct upstream_q *upstream_send(uv_loop_t *loop, const struct resolve_query *rq,
				 const struct netaddr *source, upstream_cb cb, void *owner,
				 char *err, size_t errlen)
{
	struct upstream_q *u = calloc(1, sizeof(*u));
	if (!u || rq->len > DNS_MAX_UDP_NO_EDNS) {
		free(u);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->loop = loop;
	u->cb = cb;
	u->owner = owner;
	u->transport = rq->transport;
	u->server = rq->server;
	u->qlen = rq->len;
	wire_write_u16(u->qbuf, (uint16_t)rq->len);
	memcpy(u->qbuf + 2, rq->pkt, rq->len);
	u->rcap = rq->transport == RESOLVE_UDP ? UPSTREAM_UDP_BUF : 1024;
	u->rbuf = malloc(u->rcap);
	uv_timer_init(loop, &u->timer);
	u->timer.data = u;
	u->open_handles = 1;
	struct sockaddr_storage to;
	netaddr_to_sockaddr(&rq->server, &to);
	int r = !u->rbuf ? UV_ENOMEM
		: rq->transport == RESOLVE_UDP ? start_udp(u, (struct sockaddr *)&to, source)
					       : start_tcp(u, (struct sockaddr *)&to, source);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", rq->transport == RESOLVE_UDP ? "UDP" : "TCP",
			 uv_strerror(r));
		if (u->open_handles == 1) {
			/* only the timer exists */
			u->owner = NULL;
			uv_close((uv_handle_t *)&u->timer, on_closed);
		} else {
			upstream_cancel(u);
		}
		return NULL;
	}
	uv_timer_start(&u->timer, on_timeout, rq->timeout_ms ? rq->timeout_ms : 1, 0);
	return u;
}
