/* Unit tests for lib/wire/msg.h: upstream responses are written byte by byte here, so that
 * every compression pointer and every count is exactly what the test says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/wire/dns.h"
#include "lib/wire/msg.h"
#include "lib/wire/name.h"

/* ---- a packet written by hand ---- */

struct pkt {
	uint8_t b[1024];
	size_t n;
};

static void put8(struct pkt *p, unsigned v)
{
	assert_true(p->n + 1 <= sizeof(p->b));
	p->b[p->n++] = (uint8_t)v;
}

static void put16(struct pkt *p, unsigned v)
{
	put8(p, (v >> 8) & 0xff);
	put8(p, v & 0xff);
}

static void put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

/* Labels of a dotted text, without the final root label ("www.example" -> 3www7example). */
static void put_labels(struct pkt *p, const char *text)
{
	while (*text) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);
		put8(p, (unsigned)l);
		for (size_t i = 0; i < l; i++)
			put8(p, (uint8_t)text[i]);
		text += l + (dot ? 1 : 0);
	}
}

/* A full uncompressed name. */
static void put_name(struct pkt *p, const char *text)
{
	put_labels(p, text);
	put8(p, 0);
}

/* A compression pointer to offset off. */
static void put_ptr(struct pkt *p, size_t off)
{
	put16(p, 0xc000 | (unsigned)off);
}

static void put_header(struct pkt *p, uint16_t id, uint16_t flags, unsigned qd, unsigned an,
		       unsigned ns, unsigned ar)
{
	p->n = 0;
	put16(p, id);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

/* Type, class, TTL; returns where RDLENGTH goes so that the caller can patch it. */
static size_t put_rr_fixed(struct pkt *p, uint16_t type, uint16_t rclass, uint32_t ttl)
{
	put16(p, type);
	put16(p, rclass);
	put32(p, ttl);
	size_t at = p->n;
	put16(p, 0);
	return at;
}

static void patch_rdlen(struct pkt *p, size_t at)
{
	size_t len = p->n - at - 2;
	p->b[at] = (uint8_t)(len >> 8);
	p->b[at + 1] = (uint8_t)len;
}

/* OPT: root owner, payload size in CLASS, extended RCODE in the top TTL byte. */
static void put_opt(struct pkt *p, uint16_t udp_size, uint8_t ext_rcode)
{
	put8(p, 0);
	put16(p, DNS_TYPE_OPT);
	put16(p, udp_size);
	put32(p, (uint32_t)ext_rcode << 24);
	put16(p, 0);
}

static void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	if (wire_name_from_text(text, NULL, out) <= 0)
		fail_msg("'%s' is not a name", text);
}

static void assert_name(const uint8_t *got, const char *text)
{
	char buf[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(got, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

/* Parsing fails, says why, and the message can still be freed. */
static void assert_parse_fails(const struct pkt *p)
{
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p->b, p->n, &m), -1);
	assert_non_null(m.error);
	assert_true(strlen(m.error) > 0);
	wire_msg_free(&m);
}

/* Header + question "www.example.lab. A IN" (question name at offset 12). */
static void put_simple_question(struct pkt *p, unsigned an, unsigned ns, unsigned ar)
{
	put_header(p, 0x4242, DNS_FLAG_QR | DNS_FLAG_AA, 1, an, ns, ar);
	put_name(p, "www.example.lab");
	put16(p, DNS_TYPE_A);
	put16(p, DNS_CLASS_IN);
}

static void put_a(struct pkt *p, size_t owner_ptr, uint32_t ttl, const uint8_t ip[4])
{
	put_ptr(p, owner_ptr);
	size_t at = put_rr_fixed(p, DNS_TYPE_A, DNS_CLASS_IN, ttl);
	for (int i = 0; i < 4; i++)
		put8(p, ip[i]);
	patch_rdlen(p, at);
}

/* ---- tests ---- */

static void test_compressed_owners_and_rdata_names_come_out_expanded(void **state)
{
	(void)state;
	struct pkt p;
	put_header(&p, 0x1234, DNS_FLAG_QR | DNS_FLAG_AA, 1, 2, 2, 2);
	/* 12: WWW.Example.LAB (mixed case as a 0x20 resolver would have sent it) */
	size_t q_www = p.n;
	put_name(&p, "WWW.Example.LAB");
	size_t q_example = q_www + 4; /* "7Example" */
	put16(&p, DNS_TYPE_CNAME);
	put16(&p, DNS_CLASS_IN);

	/* answer: WWW.Example.LAB CNAME mail.<ptr Example.LAB> */
	put_ptr(&p, q_www);
	size_t at = put_rr_fixed(&p, DNS_TYPE_CNAME, DNS_CLASS_IN, 300);
	size_t mail = p.n;
	put_labels(&p, "mail");
	put_ptr(&p, q_example);
	patch_rdlen(&p, at);
	/* answer: <ptr mail.Example.LAB> MX 10 mx.<ptr Example.LAB> (owner points into rdata) */
	put_ptr(&p, mail);
	at = put_rr_fixed(&p, DNS_TYPE_MX, DNS_CLASS_IN, 300);
	put16(&p, 10);
	put_labels(&p, "mx");
	put_ptr(&p, q_example);
	patch_rdlen(&p, at);
	/* authority: Example.LAB NS ns1.<ptr Example.LAB> */
	put_ptr(&p, q_example);
	at = put_rr_fixed(&p, DNS_TYPE_NS, DNS_CLASS_IN, 3600);
	size_t ns1 = p.n;
	put_labels(&p, "ns1");
	put_ptr(&p, q_example);
	patch_rdlen(&p, at);
	/* authority: Example.LAB SOA <ptr ns1> hostmaster.<ptr Example.LAB> + 5 numbers */
	put_ptr(&p, q_example);
	at = put_rr_fixed(&p, DNS_TYPE_SOA, DNS_CLASS_IN, 3600);
	put_ptr(&p, ns1);
	put_labels(&p, "hostmaster");
	put_ptr(&p, q_example);
	put32(&p, 2024010101);
	put32(&p, 7200);
	put32(&p, 3600);
	put32(&p, 1209600);
	put32(&p, 300);
	patch_rdlen(&p, at);
	/* additional: <ptr ns1.Example.LAB> A 127.53.2.1, then OPT */
	static const uint8_t ip[4] = { 127, 53, 2, 1 };
	put_a(&p, ns1, 3600, ip);
	put_opt(&p, 4096, 0);

	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_null(m.error);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.rcode, DNS_RCODE_NOERROR);
	assert_true(m.has_question);
	/* the question keeps the server's spelling: that is what the 0x20 check compares */
	assert_memory_equal(m.qname, "\3WWW\7Example\3LAB", 17);
	assert_int_equal(m.qtype, DNS_TYPE_CNAME);
	assert_int_equal(m.n_rr, 5); /* the OPT is not one of them */

	uint8_t want[WIRE_NAME_MAX];
	const struct wire_rr *rr = m.rr;

	assert_int_equal(rr[0].type, DNS_TYPE_CNAME);
	assert_int_equal(rr[0].section, WIRE_ANSWER);
	assert_name(rr[0].owner, "www.example.lab.");
	assert_int_equal(rr[0].ttl, 300);
	name_of("mail.example.lab.", want);
	assert_int_equal(rr[0].rdlen, wire_name_len(want));
	assert_true(wire_name_equal(rr[0].rdata, want));

	assert_int_equal(rr[1].type, DNS_TYPE_MX);
	assert_name(rr[1].owner, "mail.example.lab.");
	name_of("mx.example.lab.", want);
	assert_int_equal(rr[1].rdlen, 2 + wire_name_len(want));
	assert_int_equal(wire_read_u16(rr[1].rdata), 10);
	assert_true(wire_name_equal(rr[1].rdata + 2, want));

	assert_int_equal(rr[2].type, DNS_TYPE_NS);
	assert_int_equal(rr[2].section, WIRE_AUTHORITY);
	assert_name(rr[2].owner, "example.lab.");
	name_of("ns1.example.lab.", want);
	assert_int_equal(rr[2].rdlen, wire_name_len(want));
	assert_true(wire_name_equal(rr[2].rdata, want));

	assert_int_equal(rr[3].type, DNS_TYPE_SOA);
	assert_name(rr[3].owner, "example.lab.");
	uint8_t rname[WIRE_NAME_MAX];
	name_of("hostmaster.example.lab.", rname);
	size_t ml = wire_name_len(want), rl = wire_name_len(rname);
	assert_int_equal(rr[3].rdlen, ml + rl + 20);
	assert_true(wire_name_equal(rr[3].rdata, want));
	assert_true(wire_name_equal(rr[3].rdata + ml, rname));
	assert_int_equal(wire_read_u32(rr[3].rdata + ml + rl), 2024010101);
	assert_int_equal(wire_read_u32(rr[3].rdata + ml + rl + 16), 300);

	assert_int_equal(rr[4].type, DNS_TYPE_A);
	assert_int_equal(rr[4].section, WIRE_ADDITIONAL);
	assert_name(rr[4].owner, "ns1.example.lab.");
	assert_int_equal(rr[4].rdlen, 4);
	assert_memory_equal(rr[4].rdata, ip, 4);

	for (size_t i = 0; i < m.n_rr; i++) {
		assert_int_not_equal(m.rr[i].type, DNS_TYPE_OPT);
		/* owners are canonical: no upper-case byte anywhere */
		for (size_t k = 0; k < wire_name_len(m.rr[i].owner); k++)
			assert_false(m.rr[i].owner[k] >= 'A' && m.rr[i].owner[k] <= 'Z');
	}
	assert_true(m.has_opt);
	assert_int_equal(m.opt_udp_size, 4096);
	wire_msg_free(&m);
}

static void test_upper_case_owner_is_lowered(void **state)
{
	(void)state;
	struct pkt p;
	put_header(&p, 1, DNS_FLAG_QR, 0, 1, 0, 0);
	put_name(&p, "NS1.EXAMPLE.Lab");
	size_t at = put_rr_fixed(&p, DNS_TYPE_A, DNS_CLASS_IN, 60);
	put32(&p, 0x7f350201);
	patch_rdlen(&p, at);

	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_false(m.has_question);
	assert_int_equal(m.n_rr, 1);
	assert_memory_equal(m.rr[0].owner, "\3ns1\7example\3lab", 17);
	wire_msg_free(&m);
}

static void test_opt_gives_extended_rcode_and_payload_size(void **state)
{
	(void)state;
	struct pkt p;
	/* header RCODE 0 + OPT extended RCODE 1 = 16 (BADVERS, RFC 6891 §9) */
	put_simple_question(&p, 0, 0, 1);
	put_opt(&p, 1232, 1);
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_true(m.has_opt);
	assert_int_equal(m.opt_udp_size, 1232);
	assert_int_equal(m.rcode, DNS_RCODE_BADVERS);
	assert_int_equal(m.n_rr, 0);
	wire_msg_free(&m);

	/* the low four bits stay those of the header */
	put_header(&p, 0x4242, DNS_FLAG_QR | DNS_RCODE_REFUSED, 1, 0, 0, 1);
	put_name(&p, "www.example.lab");
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	put_opt(&p, 512, 2);
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_int_equal(m.rcode, (2u << 4) | DNS_RCODE_REFUSED);
	assert_int_equal(m.opt_udp_size, 512);
	wire_msg_free(&m);
}

static void test_without_opt_rcode_is_the_header_rcode(void **state)
{
	(void)state;
	struct pkt p;
	put_header(&p, 7, DNS_FLAG_QR | DNS_RCODE_NXDOMAIN, 1, 0, 0, 0);
	put_name(&p, "nope.example.lab");
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_false(m.has_opt);
	assert_int_equal(m.rcode, DNS_RCODE_NXDOMAIN);
	wire_msg_free(&m);
}

static void test_message_with_no_records_is_fine(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 0, 0, 0);
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_null(m.error);
	assert_int_equal(m.n_rr, 0);
	assert_true(m.has_question);
	assert_int_equal(m.qtype, DNS_TYPE_A);
	assert_int_equal(m.qclass, DNS_CLASS_IN);
	wire_msg_free(&m);

	/* a bare header: no question either */
	put_header(&p, 9, DNS_FLAG_QR | DNS_RCODE_SERVFAIL, 0, 0, 0, 0);
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_false(m.has_question);
	assert_int_equal(m.rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(m.n_rr, 0);
	wire_msg_free(&m);
}

static void test_ttl_with_top_bit_set_reads_as_zero(void **state)
{
	(void)state;
	struct pkt p;
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	put_simple_question(&p, 2, 0, 0);
	put_a(&p, 12, 0x80000001u, ip);
	put_a(&p, 12, 0x7fffffffu, ip);
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_int_equal(m.n_rr, 2);
	assert_int_equal(m.rr[0].ttl, 0);
	assert_int_equal(m.rr[1].ttl, 0x7fffffffu);
	wire_msg_free(&m);
}

static void test_shorter_than_a_header_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 0, 0, 0);
	p.n = 11;
	assert_parse_fails(&p);
	p.n = 0;
	assert_parse_fails(&p);
}

static void test_message_cut_inside_the_question_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 0, 0, 0);
	p.n -= 3; /* inside QTYPE/QCLASS */
	assert_parse_fails(&p);
	p.n = 12 + 5; /* inside the name */
	assert_parse_fails(&p);
}

static void test_message_cut_inside_a_record_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	put_simple_question(&p, 1, 0, 0);
	size_t rr_start = p.n;
	put_a(&p, 12, 60, ip);
	size_t full = p.n;
	/* every cut inside the record, from its owner to its last data byte, fails */
	for (size_t cut = rr_start + 1; cut < full; cut++) {
		p.n = cut;
		assert_parse_fails(&p);
	}
}

static void test_record_data_past_the_end_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 1, 0, 0);
	put_ptr(&p, 12);
	put_rr_fixed(&p, DNS_TYPE_TXT, DNS_CLASS_IN, 60);
	p.b[p.n - 2] = 0;
	p.b[p.n - 1] = 40; /* RDLENGTH 40 ... */
	put_name(&p, "only.ten"); /* ... but 10 bytes follow */
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), -1);
	assert_string_equal(m.error, "record data runs past the message");
	wire_msg_free(&m);
}

static void test_pointer_to_itself_in_the_question_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_header(&p, 1, DNS_FLAG_QR, 1, 0, 0, 0);
	put_ptr(&p, 12); /* the name at 12 is a pointer to 12 */
	put16(&p, DNS_TYPE_A);
	put16(&p, DNS_CLASS_IN);
	assert_parse_fails(&p);
}

static void test_pointer_loop_between_two_names_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 1, 0, 0);
	/* owner at X: label "a" then a pointer to Y; at Y (the data): a pointer back to X */
	size_t x = p.n;
	put_labels(&p, "a");
	size_t y_ptr_at = p.n;
	put_ptr(&p, 0); /* patched below */
	size_t at = put_rr_fixed(&p, DNS_TYPE_CNAME, DNS_CLASS_IN, 60);
	size_t y = p.n;
	put_ptr(&p, x);
	patch_rdlen(&p, at);
	p.b[y_ptr_at] = (uint8_t)(0xc0 | (y >> 8));
	p.b[y_ptr_at + 1] = (uint8_t)y;
	assert_parse_fails(&p);
}

static void test_pointer_loop_inside_record_data_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 1, 0, 0);
	put_ptr(&p, 12);
	size_t at = put_rr_fixed(&p, DNS_TYPE_NS, DNS_CLASS_IN, 60);
	put_labels(&p, "ns");
	put_ptr(&p, p.n); /* points at itself */
	patch_rdlen(&p, at);
	assert_parse_fails(&p);
}

static void test_forward_pointer_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	put_simple_question(&p, 2, 0, 0);
	size_t first = p.n;
	put_ptr(&p, first + 16); /* the second record's owner, written later */
	size_t at = put_rr_fixed(&p, DNS_TYPE_A, DNS_CLASS_IN, 60);
	put32(&p, 0xc0000201);
	patch_rdlen(&p, at);
	assert_int_equal(p.n, first + 16);
	put_name(&p, "x.lab");
	at = put_rr_fixed(&p, DNS_TYPE_A, DNS_CLASS_IN, 60);
	put8(&p, ip[0]);
	put8(&p, ip[1]);
	put8(&p, ip[2]);
	put8(&p, ip[3]);
	patch_rdlen(&p, at);
	assert_parse_fails(&p);
}

static void test_name_in_rdata_running_past_its_rdlength_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 1, 0, 0);
	put_ptr(&p, 12);
	size_t at = put_rr_fixed(&p, DNS_TYPE_CNAME, DNS_CLASS_IN, 60);
	put_name(&p, "target.example.lab");
	patch_rdlen(&p, at);
	p.b[at + 1] -= 5; /* RDLENGTH ends inside the name (the last 5 bytes trail the record) */
	assert_parse_fails(&p);
}

static void test_rdata_with_bytes_after_its_name_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 1, 0, 0);
	put_ptr(&p, 12);
	size_t at = put_rr_fixed(&p, DNS_TYPE_CNAME, DNS_CLASS_IN, 60);
	put_name(&p, "target.example.lab");
	put16(&p, 0xdead);
	patch_rdlen(&p, at);
	assert_parse_fails(&p);
}

static void test_soa_with_short_fixed_part_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 0, 1, 0);
	put_ptr(&p, 12);
	size_t at = put_rr_fixed(&p, DNS_TYPE_SOA, DNS_CLASS_IN, 60);
	put_name(&p, "ns1.example.lab");
	put_name(&p, "hostmaster.example.lab");
	put32(&p, 1);
	put32(&p, 2);
	put32(&p, 3);
	put32(&p, 4); /* MINIMUM missing */
	patch_rdlen(&p, at);
	assert_parse_fails(&p);
}

static void test_two_opt_records_are_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 0, 0, 2);
	put_opt(&p, 1232, 0);
	put_opt(&p, 4096, 0);
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), -1);
	assert_string_equal(m.error, "misplaced or repeated OPT record");
	wire_msg_free(&m);
}

static void test_opt_in_the_answer_section_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 1, 0, 0);
	put_opt(&p, 1232, 0);
	assert_parse_fails(&p);
	/* nor in the authority section */
	put_simple_question(&p, 0, 1, 0);
	put_opt(&p, 1232, 0);
	assert_parse_fails(&p);
}

static void test_opt_with_an_owner_other_than_root_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 0, 0, 1);
	put_ptr(&p, 12);
	put_rr_fixed(&p, DNS_TYPE_OPT, 1232, 0);
	assert_parse_fails(&p);
}

static void test_counts_far_larger_than_the_message_are_an_error(void **state)
{
	(void)state;
	struct pkt p;
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	put_simple_question(&p, 0xffff, 0xffff, 0xffff);
	put_a(&p, 12, 60, ip);
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), -1);
	assert_string_equal(m.error, "record counts larger than the message");
	wire_msg_free(&m);
}

static void test_one_record_more_than_present_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 2, 0, 0);
	/* one 42-byte record: room on paper for three 11-byte records, so the counts pass the
	 * first bound and the parser has to notice the missing record while reading */
	put_ptr(&p, 12);
	size_t at = put_rr_fixed(&p, DNS_TYPE_TXT, DNS_CLASS_IN, 60);
	put8(&p, 29);
	for (int i = 0; i < 29; i++)
		put8(&p, 'x');
	patch_rdlen(&p, at);
	assert_parse_fails(&p);
	p.b[7] = 1;
	p.b[11] = 1; /* or an additional record that is not there */
	assert_parse_fails(&p);
	p.b[11] = 0;
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_int_equal(m.n_rr, 1);
	wire_msg_free(&m);
}

static void test_two_questions_are_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 0, 0, 0);
	p.b[5] = 2;
	put_ptr(&p, 12);
	put16(&p, DNS_TYPE_AAAA);
	put16(&p, DNS_CLASS_IN);
	assert_parse_fails(&p);
}

static void test_name_longer_than_255_through_pointers_is_an_error(void **state)
{
	(void)state;
	struct pkt p;
	put_header(&p, 1, DNS_FLAG_QR, 0, 4, 0, 0);
	/* each owner adds a 63-byte label in front of the previous owner: 64, 128, 192, 256 */
	char label[64];
	memset(label, 'x', 63);
	label[63] = '\0';
	size_t prev = 0;
	for (int i = 0; i < 4; i++) {
		size_t here = p.n;
		put_labels(&p, label);
		if (i == 0)
			put8(&p, 0);
		else
			put_ptr(&p, prev);
		prev = here;
		size_t at = put_rr_fixed(&p, DNS_TYPE_A, DNS_CLASS_IN, 60);
		put32(&p, 0xc0000201);
		patch_rdlen(&p, at);
	}
	assert_parse_fails(&p);
	/* the first three alone are fine */
	p.b[7] = 3;
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_int_equal(m.n_rr, 3);
	assert_int_equal(wire_name_len(m.rr[2].owner), 3 * 64 + 1);
	wire_msg_free(&m);
}

static void test_unknown_type_data_is_copied_as_it_is(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 1, 0, 0);
	put_ptr(&p, 12);
	size_t at = put_rr_fixed(&p, 65280, DNS_CLASS_IN, 60);
	/* bytes that would look like a pointer to a name-reading parser */
	put16(&p, 0xc00c);
	put16(&p, 0xffff);
	patch_rdlen(&p, at);
	struct wire_msg m;
	assert_int_equal(wire_msg_parse(p.b, p.n, &m), 0);
	assert_int_equal(m.n_rr, 1);
	assert_int_equal(m.rr[0].type, 65280);
	assert_int_equal(m.rr[0].rdlen, 4);
	assert_memory_equal(m.rr[0].rdata, "\xc0\x0c\xff\xff", 4);
	wire_msg_free(&m);
}

static void test_rdata_expand_of_mx_follows_the_pointer(void **state)
{
	(void)state;
	struct pkt p;
	put_simple_question(&p, 0, 0, 0);
	size_t rd = p.n;
	put16(&p, 5);
	put_labels(&p, "mx");
	put_ptr(&p, 16); /* "example.lab" of the question */
	uint8_t out[64 + 4 * WIRE_NAME_MAX];
	int n = wire_rdata_expand(p.b, p.n, rd, (uint16_t)(p.n - rd), DNS_TYPE_MX, out,
				  sizeof(out));
	uint8_t want[WIRE_NAME_MAX];
	name_of("mx.example.lab.", want);
	assert_int_equal(n, 2 + (int)wire_name_len(want));
	assert_int_equal(wire_read_u16(out), 5);
	assert_memory_equal(out + 2, want, wire_name_len(want));
	/* data that ends before the preference is done */
	assert_int_equal(wire_rdata_expand(p.b, p.n, rd, 1, DNS_TYPE_MX, out, sizeof(out)), -1);
	/* data that claims to go past the message */
	assert_int_equal(wire_rdata_expand(p.b, p.n, rd, (uint16_t)(p.n - rd + 1), DNS_TYPE_MX,
					   out, sizeof(out)),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compressed_owners_and_rdata_names_come_out_expanded),
		cmocka_unit_test(test_upper_case_owner_is_lowered),
		cmocka_unit_test(test_opt_gives_extended_rcode_and_payload_size),
		cmocka_unit_test(test_without_opt_rcode_is_the_header_rcode),
		cmocka_unit_test(test_message_with_no_records_is_fine),
		cmocka_unit_test(test_ttl_with_top_bit_set_reads_as_zero),
		cmocka_unit_test(test_shorter_than_a_header_is_an_error),
		cmocka_unit_test(test_message_cut_inside_the_question_is_an_error),
		cmocka_unit_test(test_message_cut_inside_a_record_is_an_error),
		cmocka_unit_test(test_record_data_past_the_end_is_an_error),
		cmocka_unit_test(test_pointer_to_itself_in_the_question_is_an_error),
		cmocka_unit_test(test_pointer_loop_between_two_names_is_an_error),
		cmocka_unit_test(test_pointer_loop_inside_record_data_is_an_error),
		cmocka_unit_test(test_forward_pointer_is_an_error),
		cmocka_unit_test(test_name_in_rdata_running_past_its_rdlength_is_an_error),
		cmocka_unit_test(test_rdata_with_bytes_after_its_name_is_an_error),
		cmocka_unit_test(test_soa_with_short_fixed_part_is_an_error),
		cmocka_unit_test(test_two_opt_records_are_an_error),
		cmocka_unit_test(test_opt_in_the_answer_section_is_an_error),
		cmocka_unit_test(test_opt_with_an_owner_other_than_root_is_an_error),
		cmocka_unit_test(test_counts_far_larger_than_the_message_are_an_error),
		cmocka_unit_test(test_one_record_more_than_present_is_an_error),
		cmocka_unit_test(test_two_questions_are_an_error),
		cmocka_unit_test(test_name_longer_than_255_through_pointers_is_an_error),
		cmocka_unit_test(test_unknown_type_data_is_copied_as_it_is),
		cmocka_unit_test(test_rdata_expand_of_mx_follows_the_pointer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
