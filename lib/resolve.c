/* resolve — the request state machine (see resolve.h). */
#include "resolve.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/wire/builder.h"
#include "lib/wire/dns.h"
#include "lib/wire/msg.h"

#define RESOLVE_FRAMES_MAX 8      /* hard bound on nested NS lookups, whatever the config */
#define QMIN_ONE_LABEL_STEPS 4    /* RFC 9156 §2.3 MINIMISE_ONE_LAB */
#define QMIN_MAX_STEPS 10         /* RFC 9156 §2.3 MAX_MINIMISE_COUNT */
#define TCP_TIMEOUT_MIN_MS 1500   /* a TCP exchange costs a handshake more than UDP */

enum frame_state { FS_INIT, FS_QUERY, FS_WAIT, FS_CHILD, FS_DONE };

struct frame {
	enum frame_state state;
	uint8_t qname[WIRE_NAME_MAX];   /* the question of this frame (canonical) */
	uint16_t qtype;
	uint8_t sname[WIRE_NAME_MAX];   /* where the CNAME chain stands now */
	struct deleg dp;                /* the zone being asked */
	bool dp_went_up;                /* a cached NS set without addresses was skipped */
	uint8_t ask[WIRE_NAME_MAX];     /* the name in the query in flight */
	uint16_t ask_type;
	bool qmin_off;                  /* relaxed RFC 9156: the full name is asked */
	unsigned qmin_labels;           /* labels of the minimised name (0: not started) */
	unsigned qmin_steps;
	unsigned referrals;
	unsigned links;                 /* CNAME/DNAME links followed */
	int child_ns;                   /* FS_CHILD: which NS name is being looked up */
	bool failed;
	unsigned rcode;
	struct iter_rrset *answer;
	size_t n_answer, cap_answer;
	struct iter_rrset *soa;
};

struct resolve_req {
	struct resolver *r;
	struct resolve_opts opts;
	struct frame *f[RESOLVE_FRAMES_MAX];
	unsigned depth;
	uint64_t deadline_ms;
	unsigned queries;               /* upstream queries sent */
	unsigned glueless;              /* NS address lookups started */
	bool done;
	struct resolve_result result;
	char why[RESOLVE_EDE_TEXT_MAX]; /* the last failure seen below frame 0 */
	/* the query in flight */
	bool in_flight;
	bool resend;                    /* send the same question again (TCP, no 0x20, no EDNS) */
	struct netaddr server;
	enum resolve_transport transport;
	uint16_t id;
	uint8_t sent_name[WIRE_NAME_MAX];
	bool sent_0x20, sent_edns;
	uint64_t sent_ms;
	uint8_t pkt[DNS_MAX_UDP_NO_EDNS];
	size_t pkt_len;
};

static uint64_t now_ms(const struct resolve_req *q)
{
	return q->r->env->mono_ms(q->r->env->ctx);
}

static int64_t now_wall(const struct resolve_req *q)
{
	return q->r->env->wall_now(q->r->env->ctx);
}

static struct frame *top(struct resolve_req *q)
{
	return q->f[q->depth - 1];
}

static void frame_free(struct frame *f)
{
	for (size_t i = 0; i < f->n_answer; i++)
		iter_rrset_free(&f->answer[i]);
	free(f->answer);
	if (f->soa) {
		iter_rrset_free(f->soa);
		free(f->soa);
	}
	free(f);
}

static struct frame *frame_push(struct resolve_req *q, const uint8_t *name, uint16_t type)
{
	struct frame *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	memcpy(f->qname, name, wire_name_len(name));
	wire_name_lower(f->qname);
	memcpy(f->sname, f->qname, wire_name_len(f->qname));
	f->qtype = type;
	f->state = FS_INIT;
	f->child_ns = -1;
	q->f[q->depth++] = f;
	return f;
}

static void name_text(const uint8_t *name, char *buf, size_t size)
{
	wire_name_to_text(name, buf, size);
}

/* A frame ends in failure. Frame 0's failure is the client's SERVFAIL with its EDE; a
 * nested lookup's failure only costs its parent one NS name, but its reason is kept in case
 * that parent fails for want of servers. */
static void frame_fail(struct resolve_req *q, struct frame *f, int ede, const char *fmt, ...)
{
	char text[RESOLVE_EDE_TEXT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	f->failed = true;
	f->state = FS_DONE;
	f->rcode = DNS_RCODE_SERVFAIL;
	if (f == q->f[0]) {
		q->result.ede = ede;
		snprintf(q->result.ede_text, sizeof(q->result.ede_text), "%s", text);
	} else {
		snprintf(q->why, sizeof(q->why), "%s", text);
	}
}

/* Take ownership of a gathered RRset as the next link of the frame's answer. */
static int frame_append(struct frame *f, struct iter_rrset *s)
{
	if (f->n_answer == f->cap_answer) {
		size_t cap = f->cap_answer ? f->cap_answer * 2 : 4;
		struct iter_rrset *n = realloc(f->answer, cap * sizeof(*n));
		if (!n) {
			iter_rrset_free(s);
			return -1;
		}
		f->answer = n;
		f->cap_answer = cap;
	}
	f->answer[f->n_answer++] = *s;
	return 0;
}

static void frame_set_soa(struct frame *f, struct iter_rrset *s)
{
	if (f->soa) {
		iter_rrset_free(f->soa);
		free(f->soa);
	}
	f->soa = malloc(sizeof(*f->soa));
	if (f->soa)
		*f->soa = *s;
	else
		iter_rrset_free(s);
}

struct resolve_req *resolve_new(struct resolver *r, const uint8_t *qname, uint16_t qtype)
{
	struct resolve_req *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->r = r;
	q->opts = r->opts;
	q->result.ede = EDE_NONE;
	q->deadline_ms = r->env->mono_ms(r->env->ctx) + q->opts.request_timeout_ms;
	if (!frame_push(q, qname, qtype)) {
		free(q);
		return NULL;
	}
	r->stats.requests++;
	return q;
}

void resolve_free(struct resolve_req *q)
{
	if (!q)
		return;
	for (unsigned i = 0; i < q->depth; i++)
		frame_free(q->f[i]);
	for (size_t i = 0; i < q->result.n_answer; i++)
		iter_rrset_free(&q->result.answer[i]);
	free(q->result.answer);
	if (q->result.soa) {
		iter_rrset_free(q->result.soa);
		free(q->result.soa);
	}
	free(q);
}

const struct resolve_result *resolve_result(const struct resolve_req *q)
{
	return &q->result;
}

uint32_t resolve_time_left(const struct resolve_req *q)
{
	uint64_t now = now_ms(q);
	return now >= q->deadline_ms ? 0 : (uint32_t)(q->deadline_ms - now);
}

/* ---- the cache side ---------------------------------------------------------------- */

static int copy_entry(const struct cache_entry *e, int64_t now, struct iter_rrset *out)
{
	return iter_rrset_make(out, e->owner, e->type, rrcache_ttl_left(e, now), e->count,
			       e->rdata, e->size);
}

static int negative_soa(struct frame *f, const struct cache_entry *e, int64_t now)
{
	struct iter_rrset soa;
	uint8_t packed[2 + 0xffff];
	wire_write_u16(packed, e->soa_rdlen);
	memcpy(packed + 2, e->soa_rdata, e->soa_rdlen);
	if (iter_rrset_make(&soa, e->soa_owner, DNS_TYPE_SOA, rrcache_ttl_left(e, now), 1, packed,
			    2u + e->soa_rdlen) < 0)
		return -1;
	frame_set_soa(f, &soa);
	return 0;
}

/* Has the chain of this frame already passed through name? (CNAME loop) */
static bool chain_has(const struct frame *f, const uint8_t *name)
{
	if (wire_name_equal(f->qname, name))
		return true;
	for (size_t i = 0; i < f->n_answer; i++)
		if (f->answer[i].type == DNS_TYPE_CNAME && wire_name_equal(f->answer[i].owner, name))
			return true;
	return false;
}

/* Move the chain on to target; false (frame failed) on a loop or too many links. */
static bool chain_follow(struct resolve_req *q, struct frame *f, const uint8_t *target)
{
	char a[WIRE_NAME_TEXT_MAX], b[WIRE_NAME_TEXT_MAX];
	name_text(f->qname, a, sizeof(a));
	if (chain_has(f, target)) {
		name_text(target, b, sizeof(b));
		frame_fail(q, f, EDE_OTHER, "CNAME loop: the chain from %s comes back to %s", a, b);
		return false;
	}
	if (++f->links > q->opts.max_cname) {
		frame_fail(q, f, EDE_OTHER,
			   "CNAME chain from %s is longer than %u links (recursion.max-cname-chain)",
			   a, q->opts.max_cname);
		return false;
	}
	memcpy(f->sname, target, wire_name_len(target));
	wire_name_lower(f->sname);
	f->qmin_labels = 0;
	f->qmin_steps = 0;
	f->qmin_off = false;
	return true;
}

/* The delegation point closest to name that the cache knows, else the root hints. */
static void find_dp(struct resolve_req *q, struct frame *f, const uint8_t *start)
{
	struct rrcache *c = q->r->cache;
	int64_t now = now_wall(q);
	const uint8_t *name = start;
	for (;;) {
		const struct cache_entry *e = rrcache_get(c, name, DNS_TYPE_NS, now);
		if (e && e->kind == CACHE_POSITIVE) {
			deleg_init(&f->dp, name, wire_name_parent(name));
			f->dp.from_cache = true;
			uint32_t off = 0;
			const uint8_t *rd;
			uint16_t rdlen;
			uint8_t owner[WIRE_NAME_MAX];
			memcpy(owner, e->owner, wire_name_len(e->owner));
			while (rrcache_next_rdata(e, &off, &rd, &rdlen))
				if (wire_name_len_bounded(rd, rdlen) > 0)
					deleg_add_ns(&f->dp, rd);
			/* e may go when the cache is read again: only its copy is used below */
			for (unsigned i = 0; i < f->dp.n_ns; i++) {
				const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
				for (int t = 0; t < 2; t++) {
					const struct cache_entry *a =
						rrcache_get(c, f->dp.ns[i].name, types[t], now);
					if (!a)
						continue;
					if (t == 0)
						f->dp.ns[i].v4_looked = true;
					else
						f->dp.ns[i].v6_looked = true;
					uint32_t o = 0;
					while (a->kind == CACHE_POSITIVE &&
					       rrcache_next_rdata(a, &o, &rd, &rdlen)) {
						struct netaddr na = { .port = 53 };
						na.family = rdlen == 4 ? AF_INET : AF_INET6;
						if (rdlen != 4 && rdlen != 16)
							continue;
						memcpy(na.addr, rd, rdlen);
						deleg_add_addr(&f->dp, i, &na);
					}
				}
			}
			if (f->dp.n_ns)
				return;
		}
		if (name[0] == 0)
			break;
		name = wire_name_parent(name);
	}
	static const uint8_t root[1] = { 0 };
	deleg_init(&f->dp, root, root);
	f->dp.from_hints = true;
	const struct root_hints *h = q->r->hints;
	for (size_t i = 0; h && i < h->count; i++) {
		int k = deleg_add_ns(&f->dp, h->hint[i].name);
		if (k >= 0)
			deleg_add_addr(&f->dp, (unsigned)k, &h->hint[i].addr);
	}
	/* Hints carry every address they have: nothing more to look up for them. */
	for (unsigned i = 0; i < f->dp.n_ns; i++)
		f->dp.ns[i].v4_looked = f->dp.ns[i].v6_looked = true;
}

/* INIT: answer from the cache as far as it goes, then pick the zone to ask. */
static void st_init(struct resolve_req *q, struct frame *f)
{
	struct rrcache *c = q->r->cache;
	int64_t now = now_wall(q);
	for (;;) {
		const struct cache_entry *e = rrcache_get(c, f->sname, f->qtype, now);
		if (e) {
			f->rcode = DNS_RCODE_NOERROR;
			struct iter_rrset s;
			if (e->kind == CACHE_POSITIVE) {
				if (copy_entry(e, now, &s) < 0 || frame_append(f, &s) < 0)
					goto oom;
			} else if (negative_soa(f, e, now) < 0) {
				goto oom;
			}
			f->state = FS_DONE;
			return;
		}
		e = rrcache_get(c, f->sname, CACHE_TYPE_NXDOMAIN, now);
		if (e) {
			if (negative_soa(f, e, now) < 0)
				goto oom;
			f->rcode = DNS_RCODE_NXDOMAIN;
			f->state = FS_DONE;
			return;
		}
		if (f->qtype == DNS_TYPE_CNAME)
			break;
		e = rrcache_get(c, f->sname, DNS_TYPE_CNAME, now);
		if (!e || e->kind != CACHE_POSITIVE)
			break;
		struct iter_rrset s;
		uint16_t rdlen;
		if (copy_entry(e, now, &s) < 0)
			goto oom;
		const uint8_t *target = iter_rrset_first(&s, &rdlen);
		uint8_t t[WIRE_NAME_MAX];
		if (!target || wire_name_len_bounded(target, rdlen) < 0) {
			iter_rrset_free(&s);
			break;
		}
		memcpy(t, target, wire_name_len(target));
		if (frame_append(f, &s) < 0)
			goto oom;
		if (!chain_follow(q, f, t))
			return;
	}
	/* RFC 4035 §3.1.4.1: DS lives on the parent side of the cut. */
	const uint8_t *start = f->qtype == DNS_TYPE_DS && f->sname[0] ? wire_name_parent(f->sname)
								      : f->sname;
	find_dp(q, f, start);
	f->dp_went_up = false;
	f->qmin_labels = 0;
	f->qmin_steps = 0;
	f->state = FS_QUERY;
	return;
oom:
	frame_fail(q, f, EDE_OTHER, "out of memory");
}

/* ---- QNAME minimisation (RFC 9156 §3) ----------------------------------------------- */

/* Copy into out the last n labels of name. */
static void name_suffix(const uint8_t *name, unsigned n, uint8_t *out)
{
	unsigned total = wire_name_labels(name);
	const uint8_t *p = name;
	for (unsigned i = n; i < total; i++)
		p = wire_name_parent(p);
	memcpy(out, p, wire_name_len(p));
}

static void choose_ask(const struct resolve_req *q, struct frame *f)
{
	unsigned zl = wire_name_labels(f->dp.zone), sl = wire_name_labels(f->sname);
	if (!q->opts.qname_minimisation || f->qmin_off || sl <= zl + 1) {
		memcpy(f->ask, f->sname, wire_name_len(f->sname));
		f->ask_type = f->qtype;
		return;
	}
	if (f->qmin_labels <= zl)
		f->qmin_labels = zl + 1;
	if (f->qmin_labels >= sl) {
		memcpy(f->ask, f->sname, wire_name_len(f->sname));
		f->ask_type = f->qtype;
		return;
	}
	name_suffix(f->sname, f->qmin_labels, f->ask);
	/* §2.1: A, not NS, since some servers mishandle NS questions below a cut. */
	f->ask_type = DNS_TYPE_A;
}

/* The minimised name was not a zone cut: reveal more labels (§2.3 limits the steps). */
static void qmin_advance(struct frame *f)
{
	unsigned sl = wire_name_labels(f->sname);
	f->qmin_steps++;
	if (f->qmin_steps < QMIN_ONE_LABEL_STEPS) {
		f->qmin_labels++;
		return;
	}
	unsigned left = sl > f->qmin_labels ? sl - f->qmin_labels : 0;
	unsigned steps = f->qmin_steps < QMIN_MAX_STEPS ? QMIN_MAX_STEPS - f->qmin_steps : 1;
	f->qmin_labels += (left + steps - 1) / steps;
}

static bool minimised(const struct frame *f)
{
	return !wire_name_equal(f->ask, f->sname) || f->ask_type != f->qtype;
}

/* ---- QUERY: pick a server, or look up a name server's address, or give up ------------- */

static const char *failure_word(int last)
{
	switch (last) {
	case SRV_TIMEOUT: return "timed out";
	case SRV_SERVFAIL: return "answered SERVFAIL";
	case SRV_REFUSED: return "answered REFUSED";
	case SRV_LAME: return "is lame (not authoritative)";
	case SRV_FORMERR: return "answered FORMERR";
	case SRV_UNREACHABLE: return "is unreachable";
	default: return "failed";
	}
}

/* Every server of the zone failed: say how, as precisely as the attempts allow. */
static void fail_exhausted(struct resolve_req *q, struct frame *f)
{
	struct deleg *d = &f->dp;
	char zone[WIRE_NAME_TEXT_MAX], parent[WIRE_NAME_TEXT_MAX], srv[WIRE_NAME_TEXT_MAX];
	name_text(d->zone, zone, sizeof(zone));
	name_text(d->parent, parent, sizeof(parent));
	unsigned n = d->n_tried, by[8] = { 0 };
	for (unsigned i = 0; i < n; i++)
		if (d->tried[i].last >= 0 && d->tried[i].last < 8)
			by[d->tried[i].last]++;
	if (n == 0) {
		if (q->why[0])
			frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "no address for any name server of %s: %s", zone, q->why);
		else
			frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "no usable address for any of the %u name servers of %s", d->n_ns,
				   zone);
		return;
	}
	const uint8_t *first = deleg_ns_of(d, &d->tried[0].addr);
	if (first)
		name_text(first, srv, sizeof(srv));
	else
		netaddr_format(&d->tried[0].addr, srv, sizeof(srv));
	unsigned lame = by[SRV_REFUSED] + by[SRV_LAME];
	if (lame == n && !d->from_hints) {
		if (n == 1)
			frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "%s %s for %s: lame delegation from %s", srv,
				   failure_word(d->tried[0].last), zone, parent);
		else
			frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "all %u servers %s delegates %s to refuse it or are not "
				   "authoritative: lame delegation, the NS records in %s do not "
				   "match the servers that host %s",
				   n, parent, zone, parent, zone);
		return;
	}
	if (by[SRV_UNREACHABLE] == n) {
		if (n == 1)
			frame_fail(q, f, EDE_NETWORK_ERROR, "%s for %s is unreachable (%s)", srv, zone,
				   q->why);
		else
			frame_fail(q, f, EDE_NETWORK_ERROR,
				   "all %u servers for %s are unreachable (last: %s)", n, zone,
				   q->why);
		return;
	}
	if (by[SRV_TIMEOUT] == n) {
		if (n == 1)
			frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "%s, the only server tried for %s, timed out", srv, zone);
		else
			frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY, "all %u servers for %s timed out",
				   n, zone);
		return;
	}
	if (n == 1) {
		frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY, "%s %s for %s (the only server tried)",
			   srv, failure_word(d->tried[0].last), zone);
		return;
	}
	frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
		   "no server for %s answered: %u timed out, %u unreachable, %u SERVFAIL, "
		   "%u REFUSED or lame, %u FORMERR", zone, by[SRV_TIMEOUT], by[SRV_UNREACHABLE],
		   by[SRV_SERVFAIL], lame, by[SRV_FORMERR]);
}

/* Is (name, type) already being looked up further down the stack? (glueless NS cycles) */
static bool on_stack(const struct resolve_req *q, const uint8_t *name, uint16_t type)
{
	for (unsigned i = 0; i < q->depth; i++)
		if (q->f[i]->qtype == type && wire_name_equal(q->f[i]->sname, name))
			return true;
	return false;
}

/* Look up the address of a glueless NS name, if one is left to try. */
static bool start_ns_lookup(struct resolve_req *q, struct frame *f)
{
	struct deleg *d = &f->dp;
	for (unsigned i = 0; i < d->n_ns; i++) {
		uint16_t t = deleg_ns_missing(d, i, &q->opts.addr);
		if (!t)
			continue;
		if (t == DNS_TYPE_A)
			d->ns[i].v4_looked = true;
		else
			d->ns[i].v6_looked = true;
		/* A name inside the zone needs glue: asking the zone itself would go round. */
		if (wire_name_is_subdomain(d->ns[i].name, d->zone))
			continue;
		if (on_stack(q, d->ns[i].name, t))
			continue;
		if (q->glueless >= q->opts.max_glueless) {
			snprintf(q->why, sizeof(q->why),
				 "more than %u name server lookups (recursion.max-glueless-lookups)",
				 q->opts.max_glueless);
			return false;
		}
		if (q->depth >= q->opts.max_depth + 1 || q->depth >= RESOLVE_FRAMES_MAX) {
			snprintf(q->why, sizeof(q->why),
				 "name server lookups nested deeper than %u "
				 "(recursion.max-glueless-depth)", q->opts.max_depth);
			continue;
		}
		q->glueless++;
		f->child_ns = (int)i;
		f->state = FS_CHILD;
		return frame_push(q, d->ns[i].name, t) != NULL;
	}
	return false;
}

/* 0x20 (draft-vixie-dnsext-dns0x20): flip the case of letters at random. */
static void randomise_case(struct resolve_req *q, uint8_t *name)
{
	uint8_t bits[32];
	q->r->env->random(q->r->env->ctx, bits, sizeof(bits));
	size_t k = 0;
	for (uint8_t *p = name; *p; p += *p + 1) {
		for (unsigned i = 1; i <= *p; i++, k++) {
			uint8_t ch = p[i];
			bool upper = (bits[(k / 8) % sizeof(bits)] >> (k % 8)) & 1;
			if (ch >= 'a' && ch <= 'z' && upper)
				p[i] = (uint8_t)(ch - 32);
		}
	}
}

/* Write the upstream query for the frame's ask name into q->pkt. */
static void build_query(struct resolve_req *q, struct frame *f, const struct srv_info *si)
{
	struct wire_builder b;
	q->id = env_random_u16(q->r->env);
	memcpy(q->sent_name, f->ask, wire_name_len(f->ask));
	q->sent_0x20 = q->opts.use_0x20 && !si->no_0x20;
	if (q->sent_0x20)
		randomise_case(q, q->sent_name);
	q->sent_edns = !si->no_edns;
	wire_builder_init(&b, q->pkt, sizeof(q->pkt));
	wire_builder_header(&b, q->id, 0, 0); /* RD=0: we iterate (RFC 1034 §5.3.3) */
	wire_builder_question(&b, q->sent_name, f->ask_type, DNS_CLASS_IN);
	if (q->sent_edns) {
		struct wire_opt opt = { .udp_size = RESOLVE_EDNS_SIZE, .ede_code = EDE_NONE };
		wire_builder_opt(&b, &opt);
	}
	q->pkt_len = b.len;
}

static enum resolve_step send_query(struct resolve_req *q, struct frame *f,
				    struct resolve_query *out)
{
	struct srv_info *si = servers_get(q->r->servers, &q->server);
	static struct srv_info fallback; /* read-only defaults when the table is out of memory */
	const struct srv_info *s = si ? si : &fallback;
	if (!q->resend || q->transport == RESOLVE_UDP)
		build_query(q, f, s);
	q->resend = false;
	q->queries++;
	q->in_flight = true;
	q->sent_ms = now_ms(q);
	uint32_t to = si ? servers_rto(si) : SRV_RTO_UNKNOWN_MS;
	if (q->transport == RESOLVE_TCP && to < TCP_TIMEOUT_MIN_MS)
		to = TCP_TIMEOUT_MIN_MS;
	uint32_t left = resolve_time_left(q);
	out->server = q->server;
	out->transport = q->transport;
	out->pkt = q->pkt;
	out->len = q->pkt_len;
	out->timeout_ms = to < left ? to : left;
	if (q->transport == RESOLVE_TCP)
		q->r->stats.sent_tcp++;
	else
		q->r->stats.sent_udp++;
	f->state = FS_WAIT;
	return RESOLVE_SEND;
}

static bool st_query(struct resolve_req *q, struct frame *f, struct resolve_query *out,
		     enum resolve_step *step)
{
	if (q->queries >= q->opts.max_queries) {
		frame_fail(q, q->f[0], EDE_OTHER,
			   "gave up after %u upstream queries (recursion.max-queries-per-request)",
			   q->queries);
		return false;
	}
	choose_ask(q, f);
	if (deleg_choose(&f->dp, &q->opts.addr, q->r->servers, now_ms(q),
			 env_random_u32(q->r->env), &q->server)) {
		deleg_note_try(&f->dp, &q->server);
		q->transport = RESOLVE_UDP;
		*step = send_query(q, f, out);
		return true;
	}
	if (start_ns_lookup(q, f))
		return false;
	if (f->dp.from_cache && f->dp.n_tried == 0 && f->dp.zone[0] && !f->dp_went_up) {
		/* Cached NS names without usable addresses: ask the parent side again. */
		find_dp(q, f, wire_name_parent(f->dp.zone));
		f->dp_went_up = true;
		f->qmin_labels = 0;
		f->qmin_steps = 0;
		return false;
	}
	fail_exhausted(q, f);
	return false;
}

/* ---- responses ------------------------------------------------------------------------ */

static void cache_rrset(struct resolve_req *q, const struct iter_rrset *s, enum cache_rank rank)
{
	rrcache_put_rrset(q->r->cache, s->owner, s->type, s->ttl, rank, s->count, s->rdata,
			  s->size, now_wall(q));
}

/* Cache the addresses of NS targets found in the additional section, when in bailiwick. */
static void cache_ns_addresses(struct resolve_req *q, const struct wire_msg *m,
			       const struct iter_rrset *ns, const uint8_t *bailiwick)
{
	uint32_t off = 0;
	while (off + 2 <= ns->size) {
		uint16_t len = wire_read_u16(ns->rdata + off);
		const uint8_t *target = ns->rdata + off + 2;
		off += 2u + len;
		if (wire_name_len_bounded(target, len) < 0 ||
		    !wire_name_is_subdomain(target, bailiwick))
			continue;
		const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
		for (int t = 0; t < 2; t++) {
			struct iter_rrset a;
			if (iter_gather(m, WIRE_ADDITIONAL, target, types[t], &a) > 0) {
				cache_rrset(q, &a, CACHE_RANK_GLUE);
				iter_rrset_free(&a);
			}
		}
	}
}

static void negative(struct resolve_req *q, struct frame *f, const struct wire_msg *m,
		     const uint8_t *name, unsigned rcode)
{
	const struct wire_rr *soa = iter_find_soa(m, f->dp.zone);
	f->rcode = rcode;
	f->state = FS_DONE;
	if (!soa)
		return; /* RFC 2308 §5: without an SOA it is not cached */
	struct iter_rrset s;
	if (iter_gather(m, WIRE_AUTHORITY, soa->owner, DNS_TYPE_SOA, &s) <= 0)
		return;
	uint16_t rdlen;
	const uint8_t *rd = iter_rrset_first(&s, &rdlen);
	if (rd)
		rrcache_put_negative(q->r->cache, name,
				     rcode == DNS_RCODE_NXDOMAIN ? CACHE_TYPE_NXDOMAIN : f->qtype,
				     s.owner, s.ttl, rd, rdlen, now_wall(q));
	/* RFC 2308 §5: the SOA goes to the client with the negative TTL. */
	s.ttl = rd ? rrcache_soa_negative_ttl(s.ttl, rd, rdlen) : s.ttl;
	frame_set_soa(f, &s);
}

/* RFC 6672 §2.2: the CNAME a DNAME implies for name. false when the result is too long. */
static bool dname_substitute(const uint8_t *name, const uint8_t *owner, const uint8_t *target,
			     uint16_t tlen, uint8_t *out)
{
	size_t keep = wire_name_len(name) - wire_name_len(owner);
	size_t t = (size_t)wire_name_len_bounded(target, tlen);
	if (wire_name_len_bounded(target, tlen) < 0 || keep + t > WIRE_NAME_MAX)
		return false;
	memcpy(out, name, keep);
	memcpy(out + keep, target, t);
	wire_name_lower(out);
	return true;
}

/* Follow the answer section from sname: data, CNAME and DNAME links within the zone. */
static void on_answer(struct resolve_req *q, struct frame *f, const struct wire_msg *m)
{
	enum cache_rank rank = (m->flags & DNS_FLAG_AA) ? CACHE_RANK_ANSWER : CACHE_RANK_NONAUTH;
	uint8_t cur[WIRE_NAME_MAX];
	memcpy(cur, f->sname, wire_name_len(f->sname));
	for (;;) {
		/* Scrubbing: the server speaks only for its own zone. */
		if (!wire_name_is_subdomain(cur, f->dp.zone))
			break;
		struct iter_rrset s;
		if (iter_gather(m, WIRE_ANSWER, cur, f->qtype, &s) > 0) {
			cache_rrset(q, &s, rank);
			if (f->qtype == DNS_TYPE_NS)
				cache_ns_addresses(q, m, &s, f->dp.zone);
			frame_append(f, &s);
			f->rcode = DNS_RCODE_NOERROR;
			f->state = FS_DONE;
			return;
		}
		const struct wire_rr *d = iter_find_dname(m, f->dp.zone, cur);
		if (d) {
			uint8_t target[WIRE_NAME_MAX];
			if (!dname_substitute(cur, d->owner, d->rdata, d->rdlen, target)) {
				f->rcode = 6; /* YXDOMAIN, RFC 6672 §2.2 */
				f->state = FS_DONE;
				return;
			}
			struct iter_rrset ds, cs;
			uint8_t packed[2 + WIRE_NAME_MAX];
			size_t tl = wire_name_len(target);
			if (iter_gather(m, WIRE_ANSWER, d->owner, DNS_TYPE_DNAME, &ds) > 0) {
				cache_rrset(q, &ds, rank);
				frame_append(f, &ds);
			}
			wire_write_u16(packed, (uint16_t)tl);
			memcpy(packed + 2, target, tl);
			if (iter_rrset_make(&cs, cur, DNS_TYPE_CNAME, d->ttl, 1, packed,
					    (uint32_t)(2 + tl)) == 0)
				frame_append(f, &cs);
			if (!chain_follow(q, f, target))
				return;
			memcpy(cur, target, tl);
			continue;
		}
		if (f->qtype != DNS_TYPE_CNAME &&
		    iter_gather(m, WIRE_ANSWER, cur, DNS_TYPE_CNAME, &s) > 0) {
			uint16_t rdlen;
			const uint8_t *t = iter_rrset_first(&s, &rdlen);
			uint8_t target[WIRE_NAME_MAX];
			if (!t || wire_name_len_bounded(t, rdlen) < 0) {
				iter_rrset_free(&s);
				break;
			}
			memcpy(target, t, wire_name_len(t));
			wire_name_lower(target);
			cache_rrset(q, &s, rank);
			frame_append(f, &s);
			if (!chain_follow(q, f, target))
				return;
			memcpy(cur, target, wire_name_len(target));
			continue;
		}
		break;
	}
	/* The chain stops at cur without data. */
	if (wire_name_is_subdomain(cur, f->dp.zone)) {
		if (m->rcode == DNS_RCODE_NXDOMAIN) {
			negative(q, f, m, cur, DNS_RCODE_NXDOMAIN);
			return;
		}
		if (iter_find_soa(m, f->dp.zone)) {
			negative(q, f, m, cur, DNS_RCODE_NOERROR);
			return;
		}
	}
	/* The target lies in another zone (or this server said no more): resolve it anew. */
	f->state = FS_INIT;
}

static void on_referral(struct resolve_req *q, struct frame *f, const struct wire_msg *m,
			const uint8_t *cut)
{
	char zone[WIRE_NAME_TEXT_MAX];
	if (++f->referrals > q->opts.max_referrals) {
		name_text(f->qname, zone, sizeof(zone));
		frame_fail(q, f, EDE_OTHER,
			   "more than %u referrals for %s (recursion.max-referrals)",
			   q->opts.max_referrals, zone);
		return;
	}
	struct iter_rrset ns;
	uint8_t cutname[WIRE_NAME_MAX], old_zone[WIRE_NAME_MAX];
	memcpy(cutname, cut, wire_name_len(cut));
	memcpy(old_zone, f->dp.zone, wire_name_len(f->dp.zone));
	if (iter_gather(m, WIRE_AUTHORITY, cutname, DNS_TYPE_NS, &ns) <= 0) {
		f->state = FS_QUERY;
		return;
	}
	cache_rrset(q, &ns, CACHE_RANK_REFERRAL);
	deleg_init(&f->dp, cutname, old_zone);
	uint32_t off = 0;
	while (off + 2 <= ns.size) {
		uint16_t len = wire_read_u16(ns.rdata + off);
		if (wire_name_len_bounded(ns.rdata + off + 2, len) > 0)
			deleg_add_ns(&f->dp, ns.rdata + off + 2);
		off += 2u + len;
	}
	iter_rrset_free(&ns);
	/* Glue: addresses of the new NS names, only from inside the delegating zone. */
	int64_t now = now_wall(q);
	for (size_t i = 0; i < m->n_rr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		if (rr->section != WIRE_ADDITIONAL ||
		    (rr->type != DNS_TYPE_A && rr->type != DNS_TYPE_AAAA))
			continue;
		int k = deleg_find_ns(&f->dp, rr->owner);
		if (k < 0)
			continue;
		bool in_bailiwick = wire_name_is_subdomain(rr->owner, old_zone);
		if (!in_bailiwick) {
			q->r->stats.glue_dropped++;
			if (q->opts.harden_glue)
				continue;
		}
		if ((rr->type == DNS_TYPE_A && rr->rdlen != 4) ||
		    (rr->type == DNS_TYPE_AAAA && rr->rdlen != 16))
			continue;
		struct netaddr a = { .family = rr->type == DNS_TYPE_A ? AF_INET : AF_INET6,
				     .port = 53 };
		memcpy(a.addr, rr->rdata, rr->rdlen);
		deleg_add_addr(&f->dp, (unsigned)k, &a);
		if (in_bailiwick) {
			struct iter_rrset g;
			if (iter_gather(m, WIRE_ADDITIONAL, rr->owner, rr->type, &g) > 0) {
				cache_rrset(q, &g, CACHE_RANK_GLUE);
				iter_rrset_free(&g);
			}
		}
	}
	/* Names without glue may have cached addresses from elsewhere. */
	for (unsigned i = 0; i < f->dp.n_ns; i++) {
		const uint16_t types[2] = { DNS_TYPE_A, DNS_TYPE_AAAA };
		for (int t = 0; t < 2; t++) {
			const struct cache_entry *e =
				rrcache_get(q->r->cache, f->dp.ns[i].name, types[t], now);
			if (!e || e->kind != CACHE_POSITIVE)
				continue;
			uint32_t o = 0;
			const uint8_t *rd;
			uint16_t rdlen;
			while (rrcache_next_rdata(e, &o, &rd, &rdlen)) {
				if (rdlen != (t == 0 ? 4 : 16))
					continue;
				struct netaddr a = { .family = t == 0 ? AF_INET : AF_INET6,
						     .port = 53 };
				memcpy(a.addr, rd, rdlen);
				deleg_add_addr(&f->dp, i, &a);
			}
		}
	}
	f->dp_went_up = false;
	f->qmin_labels = 0;
	f->qmin_steps = 0;
	f->state = FS_QUERY;
}

static enum srv_failure failure_of(enum iter_resp r)
{
	switch (r) {
	case IR_SERVFAIL: return SRV_SERVFAIL;
	case IR_REFUSED: return SRV_REFUSED;
	case IR_FORMERR: return SRV_FORMERR;
	case IR_BROKEN: return SRV_FORMERR;
	default: return SRV_LAME;
	}
}

static void server_failed(struct resolve_req *q, struct frame *f, enum srv_failure why)
{
	struct srv_info *si = servers_get(q->r->servers, &q->server);
	if (si)
		servers_failed(si, why, now_ms(q));
	deleg_note_result(&f->dp, &q->server, why);
	f->state = FS_QUERY;
}

static void on_response(struct resolve_req *q, struct frame *f, const struct wire_msg *m)
{
	const uint8_t *cut = NULL;
	enum iter_resp kind = iter_classify(m, f->dp.zone, f->ask, f->ask_type, &cut);
	bool mini = minimised(f);
	switch (kind) {
	case IR_ANSWER:
	case IR_NODATA:
		deleg_note_result(&f->dp, &q->server, -1);
		if (mini) {
			qmin_advance(f); /* no zone cut at the minimised name */
			f->state = FS_QUERY;
		} else if (kind == IR_ANSWER) {
			on_answer(q, f, m);
		} else {
			negative(q, f, m, f->sname, DNS_RCODE_NOERROR);
		}
		return;
	case IR_NXDOMAIN:
		deleg_note_result(&f->dp, &q->server, -1);
		if (mini) {
			/* Relaxed mode (§2.3): some servers deny empty non-terminals; ask in full. */
			f->qmin_off = true;
			f->state = FS_QUERY;
		} else {
			negative(q, f, m, f->sname, DNS_RCODE_NXDOMAIN);
		}
		return;
	case IR_REFERRAL:
		deleg_note_result(&f->dp, &q->server, -1);
		on_referral(q, f, m, cut);
		return;
	default:
		if (mini) {
			/* Relaxed mode: a server that chokes on the minimised name gets the full
			 * name before it is blamed. */
			f->qmin_off = true;
			deleg_note_result(&f->dp, &q->server, -1);
			f->state = FS_QUERY;
			return;
		}
		server_failed(q, f, failure_of(kind));
		return;
	}
}

static bool same_endpoint(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

enum resolve_verdict resolve_consume(struct resolve_req *q, const struct netaddr *from,
				     const uint8_t *pkt, size_t len)
{
	if (!q->in_flight || q->done)
		return RESOLVE_IGNORED;
	struct frame *f = top(q);
	struct resolver *r = q->r;
	if (!same_endpoint(from, &q->server) || len < DNS_HEADER_SIZE ||
	    wire_read_u16(pkt) != q->id || !(wire_read_u16(pkt + 2) & DNS_FLAG_QR)) {
		r->stats.mismatched++;
		return RESOLVE_IGNORED;
	}
	struct wire_msg m;
	int perr = wire_msg_parse(pkt, len, &m);
	if (perr == 0 && m.has_question) {
		if (m.qtype != f->ask_type || m.qclass != DNS_CLASS_IN ||
		    !wire_name_equal(m.qname, q->sent_name)) {
			wire_msg_free(&m);
			r->stats.mismatched++;
			return RESOLVE_IGNORED;
		}
	} else if (perr == 0 && m.rcode == DNS_RCODE_NOERROR) {
		/* Only an error may come back without the question. */
		wire_msg_free(&m);
		r->stats.mismatched++;
		return RESOLVE_IGNORED;
	}
	q->in_flight = false;
	struct srv_info *si = servers_get(r->servers, &q->server);
	uint64_t rtt = now_ms(q) - q->sent_ms;
	if (si)
		servers_answered(si, rtt > 0xffffff ? 0xffffff : (uint32_t)rtt);
	if (perr < 0) {
		wire_msg_free(&m);
		server_failed(q, f, SRV_FORMERR);
		return RESOLVE_ACCEPTED;
	}
	if (q->sent_0x20 && m.has_question && memcmp(m.qname, q->sent_name,
						      wire_name_len(q->sent_name)) != 0) {
		/* The case came back changed: a server that does not echo 0x20. Ask it again
		 * in plain case rather than failing names it serves. */
		r->stats.case_fallbacks++;
		if (si)
			si->no_0x20 = true;
		q->resend = true;
		q->transport = RESOLVE_UDP;
		f->state = FS_WAIT;
		wire_msg_free(&m);
		return RESOLVE_ACCEPTED;
	}
	if ((m.flags & DNS_FLAG_TC) && q->transport == RESOLVE_UDP) {
		/* RFC 7766 §5: truncated over UDP, so ask the same server over TCP. */
		q->resend = true;
		q->transport = RESOLVE_TCP;
		f->state = FS_WAIT;
		wire_msg_free(&m);
		return RESOLVE_ACCEPTED;
	}
	if ((m.rcode == DNS_RCODE_FORMERR || m.rcode == DNS_RCODE_NOTIMP) && q->sent_edns &&
	    !m.has_opt) {
		/* RFC 6891 §7: a server that does not know EDNS; retry it without. */
		r->stats.edns_fallbacks++;
		if (si)
			si->no_edns = true;
		q->resend = true;
		q->transport = RESOLVE_UDP;
		f->state = FS_WAIT;
		wire_msg_free(&m);
		return RESOLVE_ACCEPTED;
	}
	on_response(q, f, &m);
	wire_msg_free(&m);
	return RESOLVE_ACCEPTED;
}

void resolve_timeout(struct resolve_req *q)
{
	if (!q->in_flight || q->done)
		return;
	q->in_flight = false;
	q->resend = false;
	q->r->stats.timeouts++;
	server_failed(q, top(q), SRV_TIMEOUT);
}

void resolve_neterror(struct resolve_req *q, const char *why)
{
	if (!q->in_flight || q->done)
		return;
	q->in_flight = false;
	q->resend = false;
	char srv[80];
	netaddr_format(&q->server, srv, sizeof(srv));
	snprintf(q->why, sizeof(q->why), "%s: %s", srv, why);
	server_failed(q, top(q), SRV_UNREACHABLE);
}

/* ---- the driver ------------------------------------------------------------------------ */

/* A nested lookup finished: hand its addresses to the NS entry that waited for them. */
static void child_done(struct resolve_req *q)
{
	struct frame *c = top(q);
	q->f[--q->depth] = NULL;
	struct frame *p = top(q);
	if (p->child_ns >= 0 && !c->failed) {
		for (size_t i = 0; i < c->n_answer; i++) {
			const struct iter_rrset *s = &c->answer[i];
			if (s->type != c->qtype || !wire_name_equal(s->owner, c->sname))
				continue;
			uint32_t off = 0;
			while (off + 2 <= s->size) {
				uint16_t len = wire_read_u16(s->rdata + off);
				struct netaddr a = { .port = 53 };
				if (len == 4 || len == 16) {
					a.family = len == 4 ? AF_INET : AF_INET6;
					memcpy(a.addr, s->rdata + off + 2, len);
					deleg_add_addr(&p->dp, (unsigned)p->child_ns, &a);
				}
				off += 2u + len;
			}
		}
	}
	p->child_ns = -1;
	p->state = FS_QUERY;
	frame_free(c);
}

/* Frame 0 is done: its findings become the client's result. */
static void finish(struct resolve_req *q)
{
	struct frame *f = q->f[0];
	q->done = true;
	q->result.rcode = f->rcode;
	if (!f->failed) {
		q->result.answer = f->answer;
		q->result.n_answer = f->n_answer;
		q->result.soa = f->soa;
		f->answer = NULL;
		f->n_answer = f->cap_answer = 0;
		f->soa = NULL;
	} else {
		q->r->stats.servfail++;
	}
}

enum resolve_step resolve_produce(struct resolve_req *q, struct resolve_query *out)
{
	if (q->done)
		return RESOLVE_DONE;
	for (;;) {
		struct frame *f = top(q);
		if (f->state != FS_DONE && now_ms(q) >= q->deadline_ms) {
			char zone[WIRE_NAME_TEXT_MAX];
			name_text(f->dp.zone, zone, sizeof(zone));
			frame_fail(q, q->f[0], EDE_NO_REACHABLE_AUTHORITY,
				   "no answer within %u ms (recursion.request-timeout) while asking "
				   "the servers of %s", q->opts.request_timeout_ms, zone);
			finish(q);
			return RESOLVE_DONE;
		}
		enum resolve_step step;
		switch (f->state) {
		case FS_INIT:
			st_init(q, f);
			break;
		case FS_QUERY:
			if (st_query(q, f, out, &step))
				return step;
			if (q->f[0]->state == FS_DONE && q->f[0]->failed) {
				finish(q);
				return RESOLVE_DONE;
			}
			break;
		case FS_WAIT:
			if (q->resend)
				return send_query(q, f, out);
			/* Nothing in flight and nothing to resend: choose again. */
			f->state = FS_QUERY;
			break;
		case FS_CHILD:
			f->state = FS_QUERY; /* its lookup vanished: cannot happen, but recover */
			break;
		case FS_DONE:
			if (q->depth == 1) {
				finish(q);
				return RESOLVE_DONE;
			}
			child_done(q);
			break;
		}
	}
}
