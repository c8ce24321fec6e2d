/* Unit tests for daemon/control.h without sockets: the request line cairnctl sends (flush,
 * stats, test-answer), and the two forms of "stats". */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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
	assert_non_null(strstr(err, "one name at a time"));
	/* more words than any request has (test-answer's longest is 7) */
	refused("flush a b c d e f g h", err);
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
	assert_string_equal(err, "empty request; commands: flush, stats, test-answer");
	refused("   ", err);
	assert_string_equal(err, "empty request; commands: flush, stats, test-answer");
	refused("FLUSH --all", err);
	assert_string_equal(err, "unknown command 'FLUSH'; commands: flush, stats, test-answer");
	refused("test_answer www.example.lab A", err);
	assert_string_equal(err, "unknown command 'test_answer'; commands: flush, stats, "
				 "test-answer");
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

/* ---- test-answer ---- */

#define TEST_USAGE "usage: test-answer NAME TYPE [--vpc NAME | --client IP] [--json]"

/* The reason a line was refused must contain needle. */
static void refused_saying(const char *line, const char *needle)
{
	char err[CONTROL_ERROR_MAX];
	refused(line, err);
	if (!strstr(err, needle))
		fail_msg("'%s' refused with '%s', which does not say '%s'", line, err, needle);
}

static void test_test_answer_name_and_type_in_the_default_view(void **state)
{
	(void)state;
	struct control_request req = accepted("test-answer www.example.lab A");
	assert_int_equal(req.command, CONTROL_TEST_ANSWER);
	assert_name(&req, "www.example.lab.");
	assert_int_equal(req.qtype, 1);
	assert_int_equal(req.view, CONTROL_VIEW_DEFAULT);
	assert_false(req.json);
	req = accepted("  test-answer\twww.example.lab.   MX  ");
	assert_name(&req, "www.example.lab.");
	assert_int_equal(req.qtype, 15);
	req = accepted("test-answer . NS");
	assert_int_equal(req.name[0], 0);
	assert_int_equal(req.qtype, 2);
}

static void test_test_answer_keeps_the_name_as_typed(void **state)
{
	(void)state;
	/* unlike flush, the question is asked as the operator wrote it */
	struct control_request req = accepted("test-answer WWW.Example.LAB a");
	assert_name(&req, "WWW.Example.LAB.");
}

static void test_test_answer_type_is_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(accepted("test-answer x.lab a").qtype, 1);
	assert_int_equal(accepted("test-answer x.lab AAAA").qtype, 28);
	assert_int_equal(accepted("test-answer x.lab aaaa").qtype, 28);
	assert_int_equal(accepted("test-answer x.lab Txt").qtype, 16);
	assert_int_equal(accepted("test-answer x.lab ptr").qtype, 12);
	/* RFC 3597 §5: TYPEnnn for any type, known or not */
	assert_int_equal(accepted("test-answer x.lab TYPE65").qtype, 65);
	assert_int_equal(accepted("test-answer x.lab type65").qtype, 65);
	assert_int_equal(accepted("test-answer x.lab https").qtype, 65);
	assert_int_equal(accepted("test-answer x.lab TYPE65535").qtype, 65535);
}

static void test_test_answer_vpc_or_client_chooses_the_view(void **state)
{
	(void)state;
	struct control_request req = accepted("test-answer www.corp.test A --vpc app");
	assert_int_equal(req.view, CONTROL_VIEW_VPC);
	assert_string_equal(req.vpc, "app");
	assert_false(req.json);

	req = accepted("test-answer www.corp.test A --client 10.1.2.3");
	assert_int_equal(req.view, CONTROL_VIEW_CLIENT);
	assert_int_equal(req.family, AF_INET);
	assert_memory_equal(req.addr, "\x0a\x01\x02\x03", 4);

	uint8_t v6[16];
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::9", v6), 1);
	req = accepted("test-answer www.corp.test AAAA --client 2001:db8:1::9");
	assert_int_equal(req.view, CONTROL_VIEW_CLIENT);
	assert_int_equal(req.family, AF_INET6);
	assert_memory_equal(req.addr, v6, 16);

	/* a mapped address is passed on as written; the policy reads it as IPv4 */
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.1.2.3", v6), 1);
	req = accepted("test-answer www.corp.test A --client ::ffff:10.1.2.3");
	assert_int_equal(req.family, AF_INET6);
	assert_memory_equal(req.addr, v6, 16);
}

static void test_test_answer_options_in_any_order(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"test-answer www.corp.test A --json --vpc app",
		"test-answer www.corp.test A --vpc app --json",
	};
	for (size_t i = 0; i < 2; i++) {
		struct control_request req = accepted(lines[i]);
		assert_true(req.json);
		assert_int_equal(req.view, CONTROL_VIEW_VPC);
		assert_string_equal(req.vpc, "app");
		assert_int_equal(req.qtype, 1);
	}
	struct control_request req = accepted("test-answer www.corp.test A --json --client ::1");
	assert_true(req.json);
	assert_int_equal(req.view, CONTROL_VIEW_CLIENT);
	assert_int_equal(req.family, AF_INET6);
	req = accepted("test-answer www.corp.test A --client 10.0.0.1 --json");
	assert_true(req.json);
	assert_int_equal(req.family, AF_INET);
	req = accepted("test-answer www.corp.test TXT --json");
	assert_true(req.json);
	assert_int_equal(req.view, CONTROL_VIEW_DEFAULT);
}

static void test_test_answer_needs_a_name_and_a_known_type(void **state)
{
	(void)state;
	char err[CONTROL_ERROR_MAX];
	refused("test-answer", err);
	assert_string_equal(err, "test-answer needs a name and a type; " TEST_USAGE);
	refused("test-answer www.example.lab", err);
	assert_string_equal(err, "test-answer needs a name and a type; " TEST_USAGE);
	refused_saying("test-answer www.example.lab BOGUS", "unknown record type 'BOGUS'");
	refused_saying("test-answer www.example.lab bogus", "unknown record type");
	refused_saying("test-answer www.example.lab TYPE0", "unknown record type 'TYPE0'");
	refused_saying("test-answer www.example.lab TYPEX", "unknown record type 'TYPEX'");
	refused("test-answer x..y A", err);
	assert_string_equal(err, "'x..y' is not a domain name");
}

static void test_test_answer_type_number_beyond_16_bits_is_refused(void **state)
{
	(void)state;
	/* RFC 3597 §5: a type is 16 bits; TYPE65537 must not wrap to A. */
	refused_saying("test-answer www.example.lab TYPE65537", "unknown record type");
	refused_saying("test-answer www.example.lab TYPE99999", "unknown record type");
}

static void test_test_answer_view_option_errors(void **state)
{
	(void)state;
	char err[CONTROL_ERROR_MAX];
	refused("test-answer www.corp.test A --vpc", err);
	assert_string_equal(err, "--vpc needs a value; " TEST_USAGE);
	refused("test-answer www.corp.test A --json --client", err);
	assert_string_equal(err, "--client needs a value; " TEST_USAGE);
	refused_saying("test-answer www.corp.test A --vpc app --client 10.0.0.1",
		       "--vpc and --client choose the view: one of them, once");
	refused_saying("test-answer www.corp.test A --client 10.0.0.1 --vpc app",
		       "--vpc and --client choose the view");
	refused_saying("test-answer www.corp.test A --vpc app --vpc lab",
		       "--vpc and --client choose the view");
	refused("test-answer www.corp.test A --client 300.1.2.3", err);
	assert_string_equal(err, "'300.1.2.3' is not an IP address");
	refused_saying("test-answer www.corp.test A --client 10.0.0.1@53",
		       "'10.0.0.1@53' is not an IP address");
	refused_saying("test-answer www.corp.test A --client 10.0.0.0/8",
		       "'10.0.0.0/8' is not an IP address");
	refused_saying("test-answer www.corp.test A --client host.corp.test",
		       "'host.corp.test' is not an IP address");
}

static void test_test_answer_unknown_options(void **state)
{
	(void)state;
	char err[CONTROL_ERROR_MAX];
	refused("test-answer www.corp.test A --xml", err);
	assert_string_equal(err, "unknown option '--xml'; " TEST_USAGE);
	refused_saying("test-answer www.corp.test A --VPC app", "unknown option '--VPC'");
	refused_saying("test-answer www.corp.test A extra", "unknown option 'extra'");
	refused_saying("test-answer www.corp.test A --json --view app", "unknown option '--view'");
}

static void test_test_answer_vpc_name_length(void **state)
{
	(void)state;
	char line[CONTROL_LINE_MAX];
	int n = snprintf(line, sizeof(line), "test-answer x.lab A --vpc ");
	memset(line + n, 'v', CONTROL_VPC_NAME_MAX - 1);
	line[n + CONTROL_VPC_NAME_MAX - 1] = '\0';
	struct control_request req = accepted(line);
	assert_int_equal(strlen(req.vpc), CONTROL_VPC_NAME_MAX - 1);
	line[n + CONTROL_VPC_NAME_MAX - 1] = 'v';
	line[n + CONTROL_VPC_NAME_MAX] = '\0';
	refused_saying(line, "VPC name longer than 127 bytes");
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
		cmocka_unit_test(test_test_answer_name_and_type_in_the_default_view),
		cmocka_unit_test(test_test_answer_keeps_the_name_as_typed),
		cmocka_unit_test(test_test_answer_type_is_case_insensitive),
		cmocka_unit_test(test_test_answer_vpc_or_client_chooses_the_view),
		cmocka_unit_test(test_test_answer_options_in_any_order),
		cmocka_unit_test(test_test_answer_needs_a_name_and_a_known_type),
		cmocka_unit_test(test_test_answer_type_number_beyond_16_bits_is_refused),
		cmocka_unit_test(test_test_answer_view_option_errors),
		cmocka_unit_test(test_test_answer_unknown_options),
		cmocka_unit_test(test_test_answer_vpc_name_length),
		cmocka_unit_test(test_stats_text_is_key_value_lines),
		cmocka_unit_test(test_stats_json_is_one_object_on_one_line),
		cmocka_unit_test(test_stats_that_do_not_fit_give_0),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
