/*
 * name — domain names in wire form (RFC 1035 §3.1): reading them out of packets (with
 * compression, §4.1.4), the canonical lower-case form used for every key, ordering and
 * ancestry tests (RFC 4034 §6.1), and conversion to and from presentation text.
 *
 * A "wire name" here is always uncompressed: a run of length-prefixed labels ending in the
 * root label (0), at most WIRE_NAME_MAX bytes. Nothing allocates.
 */
#ifndef CAIRN_WIRE_NAME_H
#define CAIRN_WIRE_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_NAME_MAX 255  /* RFC 1035 §3.1, including the root label */
#define WIRE_LABEL_MAX 63
#define WIRE_NAME_TEXT_MAX 1024 /* enough for any name with \DDD escapes */

enum wire_name_error {
	WIRE_NAME_OK = 0,
	WIRE_NAME_TRUNCATED = -1,   /* the packet ends inside the name */
	WIRE_NAME_TOO_LONG = -2,    /* over 255 bytes */
	WIRE_NAME_BAD_LABEL = -3,   /* label type 0x40/0x80 (RFC 6891 §5 retired them) */
	WIRE_NAME_BAD_POINTER = -4, /* compression pointer not strictly backwards: loop or junk */
	WIRE_NAME_BAD_TEXT = -5,    /* presentation form that is not a name */
};

/* Read the (possibly compressed) name at *pos in pkt into out, keeping its case; *pos moves past
 * the name as it stands in the packet. Returns the uncompressed length (>= 1) or a
 * wire_name_error. Pointers must point strictly before the label that holds them, which both
 * bounds the work and rejects every loop. */
int wire_name_unpack(const uint8_t *pkt, size_t len, size_t *pos, uint8_t out[WIRE_NAME_MAX]);

/* Skip a name in a packet without copying it (same checks as wire_name_unpack). */
int wire_name_skip(const uint8_t *pkt, size_t len, size_t *pos);

/* Length of an uncompressed wire name, root label included. */
size_t wire_name_len(const uint8_t *name);

/* Length of an uncompressed name that must end within max bytes; -1 if it does not, or if
 * it holds a pointer or a reserved label type (for names inside record data). */
int wire_name_len_bounded(const uint8_t *name, size_t max);

/* Lower-case ASCII letters in place: the canonical form (RFC 4034 §6.2). */
void wire_name_lower(uint8_t *name);

/* Case-insensitive equality. */
bool wire_name_equal(const uint8_t *a, const uint8_t *b);

/* Number of labels, root excluded ("." is 0, "example.com." is 2). */
unsigned wire_name_labels(const uint8_t *name);

/* Is name equal to or below parent? (case-insensitive) */
bool wire_name_is_subdomain(const uint8_t *name, const uint8_t *parent);

/* The name with its first label removed; the root stays the root. */
const uint8_t *wire_name_parent(const uint8_t *name);

/* Is the first label "*"? (RFC 4592 §2.1.1: a wildcard owner) */
bool wire_name_is_wildcard(const uint8_t *name);

/* RFC 4592 §2.1.1: "*." + name into out; false when the result would pass 255 bytes. */
bool wire_name_wildcard(const uint8_t *name, uint8_t out[WIRE_NAME_MAX]);

/* Canonical DNS name order (RFC 4034 §6.1): negative, zero or positive like strcmp. */
int wire_name_compare(const uint8_t *a, const uint8_t *b);

/* Presentation text ("www.example.com." or relative to origin when it has no final dot;
 * "@" means the origin) to wire form. origin may be NULL for absolute-only.
 * Handles \. and \DDD escapes. Returns length or WIRE_NAME_BAD_TEXT / WIRE_NAME_TOO_LONG. */
int wire_name_from_text(const char *text, const uint8_t *origin, uint8_t out[WIRE_NAME_MAX]);

/* Wire name to presentation text with a final dot, escaping as RFC 4343 §2.1 does. */
void wire_name_to_text(const uint8_t *name, char *buf, size_t size);

#endif
