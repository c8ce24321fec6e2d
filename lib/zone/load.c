/* load — zone data from text through ldns (see load.h). */
#define _POSIX_C_SOURCE 200809L
#include "load.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

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

int zone_load_file(struct zone *z, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "cannot open zone file %s: %s", path, strerror(errno));
		return -1;
	}
	ldns_rdf *origin = apex_rdf(z);
	ldns_zone *lz = NULL;
	int line = 0, rc = -1;
	ldns_status st = ldns_zone_new_frm_fp_l(&lz, fp, origin, ZONE_DEFAULT_TTL,
						LDNS_RR_CLASS_IN, &line);
	fclose(fp);
	if (st != LDNS_STATUS_OK) {
		snprintf(err, errlen, "zone file %s line %d: %s", path, line,
			 ldns_get_errorstr_by_id(st));
		goto out;
	}
	char rrerr[256];
	if (ldns_zone_soa(lz) && add_ldns_rr(z, ldns_zone_soa(lz), rrerr, sizeof(rrerr)) < 0) {
		snprintf(err, errlen, "zone file %s: %s", path, rrerr);
		goto out;
	}
	ldns_rr_list *rrs = ldns_zone_rrs(lz);
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		if (add_ldns_rr(z, ldns_rr_list_rr(rrs, i), rrerr, sizeof(rrerr)) < 0) {
			snprintf(err, errlen, "zone file %s: %s", path, rrerr);
			goto out;
		}
	}
	rc = 0;
out:
	if (lz)
		ldns_zone_deep_free(lz);
	ldns_rdf_deep_free(origin);
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
	return (uint16_t)ldns_get_rr_type_by_name(text);
}
