/* Unit tests for daemon/control.h without sockets: the request line cairnctl sends, and the
 * two forms of "stats". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/control.h"
#include "lib/wire/name.h"

/* Parse a NUL-terminated line; returns what control_parse_request returned. */
static int parse(const char *line, struct control_request *req, char *err)
{
	return control_parse_request(line, strlen(line), req, err, CONTROL_ERROR_MAX);
}

/* Parse a line that must be accepted. */
static struct control_request accepted(const char *line)
{
	struct control_request req;
	char err[CONTROL_ERROR_MAX] = "";
	if (parse(line, &req, err) != 0)
		fail_msg("'%s' refused: %s", line, err);
	return req;
}

/* Parse a line that must be refused; err gets the reason. */
static void refused(const char *line, char *err)
{
	struct control_request req;
	if (parse(line, &req, err) == 0)
		fail_msg("'%s' accepted", line);
}

static void assert_name(const struct control_request *req, const char *text)
{
	uint8_t want[WIRE_NAME_MAX];
	assert_true(wire_name_from_text(text, NULL, want) > 0);
	assert_int_equal(wire_name_len(req->name), wire_name_len(want));
	assert_memory_equal(req->name, want, wire_name_len(want));
}

/* ---- flush ---- */

static void test_flush_name_is_lower_cased_and_the_final_dot_is_optional(void **state)
{
	(void)state;
	struct control_request req = accepted("flush WWW.Example.LAB");
	assert_int_equal(req.command, CONTROL_FLUSH_NAME);
	assert_name(&req, "www.example.lab.");
	req = accepted("flush www.example.lab.");
	assert_int_equal(req.command, CONTROL_FLUSH_NAME);
	assert_name(&req, "www.example.lab.");
}

static void test_flush_below_names_the_apex(void **state)
{
	(void)state;
	struct control_request req = accepted("flush --below Example.lab");
	assert_int_equal(req.command, CONTROL_FLUSH_BELOW);
	assert_name(&req, "example.lab.");
	req = accepted("flush --below .");
	assert_int_equal(req.command, CONTROL_FLUSH_BELOW);
	assert_int_equal(req.name[0], 0);
}

static void test_flush_negative_and_all_take_no_name(void **state)
{
	(void)state;
	assert_int_equal(accepted("flush --negative").command, CONTROL_FLUSH_NEGATIVE);
	assert_int_equal(accepted("flush --all").command, CONTROL_FLUSH_ALL);
	char err[CONTROL_ERROR_MAX];
	refused("flush --all example.lab", err);
	assert_non_null(strstr(err, "takes no name"));
	refused("flush --negative x", err);
	assert_non_null(strstr(err, "takes no name"));
}

static void test_flush_escapes_in_names_are_read(void **state)
{
	(void)state;
	struct control_request req = accepted("flush a\\.b.example");
	assert_int_equal(req.name[0], 3);
	assert_memory_equal(req.name + 1, "a.b", 3);
	req = accepted("flush \\065bc.example");
	assert_memory_equal(req.name + 1, "abc", 3); /* \065 is 'A', lower-cased */
}

static void test_bad_names_are_refused_with_the_name_quoted(void **state)
{
	(void)state;
	char err[CONTROL_ERROR_MAX];
	refused("flush x..y", err);
	assert_string_equal(err, "'x..y' is not a domain name");
	refused("flush --below .example", err);
	assert_string_equal(err, "'.example' is not a domain name");
	refused("flush @", err);
	assert_string_equal(err, "'@' is not a domain name");

	char line[400] = "flush ";
	for (int i = 0; i < 5; i++)
		strcat(line, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	refused(line, err);
	assert_non_null(strstr(err, "longer than 255 bytes"));

	char label[80] = "flush ";
	memset(label + 6, 'a', 64);
	label[70] = '\0';
	refused(label, err); /* a label of 64 bytes */
	assert_non_null(strstr(err, "is not a domain name"));
}

static void test_flush_usage_errors(void **state)
{
	(void)state;
	char err[CONTROL_ERROR_MAX];
	refused("flush", err);
	assert_non_null(strstr(err, "flush needs a name"));
	refused("flush --below", err);
	assert_non_null(strstr(err, "needs one name"));
	refused("flush --below a b", err);
	assert_non_null(strstr(err, "needs one name"));
	refused("flush a b", err);
	assert_non_null(strstr(err, "one name at a time"));
	refused("flush --bogus", err);
	assert_non_null(strstr(err, "unknown option '--bogus'"));
	refused("flush a b c d e", err);
	assert_string_equal(err, "too many words in the request");
}

/* ---- stats and the line itself ---- */

static void test_stats_with_and_without_json(void **state)
{
	(void)state;
	struct control_request req = accepted("stats");
	assert_int_equal(req.command, CONTROL_STATS);
	assert_false(req.json);
	req = accepted("  stats\t--json  ");
	assert_int_equal(req.command, CONTROL_STATS);
	assert_true(req.json);
	char err[CONTROL_ERROR_MAX];
	refused("stats --xml", err);
	assert_string_equal(err, "unknown option '--xml'; usage: stats [--json]");
	refused("stats --json extra", err);
	assert_string_equal(err, "stats takes one option at most; usage: stats [--json]");
}

static void test_empty_and_unknown_commands(void **state)
{
	(void)state;
	char err[CONTROL_ERROR_MAX];
	refused("", err);
	assert_string_equal(err, "empty request; commands: flush, stats");
	refused("   ", err);
	assert_string_equal(err, "empty request; commands: flush, stats");
	refused("FLUSH --all", err);
	assert_string_equal(err, "unknown command 'FLUSH'; commands: flush, stats");
}

static void test_control_characters_and_nul_are_refused(void **state)
{
	(void)state;
	struct control_request req;
	char err[CONTROL_ERROR_MAX];
	static const char with_nul[] = "flush a\0b";
	assert_int_equal(control_parse_request(with_nul, sizeof(with_nul) - 1, &req, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "control character (byte 0) at offset 7"));
	refused("flush a\x1b[31m", err);
	assert_non_null(strstr(err, "control character (byte 27)"));
	refused("stats\x7f", err);
	assert_non_null(strstr(err, "byte 127"));
}

static void test_line_length_bound(void **state)
{
	(void)state;
	char line[CONTROL_LINE_MAX + 2];
	struct control_request req;
	char err[CONTROL_ERROR_MAX];
	/* the longest line is parsed (and refused for its name, a label over 63) */
	memcpy(line, "flush ", 6);
	memset(line + 6, 'a', CONTROL_LINE_MAX - 6);
	assert_int_equal(control_parse_request(line, CONTROL_LINE_MAX, &req, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "is not a domain name"));
	line[CONTROL_LINE_MAX] = 'a';
	assert_int_equal(control_parse_request(line, CONTROL_LINE_MAX + 1, &req, err,
					       sizeof(err)), -1);
	assert_string_equal(err, "request longer than 1024 bytes");
}

static void test_error_text_is_cut_to_the_buffer(void **state)
{
	(void)state;
	struct control_request req;
	char err[16];
	const char *line = "flush x..yyyyyyyyyyyyyyyyyyyyyyyyyy";
	assert_int_equal(control_parse_request(line, strlen(line), &req, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

/* ---- the stats formats ---- */

static const struct control_stat STATS[] = {
	{ "cache-entries", 3 },
	{ "cache-hits", 18446744073709551615ull },
	{ "queries", 0 },
};

static void test_stats_text_is_key_value_lines(void **state)
{
	(void)state;
	char out[256];
	size_t n = control_format_stats(STATS, 3, false, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "cache-entries: 3\ncache-hits: 18446744073709551615\n"
				 "queries: 0\n");
}

static void test_stats_json_is_one_object_on_one_line(void **state)
{
	(void)state;
	char out[256];
	size_t n = control_format_stats(STATS, 3, true, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "{\"cache-entries\": 3, \"cache-hits\": 18446744073709551615, "
				 "\"queries\": 0}\n");
	assert_int_equal(control_format_stats(STATS, 0, true, out, sizeof(out)), 3);
	assert_string_equal(out, "{}\n");
}

static void test_stats_that_do_not_fit_give_0(void **state)
{
	(void)state;
	char out[20];
	assert_int_equal(control_format_stats(STATS, 3, false, out, sizeof(out)), 0);
	assert_int_equal(control_format_stats(STATS, 3, true, out, sizeof(out)), 0);
	assert_int_equal(control_format_stats(STATS, 1, false, out, 0), 0);
	/* exactly the room needed: "cache-entries: 3\n" and its NUL */
	assert_int_equal(control_format_stats(STATS, 1, false, out, 18), 17);
	assert_int_equal(control_format_stats(STATS, 1, false, out, 17), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flush_name_is_lower_cased_and_the_final_dot_is_optional),
		cmocka_unit_test(test_flush_below_names_the_apex),
		cmocka_unit_test(test_flush_negative_and_all_take_no_name),
		cmocka_unit_test(test_flush_escapes_in_names_are_read),
		cmocka_unit_test(test_bad_names_are_refused_with_the_name_quoted),
		cmocka_unit_test(test_flush_usage_errors),
		cmocka_unit_test(test_stats_with_and_without_json),
		cmocka_unit_test(test_empty_and_unknown_commands),
		cmocka_unit_test(test_control_characters_and_nul_are_refused),
		cmocka_unit_test(test_line_length_bound),
		cmocka_unit_test(test_error_text_is_cut_to_the_buffer),
		cmocka_unit_test(test_stats_text_is_key_value_lines),
		cmocka_unit_test(test_stats_json_is_one_object_on_one_line),
		cmocka_unit_test(test_stats_that_do_not_fit_give_0),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
