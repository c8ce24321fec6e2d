/* resolve — request lifecycle, frames and the driver (see resolve.h, resolve_internal.h). */
#include "resolve_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/wire/dns.h"

uint64_t resolve_now_ms(const struct resolve_req *q)
{
	return q->r->env->mono_ms(q->r->env->ctx);
}

int64_t resolve_now_wall(const struct resolve_req *q)
{
	return q->r->env->wall_now(q->r->env->ctx);
}

static const char *const STATE_NAMES[] = { "INIT", "QUERY", "WAIT", "CHILD", "DONE",
					   "VALIDATE" };

void resolve_trace(const struct resolve_req *q, const char *fmt, ...)
{
	if (!q->r->trace)
		return;
	char line[512], name[WIRE_NAME_TEXT_MAX];
	const struct frame *f = q->f[q->depth - 1];
	wire_name_to_text(f->sname, name, sizeof(name));
	int n = snprintf(line, sizeof(line), "resolve %p [%u] %s type %u: ", (const void *)q,
			 q->depth - 1, name, f->qtype);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	q->r->trace(q->r->trace_ctx, line);
}

static struct frame *top(struct resolve_req *q)
{
	return q->f[q->depth - 1];
}

static void frame_free(struct frame *f)
{
	for (size_t i = 0; i < f->n_answer; i++)
		iter_rrset_free(&f->answer[i]);
	free(f->answer);
	if (f->soa) {
		iter_rrset_free(f->soa);
		free(f->soa);
	}
	for (size_t i = 0; i < f->n_proof; i++)
		iter_rrset_free(&f->proof[i]);
	free(f->proof);
	free(f);
}

struct frame *resolve_frame_push(struct resolve_req *q, const uint8_t *name, uint16_t type)
{
	struct frame *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	memcpy(f->qname, name, wire_name_len(name));
	wire_name_lower(f->qname);
	memcpy(f->sname, f->qname, wire_name_len(f->qname));
	f->qtype = type;
	f->state = FS_INIT;
	f->child_ns = -1;
	q->f[q->depth++] = f;
	return f;
}

/* A frame ends in failure. Frame 0's failure is the client's SERVFAIL with its EDE; a
 * nested lookup's failure only costs its parent one NS name, but its reason is kept in case
 * that parent fails for want of servers. */
void resolve_frame_fail(struct resolve_req *q, struct frame *f, int ede, const char *fmt, ...)
{
	char text[RESOLVE_EDE_TEXT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	f->failed = true;
	f->state = FS_DONE;
	f->rcode = DNS_RCODE_SERVFAIL;
	if (f == q->f[0]) {
		q->result.ede = ede;
		snprintf(q->result.ede_text, sizeof(q->result.ede_text), "%s", text);
	} else {
		snprintf(q->why, sizeof(q->why), "%s", text);
	}
}

/* Take ownership of a gathered RRset as the next link of the frame's answer. */
int resolve_frame_append(struct frame *f, struct iter_rrset *s)
{
	if (f->n_answer == f->cap_answer) {
		size_t cap = f->cap_answer ? f->cap_answer * 2 : 4;
		struct iter_rrset *n = realloc(f->answer, cap * sizeof(*n));
		if (!n) {
			iter_rrset_free(s);
			return -1;
		}
		f->answer = n;
		f->cap_answer = cap;
	}
	s->part = f->part; /* judged and marked in the partition it was read from or stored in */
	f->answer[f->n_answer++] = *s;
	return 0;
}

void resolve_frame_set_soa(struct frame *f, struct iter_rrset *s)
{
	if (f->soa) {
		iter_rrset_free(f->soa);
		free(f->soa);
	}
	f->soa = malloc(sizeof(*f->soa));
	s->part = f->part;
	if (f->soa)
		*f->soa = *s;
	else
		iter_rrset_free(s);
}

struct resolve_req *resolve_new(struct resolver *r, const uint8_t *qname, uint16_t qtype)
{
	struct resolve_req *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->r = r;
	q->opts = r->opts;
	q->result.ede = EDE_NONE;
	q->deadline_ms = r->env->mono_ms(r->env->ctx) + q->opts.request_timeout_ms;
	if (!resolve_frame_push(q, qname, qtype)) {
		free(q);
		return NULL;
	}
	r->stats.requests++;
	return q;
}

void resolve_free(struct resolve_req *q)
{
	if (!q)
		return;
	for (unsigned i = 0; i < q->depth; i++)
		frame_free(q->f[i]);
	resolve_validate_free(q);
	for (size_t i = 0; i < q->result.n_answer; i++)
		iter_rrset_free(&q->result.answer[i]);
	free(q->result.answer);
	if (q->result.soa) {
		iter_rrset_free(q->result.soa);
		free(q->result.soa);
	}
	for (size_t i = 0; i < q->result.n_proof; i++)
		iter_rrset_free(&q->result.proof[i]);
	free(q->result.proof);
	free(q);
}

const struct resolve_result *resolve_result(const struct resolve_req *q)
{
	return &q->result;
}

uint32_t resolve_time_left(const struct resolve_req *q)
{
	uint64_t now = resolve_now_ms(q);
	return now >= q->deadline_ms ? 0 : (uint32_t)(q->deadline_ms - now);
}

/* A response to the query in flight. shared: it answers the identical question another
 * request sent (the daemon checked its ID and letter case for that one), so only the source
 * and the question, in any case, are checked here. */
static enum resolve_verdict consume(struct resolve_req *q, const struct netaddr *from,
				    const uint8_t *pkt, size_t len, bool shared)
{
	if (!q->in_flight || q->done)
		return RESOLVE_IGNORED;
	struct frame *f = top(q);
	struct resolver *r = q->r;
	if (!netaddr_equal(from, &q->server) || len < DNS_HEADER_SIZE ||
	    (!shared && wire_read_u16(pkt) != q->id) || !(wire_read_u16(pkt + 2) & DNS_FLAG_QR)) {
		r->stats.mismatched++;
		return RESOLVE_IGNORED;
	}
	struct wire_msg m;
	int perr = wire_msg_parse(pkt, len, &m);
	if (perr == 0 && m.has_question) {
		if (m.qtype != f->ask_type || m.qclass != DNS_CLASS_IN ||
		    !wire_name_equal(m.qname, q->sent_name)) {
			wire_msg_free(&m);
			r->stats.mismatched++;
			return RESOLVE_IGNORED;
		}
	} else if (perr == 0 && m.rcode != DNS_RCODE_SERVFAIL && m.rcode != DNS_RCODE_REFUSED &&
		   m.rcode != DNS_RCODE_FORMERR && m.rcode != DNS_RCODE_NOTIMP) {
		/* Only an error may come back without the question: an answer (NXDOMAIN too)
		 * must prove it answers what was asked. */
		wire_msg_free(&m);
		r->stats.mismatched++;
		return RESOLVE_IGNORED;
	}
	q->in_flight = false;
	struct srv_info *si = servers_get(r->servers, &q->server);
	uint64_t rtt = resolve_now_ms(q) - q->sent_ms;
	if (si && !shared) /* the request that sent it measures the round trip */
		servers_answered(si, rtt > 0xffffff ? 0xffffff : (uint32_t)rtt);
	if (perr < 0) {
		wire_msg_free(&m);
		resolve_server_failed(q, f, SRV_FORMERR);
		return RESOLVE_ACCEPTED;
	}
	if (!shared && q->sent_0x20 && m.has_question &&
	    memcmp(m.qname, q->sent_name, wire_name_len(q->sent_name)) != 0) {
		/* The case came back changed: a server that does not echo 0x20 (or a forger who
		 * guessed the ID). Ask it again in plain case, for this request only, rather
		 * than failing names it serves. */
		r->stats.case_fallbacks++;
		q->plain_case = true;
		q->plain_server = q->server;
		q->resend = true;
		q->transport = RESOLVE_UDP;
		f->state = FS_WAIT;
		wire_msg_free(&m);
		return RESOLVE_RETRY;
	}
	if ((m.flags & DNS_FLAG_TC) && q->transport == RESOLVE_UDP) {
		/* RFC 7766 §5: truncated over UDP, so ask the same server over TCP. */
		q->resend = true;
		q->transport = RESOLVE_TCP;
		f->state = FS_WAIT;
		wire_msg_free(&m);
		return RESOLVE_ACCEPTED;
	}
	if ((m.rcode == DNS_RCODE_FORMERR || m.rcode == DNS_RCODE_NOTIMP) && q->sent_edns &&
	    !m.has_opt) {
		/* RFC 6891 §7: a server that does not know EDNS; retry it without. */
		r->stats.edns_fallbacks++;
		if (si)
			si->no_edns_until_ms = resolve_now_ms(q) + SRV_NO_EDNS_MS;
		q->resend = true;
		q->transport = RESOLVE_UDP;
		f->state = FS_WAIT;
		wire_msg_free(&m);
		return RESOLVE_ACCEPTED;
	}
	resolve_on_response(q, f, &m);
	wire_msg_free(&m);
	return RESOLVE_ACCEPTED;
}

enum resolve_verdict resolve_consume(struct resolve_req *q, const struct netaddr *from,
				     const uint8_t *pkt, size_t len)
{
	return consume(q, from, pkt, len, false);
}

enum resolve_verdict resolve_consume_shared(struct resolve_req *q, const struct netaddr *from,
					    const uint8_t *pkt, size_t len)
{
	q->shared = true;
	enum resolve_verdict v = consume(q, from, pkt, len, true);
	q->shared = false;
	return v;
}

void resolve_abandon(struct resolve_req *q)
{
	if (!q->in_flight || q->done)
		return;
	q->in_flight = false;
	q->resend = true;
	q->transport = RESOLVE_UDP;
	q->plain_case = true;
	q->plain_server = q->server;
	top(q)->state = FS_WAIT;
}

void resolve_timeout(struct resolve_req *q)
{
	if (!q->in_flight || q->done)
		return;
	q->in_flight = false;
	q->resend = false;
	if (!q->shared)
		q->r->stats.timeouts++;
	if (resolve_time_left(q) == 0) {
		/* The request's own deadline, not the server's fault: produce() ends it. */
		top(q)->state = FS_QUERY;
		return;
	}
	resolve_trace(q, "no answer in time");
	resolve_server_failed(q, top(q), SRV_TIMEOUT);
}

void resolve_timeout_shared(struct resolve_req *q)
{
	q->shared = true;
	resolve_timeout(q);
	q->shared = false;
}

void resolve_neterror_shared(struct resolve_req *q, const char *why)
{
	q->shared = true;
	resolve_neterror(q, why);
	q->shared = false;
}

void resolve_neterror(struct resolve_req *q, const char *why)
{
	if (!q->in_flight || q->done)
		return;
	q->in_flight = false;
	q->resend = false;
	char srv[80];
	netaddr_format(&q->server, srv, sizeof(srv));
	snprintf(q->why, sizeof(q->why), "%s: %s", srv, why);
	resolve_server_failed(q, top(q), SRV_UNREACHABLE);
}

/* ---- the driver ------------------------------------------------------------------------ */

/* A nested lookup finished: a validator fetch goes to the validator; an address lookup hands
 * its addresses to the NS entry that waited for them. */
static void child_done(struct resolve_req *q)
{
	struct frame *c = top(q);
	q->f[--q->depth] = NULL;
	if (c->vfetch) {
		resolve_validate_child(q, c);
		frame_free(c);
		return;
	}
	struct frame *p = top(q);
	if (p->child_ns >= 0 && !c->failed) {
		for (size_t i = 0; i < c->n_answer; i++) {
			const struct iter_rrset *s = &c->answer[i];
			if (s->type != c->qtype || !wire_name_equal(s->owner, c->sname))
				continue;
			uint32_t off = 0;
			while (off + 2 <= s->size) {
				uint16_t len = wire_read_u16(s->rdata + off);
				struct netaddr a = { .port = 53 };
				if (len == 4 || len == 16) {
					a.family = len == 4 ? AF_INET : AF_INET6;
					memcpy(a.addr, s->rdata + off + 2, len);
					deleg_add_addr(&p->dp, (unsigned)p->child_ns, &a);
				}
				off += 2u + len;
			}
		}
	}
	p->child_ns = -1;
	p->state = FS_QUERY;
	frame_free(c);
}

/* Frame 0 is done: its findings become the client's result. */
static void finish(struct resolve_req *q)
{
	struct frame *f = q->f[0];
	q->done = true;
	q->result.rcode = f->rcode;
	if (!f->failed) {
		q->result.answer = f->answer;
		q->result.n_answer = f->n_answer;
		q->result.soa = f->soa;
		q->result.proof = f->proof;
		q->result.n_proof = f->n_proof;
		f->answer = NULL;
		f->n_answer = f->cap_answer = 0;
		f->soa = NULL;
		f->proof = NULL;
		f->n_proof = 0;
	} else {
		q->r->stats.servfail++;
	}
}

void resolve_set_refresh(struct resolve_req *q)
{
	q->refresh = true;
}

void resolve_set_checking_disabled(struct resolve_req *q)
{
	q->cd = true;
}

void resolve_set_view(struct resolve_req *q, const struct policy_view *v)
{
	q->view = v;
	/* A view that does not validate (a VPC's dnssec-validation: false) resolves as a CD=1
	 * client would: the data as it comes, never SERVFAIL for a signature. */
	q->novalidate = v && !v->dnssec;
}

enum resolve_step resolve_produce(struct resolve_req *q, struct resolve_query *out)
{
	if (q->done)
		return RESOLVE_DONE;
	for (;;) {
		struct frame *f = top(q);
		if (f->state != FS_DONE && resolve_now_ms(q) >= q->deadline_ms) {
			char zone[WIRE_NAME_TEXT_MAX];
			wire_name_to_text(f->dp.zone, zone, sizeof(zone));
			resolve_frame_fail(q, q->f[0], EDE_NO_REACHABLE_AUTHORITY,
				   "no answer within %u ms (recursion.request-timeout) while asking "
				   "the servers of %s", q->opts.request_timeout_ms, zone);
			finish(q);
			return RESOLVE_DONE;
		}
		enum resolve_step step;
		enum frame_state was = f->state;
		unsigned depth = q->depth;
		switch (f->state) {
		case FS_INIT:
			resolve_st_init(q, f);
			break;
		case FS_QUERY:
			if (resolve_st_query(q, f, out, &step))
				return step;
			if (q->f[0]->state == FS_DONE && q->f[0]->failed) {
				finish(q);
				return RESOLVE_DONE;
			}
			break;
		case FS_WAIT:
			if (q->resend && q->queries >= q->opts.max_queries) {
				q->resend = false;
				resolve_frame_fail(q, q->f[0], EDE_OTHER,
						   "gave up after %u upstream queries "
						   "(recursion.max-queries-per-request)", q->queries);
				finish(q);
				return RESOLVE_DONE;
			}
			if (q->resend)
				return resolve_send_query(q, f, out);
			/* Nothing in flight and nothing to resend: choose again. */
			f->state = FS_QUERY;
			break;
		case FS_CHILD:
			f->state = FS_QUERY; /* its lookup vanished: cannot happen, but recover */
			break;
		case FS_DONE:
			if (q->depth == 1 && resolve_validation_wanted(q)) {
				f->state = FS_VALIDATE; /* RFC 4035 §5: judge it before answering */
				break;
			}
			if (q->depth == 1) {
				finish(q);
				return RESOLVE_DONE;
			}
			child_done(q);
			/* f is freed: a lookup that follows may be a new frame at the same depth */
			if (q->r->trace)
				resolve_trace(q, "nested lookup finished");
			continue;
		case FS_VALIDATE:
			resolve_st_validate(q);
			break;
		}
		if (!q->r->trace)
			continue; /* the zone's text is made only for a trace that shows it */
		if (q->depth == depth && f->state != was) {
			char zone[WIRE_NAME_TEXT_MAX];
			wire_name_to_text(f->dp.zone, zone, sizeof(zone));
			resolve_trace(q, "%s -> %s (zone %s)", STATE_NAMES[was],
				      STATE_NAMES[f->state], zone);
		} else if (q->depth > depth) {
			resolve_trace(q, "address lookup for a glueless name server");
		}
	}
}
