/* resolve_query — QUERY: what to ask (QNAME minimisation), whom (server choice), and when
 * to give up. */
#include "resolve_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/wire/builder.h"
#include "lib/wire/dns.h"

#define QMIN_ONE_LABEL_STEPS 4    /* RFC 9156 §2.3 MINIMISE_ONE_LAB */
#define QMIN_MAX_STEPS 10         /* RFC 9156 §2.3 MAX_MINIMISE_COUNT */
#define TCP_TIMEOUT_MIN_MS 1500   /* a TCP exchange costs a handshake more than UDP */

/* ---- QNAME minimisation (RFC 9156 §3) ----------------------------------------------- */

/* Copy into out the last n labels of name. */
static void name_suffix(const uint8_t *name, unsigned n, uint8_t *out)
{
	unsigned total = wire_name_labels(name);
	const uint8_t *p = name;
	for (unsigned i = n; i < total; i++)
		p = wire_name_parent(p);
	memcpy(out, p, wire_name_len(p));
}

static void choose_ask(const struct resolve_req *q, struct frame *f)
{
	unsigned zl = wire_name_labels(f->dp.zone), sl = wire_name_labels(f->sname);
	if (!q->opts.qname_minimisation || f->qmin_off || f->fwd || sl <= zl + 1) {
		memcpy(f->ask, f->sname, wire_name_len(f->sname));
		f->ask_type = f->qtype;
		return;
	}
	if (f->qmin_labels <= zl)
		f->qmin_labels = zl + 1;
	if (f->qmin_labels >= sl) {
		memcpy(f->ask, f->sname, wire_name_len(f->sname));
		f->ask_type = f->qtype;
		return;
	}
	name_suffix(f->sname, f->qmin_labels, f->ask);
	/* §2.1: A, not NS, since some servers mishandle NS questions below a cut. */
	f->ask_type = DNS_TYPE_A;
}

/* The minimised name was not a zone cut: reveal more labels (§2.3 limits the steps). */
void resolve_qmin_advance(struct frame *f)
{
	unsigned sl = wire_name_labels(f->sname);
	f->qmin_steps++;
	if (f->qmin_steps < QMIN_ONE_LABEL_STEPS) {
		f->qmin_labels++;
		return;
	}
	unsigned left = sl > f->qmin_labels ? sl - f->qmin_labels : 0;
	unsigned steps = f->qmin_steps < QMIN_MAX_STEPS ? QMIN_MAX_STEPS - f->qmin_steps : 1;
	f->qmin_labels += (left + steps - 1) / steps;
}

bool resolve_minimised(const struct frame *f)
{
	return !wire_name_equal(f->ask, f->sname) || f->ask_type != f->qtype;
}

/* ---- QUERY: pick a server, or look up a name server's address, or give up ------------- */

static const char *failure_word(int last)
{
	switch (last) {
	case SRV_TIMEOUT: return "timed out";
	case SRV_SERVFAIL: return "answered SERVFAIL";
	case SRV_REFUSED: return "answered REFUSED";
	case SRV_LAME: return "is lame (not authoritative)";
	case SRV_FORMERR: return "answered FORMERR";
	case SRV_UNREACHABLE: return "is unreachable";
	default: return "failed";
	}
}

/* Every server of the zone failed: say how, as precisely as the attempts allow. */
static void fail_exhausted(struct resolve_req *q, struct frame *f)
{
	struct deleg *d = &f->dp;
	char zone[WIRE_NAME_TEXT_MAX], parent[WIRE_NAME_TEXT_MAX], srv[WIRE_NAME_TEXT_MAX];
	wire_name_to_text(d->zone, zone, sizeof(zone));
	wire_name_to_text(d->parent, parent, sizeof(parent));
	unsigned n = d->n_tried, by[8] = { 0 };
	for (unsigned i = 0; i < n; i++)
		if (d->tried[i].last >= 0 && d->tried[i].last < 8)
			by[d->tried[i].last]++;
	if (n == 0) {
		if (q->why[0])
			resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "no address for any name server of %s: %s", zone, q->why);
		else
			resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "no usable address for any of the %u name servers of %s", d->n_ns,
				   zone);
		return;
	}
	const uint8_t *first = deleg_ns_of(d, &d->tried[0].addr);
	if (first)
		wire_name_to_text(first, srv, sizeof(srv));
	else
		netaddr_format(&d->tried[0].addr, srv, sizeof(srv));
	unsigned lame = by[SRV_REFUSED] + by[SRV_LAME];
	if (lame == n && !d->from_hints) {
		if (n == 1)
			resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "%s %s for %s: lame delegation from %s", srv,
				   failure_word(d->tried[0].last), zone, parent);
		else
			resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "all %u servers %s delegates %s to refuse it or are not "
				   "authoritative: lame delegation, the NS records in %s do not "
				   "match the servers that host %s",
				   n, parent, zone, parent, zone);
		return;
	}
	if (by[SRV_UNREACHABLE] == n) {
		if (n == 1)
			resolve_frame_fail(q, f, EDE_NETWORK_ERROR, "%s for %s is unreachable (%s)", srv, zone,
				   q->why);
		else
			resolve_frame_fail(q, f, EDE_NETWORK_ERROR,
				   "all %u servers for %s are unreachable (last: %s)", n, zone,
				   q->why);
		return;
	}
	if (by[SRV_TIMEOUT] == n) {
		if (n == 1)
			resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
				   "%s, the only server tried for %s, timed out", srv, zone);
		else
			resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY, "all %u servers for %s timed out",
				   n, zone);
		return;
	}
	if (n == 1) {
		resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY, "%s %s for %s (the only server tried)",
			   srv, failure_word(d->tried[0].last), zone);
		return;
	}
	resolve_frame_fail(q, f, EDE_NO_REACHABLE_AUTHORITY,
		   "no server for %s answered: %u timed out, %u unreachable, %u SERVFAIL, "
		   "%u REFUSED or lame, %u FORMERR", zone, by[SRV_TIMEOUT], by[SRV_UNREACHABLE],
		   by[SRV_SERVFAIL], lame, by[SRV_FORMERR]);
}

/* Is (name, type) already being looked up further down the stack? (glueless NS cycles) */
static bool on_stack(const struct resolve_req *q, const uint8_t *name, uint16_t type)
{
	for (unsigned i = 0; i < q->depth; i++)
		if (q->f[i]->qtype == type && wire_name_equal(q->f[i]->sname, name))
			return true;
	return false;
}

/* Look up the address of a glueless NS name, if one is left to try. */
static bool start_ns_lookup(struct resolve_req *q, struct frame *f)
{
	struct deleg *d = &f->dp;
	for (unsigned i = 0; i < d->n_ns; i++) {
		uint16_t t = deleg_ns_missing(d, i, &q->opts.addr);
		if (!t)
			continue;
		if (t == DNS_TYPE_A)
			d->ns[i].v4_looked = true;
		else
			d->ns[i].v6_looked = true;
		/* A name inside the zone needs glue: asking the zone itself would go round. */
		if (wire_name_is_subdomain(d->ns[i].name, d->zone))
			continue;
		if (on_stack(q, d->ns[i].name, t))
			continue;
		if (q->glueless >= q->opts.max_glueless) {
			snprintf(q->why, sizeof(q->why),
				 "more than %u name server lookups (recursion.max-glueless-lookups)",
				 q->opts.max_glueless);
			return false;
		}
		if (q->depth >= q->opts.max_depth + 1 || q->depth >= RESOLVE_FRAMES_MAX) {
			snprintf(q->why, sizeof(q->why),
				 "name server lookups nested deeper than %u "
				 "(recursion.max-glueless-depth)", q->opts.max_depth);
			continue;
		}
		q->glueless++;
		f->child_ns = (int)i;
		f->state = FS_CHILD;
		return resolve_frame_push(q, d->ns[i].name, t) != NULL;
	}
	return false;
}

/* 0x20 (draft-vixie-dnsext-dns0x20): flip the case of letters at random. */
static void randomise_case(struct resolve_req *q, uint8_t *name)
{
	uint8_t bits[32];
	q->r->env->random(q->r->env->ctx, bits, sizeof(bits));
	size_t k = 0;
	for (uint8_t *p = name; *p; p += *p + 1) {
		for (unsigned i = 1; i <= *p; i++, k++) {
			uint8_t ch = p[i];
			bool upper = (bits[(k / 8) % sizeof(bits)] >> (k % 8)) & 1;
			if (ch >= 'a' && ch <= 'z' && upper)
				p[i] = (uint8_t)(ch - 32);
		}
	}
}

/* Write the upstream query for the frame's ask name into q->pkt. */
static void build_query(struct resolve_req *q, struct frame *f, const struct srv_info *si)
{
	struct wire_builder b;
	q->id = env_random_u16(q->r->env);
	memcpy(q->sent_name, f->ask, wire_name_len(f->ask));
	bool plain = q->plain_case && netaddr_equal(&q->plain_server, &q->server);
	q->sent_0x20 = q->opts.use_0x20 && !plain;
	if (q->sent_0x20)
		randomise_case(q, q->sent_name);
	q->sent_edns = si->no_edns_until_ms <= resolve_now_ms(q);
	wire_builder_init(&b, q->pkt, sizeof(q->pkt));
	/* RD=0: we iterate (RFC 1034 §5.3.3); a forward target recurses for us (RD=1). */
	wire_builder_header(&b, q->id, f->fwd ? DNS_FLAG_RD : 0, 0);
	wire_builder_question(&b, q->sent_name, f->ask_type, DNS_CLASS_IN);
	if (q->sent_edns) {
		/* RFC 4035 §4.9.1: a validator asks for the signatures (DO). */
		struct wire_opt opt = { .udp_size = RESOLVE_EDNS_SIZE, .do_bit = q->opts.dnssec,
					.ede_code = EDE_NONE };
		wire_builder_opt(&b, &opt);
	}
	q->pkt_len = b.len;
}

enum resolve_step resolve_send_query(struct resolve_req *q, struct frame *f,
				    struct resolve_query *out)
{
	struct srv_info *si = servers_get(q->r->servers, &q->server);
	static struct srv_info fallback; /* read-only defaults when the table is out of memory */
	const struct srv_info *s = si ? si : &fallback;
	if (!q->resend || q->transport == RESOLVE_UDP)
		build_query(q, f, s);
	q->resend = false;
	q->queries++;
	q->in_flight = true;
	q->sent_ms = resolve_now_ms(q);
	uint32_t to = si ? servers_rto(si) : SRV_RTO_UNKNOWN_MS;
	if (q->transport == RESOLVE_TCP && to < TCP_TIMEOUT_MIN_MS)
		to = TCP_TIMEOUT_MIN_MS;
	uint32_t left = resolve_time_left(q);
	out->server = q->server;
	out->transport = q->transport;
	out->pkt = q->pkt;
	out->len = q->pkt_len;
	out->timeout_ms = to < left ? to : left;
	if (q->r->trace) {
		char srv[80], name[WIRE_NAME_TEXT_MAX];
		netaddr_format(&q->server, srv, sizeof(srv));
		wire_name_to_text(q->sent_name, name, sizeof(name));
		resolve_trace(q, "ask %s for %s type %u over %s, wait %u ms", srv, name,
			      f->ask_type, q->transport == RESOLVE_TCP ? "TCP" : "UDP",
			      out->timeout_ms);
	}
	if (q->transport == RESOLVE_TCP)
		q->r->stats.sent_tcp++;
	else
		q->r->stats.sent_udp++;
	f->state = FS_WAIT;
	return RESOLVE_SEND;
}

bool resolve_st_query(struct resolve_req *q, struct frame *f, struct resolve_query *out,
		     enum resolve_step *step)
{
	if (q->queries >= q->opts.max_queries) {
		resolve_frame_fail(q, q->f[0], EDE_OTHER,
			   "gave up after %u upstream queries (recursion.max-queries-per-request)",
			   q->queries);
		return false;
	}
	choose_ask(q, f);
	/* Forward targets were chosen by the operator: any address, loopback included. */
	static const struct deleg_policy any = { .ipv4 = true, .ipv6 = true,
						 .query_loopback = true };
	if (deleg_choose(&f->dp, f->fwd ? &any : &q->opts.addr, q->r->servers,
			 resolve_now_ms(q), env_random_u32(q->r->env), &q->server)) {
		deleg_note_try(&f->dp, &q->server);
		q->transport = RESOLVE_UDP;
		*step = resolve_send_query(q, f, out);
		return true;
	}
	if (f->fwd) {
		resolve_forward_exhausted(q, f);
		return false;
	}
	if (start_ns_lookup(q, f))
		return false;
	if (f->dp.from_cache && f->dp.n_tried == 0 && f->dp.zone[0] && !f->dp_went_up) {
		/* Cached NS names without usable addresses: ask the parent side again. The name
		 * is copied out first, since finding the new point rewrites f->dp. */
		uint8_t parent[WIRE_NAME_MAX];
		const uint8_t *p = wire_name_parent(f->dp.zone);
		memcpy(parent, p, wire_name_len(p));
		resolve_find_dp(q, f, parent);
		f->dp_went_up = true;
		f->qmin_labels = 0;
		f->qmin_steps = 0;
		return false;
	}
	fail_exhausted(q, f);
	return false;
}
