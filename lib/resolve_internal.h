/*
 * resolve_internal — what the files of the request state machine share: the request and its
 * frames, and the steps each file provides. Only lib/resolve*.c include it.
 *
 *   resolve.c           lifecycle, frames, the driver (produce), consume/timeout/neterror
 *   resolve_cache.c     INIT: answer from the cache, find the closest delegation point
 *   resolve_query.c     QUERY: QNAME minimisation, server choice, glueless lookups, giving up
 *   resolve_response.c  WAIT → what a response means: answer, chain, referral, negative, lame
 */
#ifndef CAIRN_RESOLVE_INTERNAL_H
#define CAIRN_RESOLVE_INTERNAL_H

#include "resolve.h"

#include "lib/wire/dns.h"
#include "lib/wire/msg.h"

#define RESOLVE_FRAMES_MAX 8      /* hard bound on nested NS lookups, whatever the config */

enum frame_state { FS_INIT, FS_QUERY, FS_WAIT, FS_CHILD, FS_DONE, FS_VALIDATE };

/* Work one question's validation may cost: signature checks and NSEC3 hashes (KeyTrap,
 * NSEC3-encloser attacks). Past them the answer is SERVFAIL with EDE 5 (Indeterminate). */
#define VAL_SIG_CHECKS_MAX 32
#define VAL_HASHES_MAX 64

/* Where the validation of frame 0's answer stands (resolve_validate.c). */
enum val_state { VAL_NEXT_RRSET, VAL_ANCHOR_KEYS, VAL_DESCEND, VAL_DS, VAL_KEYS, VAL_DONE };

struct val {
	bool started;
	enum val_state state;
	bool all_secure;                /* every RRset judged so far is secure */
	size_t item;                    /* the answer RRset being judged */
	bool negative;                  /* judging the denial (frame 0's SOA and proofs) */
	bool negative_done;
	const struct anchor *anchor;    /* the closest trust anchor above it */
	uint8_t target[WIRE_NAME_MAX];  /* the zone whose keys must sign it */
	uint8_t zone[WIRE_NAME_MAX];    /* the deepest zone whose DNSKEY set is trusted */
	uint8_t cursor[WIRE_NAME_MAX];  /* the deepest name whose DS question is settled */
	uint8_t next[WIRE_NAME_MAX];    /* the name whose DS (or DNSKEY) is being fetched */
	bool have_keys;
	bool restarted;                 /* frame 0 was resolved again for a missing proof */
	bool ds_refetched;              /* the DS of next was asked again, past the cache */
	bool over_budget;               /* a work limit ended it: nothing is marked bogus */
	unsigned sig_checks;            /* signatures checked (VAL_SIG_CHECKS_MAX) */
	unsigned hashes;                /* NSEC3 hashes computed (VAL_HASHES_MAX) */
	struct iter_rrset keys;         /* zone's validated DNSKEY set */
	struct iter_rrset ds;           /* next's validated DS set */
};

struct frame {
	enum frame_state state;
	uint8_t qname[WIRE_NAME_MAX];   /* the question of this frame (canonical) */
	uint16_t qtype;
	uint8_t sname[WIRE_NAME_MAX];   /* where the CNAME chain stands now */
	struct deleg dp;                /* the zone being asked */
	bool dp_went_up;                /* a cached NS set without addresses was skipped */
	uint8_t ask[WIRE_NAME_MAX];     /* the name in the query in flight */
	uint16_t ask_type;
	bool qmin_off;                  /* relaxed RFC 9156: the full name is asked */
	unsigned qmin_labels;           /* labels of the minimised name (0: not started) */
	unsigned qmin_steps;
	unsigned referrals;
	unsigned links;                 /* CNAME/DNAME links followed */
	int child_ns;                   /* FS_CHILD: which NS name is being looked up */
	bool vfetch;                    /* a DS/DNSKEY lookup of the validator */
	bool refresh;                   /* its own question is not read from the cache */
	bool failed;
	uint16_t part;                  /* cache partition of sname: a forward rule's, or 0 */
	bool fwd;                       /* sname is under a forward rule: dp holds its targets */
	char fwd_rule[64];              /* that rule's name, for messages */
	unsigned rcode;
	struct iter_rrset *answer;
	size_t n_answer, cap_answer;
	struct iter_rrset *soa;
	struct iter_rrset *proof;       /* NSEC/NSEC3 of the final response (denial, wildcard) */
	size_t n_proof;
};

struct resolve_req {
	struct resolver *r;
	struct resolve_opts opts;
	struct frame *f[RESOLVE_FRAMES_MAX];
	unsigned depth;
	uint64_t deadline_ms;
	unsigned queries;               /* upstream queries sent */
	unsigned glueless;              /* NS address lookups started */
	bool done;
	bool refresh;                   /* resolve_set_refresh(): skip the cached answer */
	bool cd;                        /* resolve_set_checking_disabled(): no validation */
	const struct policy_view *view; /* resolve_set_view(): rules of the client's view */
	bool novalidate;                /* the view does not validate */
	struct val val;                 /* DNSSEC validation of frame 0's answer */
	struct resolve_result result;
	char why[RESOLVE_EDE_TEXT_MAX]; /* the last failure seen below frame 0 */
	/* the query in flight */
	bool in_flight;
	bool resend;                    /* send the same question again (TCP, no 0x20, no EDNS) */
	struct netaddr server;
	enum resolve_transport transport;
	uint16_t id;
	uint8_t sent_name[WIRE_NAME_MAX];
	bool sent_0x20, sent_edns;
	bool plain_case;                /* this request asks `plain_server` without 0x20 */
	bool shared;                    /* the outcome being handled is another request's:
					 * the server was judged (RTT, hold-down) already */
	struct netaddr plain_server;
	uint64_t sent_ms;
	uint8_t pkt[DNS_MAX_UDP_NO_EDNS];
	size_t pkt_len;
};

uint64_t resolve_now_ms(const struct resolve_req *q);
int64_t resolve_now_wall(const struct resolve_req *q);

/* One trace line (formatted only when the resolver has a trace hook). */
void resolve_trace(const struct resolve_req *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Push a frame for (name, type) on the request's stack; NULL when out of memory. */
struct frame *resolve_frame_push(struct resolve_req *q, const uint8_t *name, uint16_t type);
/* A frame ends in failure; frame 0's failure is the client's SERVFAIL with this EDE. */
void resolve_frame_fail(struct resolve_req *q, struct frame *f, int ede, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Take ownership of s as the next link of the frame's answer (-1: out of memory, s freed). */
int resolve_frame_append(struct frame *f, struct iter_rrset *s);
/* Take ownership of s as the frame's negative-answer SOA. */
void resolve_frame_set_soa(struct frame *f, struct iter_rrset *s);
/* Move the chain on to target; false (frame failed) on a loop or too many links. */
bool resolve_chain_follow(struct resolve_req *q, struct frame *f, const uint8_t *target);

/* resolve_cache.c */
void resolve_st_init(struct resolve_req *q, struct frame *f);
/* start must not point into f->dp, which this rewrites. */
void resolve_find_dp(struct resolve_req *q, struct frame *f, const uint8_t *start);

/* resolve_query.c */
bool resolve_st_query(struct resolve_req *q, struct frame *f, struct resolve_query *out,
		      enum resolve_step *step);
enum resolve_step resolve_send_query(struct resolve_req *q, struct frame *f,
				     struct resolve_query *out);
bool resolve_minimised(const struct frame *f);
void resolve_qmin_advance(struct frame *f);

/* resolve_forward.c */
/* Where sname goes: a forward rule's targets (f->fwd, f->part) or recursion. Returns the
 * rule, valid until the request's step ends (a reload may free it). */
const struct policy_rule *resolve_route(struct resolve_req *q, struct frame *f);
/* The delegation point of a forwarded frame: the targets of the rule resolve_route gave. */
void resolve_forward_dp(struct frame *f, const struct policy_rule *r);
/* Every target of the rule failed: SERVFAIL with EDE 22 naming them. */
void resolve_forward_exhausted(struct resolve_req *q, struct frame *f);
/* Is name under a forward rule with validate: false (answered insecure)? */
bool resolve_unvalidated(const struct resolve_req *q, const uint8_t *name);

/* resolve_validate.c */
bool resolve_validation_wanted(const struct resolve_req *q);
void resolve_st_validate(struct resolve_req *q);
/* A validator fetch (frame c, already off the stack) finished. */
void resolve_validate_child(struct resolve_req *q, const struct frame *c);
void resolve_validate_free(struct resolve_req *q);

/* resolve_response.c */
void resolve_on_response(struct resolve_req *q, struct frame *f, const struct wire_msg *m);
void resolve_server_failed(struct resolve_req *q, struct frame *f, enum srv_failure why);

#endif
