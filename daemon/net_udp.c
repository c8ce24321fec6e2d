/*
 * net_udp — UDP listeners: one datagram in, at most one datagram out (RFC 1035 §4.2.1).
 *
 * Sockets are ours, watched with uv_poll: recvmsg reads the destination address of each query
 * (IP_PKTINFO, RFC 3542 IPV6_RECVPKTINFO) and sendmsg answers from that same address, so a
 * listener bound to 0.0.0.0 or :: never replies from another address than the one the client
 * asked (clients drop such replies). Replies go straight from the worker's scratch buffer;
 * only when the kernel's buffer is full is a copy queued, up to UDP_QUEUE_MAX.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define UDP_READ_BATCH 64   /* datagrams per wake-up before other handles get a turn */
#define UDP_QUEUE_MAX 1024  /* queued replies per socket; more are dropped and counted */

/* A reply waiting for the socket to become writable. */
struct udp_queued {
	struct udp_queued *next;
	struct sockaddr_storage to;
	socklen_t tolen;
	union udp_control control;
	size_t controllen;
	size_t len;
	uint8_t data[];
};

/* Turn the received packet info into the one that picks our reply's source address. */
static size_t reply_control(const struct msghdr *in, union udp_control *out)
{
	if (CMSG_SPACE(sizeof(struct in6_pktinfo)) > sizeof(out->buf))
		return 0; /* cannot happen on Linux; replies then leave from the routed address */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c; c = CMSG_NXTHDR((struct msghdr *)in, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct in_pktinfo reply = { .ipi_ifindex = 0, .ipi_spec_dst = pi.ipi_addr };
			struct cmsghdr *o = (struct cmsghdr *)out->buf;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(reply));
			memcpy(CMSG_DATA(o), &reply, sizeof(reply));
			return CMSG_SPACE(sizeof(reply));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct cmsghdr *o = (struct cmsghdr *)out->buf;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi)); /* same address and interface */
			return CMSG_SPACE(sizeof(pi));
		}
	}
	return 0;
}

static int send_one(int fd, const uint8_t *data, size_t len, const struct sockaddr_storage *to,
		    socklen_t tolen, union udp_control *control, size_t controllen)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)to,
		.msg_namelen = tolen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = controllen ? control->buf : NULL,
		.msg_controllen = controllen,
	};
	return sendmsg(fd, &msg, 0) < 0 ? -errno : 0;
}

static void on_poll(uv_poll_t *h, int status, int events);

static void queue_reply(struct udp_listener *l, const uint8_t *data, size_t len,
			const struct sockaddr_storage *to, socklen_t tolen,
			const union udp_control *control, size_t controllen)
{
	struct udp_queued *q = l->queued < UDP_QUEUE_MAX ? malloc(sizeof(*q) + len) : NULL;
	if (!q) {
		l->w->counters.udp_send_errors++;
		return;
	}
	q->next = NULL;
	q->to = *to;
	q->tolen = tolen;
	q->control = *control;
	q->controllen = controllen;
	q->len = len;
	memcpy(q->data, data, len);
	if (l->queue_tail)
		l->queue_tail->next = q;
	else
		l->queue_head = q;
	l->queue_tail = q;
	if (l->queued++ == 0)
		uv_poll_start(&l->poll, UV_READABLE | UV_WRITABLE, on_poll);
}

static void flush_queue(struct udp_listener *l)
{
	while (l->queue_head) {
		struct udp_queued *q = l->queue_head;
		int r = send_one(l->fd, q->data, q->len, &q->to, q->tolen, &q->control,
				 q->controllen);
		if (r == -EAGAIN || r == -EWOULDBLOCK || r == -ENOBUFS)
			return;
		if (r < 0)
			l->w->counters.udp_send_errors++;
		l->queue_head = q->next;
		if (!l->queue_head)
			l->queue_tail = NULL;
		l->queued--;
		free(q);
	}
	uv_poll_start(&l->poll, UV_READABLE, on_poll);
}

static void read_batch(struct udp_listener *l)
{
	struct worker *w = l->w;
	for (int i = 0; i < UDP_READ_BATCH && l->open; i++) {
		struct sockaddr_storage from;
		union udp_control cin;
		struct iovec iov = { .iov_base = l->buf, .iov_len = sizeof(l->buf) };
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cin.buf,
			.msg_controllen = sizeof(cin.buf),
		};
		ssize_t n = recvmsg(l->fd, &msg, 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_debug("UDP receive error: %s", strerror(errno));
			return;
		}
		if (msg.msg_flags & MSG_TRUNC) {
			w->stats.queries++;
			w->stats.dropped++;
			continue;
		}
		struct reply_to rt = { .transport = RESPOND_UDP, .udp = l, .peer = from,
				       .peerlen = msg.msg_namelen };
		rt.controllen = reply_control(&msg, &rt.control);
		size_t len = worker_answer(w, (struct sockaddr *)&from, l->buf, (size_t)n,
					   w->answer, DNS_MAX_MESSAGE, &rt);
		if (len)
			udp_listener_reply(l, w->answer, len, &from, msg.msg_namelen, &rt.control,
					   rt.controllen);
	}
}

void udp_listener_reply(struct udp_listener *l, const uint8_t *data, size_t len,
			const struct sockaddr_storage *to, socklen_t tolen,
			const union udp_control *control, size_t controllen)
{
	if (!l->open)
		return;
	if (l->queued) {
		/* keep replies in order behind the ones already waiting */
		queue_reply(l, data, len, to, tolen, control, controllen);
		return;
	}
	int r = send_one(l->fd, data, len, to, tolen, (union udp_control *)control, controllen);
	if (r == -EAGAIN || r == -EWOULDBLOCK || r == -ENOBUFS)
		queue_reply(l, data, len, to, tolen, control, controllen);
	else if (r < 0)
		l->w->counters.udp_send_errors++;
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct udp_listener *l = h->data;
	if (status < 0) {
		log_debug("UDP poll error: %s", uv_strerror(status));
		return;
	}
	if (events & UV_WRITABLE)
		flush_queue(l);
	if (events & UV_READABLE)
		read_batch(l);
}

int udp_listener_start(struct worker *w, struct udp_listener *l, const struct sockaddr *sa)
{
	int on = 1, fam = sa->sa_family;
	l->w = w;
	l->family = fam;
	l->fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return uv_translate_sys_error(errno);
	bool ok = fam == AF_INET
			  ? setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == 0
			  : setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == 0 &&
				    setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
					       sizeof(on)) == 0;
	socklen_t salen = fam == AF_INET ? sizeof(struct sockaddr_in)
					 : sizeof(struct sockaddr_in6);
	if (!ok || bind(l->fd, sa, salen) < 0) {
		int e = uv_translate_sys_error(errno);
		close(l->fd);
		l->fd = -1;
		return e;
	}
	int r = uv_poll_init_socket(&w->loop, &l->poll, l->fd);
	if (r < 0) {
		close(l->fd);
		l->fd = -1;
		return r;
	}
	l->poll.data = l;
	l->open = true;
	return uv_poll_start(&l->poll, UV_READABLE, on_poll);
}

static void on_closed(uv_handle_t *h)
{
	struct udp_listener *l = h->data;
	close(l->fd);
	l->fd = -1;
	while (l->queue_head) {
		struct udp_queued *q = l->queue_head;
		l->queue_head = q->next;
		free(q);
	}
	l->queue_tail = NULL;
	l->queued = 0;
}

void udp_listener_close(struct udp_listener *l)
{
	if (!l->open)
		return;
	l->open = false;
	/* Replies still queued get one last try: the stop is graceful. */
	if (l->queued)
		flush_queue(l);
	uv_poll_stop(&l->poll);
	uv_close((uv_handle_t *)&l->poll, on_closed);
}
