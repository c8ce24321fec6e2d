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

#define UDP_READ_ROUNDS 4   /* recvmmsg calls per wake-up before other handles get a turn */
#define UDP_QUEUE_MAX 1024  /* queued replies per socket; more are dropped and counted */

/* The buffers of one recvmmsg/sendmmsg round. A query larger than UDP_QUERY_MAX is dropped;
 * an answer is at most server.edns-buffer-size (<= 4096) bytes. */
struct udp_batch {
	struct mmsghdr in[UDP_BATCH];
	struct iovec iov_in[UDP_BATCH];
	union udp_control cin[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH]; /* senders; then, compacted, answer targets */
	uint8_t query[UDP_BATCH][UDP_QUERY_MAX];
	struct mmsghdr out[UDP_BATCH];
	struct iovec iov_out[UDP_BATCH];
	union udp_control cout[UDP_BATCH];
	uint8_t answer[UDP_BATCH][UDP_ANSWER_MAX];
};

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

/* Send answers 0..n of the batch; what the kernel cannot take now is queued. */
static void send_batch(struct udp_listener *l, unsigned n)
{
	struct udp_batch *b = l->batch;
	unsigned i = 0;
	while (i < n && !l->queued) {
		int r = sendmmsg(l->fd, b->out + i, n - i, 0);
		if (r > 0) {
			i += (unsigned)r;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			break; /* the rest waits in the queue, in order */
		if (errno != EINTR) {
			/* This one answer cannot go (e.g. no route back): skip it alone. */
			l->w->counters.udp_send_errors++;
			i++;
		}
	}
	for (; i < n; i++) {
		struct msghdr *h = &b->out[i].msg_hdr;
		queue_reply(l, h->msg_iov->iov_base, h->msg_iov->iov_len, &b->from[i],
			    h->msg_namelen, &b->cout[i], h->msg_controllen);
	}
}

/* Read what has arrived, UDP_BATCH datagrams per recvmmsg, answer each, and send the answers
 * of a batch with one sendmmsg: on loopback the per-packet system call is most of the cost. */
static void read_batch(struct udp_listener *l)
{
	struct worker *w = l->w;
	struct udp_batch *b = l->batch;
	for (int round = 0; round < UDP_READ_ROUNDS && l->open; round++) {
		for (unsigned i = 0; i < UDP_BATCH; i++) {
			b->iov_in[i] = (struct iovec){ .iov_base = b->query[i],
						       .iov_len = sizeof(b->query[i]) };
			b->in[i].msg_hdr = (struct msghdr){
				.msg_name = &b->from[i],
				.msg_namelen = sizeof(b->from[i]),
				.msg_iov = &b->iov_in[i],
				.msg_iovlen = 1,
				.msg_control = b->cin[i].buf,
				.msg_controllen = sizeof(b->cin[i].buf),
			};
		}
		int got = recvmmsg(l->fd, b->in, UDP_BATCH, 0, NULL);
		if (got <= 0) {
			if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_debug("UDP receive error: %s", strerror(errno));
			return;
		}
		unsigned n_out = 0;
		for (unsigned i = 0; i < (unsigned)got && l->open; i++) {
			struct msghdr *in = &b->in[i].msg_hdr;
			if (in->msg_flags & MSG_TRUNC) {
				/* Larger than any query deserves: dropped and counted. */
				w->stats.queries++;
				w->stats.dropped++;
				continue;
			}
			/* Answers are built in slot n_out <= i: the addresses of datagram i move
			 * there with them. */
			struct reply_to rt = { .transport = RESPOND_UDP, .udp = l,
					       .peer = b->from[i], .peerlen = in->msg_namelen };
			rt.controllen = reply_control(in, &rt.control);
			size_t len = worker_answer(w, (struct sockaddr *)&rt.peer, b->query[i],
						   b->in[i].msg_len, b->answer[n_out],
						   sizeof(b->answer[n_out]), &rt);
			if (!len)
				continue;
			b->from[n_out] = rt.peer;
			b->cout[n_out] = rt.control;
			b->iov_out[n_out] = (struct iovec){ .iov_base = b->answer[n_out],
							    .iov_len = len };
			b->out[n_out].msg_hdr = (struct msghdr){
				.msg_name = &b->from[n_out],
				.msg_namelen = rt.peerlen,
				.msg_iov = &b->iov_out[n_out],
				.msg_iovlen = 1,
				.msg_control = rt.controllen ? b->cout[n_out].buf : NULL,
				.msg_controllen = rt.controllen,
			};
			n_out++;
		}
		if (n_out && l->open)
			send_batch(l, n_out);
		if ((unsigned)got < UDP_BATCH)
			return; /* the socket is drained */
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

int udp_listener_start(struct worker *w, struct udp_listener *l, const struct sockaddr *sa,
		       bool reuseport)
{
	int on = 1, fam = sa->sa_family;
	l->w = w;
	l->family = fam;
	l->batch = malloc(sizeof(*l->batch));
	if (!l->batch)
		return UV_ENOMEM;
	l->fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		free(l->batch);
		l->batch = NULL;
		return uv_translate_sys_error(errno);
	}
	/* Only a wildcard bind needs the packet info: a socket bound to one address always
	 * replies from it, and sending without a control message spares the kernel a route
	 * lookup per answer. */
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	bool wildcard = fam == AF_INET ? sin->sin_addr.s_addr == htonl(INADDR_ANY)
				       : IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
	bool ok = fam == AF_INET
			  ? !wildcard ||
				    setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == 0
			  : setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == 0 &&
				    (!wildcard || setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO,
							     &on, sizeof(on)) == 0);
	/* Several workers bind the same address; the kernel spreads clients by their address
	 * and port, so one client's queries stay with one worker. Only then: with a single
	 * worker, another process must not be able to share the port unnoticed. */
	if (ok && reuseport)
		ok = setsockopt(l->fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == 0;
	socklen_t salen = fam == AF_INET ? sizeof(struct sockaddr_in)
					 : sizeof(struct sockaddr_in6);
	if (!ok || bind(l->fd, sa, salen) < 0) {
		int e = uv_translate_sys_error(errno);
		close(l->fd);
		l->fd = -1;
		free(l->batch);
		l->batch = NULL;
		return e;
	}
	int r = uv_poll_init_socket(&w->loop, &l->poll, l->fd);
	if (r < 0) {
		close(l->fd);
		l->fd = -1;
		free(l->batch);
		l->batch = NULL;
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
	free(l->batch);
	l->batch = NULL;
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
