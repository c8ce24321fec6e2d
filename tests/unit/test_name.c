/* Unit tests for lib/wire/name.h: reading names from packets, canonical order, text forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/wire/name.h"

/* Text to wire; fails the test when the text is not a name. */
static void name_of(const char *text, uint8_t out[WIRE_NAME_MAX])
{
	int n = wire_name_from_text(text, NULL, out);
	if (n <= 0)
		fail_msg("test fixture '%s' is not a name (%d)", text, n);
}

/* A name made of labels of the given lengths (filled with 'a'..), root appended. */
static size_t name_of_label_lengths(const unsigned *lens, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		out[o++] = (uint8_t)lens[i];
		for (unsigned k = 0; k < lens[i]; k++)
			out[o++] = (uint8_t)('a' + (k + i) % 26);
	}
	out[o++] = 0;
	return o;
}

/* ---- wire_name_unpack ---- */

static void test_unpack_plain_name_keeps_case_and_moves_past_it(void **state)
{
	(void)state;
	static const uint8_t pkt[] = "\x03WwW\x07\x45xample\x03\x63om\x00\xff\xff";
	uint8_t out[WIRE_NAME_MAX];
	size_t pos = 0;
	assert_int_equal(wire_name_unpack(pkt, sizeof(pkt) - 1, &pos, out), 17);
	assert_int_equal(pos, 17);
	assert_memory_equal(out, "\x03WwW\x07\x45xample\x03\x63om\x00", 17);
}

static void test_unpack_root_name_is_one_byte(void **state)
{
	(void)state;
	static const uint8_t pkt[] = { 0, 0, 1 };
	uint8_t out[WIRE_NAME_MAX];
	size_t pos = 0;
	assert_int_equal(wire_name_unpack(pkt, sizeof(pkt), &pos, out), 1);
	assert_int_equal(pos, 1);
	assert_int_equal(out[0], 0);
}

static void test_unpack_follows_backward_pointer_and_stops_after_it(void **state)
{
	(void)state;
	/* 0: example.com.  13: www -> 0  19: mail -> 13  26: end */
	static const uint8_t pkt[] = "\x07" "example\x03\x63om\x00"
				     "\x03www\xc0\x00"
				     "\x04mail\xc0\x0d";
	uint8_t out[WIRE_NAME_MAX];
	size_t pos = 13;
	assert_int_equal(wire_name_unpack(pkt, sizeof(pkt) - 1, &pos, out), 17);
	assert_int_equal(pos, 19);
	assert_memory_equal(out, "\x03www\x07\x65xample\x03\x63om\x00", 17);

	pos = 19;
	assert_int_equal(wire_name_unpack(pkt, sizeof(pkt) - 1, &pos, out), 22);
	assert_int_equal(pos, 26);
	assert_memory_equal(out, "\x04mail\x03www\x07\x65xample\x03\x63om\x00", 22);

	pos = 19;
	assert_int_equal(wire_name_skip(pkt, sizeof(pkt) - 1, &pos), 22);
	assert_int_equal(pos, 26);
}

static void test_unpack_forward_pointer_is_bad_pointer(void **state)
{
	(void)state;
	static const uint8_t pkt[] = { 0x01, 'a', 0xc0, 0x04, 0x01, 'b', 0x00 };
	uint8_t out[WIRE_NAME_MAX];
	size_t pos = 0;
	assert_int_equal(wire_name_unpack(pkt, sizeof(pkt), &pos, out), WIRE_NAME_BAD_POINTER);
	pos = 0;
	assert_int_equal(wire_name_skip(pkt, sizeof(pkt), &pos), WIRE_NAME_BAD_POINTER);
}

static void test_unpack_pointer_to_itself_is_bad_pointer(void **state)
{
	(void)state;
	uint8_t pkt[14] = { 0 };
	pkt[12] = 0xc0;
	pkt[13] = 0x0c;
	uint8_t out[WIRE_NAME_MAX];
	size_t pos = 12;
	assert_int_equal(wire_name_unpack(pkt, sizeof(pkt), &pos, out), WIRE_NAME_BAD_POINTER);
}

static void test_unpack_pointer_loop_is_bad_pointer(void **state)
{
	(void)state;
	/* 12: pointer to 14; 14: pointer back to 12 — a two-step loop */
	uint8_t pkt[16] = { 0 };
	pkt[12] = 0xc0;
	pkt[13] = 14;
	pkt[14] = 0xc0;
	pkt[15] = 12;
	uint8_t out[WIRE_NAME_MAX];
	size_t pos = 14;
	assert_int_equal(wire_name_unpack(pkt, sizeof(pkt), &pos, out), WIRE_NAME_BAD_POINTER);

	/* a.b.b.b...: a pointer back into its own label run */
	static const uint8_t self[] = { 0x01, 'a', 0x01, 'b', 0xc0, 0x02 };
	pos = 0;
	assert_int_equal(wire_name_unpack(self, sizeof(self), &pos, out), WIRE_NAME_BAD_POINTER);
}

static void test_unpack_truncated_names(void **state)
{
	(void)state;
	uint8_t out[WIRE_NAME_MAX];
	size_t pos = 0;
	assert_int_equal(wire_name_unpack((const uint8_t *)"", 0, &pos, out), WIRE_NAME_TRUNCATED);
	pos = 0;
	assert_int_equal(wire_name_unpack((const uint8_t *)"\x03ww", 3, &pos, out),
			 WIRE_NAME_TRUNCATED);
	pos = 0; /* label complete but no root label */
	assert_int_equal(wire_name_unpack((const uint8_t *)"\x03www", 4, &pos, out),
			 WIRE_NAME_TRUNCATED);
	pos = 0; /* first byte of a pointer only */
	assert_int_equal(wire_name_unpack((const uint8_t *)"\x03www\xc0", 5, &pos, out),
			 WIRE_NAME_TRUNCATED);
	assert_int_equal(pos, 0);
}

static void test_unpack_label_types_0x40_and_0x80_are_bad_label(void **state)
{
	(void)state;
	uint8_t out[WIRE_NAME_MAX];
	static const uint8_t ext[] = { 0x41, 'a', 0x00 };
	static const uint8_t res[] = { 0x03, 'w', 'w', 'w', 0x81, 'a', 0x00 };
	size_t pos = 0;
	assert_int_equal(wire_name_unpack(ext, sizeof(ext), &pos, out), WIRE_NAME_BAD_LABEL);
	pos = 0;
	assert_int_equal(wire_name_unpack(res, sizeof(res), &pos, out), WIRE_NAME_BAD_LABEL);
}

static void test_unpack_name_of_255_bytes_ok_256_too_long(void **state)
{
	(void)state;
	uint8_t pkt[300], out[WIRE_NAME_MAX];
	const unsigned ok[] = { 63, 63, 63, 61 };   /* 64*3 + 62 + root = 255 */
	const unsigned big[] = { 63, 63, 63, 62 };  /* 256 */
	size_t len = name_of_label_lengths(ok, 4, pkt), pos = 0;
	assert_int_equal(len, 255);
	assert_int_equal(wire_name_unpack(pkt, len, &pos, out), 255);
	assert_memory_equal(out, pkt, 255);

	len = name_of_label_lengths(big, 4, pkt);
	assert_int_equal(len, 256);
	pos = 0;
	assert_int_equal(wire_name_unpack(pkt, len, &pos, out), WIRE_NAME_TOO_LONG);
}

static void test_unpack_too_long_through_pointers(void **state)
{
	(void)state;
	/* 200 bytes of labels at 0, then 60 more bytes that point back to it: 260 in all */
	uint8_t pkt[300], out[WIRE_NAME_MAX];
	const unsigned first[] = { 63, 63, 63, 7 };
	size_t o = name_of_label_lengths(first, 4, pkt); /* 201 bytes */
	size_t start = o;
	pkt[o++] = 58;
	memset(pkt + o, 'x', 58);
	o += 58;
	pkt[o++] = 0xc0;
	pkt[o++] = 0x00;
	size_t pos = start;
	assert_int_equal(wire_name_unpack(pkt, o, &pos, out), WIRE_NAME_TOO_LONG);
}

/* ---- canonical order ---- */

/* RFC 4034 §6.1, the example list in its canonical order. */
static const char *const rfc4034_order[] = {
	"example.",	    "a.example.",	"yljkjljk.a.example.", "Z.a.example.",
	"zABC.a.EXAMPLE.", "z.example.",	"\\001.z.example.",    "*.z.example.",
	"\\200.z.example.",
};
#define RFC_N (sizeof(rfc4034_order) / sizeof(rfc4034_order[0]))

static void test_compare_orders_rfc4034_example_list(void **state)
{
	(void)state;
	uint8_t names[RFC_N][WIRE_NAME_MAX];
	for (size_t i = 0; i < RFC_N; i++)
		name_of(rfc4034_order[i], names[i]);
	for (size_t i = 0; i < RFC_N; i++) {
		assert_int_equal(wire_name_compare(names[i], names[i]), 0);
		for (size_t j = i + 1; j < RFC_N; j++) {
			if (wire_name_compare(names[i], names[j]) >= 0)
				fail_msg("%s should sort before %s", rfc4034_order[i],
					 rfc4034_order[j]);
			assert_true(wire_name_compare(names[j], names[i]) > 0);
		}
	}
}

static int cmp_ptr(const void *a, const void *b)
{
	return wire_name_compare(*(const uint8_t *const *)a, *(const uint8_t *const *)b);
}

static void test_qsort_with_compare_restores_rfc4034_order(void **state)
{
	(void)state;
	uint8_t names[RFC_N][WIRE_NAME_MAX];
	const uint8_t *shuffled[RFC_N];
	static const size_t perm[RFC_N] = { 8, 3, 0, 6, 1, 7, 4, 2, 5 };
	for (size_t i = 0; i < RFC_N; i++)
		name_of(rfc4034_order[i], names[i]);
	for (size_t i = 0; i < RFC_N; i++)
		shuffled[i] = names[perm[i]];
	qsort(shuffled, RFC_N, sizeof(shuffled[0]), cmp_ptr);
	for (size_t i = 0; i < RFC_N; i++)
		assert_ptr_equal(shuffled[i], names[i]);
}

static void test_compare_ignores_case_and_root_sorts_first(void **state)
{
	(void)state;
	uint8_t a[WIRE_NAME_MAX], b[WIRE_NAME_MAX], root[WIRE_NAME_MAX];
	name_of("WWW.Example.COM.", a);
	name_of("www.example.com.", b);
	name_of(".", root);
	assert_int_equal(wire_name_compare(a, b), 0);
	assert_true(wire_name_equal(a, b));
	assert_true(wire_name_compare(root, b) < 0);
	assert_true(wire_name_compare(b, root) > 0);
	/* a shorter label sorts before a longer one sharing its prefix */
	name_of("ab.", a);
	name_of("abc.", b);
	assert_true(wire_name_compare(a, b) < 0);
	assert_false(wire_name_equal(a, b));
}

/* ---- from text ---- */

static void test_from_text_relative_name_gets_origin(void **state)
{
	(void)state;
	uint8_t origin[WIRE_NAME_MAX], out[WIRE_NAME_MAX];
	name_of("example.com.", origin);
	assert_int_equal(wire_name_from_text("www", origin, out), 17);
	assert_memory_equal(out, "\x03www\x07\x65xample\x03\x63om\x00", 17);
	assert_int_equal(wire_name_from_text("a.b", origin, out), 17);
	assert_memory_equal(out, "\x01\x61\x01\x62\x07\x65xample\x03\x63om\x00", 17);
}

static void test_from_text_at_sign_is_the_origin(void **state)
{
	(void)state;
	uint8_t origin[WIRE_NAME_MAX], out[WIRE_NAME_MAX];
	name_of("example.com.", origin);
	assert_int_equal(wire_name_from_text("@", origin, out), 13);
	assert_memory_equal(out, origin, 13);
	assert_int_equal(wire_name_from_text("@", NULL, out), WIRE_NAME_BAD_TEXT);
}

static void test_from_text_absolute_name_ignores_origin(void **state)
{
	(void)state;
	uint8_t origin[WIRE_NAME_MAX], out[WIRE_NAME_MAX];
	name_of("example.com.", origin);
	assert_int_equal(wire_name_from_text("www.example.org.", origin, out), 17);
	assert_memory_equal(out, "\x03www\x07\x65xample\x03org\x00", 17);
	assert_int_equal(wire_name_from_text(".", origin, out), 1);
	assert_int_equal(out[0], 0);
	/* relative text without an origin is not a name */
	assert_int_equal(wire_name_from_text("www", NULL, out), WIRE_NAME_BAD_TEXT);
}

static void test_from_text_escapes_dot_and_decimal(void **state)
{
	(void)state;
	uint8_t out[WIRE_NAME_MAX];
	assert_int_equal(wire_name_from_text("a\\.b.example.", NULL, out), 13);
	assert_memory_equal(out, "\x03\x61.b\x07\x65xample\x00", 13);
	assert_int_equal(wire_name_from_text("\\065bc.", NULL, out), 5);
	assert_memory_equal(out, "\x03\x41\x62\x63\x00", 5);
	assert_int_equal(wire_name_from_text("\\000\\255.", NULL, out), 4);
	assert_memory_equal(out, "\x02\x00\xff\x00", 4);
	assert_int_equal(wire_name_from_text("\\256.", NULL, out), WIRE_NAME_BAD_TEXT);
	assert_int_equal(wire_name_from_text("ab\\", NULL, out), WIRE_NAME_BAD_TEXT);
}

static void test_from_text_empty_labels_rejected(void **state)
{
	(void)state;
	uint8_t out[WIRE_NAME_MAX];
	assert_int_equal(wire_name_from_text("a..b.", NULL, out), WIRE_NAME_BAD_TEXT);
	assert_int_equal(wire_name_from_text("..", NULL, out), WIRE_NAME_BAD_TEXT);
	assert_int_equal(wire_name_from_text(".a.", NULL, out), WIRE_NAME_BAD_TEXT);
	assert_int_equal(wire_name_from_text("", NULL, out), WIRE_NAME_BAD_TEXT);
}

static void test_from_text_63_char_label_ok_64_rejected(void **state)
{
	(void)state;
	char text[80];
	uint8_t out[WIRE_NAME_MAX];
	memset(text, 'x', 63);
	strcpy(text + 63, ".");
	assert_int_equal(wire_name_from_text(text, NULL, out), 65);
	assert_int_equal(out[0], 63);
	memset(text, 'x', 64);
	strcpy(text + 64, ".");
	assert_int_equal(wire_name_from_text(text, NULL, out), WIRE_NAME_BAD_TEXT);
}

static void test_from_text_255_bytes_ok_256_too_long(void **state)
{
	(void)state;
	/* three 63-char labels + one of 61 = 255 wire bytes; one more char = 256 */
	char text[300];
	uint8_t out[WIRE_NAME_MAX], origin[WIRE_NAME_MAX];
	size_t o = 0;
	for (int l = 0; l < 3; l++) {
		memset(text + o, 'a' + l, 63);
		o += 63;
		text[o++] = '.';
	}
	memset(text + o, 'd', 61);
	strcpy(text + o + 61, ".");
	assert_int_equal(wire_name_from_text(text, NULL, out), 255);
	memset(text + o, 'd', 62);
	strcpy(text + o + 62, ".");
	assert_int_equal(wire_name_from_text(text, NULL, out), WIRE_NAME_TOO_LONG);

	/* too long only once the origin is appended */
	text[o + 62] = '\0';
	name_of("example.com.", origin);
	assert_int_equal(wire_name_from_text(text, origin, out), WIRE_NAME_TOO_LONG);
}

/* ---- to text ---- */

static void test_to_text_round_trips(void **state)
{
	(void)state;
	static const char *const texts[] = {
		".",
		"www.example.com.",
		"a\\.b.example.",
		"back\\\\slash.example.",
		"\\000\\255\\032.x.",
		"*.example.",
		"\\@\\$\\;\\(\\)\\\".example.",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		uint8_t w[WIRE_NAME_MAX], back[WIRE_NAME_MAX];
		char buf[WIRE_NAME_TEXT_MAX];
		int n = wire_name_from_text(texts[i], NULL, w);
		assert_true(n > 0);
		wire_name_to_text(w, buf, sizeof(buf));
		assert_string_equal(buf, texts[i]);
		assert_int_equal(wire_name_from_text(buf, NULL, back), n);
		assert_memory_equal(back, w, (size_t)n);
	}
}

static void test_longest_all_escaped_name_fits_text_max_and_round_trips(void **state)
{
	(void)state;
	uint8_t w[WIRE_NAME_MAX], back[WIRE_NAME_MAX];
	char buf[WIRE_NAME_TEXT_MAX];
	const unsigned lens[] = { 63, 63, 63, 61 };
	size_t n = name_of_label_lengths(lens, 4, w), o = 0;
	for (int l = 0; l < 4; l++) { /* every byte 0xff: written as \255 */
		memset(w + o + 1, 0xff, lens[l]);
		o += 1 + lens[l];
	}
	wire_name_to_text(w, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 250 * 4 + 4);
	assert_int_equal(wire_name_from_text(buf, NULL, back), (int)n);
	assert_memory_equal(back, w, n);
}

static void test_to_text_escapes_unprintable_bytes_and_keeps_case(void **state)
{
	(void)state;
	static const uint8_t w[] = "\x04\x41\x20\x7f\x2e\x03\x43om\x00";
	char buf[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(w, buf, sizeof(buf));
	assert_string_equal(buf, "A\\032\\127\\..Com.");
}

static void test_to_text_never_overruns_a_small_buffer(void **state)
{
	(void)state;
	uint8_t w[WIRE_NAME_MAX];
	char buf[16];
	name_of("www.example.com.", w);
	for (size_t size = 1; size <= sizeof(buf); size++) {
		memset(buf, '#', sizeof(buf));
		wire_name_to_text(w, buf, size);
		assert_true(strnlen(buf, size) < size);
		assert_memory_equal(buf, "www.example.com.", strlen(buf));
		for (size_t k = size; k < sizeof(buf); k++)
			assert_int_equal(buf[k], '#');
	}
}

/* ---- ancestry and helpers ---- */

static void test_is_subdomain(void **state)
{
	(void)state;
	uint8_t com[WIRE_NAME_MAX], ex[WIRE_NAME_MAX], www[WIRE_NAME_MAX], bad[WIRE_NAME_MAX],
		root[WIRE_NAME_MAX];
	name_of("example.com.", ex);
	name_of("com.", com);
	name_of("WWW.EXAMPLE.com.", www);
	name_of("badexample.com.", bad);
	name_of(".", root);
	assert_true(wire_name_is_subdomain(www, ex));
	assert_true(wire_name_is_subdomain(ex, ex));
	assert_true(wire_name_is_subdomain(www, com));
	assert_true(wire_name_is_subdomain(www, root));
	assert_true(wire_name_is_subdomain(root, root));
	assert_false(wire_name_is_subdomain(ex, www));
	assert_false(wire_name_is_subdomain(bad, ex));
	assert_false(wire_name_is_subdomain(root, com));
}

static void test_labels_len_parent_and_lower(void **state)
{
	(void)state;
	uint8_t root[WIRE_NAME_MAX], w[WIRE_NAME_MAX];
	name_of(".", root);
	name_of("WWW.Example.COM.", w);
	assert_int_equal(wire_name_labels(root), 0);
	assert_int_equal(wire_name_labels(w), 3);
	assert_int_equal(wire_name_len(root), 1);
	assert_int_equal(wire_name_len(w), 17);
	const uint8_t *p = wire_name_parent(w);
	assert_int_equal(wire_name_labels(p), 2);
	assert_memory_equal(p, "\x07\x45xample\x03\x43OM\x00", 13);
	assert_ptr_equal(wire_name_parent(root), root);
	wire_name_lower(w);
	assert_memory_equal(w, "\x03www\x07\x65xample\x03\x63om\x00", 17);
}

/* RFC 4592 §2.1.1: the wildcard child of a name, and the check for one. */
static void test_wildcard_of_a_name(void **state)
{
	(void)state;
	uint8_t n[WIRE_NAME_MAX], w[WIRE_NAME_MAX], expect[WIRE_NAME_MAX];
	name_of("example.test.", n);
	name_of("*.example.test.", expect);
	assert_true(wire_name_wildcard(n, w));
	assert_memory_equal(w, expect, wire_name_len(expect));
	assert_true(wire_name_is_wildcard(w));
	assert_false(wire_name_is_wildcard(n));
	name_of(".", n);
	assert_true(wire_name_wildcard(n, w));
	assert_int_equal(wire_name_len(w), 3);
	/* 254 bytes leave no room for two more */
	static const unsigned lens[] = { 63, 63, 63, 61 };
	size_t len = name_of_label_lengths(lens, 4, n);
	assert_int_equal(len, 255);
	assert_false(wire_name_wildcard(n, w));
	static const unsigned fits[] = { 63, 63, 63, 59 };
	assert_int_equal(name_of_label_lengths(fits, 4, n), 253);
	assert_true(wire_name_wildcard(n, w));
	assert_int_equal(wire_name_len(w), 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpack_plain_name_keeps_case_and_moves_past_it),
		cmocka_unit_test(test_unpack_root_name_is_one_byte),
		cmocka_unit_test(test_unpack_follows_backward_pointer_and_stops_after_it),
		cmocka_unit_test(test_unpack_forward_pointer_is_bad_pointer),
		cmocka_unit_test(test_unpack_pointer_to_itself_is_bad_pointer),
		cmocka_unit_test(test_unpack_pointer_loop_is_bad_pointer),
		cmocka_unit_test(test_unpack_truncated_names),
		cmocka_unit_test(test_unpack_label_types_0x40_and_0x80_are_bad_label),
		cmocka_unit_test(test_unpack_name_of_255_bytes_ok_256_too_long),
		cmocka_unit_test(test_unpack_too_long_through_pointers),
		cmocka_unit_test(test_compare_orders_rfc4034_example_list),
		cmocka_unit_test(test_qsort_with_compare_restores_rfc4034_order),
		cmocka_unit_test(test_compare_ignores_case_and_root_sorts_first),
		cmocka_unit_test(test_from_text_relative_name_gets_origin),
		cmocka_unit_test(test_from_text_at_sign_is_the_origin),
		cmocka_unit_test(test_from_text_absolute_name_ignores_origin),
		cmocka_unit_test(test_from_text_escapes_dot_and_decimal),
		cmocka_unit_test(test_from_text_empty_labels_rejected),
		cmocka_unit_test(test_from_text_63_char_label_ok_64_rejected),
		cmocka_unit_test(test_from_text_255_bytes_ok_256_too_long),
		cmocka_unit_test(test_to_text_round_trips),
		cmocka_unit_test(test_longest_all_escaped_name_fits_text_max_and_round_trips),
		cmocka_unit_test(test_to_text_escapes_unprintable_bytes_and_keeps_case),
		cmocka_unit_test(test_to_text_never_overruns_a_small_buffer),
		cmocka_unit_test(test_is_subdomain),
		cmocka_unit_test(test_labels_len_parent_and_lower),
		cmocka_unit_test(test_wildcard_of_a_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
