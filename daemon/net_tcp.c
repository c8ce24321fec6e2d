/*
 * net_tcp — TCP listeners and connections (RFC 7766): two-byte length framing, pipelined
 * queries answered as they complete, an idle timeout (§6.2.3), a cap on open connections,
 * bounded memory for clients that do not read, and a graceful close that does not reset.
 *
 * Each connection is a small state machine:
 *
 *   READING ──answers queued > HIGH──▶ PAUSED ──queue < LOW──▶ READING
 *      │                                  │
 *      ├── client EOF ──▶ (writes done) ──┼──────────────────────────────▶ closed
 *      └── SIGTERM / bad frame ──▶ DRAINING ──writes done, FIN sent──▶ LINGER ──EOF/timer──▶ closed
 *
 * DRAINING and LINGER keep reading (and discard what arrives) so that the kernel never has
 * unread input when the socket closes: closing with unread input sends a reset, and the
 * client would lose answers already sent.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker.h"

#define TCP_RBUF_INITIAL 1024
#define TCP_RBUF_MAX (2 + DNS_MAX_MESSAGE)
#define TCP_QUEUE_HIGH (256 * 1024) /* stop answering while this much is unwritten */
#define TCP_QUEUE_LOW (64 * 1024)   /* and go on below this */
#define TCP_LINGER_MS 1000          /* wait this long for the client's FIN after ours */

enum tcp_state {
	TCP_READING,  /* reading and answering */
	TCP_PAUSED,   /* not reading: too many answers unwritten (back-pressure) */
	TCP_DRAINING, /* answering no more; sending what is queued, discarding input */
	TCP_LINGER,   /* our FIN is sent; discarding input until the client's FIN or a timer */
	TCP_CLOSED,   /* uv_close called; freed when both handles have closed */
};

struct tcp_conn {
	uv_tcp_t handle;
	uv_timer_t timer;             /* idle timeout, then linger timeout */
	uv_shutdown_t shutdown;       /* our FIN */
	struct worker *w;
	struct tcp_conn *prev, *next; /* in w->conns */
	enum tcp_state state;
	uint8_t *rbuf;                /* bytes received, not yet a whole message */
	size_t rlen, rcap;
	size_t queued;                /* answer bytes handed to libuv, not yet written */
	unsigned writes;              /* uv_write requests in flight */
	bool eof;                     /* the client sent its FIN */
	bool progress;                /* a write completed since the last idle tick */
	unsigned pending;             /* questions being resolved for this connection */
	int open_handles;             /* handle + timer still to close before free */
};

struct tcp_write {
	uv_write_t req;
	struct tcp_conn *c;
	size_t len;
	uint8_t data[];
};

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void drain(struct tcp_conn *c);

/* Freed once both handles have closed and no resolution still holds it. */
static void conn_free_if_unused(struct tcp_conn *c)
{
	if (c->open_handles == 0 && c->pending == 0) {
		free(c->rbuf);
		free(c);
	}
}

static void on_conn_closed(uv_handle_t *h)
{
	struct tcp_conn *c = h->data;
	c->open_handles--;
	conn_free_if_unused(c);
}

static void conn_close(struct tcp_conn *c)
{
	if (c->state == TCP_CLOSED)
		return;
	c->state = TCP_CLOSED;
	struct worker *w = c->w;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->n_conns--;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->handle, on_conn_closed);
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

static void on_linger_timeout(uv_timer_t *t)
{
	conn_close(t->data);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct tcp_conn *c = req->data;
	if (c->state == TCP_CLOSED)
		return;
	if (status < 0 || c->eof)
		conn_close(c);
}

/* All answers are written: close at once if the client is done, else send our FIN and
 * wait a little for theirs. */
static void finish_if_written(struct tcp_conn *c)
{
	if (c->writes || c->pending)
		return;
	if (c->eof) {
		conn_close(c);
		return;
	}
	c->state = TCP_LINGER;
	c->shutdown.data = c;
	uv_timer_start(&c->timer, on_linger_timeout, TCP_LINGER_MS, 0);
	if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->handle, on_shutdown) < 0)
		conn_close(c);
}

/* No more answers on this connection; input from now on is read and dropped. */
static void drain(struct tcp_conn *c)
{
	if (c->state == TCP_CLOSED || c->state == TCP_DRAINING || c->state == TCP_LINGER)
		return;
	/* What is buffered is dropped by on_alloc at the next read, not here: drain() can run
	 * inside process_messages (an answer from the cache whose write failed). */
	c->state = TCP_DRAINING;
	if (c->eof)
		uv_read_stop((uv_stream_t *)&c->handle);
	else
		uv_read_start((uv_stream_t *)&c->handle, on_alloc, on_read);
	uv_timer_stop(&c->timer);
	finish_if_written(c);
}

/* RFC 7766 §6.2.3: close an idle connection; one whose answers make no progress for a whole
 * idle period is a client that does not read, and goes too. */
static void on_idle(uv_timer_t *t)
{
	struct tcp_conn *c = t->data;
	if (c->writes && c->progress) {
		c->progress = false;
		uv_timer_again(t);
		return;
	}
	c->w->counters.tcp_idle_closed++;
	conn_close(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct tcp_conn *c = h->data;
	(void)suggested;
	if (c->state == TCP_DRAINING || c->state == TCP_LINGER)
		c->rlen = 0; /* input is discarded: reuse the buffer */
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

static int process_messages(struct tcp_conn *c);

static void on_write(uv_write_t *req, int status)
{
	struct tcp_write *wr = (struct tcp_write *)req;
	struct tcp_conn *c = wr->c;
	c->writes--;
	c->queued -= wr->len;
	free(wr);
	if (c->state == TCP_CLOSED)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	c->progress = true;
	switch (c->state) {
	case TCP_PAUSED:
		if (c->queued >= TCP_QUEUE_LOW)
			break;
		/* Answer what is already buffered before reading more. */
		c->state = TCP_READING;
		if (process_messages(c) < 0) {
			drain(c);
			break;
		}
		/* EOF always moves a connection to DRAINING, so here the client is still open. */
		if (c->state == TCP_READING)
			uv_read_start((uv_stream_t *)&c->handle, on_alloc, on_read);
		break;
	case TCP_DRAINING:
		finish_if_written(c);
		break;
	default:
		break;
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

/* Answer the whole messages in the buffer until the queue passes TCP_QUEUE_HIGH (then the
 * connection pauses with the rest still buffered). -1 when it must stop answering. */
static int process_messages(struct tcp_conn *c)
{
	struct worker *w = c->w;
	struct sockaddr_storage peer;
	int plen = sizeof(peer);
	size_t off = 0;
	int rc = 0;

	if (uv_tcp_getpeername(&c->handle, (struct sockaddr *)&peer, &plen) < 0)
		return -1;
	while (c->rlen - off >= 2) {
		if (c->queued > TCP_QUEUE_HIGH) {
			c->state = TCP_PAUSED;
			uv_read_stop((uv_stream_t *)&c->handle);
			break;
		}
		size_t mlen = wire_read_u16(c->rbuf + off);
		if (mlen == 0) {
			w->counters.tcp_bad_frames++;
			rc = -1;
			break;
		}
		if (c->rlen - off < 2 + mlen)
			break;
		struct reply_to rt = { .transport = RESPOND_TCP, .tcp = c };
		size_t n = worker_answer(w, (struct sockaddr *)&peer, c->rbuf + off + 2, mlen,
					 w->answer, DNS_MAX_MESSAGE, &rt);
		off += 2 + mlen;
		if (c->state != TCP_READING) {
			rc = -1; /* an answer given at once could not be written */
			break;
		}
		/* Only a whole message counts as activity: a client that trickles a byte now
		 * and then cannot hold a connection forever. */
		uv_timer_again(&c->timer);
		if (n && send_answer(c, w->answer, n) < 0) {
			rc = -1;
			break;
		}
	}
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	return rc;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct tcp_conn *c = s->data;
	(void)buf;
	if (c->state == TCP_CLOSED)
		return;
	if (nread < 0) {
		/* EOF or error: the client sends no more; answers already queued still go. */
		c->eof = true;
		uv_read_stop(s);
		if (c->state == TCP_LINGER || (c->writes == 0 && c->pending == 0))
			conn_close(c);
		else if (c->state == TCP_READING)
			drain(c);
		return;
	}
	/* nread 0 is libuv's EAGAIN: keep what is buffered. While draining, on_alloc has already
	 * made this input a throw-away. */
	if (nread == 0 || c->state != TCP_READING)
		return;
	c->rlen += (size_t)nread;
	if (process_messages(c) < 0)
		drain(c);
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
	c->state = TCP_READING;
	c->rcap = TCP_RBUF_INITIAL;
	c->rbuf = malloc(c->rcap);
	uv_tcp_init(&w->loop, &c->handle);
	uv_timer_init(&w->loop, &c->timer);
	c->handle.data = c;
	c->timer.data = c;
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
	uv_timer_start(&c->timer, on_idle, w->cfg->tcp_idle_timeout_ms,
		       w->cfg->tcp_idle_timeout_ms);
	uv_read_start((uv_stream_t *)&c->handle, on_alloc, on_read);
}

void tcp_conn_hold(struct tcp_conn *c)
{
	c->pending++;
}

void tcp_conn_resolved(struct tcp_conn *c, const uint8_t *data, size_t len)
{
	c->pending--;
	if (c->state == TCP_CLOSED) {
		conn_free_if_unused(c);
		return;
	}
	if (data && len && c->state != TCP_LINGER && send_answer(c, data, len) < 0)
		drain(c);
	if (c->state == TCP_DRAINING || (c->eof && c->state != TCP_LINGER))
		finish_if_written(c);
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
		drain(c);
	}
}

void tcp_conns_close(struct worker *w)
{
	while (w->conns)
		conn_close(w->conns);
}
