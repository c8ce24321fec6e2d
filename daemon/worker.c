/* worker — the loop that owns listeners and answers (see worker.h). */
#include "worker.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void netaddr_to_sockaddr(const struct netaddr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(a->port);
		memcpy(&s->sin_addr, a->addr, 4);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(a->port);
		memcpy(&s->sin6_addr, a->addr, 16);
	}
}

int worker_start(struct worker *w, const struct cairn_config *cfg)
{
	w->cfg = cfg;
	w->n_listeners = cfg->n_listen;
	w->udp = calloc(cfg->n_listen, sizeof(*w->udp));
	w->tcp = calloc(cfg->n_listen, sizeof(*w->tcp));
	if (!w->udp || !w->tcp) {
		log_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_listen; i++) {
		char name[80];
		struct sockaddr_storage ss;
		netaddr_format(&cfg->listen[i], name, sizeof(name));
		netaddr_to_sockaddr(&cfg->listen[i], &ss);
		int r = udp_listener_start(w, &w->udp[i], (struct sockaddr *)&ss);
		if (r < 0) {
			log_error("cannot listen on UDP %s: %s", name, uv_strerror(r));
			return -1;
		}
		r = tcp_listener_start(w, &w->tcp[i], (struct sockaddr *)&ss);
		if (r < 0) {
			log_error("cannot listen on TCP %s: %s", name, uv_strerror(r));
			return -1;
		}
		log_info("listening on %s (UDP and TCP)", name);
	}
	return 0;
}

void worker_stop(struct worker *w)
{
	if (w->stopping)
		return;
	w->stopping = true;
	for (size_t i = 0; i < w->n_listeners; i++) {
		udp_listener_close(&w->udp[i]);
		tcp_listener_close(&w->tcp[i]);
	}
	tcp_conns_stop(w);
}

void worker_force_close(struct worker *w)
{
	tcp_conns_close(w);
}

size_t worker_answer(struct worker *w, const struct sockaddr *peer, enum respond_transport t,
		     const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	const struct cairn_config *cfg = w->cfg;
	struct respond_ctx ctx = {
		.access = &cfg->access,
		.zones = &cfg->zoneset,
		.edns_buffer_size = (uint16_t)cfg->edns_buffer_size,
	};
	struct respond_client client = { .family = peer->sa_family, .transport = t };
	if (peer->sa_family == AF_INET)
		client.addr = (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
	else if (peer->sa_family == AF_INET6)
		client.addr = (const uint8_t *)&((const struct sockaddr_in6 *)peer)->sin6_addr;
	else
		return 0;
	return respond_to_query(&ctx, &client, pkt, len, out, cap, &w->stats);
}

void worker_log_stats(const struct worker *w)
{
	const struct respond_stats *s = &w->stats;
	const struct worker_counters *c = &w->counters;
	log_info("stats: queries=%llu noerror=%llu nxdomain=%llu servfail=%llu refused=%llu "
		 "formerr=%llu notimp=%llu badvers=%llu truncated=%llu dropped=%llu "
		 "udp-send-errors=%llu tcp-accepted=%llu tcp-rejected=%llu tcp-idle-closed=%llu "
		 "tcp-bad-frames=%llu",
		 (unsigned long long)s->queries, (unsigned long long)s->noerror,
		 (unsigned long long)s->nxdomain, (unsigned long long)s->servfail,
		 (unsigned long long)s->refused, (unsigned long long)s->formerr,
		 (unsigned long long)s->notimp, (unsigned long long)s->badvers,
		 (unsigned long long)s->truncated, (unsigned long long)s->dropped,
		 (unsigned long long)c->udp_send_errors, (unsigned long long)c->tcp_accepted,
		 (unsigned long long)c->tcp_rejected, (unsigned long long)c->tcp_idle_closed,
		 (unsigned long long)c->tcp_bad_frames);
}
