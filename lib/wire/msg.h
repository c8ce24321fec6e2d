/*
 * msg — parser for the responses that upstream servers send (RFC 1035 §4.1).
 *
 * A response is read once into a flat list of records: owners in canonical lower-case form,
 * record data with every compressed name expanded (RFC 3597 §4 lists the types whose data may
 * hold compressed names), so that the iterator and the cache never see a compression pointer.
 * The OPT record is read into the header facts (extended RCODE, payload size) and kept out of
 * the list. All memory belongs to the struct wire_msg and is released by wire_msg_free.
 */
#ifndef CAIRN_WIRE_MSG_H
#define CAIRN_WIRE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "builder.h"
#include "name.h"

/* One resource record of a response. */
struct wire_rr {
	const uint8_t *owner;     /* canonical (lower-case) uncompressed wire name */
	uint16_t type, rclass;
	uint32_t ttl;             /* as received; RFC 2181 §8: a value with the top bit set is 0 */
	uint16_t rdlen;
	const uint8_t *rdata;     /* uncompressed record data */
	enum wire_section section;
};

struct wire_msg {
	uint16_t id;
	uint16_t flags;           /* the raw flags word */
	unsigned rcode;           /* 12-bit RCODE (header + OPT extension) */
	bool has_question;
	uint8_t qname[WIRE_NAME_MAX]; /* the question as the server wrote it (case kept) */
	uint16_t qtype, qclass;
	bool has_opt;             /* the response carried an OPT record */
	uint16_t opt_udp_size;
	size_t n_rr;              /* records in rr, in section order */
	struct wire_rr *rr;
	uint8_t *arena;           /* owners and data of every record */
	const char *error;        /* static reason when parsing failed */
};

/* Parse a response. Returns 0, or -1 with m->error set; either way call wire_msg_free. */
int wire_msg_parse(const uint8_t *pkt, size_t len, struct wire_msg *m);

void wire_msg_free(struct wire_msg *m);

/* Expand the compressed names inside one record's data (pkt is the whole message, the data
 * starts at rdpos and has rdlen bytes) into out (room for rdlen + 4 * WIRE_NAME_MAX bytes).
 * Returns the expanded length, or -1 when the data does not hold what its type requires. */
int wire_rdata_expand(const uint8_t *pkt, size_t len, size_t rdpos, uint16_t rdlen,
		      uint16_t type, uint8_t *out, size_t outcap);

#endif
