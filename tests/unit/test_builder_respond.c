/* Unit tests for lib/wire/builder.h and lib/respond.h: answers are read back with ldns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "lib/policy/access.h"
#include "lib/respond.h"
#include "lib/wire/builder.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"
#include "lib/zone/load.h"
#include "lib/zone/zone.h"
#include "lib/zone/zoneset.h"

/* ---- helpers ---- */

static void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	if (wire_name_from_text(text, NULL, out) <= 0)
		fail_msg("'%s' is not a name", text);
}

static ldns_pkt *parse_answer(const uint8_t *buf, size_t len)
{
	ldns_pkt *pkt = NULL;
	ldns_status st = ldns_wire2pkt(&pkt, buf, len);
	if (st != LDNS_STATUS_OK)
		fail_msg("ldns cannot read the answer: %s", ldns_get_errorstr_by_id(st));
	return pkt;
}

/* The EDE option in the answer's OPT: its INFO-CODE (or -1) and EXTRA-TEXT. */
static int ede_of(const ldns_pkt *pkt, char *text, size_t size)
{
	const ldns_rdf *rd = ldns_pkt_edns_data(pkt);
	text[0] = '\0';
	if (!rd)
		return -1;
	const uint8_t *d = ldns_rdf_data(rd);
	size_t n = ldns_rdf_size(rd), o = 0;
	while (o + 4 <= n) {
		uint16_t code = (uint16_t)(d[o] << 8 | d[o + 1]);
		uint16_t len = (uint16_t)(d[o + 2] << 8 | d[o + 3]);
		assert_true(o + 4 + len <= n);
		if (code == EDNS_OPTION_EDE && len >= 2) {
			size_t t = len - 2u < size - 1 ? len - 2u : size - 1;
			memcpy(text, d + o + 6, t);
			text[t] = '\0';
			return d[o + 4] << 8 | d[o + 5];
		}
		o += 4u + len;
	}
	return -1;
}

static uint16_t arcount_on_wire(const uint8_t *buf)
{
	return wire_read_u16(buf + 10);
}

static ldns_rdf *dname(const char *text)
{
	ldns_rdf *r = ldns_dname_new_frm_str(text);
	assert_non_null(r);
	return r;
}

static bool owner_is(const ldns_rr *rr, const char *text)
{
	ldns_rdf *want = dname(text);
	bool eq = ldns_dname_compare(ldns_rr_owner(rr), want) == 0;
	ldns_rdf_deep_free(want);
	return eq;
}

/* ---- builder ---- */

static void test_built_response_reads_back_with_counts_and_flags(void **state)
{
	(void)state;
	uint8_t buf[512], www[WIRE_NAME_MAX], apex[WIRE_NAME_MAX], ns[WIRE_NAME_MAX];
	uint8_t soa[300];
	struct wire_builder b;
	name_of("www.example.com.", www);
	name_of("example.com.", apex);
	name_of("ns.example.com.", ns);
	size_t o = 0;
	memcpy(soa, ns, wire_name_len(ns));
	o += wire_name_len(ns);
	memcpy(soa + o, "\x0ahostmaster\x07" "example\x03" "com", 24);
	o += 24;
	for (int i = 0; i < 5; i++, o += 4)
		wire_write_u32(soa + o, (uint32_t)(i + 1) * 100);

	wire_builder_init(&b, buf, sizeof(buf));
	wire_builder_header(&b, 0x1234, DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD, DNS_RCODE_NXDOMAIN);
	assert_int_equal(wire_builder_question(&b, www, DNS_TYPE_A, DNS_CLASS_IN), 0);
	assert_int_equal(wire_builder_rr(&b, WIRE_ANSWER, www, DNS_TYPE_A, DNS_CLASS_IN, 60,
					 (const uint8_t *)"\xc0\x00\x02\x01", 4), 0);
	assert_int_equal(wire_builder_rr(&b, WIRE_AUTHORITY, apex, DNS_TYPE_SOA, DNS_CLASS_IN, 30,
					 soa, (uint16_t)o), 0);
	assert_int_equal(wire_builder_rr(&b, WIRE_ADDITIONAL, ns, DNS_TYPE_A, DNS_CLASS_IN, 60,
					 (const uint8_t *)"\xc0\x00\x02\x35", 4), 0);
	struct wire_opt opt = { .udp_size = 1232, .do_bit = true, .ede_code = EDE_NONE };
	assert_int_equal(wire_builder_opt(&b, &opt), 0);

	ldns_pkt *p = parse_answer(buf, b.len);
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	assert_true(ldns_pkt_qr(p));
	assert_true(ldns_pkt_aa(p));
	assert_true(ldns_pkt_rd(p));
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(ldns_pkt_nscount(p), 1);
	assert_int_equal(ldns_pkt_arcount(p), 1); /* the OPT is not counted by ldns */
	assert_int_equal(arcount_on_wire(buf), 2);
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_true(ldns_pkt_edns_do(p));
	assert_int_equal(ldns_pkt_edns_version(p), 0);

	const ldns_rr *a = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	assert_true(owner_is(a, "www.example.com."));
	assert_int_equal(ldns_rr_ttl(a), 60);
	assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(a, 0)), "\xc0\x00\x02\x01", 4);
	const ldns_rr *s = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
	assert_int_equal(ldns_rr_get_type(s), LDNS_RR_TYPE_SOA);
	assert_true(owner_is(s, "example.com."));
	ldns_rdf *mname = dname("ns.example.com."), *rname = dname("hostmaster.example.com.");
	assert_int_equal(ldns_dname_compare(ldns_rr_rdf(s, 0), mname), 0);
	assert_int_equal(ldns_dname_compare(ldns_rr_rdf(s, 1), rname), 0);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(s, 6)), 500);
	ldns_rdf_deep_free(mname);
	ldns_rdf_deep_free(rname);
	assert_true(owner_is(ldns_rr_list_rr(ldns_pkt_additional(p), 0), "ns.example.com."));
	ldns_pkt_free(p);
}

static void test_second_rr_with_same_owner_is_smaller(void **state)
{
	(void)state;
	uint8_t buf[512], mail[WIRE_NAME_MAX];
	struct wire_builder b;
	name_of("mail.example.com.", mail);
	wire_builder_init(&b, buf, sizeof(buf));
	wire_builder_header(&b, 1, DNS_FLAG_QR, 0);
	size_t l0 = b.len;
	assert_int_equal(wire_builder_rr(&b, WIRE_ANSWER, mail, DNS_TYPE_A, DNS_CLASS_IN, 1,
					 (const uint8_t *)"\x01\x02\x03\x04", 4), 0);
	size_t l1 = b.len;
	assert_int_equal(wire_builder_rr(&b, WIRE_ANSWER, mail, DNS_TYPE_A, DNS_CLASS_IN, 1,
					 (const uint8_t *)"\x05\x06\x07\x08", 4), 0);
	size_t l2 = b.len;
	assert_int_equal(l1 - l0, 18 + 10 + 4);
	assert_int_equal(l2 - l1, 2 + 10 + 4); /* owner is a 2-byte pointer */

	ldns_pkt *p = parse_answer(buf, b.len);
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_true(owner_is(ldns_rr_list_rr(ldns_pkt_answer(p), 1), "mail.example.com."));
	ldns_pkt_free(p);
}

static void test_cname_target_is_compressed_against_owner(void **state)
{
	(void)state;
	uint8_t buf[512], www[WIRE_NAME_MAX], web[WIRE_NAME_MAX];
	struct wire_builder b;
	name_of("www.example.com.", www);
	name_of("web.example.com.", web);
	wire_builder_init(&b, buf, sizeof(buf));
	wire_builder_header(&b, 1, DNS_FLAG_QR, 0);
	assert_int_equal(wire_builder_rr(&b, WIRE_ANSWER, www, DNS_TYPE_CNAME, DNS_CLASS_IN, 1,
					 web, (uint16_t)wire_name_len(web)), 0);
	/* RDLENGTH is "\x03web" + pointer to example.com. = 6 */
	assert_int_equal(wire_read_u16(buf + 12 + 17 + 8), 6);
	ldns_pkt *p = parse_answer(buf, b.len);
	ldns_rdf *want = dname("web.example.com.");
	assert_int_equal(ldns_dname_compare(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 0),
					    want), 0);
	ldns_rdf_deep_free(want);
	ldns_pkt_free(p);
}

static void test_rr_over_limit_returns_minus_one_and_changes_nothing(void **state)
{
	(void)state;
	uint8_t buf[512], www[WIRE_NAME_MAX], other[WIRE_NAME_MAX];
	struct wire_builder b;
	name_of("www.example.com.", www);
	name_of("other.example.com.", other);
	wire_builder_init(&b, buf, sizeof(buf));
	wire_builder_header(&b, 1, DNS_FLAG_QR, 0);
	assert_int_equal(wire_builder_question(&b, www, DNS_TYPE_A, DNS_CLASS_IN), 0);
	size_t before = b.len;
	b.limit = b.len + 20; /* "other" needs 2+6 bytes of name, 10 fixed, 4 data = 22 */
	assert_int_equal(wire_builder_rr(&b, WIRE_ANSWER, other, DNS_TYPE_A, DNS_CLASS_IN, 1,
					 (const uint8_t *)"\x01\x02\x03\x04", 4), -1);
	assert_int_equal(b.len, before);
	assert_int_equal(b.counts[WIRE_ANSWER], 0);
	assert_int_equal(wire_read_u16(buf + 6), 0);

	/* with room again the same record goes in and reads back correctly */
	b.limit = b.cap;
	assert_int_equal(wire_builder_rr(&b, WIRE_ANSWER, other, DNS_TYPE_A, DNS_CLASS_IN, 1,
					 (const uint8_t *)"\x01\x02\x03\x04", 4), 0);
	assert_int_equal(wire_builder_rr(&b, WIRE_ANSWER, other, DNS_TYPE_A, DNS_CLASS_IN, 1,
					 (const uint8_t *)"\x05\x06\x07\x08", 4), 0);
	ldns_pkt *p = parse_answer(buf, b.len);
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_true(owner_is(ldns_rr_list_rr(ldns_pkt_answer(p), 0), "other.example.com."));
	assert_true(owner_is(ldns_rr_list_rr(ldns_pkt_answer(p), 1), "other.example.com."));
	ldns_pkt_free(p);
}

static void test_opt_carries_ede_code_and_text(void **state)
{
	(void)state;
	uint8_t buf[512];
	char text[256];
	struct wire_builder b;
	struct wire_opt opt = { .udp_size = 1400, .ext_rcode = 1, .ede_code = EDE_NOT_SUPPORTED,
				.ede_text = "not here" };
	assert_int_equal(wire_opt_size(&opt), 11 + 4 + 2 + 8);
	wire_builder_init(&b, buf, sizeof(buf));
	wire_builder_header(&b, 9, DNS_FLAG_QR, 0);
	assert_int_equal(wire_builder_opt(&b, &opt), 0);
	assert_int_equal(b.len, 12 + wire_opt_size(&opt));
	ldns_pkt *p = parse_answer(buf, b.len);
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1400);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 1);
	assert_false(ldns_pkt_edns_do(p));
	assert_int_equal(ede_of(p, text, sizeof(text)), EDE_NOT_SUPPORTED);
	assert_string_equal(text, "not here");
	ldns_pkt_free(p);
}

static void test_ede_text_is_cut_at_200_bytes(void **state)
{
	(void)state;
	uint8_t buf[512];
	char longtext[300], text[300];
	memset(longtext, 'x', 299);
	longtext[299] = '\0';
	struct wire_builder b;
	struct wire_opt opt = { .udp_size = 1232, .ede_code = EDE_OTHER, .ede_text = longtext };
	assert_int_equal(wire_opt_size(&opt), 11 + 6 + WIRE_EDE_TEXT_MAX);
	wire_builder_init(&b, buf, sizeof(buf));
	wire_builder_header(&b, 9, DNS_FLAG_QR, 0);
	assert_int_equal(wire_builder_opt(&b, &opt), 0);
	ldns_pkt *p = parse_answer(buf, b.len);
	assert_int_equal(ede_of(p, text, sizeof(text)), EDE_OTHER);
	assert_int_equal(strlen(text), WIRE_EDE_TEXT_MAX);
	ldns_pkt_free(p);
}

static void test_opt_that_does_not_fit_is_refused(void **state)
{
	(void)state;
	uint8_t buf[20];
	struct wire_builder b;
	struct wire_opt opt = { .udp_size = 1232, .ede_code = EDE_NONE };
	wire_builder_init(&b, buf, sizeof(buf));
	wire_builder_header(&b, 9, DNS_FLAG_QR, 0);
	assert_int_equal(wire_builder_opt(&b, &opt), -1);
	assert_int_equal(b.len, 12);
	assert_int_equal(wire_read_u16(buf + 10), 0);
}

/* ---- respond_to_query ---- */

struct world {
	struct zone *zone;
	struct policy policy;
	struct access_rule rules[1];
	struct access_list access;
	struct respond_ctx ctx;
	struct respond_stats st;
	uint8_t out[65535];
};

#define BIG_TXT_RECORDS 12

static int setup_world(void **state)
{
	static struct world w;
	memset(&w, 0, sizeof(w));
	uint8_t apex[WIRE_NAME_MAX];
	char err[256], line[256];
	name_of("example.test.", apex);
	w.zone = zone_new(apex);
	const char *recs[] = {
		"@ 3600 IN SOA ns hostmaster 1 3600 600 86400 60",
		"www 300 IN A 192.0.2.1",
		"alias 300 IN CNAME www",
	};
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		if (zone_add_text_rr(w.zone, recs[i], err, sizeof(err)) < 0)
			fail_msg("%s: %s", recs[i], err);
	for (int i = 0; i < BIG_TXT_RECORDS; i++) { /* about 110 bytes each: > 1232 in all */
		snprintf(line, sizeof(line), "big 300 IN TXT \"%02d %s\"", i,
			 "0123456789012345678901234567890123456789012345678901234567890123456789"
			 "012345678901234567890");
		if (zone_add_text_rr(w.zone, line, err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	if (zone_finish(w.zone, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	const struct zone *zones[] = { w.zone };
	const struct policy_assoc every = { .every = true };
	assert_int_equal(policy_build(&w.policy, NULL, 0, NULL, 0, zones, &every, 1, NULL, 0,
				      false),
			 0);
	assert_int_equal(cidr_parse("127.0.0.0/8", &w.rules[0].net, err, sizeof(err)), 0);
	w.rules[0].allow = true;
	w.access = (struct access_list){ w.rules, 1 };
	w.ctx = (struct respond_ctx){ .access = &w.access, .policy = &w.policy,
				      .view = &w.policy.views[0], .edns_buffer_size = 1232 };
	*state = &w;
	return 0;
}

static int teardown_world(void **state)
{
	struct world *w = *state;
	policy_clear(&w->policy);
	zone_free(w->zone);
	return 0;
}

static const uint8_t localhost4[4] = { 127, 0, 0, 1 };
static const uint8_t stranger4[4] = { 192, 0, 2, 99 };

struct query {
	uint8_t b[512];
	size_t len;
};

/* A query for name/type/class; edns_version < 0 means no OPT. */
static void make_query(struct query *q, uint16_t flags, const char *name, uint16_t qtype,
		       uint16_t qclass, int edns_version, uint16_t udp_size, bool do_bit)
{
	uint8_t wire[WIRE_NAME_MAX];
	int n = wire_name_from_text(name, NULL, wire);
	assert_true(n > 0);
	memset(q->b, 0, 12);
	wire_write_u16(q->b, 0xcafe);
	wire_write_u16(q->b + 2, flags);
	wire_write_u16(q->b + 4, 1);
	wire_write_u16(q->b + 10, edns_version >= 0 ? 1 : 0);
	memcpy(q->b + 12, wire, (size_t)n);
	q->len = 12 + (size_t)n;
	wire_write_u16(q->b + q->len, qtype);
	wire_write_u16(q->b + q->len + 2, qclass);
	q->len += 4;
	if (edns_version >= 0) {
		uint8_t *o = q->b + q->len;
		o[0] = 0;
		wire_write_u16(o + 1, DNS_TYPE_OPT);
		wire_write_u16(o + 3, udp_size);
		wire_write_u32(o + 5, ((uint32_t)edns_version << 16) | (do_bit ? EDNS_FLAG_DO : 0));
		wire_write_u16(o + 9, 0);
		q->len += 11;
	}
}

/* Answer q as the given client; returns ldns's reading of it (len in *out_len). */
static ldns_pkt *ask(struct world *w, const struct query *q, const uint8_t *addr,
		     enum respond_transport t, size_t outcap, size_t *out_len)
{
	struct respond_client c = { AF_INET, addr, t };
	size_t n = respond_to_query(&w->ctx, &c, q->b, q->len, w->out, outcap, &w->st, NULL,
				    NULL);
	assert_true(n >= DNS_HEADER_SIZE);
	assert_true(n <= outcap);
	if (out_len)
		*out_len = n;
	return parse_answer(w->out, n);
}

static void test_answer_has_qr_aa_copies_rd_and_echoes_question_case(void **state)
{
	struct world *w = *state;
	struct query q;
	make_query(&q, DNS_FLAG_RD, "WwW.Example.TEST.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, false);
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_id(p), 0xcafe);
	assert_true(ldns_pkt_qr(p));
	assert_true(ldns_pkt_aa(p));
	assert_true(ldns_pkt_rd(p));
	assert_false(ldns_pkt_ra(p));
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(arcount_on_wire(w->out), 0); /* no EDNS asked, none given */
	/* the question bytes are the client's, case and all */
	assert_memory_equal(w->out + 12, q.b + 12, q.len - 12);
	const ldns_rr *a = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	assert_int_equal(ldns_rr_get_type(a), LDNS_RR_TYPE_A);
	assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(a, 0)), "\xc0\x00\x02\x01", 4);
	assert_int_equal(ldns_rr_ttl(a), 300);
	ldns_pkt_free(p);

	make_query(&q, 0, "www.example.test.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, false);
	p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_false(ldns_pkt_rd(p));
	ldns_pkt_free(p);
}

static void test_cname_and_target_both_in_answer(void **state)
{
	struct world *w = *state;
	struct query q;
	make_query(&q, DNS_FLAG_RD, "alias.example.test.", DNS_TYPE_A, DNS_CLASS_IN, 0, 1232,
		   true);
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
			 LDNS_RR_TYPE_CNAME);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 1)), LDNS_RR_TYPE_A);
	assert_true(ldns_pkt_edns_do(p)); /* DO echoed */
	ldns_pkt_free(p);
}

static void test_nxdomain_from_private_zone_has_soa(void **state)
{
	struct world *w = *state;
	struct query q;
	make_query(&q, DNS_FLAG_RD, "nope.example.test.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, false);
	uint64_t before = w->st.nxdomain;
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 1);
	const ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
	assert_int_equal(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	assert_true(owner_is(soa, "example.test."));
	assert_int_equal(ldns_rr_ttl(soa), 60); /* min(3600, MINIMUM 60) */
	assert_int_equal(w->st.nxdomain, before + 1);
	ldns_pkt_free(p);
}

static void test_refused_with_ede_21_outside_zones_when_recursion_is_off(void **state)
{
	struct world *w = *state;
	struct query q;
	char text[256];
	make_query(&q, DNS_FLAG_RD, "www.example.org.", DNS_TYPE_A, DNS_CLASS_IN, 0, 1232, false);
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_false(ldns_pkt_ra(p));
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(arcount_on_wire(w->out), 1);
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_int_equal(ede_of(p, text, sizeof(text)), EDE_NOT_SUPPORTED);
	assert_true(strlen(text) > 0);
	ldns_pkt_free(p);

	/* without EDNS: the same REFUSED, no OPT */
	make_query(&q, DNS_FLAG_RD, "www.example.org.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, false);
	p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_int_equal(arcount_on_wire(w->out), 0);
	ldns_pkt_free(p);
}

static void test_refused_for_client_outside_access_list(void **state)
{
	struct world *w = *state;
	struct query q;
	char text[256];
	make_query(&q, DNS_FLAG_RD, "www.example.test.", DNS_TYPE_A, DNS_CLASS_IN, 0, 1232, false);
	uint64_t before = w->st.refused;
	ldns_pkt *p = ask(w, &q, stranger4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(ede_of(p, text, sizeof(text)), EDE_PROHIBITED);
	assert_int_equal(w->st.refused, before + 1);
	ldns_pkt_free(p);
}

static void test_ipv4_mapped_ipv6_client_matches_ipv4_rule(void **state)
{
	struct world *w = *state;
	struct query q;
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 };
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	make_query(&q, DNS_FLAG_RD, "www.example.test.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, false);
	struct respond_client c = { AF_INET6, mapped, RESPOND_TCP };
	size_t n = respond_to_query(&w->ctx, &c, q.b, q.len, w->out, 512, &w->st, NULL, NULL);
	ldns_pkt *p = parse_answer(w->out, n);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	/* ::1 matches no rule of this list: refused */
	c.addr = v6_loopback;
	n = respond_to_query(&w->ctx, &c, q.b, q.len, w->out, 512, &w->st, NULL, NULL);
	p = parse_answer(w->out, n);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ldns_pkt_free(p);
}

static void test_udp_answer_over_512_without_edns_is_truncated(void **state)
{
	struct world *w = *state;
	struct query q;
	size_t n;
	make_query(&q, DNS_FLAG_RD, "big.example.test.", DNS_TYPE_TXT, DNS_CLASS_IN, -1, 0, false);
	uint64_t before = w->st.truncated;
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, sizeof(w->out), &n);
	assert_true(n <= 512);
	assert_true(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 0);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(w->st.truncated, before + 1);
	ldns_pkt_free(p);
}

static void test_same_big_answer_over_tcp_is_complete(void **state)
{
	struct world *w = *state;
	struct query q;
	size_t n;
	make_query(&q, DNS_FLAG_RD, "big.example.test.", DNS_TYPE_TXT, DNS_CLASS_IN, -1, 0, false);
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_TCP, sizeof(w->out), &n);
	assert_true(n > 1232);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), BIG_TXT_RECORDS);
	ldns_pkt_free(p);
}

static void test_udp_limit_is_smaller_of_client_and_server_edns_size(void **state)
{
	struct world *w = *state;
	struct query q;
	size_t n;
	/* client offers 4096, server says 1232: the ~1.4 kB answer is truncated */
	make_query(&q, 0, "big.example.test.", DNS_TYPE_TXT, DNS_CLASS_IN, 0, 4096, false);
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, sizeof(w->out), &n);
	assert_true(ldns_pkt_tc(p));
	assert_true(n <= 1232);
	assert_int_equal(arcount_on_wire(w->out), 1); /* the OPT survives truncation */
	ldns_pkt_free(p);

	/* server allows 4096 too: it fits */
	w->ctx.edns_buffer_size = 4096;
	p = ask(w, &q, localhost4, RESPOND_UDP, sizeof(w->out), &n);
	w->ctx.edns_buffer_size = 1232;
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), BIG_TXT_RECORDS);
	ldns_pkt_free(p);
}

static void test_class_ch_is_refused(void **state)
{
	struct world *w = *state;
	struct query q;
	make_query(&q, DNS_FLAG_RD, "version.bind.", DNS_TYPE_TXT, DNS_CLASS_CH, -1, 0, false);
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

static void test_axfr_is_notimp(void **state)
{
	struct world *w = *state;
	struct query q;
	make_query(&q, 0, "example.test.", DNS_TYPE_AXFR, DNS_CLASS_IN, -1, 0, false);
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_TCP, sizeof(w->out), NULL);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	ldns_pkt_free(p);
}

static void test_edns_version_1_gets_badvers_16(void **state)
{
	struct world *w = *state;
	struct query q;
	make_query(&q, DNS_FLAG_RD, "www.example.test.", DNS_TYPE_A, DNS_CLASS_IN, 1, 1232, false);
	uint64_t before = w->st.badvers;
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_get_rcode(p), 0);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 1); /* 1 << 4 | 0 = 16 */
	assert_int_equal(ldns_pkt_edns_version(p), 0);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(w->st.badvers, before + 1);
	ldns_pkt_free(p);
}

static void test_formerr_answer_keeps_id(void **state)
{
	struct world *w = *state;
	struct query q;
	make_query(&q, DNS_FLAG_RD, "www.example.test.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, false);
	q.b[q.len++] = 0; /* trailing garbage */
	ldns_pkt *p = ask(w, &q, localhost4, RESPOND_UDP, 512, NULL);
	assert_int_equal(ldns_pkt_id(p), 0xcafe);
	assert_true(ldns_pkt_qr(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

static void test_qr_packet_gets_no_answer(void **state)
{
	struct world *w = *state;
	struct query q;
	struct respond_client c = { AF_INET, localhost4, RESPOND_UDP };
	make_query(&q, DNS_FLAG_QR, "www.example.test.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, false);
	uint64_t before = w->st.dropped;
	assert_int_equal(respond_to_query(&w->ctx, &c, q.b, q.len, w->out, 512, &w->st, NULL,
					  NULL), 0);
	assert_int_equal(w->st.dropped, before + 1);
	/* a short packet likewise */
	assert_int_equal(respond_to_query(&w->ctx, &c, q.b, 5, w->out, 512, &w->st, NULL,
					  NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_built_response_reads_back_with_counts_and_flags),
		cmocka_unit_test(test_second_rr_with_same_owner_is_smaller),
		cmocka_unit_test(test_cname_target_is_compressed_against_owner),
		cmocka_unit_test(test_rr_over_limit_returns_minus_one_and_changes_nothing),
		cmocka_unit_test(test_opt_carries_ede_code_and_text),
		cmocka_unit_test(test_ede_text_is_cut_at_200_bytes),
		cmocka_unit_test(test_opt_that_does_not_fit_is_refused),
		cmocka_unit_test(test_answer_has_qr_aa_copies_rd_and_echoes_question_case),
		cmocka_unit_test(test_cname_and_target_both_in_answer),
		cmocka_unit_test(test_nxdomain_from_private_zone_has_soa),
		cmocka_unit_test(test_refused_with_ede_21_outside_zones_when_recursion_is_off),
		cmocka_unit_test(test_refused_for_client_outside_access_list),
		cmocka_unit_test(test_ipv4_mapped_ipv6_client_matches_ipv4_rule),
		cmocka_unit_test(test_udp_answer_over_512_without_edns_is_truncated),
		cmocka_unit_test(test_same_big_answer_over_tcp_is_complete),
		cmocka_unit_test(test_udp_limit_is_smaller_of_client_and_server_edns_size),
		cmocka_unit_test(test_class_ch_is_refused),
		cmocka_unit_test(test_axfr_is_notimp),
		cmocka_unit_test(test_edns_version_1_gets_badvers_16),
		cmocka_unit_test(test_formerr_answer_keeps_id),
		cmocka_unit_test(test_qr_packet_gets_no_answer),
	};
	return cmocka_run_group_tests(tests, setup_world, teardown_world);
}
