/*
 * libFuzzer target: any bytes as the answers of upstream servers. The input is a series of
 * chunks [u8 mode][u16 length][bytes]; each chunk answers the query the engine has in flight.
 * Mode bit 0 patches the chunk's ID to the query's (else most chunks die at the ID check),
 * bit 1 replaces the chunk's question with the one sent (to get past the question check),
 * bit 2 turns the chunk into a timeout instead. A crash, leak or sanitizer report in the
 * parser, the iterator or the cache is a bug; each one found becomes a unit test.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/resolve.h"
#include "lib/wire/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct clock {
	int64_t wall;
	uint64_t mono;
	uint32_t seed;
};

static int64_t wall_now(void *ctx)
{
	return ((struct clock *)ctx)->wall;
}

static uint64_t mono_ms(void *ctx)
{
	return ((struct clock *)ctx)->mono;
}

static void random_bytes(void *ctx, void *buf, size_t len)
{
	struct clock *c = ctx;
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++) {
		c->seed = c->seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(c->seed >> 16);
	}
}

/* Length of the question section of a query we built (header + one question). */
static size_t question_end(const uint8_t *pkt, size_t len)
{
	size_t pos = DNS_HEADER_SIZE;
	while (pos < len && pkt[pos])
		pos += pkt[pos] + 1u;
	return pos + 5 <= len ? pos + 5 : len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[DNS_MAX_MESSAGE];
	struct clock clk = { .wall = 1700000000, .mono = 1000, .seed = 1 };
	struct cairn_env env = { wall_now, mono_ms, random_bytes, &clk };
	struct rrcache_limits lim = { .max_bytes = 1 << 20, .max_ttl = 86400,
				      .neg_max_ttl = 3600 };
	struct root_hints hints = { 0 };
	uint8_t root_name[WIRE_NAME_MAX], qname[WIRE_NAME_MAX];
	struct netaddr root = { .family = AF_INET, .addr = { 127, 53, 0, 1 }, .port = 53 };
	wire_name_from_text("a.root.lab.", NULL, root_name);
	wire_name_from_text("www.example.lab.", NULL, qname);
	root_hints_add(&hints, root_name, &root);
	struct resolver r = {
		.opts = { .qname_minimisation = true, .use_0x20 = true, .harden_glue = true,
			  .addr = { .ipv4 = true, .ipv6 = true, .query_loopback = true },
			  .request_timeout_ms = 4000, .max_queries = 30, .max_referrals = 10,
			  .max_glueless = 4, .max_depth = 3, .max_cname = 12 },
		.hints = &hints,
		.cache = rrcache_new(&lim),
		.servers = servers_new(64),
		.env = &env,
	};
	struct resolve_req *q = resolve_new(&r, qname, DNS_TYPE_A);
	size_t pos = 0;
	struct resolve_query out;
	while (q && resolve_produce(q, &out) == RESOLVE_SEND && pos + 3 <= size) {
		uint8_t mode = data[pos];
		size_t n = wire_read_u16(data + pos + 1);
		pos += 3;
		if (n > size - pos)
			n = size - pos;
		clk.mono += 5;
		if (mode & 4) {
			pos += n;
			clk.mono += out.timeout_ms;
			resolve_timeout(q);
			continue;
		}
		size_t len = 0;
		if (mode & 2) {
			/* header from the input, question as sent, records from the input */
			size_t qend = question_end(out.pkt, out.len);
			if (n >= DNS_HEADER_SIZE && qend + n - DNS_HEADER_SIZE <= sizeof(msg)) {
				memcpy(msg, data + pos, DNS_HEADER_SIZE);
				wire_write_u16(msg + 4, 1);
				memcpy(msg + DNS_HEADER_SIZE, out.pkt + DNS_HEADER_SIZE,
				       qend - DNS_HEADER_SIZE);
				memcpy(msg + qend, data + pos + DNS_HEADER_SIZE, n - DNS_HEADER_SIZE);
				len = qend + n - DNS_HEADER_SIZE;
			}
		} else {
			memcpy(msg, data + pos, n);
			len = n;
		}
		pos += n;
		if (len >= 2 && (mode & 1))
			memcpy(msg, out.pkt, 2);
		if (len >= 3 && (mode & 1))
			msg[2] |= 0x80; /* QR */
		if (resolve_consume(q, &out.server, msg, len) == RESOLVE_IGNORED) {
			clk.mono += out.timeout_ms;
			resolve_timeout(q);
		}
	}
	if (q) {
		const struct resolve_result *res = resolve_result(q);
		if (res->n_answer && !res->answer[0].owner)
			abort();
	}
	resolve_free(q);
	rrcache_free(r.cache);
	servers_free(r.servers);
	root_hints_free(&hints);
	return 0;
}
