/* Unit tests for daemon/config.h: defaults, every error with its position, private and
 * built-in zones, and the reference text that is conf/cairnd.yaml. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "lib/wire/dns.h"
#include "lib/wire/name.h"
#include "lib/zone/lookup.h"

static char srcdir[2048], datadir[4096];

static int setup_paths(void **state)
{
	(void)state;
	const char *s = getenv("CAIRN_SRCDIR");
	snprintf(srcdir, sizeof(srcdir), "%s", s ? s : ".");
	snprintf(datadir, sizeof(datadir), "%s/tests/unit/data", srcdir);
	return 0;
}

static struct cairn_config *load(const char *text, struct config_errors *e)
{
	return config_load_text(text, strlen(text), "test.yaml", datadir, e);
}

static struct cairn_config *load_ok(const char *text)
{
	struct config_errors e;
	struct cairn_config *cfg = load(text, &e);
	if (!cfg)
		fail_msg("config rejected: %s", e.count ? e.msg[0] : "(no message)");
	assert_int_equal(e.count, 0);
	return cfg;
}

/* The text must be refused with exactly one error, at "test.yaml:LINE:COL: ", that
 * contains needle. */
static void expect_error(const char *text, int line, int col, const char *needle)
{
	struct config_errors e;
	char pos[64];
	struct cairn_config *cfg = load(text, &e);
	snprintf(pos, sizeof(pos), "test.yaml:%d:%d: ", line, col);
	if (cfg) {
		config_free(cfg);
		fail_msg("accepted, expected an error at %s", pos);
	}
	if (e.count != 1) {
		for (size_t i = 0; i < e.count; i++)
			print_message("  %s\n", e.msg[i]);
		config_errors_clear(&e);
		fail_msg("expected one error, got %zu", e.count);
	}
	bool at = strncmp(e.msg[0], pos, strlen(pos)) == 0;
	bool says = strstr(e.msg[0], needle) != NULL;
	if (!at || !says) {
		print_message("  got: %s\n", e.msg[0]);
		config_errors_clear(&e);
		fail_msg("expected '%s...%s'", pos, needle);
	}
	config_errors_clear(&e);
}

/* For the checks of a missing rule: refused, with one error on the given line that
 * mentions needle (the column is left to whoever adds the rule). */
static void expect_error_on_line(const char *text, int line, const char *needle)
{
	struct config_errors e;
	char pos[64];
	struct cairn_config *cfg = load(text, &e);
	snprintf(pos, sizeof(pos), "test.yaml:%d:", line);
	if (cfg) {
		config_free(cfg);
		fail_msg("accepted, expected an error at %s", pos);
	}
	bool ok = e.count == 1 && strncmp(e.msg[0], pos, strlen(pos)) == 0 &&
		  strstr(e.msg[0], needle);
	if (!ok)
		for (size_t i = 0; i < e.count; i++)
			print_message("  got: %s\n", e.msg[i]);
	config_errors_clear(&e);
	if (!ok)
		fail_msg("expected one error '%s...%s'", pos, needle);
}

/* Does the config's zoneset answer qname A, and with which rcode / answer count? */
static struct zone_answer za;

static bool ask(const struct cairn_config *cfg, const char *qname, uint16_t qtype)
{
	static uint8_t n[WIRE_NAME_MAX];
	assert_true(wire_name_from_text(qname, NULL, n) > 0);
	wire_name_lower(n);
	return zoneset_answer(&cfg->policy.views[0].zones, n, qtype, &za);
}

static const uint8_t *first_rdata(unsigned i, uint16_t *len)
{
	uint32_t off = 0;
	const uint8_t *rd = NULL;
	assert_true(i < za.n_answer);
	assert_true(zone_rrset_next(za.answer[i].rrset, &off, &rd, len));
	return rd;
}

/* The same, through the zones of one view (0: the default, i+1: VPC i). */
static bool ask_view(const struct cairn_config *cfg, size_t view, const char *qname,
		     uint16_t qtype)
{
	static uint8_t n[WIRE_NAME_MAX];
	assert_true(view < cfg->policy.n_views);
	assert_true(wire_name_from_text(qname, NULL, n) > 0);
	wire_name_lower(n);
	return zoneset_answer(&cfg->policy.views[view].zones, n, qtype, &za);
}

/* ---- defaults ---- */

static void assert_defaults(const struct cairn_config *cfg)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	assert_int_equal(cfg->n_listen, 2);
	assert_int_equal(cfg->listen[0].family, AF_INET);
	assert_memory_equal(cfg->listen[0].addr, "\x7f\x00\x00\x01", 4);
	assert_int_equal(cfg->listen[0].port, 5353);
	assert_int_equal(cfg->listen[1].family, AF_INET6);
	assert_memory_equal(cfg->listen[1].addr, v6_loopback, 16);
	assert_int_equal(cfg->listen[1].port, 5353);
	assert_int_equal(cfg->access.count, 2);
	assert_true(cfg->access.rules[0].allow);
	assert_int_equal(cfg->access.rules[0].net.prefix, 8);
	assert_int_equal(cfg->access.rules[1].net.prefix, 128);
	assert_int_equal(cfg->edns_buffer_size, 1232);
	assert_int_equal(cfg->tcp_idle_timeout_ms, 10000);
	assert_int_equal(cfg->max_tcp_clients, 256);
	assert_int_equal(cfg->log_level, LOG_INFO);
	assert_true(cfg->builtin_zones);
	assert_int_equal(cfg->n_zones, 0);
	assert_true(cfg->n_builtins > 0);
	assert_true(ask(cfg, "localhost.", DNS_TYPE_A));
	/* recursion: */
	assert_true(cfg->recursion);
	assert_int_equal(cfg->root_hints.count, 26); /* a..m.root-servers.net, v4 and v6 */
	assert_true(cfg->prime_root && cfg->qname_minimisation && cfg->use_0x20);
	assert_true(cfg->rec_ipv4 && cfg->rec_ipv6 && cfg->harden_glue);
	assert_false(cfg->query_loopback);
	assert_int_equal(cfg->n_outgoing, 0);
	assert_int_equal(cfg->request_timeout_ms, 4000);
	assert_int_equal(cfg->max_queries, 100);
	assert_int_equal(cfg->max_referrals, 30);
	assert_int_equal(cfg->max_glueless, 12);
	assert_int_equal(cfg->max_glueless_depth, 4);
	assert_int_equal(cfg->max_cname, 12);
	assert_int_equal(cfg->max_in_flight, 4096);
	/* cache: */
	assert_true(cfg->cache_size == 64u << 20);
	assert_int_equal(cfg->cache_max_ttl_ms, 86400000);
	assert_int_equal(cfg->cache_min_ttl_ms, 0);
	assert_int_equal(cfg->cache_neg_max_ttl_ms, 3600000);
}

static void test_root_hints_inline_list_is_read_with_ports(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok("recursion:\n"
					   "  root-hints:\n"
					   "    - {name: a.root.lab, address: 127.53.0.1}\n"
					   "    - {name: B.Root.Lab., address: \"::1@5300\"}\n");
	assert_int_equal(cfg->root_hints.count, 2);
	assert_memory_equal(cfg->root_hints.hint[0].addr.addr, "\x7f\x35\x00\x01", 4);
	assert_int_equal(cfg->root_hints.hint[0].addr.port, 53);
	assert_int_equal(cfg->root_hints.hint[1].addr.family, AF_INET6);
	assert_int_equal(cfg->root_hints.hint[1].addr.port, 5300);
	char name[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(cfg->root_hints.hint[1].name, name, sizeof(name));
	assert_string_equal(name, "b.root.lab.");
	config_free(cfg);
}

static void test_root_hints_file_gives_each_root_server_address(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok("recursion:\n  root-hints: lab.root\n");
	assert_int_equal(cfg->root_hints.count, 3); /* a: v4 + v6, b: v4 */
	config_free(cfg);
}

static void test_recursion_errors_have_positions(void **state)
{
	(void)state;
	expect_error("recursion:\n  root-hints: [{name: a.root.lab}]\n", 2, 16,
		     "needs both name and address");
	expect_error("recursion:\n  root-hints: [{name: a.root.lab, address: 300.1.1.1}]\n", 2,
		     44, "300.1.1.1");
	expect_error("recursion:\n  root-hints: [{name: a.root.lab, adress: 1.2.3.4}]\n", 2, 35,
		     "unknown key 'adress'");
	expect_error("recursion:\n  root-hints: []\n", 2, 15, "at least one server");
	expect_error("recursion:\n  root-hints: missing.root\n", 2, 15, "missing.root");
	expect_error("recursion:\n  root-hints: noroot.hints\n", 2, 15,
		     "no NS records for the root");
	expect_error("recursion:\n  outgoing-address: [192.0.2.1@53]\n", 2, 22,
		     "the source port is random");
	expect_error("recursion:\n  outgoing-address: [192.0.2.1, 192.0.2.2]\n", 2, 33,
		     "one address per family");
	expect_error("recursion:\n  request-timeout: 2m\n", 2, 20, "request-timeout");
	expect_error("recursion:\n  max-glueless-depth: 8\n", 2, 23, "1 to 7");
	expect_error("recursion:\n  qname-minimization: true\n", 2, 3, "qname-minimization");
}

static void test_cache_sizes_and_ttls_are_read_with_units(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok("cache:\n  size: 16M\n  max-ttl: 5m\n"
					   "  min-ttl: 30\n  negative-max-ttl: 0\n");
	assert_true(cfg->cache_size == 16u << 20);
	assert_int_equal(cfg->cache_max_ttl_ms, 300000);
	assert_int_equal(cfg->cache_min_ttl_ms, 30000);
	assert_int_equal(cfg->cache_neg_max_ttl_ms, 0);
	config_free(cfg);
	cfg = load_ok("cache:\n  size: 2097152\n");
	assert_true(cfg->cache_size == 2u << 20);
	config_free(cfg);
	cfg = load_ok("cache:\n  size: 1G\n");
	assert_true(cfg->cache_size == 1u << 30);
	config_free(cfg);
}

static void test_cache_errors_have_positions(void **state)
{
	(void)state;
	expect_error("cache:\n  size: lots\n", 2, 9, "size from 1M to 64G");
	expect_error("cache:\n  size: 512K\n", 2, 9, "'512K'");
	expect_error("cache:\n  size: 64T\n", 2, 9, "'64T'");
	expect_error("cache:\n  max-ttl: 0\n", 2, 12, "cache.max-ttl");
	expect_error("cache:\n  maxttl: 300\n", 2, 3, "maxttl");
}

static void test_builtin_default_loads_with_documented_values(void **state)
{
	(void)state;
	struct config_errors e;
	struct cairn_config *cfg = config_load(NULL, &e);
	if (!cfg)
		fail_msg("built-in default rejected: %s", e.count ? e.msg[0] : "?");
	assert_string_equal(cfg->source, "<built-in default>");
	assert_defaults(cfg);
	config_free(cfg);
}

static void test_empty_document_gives_the_same_defaults(void **state)
{
	(void)state;
	static const char *const texts[] = { "", "# nothing but a comment\n", "server:\n",
					     "server:\nprivate-zones:\n" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct cairn_config *cfg = load_ok(texts[i]);
		assert_defaults(cfg);
		config_free(cfg);
	}
}

static void test_values_in_range_and_duration_units_are_accepted(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok("server:\n"
					   "  listen: [\"192.0.2.1\", \"[2001:db8::1]@5300\"]\n"
					   "  edns-buffer-size: 4096\n"
					   "  tcp-idle-timeout: 500ms\n"
					   "  max-tcp-clients: 1\n"
					   "  log-level: debug\n");
	assert_int_equal(cfg->n_listen, 2);
	assert_int_equal(cfg->listen[0].port, 53);
	assert_int_equal(cfg->listen[1].family, AF_INET6);
	assert_int_equal(cfg->listen[1].port, 5300);
	assert_int_equal(cfg->edns_buffer_size, 4096);
	assert_int_equal(cfg->tcp_idle_timeout_ms, 500);
	assert_int_equal(cfg->max_tcp_clients, 1);
	assert_int_equal(cfg->log_level, LOG_DEBUG);
	config_free(cfg);
	cfg = load_ok("server:\n  tcp-idle-timeout: 2m\n");
	assert_int_equal(cfg->tcp_idle_timeout_ms, 120000);
	config_free(cfg);
	cfg = load_ok("server:\n  tcp-idle-timeout: 15\n");
	assert_int_equal(cfg->tcp_idle_timeout_ms, 15000);
	config_free(cfg);
}

/* ---- every error kind, at its place ---- */

static void test_error_unknown_top_level_key(void **state)
{
	(void)state;
	expect_error("server:\n  log-level: info\nservr:\n  x: 1\n", 3, 1, "unknown key 'servr'");
}

static void test_error_unknown_key_in_server(void **state)
{
	(void)state;
	expect_error("server:\n  listn: []\n", 2, 3, "unknown key 'listn' in server");
}

static void test_error_wrong_type_for_number(void **state)
{
	(void)state;
	expect_error("server:\n  edns-buffer-size: lots\n", 2, 21, "'lots'");
	expect_error("server:\n  edns-buffer-size: [1232]\n", 2, 21, "single value");
}

static void test_error_number_out_of_range(void **state)
{
	(void)state;
	expect_error("server:\n  edns-buffer-size: 100\n", 2, 21, "512 to 4096");
	expect_error("server:\n  max-tcp-clients: 0\n", 2, 20, "'0'");
}

static void test_error_bad_duration(void **state)
{
	(void)state;
	expect_error("server:\n  tcp-idle-timeout: soon\n", 2, 21, "'soon'");
	expect_error("server:\n  tcp-idle-timeout: 99ms\n", 2, 21, "'99ms'");
}

static void test_threads_count_or_auto(void **state)
{
	(void)state;
	struct cairn_config *c = load_ok("server:\n  threads: 4\n");
	assert_int_equal(c->threads, 4);
	config_free(c);
	c = load_ok("server:\n  threads: auto\n");
	assert_int_equal(c->threads, 0);
	config_free(c);
	c = load_ok("server: {}\n");
	assert_int_equal(c->threads, 1);
	config_free(c);
	expect_error("server:\n  threads: 0\n", 2, 12, "auto or a number from 1 to 64, not '0'");
	expect_error("server:\n  threads: 65\n", 2, 12, "not '65'");
	expect_error("server:\n  threads: many\n", 2, 12, "not 'many'");
}

static void test_cache_stale_and_prefetch_keys(void **state)
{
	(void)state;
	struct cairn_config *c = load_ok("cache: {}\n");
	assert_false(c->serve_stale);
	assert_true(c->prefetch);
	assert_int_equal(c->stale_max_age_ms, 86400000);
	config_free(c);
	c = load_ok("cache:\n  serve-stale: true\n  stale-max-age: 2d\n  prefetch: false\n");
	assert_true(c->serve_stale);
	assert_false(c->prefetch);
	assert_int_equal(c->stale_max_age_ms, 2 * 86400000u);
	config_free(c);
	expect_error("cache:\n  stale-max-age: 8d\n", 2, 18, "'8d'");
}

static void test_dnssec_defaults_and_trust_anchor_files(void **state)
{
	(void)state;
	struct cairn_config *c = load_ok("dnssec: {}\n");
	assert_true(c->dnssec_validation);
	assert_int_equal(c->anchors.count, 1); /* the IANA root, built in */
	assert_int_equal(c->anchors.a[0].ds_count, 2);
	assert_int_equal(c->sig_skew_ms, 3600000);
	config_free(c);
	/* files replace the built-in anchors: DS and DNSKEY lines, TTL and class optional */
	c = load_ok("dnssec:\n  trust-anchors: [anchors/good.ds]\n"
		    "  negative-trust-anchors: [broken.lab, Other.Lab.]\n  validation: false\n");
	assert_false(c->dnssec_validation);
	assert_int_equal(c->anchors.count, 2);
	uint8_t name[WIRE_NAME_MAX];
	assert_true(wire_name_from_text("www.sig.test.", NULL, name) > 0);
	const struct anchor *a = anchors_closest(&c->anchors, name);
	assert_non_null(a);
	assert_int_equal(a->ds_count, 2);
	assert_int_equal(a->keys_count, 1);
	assert_true(wire_name_from_text("x.sec.lab.", NULL, name) > 0);
	a = anchors_closest(&c->anchors, name);
	assert_non_null(a);
	assert_int_equal(a->ds_count, 1);
	assert_true(wire_name_from_text("www.other.lab.", NULL, name) > 0);
	wire_name_lower(name);
	assert_true(anchors_nta_covers(&c->anchors, name));
	config_free(c);
	expect_error("dnssec:\n  trust-anchors: [anchors/wrong-type.ds]\n", 2, 19,
		     "wrong-type.ds:3: a trust anchor is a DS or DNSKEY record, not type 1");
	expect_error("dnssec:\n  trust-anchors: [anchors/empty.ds]\n", 2, 19,
		     "empty.ds holds no DS or DNSKEY record");
	expect_error("dnssec:\n  trust-anchors: [anchors/missing.ds]\n", 2, 19,
		     "cannot read anchors/missing.ds");
	expect_error("dnssec:\n  negative-trust-anchors: [\"a..b\"]\n", 2, 28,
		     "'a..b' is not a domain name");
	expect_error("dnssec:\n  clock-skew: 2d\n", 2, 15, "'2d'");
}

static void test_error_bad_enum(void **state)
{
	(void)state;
	expect_error("server:\n  log-level: loud\n", 2, 14,
		     "one of error, warning, info, debug, not 'loud'");
}

static void test_error_bad_listen_address(void **state)
{
	(void)state;
	expect_error("server:\n  listen: [\"999.1.1.1@53\"]\n", 2, 12, "bad address '999.1.1.1'");
}

static void test_error_bad_listen_port(void **state)
{
	(void)state;
	expect_error("server:\n  listen:\n    - 127.0.0.1@70000\n", 3, 7, "bad port '70000'");
}

static void test_error_bad_cidr(void **state)
{
	(void)state;
	expect_error("server:\n  access:\n    - allow: 10.0.0.0/33\n", 3, 14,
		     "bad CIDR '10.0.0.0/33'");
}

static void test_error_cidr_with_host_bits(void **state)
{
	(void)state;
	expect_error("server:\n  access:\n    - refuse: 0.0.0.0/0\n    - allow: 10.0.0.1/8\n", 4,
		     14, "bits set after /8");
}

static void test_error_access_entry_with_unknown_action(void **state)
{
	(void)state;
	expect_error("server:\n  access:\n    - permit: 10.0.0.0/8\n", 3, 7,
		     "unknown access action 'permit'");
}

static void test_error_duplicate_key(void **state)
{
	(void)state;
	expect_error("server:\n  edns-buffer-size: 1232\n  edns-buffer-size: 1400\n", 3, 3,
		     "duplicate key 'edns-buffer-size' (first at line 2)");
}

static void test_error_duplicate_private_zone(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - name: a.test\n  - name: A.test.\n", 3, 11,
		     "duplicate private zone a.test. (first at line 2)");
}

static void test_error_record_with_unknown_type(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: www, type: BOGUS, data: [1]}\n",
		     4, 27, "unknown record type 'BOGUS'");
}

static void test_error_record_with_bad_data(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: www, type: A, data: [not-an-ip]}\n",
		     4, 37, "bad A record data 'not-an-ip'");
}

static void test_error_private_zone_without_name(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - file: good.zone\n", 2, 5, "needs a name");
}

static void test_error_private_zone_name_is_empty(void **state)
{
	(void)state;
	/* "name:" with nothing after it must not quietly become the root zone, which would
	 * answer NXDOMAIN for every name on the Internet */
	expect_error_on_line("private-zones:\n  - name:\n    records:\n"
		     "      - {name: www.example.com., type: A, data: [192.0.2.1]}\n",
		     2, "name");
}

static void test_error_zone_file_does_not_exist(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - name: a.test\n    file: nope.zone\n", 3, 11,
		     "cannot open zone file");
}

static void test_error_builtin_zones_names_a_zone_that_is_not_built_in(void **state)
{
	(void)state;
	expect_error("server:\n  builtin-zones: [localhost, test]\n", 2, 30,
		     "no built-in zone at or below 'test'");
}

static void test_error_builtin_zones_entry_is_empty(void **state)
{
	(void)state;
	/* an empty entry is not a zone name; it must not switch every built-in zone off */
	expect_error_on_line("server:\n  builtin-zones: [\"\"]\n", 2, "builtin-zones");
}

static void test_error_yaml_syntax(void **state)
{
	(void)state;
	expect_error("server:\n\tlisten: []\n", 2, 1, "YAML syntax error");
	expect_error("server:\n  listen: [\"127.0.0.1\"\n", 3, 1, "YAML syntax error");
}

static void test_error_bad_utf8_and_control_characters_are_positioned(void **state)
{
	(void)state;
	/* libyaml reports these with a byte offset, not a line and column */
	expect_error("server:\n  log-level: info\n\n  edns-buffer-size: 12\xff\n", 4, 23,
		     "invalid leading UTF-8 octet");
	expect_error("server:\n  log-level: info\n\n\n  x: \x01\n", 5, 6,
		     "control characters are not allowed");
}

static void test_error_yaml_alias_is_refused_where_used(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - &z {name: a.test}\n  - *z\n", 3, 5,
		     "YAML aliases are not supported");
}

static void test_error_second_yaml_document(void **state)
{
	(void)state;
	expect_error("server:\n  log-level: info\n---\nserver: {listen: [bogus]}\n", 3, 1,
		     "more than one YAML document");
}

static void test_error_zone_file_that_is_not_a_regular_file(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - name: a.test\n    file: /dev/zero\n", 3, 11,
		     "not a regular file");
	expect_error("private-zones:\n  - name: a.test\n    file: /\n", 3, 11,
		     "not a regular file");
}

static void test_several_errors_are_all_reported(void **state)
{
	(void)state;
	struct config_errors e;
	const char *text = "server:\n"
			   "  edns-buffer-size: 100\n"
			   "  log-level: loud\n"
			   "  colour: blue\n"
			   "private-zones:\n"
			   "  - name: a.test\n"
			   "    records:\n"
			   "      - {name: www, type: A, data: [nope]}\n";
	assert_null(load(text, &e));
	assert_int_equal(e.count, 4);
	assert_non_null(strstr(e.msg[0], "test.yaml:2:21: "));
	assert_non_null(strstr(e.msg[1], "test.yaml:3:14: "));
	assert_non_null(strstr(e.msg[2], "test.yaml:4:3: "));
	assert_non_null(strstr(e.msg[3], "test.yaml:8:37: "));
	config_errors_clear(&e);
	assert_int_equal(e.count, 0);
}

static void test_errors_beyond_the_limit_are_counted(void **state)
{
	(void)state;
	struct config_errors e;
	char *text = malloc(16 * 150 + 16);
	size_t o = (size_t)sprintf(text, "server:\n");
	for (int i = 0; i < 150; i++)
		o += (size_t)sprintf(text + o, "  k%d: 1\n", i);
	assert_null(config_load_text(text, o, "test.yaml", datadir, &e));
	assert_int_equal(e.count, CONFIG_MAX_ERRORS);
	assert_int_equal(e.dropped, 50);
	config_errors_clear(&e);
	free(text);
}

static void test_missing_config_file_is_reported(void **state)
{
	(void)state;
	struct config_errors e;
	char path[4200];
	snprintf(path, sizeof(path), "%s/no-such-config.yaml", datadir);
	assert_null(config_load(path, &e));
	assert_int_equal(e.count, 1);
	assert_non_null(strstr(e.msg[0], "no-such-config.yaml:1:1: "));
	config_errors_clear(&e);
}

/* ---- private and built-in zones ---- */

static void test_private_zone_records_answer_through_zoneset(void **state)
{
	(void)state;
	uint16_t len;
	struct cairn_config *cfg = load_ok(
		"private-zones:\n"
		"  - name: corp.test\n"
		"    records:\n"
		"      - {name: www, type: A, data: [192.0.2.10, 192.0.2.11]}\n"
		"      - {name: \"@\", type: MX, ttl: 60, data: [\"10 mail\"]}\n"
		"      - {name: mail.corp.test., type: A, data: 192.0.2.25}\n"
		"      - {name: note, type: TXT, data: [hello world, 'say \"hi\"']}\n"
		"      - {name: two, type: TXT, data: ['\"a\" \"b\"']}\n"
		"      - {name: \"*.dev\", type: CNAME, data: [www]}\n");
	assert_int_equal(cfg->n_zones, 1);

	assert_true(ask(cfg, "www.corp.test.", DNS_TYPE_A));
	assert_int_equal(za.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(za.answer[0].rrset->count, 2);
	assert_int_equal(za.answer[0].ttl, 300); /* default TTL */

	assert_true(ask(cfg, "corp.test.", DNS_TYPE_MX));
	assert_int_equal(za.answer[0].ttl, 60);
	assert_memory_equal(first_rdata(0, &len), "\x00\x0a\x04mail\x04\x63orp\x04test", 18);
	assert_int_equal(len, 18);

	assert_true(ask(cfg, "mail.corp.test.", DNS_TYPE_A));
	assert_memory_equal(first_rdata(0, &len), "\xc0\x00\x02\x19", 4);

	assert_true(ask(cfg, "note.corp.test.", DNS_TYPE_TXT));
	assert_int_equal(za.answer[0].rrset->count, 2);
	uint32_t off = 0;
	const uint8_t *rd;
	bool hello = false, hi = false;
	while (zone_rrset_next(za.answer[0].rrset, &off, &rd, &len)) {
		hello |= len == 12 && !memcmp(rd, "\x0bhello world", 12);
		hi |= len == 9 && !memcmp(rd, "\x08say \"hi\"", 9);
	}
	assert_true(hello);
	assert_true(hi);

	assert_true(ask(cfg, "two.corp.test.", DNS_TYPE_TXT));
	assert_memory_equal(first_rdata(0, &len), "\x01\x61\x01\x62", 4);
	assert_int_equal(len, 4);

	assert_true(ask(cfg, "x.dev.corp.test.", DNS_TYPE_A));
	assert_int_equal(za.n_answer, 2);
	assert_int_equal(za.answer[1].rrset->type, DNS_TYPE_A);

	assert_true(ask(cfg, "nope.corp.test.", DNS_TYPE_A));
	assert_int_equal(za.rcode, DNS_RCODE_NXDOMAIN);
	config_free(cfg);
}

static void test_private_zone_file_is_found_next_to_the_config(void **state)
{
	(void)state;
	struct config_errors e;
	char path[4200];
	snprintf(path, sizeof(path), "%s/with-zone.yaml", datadir);
	struct cairn_config *cfg = config_load(path, &e);
	if (!cfg)
		fail_msg("%s", e.count ? e.msg[0] : "?");
	assert_string_equal(cfg->source, path);
	assert_int_equal(cfg->listen[0].port, 5300);
	assert_true(ask(cfg, "www.files.test.", DNS_TYPE_AAAA));
	assert_int_equal(za.n_answer, 1);
	config_free(cfg);
}

static void test_builtin_zones_false_removes_localhost(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok("server:\n  builtin-zones: false\n");
	assert_false(cfg->builtin_zones);
	assert_int_equal(cfg->n_builtins, 0);
	assert_false(ask(cfg, "localhost.", DNS_TYPE_A));
	assert_false(ask(cfg, "1.0.0.127.in-addr.arpa.", DNS_TYPE_PTR));
	config_free(cfg);
}

static void test_builtin_zones_list_leaves_out_only_those(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok("server:\n  builtin-zones: [localhost]\n");
	assert_false(ask(cfg, "localhost.", DNS_TYPE_A));
	assert_true(ask(cfg, "foo.invalid.", DNS_TYPE_A));
	assert_int_equal(za.rcode, DNS_RCODE_NXDOMAIN);
	assert_true(ask(cfg, "1.0.0.127.in-addr.arpa.", DNS_TYPE_PTR));
	config_free(cfg);
	/* a parent name leaves out every built-in zone below it */
	cfg = load_ok("server:\n  builtin-zones: [in-addr.arpa.]\n");
	assert_false(ask(cfg, "1.0.0.127.in-addr.arpa.", DNS_TYPE_PTR));
	assert_true(ask(cfg, "localhost.", DNS_TYPE_A));
	config_free(cfg);
}

static void test_private_zone_replaces_builtin_of_same_name(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok(
		"private-zones:\n"
		"  - name: 10.in-addr.arpa\n"
		"    records:\n"
		"      - {name: 1.2.3, type: PTR, data: [host.corp.test.]}\n");
	assert_true(ask(cfg, "1.2.3.10.in-addr.arpa.", DNS_TYPE_PTR));
	assert_int_equal(za.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(za.n_answer, 1);
	assert_ptr_equal(za.zone, cfg->zones[0]);
	/* a miss gets the private zone's (synthesised) SOA, not the built-in one */
	assert_true(ask(cfg, "9.9.9.10.in-addr.arpa.", DNS_TYPE_PTR));
	assert_int_equal(za.rcode, DNS_RCODE_NXDOMAIN);
	assert_ptr_equal(za.zone, cfg->zones[0]);
	assert_int_equal(za.authority[0].ttl, 300);
	/* the other built-in zones stay */
	assert_true(ask(cfg, "1.1.168.192.in-addr.arpa.", DNS_TYPE_PTR));
	assert_int_equal(za.rcode, DNS_RCODE_NXDOMAIN);
	assert_true(ask(cfg, "localhost.", DNS_TYPE_A));
	config_free(cfg);
}

/* ---- Route 53: vpcs, rules and the VPCs of private zones ---- */

static const char VPCS[] = "vpcs:\n"                                /* 1 */
			   "  - {name: app, cidrs: [10.1.0.0/16]}\n" /* 2 */
			   "  - {name: lab, cidrs: [10.2.0.0/16]}\n"; /* 3 */

/* VPCS followed by more text (the first line of more is line 4). */
static const char *with_vpcs(const char *more)
{
	static char text[4096];
	snprintf(text, sizeof(text), "%s%s", VPCS, more);
	return text;
}

static const char ROUTE53[] =
	"vpcs:\n"
	"  - name: app\n"
	"    id: vpc-0a1b2c\n"
	"    cidrs: [10.1.0.0/16, \"2001:db8:1::/48\"]\n"
	"  - name: lab\n"
	"    cidrs: 10.2.0.0/16\n"
	"    dnssec-validation: false\n"
	"rules:\n"
	"  - name: onprem\n"
	"    type: forward\n"
	"    domain: Corp.Example\n"
	"    targets: [192.0.2.53, \"192.0.2.54@5353\"]\n"
	"    vpcs: [app]\n"
	"  - name: aws\n"
	"    type: system\n"
	"    domain: aws.corp.example.\n"
	"  - name: lab-fwd\n"
	"    type: forward\n"
	"    domain: lab.example\n"
	"    targets: [\"[2001:db8::53]@53\"]\n"
	"    validate: false\n"
	"    vpcs: lab\n"
	"private-zones:\n"
	"  - name: corp.test\n"
	"    vpcs: [app]\n"
	"    records:\n"
	"      - {name: www, type: A, data: [192.0.2.10]}\n"
	"      - {name: \"@\", type: A, alias: www}\n"
	"  - name: corp.test\n"
	"    vpcs: [lab]\n"
	"    records:\n"
	"      - {name: www, type: A, data: [192.0.2.20]}\n"
	"dnssec:\n"
	"  validation: true\n";

static const struct policy_view *client_view(const struct cairn_config *cfg, const char *ip)
{
	uint8_t addr[16] = { 0 };
	int family = inet_pton(AF_INET, ip, addr) == 1 ? AF_INET : AF_INET6;
	if (family == AF_INET6)
		assert_int_equal(inet_pton(AF_INET6, ip, addr), 1);
	return policy_view_for(&cfg->policy, family, addr);
}

static void test_vpcs_rules_and_zones_build_one_view_per_vpc(void **state)
{
	(void)state;
	uint16_t len;
	struct cairn_config *cfg = load_ok(ROUTE53);
	const struct policy *p = &cfg->policy;
	assert_int_equal(cfg->n_vpcs, 2);
	assert_int_equal(p->n_views, 3);
	assert_null(p->views[0].vpc);
	assert_string_equal(p->views[1].vpc->name, "app");
	assert_string_equal(p->views[1].vpc->id, "vpc-0a1b2c");
	assert_int_equal(p->views[1].vpc->n_cidrs, 2);
	assert_string_equal(p->views[2].vpc->name, "lab");
	assert_string_equal(p->views[2].vpc->id, "lab"); /* no id: the name */
	assert_int_equal(p->views[2].vpc->n_cidrs, 1);   /* a bare prefix is a list of one */
	assert_ptr_equal(policy_view_named(p, "lab"), &p->views[2]);

	/* the clients of each VPC */
	assert_ptr_equal(client_view(cfg, "10.1.7.7"), &p->views[1]);
	assert_ptr_equal(client_view(cfg, "2001:db8:1::9"), &p->views[1]);
	assert_ptr_equal(client_view(cfg, "10.2.0.1"), &p->views[2]);
	assert_ptr_equal(client_view(cfg, "10.3.0.1"), &p->views[0]);

	/* rules: forward rule k (from 0) has cache partition k+1, a system rule 0 */
	assert_int_equal(cfg->n_rules, 3);
	const struct policy_rule *onprem = &cfg->rules[0], *aws = &cfg->rules[1],
				 *lab = &cfg->rules[2];
	assert_string_equal(onprem->name, "onprem");
	assert_int_equal(onprem->type, POLICY_RULE_FORWARD);
	assert_int_equal(onprem->part, 1);
	assert_int_equal(aws->type, POLICY_RULE_SYSTEM);
	assert_int_equal(aws->part, 0);
	assert_int_equal(aws->n_targets, 0);
	assert_int_equal(lab->part, 3);
	char dom[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(onprem->domain, dom, sizeof(dom));
	assert_string_equal(dom, "corp.example."); /* canonical */
	assert_int_equal(onprem->n_targets, 2);
	assert_memory_equal(onprem->targets[0].addr, "\xc0\x00\x02\x35", 4);
	assert_int_equal(onprem->targets[0].port, 53);
	assert_int_equal(onprem->targets[1].port, 5353);
	assert_true(onprem->validate);
	assert_int_equal(lab->n_targets, 1);
	assert_int_equal(lab->targets[0].family, AF_INET6);
	assert_int_equal(lab->targets[0].port, 53);
	assert_false(lab->validate);

	/* each view has the rules associated with it, the most labels first */
	assert_int_equal(p->views[0].n_rules, 1);
	assert_ptr_equal(p->views[0].rules[0], aws);
	assert_int_equal(p->views[1].n_rules, 2);
	assert_ptr_equal(p->views[1].rules[0], aws);
	assert_ptr_equal(p->views[1].rules[1], onprem);
	assert_int_equal(p->views[2].n_rules, 2);
	assert_ptr_equal(p->views[2].rules[0], aws);
	assert_ptr_equal(p->views[2].rules[1], lab);

	/* one zone name, a zone per VPC (split horizon); none for clients in no VPC */
	assert_int_equal(cfg->n_zones, 2);
	assert_true(ask_view(cfg, 1, "www.corp.test.", DNS_TYPE_A));
	assert_ptr_equal(za.zone, cfg->zones[0]);
	assert_memory_equal(first_rdata(0, &len), "\xc0\x00\x02\x0a", 4);
	assert_true(ask_view(cfg, 1, "corp.test.", DNS_TYPE_A)); /* the alias at the apex */
	assert_int_equal(za.n_answer, 1);
	assert_memory_equal(first_rdata(0, &len), "\xc0\x00\x02\x0a", 4);
	assert_true(ask_view(cfg, 2, "www.corp.test.", DNS_TYPE_A));
	assert_ptr_equal(za.zone, cfg->zones[1]);
	assert_memory_equal(first_rdata(0, &len), "\xc0\x00\x02\x14", 4);
	assert_false(ask_view(cfg, 0, "www.corp.test.", DNS_TYPE_A));
	/* built-in zones stay in every view */
	for (size_t i = 0; i < 3; i++)
		assert_true(ask_view(cfg, i, "localhost.", DNS_TYPE_A));
	config_free(cfg);
}

static void test_vpc_dnssec_follows_dnssec_validation_unless_set(void **state)
{
	(void)state;
	/* the global switch after the VPCs: still their default */
	struct cairn_config *cfg =
		load_ok("vpcs:\n"
			"  - {name: a, cidrs: [10.1.0.0/16]}\n"
			"  - {name: b, cidrs: [10.2.0.0/16], dnssec-validation: true}\n"
			"  - {name: c, cidrs: [10.3.0.0/16], dnssec-validation: false}\n"
			"dnssec:\n  validation: false\n");
	assert_false(cfg->policy.views[0].dnssec);
	assert_false(cfg->policy.views[1].dnssec);
	assert_true(cfg->policy.views[2].dnssec);
	assert_false(cfg->policy.views[3].dnssec);
	config_free(cfg);
	cfg = load_ok("vpcs:\n"
		      "  - {name: a, cidrs: [10.1.0.0/16]}\n"
		      "  - {name: c, cidrs: [10.3.0.0/16], dnssec-validation: false}\n");
	assert_true(cfg->policy.views[0].dnssec);
	assert_true(cfg->policy.views[1].dnssec);
	assert_false(cfg->policy.views[2].dnssec);
	config_free(cfg);
}

static void test_no_vpcs_gives_the_default_view_only(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok("vpcs: []\nrules: []\n");
	assert_int_equal(cfg->policy.n_views, 1);
	assert_int_equal(cfg->policy.views[0].n_rules, 0);
	config_free(cfg);
	cfg = load_ok("rules:\n  - {name: all, type: forward, domain: ., targets: [192.0.2.1]}\n");
	assert_int_equal(cfg->policy.n_views, 1);
	assert_int_equal(cfg->policy.views[0].n_rules, 1);
	assert_int_equal(cfg->rules[0].domain[0], 0);
	assert_int_equal(cfg->rules[0].part, 1);
	config_free(cfg);
}

static void test_vpc_names_may_be_used_before_the_vpcs_section(void **state)
{
	(void)state;
	struct cairn_config *cfg =
		load_ok("rules:\n  - {name: r1, type: system, domain: a.example, vpcs: [app]}\n"
			"private-zones:\n  - {name: a.test, vpcs: [app]}\n"
			"vpcs:\n  - {name: app, cidrs: [10.1.0.0/16]}\n");
	assert_int_equal(cfg->policy.views[0].n_rules, 0);
	assert_int_equal(cfg->policy.views[1].n_rules, 1);
	assert_false(ask_view(cfg, 0, "a.test.", DNS_TYPE_SOA));
	assert_true(ask_view(cfg, 1, "a.test.", DNS_TYPE_SOA));
	config_free(cfg);
}

static void test_error_rule_names_an_unknown_vpc(void **state)
{
	(void)state;
	expect_error(with_vpcs("rules:\n"
			       "  - {name: r1, type: system, domain: a.example, "
			       "vpcs: [app, ghost]}\n"),
		     5, 61, "rule r1 names VPC 'ghost', which is not in vpcs");
	expect_error(with_vpcs("rules:\n"
			       "  - name: r1\n"
			       "    type: system\n"
			       "    domain: a.example\n"
			       "    vpcs:\n"
			       "      - app\n"
			       "      - ghost\n"),
		     10, 9, "rule r1 names VPC 'ghost'");
}

static void test_error_private_zone_names_an_unknown_vpc(void **state)
{
	(void)state;
	expect_error(with_vpcs("private-zones:\n  - name: a.test\n    vpcs: [ghost]\n"), 6, 12,
		     "private zone a.test. names VPC 'ghost', which is not in vpcs");
	/* no vpcs: section at all */
	expect_error("private-zones:\n  - name: a.test\n    vpcs: app\n", 3, 11,
		     "names VPC 'app', which is not in vpcs");
}

static void test_error_two_zones_of_one_name_reach_the_same_vpc(void **state)
{
	(void)state;
	expect_error(with_vpcs("private-zones:\n"
			       "  - {name: a.test, vpcs: [app]}\n"
			       "  - {name: A.Test., vpcs: [lab, app]}\n"),
		     6, 12, "duplicate private zone a.test. (first at line 5): both reach app");
	/* one for every client meets any other */
	expect_error(with_vpcs("private-zones:\n"
			       "  - {name: a.test}\n"
			       "  - {name: a.test, vpcs: [lab]}\n"),
		     6, 12, "duplicate private zone a.test. (first at line 5)");
}

static void test_error_two_zones_for_every_client_name_what_they_share(void **state)
{
	(void)state;
	/* A zone for every client and one for a VPC meet in that VPC: the error names it. */
	expect_error(with_vpcs("private-zones:\n"
			       "  - {name: a.test}\n"
			       "  - {name: a.test, vpcs: [lab]}\n"),
		     6, 12, "both reach lab");
	expect_error(with_vpcs("rules:\n"
			       "  - {name: r1, type: system, domain: a.example}\n"
			       "  - {name: r2, type: system, domain: a.example, vpcs: [lab]}\n"),
		     6, 12, "both reach lab");
}

static void test_one_zone_name_in_two_vpcs_is_accepted(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok(with_vpcs("private-zones:\n"
						     "  - {name: a.test, vpcs: [app]}\n"
						     "  - {name: a.test, vpcs: [lab]}\n"));
	assert_int_equal(cfg->n_zones, 2);
	assert_true(ask_view(cfg, 1, "a.test.", DNS_TYPE_SOA));
	assert_ptr_equal(za.zone, cfg->zones[0]);
	assert_true(ask_view(cfg, 2, "a.test.", DNS_TYPE_SOA));
	assert_ptr_equal(za.zone, cfg->zones[1]);
	config_free(cfg);
}

static void test_error_two_rules_for_one_domain_reach_the_same_vpc(void **state)
{
	(void)state;
	expect_error(with_vpcs("rules:\n"
			       "  - {name: r1, type: forward, domain: corp.example, "
			       "targets: [192.0.2.1], vpcs: [app]}\n"
			       "  - {name: r2, type: system, domain: Corp.Example., "
			       "vpcs: [lab, app]}\n"),
		     6, 12, "rules r1 and r2 are both for corp.example. and both reach app");
	expect_error("rules:\n"
		     "  - {name: r1, type: system, domain: corp.example}\n"
		     "  - {name: r2, type: system, domain: corp.example}\n",
		     3, 12,
		     "rules r1 and r2 are both for corp.example. and both reach every client");
	/* the same domain for different VPCs is accepted */
	struct cairn_config *cfg = load_ok(
		with_vpcs("rules:\n"
			  "  - {name: r1, type: system, domain: corp.example, vpcs: [app]}\n"
			  "  - {name: r2, type: system, domain: corp.example, vpcs: [lab]}\n"));
	assert_ptr_equal(cfg->policy.views[1].rules[0], &cfg->rules[0]);
	assert_ptr_equal(cfg->policy.views[2].rules[0], &cfg->rules[1]);
	config_free(cfg);
}

static void test_error_forward_rule_with_a_bad_target(void **state)
{
	(void)state;
	expect_error("rules:\n  - name: r1\n    type: forward\n    domain: corp.example\n"
		     "    targets: [192.0.2.1, 300.1.2.3]\n",
		     5, 26, "forward rule r1: bad target '300.1.2.3'");
	expect_error("rules:\n  - name: r1\n    type: forward\n    domain: corp.example\n"
		     "    targets:\n      - 127.0.0.1@99999\n",
		     6, 9, "bad port '99999'");
	expect_error("rules:\n  - name: r1\n    type: forward\n    domain: corp.example\n"
		     "    targets: [\"127.0.0.1@0\"]\n",
		     5, 15, "bad port '0'");
}

/* "rules:\n  - name: r1\n    type: forward\n    domain: corp.example\n    targets: [...]" with
 * n targets 192.0.2.1, 192.0.2.2... */
static const char *rule_with_targets(int n)
{
	static char text[1024];
	int o = snprintf(text, sizeof(text), "rules:\n  - name: r1\n    type: forward\n"
					     "    domain: corp.example\n    targets: [");
	for (int i = 1; i <= n; i++)
		o += snprintf(text + o, sizeof(text) - (size_t)o, "%s192.0.2.%d", i > 1 ? ", " : "",
			      i);
	snprintf(text + o, sizeof(text) - (size_t)o, "]\n");
	return text;
}

static void test_forward_rule_takes_at_most_13_targets(void **state)
{
	(void)state;
	struct cairn_config *cfg = load_ok(rule_with_targets(POLICY_TARGETS_MAX));
	assert_int_equal(cfg->rules[0].n_targets, 13);
	assert_memory_equal(cfg->rules[0].targets[12].addr, "\xc0\x00\x02\x0d", 4);
	config_free(cfg);
	expect_error(rule_with_targets(POLICY_TARGETS_MAX + 1), 5, 14,
		     "forward rule r1: 14 targets, at most 13");
}

static void test_error_forward_rule_without_targets(void **state)
{
	(void)state;
	expect_error("rules:\n  - name: r1\n    type: forward\n    domain: corp.example\n", 2, 5,
		     "forward rule r1 needs targets");
	expect_error("rules:\n  - name: r1\n    type: forward\n    domain: corp.example\n"
		     "    targets: []\n",
		     5, 14, "forward rule r1: targets must be a list of ADDR or ADDR@PORT");
}

static void test_error_system_rule_with_targets(void **state)
{
	(void)state;
	expect_error("rules:\n  - name: r1\n    type: system\n    domain: corp.example\n"
		     "    targets: [192.0.2.1]\n",
		     5, 14, "system rule r1 resolves recursively: it takes no targets");
	expect_error("rules:\n"
		     "  - {name: r1, type: system, domain: corp.example, validate: false}\n",
		     2, 62, "it takes no validate");
}

static void test_error_rule_of_unknown_type(void **state)
{
	(void)state;
	expect_error("rules:\n  - {name: r1, type: recursive, domain: corp.example}\n", 2, 22,
		     "rule r1: unknown type 'recursive' (use forward or system)");
}

static void test_error_rule_with_a_bad_domain_or_a_duplicate_name(void **state)
{
	(void)state;
	expect_error("rules:\n  - {name: r1, type: system, domain: \"a..example\"}\n", 2, 38,
		     "rule r1: 'a..example' is not a valid domain name");
	expect_error("rules:\n  - {name: r1, type: system}\n", 2, 5, "a rule needs domain");
	expect_error("rules:\n  - {name: r1, type: system, domain: a.example}\n"
		     "  - {name: r1, type: system, domain: b.example}\n",
		     3, 12, "duplicate rule name r1 (first at line 2)");
}

static void test_error_duplicate_vpc_name(void **state)
{
	(void)state;
	expect_error("vpcs:\n  - {name: app, cidrs: [10.1.0.0/16]}\n"
		     "  - {name: app, cidrs: [10.2.0.0/16]}\n",
		     3, 12, "duplicate VPC app (first at line 2)");
}

static void test_error_same_cidr_in_two_vpcs(void **state)
{
	(void)state;
	expect_error("vpcs:\n  - {name: app, cidrs: [10.1.0.0/16]}\n"
		     "  - name: lab\n    cidrs: [10.2.0.0/16, 10.1.0.0/16]\n",
		     4, 26, "VPC lab: 10.1.0.0/16 is already a range of VPC app");
}

static void test_error_bad_vpc_cidr(void **state)
{
	(void)state;
	expect_error("vpcs:\n  - {name: app, cidrs: [10.1.0.0/33]}\n", 2, 25,
		     "VPC app: bad CIDR '10.1.0.0/33'");
	expect_error("vpcs:\n  - {name: app, cidrs: [10.1.0.1/16]}\n", 2, 25,
		     "bits set after /16");
	expect_error("vpcs:\n  - {name: app, cidrs: [10.1.0/16]}\n", 2, 25,
		     "'10.1.0' is not an IP address");
	expect_error("vpcs:\n  - {name: app, cidrs: []}\n", 2, 24,
		     "VPC app: cidrs must be a list of prefixes");
	expect_error("vpcs:\n  - {name: app}\n", 2, 5, "VPC app needs cidrs");
	expect_error("vpcs:\n  - {name: app, cidrs: [10.1.0.0/16], dnssec-validation: maybe}\n",
		     2, 58, "dnssec-validation must be true or false, not 'maybe'");
}

static void test_error_empty_vpcs_list(void **state)
{
	(void)state;
	expect_error(with_vpcs("rules:\n"
			       "  - {name: r1, type: system, domain: a.example, vpcs: []}\n"),
		     5, 55, "rule r1: vpcs is empty (leave the key out for every client)");
	expect_error(with_vpcs("private-zones:\n  - name: a.test\n    vpcs: []\n"), 6, 11,
		     "private zone a.test.: vpcs is empty");
	/* "vpcs:" with nothing is no way to say "every client" either */
	expect_error(with_vpcs("private-zones:\n  - name: a.test\n    vpcs:\n"), 6, 10,
		     "private zone a.test.: vpcs must be a list of VPC names");
}

static void test_error_unknown_key_in_vpc_or_rule(void **state)
{
	(void)state;
	expect_error("vpcs:\n  - {name: app, cidr: [10.1.0.0/16]}\n", 2, 17,
		     "unknown key 'cidr' in a VPC");
	expect_error("rules:\n  - {name: r1, type: system, domain: a.example, vpc: [app]}\n", 2,
		     49, "unknown key 'vpc' in a rule");
}

/* ---- alias records ---- */

static void test_alias_answers_with_its_target_records(void **state)
{
	(void)state;
	uint16_t len;
	struct cairn_config *cfg =
		load_ok("private-zones:\n"
			"  - name: a.test\n"
			"    records:\n"
			"      - {name: host, type: AAAA, ttl: 120, data: [\"2001:db8::7\"]}\n"
			"      - {name: www, type: aaaa, alias: host}\n"
			"      - {name: ext, type: A, alias: www.example.com.}\n");
	/* under the alias's own name, with the target's TTL, and no CNAME */
	assert_true(ask(cfg, "www.a.test.", DNS_TYPE_AAAA));
	assert_int_equal(za.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(za.n_answer, 1);
	assert_int_equal(za.answer[0].rrset->type, DNS_TYPE_AAAA);
	assert_int_equal(za.answer[0].ttl, 120);
	char owner[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(za.answer[0].owner, owner, sizeof(owner));
	assert_string_equal(owner, "www.a.test.");
	const uint8_t *rd = first_rdata(0, &len);
	assert_int_equal(len, 16);
	assert_memory_equal(rd, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07", 16);
	config_free(cfg);
}

static void test_error_alias_with_ttl_or_data(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - {name: www, type: A, alias: host, ttl: 60}\n",
		     5, 48, "an alias takes the records and TTL of its target: no data or ttl");
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - {name: www, type: A, alias: host, data: [192.0.2.2]}\n",
		     5, 49, "no data or ttl");
}

static void test_error_alias_to_a_name_without_that_type_is_at_the_alias(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - {name: www, type: AAAA, alias: host}\n"
		     "      - {name: other, type: A, data: [192.0.2.3]}\n",
		     5, 40,
		     "alias www.a.test. AAAA points at host.a.test., which has no AAAA records");
	/* the type in lower case, the zone's name in capitals */
	expect_error("private-zones:\n  - name: A.Test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - {name: www, type: aaaa, alias: host}\n",
		     5, 40, "which has no AAAA records");
}

static void test_error_alias_with_owner_in_capitals_is_at_the_alias(void **state)
{
	(void)state;
	/* The error lands on the alias however its owner and type were written (capitals,
	 * TYPEnn): zone_finish writes them canonically. */
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - {name: WWW, type: AAAA, alias: host}\n",
		     5, 40, "which has no AAAA records");
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - {name: www.A.test., type: AAAA, alias: host}\n",
		     5, 48, "which has no AAAA records");
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - {name: www, type: TYPE28, alias: host}\n",
		     5, 42, "which has no AAAA records");
}

static void test_error_record_type_number_beyond_16_bits(void **state)
{
	(void)state;
	/* RFC 3597 §5: a type is 16 bits; a bigger TYPEnnn must not wrap to another type. */
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: www, type: TYPE65537, data: [192.0.2.1]}\n",
		     4, 27, "unknown record type 'TYPE65537'");
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - {name: www, type: TYPE65537, alias: host}\n",
		     5, 27, "unknown record type 'TYPE65537'");
}

static void test_error_alias_to_a_missing_name(void **state)
{
	(void)state;
	expect_error("private-zones:\n  - name: a.test\n    records:\n"
		     "      - {name: host, type: A, data: [192.0.2.1]}\n"
		     "      - name: www\n        type: A\n        alias: nohost\n",
		     7, 16,
		     "alias www.a.test. A points at nohost.a.test., which does not exist in zone "
		     "a.test.");
}

/* ---- the reference ---- */

static void test_reference_text_equals_shipped_conf_file(void **state)
{
	(void)state;
	char *ref = NULL, path[4200];
	size_t reflen = 0;
	FILE *mem = open_memstream(&ref, &reflen);
	assert_non_null(mem);
	config_print_reference(mem);
	fclose(mem);

	snprintf(path, sizeof(path), "%s/conf/cairnd.yaml", srcdir);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	char *file = malloc(reflen + 2);
	size_t n = fread(file, 1, reflen + 1, f);
	fclose(f);
	assert_int_equal(n, reflen);
	assert_memory_equal(file, ref, reflen);
	free(file);
	free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_default_loads_with_documented_values),
		cmocka_unit_test(test_empty_document_gives_the_same_defaults),
		cmocka_unit_test(test_values_in_range_and_duration_units_are_accepted),
		cmocka_unit_test(test_error_unknown_top_level_key),
		cmocka_unit_test(test_error_unknown_key_in_server),
		cmocka_unit_test(test_error_wrong_type_for_number),
		cmocka_unit_test(test_error_number_out_of_range),
		cmocka_unit_test(test_error_bad_duration),
		cmocka_unit_test(test_error_bad_enum),
		cmocka_unit_test(test_threads_count_or_auto),
		cmocka_unit_test(test_dnssec_defaults_and_trust_anchor_files),
		cmocka_unit_test(test_cache_stale_and_prefetch_keys),
		cmocka_unit_test(test_error_bad_listen_address),
		cmocka_unit_test(test_error_bad_listen_port),
		cmocka_unit_test(test_error_bad_cidr),
		cmocka_unit_test(test_error_cidr_with_host_bits),
		cmocka_unit_test(test_error_access_entry_with_unknown_action),
		cmocka_unit_test(test_error_duplicate_key),
		cmocka_unit_test(test_error_duplicate_private_zone),
		cmocka_unit_test(test_error_record_with_unknown_type),
		cmocka_unit_test(test_error_record_with_bad_data),
		cmocka_unit_test(test_error_private_zone_without_name),
		cmocka_unit_test(test_error_private_zone_name_is_empty),
		cmocka_unit_test(test_error_zone_file_does_not_exist),
		cmocka_unit_test(test_error_builtin_zones_names_a_zone_that_is_not_built_in),
		cmocka_unit_test(test_error_builtin_zones_entry_is_empty),
		cmocka_unit_test(test_error_yaml_syntax),
		cmocka_unit_test(test_error_bad_utf8_and_control_characters_are_positioned),
		cmocka_unit_test(test_error_yaml_alias_is_refused_where_used),
		cmocka_unit_test(test_error_second_yaml_document),
		cmocka_unit_test(test_error_zone_file_that_is_not_a_regular_file),
		cmocka_unit_test(test_several_errors_are_all_reported),
		cmocka_unit_test(test_errors_beyond_the_limit_are_counted),
		cmocka_unit_test(test_missing_config_file_is_reported),
		cmocka_unit_test(test_private_zone_records_answer_through_zoneset),
		cmocka_unit_test(test_private_zone_file_is_found_next_to_the_config),
		cmocka_unit_test(test_builtin_zones_false_removes_localhost),
		cmocka_unit_test(test_builtin_zones_list_leaves_out_only_those),
		cmocka_unit_test(test_private_zone_replaces_builtin_of_same_name),
		cmocka_unit_test(test_reference_text_equals_shipped_conf_file),
		cmocka_unit_test(test_root_hints_inline_list_is_read_with_ports),
		cmocka_unit_test(test_root_hints_file_gives_each_root_server_address),
		cmocka_unit_test(test_recursion_errors_have_positions),
		cmocka_unit_test(test_cache_sizes_and_ttls_are_read_with_units),
		cmocka_unit_test(test_cache_errors_have_positions),
		cmocka_unit_test(test_vpcs_rules_and_zones_build_one_view_per_vpc),
		cmocka_unit_test(test_vpc_dnssec_follows_dnssec_validation_unless_set),
		cmocka_unit_test(test_no_vpcs_gives_the_default_view_only),
		cmocka_unit_test(test_vpc_names_may_be_used_before_the_vpcs_section),
		cmocka_unit_test(test_error_rule_names_an_unknown_vpc),
		cmocka_unit_test(test_error_private_zone_names_an_unknown_vpc),
		cmocka_unit_test(test_error_two_zones_of_one_name_reach_the_same_vpc),
		cmocka_unit_test(test_error_two_zones_for_every_client_name_what_they_share),
		cmocka_unit_test(test_one_zone_name_in_two_vpcs_is_accepted),
		cmocka_unit_test(test_error_two_rules_for_one_domain_reach_the_same_vpc),
		cmocka_unit_test(test_error_forward_rule_with_a_bad_target),
		cmocka_unit_test(test_forward_rule_takes_at_most_13_targets),
		cmocka_unit_test(test_error_forward_rule_without_targets),
		cmocka_unit_test(test_error_system_rule_with_targets),
		cmocka_unit_test(test_error_rule_of_unknown_type),
		cmocka_unit_test(test_error_rule_with_a_bad_domain_or_a_duplicate_name),
		cmocka_unit_test(test_error_duplicate_vpc_name),
		cmocka_unit_test(test_error_same_cidr_in_two_vpcs),
		cmocka_unit_test(test_error_bad_vpc_cidr),
		cmocka_unit_test(test_error_empty_vpcs_list),
		cmocka_unit_test(test_error_unknown_key_in_vpc_or_rule),
		cmocka_unit_test(test_alias_answers_with_its_target_records),
		cmocka_unit_test(test_error_alias_with_ttl_or_data),
		cmocka_unit_test(test_error_alias_to_a_name_without_that_type_is_at_the_alias),
		cmocka_unit_test(test_error_alias_with_owner_in_capitals_is_at_the_alias),
		cmocka_unit_test(test_error_alias_to_a_missing_name),
		cmocka_unit_test(test_error_record_type_number_beyond_16_bits),
	};
	return cmocka_run_group_tests(tests, setup_paths, NULL);
}
