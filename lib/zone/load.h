/*
 * load — filling a zone from presentation text with ldns: a zone file (RFC 1035 §5 master
 * format, $ORIGIN and $TTL honoured) or single record lines such as the config's records.
 * Errors come back as text with the zone file's line number, for the config loader to place.
 */
#ifndef CAIRN_ZONE_LOAD_H
#define CAIRN_ZONE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "zone.h"

#define ZONE_DEFAULT_TTL 300 /* records written without a TTL */

/* Read a zone file into z. Returns 0, or -1 with "line N: reason" in err. */
int zone_load_file(struct zone *z, const char *path, char *err, size_t errlen);

/* Add one record written as "OWNER TTL CLASS TYPE RDATA" relative to the zone apex. */
int zone_add_text_rr(struct zone *z, const char *text, char *err, size_t errlen);

/* The type number for a mnemonic ("A", "TYPE65"), 0 if unknown. */
uint16_t zone_type_from_text(const char *text);

#endif
