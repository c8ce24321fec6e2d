/* net_udp — UDP listeners: one datagram in, at most one datagram out (RFC 1035 §4.2.1). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker.h"

/* A reply the kernel could not take at once, queued with its own copy of the bytes. */
struct udp_send {
	uv_udp_send_t req;
	size_t len;
	uint8_t data[];
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct udp_listener *l = h->data;
	(void)suggested;
	*buf = uv_buf_init((char *)l->buf, sizeof(l->buf));
}

static void on_sent(uv_udp_send_t *req, int status)
{
	struct udp_send *s = (struct udp_send *)req;
	struct udp_listener *l = req->handle->data;
	if (status < 0 && status != UV_ECANCELED)
		l->w->counters.udp_send_errors++;
	free(s);
}

static void send_reply(struct udp_listener *l, const uint8_t *data, size_t len,
		       const struct sockaddr *to)
{
	uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
	int r = uv_udp_try_send(&l->handle, &b, 1, to);
	if (r >= 0)
		return;
	if (r != UV_EAGAIN) {
		l->w->counters.udp_send_errors++;
		return;
	}
	/* The socket buffer is full: queue a copy rather than lose the answer. */
	struct udp_send *s = malloc(sizeof(*s) + len);
	if (!s) {
		l->w->counters.udp_send_errors++;
		return;
	}
	memcpy(s->data, data, len);
	s->len = len;
	b = uv_buf_init((char *)s->data, (unsigned)len);
	if (uv_udp_send(&s->req, &l->handle, &b, 1, to, on_sent) < 0) {
		l->w->counters.udp_send_errors++;
		free(s);
	}
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
		    unsigned flags)
{
	struct udp_listener *l = h->data;
	struct worker *w = l->w;
	if (nread < 0) {
		log_debug("UDP receive error: %s", uv_strerror((int)nread));
		return;
	}
	if (!addr)
		return; /* nothing more to read */
	if (flags & UV_UDP_PARTIAL) {
		w->stats.queries++;
		w->stats.dropped++;
		return;
	}
	size_t n = worker_answer(w, addr, RESPOND_UDP, (const uint8_t *)buf->base, (size_t)nread,
				 w->answer, DNS_MAX_MESSAGE);
	if (n)
		send_reply(l, w->answer, n, addr);
}

int udp_listener_start(struct worker *w, struct udp_listener *l, const struct sockaddr *sa)
{
	int r = uv_udp_init(&w->loop, &l->handle);
	if (r < 0)
		return r;
	l->w = w;
	l->handle.data = l;
	l->open = true;
	r = uv_udp_bind(&l->handle, sa, sa->sa_family == AF_INET6 ? UV_UDP_IPV6ONLY : 0);
	return r < 0 ? r : uv_udp_recv_start(&l->handle, on_alloc, on_recv);
}

void udp_listener_close(struct udp_listener *l)
{
	if (!l->open)
		return;
	l->open = false;
	uv_udp_recv_stop(&l->handle);
	uv_close((uv_handle_t *)&l->handle, NULL);
}
