/*
 * Review tests for the iterative resolution code: each function is one scenario that showed a
 * bug (or, where marked "regression", guards behaviour no other test covers).
 *
 *   - replay tests of lib/resolve (scripted servers, clock and randomness: tests/unit/replay.h)
 *     on the same scripted lab as test_resolve.c:
 *       .            a.root-servers.test.  127.53.0.1
 *       lab.         ns1.lab. ns2.lab.     127.53.1.1 127.53.1.2
 *       example.lab. ns1/ns2.example.lab.  127.53.2.1 127.53.2.2
 *   - tests of daemon/upstream.c over real loopback TCP, driven by a libuv loop of their own
 *     (the server side is a libuv listener on 127.0.0.1, port chosen by the kernel).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "daemon/upstream.h"
#include "replay_steps.h"

/* An authoritative negative answer (rcode NOERROR: NODATA, NXDOMAIN) with the SOA of
 * example.lab. at the given TTL and MINIMUM. */
static void example_says_no(struct replay *w, struct resolve_req *q, const struct sent *s,
			    unsigned rcode, uint32_t soa_ttl, uint32_t soa_minimum)
{
	struct reply p;
	reply_start(&p, s, DNS_FLAG_AA, rcode);
	reply_soa(&p, "example.lab.", soa_ttl, soa_minimum);
	reply_opt(&p);
	reply_send(w, q, s, &p, 5);
}

/* An authoritative answer from example.lab.: owner A ip with this TTL. */
static void example_answers_a(struct replay *w, struct resolve_req *q, const struct sent *s,
			      const char *owner, uint32_t ttl, const char *ip)
{
	struct reply p;
	reply_start(&p, s, DNS_FLAG_AA, DNS_RCODE_NOERROR);
	reply_a(&p, WIRE_ANSWER, owner, ttl, ip);
	reply_opt(&p);
	reply_send(w, q, s, &p, 5);
}

/* ---- qtype 0 and the NXDOMAIN key of the cache ---------------------------------------- */

/*
 * Type 0 is reserved (RFC 6895) and the query parser lets it through to resolution. The cache
 * keys NXDOMAIN as (owner, type 0) (CACHE_TYPE_NXDOMAIN), so the NODATA answer to a TYPE0
 * question is stored under the NXDOMAIN key: from then on every type of that existing name
 * that is not cached yet is NXDOMAIN from the cache, for min(SOA TTL, MINIMUM) (up to an
 * hour), without asking anybody. One client question is enough to do that to any name.
 */
static void test_nodata_for_a_type0_question_makes_the_name_nxdomain_for_every_type(void **state)
{
	struct replay *w = *state;
	struct sent s;
	struct resolve_req *q = replay_request(w, "www.example.lab.", 0);
	walk_to_example(w, q, &s, "www.example.lab.", 0);
	example_says_no(w, q, &s, DNS_RCODE_NOERROR, 3600, 3600); /* NODATA: no TYPE0 there */
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);

	/* www.example.lab. exists; its address must be asked for, not denied from the cache */
	q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	expect_query(q, &s, EXAMPLE, "www.example.lab.", DNS_TYPE_A);
	example_answers_a(w, q, &s, "www.example.lab.", 300, "127.0.0.80");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r->n_answer, 1);
	assert_true(rrset_has_a(&r->answer[0], "127.0.0.80"));
	replay_release(w, q);
}

/* The same collision the other way round: a cached NXDOMAIN is read as the NODATA of a TYPE0
 * question, which then gets NOERROR for a name that does not exist. */
static void test_type0_question_for_a_cached_nxdomain_name_is_nxdomain(void **state)
{
	struct replay *w = *state;
	struct sent s;
	struct resolve_req *q = replay_request(w, "gone.example.lab.", DNS_TYPE_A);
	walk_to_example(w, q, &s, "gone.example.lab.", DNS_TYPE_A);
	example_says_no(w, q, &s, DNS_RCODE_NXDOMAIN, 3600, 3600);
	assert_int_equal(expect_done(q)->rcode, DNS_RCODE_NXDOMAIN);
	replay_release(w, q);

	q = replay_request(w, "gone.example.lab.", 0);
	struct sent s2;
	enum resolve_step step = replay_next(q, &s2);
	if (step == RESOLVE_DONE)
		assert_int_equal(resolve_result(q)->rcode, DNS_RCODE_NXDOMAIN);
	replay_release(w, q);
}

/* ---- TTLs of the first answer against the cache's ------------------------------------- */

/*
 * RFC 2308 §5 and the README: a negative answer is cached for min(SOA TTL, SOA MINIMUM), at
 * most 3600 s, and the client's SOA carries that negative TTL ("TTLs as they stand in the
 * cache"). The client that caused the lookup gets min(SOA TTL, MINIMUM) uncapped (86400
 * here), every later client 3600: the same negative answer, two lifetimes, and the first
 * client's own cache keeps the NXDOMAIN 24 times longer than cairnd does.
 */
static void test_first_negative_answer_has_the_same_soa_ttl_as_the_cached_one(void **state)
{
	struct replay *w = *state;
	struct sent s;
	struct resolve_req *q = replay_request(w, "nx.example.lab.", DNS_TYPE_A);
	walk_to_example(w, q, &s, "nx.example.lab.", DNS_TYPE_A);
	example_says_no(w, q, &s, DNS_RCODE_NXDOMAIN, 86400, 86400);
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
	assert_non_null(r->soa);
	uint32_t first = r->soa->ttl;
	replay_release(w, q);

	q = replay_request(w, "nx.example.lab.", DNS_TYPE_A); /* same second, from the cache */
	r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
	assert_non_null(r->soa);
	uint32_t cached = r->soa->ttl;
	replay_release(w, q);

	assert_int_equal(cached, 3600); /* the cache's negative cap */
	if (first != cached)
		fail_msg("the first NXDOMAIN carries SOA TTL %u, the same answer from the cache %u",
			 first, cached);
}

/* The same for positive data: the cache caps TTLs at 86400 s, the first answer does not. */
static void test_first_answer_has_the_same_ttl_as_the_cached_one(void **state)
{
	struct replay *w = *state;
	struct sent s;
	struct resolve_req *q = replay_request(w, "long.example.lab.", DNS_TYPE_A);
	walk_to_example(w, q, &s, "long.example.lab.", DNS_TYPE_A);
	example_answers_a(w, q, &s, "long.example.lab.", 604800, "127.0.0.7");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->n_answer, 1);
	uint32_t first = r->answer[0].ttl;
	replay_release(w, q);

	q = replay_request(w, "long.example.lab.", DNS_TYPE_A);
	r = expect_done(q);
	assert_int_equal(r->n_answer, 1);
	uint32_t cached = r->answer[0].ttl;
	replay_release(w, q);

	assert_int_equal(cached, 86400);
	if (first != cached)
		fail_msg("the first answer carries TTL %u, the same answer from the cache %u", first,
			 cached);
}

/* ---- RFC 2181 §5.4.1: glue is never an answer ------------------------------------------ */

/*
 * The referral from lab. carried glue for ns1.example.lab. (additional section, rank GLUE).
 * RFC 2181 §5.4.1: such data "should not be cached in such a way that [it] would ever be
 * returned as answers to a received query". INIT answers (ns1.example.lab., A) from any
 * positive entry, glue included, so the parent's copy of the address (stale glue is a common
 * misconfiguration) is served for up to a day and the child's servers are never asked.
 */
static void test_glue_from_a_referral_is_not_returned_as_an_answer(void **state)
{
	struct replay *w = *state;
	struct sent s;
	struct resolve_req *q = replay_request(w, "www.example.lab.", DNS_TYPE_A);
	walk_to_example(w, q, &s, "www.example.lab.", DNS_TYPE_A);
	example_answers_a(w, q, &s, "www.example.lab.", 300, "127.0.0.80");
	expect_done(q);
	replay_release(w, q);

	q = replay_request(w, "ns1.example.lab.", DNS_TYPE_A);
	expect_query(q, &s, EXAMPLE, "ns1.example.lab.", DNS_TYPE_A);
	example_answers_a(w, q, &s, "ns1.example.lab.", 3600, "127.53.2.1");
	const struct resolve_result *r = expect_done(q);
	assert_int_equal(r->rcode, DNS_RCODE_NOERROR);
	replay_release(w, q);
}

/* ---- daemon/upstream.c: TCP framing ----------------------------------------------------- */

#define UP_ID 0x1234

struct up_world {
	uv_loop_t loop;
	uv_tcp_t listener;
	uv_tcp_t peer;                /* the accepted connection (server side) */
	bool peer_open;
	uv_timer_t chunk_timer;       /* sends the scripted chunks one by one */
	uint8_t rbuf[1024];
	size_t rlen;
	/* what the server sends once it has the whole query: chunks of script */
	uint8_t script[4096];
	size_t script_len;
	size_t chunk;                 /* bytes per write (0: all at once) */
	size_t sent;
	struct upstream_q *uq;
	bool over;
	int packets, answers, timeouts, errors;
};

static void up_close_all(struct up_world *u)
{
	if (!uv_is_closing((uv_handle_t *)&u->listener))
		uv_close((uv_handle_t *)&u->listener, NULL);
	if (u->peer_open && !uv_is_closing((uv_handle_t *)&u->peer))
		uv_close((uv_handle_t *)&u->peer, NULL);
	if (!uv_is_closing((uv_handle_t *)&u->chunk_timer))
		uv_close((uv_handle_t *)&u->chunk_timer, NULL);
}

/* The owner side, as daemon/mesh.c does it: a packet with another ID is not the answer
 * (RESOLVE_IGNORED: keep waiting), the right one ends the exchange. */
static void up_cb(void *owner, enum upstream_event ev, const struct netaddr *from,
		  const uint8_t *pkt, size_t len, const char *err)
{
	struct up_world *u = owner;
	(void)from;
	(void)err;
	if (ev == UPSTREAM_PACKET) {
		u->packets++;
		if (len < DNS_HEADER_SIZE || wire_read_u16(pkt) != UP_ID)
			return;
		u->answers++;
	} else if (ev == UPSTREAM_TIMEOUT) {
		u->timeouts++;
	} else {
		u->errors++;
	}
	u->over = true;
	upstream_cancel(u->uq);
	up_close_all(u);
}

static void up_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void up_send_chunk(uv_timer_t *t)
{
	struct up_world *u = t->data;
	if (u->over || !u->peer_open || u->sent >= u->script_len)
		return;
	size_t n = u->chunk && u->chunk < u->script_len - u->sent ? u->chunk
								   : u->script_len - u->sent;
	uv_write_t *req = malloc(sizeof(*req));
	assert_non_null(req);
	uv_buf_t b = uv_buf_init((char *)u->script + u->sent, (unsigned)n);
	assert_int_equal(uv_write(req, (uv_stream_t *)&u->peer, &b, 1, up_written), 0);
	u->sent += n;
	if (u->sent < u->script_len)
		uv_timer_start(&u->chunk_timer, up_send_chunk, 20, 0);
}

static void up_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct up_world *u = h->data;
	(void)suggested;
	*buf = uv_buf_init((char *)u->rbuf + u->rlen, (unsigned)(sizeof(u->rbuf) - u->rlen));
}

static void up_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct up_world *u = s->data;
	(void)buf;
	if (nread <= 0)
		return;
	u->rlen += (size_t)nread;
	if (u->rlen >= 2 && u->rlen >= 2u + wire_read_u16(u->rbuf) && u->sent == 0)
		up_send_chunk(&u->chunk_timer); /* the whole query is in: answer */
}

static void up_accept(uv_stream_t *server, int status)
{
	struct up_world *u = server->data;
	assert_int_equal(status, 0);
	uv_tcp_init(&u->loop, &u->peer);
	u->peer.data = u;
	u->peer_open = true;
	assert_int_equal(uv_accept(server, (uv_stream_t *)&u->peer), 0);
	uv_read_start((uv_stream_t *)&u->peer, up_alloc, up_read);
}

/* Append one response frame: [length][header with id, QR, AA][question www.example.lab. A]. */
static void up_frame(struct up_world *u, uint16_t id)
{
	uint8_t msg[512], qname[WIRE_NAME_MAX];
	struct wire_builder b;
	rp_lname("www.example.lab.", qname);
	wire_builder_init(&b, msg, sizeof(msg));
	wire_builder_header(&b, id, DNS_FLAG_QR | DNS_FLAG_AA, DNS_RCODE_NOERROR);
	assert_int_equal(wire_builder_question(&b, qname, DNS_TYPE_A, DNS_CLASS_IN), 0);
	wire_write_u16(u->script + u->script_len, (uint16_t)b.len);
	memcpy(u->script + u->script_len + 2, msg, b.len);
	u->script_len += 2 + b.len;
}

static void up_empty_frame(struct up_world *u)
{
	wire_write_u16(u->script + u->script_len, 0);
	u->script_len += 2;
}

/* Run one TCP query for www.example.lab. A (ID UP_ID) against the scripted server. */
static void up_run(struct up_world *u)
{
	assert_int_equal(uv_loop_init(&u->loop), 0);
	uv_tcp_init(&u->loop, &u->listener);
	uv_timer_init(&u->loop, &u->chunk_timer);
	u->listener.data = u;
	u->chunk_timer.data = u;
	struct sockaddr_in sin;
	uv_ip4_addr("127.0.0.1", 0, &sin);
	assert_int_equal(uv_tcp_bind(&u->listener, (struct sockaddr *)&sin, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&u->listener, 4, up_accept), 0);
	struct sockaddr_storage ss;
	int sl = sizeof(ss);
	assert_int_equal(uv_tcp_getsockname(&u->listener, (struct sockaddr *)&ss, &sl), 0);

	uint8_t pkt[512], qname[WIRE_NAME_MAX];
	struct wire_builder b;
	rp_lname("www.example.lab.", qname);
	wire_builder_init(&b, pkt, sizeof(pkt));
	wire_builder_header(&b, UP_ID, 0, 0);
	assert_int_equal(wire_builder_question(&b, qname, DNS_TYPE_A, DNS_CLASS_IN), 0);
	struct resolve_query rq = { .transport = RESOLVE_TCP, .pkt = pkt, .len = b.len,
				    .timeout_ms = 1500 };
	rq.server = rp_addr("127.0.0.1");
	rq.server.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	char err[128];
	u->uq = upstream_send(&u->loop, &rq, NULL, up_cb, u, err, sizeof(err));
	if (!u->uq)
		fail_msg("upstream_send: %s", err);
	uv_run(&u->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&u->loop), 0);
}

/*
 * RFC 7766 §7: a client must match responses by ID and question, and the owner does (a
 * packet that is not the answer is RESOLVE_IGNORED and the wait goes on). But tcp_read keeps
 * the first message at the head of its buffer for ever: every later read hands the same,
 * ignored, message on again, and the answer behind it is never looked at. The query times out
 * although the server answered.
 */
static void test_upstream_tcp_answer_behind_a_message_with_another_id_is_delivered(void **state)
{
	(void)state;
	struct up_world *u = calloc(1, sizeof(*u));
	assert_non_null(u);
	up_frame(u, UP_ID ^ 0x5a5a); /* not ours */
	up_frame(u, UP_ID);
	u->chunk = 0;                /* both frames in one write */
	up_run(u);
	int answers = u->answers, timeouts = u->timeouts, packets = u->packets;
	free(u);
	if (answers != 1)
		fail_msg("answer not delivered: %d packets handed on, %d answers, %d timeouts",
			 packets, answers, timeouts);
}

/* The same with the stray message in a read of its own, before the answer arrives. */
static void test_upstream_tcp_answer_after_a_stray_message_in_an_earlier_read_is_delivered(
	void **state)
{
	(void)state;
	struct up_world *u = calloc(1, sizeof(*u));
	assert_non_null(u);
	up_frame(u, UP_ID ^ 0x5a5a);
	size_t first = u->script_len;
	up_frame(u, UP_ID);
	u->chunk = first; /* two writes 20 ms apart: the stray frame, then the answer */
	up_run(u);
	int answers = u->answers, timeouts = u->timeouts, packets = u->packets;
	free(u);
	if (answers != 1)
		fail_msg("answer not delivered: %d packets handed on, %d answers, %d timeouts",
			 packets, answers, timeouts);
}

/* A zero-length frame is no message: today it is handed on as a 0-byte packet, ignored, and
 * then handed on again after every read, so the answer behind it is never seen either. */
static void test_upstream_tcp_answer_after_a_zero_length_frame_is_delivered(void **state)
{
	(void)state;
	struct up_world *u = calloc(1, sizeof(*u));
	assert_non_null(u);
	up_empty_frame(u);
	up_frame(u, UP_ID);
	up_run(u);
	int answers = u->answers, timeouts = u->timeouts, packets = u->packets;
	int errors = u->errors;
	free(u);
	/* Either skip the empty frame and read the answer, or give up on the connection at
	 * once (an error): not wait out the timeout with the answer in the buffer. */
	if (answers != 1 && errors != 1)
		fail_msg("answer not delivered: %d packets handed on, %d answers, %d timeouts",
			 packets, answers, timeouts);
}

/* Regression: an answer that arrives in 7-byte pieces is put together (no other test splits
 * an upstream TCP response). */
static void test_upstream_tcp_answer_split_over_several_reads_is_reassembled(void **state)
{
	(void)state;
	struct up_world *u = calloc(1, sizeof(*u));
	assert_non_null(u);
	up_frame(u, UP_ID);
	u->chunk = 7;
	up_run(u);
	int answers = u->answers, packets = u->packets;
	free(u);
	assert_int_equal(answers, 1);
	assert_int_equal(packets, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_nodata_for_a_type0_question_makes_the_name_nxdomain_for_every_type,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_type0_question_for_a_cached_nxdomain_name_is_nxdomain, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_first_negative_answer_has_the_same_soa_ttl_as_the_cached_one, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_first_answer_has_the_same_ttl_as_the_cached_one,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_glue_from_a_referral_is_not_returned_as_an_answer, setup,
			teardown),
		cmocka_unit_test(
			test_upstream_tcp_answer_behind_a_message_with_another_id_is_delivered),
		cmocka_unit_test(
			test_upstream_tcp_answer_after_a_stray_message_in_an_earlier_read_is_delivered),
		cmocka_unit_test(test_upstream_tcp_answer_after_a_zero_length_frame_is_delivered),
		cmocka_unit_test(test_upstream_tcp_answer_split_over_several_reads_is_reassembled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
