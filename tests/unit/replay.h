/*
 * replay — a scripted world for the request state machine of lib/resolve.h (the design's
 * layer 2 tests): a clock that only moves when the test says so, "random" bytes from a fixed
 * seed, and upstream responses written by the test with wire_builder for the exact query the
 * engine produced (its ID and its question, case included).
 *
 * A test drives a request like the daemon would:
 *
 *     struct sent s;
 *     assert_int_equal(replay_next(q, &s), RESOLVE_SEND);   // what the engine sends
 *     struct reply p;
 *     reply_start(&p, &s, 0, DNS_RCODE_NOERROR);             // echo ID and question
 *     reply_ns(&p, WIRE_AUTHORITY, "lab.", "ns1.lab.");
 *     reply_send(w, q, &s, &p, 10);                          // arrives 10 ms later
 *
 * Include after <cmocka.h>. Everything is static inline so that each test file uses what it
 * needs without unused-function warnings.
 */
#ifndef CAIRN_TESTS_REPLAY_H
#define CAIRN_TESTS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/cache/rrcache.h"
#include "lib/iterator/hints.h"
#include "lib/iterator/servers.h"
#include "lib/resolve.h"
#include "lib/util/env.h"
#include "lib/util/netaddr.h"
#include "lib/wire/builder.h"
#include "lib/wire/dns.h"
#include "lib/wire/msg.h"
#include "lib/wire/name.h"

#define REPLAY_WALL_START 1700000000 /* wall clock (seconds) when a world starts */
#define REPLAY_MONO_START 1000000    /* monotonic clock (ms) when a world starts */
#define REPLAY_ROOT "127.53.0.1"     /* the only root server of the hints */
#define REPLAY_REQS_MAX 8            /* requests a test may have open at once */
#define REPLAY_TRACE_LINES 48        /* the engine's last trace lines, shown on failure */
#define REPLAY_TRACE_LEN 240

/* ---- names and addresses from text ---- */

static inline void rp_name(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	if (wire_name_from_text(text, NULL, out) <= 0)
		fail_msg("'%s' is not a name", text);
}

/* Canonical (lower-case) form, as the engine wants for resolve_new. */
static inline void rp_lname(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	rp_name(text, out);
	wire_name_lower(out);
}

static inline struct netaddr rp_addr(const char *text)
{
	struct netaddr a;
	char err[128];
	if (netaddr_parse(text, 53, &a, err, sizeof(err)) < 0)
		fail_msg("'%s': %s", text, err);
	return a;
}

static inline bool rp_addr_is(const struct netaddr *a, const char *text)
{
	struct netaddr b = rp_addr(text);
	return a->family == b.family && a->port == b.port &&
	       memcmp(a->addr, b.addr, a->family == AF_INET ? 4 : 16) == 0;
}

static inline bool rp_same_addr(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

static inline bool rp_name_is(const uint8_t *name, const char *text)
{
	uint8_t n[WIRE_NAME_MAX];
	rp_name(text, n);
	return wire_name_equal(name, n);
}

/* ---- the world: clocks, randomness, resolver ---- */

struct replay {
	int64_t wall;          /* seconds */
	uint64_t mono;         /* milliseconds */
	uint64_t rnd;          /* xorshift64* state */
	struct cairn_env env;
	struct root_hints hints;
	struct resolver r;
	/* requests not released yet: a failed assertion leaves them to replay_free */
	struct resolve_req *reqs[REPLAY_REQS_MAX];
	/* a ring of the engine's trace lines */
	char trace[REPLAY_TRACE_LINES][REPLAY_TRACE_LEN];
	unsigned n_trace;
};

static inline void replay_trace(void *ctx, const char *line)
{
	struct replay *w = ctx;
	char *dst = w->trace[w->n_trace++ % REPLAY_TRACE_LINES];
	size_t n = strlen(line);
	if (n >= REPLAY_TRACE_LEN)
		n = REPLAY_TRACE_LEN - 1;
	memcpy(dst, line, n);
	dst[n] = '\0';
}

/* Print what the engine did last (for a failing test). */
static inline void replay_dump_trace(const struct replay *w)
{
	unsigned first = w->n_trace > REPLAY_TRACE_LINES ? w->n_trace - REPLAY_TRACE_LINES : 0;
	print_message("last %u trace lines of the engine:\n", w->n_trace - first);
	for (unsigned i = first; i < w->n_trace; i++)
		print_message("  %s\n", w->trace[i % REPLAY_TRACE_LINES]);
}

static inline int64_t replay_wall_now(void *ctx)
{
	return ((struct replay *)ctx)->wall;
}

static inline uint64_t replay_mono_ms(void *ctx)
{
	return ((struct replay *)ctx)->mono;
}

/* Deterministic bytes: the same seed gives the same IDs, server picks and 0x20 case. */
static inline void replay_random(void *ctx, void *buf, size_t len)
{
	struct replay *w = ctx;
	uint8_t *out = buf;
	for (size_t i = 0; i < len; i++) {
		w->rnd ^= w->rnd >> 12;
		w->rnd ^= w->rnd << 25;
		w->rnd ^= w->rnd >> 27;
		out[i] = (uint8_t)((w->rnd * 0x2545F4914F6CDD1Dull) >> 56);
	}
}

/* The options every replay test starts from; tests change what they are about. */
static inline void replay_default_opts(struct resolve_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->qname_minimisation = false;
	o->use_0x20 = false;
	o->harden_glue = true;
	o->addr.ipv4 = true;
	o->addr.ipv6 = false;
	o->addr.query_loopback = true;
	o->request_timeout_ms = 4000;
	o->max_queries = 100;
	o->max_referrals = 30;
	o->max_glueless = 12;
	o->max_depth = 4;
	o->max_cname = 12;
}

static inline void replay_init(struct replay *w)
{
	memset(w, 0, sizeof(*w));
	w->wall = REPLAY_WALL_START;
	w->mono = REPLAY_MONO_START;
	w->rnd = 0x9E3779B97F4A7C15ull;
	w->env.wall_now = replay_wall_now;
	w->env.mono_ms = replay_mono_ms;
	w->env.random = replay_random;
	w->env.ctx = w;

	uint8_t root_ns[WIRE_NAME_MAX];
	rp_name("a.root-servers.test.", root_ns);
	struct netaddr root = rp_addr(REPLAY_ROOT);
	assert_int_equal(root_hints_add(&w->hints, root_ns, &root), 0);

	struct rrcache_limits lim = { .max_bytes = 4 << 20, .max_ttl = 86400, .min_ttl = 0,
				      .neg_max_ttl = 3600 };
	replay_default_opts(&w->r.opts);
	w->r.hints = &w->hints;
	w->r.cache = rrcache_new(&lim);
	w->r.servers = servers_new(1024);
	w->r.env = &w->env;
	w->r.trace = replay_trace;
	w->r.trace_ctx = w;
	assert_non_null(w->r.cache);
	assert_non_null(w->r.servers);
}

static inline void replay_free(struct replay *w)
{
	for (unsigned i = 0; i < REPLAY_REQS_MAX; i++)
		resolve_free(w->reqs[i]);
	rrcache_free(w->r.cache);
	servers_free(w->r.servers);
	root_hints_free(&w->hints);
}

static inline struct resolve_req *replay_request(struct replay *w, const char *qname,
						 uint16_t qtype)
{
	uint8_t n[WIRE_NAME_MAX];
	rp_lname(qname, n);
	struct resolve_req *q = resolve_new(&w->r, n, qtype);
	assert_non_null(q);
	for (unsigned i = 0; i < REPLAY_REQS_MAX; i++) {
		if (!w->reqs[i]) {
			w->reqs[i] = q;
			return q;
		}
	}
	resolve_free(q);
	fail_msg("more than %d requests open at once", REPLAY_REQS_MAX);
	return NULL;
}

/* The test is done with a request (resolve_free, and forget it). */
static inline void replay_release(struct replay *w, struct resolve_req *q)
{
	for (unsigned i = 0; i < REPLAY_REQS_MAX; i++)
		if (w->reqs[i] == q)
			w->reqs[i] = NULL;
	resolve_free(q);
}

/* ---- what the engine sends ---- */

struct sent {
	struct netaddr server;
	enum resolve_transport transport;
	uint32_t timeout_ms;
	uint16_t id;
	uint16_t flags;
	uint8_t qname[WIRE_NAME_MAX]; /* as sent: 0x20 case kept */
	uint16_t qtype, qclass;
	bool has_opt;
	uint16_t opt_udp_size;
	uint8_t pkt[DNS_MAX_UDP_NO_EDNS];
	size_t len;
};

/* resolve_produce, and when it says SEND, the query read back with the response parser. */
static inline enum resolve_step replay_next(struct resolve_req *q, struct sent *s)
{
	struct resolve_query out;
	memset(s, 0, sizeof(*s));
	memset(&out, 0, sizeof(out));
	enum resolve_step step = resolve_produce(q, &out);
	if (step != RESOLVE_SEND)
		return step;
	assert_non_null(out.pkt);
	assert_true(out.len >= DNS_HEADER_SIZE && out.len <= sizeof(s->pkt));
	memcpy(s->pkt, out.pkt, out.len);
	s->len = out.len;
	s->server = out.server;
	s->transport = out.transport;
	s->timeout_ms = out.timeout_ms;
	struct wire_msg m;
	if (wire_msg_parse(out.pkt, out.len, &m) < 0)
		fail_msg("the engine sent a query its own parser rejects: %s", m.error);
	assert_true(m.has_question);
	assert_int_equal(wire_read_u16(out.pkt + 4), 1); /* QDCOUNT */
	s->id = m.id;
	s->flags = m.flags;
	memcpy(s->qname, m.qname, wire_name_len(m.qname));
	s->qtype = m.qtype;
	s->qclass = m.qclass;
	s->has_opt = m.has_opt;
	s->opt_udp_size = m.opt_udp_size;
	wire_msg_free(&m);
	return RESOLVE_SEND;
}

/* The query went to one of these servers (NULL-terminated list of addresses). */
static inline bool sent_to_one_of(const struct sent *s, const char *const *addrs)
{
	for (; *addrs; addrs++)
		if (rp_addr_is(&s->server, *addrs))
			return true;
	return false;
}

static inline void sent_text(const struct sent *s, char *buf, size_t size)
{
	char n[WIRE_NAME_TEXT_MAX], a[80];
	wire_name_to_text(s->qname, n, sizeof(n));
	netaddr_format(&s->server, a, sizeof(a));
	int k = snprintf(buf, size, "%s type %u to %s over %s", n, s->qtype, a,
			 s->transport == RESOLVE_TCP ? "TCP" : "UDP");
	if (k >= (int)size && size > 4)
		memcpy(buf + size - 4, "...", 4); /* cut: say so */
}

/* ---- responses ---- */

struct reply {
	uint8_t buf[4096];
	struct wire_builder b;
};

/* Header (QR set, ID echoed) and the question with any name/type. */
static inline void reply_start_as(struct reply *p, uint16_t id, uint16_t flags, unsigned rcode,
				  const uint8_t *qname, uint16_t qtype)
{
	wire_builder_init(&p->b, p->buf, sizeof(p->buf));
	wire_builder_header(&p->b, id, (uint16_t)(DNS_FLAG_QR | flags), rcode);
	if (qname)
		assert_int_equal(wire_builder_question(&p->b, qname, qtype, DNS_CLASS_IN), 0);
}

/* A response to exactly the query sent: its ID, its question spelt the same way. */
static inline void reply_start(struct reply *p, const struct sent *s, uint16_t flags,
			       unsigned rcode)
{
	reply_start_as(p, s->id, flags, rcode, s->qname, s->qtype);
}

static inline void reply_rr(struct reply *p, enum wire_section sec, const char *owner,
			    uint16_t type, uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	uint8_t o[WIRE_NAME_MAX];
	rp_name(owner, o);
	assert_int_equal(wire_builder_rr(&p->b, sec, o, type, DNS_CLASS_IN, ttl, rd,
					 (uint16_t)rdlen),
			 0);
}

static inline void reply_a(struct reply *p, enum wire_section sec, const char *owner,
			   uint32_t ttl, const char *ip)
{
	struct netaddr a = rp_addr(ip);
	assert_int_equal(a.family, AF_INET);
	reply_rr(p, sec, owner, DNS_TYPE_A, ttl, a.addr, 4);
}

static inline void reply_aaaa(struct reply *p, enum wire_section sec, const char *owner,
			      uint32_t ttl, const char *ip)
{
	struct netaddr a = rp_addr(ip);
	assert_int_equal(a.family, AF_INET6);
	reply_rr(p, sec, owner, DNS_TYPE_AAAA, ttl, a.addr, 16);
}

/* Records whose data is one name: NS, CNAME, DNAME, PTR. */
static inline void reply_name_rr(struct reply *p, enum wire_section sec, const char *owner,
				 uint16_t type, uint32_t ttl, const char *target)
{
	uint8_t t[WIRE_NAME_MAX];
	rp_name(target, t);
	reply_rr(p, sec, owner, type, ttl, t, wire_name_len(t));
}

static inline void reply_ns(struct reply *p, enum wire_section sec, const char *zone,
			    const char *ns)
{
	reply_name_rr(p, sec, zone, DNS_TYPE_NS, 172800, ns);
}

static inline void reply_cname(struct reply *p, const char *owner, uint32_t ttl,
			       const char *target)
{
	reply_name_rr(p, WIRE_ANSWER, owner, DNS_TYPE_CNAME, ttl, target);
}

/* SOA of zone in the authority section: ns1.<zone> hostmaster.<zone> 1 7200 3600 1209600 min */
static inline void reply_soa(struct reply *p, const char *zone, uint32_t ttl, uint32_t minimum)
{
	uint8_t z[WIRE_NAME_MAX], mname[WIRE_NAME_MAX], rname[WIRE_NAME_MAX];
	uint8_t rd[2 * WIRE_NAME_MAX + 20];
	rp_name(zone, z);
	memcpy(mname, "\3ns1", 4);
	memcpy(mname + 4, z, wire_name_len(z));
	memcpy(rname, "\12hostmaster", 11);
	memcpy(rname + 11, z, wire_name_len(z));
	size_t o = 0;
	memcpy(rd, mname, wire_name_len(mname));
	o += wire_name_len(mname);
	memcpy(rd + o, rname, wire_name_len(rname));
	o += wire_name_len(rname);
	const uint32_t nums[5] = { 1, 7200, 3600, 1209600, minimum };
	for (int i = 0; i < 5; i++, o += 4)
		wire_write_u32(rd + o, nums[i]);
	reply_rr(p, WIRE_AUTHORITY, zone, DNS_TYPE_SOA, ttl, rd, o);
}

static inline void reply_opt(struct reply *p)
{
	struct wire_opt opt = { .udp_size = 1232, .ede_code = EDE_NONE };
	assert_int_equal(wire_builder_opt(&p->b, &opt), 0);
}

/* The response arrives rtt_ms after now, from `from`. */
static inline enum resolve_verdict reply_send_from(struct replay *w, struct resolve_req *q,
						   const struct netaddr *from,
						   const struct reply *p, uint32_t rtt_ms)
{
	w->mono += rtt_ms;
	return resolve_consume(q, from, p->buf, p->b.len);
}

/* The response arrives rtt_ms later from the server the query went to; it must be taken. */
static inline void reply_send(struct replay *w, struct resolve_req *q, const struct sent *s,
			      const struct reply *p, uint32_t rtt_ms)
{
	assert_int_equal(reply_send_from(w, q, &s->server, p, rtt_ms), RESOLVE_ACCEPTED);
}

/* Nothing came back: the daemon's timer fires after the query's timeout. */
static inline void replay_timeout(struct replay *w, struct resolve_req *q, const struct sent *s)
{
	w->mono += s->timeout_ms;
	resolve_timeout(q);
}

#endif
