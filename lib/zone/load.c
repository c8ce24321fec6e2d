/* load — zone data from text through ldns (see load.h). */
#define _POSIX_C_SOURCE 200809L
#include "load.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Hand one parsed ldns record to the zone in wire form. */
static int add_ldns_rr(struct zone *z, const ldns_rr *rr, char *err, size_t errlen)
{
	ldns_buffer *buf = ldns_buffer_new(512);
	int rc = -1;
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(buf) > 65535) {
		snprintf(err, errlen, "record data cannot be encoded");
		goto out;
	}
	const ldns_rdf *owner = ldns_rr_owner(rr);
	rc = zone_add_rr(z, ldns_rdf_data(owner), (uint16_t)ldns_rr_get_type(rr),
			 ldns_rr_ttl(rr), ldns_buffer_begin(buf),
			 (uint16_t)ldns_buffer_position(buf), err, errlen);
out:
	ldns_buffer_free(buf);
	return rc;
}

static ldns_rdf *apex_rdf(const struct zone *z)
{
	return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire_name_len(z->apex), z->apex);
}

/* Line numbers by our own count: ldns's counter drifts around directives, blank lines and
 * final newlines. Records are read in file order, so the count only moves forward. */
struct line_counter {
	size_t pos; /* bytes counted so far */
	int line;   /* line number at pos */
};

/* The line of the first record text at or after byte off: blank lines and comments that ldns
 * skips before a record do not count. */
static int record_line(struct line_counter *lc, const char *buf, size_t len, size_t off)
{
	size_t p = off;
	for (;;) {
		while (p < len && (buf[p] == ' ' || buf[p] == '\t' || buf[p] == '\n' || buf[p] == '\r'))
			p++;
		if (p < len && buf[p] == ';') {
			while (p < len && buf[p] != '\n')
				p++;
			continue;
		}
		break;
	}
	for (; lc->pos < p && lc->pos < len; lc->pos++)
		lc->line += buf[lc->pos] == '\n';
	return lc->line;
}

#define ZONE_FILE_MAX (256u << 20) /* refuse zone files over 256 MiB */

/* The whole file, which must be a regular file under ZONE_FILE_MAX; NULL with a reason. */
static char *slurp(FILE *fp, size_t *len, char *why, size_t whylen)
{
	struct stat st;
	if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		return NULL;
	}
	if ((uint64_t)st.st_size > ZONE_FILE_MAX) {
		snprintf(why, whylen, "larger than %u MiB", ZONE_FILE_MAX >> 20);
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	while (n < cap) {
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp) || n >= cap) {
		snprintf(why, whylen, ferror(fp) ? "read error" : "file grew while read");
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Read record by record (not ldns_zone_new_frm_fp_l) so that every error, including the
 * ones found after parsing, names its line, and nothing parsed is lost on an error. */
int zone_load_file(struct zone *z, const char *path, char *err, size_t errlen)
{
	FILE *file = fopen(path, "r");
	if (!file) {
		snprintf(err, errlen, "cannot open zone file %s: %s", path, strerror(errno));
		return -1;
	}
	size_t len = 0;
	char why[64];
	char *text = slurp(file, &len, why, sizeof(why));
	fclose(file);
	if (!text) {
		snprintf(err, errlen, "cannot read zone file %s: %s", path, why);
		return -1;
	}
	FILE *fp = fmemopen(text, len ? len : 1, "r");
	if (!fp) {
		free(text);
		snprintf(err, errlen, "cannot read zone file %s: out of memory", path);
		return -1;
	}
	if (len == 0)
		fgetc(fp); /* an empty file: fmemopen needs one byte, reach EOF at once */
	ldns_rdf *origin = apex_rdf(z), *prev = NULL;
	uint32_t ttl = ZONE_DEFAULT_TTL;
	int ldns_line = 0, rc = 0, soa_line = 0;
	struct line_counter lines = { 0, 1 };
	char rrerr[256];

	while (rc == 0 && !feof(fp)) {
		ldns_rr *rr = NULL;
		long off = ftell(fp);
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &ldns_line);
		int line = record_line(&lines, text, len, off < 0 ? 0 : (size_t)off);
		switch (st) {
		case LDNS_STATUS_OK:
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && soa_line) {
				snprintf(err, errlen, "zone file %s line %d: a second SOA record "
					 "(the first is on line %d; a zone has exactly one)",
					 path, line, soa_line);
				rc = -1;
			} else if (add_ldns_rr(z, rr, rrerr, sizeof(rrerr)) < 0) {
				snprintf(err, errlen, "zone file %s line %d: %s", path, line, rrerr);
				rc = -1;
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
				soa_line = line;
			}
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:  /* blank line or comment */
		case LDNS_STATUS_SYNTAX_TTL:    /* $TTL, applied by ldns */
		case LDNS_STATUS_SYNTAX_ORIGIN: /* $ORIGIN, applied by ldns */
			break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			snprintf(err, errlen, "zone file %s line %d: $INCLUDE is not supported",
				 path, line);
			rc = -1;
			break;
		default:
			snprintf(err, errlen, "zone file %s line %d: %s", path, line,
				 ldns_get_errorstr_by_id(st));
			rc = -1;
			break;
		}
		ldns_rr_free(rr);
	}
	fclose(fp);
	free(text);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return rc;
}

int zone_add_text_rr(struct zone *z, const char *text, char *err, size_t errlen)
{
	ldns_rdf *origin = apex_rdf(z);
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, text, ZONE_DEFAULT_TTL, origin, NULL);
	int rc = -1;
	if (st != LDNS_STATUS_OK) {
		snprintf(err, errlen, "%s", ldns_get_errorstr_by_id(st));
		goto out;
	}
	rc = add_ldns_rr(z, rr, err, errlen);
out:
	ldns_rr_free(rr);
	ldns_rdf_deep_free(origin);
	return rc;
}

uint16_t zone_type_from_text(const char *text)
{
	/* RFC 3597 §5: TYPEnnn names a 16-bit type; ldns reads bigger numbers too. */
	unsigned long t = (unsigned long)ldns_get_rr_type_by_name(text);
	return t > 0xffff ? 0 : (uint16_t)t;
}
