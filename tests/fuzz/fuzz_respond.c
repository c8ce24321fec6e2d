/*
 * libFuzzer target: any bytes as a client packet, over UDP and TCP, against the built-in
 * zones plus a private zone with wildcards and CNAMEs. A crash, a sanitizer report, or an
 * answer that breaks the size rules is a bug; each one found becomes a unit test.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/config.h"
#include "lib/respond.h"
#include "lib/wire/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config_text[] =
	"vpcs:\n"
	"  - {name: lo, cidrs: [127.0.0.0/8]}\n"
	"rules:\n"
	"  - {name: fw, type: forward, domain: fw.example.test, targets: [192.0.2.53]}\n"
	"  - {name: sys, type: system, domain: sys.fw.example.test}\n"
	"private-zones:\n"
	"  - name: example.test\n"
	"    records:\n"
	"      - {name: www, type: A, data: [192.0.2.1, 192.0.2.2]}\n"
	"      - {name: alias, type: CNAME, data: [www]}\n"
	"      - {name: loop1, type: CNAME, data: [loop2]}\n"
	"      - {name: loop2, type: CNAME, data: [loop1]}\n"
	"      - {name: out, type: CNAME, data: [www.elsewhere.]}\n"
	"      - {name: \"*.wild\", type: TXT, data: [\"a wildcard\"]}\n"
	"      - {name: a.b.c, type: MX, data: [\"10 www\"]}\n"
	"      - {name: \"@\", type: A, alias: www}\n"
	"      - {name: away, type: A, alias: www.elsewhere.}\n"
	"      - {name: www.fw, type: A, data: [192.0.2.9]}\n"
	"      - {name: into-rule, type: A, alias: www.fw.example.test.}\n"
	"  - name: lo.example.test\n"
	"    vpcs: [lo]\n"
	"    records:\n"
	"      - {name: www, type: A, data: [10.0.0.1]}\n"
	"      - {name: more, type: AAAA, alias: www.sub.example.test.}\n"
	"  - name: sub.example.test\n"
	"    vpcs: [lo]\n"
	"    records:\n"
	"      - {name: www, type: AAAA, data: [\"2001:db8::1\"]}\n";

static struct cairn_config *cfg;

static void fail_if(int cond)
{
	if (cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DNS_MAX_MESSAGE];
	static const uint8_t loopback[4] = { 127, 0, 0, 1 };
	struct respond_stats st = { 0 };

	if (!cfg) {
		struct config_errors errs;
		cfg = config_load_text(config_text, sizeof(config_text) - 1, "fuzz.yaml", ".",
				       &errs);
		fail_if(!cfg);
	}
	for (int t = 0; t < 2; t++) {
		/* view NULL: the client's address picks it (VPC lo) */
		struct respond_ctx ctx = { .access = &cfg->access, .policy = &cfg->policy,
					   .edns_buffer_size = 1232, .recursion = cfg->recursion };
		struct respond_client client = { AF_INET, loopback,
						 t ? RESPOND_TCP : RESPOND_UDP };
		size_t n = respond_to_query(&ctx, &client, data, size, out, sizeof(out), &st, NULL,
					    NULL);
		if (n == 0)
			continue;
		fail_if(n < DNS_HEADER_SIZE);
		/* The answer has the query's ID and QR set, and fits the transport. */
		fail_if(memcmp(out, data, 2) != 0);
		fail_if(!(out[2] & 0x80));
		if (t == 0)
			fail_if(n > 1232);
	}
	return 0;
}
