/*
 * replay_steps — the steps the replay tests share (tests/unit/test_resolve*.c): a world per
 * test, "the next query must be this", "the request must be done", and the lab's usual
 * referrals and answers (root → lab. → example.lab.), over replay.h.
 */
#ifndef CAIRN_TESTS_REPLAY_STEPS_H
#define CAIRN_TESTS_REPLAY_STEPS_H

#include "replay.h"

static const char *const ROOT[] = { REPLAY_ROOT, NULL };
static const char *const LAB[] = { "127.53.1.1", "127.53.1.2", NULL };
static const char *const EXAMPLE[] = { "127.53.2.1", "127.53.2.2", NULL };
static const char *const OTHER[] = { "127.53.3.1", NULL };

/* The world of the test running now (for the trace on failure). */
static struct replay *current;

static inline struct replay *world(void **state)
{
	struct replay *w = *state;
	return w;
}

static inline int setup(void **state)
{
	struct replay *w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	replay_init(w);
	*state = w;
	current = w;
	return 0;
}

static inline int teardown(void **state)
{
	struct replay *w = *state;
	replay_free(w);
	free(w);
	current = NULL;
	return 0;
}

/* The next step is a query for (qname, qtype) to one of `servers`. */
static inline void expect_query(struct resolve_req *q, struct sent *s,
				const char *const *servers, const char *qname, uint16_t qtype)
{
	if (replay_next(q, s) != RESOLVE_SEND) {
		const struct resolve_result *r = resolve_result(q);
		replay_dump_trace(current);
		fail_msg("expected a query for %s type %u; the request finished: rcode %u, EDE %d "
			 "'%s'", qname, qtype, r->rcode, r->ede, r->ede_text);
	}
	if (!sent_to_one_of(s, servers) || !rp_name_is(s->qname, qname) || s->qtype != qtype) {
		char got[WIRE_NAME_TEXT_MAX + 100];
		sent_text(s, got, sizeof(got));
		replay_dump_trace(current);
		fail_msg("expected a query for %s type %u to %s%s; the engine sent %s", qname,
			 qtype, servers[0], servers[1] ? " or another server of that zone" : "",
			 got);
	}
}

/* The request is finished: no more queries. */
static inline const struct resolve_result *expect_done(struct resolve_req *q)
{
	struct sent s;
	if (replay_next(q, &s) != RESOLVE_DONE) {
		char got[WIRE_NAME_TEXT_MAX + 100];
		sent_text(&s, got, sizeof(got));
		replay_dump_trace(current);
		fail_msg("expected the request to be finished; the engine sent %s", got);
	}
	return resolve_result(q);
}

static inline void assert_rrset(const struct iter_rrset *s, const char *owner, uint16_t type,
			 uint32_t count)
{
	char got[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(s->owner, got, sizeof(got));
	assert_string_equal(got, owner);
	assert_int_equal(s->type, type);
	assert_int_equal(s->count, count);
}

/* The RRset holds this IPv4 address among its records. */
static inline bool rrset_has_a(const struct iter_rrset *s, const char *ip)
{
	struct netaddr a = rp_addr(ip);
	uint32_t off = 0;
	while (off + 2 <= s->size) {
		uint16_t len = wire_read_u16(s->rdata + off);
		if (len == 4 && memcmp(s->rdata + off + 2, a.addr, 4) == 0)
			return true;
		off += 2u + len;
	}
	return false;
}

static inline bool rrset_first_name_is(const struct iter_rrset *s, const char *name)
{
	uint16_t rdlen;
	const uint8_t *rd = iter_rrset_first(s, &rdlen);
	return rd && wire_name_len_bounded(rd, rdlen) > 0 && rp_name_is(rd, name);
}

static inline bool has_upper(const uint8_t *name)
{
	for (const uint8_t *p = name; *p; p += *p + 1)
		for (unsigned i = 1; i <= *p; i++)
			if (p[i] >= 'A' && p[i] <= 'Z')
				return true;
	return false;
}

static inline bool has_lower(const uint8_t *name)
{
	for (const uint8_t *p = name; *p; p += *p + 1)
		for (unsigned i = 1; i <= *p; i++)
			if (p[i] >= 'a' && p[i] <= 'z')
				return true;
	return false;
}

/* The root delegates lab. to ns1.lab. and ns2.lab., with their glue. */
static inline void root_refers_to_lab(struct replay *w, struct resolve_req *q,
				      const struct sent *s)
{
	struct reply p;
	reply_start(&p, s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "lab.", "ns1.lab.");
	reply_ns(&p, WIRE_AUTHORITY, "lab.", "ns2.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.lab.", 172800, "127.53.1.1");
	reply_a(&p, WIRE_ADDITIONAL, "ns2.lab.", 172800, "127.53.1.2");
	reply_opt(&p);
	reply_send(w, q, s, &p, 10);
}

/* lab. delegates example.lab. to ns1/ns2.example.lab., with their glue. */
static inline void lab_refers_to_example(struct replay *w, struct resolve_req *q,
				      const struct sent *s)
{
	struct reply p;
	reply_start(&p, s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns1.example.lab.");
	reply_ns(&p, WIRE_AUTHORITY, "example.lab.", "ns2.example.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.example.lab.", 172800, "127.53.2.1");
	reply_a(&p, WIRE_ADDITIONAL, "ns2.example.lab.", 172800, "127.53.2.2");
	reply_opt(&p);
	reply_send(w, q, s, &p, 10);
}

/* lab. delegates other.lab. to ns1.other.lab., with glue. */
static inline void lab_refers_to_other(struct replay *w, struct resolve_req *q,
				      const struct sent *s)
{
	struct reply p;
	reply_start(&p, s, 0, DNS_RCODE_NOERROR);
	reply_ns(&p, WIRE_AUTHORITY, "other.lab.", "ns1.other.lab.");
	reply_a(&p, WIRE_ADDITIONAL, "ns1.other.lab.", 172800, "127.53.3.1");
	reply_opt(&p);
	reply_send(w, q, s, &p, 10);
}

/* An authoritative answer: owner A ip, TTL 300. */
static inline void answer_a(struct replay *w, struct resolve_req *q, const struct sent *s,
		     const char *owner, const char *ip)
{
	struct reply p;
	reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_a(&p, WIRE_ANSWER, owner, 300, ip);
	reply_opt(&p);
	reply_send(w, q, s, &p, 10);
}

/* An authoritative empty answer with the zone's SOA (NODATA, or NXDOMAIN with rcode 3). */
static inline void answer_negative(struct replay *w, struct resolve_req *q, const struct sent *s,
			    unsigned rcode, const char *zone)
{
	struct reply p;
	reply_start(&p, s, DNS_FLAG_AA, rcode);
	reply_soa(&p, zone, 3600, 300);
	reply_opt(&p);
	reply_send(w, q, s, &p, 10);
}

/* A bare error RCODE, question echoed. */
static inline void answer_rcode(struct replay *w, struct resolve_req *q, const struct sent *s,
			 unsigned rcode)
{
	struct reply p;
	reply_start(&p, s, 0, rcode);
	reply_opt(&p);
	reply_send(w, q, s, &p, 10);
}

/* Without QNAME minimisation: root, then lab., then the query to example.lab. in *s. */
static inline void walk_to_example(struct replay *w, struct resolve_req *q, struct sent *s,
			    const char *qname, uint16_t qtype)
{
	expect_query(q, s, ROOT, qname, qtype);
	root_refers_to_lab(w, q, s);
	expect_query(q, s, LAB, qname, qtype);
	lab_refers_to_example(w, q, s);
	expect_query(q, s, EXAMPLE, qname, qtype);
}

#endif
