/* mesh — client questions being resolved, and who waits for them (see mesh.h). */
#include "mesh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lib/util/hash.h"
#include "log.h"
#include "upstream.h"
#include "worker.h"

#define MESH_BUCKETS 4096 /* hash chains; the in-flight limit bounds their length */
#define EXCHANGE_BUCKETS 1024

struct waiter {
	struct waiter *next;
	struct wire_query q;          /* for the ID, letter case and EDNS of the answer */
	struct reply_to rt;
};

struct mesh_entry;

/* One upstream query in flight and the requests waiting for its response: the first one
 * sent it, the others produced the identical question meanwhile. */
struct exchange {
	struct exchange *hnext;       /* hash chain */
	uint32_t hash;
	struct netaddr server;
	enum resolve_transport transport;
	uint8_t qname[WIRE_NAME_MAX]; /* canonical */
	uint16_t qtype;
	bool rd;                      /* a forwarded question (RD=1) is another exchange */
	struct upstream_q *uq;
	struct mesh *m;
	struct mesh_entry *first;     /* waiting requests, linked by ex_next */
	struct mesh_entry *last;
};

struct mesh_entry {
	struct mesh *m;
	struct mesh_entry *hnext;     /* hash chain */
	struct mesh_entry *prev, *next; /* every entry, for stopping */
	uint32_t hash;
	uint8_t qname[WIRE_NAME_MAX]; /* canonical */
	uint16_t qtype;
	struct resolve_req *req;
	struct exchange *ex;          /* the exchange it waits on, or NULL */
	struct mesh_entry *ex_next;   /* next request waiting on the same exchange */
	struct waiter *waiters;
	size_t n_waiters;
	bool cd;                      /* checking disabled (RFC 4035 §3.2.2): not validated */
	uint32_t view_index;          /* the view it was asked in (part of the key) */
	const struct policy_view *view; /* that view in the current config */
	uint8_t store;                /* bit 1 << (MSGCACHE_DO|CD flags): message cache keys
				       * the result is stored under (none for priming) */
};

struct mesh {
	struct worker *w;
	struct mesh_entry *buckets[MESH_BUCKETS];
	struct mesh_entry *all;
	struct exchange *exchanges[EXCHANGE_BUCKETS];
	size_t count;                 /* entries */
	size_t waiting;               /* clients waiting, over all entries */
	struct mesh_counters c;
};

static uint32_t key_hash(const uint8_t *name, uint16_t type, bool cd, uint32_t view)
{
	const uint8_t rest[7] = { (uint8_t)(type >> 8), (uint8_t)type, cd,
				  (uint8_t)(view >> 24), (uint8_t)(view >> 16), (uint8_t)(view >> 8),
				  (uint8_t)view };
	uint32_t h = hash_fnv1a(HASH_FNV_BASIS, name, wire_name_len(name));
	return hash_fnv1a(h, rest, sizeof(rest));
}

struct mesh *mesh_new(struct worker *w)
{
	struct mesh *m = calloc(1, sizeof(*m));
	if (m)
		m->w = w;
	return m;
}

size_t mesh_size(const struct mesh *m)
{
	return m->count;
}

const struct mesh_counters *mesh_counters(const struct mesh *m)
{
	return &m->c;
}

/* Questions join only a request of the same name, type, CD and view: a CD=1 client wants
 * the data even when it does not validate, the others must not get it then; another view
 * may have other rules for the name. */
static struct mesh_entry *find(struct mesh *m, const uint8_t *name, uint16_t type, bool cd,
			       uint32_t view, uint32_t h)
{
	for (struct mesh_entry *e = m->buckets[h % MESH_BUCKETS]; e; e = e->hnext)
		if (e->hash == h && e->qtype == type && e->cd == cd && e->view_index == view &&
		    wire_name_equal(e->qname, name))
			return e;
	return NULL;
}

static void unlink_entry(struct mesh *m, struct mesh_entry *e)
{
	struct mesh_entry **p = &m->buckets[e->hash % MESH_BUCKETS];
	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		m->all = e->next;
	if (e->next)
		e->next->prev = e->prev;
	m->count--;
}

/* The canonical question of a query we built (header, then one uncompressed name). */
static bool query_question(const struct resolve_query *rq, uint8_t *qname, uint16_t *qtype)
{
	size_t pos = DNS_HEADER_SIZE;
	int n = wire_name_len_bounded(rq->pkt + pos, rq->len - pos);
	if (n < 0 || pos + (size_t)n + 4 > rq->len)
		return false;
	memcpy(qname, rq->pkt + pos, (size_t)n);
	wire_name_lower(qname);
	*qtype = wire_read_u16(rq->pkt + pos + (size_t)n);
	return true;
}

static bool query_rd(const struct resolve_query *rq)
{
	return rq->len > 3 && (wire_read_u16(rq->pkt + 2) & DNS_FLAG_RD);
}

static uint32_t exchange_hash(const struct netaddr *server, enum resolve_transport t,
			      const uint8_t *qname, uint16_t qtype)
{
	const uint8_t rest[3] = { (uint8_t)(server->port >> 8), (uint8_t)server->port, (uint8_t)t };
	uint32_t h = hash_fnv1a(key_hash(qname, qtype, false, 0), server->addr,
				sizeof(server->addr));
	return hash_fnv1a(h, rest, sizeof(rest));
}

static struct exchange *exchange_find(struct mesh *m, const struct resolve_query *rq,
				      const uint8_t *qname, uint16_t qtype, uint32_t h)
{
	for (struct exchange *x = m->exchanges[h % EXCHANGE_BUCKETS]; x; x = x->hnext)
		if (x->hash == h && x->qtype == qtype && x->transport == rq->transport &&
		    x->rd == query_rd(rq) &&
		    netaddr_equal(&x->server, &rq->server) && wire_name_equal(x->qname, qname))
			return x;
	return NULL;
}

static void exchange_unlink(struct exchange *x)
{
	struct exchange **p = &x->m->exchanges[x->hash % EXCHANGE_BUCKETS];
	while (*p && *p != x)
		p = &(*p)->hnext;
	if (*p)
		*p = x->hnext;
}

/* A request stops waiting (it finished or the daemon stops). If it sent the query, the
 * next waiting request inherits the exchange; the last one out cancels the query. */
static void exchange_leave(struct mesh_entry *e)
{
	struct exchange *x = e->ex;
	if (!x)
		return;
	struct mesh_entry **p = &x->first, *prev = NULL;
	while (*p && *p != e) {
		prev = *p;
		p = &(*p)->ex_next;
	}
	if (*p)
		*p = e->ex_next;
	if (x->last == e)
		x->last = prev;
	e->ex = NULL;
	e->ex_next = NULL;
	if (!x->first) {
		exchange_unlink(x);
		upstream_cancel(x->uq);
		free(x);
	}
}

static void on_upstream(void *owner, enum upstream_event ev, const struct netaddr *from,
			const uint8_t *pkt, size_t len, const char *err);

/* Send rq for e, or join the identical query already in flight. 0, or -1 with err set. */
static int exchange_join(struct mesh_entry *e, const struct resolve_query *rq, char *err,
			 size_t errlen)
{
	struct mesh *m = e->m;
	uint8_t qname[WIRE_NAME_MAX];
	uint16_t qtype;
	if (!query_question(rq, qname, &qtype)) {
		snprintf(err, errlen, "unreadable query");
		return -1;
	}
	uint32_t h = exchange_hash(&rq->server, rq->transport, qname, qtype);
	struct exchange *x = exchange_find(m, rq, qname, qtype, h);
	/* Waiting longer than this request would wait for its own query could carry it past its
	 * request-timeout: then it sends its own. */
	if (x && upstream_due_in(x->uq) > rq->timeout_ms)
		x = NULL;
	if (x) {
		m->c.shared++;
	} else {
		x = calloc(1, sizeof(*x));
		if (!x) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		const struct netaddr *src = worker_outgoing(m->w, rq->server.family);
		x->uq = upstream_send(&m->w->loop, rq, src, on_upstream, x, err, errlen);
		if (!x->uq) {
			free(x);
			return -1;
		}
		x->m = m;
		x->hash = h;
		x->server = rq->server;
		x->transport = rq->transport;
		memcpy(x->qname, qname, wire_name_len(qname));
		x->qtype = qtype;
		x->rd = query_rd(rq);
		x->hnext = m->exchanges[h % EXCHANGE_BUCKETS];
		m->exchanges[h % EXCHANGE_BUCKETS] = x;
	}
	e->ex = x;
	e->ex_next = NULL;
	if (x->last)
		x->last->ex_next = e;
	else
		x->first = e;
	x->last = e;
	return 0;
}

/* Answer (or, with res NULL, only release) each waiting client, then free the entry. */
static void entry_finish(struct mesh_entry *e, const struct resolve_result *res)
{
	struct mesh *m = e->m;
	struct worker *w = m->w;
	unlink_entry(m, e);
	exchange_leave(e);
	/* One context for the store and every waiter: the config, the view and the clock (none
	 * without a result: the daemon may be past its config then). */
	struct respond_ctx ctx = { 0 };
	if (res) {
		worker_respond_ctx(w, &ctx);
		if (e->view)
			ctx.view = e->view;
	}
	if (res && e->store) {
		for (uint8_t flags = 0; flags < 8; flags++)
			if (e->store & (1u << flags))
				respond_cache_store(&ctx, e->qname, e->qtype, flags, res);
	}
	while (e->waiters) {
		struct waiter *wt = e->waiters;
		e->waiters = wt->next;
		m->waiting--;
		size_t len = 0;
		if (res) {
			/* An operator's test-answer is no client: not in the answer counters. */
			struct respond_stats scratch = { 0 };
			struct respond_stats *st = wt->rt.done ? &scratch : &w->stats;
			/* RFC 8767: when resolution failed, an expired answer beats none. */
			if (res->rcode == DNS_RCODE_SERVFAIL && w->cfg->serve_stale)
				len = respond_stale(&ctx, wt->rt.transport, &wt->q, w->answer,
						    DNS_MAX_MESSAGE, st);
			if (len == 0)
				len = respond_resolved(&ctx, wt->rt.transport, &wt->q, res,
						       w->answer, DNS_MAX_MESSAGE, st);
		}
		worker_reply(w, &wt->rt, w->answer, len);
		free(wt);
	}
	if (res && res->rcode == DNS_RCODE_SERVFAIL) {
		char name[WIRE_NAME_TEXT_MAX];
		wire_name_to_text(e->qname, name, sizeof(name));
		log_debug("SERVFAIL %s type %u: %s", name, e->qtype, res->ede_text);
	}
	resolve_free(e->req);
	free(e);
}

/* RFC 8109 §3: when the root NS set is gone from the cache (expired, evicted), requests start
 * from the hints again; prime again then, once at a time. */
static void prime_if_needed(struct mesh *m, uint64_t fallbacks_before)
{
	const struct cairn_config *cfg = m->w->cfg;
	if (fallbacks_before != UINT64_MAX &&
	    m->w->resolver.stats.hint_fallbacks != fallbacks_before && cfg->recursion &&
	    cfg->prime_root && !m->w->stopping)
		mesh_prime(m);
}

/* Run the request until it waits for a server or is done. */
static void mesh_drive(struct mesh_entry *e)
{
	struct mesh *m = e->m;
	/* The priming query itself starts from the hints: that must not prime again, or a dead
	 * root would be asked forever. */
	uint64_t fallbacks = e->qtype == DNS_TYPE_NS && e->qname[0] == 0
				     ? UINT64_MAX
				     : m->w->resolver.stats.hint_fallbacks;
	for (;;) {
		struct resolve_query rq;
		if (resolve_produce(e->req, &rq) == RESOLVE_DONE) {
			entry_finish(e, resolve_result(e->req));
			prime_if_needed(m, fallbacks);
			return;
		}
		char err[128];
		if (exchange_join(e, &rq, err, sizeof(err)) == 0) {
			prime_if_needed(m, fallbacks);
			return;
		}
		/* A local failure (no socket, no memory): the request moves on, the server is not
		 * blamed for it. */
		m->c.send_errors++;
		resolve_neterror_shared(e->req, err);
	}
}

/* What came back for an exchange goes to every request waiting on it: the sender judges
 * the packet; only what it accepted is shared with the others. */
static void on_upstream(void *owner, enum upstream_event ev, const struct netaddr *from,
			const uint8_t *pkt, size_t len, const char *err)
{
	struct exchange *x = owner;
	struct mesh_entry *sender = x->first;
	enum resolve_verdict v = RESOLVE_ACCEPTED;
	if (ev == UPSTREAM_PACKET) {
		v = resolve_consume(sender->req, from, pkt, len);
		if (v == RESOLVE_IGNORED)
			return; /* counted as mismatched; keep listening until the timer */
	}
	/* The exchange is over: nobody may join it from now on. */
	exchange_unlink(x);
	upstream_cancel(x->uq);
	struct mesh_entry *e = x->first;
	for (struct mesh_entry *k = e; k; k = k->ex_next)
		k->ex = NULL; /* none may point at the exchange once it is freed */
	free(x);
	while (e) {
		struct mesh_entry *next = e->ex_next;
		e->ex_next = NULL;
		if (ev == UPSTREAM_TIMEOUT) {
			if (e == sender)
				resolve_timeout(e->req);
			else
				resolve_timeout_shared(e->req);
		} else if (ev == UPSTREAM_ERROR) {
			if (e == sender)
				resolve_neterror(e->req, err);
			else
				resolve_neterror_shared(e->req, err);
		} else if (e != sender) {
			if (v != RESOLVE_ACCEPTED ||
			    resolve_consume_shared(e->req, from, pkt, len) == RESOLVE_IGNORED)
				resolve_abandon(e->req);
		}
		mesh_drive(e);
		e = next;
	}
}

static struct mesh_entry *entry_new(struct mesh *m, const uint8_t *name, uint16_t type,
				    bool cd, const struct policy_view *view, uint32_t h)
{
	struct mesh_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->req = resolve_new(&m->w->resolver, name, type);
	if (!e->req) {
		free(e);
		return NULL;
	}
	e->cd = cd;
	if (cd)
		resolve_set_checking_disabled(e->req);
	e->view = view;
	e->view_index = view ? view->index : 0;
	resolve_set_view(e->req, view);
	e->m = m;
	e->hash = h;
	memcpy(e->qname, name, wire_name_len(name));
	e->qtype = type;
	e->hnext = m->buckets[h % MESH_BUCKETS];
	m->buckets[h % MESH_BUCKETS] = e;
	e->next = m->all;
	if (m->all)
		m->all->prev = e;
	m->all = e;
	m->count++;
	return e;
}

static void reply_servfail(struct mesh *m, const struct wire_query *q, const struct reply_to *rt,
			   int ede, const char *text)
{
	struct worker *w = m->w;
	struct respond_ctx ctx;
	worker_respond_ctx(w, &ctx);
	size_t len = respond_servfail(&ctx, rt->transport, q, ede, text, w->answer,
				      DNS_MAX_MESSAGE, &w->stats);
	/* worker_reply releases what worker_hold took (a TCP connection's count of answers to
	 * come), so an answer given at once takes it first. */
	worker_hold(w, rt);
	worker_reply(w, rt, w->answer, len);
}

void mesh_submit(struct mesh *m, const struct wire_query *q, const struct policy_view *view,
		 const struct reply_to *rt)
{
	/* A Route 53 alias out of the local zones resolves its target (lib/respond). */
	const uint8_t *name = q->alias ? q->alias_target : q->qname_lc;
	uint32_t h = key_hash(name, q->qtype, q->cd, view->index);
	struct mesh_entry *e = find(m, name, q->qtype, q->cd, view->index, h);
	if (m->waiting >= m->w->cfg->max_in_flight) {
		m->c.overload++;
		reply_servfail(m, q, rt, EDE_OTHER,
			       "too many questions being resolved (recursion.max-in-flight)");
		return;
	}
	struct waiter *wt = malloc(sizeof(*wt));
	bool fresh = !e;
	if (fresh)
		e = wt ? entry_new(m, name, q->qtype, q->cd, view, h) : NULL;
	if (!wt || !e) {
		free(wt);
		reply_servfail(m, q, rt, EDE_OTHER, "out of memory");
		return;
	}
	wt->q = *q;
	wt->rt = *rt;
	e->store |= (uint8_t)(1u << respond_cache_flags(q));
	worker_hold(m->w, &wt->rt);
	wt->next = e->waiters;
	e->waiters = wt;
	e->n_waiters++;
	m->waiting++;
	if (fresh)
		mesh_drive(e);
	else
		m->c.joined++;
}

void mesh_prefetch(struct mesh *m, const struct wire_query *q, const struct policy_view *view)
{
	uint32_t h = key_hash(q->qname_lc, q->qtype, q->cd, view->index);
	struct mesh_entry *e = find(m, q->qname_lc, q->qtype, q->cd, view->index, h);
	bool fresh = !e;
	if (fresh) {
		/* Clients come first: a refresh never takes the room of one. */
		if (m->count >= m->w->cfg->max_in_flight / 2)
			return;
		e = entry_new(m, q->qname_lc, q->qtype, q->cd, view, h);
		if (!e)
			return;
		resolve_set_refresh(e->req);
	}
	e->store |= (uint8_t)(1u << respond_cache_flags(q));
	if (fresh)
		mesh_drive(e);
}

void mesh_prime(struct mesh *m)
{
	static const uint8_t root[1] = { 0 };
	/* Priming is plain recursion (the default view has no say over the root's NS). */
	uint32_t h = key_hash(root, DNS_TYPE_NS, false, 0);
	if (find(m, root, DNS_TYPE_NS, false, 0, h))
		return;
	struct mesh_entry *e = entry_new(m, root, DNS_TYPE_NS, false, NULL, h);
	if (e)
		mesh_drive(e);
}

void mesh_rebind(struct mesh *m, const struct cairn_config *cfg)
{
	for (struct mesh_entry *e = m->all; e; e = e->next) {
		if (!e->view)
			continue;
		const struct policy_view *v = NULL;
		if (e->view->vpc)
			v = policy_view_named(&cfg->policy, e->view->vpc->name);
		e->view = v ? v : &cfg->policy.views[0];
		resolve_set_view(e->req, e->view);
	}
}

void mesh_stop(struct mesh *m)
{
	/* entry_finish leaves each exchange; the last to leave cancels its query */
	while (m->all)
		entry_finish(m->all, NULL);
}

void mesh_free(struct mesh *m)
{
	if (!m)
		return;
	mesh_stop(m);
	free(m);
}
