/* worker — the loop that owns listeners and answers (see worker.h). */
#include "worker.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "control.h"
#include "log.h"
#include "mesh.h"

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

/* TTLs follow the wall clock, read through libc so that libfaketime can move it. */
static int64_t env_wall_now(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static uint64_t env_mono_ms(void *ctx)
{
	(void)ctx;
	return uv_hrtime() / 1000000u;
}

/* The kernel's CSPRNG, fetched in small batches. */
static void env_random(void *ctx, void *buf, size_t len)
{
	struct worker *w = ctx;
	uint8_t *out = buf;
	while (len) {
		if (w->random_left == 0) {
			size_t got = 0;
			while (got < sizeof(w->random_pool)) {
				ssize_t n = getrandom(w->random_pool + got,
						      sizeof(w->random_pool) - got, 0);
				if (n > 0)
					got += (size_t)n;
			}
			w->random_left = sizeof(w->random_pool);
		}
		size_t n = len < w->random_left ? len : w->random_left;
		memcpy(out, w->random_pool + sizeof(w->random_pool) - w->random_left, n);
		w->random_left -= n;
		out += n;
		len -= n;
	}
}

static void trace_line(void *ctx, const char *line)
{
	(void)ctx;
	log_debug("%s", line);
}

/* The message cache's part of cache.size; the RRset cache has the rest. */
static size_t msgcache_bytes(const struct cairn_config *cfg)
{
	return (size_t)cfg->cache_size / WORKER_MSGCACHE_SHARE;
}

static struct rrcache_limits cache_limits(const struct cairn_config *cfg)
{
	size_t msgs = msgcache_bytes(cfg);
	return (struct rrcache_limits){ .max_bytes = (size_t)cfg->cache_size - msgs,
					.max_ttl = cfg->cache_max_ttl_ms / 1000,
					.min_ttl = cfg->cache_min_ttl_ms / 1000,
					.neg_max_ttl = cfg->cache_neg_max_ttl_ms / 1000 };
}

static uint32_t stale_window(const struct cairn_config *cfg)
{
	return cfg->serve_stale ? cfg->stale_max_age_ms / 1000 : 0;
}

int worker_shared_init(struct worker_shared *sh, const struct cairn_config *cfg)
{
	struct rrcache_limits lim = cache_limits(cfg);
	sh->cache = rrcache_new(&lim);
	sh->msgs = msgcache_new(msgcache_bytes(cfg), stale_window(cfg));
	sh->nsec = nseccache_new(WORKER_NSEC_RECORDS);
	if (!sh->cache || !sh->msgs || !sh->nsec) {
		worker_shared_free(sh);
		return -1;
	}
	return 0;
}

void worker_shared_free(struct worker_shared *sh)
{
	rrcache_free(sh->cache);
	msgcache_free(sh->msgs);
	nseccache_free(sh->nsec);
	sh->cache = NULL;
	sh->msgs = NULL;
	sh->nsec = NULL;
}

void worker_shared_apply_config(struct worker_shared *sh, const struct cairn_config *old,
				const struct cairn_config *cfg)
{
	struct rrcache_limits lim = cache_limits(cfg);
	rrcache_set_limits(sh->cache, &lim);
	msgcache_set_limits(sh->msgs, msgcache_bytes(cfg), stale_window(cfg));
	/* Whole answers carry the TTLs the old caps allowed: new caps start them afresh (they
	 * are rebuilt from the RRsets, which keep their expiry). Other changes leave them: local
	 * zones are looked at before the message cache, and stale answers survive a reload. */
	if (old->cache_max_ttl_ms != cfg->cache_max_ttl_ms ||
	    old->cache_min_ttl_ms != cfg->cache_min_ttl_ms ||
	    old->cache_neg_max_ttl_ms != cfg->cache_neg_max_ttl_ms)
		msgcache_flush(sh->msgs);
	/* What validation found was found under the old trust anchors, negative anchors and
	 * switch: with others, none of it may stand (an AD, a bogus mark, a proven span).
	 * Answers kept per view and per forward rule (cache partition) were decided by the old
	 * VPCs and rules, whose numbering a new policy may give to others. */
	if (old->dnssec_validation != cfg->dnssec_validation ||
	    !anchors_equal(&old->anchors, &cfg->anchors) ||
	    old->policy_digest != cfg->policy_digest) {
		rrcache_flush(sh->cache, RRCACHE_FLUSH_ALL, NULL);
		msgcache_flush(sh->msgs);
		nseccache_flush(sh->nsec);
	}
}

static bool any_vpc_validates(const struct cairn_config *cfg)
{
	for (size_t i = 0; i < cfg->n_vpcs; i++)
		if (cfg->vpcs[i].dnssec)
			return true;
	return false;
}

void worker_apply_config(struct worker *w, const struct cairn_config *cfg)
{
	w->cfg = cfg;
	struct resolve_opts *o = &w->resolver.opts;
	o->qname_minimisation = cfg->qname_minimisation;
	o->use_0x20 = cfg->use_0x20;
	o->harden_glue = cfg->harden_glue;
	o->addr.ipv4 = cfg->rec_ipv4;
	o->addr.ipv6 = cfg->rec_ipv6;
	o->addr.query_loopback = cfg->query_loopback;
	o->request_timeout_ms = cfg->request_timeout_ms;
	o->max_queries = cfg->max_queries;
	o->max_referrals = cfg->max_referrals;
	o->max_glueless = cfg->max_glueless;
	o->max_depth = cfg->max_glueless_depth;
	o->max_cname = cfg->max_cname;
	/* DO=1 upstream when any view validates: RRSIGs are then cached for every view, and a
	 * view that does not validate resolves as with CD=1 (resolve_set_view). */
	o->dnssec = cfg->recursion && (cfg->dnssec_validation || any_vpc_validates(cfg));
	o->sig_skew = cfg->sig_skew_ms / 1000;
	o->bogus_ttl = cfg->bogus_ttl_ms / 1000;
	o->aggressive_nsec = cfg->aggressive_nsec;
	w->resolver.anchors = &cfg->anchors;
	/* The state machine's trace costs a formatted line per step: only at debug level. */
	w->resolver.trace = cfg->log_level >= LOG_DEBUG ? trace_line : NULL;
	/* Requests read the hints only while they run a step, never across a reload. */
	w->resolver.hints = &cfg->root_hints;
	/* Requests in flight keep their view, taken from the new policy. */
	if (w->mesh)
		mesh_rebind(w->mesh, cfg);
}

int worker_start(struct worker *w, const struct cairn_config *cfg, struct worker_shared *sh,
		 bool reuseport)
{
	w->env = (struct cairn_env){ .wall_now = env_wall_now, .mono_ms = env_mono_ms,
				     .random = env_random, .ctx = w };
	w->shared = sh;
	w->resolver.env = &w->env;
	w->resolver.cache = sh->cache;
	w->resolver.nsec = sh->nsec;
	w->resolver.servers = servers_new(WORKER_SERVERS_MAX);
	w->mesh = mesh_new(w);
	if (!w->resolver.servers || !w->mesh) {
		log_error("out of memory");
		return -1;
	}
	worker_apply_config(w, cfg);
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
		int r = udp_listener_start(w, &w->udp[i], (struct sockaddr *)&ss, reuseport);
		if (r < 0) {
			log_error("cannot listen on UDP %s: %s", name, uv_strerror(r));
			return -1;
		}
		if (w->index != 0)
			continue; /* TCP is served by worker 0 alone */
		r = tcp_listener_start(w, &w->tcp[i], (struct sockaddr *)&ss);
		if (r < 0) {
			log_error("cannot listen on TCP %s: %s", name, uv_strerror(r));
			return -1;
		}
		log_info("listening on %s (UDP and TCP)", name);
	}
	if (cfg->recursion && cfg->prime_root && w->index == 0 &&
	    !policy_forwards_everything(&cfg->policy))
		mesh_prime(w->mesh);
	return 0;
}

void worker_free(struct worker *w)
{
	mesh_free(w->mesh);
	w->mesh = NULL;
	w->resolver.cache = NULL; /* shared: main frees it */
	servers_free(w->resolver.servers);
	w->resolver.servers = NULL;
	free(w->udp);
	free(w->tcp);
	w->udp = NULL;
	w->tcp = NULL;
}

void worker_stop(struct worker *w)
{
	if (w->stopping)
		return;
	w->stopping = true;
	if (w->mesh)
		mesh_stop(w->mesh);
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

void worker_respond_ctx(const struct worker *w, struct respond_ctx *ctx)
{
	const struct cairn_config *cfg = w->cfg;
	*ctx = (struct respond_ctx){
		.access = &cfg->access,
		.policy = &cfg->policy,
		.view = &cfg->policy.views[0],
		.edns_buffer_size = (uint16_t)cfg->edns_buffer_size,
		.recursion = cfg->recursion,
		.msgs = w->shared ? w->shared->msgs : NULL,
		.prefetch = cfg->prefetch,
		.now = env_wall_now(NULL),
	};
}

void worker_hold(struct worker *w, const struct reply_to *rt)
{
	(void)w;
	if (rt->transport == RESPOND_TCP && rt->tcp)
		tcp_conn_hold(rt->tcp);
}

void worker_reply(struct worker *w, const struct reply_to *rt, const uint8_t *data, size_t len)
{
	if (rt->done) {
		rt->done(rt->done_ctx, data, len);
		return;
	}
	if (rt->transport == RESPOND_TCP) {
		tcp_conn_resolved(rt->tcp, len ? data : NULL, len);
		return;
	}
	if (len && !w->stopping)
		udp_listener_reply(rt->udp, data, len, &rt->peer, rt->peerlen, &rt->control,
				   rt->controllen);
}

const struct netaddr *worker_outgoing(const struct worker *w, int family)
{
	for (size_t i = 0; i < w->cfg->n_outgoing; i++)
		if (w->cfg->outgoing[i].family == family)
			return &w->cfg->outgoing[i];
	return NULL;
}

size_t worker_answer(struct worker *w, const struct sockaddr *peer, const uint8_t *pkt,
		     size_t len, uint8_t *out, size_t cap, const struct reply_to *rt)
{
	struct respond_ctx ctx;
	worker_respond_ctx(w, &ctx);
	struct respond_client client = { .family = peer->sa_family, .transport = rt->transport };
	if (peer->sa_family == AF_INET)
		client.addr = (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
	else if (peer->sa_family == AF_INET6)
		client.addr = (const uint8_t *)&((const struct sockaddr_in6 *)peer)->sin6_addr;
	else
		return 0;
	bool resolve = false;
	struct wire_query q;
	ctx.view = NULL; /* the client's address chooses it */
	size_t n = respond_to_query(&ctx, &client, pkt, len, out, cap, &w->stats, &resolve, &q);
	if (!resolve)
		return n;
	if (n) {
		/* Answered from the message cache, near the end of its TTL: refresh it. */
		if (!w->stopping)
			mesh_prefetch(w->mesh, &q, ctx.view);
		return n;
	}
	if (w->stopping)
		return respond_servfail(&ctx, rt->transport, &q, EDE_NOT_READY,
					"cairnd is shutting down", out, cap, &w->stats);
	mesh_submit(w->mesh, &q, ctx.view, rt);
	return 0;
}

void worker_counts(const struct worker *w, struct worker_counts *out)
{
	memset(out, 0, sizeof(*out));
	out->answers = w->stats;
	out->net = w->counters;
	out->resolve = w->resolver.stats;
	if (w->mesh) {
		out->mesh = *mesh_counters(w->mesh);
		out->in_flight = mesh_size(w->mesh);
	}
	out->tcp_clients = w->n_conns;
}

void worker_counts_add(struct worker_counts *sum, const struct worker_counts *more)
{
	/* Every member is a uint64_t counter, so the sum goes word by word. */
	_Static_assert(sizeof(struct worker_counts) % sizeof(uint64_t) == 0,
		       "worker_counts holds only uint64_t counters");
	uint64_t a[sizeof(*sum) / sizeof(uint64_t)], b[sizeof(*sum) / sizeof(uint64_t)];
	memcpy(a, sum, sizeof(a));
	memcpy(b, more, sizeof(b));
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		a[i] += b[i];
	memcpy(sum, a, sizeof(a));
}

size_t worker_stats(const struct worker_counts *c, struct worker_shared *sh,
		    const struct cairn_config *cfg, struct control_stat *out, size_t cap)
{
	const struct respond_stats *s = &c->answers;
	const struct worker_counters *wc = &c->net;
	const struct resolve_stats *r = &c->resolve;
	const struct mesh_counters *mc = &c->mesh;
	struct rrcache_stats cs = { 0 };
	struct msgcache_stats ms = { 0 };
	if (sh && sh->cache)
		rrcache_get_stats(sh->cache, &cs);
	if (sh && sh->msgs)
		msgcache_get_stats(sh->msgs, &ms);
	const struct control_stat all[] = {
		{ "queries", s->queries },
		{ "noerror", s->noerror },
		{ "nxdomain", s->nxdomain },
		{ "servfail", s->servfail },
		{ "refused", s->refused },
		{ "formerr", s->formerr },
		{ "notimp", s->notimp },
		{ "badvers", s->badvers },
		{ "truncated", s->truncated },
		{ "dropped", s->dropped },
		{ "udp-send-errors", wc->udp_send_errors },
		{ "tcp-clients", c->tcp_clients },
		{ "tcp-accepted", wc->tcp_accepted },
		{ "tcp-rejected", wc->tcp_rejected },
		{ "tcp-idle-closed", wc->tcp_idle_closed },
		{ "tcp-bad-frames", wc->tcp_bad_frames },
		{ "requests", r->requests },
		{ "requests-in-flight", c->in_flight },
		{ "requests-servfail", r->servfail },
		{ "dnssec-bogus", r->bogus },
		{ "aggressive-nsec", r->aggressive_nsec },
		{ "joined", mc->joined },
		{ "overload", mc->overload },
		{ "hint-fallbacks", r->hint_fallbacks },
		{ "upstream-udp", r->sent_udp },
		{ "upstream-tcp", r->sent_tcp },
		{ "upstream-shared", mc->shared },
		{ "upstream-timeouts", r->timeouts },
		{ "upstream-send-errors", mc->send_errors },
		{ "upstream-mismatched", r->mismatched },
		{ "glue-dropped", r->glue_dropped },
		{ "case-fallbacks", r->case_fallbacks },
		{ "edns-fallbacks", r->edns_fallbacks },
		{ "cache-entries", cs.entries },
		{ "cache-bytes", cs.bytes },
		{ "cache-max-bytes", cfg->cache_size },
		{ "cache-hits", cs.hits },
		{ "cache-misses", cs.misses },
		{ "cache-evictions", cs.evictions },
		{ "cache-lock-waits", cs.lock_waits },
		{ "msgcache-entries", ms.entries },
		{ "msgcache-bytes", ms.bytes },
		{ "msgcache-hits", ms.hits },
		{ "msgcache-misses", ms.misses },
		{ "msgcache-evictions", ms.evictions },
		{ "msgcache-lock-waits", ms.lock_waits },
		{ "answers-from-msgcache", s->fast },
		{ "answers-stale", s->stale },
		{ "prefetches", s->prefetch },
	};
	size_t n = sizeof(all) / sizeof(all[0]);
	if (n > cap)
		n = cap;
	memcpy(out, all, n * sizeof(all[0]));
	return n;
}

void worker_log_stats(const struct worker_counts *c, struct worker_shared *sh,
		      const struct cairn_config *cfg)
{
	struct control_stat st[WORKER_STATS_MAX];
	size_t n = worker_stats(c, sh, cfg, st, WORKER_STATS_MAX);
	char line[4096];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(line); i++) {
		int k = snprintf(line + len, sizeof(line) - len, "%s%s=%llu", i ? " " : "",
				 st[i].key, (unsigned long long)st[i].value);
		if (k > 0)
			len += (size_t)k;
	}
	log_info("stats: %s", line);
}
