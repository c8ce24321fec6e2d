/*
 * net_tcp — TCP listeners and connections (RFC 7766): two-byte length framing, pipelined
 * queries answered as they complete, an idle timeout (§6.2.3), a cap on open connections and
 * back-pressure when a client does not read its answers.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker.h"

#define TCP_RBUF_INITIAL 1024
#define TCP_RBUF_MAX (2 + DNS_MAX_MESSAGE)
#define TCP_QUEUE_HIGH (256 * 1024) /* stop reading while this much is unwritten */
#define TCP_QUEUE_LOW (64 * 1024)   /* and start again below this */

struct tcp_conn {
	uv_tcp_t handle;
	uv_timer_t idle;
	struct worker *w;
	struct tcp_conn *prev, *next; /* in w->conns */
	uint8_t *rbuf;                /* bytes received, not yet a whole message */
	size_t rlen, rcap;
	size_t queued;                /* answer bytes handed to libuv, not yet written */
	unsigned writes;              /* uv_write requests in flight */
	int open_handles;             /* handle + timer still to close before free */
	bool paused;                  /* reading stopped by back-pressure */
	bool finishing;               /* no more reading: close when writes are done */
	bool closing;                 /* uv_close called */
};

struct tcp_write {
	uv_write_t req;
	struct tcp_conn *c;
	size_t len;
	uint8_t data[];
};

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

static void on_conn_closed(uv_handle_t *h)
{
	struct tcp_conn *c = h->data;
	if (--c->open_handles == 0) {
		free(c->rbuf);
		free(c);
	}
}

static void conn_close(struct tcp_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	struct worker *w = c->w;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->n_conns--;
	uv_timer_stop(&c->idle);
	uv_close((uv_handle_t *)&c->handle, on_conn_closed);
	uv_close((uv_handle_t *)&c->idle, on_conn_closed);
}

/* Stop reading; close as soon as every answer already queued has been written. */
static void conn_finish(struct tcp_conn *c)
{
	c->finishing = true;
	uv_read_stop((uv_stream_t *)&c->handle);
	if (c->writes == 0)
		conn_close(c);
}

static void on_idle(uv_timer_t *t)
{
	struct tcp_conn *c = t->data;
	if (c->writes) {
		uv_timer_again(t); /* still sending to a slow reader: not idle */
		return;
	}
	c->w->counters.tcp_idle_closed++;
	conn_close(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct tcp_conn *c = h->data;
	(void)suggested;
	if (c->rlen == c->rcap && c->rcap < TCP_RBUF_MAX) {
		size_t ncap = c->rcap * 4 > TCP_RBUF_MAX ? TCP_RBUF_MAX : c->rcap * 4;
		uint8_t *n = realloc(c->rbuf, ncap);
		if (n) {
			c->rbuf = n;
			c->rcap = ncap;
		}
	}
	*buf = uv_buf_init((char *)c->rbuf + c->rlen, (unsigned)(c->rcap - c->rlen));
}

static void on_write(uv_write_t *req, int status)
{
	struct tcp_write *wr = (struct tcp_write *)req;
	struct tcp_conn *c = wr->c;
	c->writes--;
	c->queued -= wr->len;
	free(wr);
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	if (c->finishing && c->writes == 0) {
		conn_close(c);
		return;
	}
	if (c->paused && c->queued < TCP_QUEUE_LOW) {
		c->paused = false;
		uv_read_start((uv_stream_t *)&c->handle, on_alloc, on_read);
	}
}

static int send_answer(struct tcp_conn *c, const uint8_t *answer, size_t len)
{
	struct tcp_write *wr = malloc(sizeof(*wr) + 2 + len);
	if (!wr)
		return -1;
	wr->c = c;
	wr->len = 2 + len;
	wire_write_u16(wr->data, (uint16_t)len); /* RFC 7766 §8: two-byte length prefix */
	memcpy(wr->data + 2, answer, len);
	uv_buf_t b = uv_buf_init((char *)wr->data, (unsigned)wr->len);
	if (uv_write(&wr->req, (uv_stream_t *)&c->handle, &b, 1, on_write) < 0) {
		free(wr);
		return -1;
	}
	c->writes++;
	c->queued += wr->len;
	return 0;
}

/* Answer every whole message in the buffer. Returns -1 when the connection must go. */
static int process_messages(struct tcp_conn *c)
{
	struct worker *w = c->w;
	struct sockaddr_storage peer;
	int plen = sizeof(peer);
	size_t off = 0;

	if (uv_tcp_getpeername(&c->handle, (struct sockaddr *)&peer, &plen) < 0)
		return -1;
	while (c->rlen - off >= 2) {
		size_t mlen = wire_read_u16(c->rbuf + off);
		if (mlen == 0) {
			w->counters.tcp_bad_frames++;
			return -1;
		}
		if (c->rlen - off < 2 + mlen)
			break;
		size_t n = worker_answer(w, (struct sockaddr *)&peer, RESPOND_TCP,
					 c->rbuf + off + 2, mlen, w->answer, DNS_MAX_MESSAGE);
		off += 2 + mlen;
		/* Only a whole message counts as activity: a client that trickles a byte now
		 * and then cannot hold a connection forever. */
		uv_timer_again(&c->idle);
		if (n && send_answer(c, w->answer, n) < 0)
			return -1;
	}
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct tcp_conn *c = s->data;
	(void)buf;
	if (c->closing)
		return;
	if (nread < 0) {
		/* EOF: the client sent all it will; answers already queued still go out. */
		conn_finish(c);
		return;
	}
	if (nread == 0)
		return;
	c->rlen += (size_t)nread;
	if (process_messages(c) < 0) {
		conn_close(c);
		return;
	}
	if (c->queued > TCP_QUEUE_HIGH && !c->paused) {
		c->paused = true;
		uv_read_stop(s);
	}
}

static void on_rejected_closed(uv_handle_t *h)
{
	free(h);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct tcp_listener *l = server->data;
	struct worker *w = l->w;
	if (status < 0) {
		log_debug("TCP accept error: %s", uv_strerror(status));
		return;
	}
	if (w->n_conns >= w->cfg->max_tcp_clients || w->stopping) {
		/* Over the limit: accept and close at once, so the client learns now. */
		uv_tcp_t *t = malloc(sizeof(*t));
		if (!t)
			return;
		uv_tcp_init(&w->loop, t);
		uv_accept(server, (uv_stream_t *)t);
		uv_close((uv_handle_t *)t, on_rejected_closed);
		w->counters.tcp_rejected++;
		return;
	}
	struct tcp_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->w = w;
	c->rcap = TCP_RBUF_INITIAL;
	c->rbuf = malloc(c->rcap);
	uv_tcp_init(&w->loop, &c->handle);
	uv_timer_init(&w->loop, &c->idle);
	c->handle.data = c;
	c->idle.data = c;
	c->open_handles = 2;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->n_conns++;
	if (!c->rbuf || uv_accept(server, (uv_stream_t *)&c->handle) < 0) {
		conn_close(c);
		return;
	}
	w->counters.tcp_accepted++;
	uv_tcp_nodelay(&c->handle, 1);
	uv_timer_start(&c->idle, on_idle, w->cfg->tcp_idle_timeout_ms,
		       w->cfg->tcp_idle_timeout_ms);
	uv_read_start((uv_stream_t *)&c->handle, on_alloc, on_read);
}

int tcp_listener_start(struct worker *w, struct tcp_listener *l, const struct sockaddr *sa)
{
	int r = uv_tcp_init(&w->loop, &l->handle);
	if (r < 0)
		return r;
	l->w = w;
	l->handle.data = l;
	l->open = true;
	r = uv_tcp_bind(&l->handle, sa, sa->sa_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
	return r < 0 ? r : uv_listen((uv_stream_t *)&l->handle, 128, on_connection);
}

void tcp_listener_close(struct tcp_listener *l)
{
	if (!l->open)
		return;
	l->open = false;
	uv_close((uv_handle_t *)&l->handle, NULL);
}

void tcp_conns_stop(struct worker *w)
{
	struct tcp_conn *c = w->conns, *next;
	for (; c; c = next) {
		next = c->next;
		conn_finish(c);
	}
}
