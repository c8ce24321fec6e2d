/*
 * builder — writes a DNS message into a caller-owned buffer: header, question, records with
 * name compression (RFC 1035 §4.1.4), and the EDNS OPT record with an Extended DNS Error
 * (RFC 6891, RFC 8914). A size limit makes truncation explicit: a record that does not fit
 * is refused and the caller decides (TC=1 for answer/authority, silent omission for
 * additional, RFC 2181 §9). Nothing allocates, so the fast path can use it.
 */
#ifndef CAIRN_WIRE_BUILDER_H
#define CAIRN_WIRE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_COMP_MAX 64     /* remembered name positions for compression */
#define WIRE_EDE_TEXT_MAX 200

enum wire_section { WIRE_ANSWER = 0, WIRE_AUTHORITY = 1, WIRE_ADDITIONAL = 2 };

struct wire_builder {
	uint8_t *buf;                  /* the caller's buffer */
	size_t cap;                    /* its size */
	size_t len;                    /* bytes written */
	size_t limit;                  /* records must end at or before this (<= cap) */
	uint16_t counts[3];            /* ANCOUNT, NSCOUNT, ARCOUNT */
	uint16_t comp[WIRE_COMP_MAX];  /* offsets of labels already written, for pointers */
	unsigned ncomp;                /* entries used in comp */
};

/* The EDNS part of an answer. */
struct wire_opt {
	uint16_t udp_size;             /* our payload size */
	bool do_bit;                   /* echo of the query's DO (RFC 3225 §3) */
	uint8_t ext_rcode;             /* upper 8 bits of a 12-bit RCODE */
	int ede_code;                  /* EDE_NONE or an RFC 8914 INFO-CODE */
	const char *ede_text;          /* EXTRA-TEXT, may be NULL; cut at WIRE_EDE_TEXT_MAX */
};

/* Do the names inside this record data (NS, CNAME, PTR, SOA, MX: the ones the builder
 * compresses) end within it? Data of every other type is opaque here and passes. */
bool wire_rdata_well_formed(uint16_t type, const uint8_t *rd, uint16_t rdlen);

void wire_builder_init(struct wire_builder *b, uint8_t *buf, size_t cap);

/* Header with the given ID and flags word; the low 4 bits of rcode go in the header. */
void wire_builder_header(struct wire_builder *b, uint16_t id, uint16_t flags, unsigned rcode);

/* The question; the name is written as given (the client's spelling). -1 if it cannot fit. */
int wire_builder_question(struct wire_builder *b, const uint8_t *qname, uint16_t qtype,
			  uint16_t qclass);

/* One record in a section (sections must come in order). rdata is uncompressed wire; names
 * inside NS, CNAME, PTR, SOA and MX data are compressed (RFC 3597 §4 allows no others).
 * Returns -1 when the record would pass the limit; the message is then unchanged. */
int wire_builder_rr(struct wire_builder *b, enum wire_section s, const uint8_t *owner,
		    uint16_t type, uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
		    uint16_t rdlen);

/* Bytes the OPT record will take, so that callers can reserve room for it. */
size_t wire_opt_size(const struct wire_opt *opt);

/* Append the OPT record (after all other records). -1 if it does not fit in cap. */
int wire_builder_opt(struct wire_builder *b, const struct wire_opt *opt);

/* Set or clear a header flag (e.g. DNS_FLAG_TC). */
void wire_builder_set_flag(struct wire_builder *b, uint16_t flag, bool on);

/* Remove every record, keeping header and question (used to truncate). */
void wire_builder_clear_records(struct wire_builder *b, size_t question_end);

#endif
