/* mesh — client questions being resolved, and who waits for them (see mesh.h). */
#include "mesh.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "upstream.h"
#include "worker.h"

#define MESH_BUCKETS 4096 /* hash chains; the in-flight limit bounds their length */

struct waiter {
	struct waiter *next;
	struct wire_query q;          /* for the ID, letter case and EDNS of the answer */
	struct reply_to rt;
};

struct mesh_entry {
	struct mesh *m;
	struct mesh_entry *hnext;     /* hash chain */
	struct mesh_entry *prev, *next; /* every entry, for stopping */
	uint32_t hash;
	uint8_t qname[WIRE_NAME_MAX]; /* canonical */
	uint16_t qtype;
	struct resolve_req *req;
	struct upstream_q *uq;        /* the query in flight, or NULL */
	struct waiter *waiters;
	size_t n_waiters;
};

struct mesh {
	struct worker *w;
	struct mesh_entry *buckets[MESH_BUCKETS];
	struct mesh_entry *all;
	size_t count;                 /* entries */
	size_t waiting;               /* clients waiting, over all entries */
	struct mesh_counters c;
};

static uint32_t key_hash(const uint8_t *name, uint16_t type)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0, n = wire_name_len(name); i < n; i++)
		h = (h ^ name[i]) * 16777619u;
	return (h ^ type) * 16777619u;
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

static struct mesh_entry *find(struct mesh *m, const uint8_t *name, uint16_t type, uint32_t h)
{
	for (struct mesh_entry *e = m->buckets[h % MESH_BUCKETS]; e; e = e->hnext)
		if (e->hash == h && e->qtype == type && wire_name_equal(e->qname, name))
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

/* Answer (or, with res NULL, only release) each waiting client, then free the entry. */
static void entry_finish(struct mesh_entry *e, const struct resolve_result *res)
{
	struct mesh *m = e->m;
	struct worker *w = m->w;
	unlink_entry(m, e);
	upstream_cancel(e->uq);
	e->uq = NULL;
	while (e->waiters) {
		struct waiter *wt = e->waiters;
		e->waiters = wt->next;
		m->waiting--;
		size_t len = 0;
		if (res) {
			struct respond_ctx ctx;
			worker_respond_ctx(w, &ctx);
			len = respond_resolved(&ctx, wt->rt.transport, &wt->q, res, w->answer,
					       DNS_MAX_MESSAGE, &w->stats);
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

static void on_upstream(void *owner, enum upstream_event ev, const struct netaddr *from,
			const uint8_t *pkt, size_t len, const char *err);

/* Run the request until it waits for a server or is done. */
static void mesh_drive(struct mesh_entry *e)
{
	struct worker *w = e->m->w;
	for (;;) {
		struct resolve_query rq;
		if (resolve_produce(e->req, &rq) == RESOLVE_DONE) {
			entry_finish(e, resolve_result(e->req));
			return;
		}
		char err[128];
		const struct netaddr *src = worker_outgoing(w, rq.server.family);
		e->uq = upstream_send(&w->loop, &rq, src, on_upstream, e, err, sizeof(err));
		if (e->uq)
			return;
		e->m->c.send_errors++;
		resolve_neterror(e->req, err);
	}
}

static void on_upstream(void *owner, enum upstream_event ev, const struct netaddr *from,
			const uint8_t *pkt, size_t len, const char *err)
{
	struct mesh_entry *e = owner;
	switch (ev) {
	case UPSTREAM_PACKET:
		if (resolve_consume(e->req, from, pkt, len) == RESOLVE_IGNORED)
			return; /* counted as mismatched; keep listening until the timer */
		break;
	case UPSTREAM_TIMEOUT:
		resolve_timeout(e->req);
		break;
	case UPSTREAM_ERROR:
		resolve_neterror(e->req, err);
		break;
	}
	upstream_cancel(e->uq);
	e->uq = NULL;
	mesh_drive(e);
}

static struct mesh_entry *entry_new(struct mesh *m, const uint8_t *name, uint16_t type,
				    uint32_t h)
{
	struct mesh_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->req = resolve_new(&m->w->resolver, name, type);
	if (!e->req) {
		free(e);
		return NULL;
	}
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
	worker_reply(w, rt, w->answer, len);
}

void mesh_submit(struct mesh *m, const struct wire_query *q, const struct reply_to *rt)
{
	uint32_t h = key_hash(q->qname_lc, q->qtype);
	struct mesh_entry *e = find(m, q->qname_lc, q->qtype, h);
	if (m->waiting >= m->w->cfg->max_in_flight) {
		m->c.overload++;
		reply_servfail(m, q, rt, EDE_OTHER,
			       "too many questions being resolved (recursion.max-in-flight)");
		return;
	}
	struct waiter *wt = malloc(sizeof(*wt));
	bool fresh = !e;
	if (fresh)
		e = wt ? entry_new(m, q->qname_lc, q->qtype, h) : NULL;
	if (!wt || !e) {
		free(wt);
		reply_servfail(m, q, rt, EDE_OTHER, "out of memory");
		return;
	}
	wt->q = *q;
	wt->rt = *rt;
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

void mesh_prime(struct mesh *m)
{
	static const uint8_t root[1] = { 0 };
	uint32_t h = key_hash(root, DNS_TYPE_NS);
	if (find(m, root, DNS_TYPE_NS, h))
		return;
	struct mesh_entry *e = entry_new(m, root, DNS_TYPE_NS, h);
	if (e)
		mesh_drive(e);
}

void mesh_stop(struct mesh *m)
{
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
