/* Unit tests for lib/wire/query.h: what verdict each kind of client packet earns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/wire/dns.h"
#include "lib/wire/query.h"

/* A packet being written by a test. */
struct pkt {
	uint8_t b[1024];
	size_t len;
};

static void put(struct pkt *p, const void *data, size_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static void put16(struct pkt *p, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(p, b, 2);
}

static void put32(struct pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void header(struct pkt *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		   uint16_t ns, uint16_t ar)
{
	p->len = 0;
	put16(p, id);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

#define WWW_EXAMPLE "\x03WwW\x07\x45xample\x03\x43OM" /* + implicit NUL = root */

static void question(struct pkt *p, const char *wire_name, size_t n, uint16_t qtype,
		     uint16_t qclass)
{
	put(p, wire_name, n);
	put16(p, qtype);
	put16(p, qclass);
}

/* OPT pseudo-RR: owner root, payload size, ext-rcode/version/flags, optional rdata. */
static void opt(struct pkt *p, uint16_t size, uint8_t version, bool do_bit, const void *rdata,
		uint16_t rdlen)
{
	put(p, "", 1);
	put16(p, DNS_TYPE_OPT);
	put16(p, size);
	put32(p, ((uint32_t)version << 16) | (do_bit ? EDNS_FLAG_DO : 0));
	put16(p, rdlen);
	if (rdlen)
		put(p, rdata, rdlen);
}

/* A valid A record owned by a pointer to the question name. */
static void a_record(struct pkt *p)
{
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4,
				      192, 0, 2, 1 };
	put(p, rr, sizeof(rr));
}

/* The standard query for WwW.Example.COM A IN, RD set, with counts as given. */
static void std_query(struct pkt *p, uint16_t flags, uint16_t an, uint16_t ns, uint16_t ar)
{
	header(p, 0xbeef, flags, 1, an, ns, ar);
	question(p, WWW_EXAMPLE, sizeof(WWW_EXAMPLE), DNS_TYPE_A, DNS_CLASS_IN);
}

static enum wire_query_verdict parse(const struct pkt *p, struct wire_query *q)
{
	return wire_query_parse(p->b, p->len, q);
}

/* ---- well-formed queries ---- */

static void test_well_formed_query_fills_every_field(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, DNS_FLAG_RD | DNS_FLAG_CD, 0, 0, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_OK);
	assert_int_equal(q.id, 0xbeef);
	assert_int_equal(q.opcode, DNS_OPCODE_QUERY);
	assert_true(q.rd);
	assert_true(q.cd);
	assert_false(q.ad);
	assert_true(q.has_question);
	assert_int_equal(q.qtype, DNS_TYPE_A);
	assert_int_equal(q.qclass, DNS_CLASS_IN);
	assert_int_equal(q.qname_len, 17);
	assert_memory_equal(q.qname, WWW_EXAMPLE, 17);
	assert_memory_equal(q.qname_lc, "\x03www\x07\x65xample\x03\x63om", 17);
	assert_false(q.edns.present);
	assert_null(q.error);
}

static void test_query_without_rd_has_rd_false(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, DNS_FLAG_AD, 0, 0, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_OK);
	assert_false(q.rd);
	assert_false(q.cd);
	assert_true(q.ad);
}

static void test_edns_opt_gives_size_do_and_version(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 0, 1);
	opt(&p, 4096, 0, true, NULL, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_OK);
	assert_true(q.edns.present);
	assert_int_equal(q.edns.udp_size, 4096);
	assert_int_equal(q.edns.version, 0);
	assert_true(q.edns.do_bit);
}

static void test_edns_payload_below_512_is_raised_to_512(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 0, 1);
	opt(&p, 100, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_OK);
	assert_int_equal(q.edns.udp_size, 512);
	assert_false(q.edns.do_bit);
}

static void test_unknown_edns_option_is_ignored(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	/* option 65001 with 3 bytes, then a cookie-sized option 10 with 8 bytes */
	static const uint8_t opts[] = { 0xfd, 0xe9, 0, 3, 1, 2, 3,
					0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	std_query(&p, 0, 0, 0, 1);
	opt(&p, 1232, 0, false, opts, sizeof(opts));
	assert_int_equal(parse(&p, &q), WIRE_QUERY_OK);
	assert_true(q.edns.present);
	assert_int_equal(q.edns.udp_size, 1232);
}

/* ---- dropped ---- */

static void test_drop_when_shorter_than_header(void **state)
{
	(void)state;
	struct wire_query q;
	static const uint8_t pkt[11] = { 0x12, 0x34 };
	assert_int_equal(wire_query_parse(pkt, sizeof(pkt), &q), WIRE_QUERY_DROP);
	assert_int_equal(wire_query_parse(pkt, 0, &q), WIRE_QUERY_DROP);
}

static void test_drop_when_qr_bit_set(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, DNS_FLAG_QR | DNS_FLAG_RD, 0, 0, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_DROP);
}

/* ---- FORMERR ---- */

static void test_formerr_when_question_count_is_zero(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	header(&p, 7, 0, 0, 0, 0, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	assert_int_equal(q.id, 7);
	assert_false(q.has_question);
	assert_non_null(q.error);
}

static void test_formerr_when_question_count_is_two(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	header(&p, 7, 0, 2, 0, 0, 0);
	question(&p, WWW_EXAMPLE, sizeof(WWW_EXAMPLE), DNS_TYPE_A, DNS_CLASS_IN);
	question(&p, WWW_EXAMPLE, sizeof(WWW_EXAMPLE), DNS_TYPE_AAAA, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	/* and when the second question is announced but missing */
	header(&p, 7, 0, 2, 0, 0, 0);
	question(&p, WWW_EXAMPLE, sizeof(WWW_EXAMPLE), DNS_TYPE_A, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
}

static void test_formerr_when_question_truncated(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 0, 0);
	for (size_t cut = 1; cut <= 4 + sizeof(WWW_EXAMPLE); cut++) {
		struct pkt t = p;
		t.len = p.len - cut;
		assert_int_equal(parse(&t, &q), WIRE_QUERY_FORMERR);
		assert_int_equal(q.id, 0xbeef);
	}
}

static void test_formerr_when_qname_has_label_loop(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	header(&p, 1, 0, 1, 0, 0, 0);
	static const uint8_t loop[] = { 0x01, 'a', 0xc0, 0x0c };
	put(&p, loop, sizeof(loop));
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	assert_false(q.has_question);
}

static void test_formerr_when_qname_over_255_bytes(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	header(&p, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 4; i++) { /* 4 x 64 + root = 257 bytes */
		uint8_t label[64];
		label[0] = 63;
		memset(label + 1, 'a', 63);
		put(&p, label, sizeof(label));
	}
	put(&p, "", 1);
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
}

static void test_formerr_when_qname_pointer_goes_forward(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	header(&p, 1, 0, 1, 0, 0, 0);
	static const uint8_t fwd[] = { 0xc0, 0x0e, 0x00 };
	put(&p, fwd, sizeof(fwd));
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
}

static void test_formerr_when_qname_has_label_type_0x40(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	header(&p, 1, 0, 1, 0, 0, 0);
	static const uint8_t ext[] = { 0x41, 0x00, 0x00 };
	put(&p, ext, sizeof(ext));
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
}

static void test_formerr_when_opt_in_answer_section(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 1, 0, 0);
	opt(&p, 1232, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	assert_false(q.edns.present);
}

static void test_formerr_when_opt_in_authority_section(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 1, 0);
	opt(&p, 1232, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
}

static void test_formerr_when_two_opt_records(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 0, 2);
	opt(&p, 1232, 0, false, NULL, 0);
	opt(&p, 1232, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	assert_false(q.edns.present);
}

static void test_formerr_when_opt_owner_is_not_root(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 0, 1);
	put(&p, "\x01x", 3); /* owner x. */
	put16(&p, DNS_TYPE_OPT);
	put16(&p, 1232);
	put32(&p, 0);
	put16(&p, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
}

static void test_formerr_when_opt_rdata_truncated(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	static const uint8_t opts[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	std_query(&p, 0, 0, 0, 1);
	opt(&p, 1232, 0, false, opts, sizeof(opts));
	p.len -= 1;
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	assert_false(q.edns.present);
}

static void test_formerr_when_trailing_garbage(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 0, 0);
	put(&p, "\x00", 1);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	std_query(&p, 0, 0, 0, 1);
	opt(&p, 1232, 0, false, NULL, 0);
	put(&p, "junk", 4);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
}

static void test_formerr_when_answer_count_is_one_with_valid_record(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 1, 0, 0);
	a_record(&p);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	/* the same record in the authority section is refused too */
	std_query(&p, 0, 0, 1, 0);
	a_record(&p);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
}

static void test_ok_with_valid_record_in_additional_section(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 0, 2);
	a_record(&p);
	opt(&p, 1400, 0, false, NULL, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_OK);
	assert_true(q.edns.present);
	assert_int_equal(q.edns.udp_size, 1400);
}

static void test_formerr_when_qtype_is_opt(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	header(&p, 1, 0, 1, 0, 0, 0);
	question(&p, WWW_EXAMPLE, sizeof(WWW_EXAMPLE), DNS_TYPE_OPT, DNS_CLASS_IN);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_FORMERR);
	assert_true(q.has_question); /* the error answer may echo it */
}

/* ---- NOTIMP, BADVERS ---- */

static void test_notimp_for_notify_and_update_opcodes(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, DNS_OPCODE_NOTIFY << DNS_OPCODE_SHIFT, 0, 0, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_NOTIMP);
	assert_int_equal(q.opcode, DNS_OPCODE_NOTIFY);
	std_query(&p, DNS_OPCODE_UPDATE << DNS_OPCODE_SHIFT, 0, 0, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_NOTIMP);
	assert_int_equal(q.opcode, DNS_OPCODE_UPDATE);
	/* a NOTIFY carrying its SOA in the answer section is still NOTIMP, not FORMERR */
	std_query(&p, DNS_OPCODE_NOTIFY << DNS_OPCODE_SHIFT, 1, 0, 0);
	a_record(&p);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_NOTIMP);
}

static void test_badvers_for_edns_version_1(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	std_query(&p, 0, 0, 0, 1);
	opt(&p, 1232, 1, true, NULL, 0);
	assert_int_equal(parse(&p, &q), WIRE_QUERY_BADVERS);
	assert_true(q.edns.present);
	assert_int_equal(q.edns.version, 1);
	assert_true(q.has_question);
}

/* ---- robustness ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	/* xorshift64*: fixed seed, so every run feeds the same packets */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void check_invariants(const uint8_t *buf, size_t len)
{
	struct wire_query q;
	enum wire_query_verdict v = wire_query_parse(buf, len, &q);
	assert_in_range(v, WIRE_QUERY_OK, WIRE_QUERY_BADVERS);
	if (v != WIRE_QUERY_OK)
		assert_non_null(q.error);
	if (v == WIRE_QUERY_OK || q.has_question) {
		assert_true(q.has_question);
		assert_int_equal(wire_name_len(q.qname), q.qname_len);
		assert_true(wire_name_equal(q.qname, q.qname_lc));
	}
}

static void test_random_buffers_never_crash(void **state)
{
	(void)state;
	static uint8_t buf[600];
	for (int i = 0; i < 100000; i++) {
		size_t len = rnd() % (sizeof(buf) + 1);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rnd();
		if (i % 2 && len >= DNS_HEADER_SIZE) {
			/* make half of them look like queries so the parser gets further */
			buf[2] &= 0x7f;
			buf[4] = 0;
			buf[5] = (uint8_t)(rnd() % 3);
			for (int c = 6; c < 12; c += 2) {
				buf[c] = 0;
				buf[c + 1] = (uint8_t)(rnd() % 3);
			}
		}
		check_invariants(buf, len);
	}
}

static void test_every_truncation_of_an_edns_query_is_handled(void **state)
{
	(void)state;
	struct pkt p;
	struct wire_query q;
	static const uint8_t opts[] = { 0, 15, 0, 4, 0, 1, 'h', 'i' };
	std_query(&p, DNS_FLAG_RD, 0, 0, 2);
	a_record(&p);
	opt(&p, 1232, 0, true, opts, sizeof(opts));
	assert_int_equal(parse(&p, &q), WIRE_QUERY_OK);
	for (size_t len = 0; len < p.len; len++) {
		enum wire_query_verdict v = wire_query_parse(p.b, len, &q);
		assert_int_equal(v, len < DNS_HEADER_SIZE ? WIRE_QUERY_DROP : WIRE_QUERY_FORMERR);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed_query_fills_every_field),
		cmocka_unit_test(test_query_without_rd_has_rd_false),
		cmocka_unit_test(test_edns_opt_gives_size_do_and_version),
		cmocka_unit_test(test_edns_payload_below_512_is_raised_to_512),
		cmocka_unit_test(test_unknown_edns_option_is_ignored),
		cmocka_unit_test(test_drop_when_shorter_than_header),
		cmocka_unit_test(test_drop_when_qr_bit_set),
		cmocka_unit_test(test_formerr_when_question_count_is_zero),
		cmocka_unit_test(test_formerr_when_question_count_is_two),
		cmocka_unit_test(test_formerr_when_question_truncated),
		cmocka_unit_test(test_formerr_when_qname_has_label_loop),
		cmocka_unit_test(test_formerr_when_qname_over_255_bytes),
		cmocka_unit_test(test_formerr_when_qname_pointer_goes_forward),
		cmocka_unit_test(test_formerr_when_qname_has_label_type_0x40),
		cmocka_unit_test(test_formerr_when_opt_in_answer_section),
		cmocka_unit_test(test_formerr_when_opt_in_authority_section),
		cmocka_unit_test(test_formerr_when_two_opt_records),
		cmocka_unit_test(test_formerr_when_opt_owner_is_not_root),
		cmocka_unit_test(test_formerr_when_opt_rdata_truncated),
		cmocka_unit_test(test_formerr_when_trailing_garbage),
		cmocka_unit_test(test_formerr_when_answer_count_is_one_with_valid_record),
		cmocka_unit_test(test_ok_with_valid_record_in_additional_section),
		cmocka_unit_test(test_formerr_when_qtype_is_opt),
		cmocka_unit_test(test_notimp_for_notify_and_update_opcodes),
		cmocka_unit_test(test_badvers_for_edns_version_1),
		cmocka_unit_test(test_random_buffers_never_crash),
		cmocka_unit_test(test_every_truncation_of_an_edns_query_is_handled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
