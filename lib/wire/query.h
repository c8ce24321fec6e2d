/*
 * query — the fast parser for a client's query (RFC 1035 §4.1, RFC 6891 §6).
 *
 * It reads the header, the single question and the EDNS OPT record, checks every rule a
 * server must enforce before answering, and says which answer the packet deserves: go on,
 * drop, FORMERR, NOTIMP or BADVERS. It never allocates; everything lands in struct wire_query.
 */
#ifndef CAIRN_WIRE_QUERY_H
#define CAIRN_WIRE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"

enum wire_query_verdict {
	WIRE_QUERY_OK = 0,   /* a well-formed standard query: answer it */
	WIRE_QUERY_DROP,     /* not even a header, or QR=1: send nothing, count it */
	WIRE_QUERY_FORMERR,  /* malformed: answer FORMERR */
	WIRE_QUERY_NOTIMP,   /* opcode other than QUERY */
	WIRE_QUERY_BADVERS,  /* EDNS version we do not speak (RFC 6891 §6.1.3) */
};

/* The EDNS(0) facts of a query (RFC 6891 §6.1.2). */
struct wire_edns {
	bool present;         /* the query had an OPT record */
	uint16_t udp_size;    /* requestor's payload size, raised to 512 when lower (§6.2.5) */
	uint8_t version;      /* EDNS version */
	bool do_bit;          /* DNSSEC OK (RFC 3225) */
};

struct wire_query {
	uint16_t id;                    /* echoed in the answer */
	uint16_t flags;                 /* the raw flags word (opcode, RD, CD, AD...) */
	uint8_t opcode;                 /* enum dns_opcode */
	bool rd, cd, ad;                /* recursion desired, checking disabled, authentic data */
	bool has_question;              /* question parsed: the answer may echo it */
	uint8_t qname[WIRE_NAME_MAX];   /* as the client wrote it (case kept, for the echo) */
	uint8_t qname_lc[WIRE_NAME_MAX];/* canonical lower-case form: the lookup key */
	uint8_t qname_len;              /* length of both names */
	uint16_t qtype, qclass;
	struct wire_edns edns;
	const char *error;              /* why the verdict is not OK (static text for logs/EDE) */
	/* Set by lib/respond, not the parser: the question is a Route 53 alias whose target
	 * lies outside the local zones. alias_target (canonical) is resolved in its place and
	 * its records are answered under the question's name. */
	bool alias;
	uint8_t alias_target[WIRE_NAME_MAX];
};

/* Parse a query. Fills q as far as the packet allows, even on error, so that an error answer
 * can echo the ID and, where it was readable, the question and EDNS. */
enum wire_query_verdict wire_query_parse(const uint8_t *pkt, size_t len, struct wire_query *q);

#endif
