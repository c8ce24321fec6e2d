/* builder — DNS message writer with compression and truncation (see builder.h). */
#include "builder.h"

#include <string.h>

#include "dns.h"
#include "name.h"

void wire_builder_init(struct wire_builder *b, uint8_t *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	b->limit = cap;
}

static void write_counts(struct wire_builder *b)
{
	for (int i = 0; i < 3; i++)
		wire_write_u16(b->buf + 6 + 2 * i, b->counts[i]);
}

void wire_builder_header(struct wire_builder *b, uint16_t id, uint16_t flags, unsigned rcode)
{
	memset(b->buf, 0, DNS_HEADER_SIZE);
	wire_write_u16(b->buf, id);
	wire_write_u16(b->buf + 2, (uint16_t)((flags & ~0x000fu) | (rcode & 0x0f)));
	b->len = DNS_HEADER_SIZE;
	b->ncomp = 0;
	memset(b->counts, 0, sizeof(b->counts));
}

void wire_builder_set_flag(struct wire_builder *b, uint16_t flag, bool on)
{
	uint16_t f = wire_read_u16(b->buf + 2);
	wire_write_u16(b->buf + 2, on ? (uint16_t)(f | flag) : (uint16_t)(f & ~flag));
}

/* Does the (possibly compressed) name at off in the message equal name? */
static bool name_at_equals(const struct wire_builder *b, size_t off, const uint8_t *name)
{
	uint8_t tmp[WIRE_NAME_MAX];
	size_t pos = off;
	if (wire_name_unpack(b->buf, b->len, &pos, tmp) < 0)
		return false;
	return wire_name_equal(tmp, name);
}

static int find_compression(const struct wire_builder *b, const uint8_t *suffix)
{
	for (unsigned i = 0; i < b->ncomp; i++)
		if (name_at_equals(b, b->comp[i], suffix))
			return b->comp[i];
	return -1;
}

/* Write name at b->len, compressed against earlier names; remember its new labels.
 * Returns bytes written or -1 if it passes end. */
static int put_name(struct wire_builder *b, const uint8_t *name, size_t end, bool compress)
{
	size_t start = b->len, o = b->len;
	const uint8_t *p = name;
	uint16_t new_labels[128];
	unsigned nnew = 0;

	while (*p) {
		int ptr = compress ? find_compression(b, p) : -1;
		if (ptr >= 0) {
			if (o + 2 > end)
				return -1;
			wire_write_u16(b->buf + o, (uint16_t)(0xc000 | ptr));
			o += 2;
			goto done;
		}
		if (o + 1 + *p > end)
			return -1;
		if (o < 0x3fff && nnew < 128)
			new_labels[nnew++] = (uint16_t)o;
		memcpy(b->buf + o, p, 1 + (size_t)*p);
		o += 1 + (size_t)*p;
		p += 1 + *p;
	}
	if (o + 1 > end)
		return -1;
	b->buf[o++] = 0;
done:
	for (unsigned i = 0; i < nnew && b->ncomp < WIRE_COMP_MAX; i++)
		b->comp[b->ncomp++] = new_labels[i];
	b->len = o;
	return (int)(o - start);
}

int wire_builder_question(struct wire_builder *b, const uint8_t *qname, uint16_t qtype,
			  uint16_t qclass)
{
	size_t save = b->len;
	unsigned savecomp = b->ncomp;
	if (put_name(b, qname, b->cap, true) < 0 || b->len + 4 > b->cap) {
		b->len = save;
		b->ncomp = savecomp;
		return -1;
	}
	wire_write_u16(b->buf + b->len, qtype);
	wire_write_u16(b->buf + b->len + 2, qclass);
	b->len += 4;
	wire_write_u16(b->buf + 4, 1);
	return 0;
}

/* How many names the data of an RFC 1035 type carries (NS, CNAME, PTR: 1; SOA: 2; MX: 1
 * after 2 fixed bytes): the ones the builder compresses (RFC 3597 §4 allows no others). */
static int rdata_names(uint16_t type, size_t *skip)
{
	*skip = 0;
	switch (type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		return 1;
	case DNS_TYPE_SOA:
		return 2;
	case DNS_TYPE_MX:
		*skip = 2;
		return 1;
	default:
		return 0;
	}
}

bool wire_rdata_well_formed(uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	size_t in;
	int names = rdata_names(type, &in);
	if (in > rdlen)
		return false;
	for (int i = 0; i < names; i++) {
		int nl = wire_name_len_bounded(rd + in, rdlen - in);
		if (nl < 0)
			return false;
		in += (size_t)nl;
	}
	return true;
}

/* Copy rdata, compressing the embedded names of the RFC 1035 types; data whose names are
 * malformed is copied as it is rather than read past its end. */
static int put_rdata(struct wire_builder *b, uint16_t type, const uint8_t *rd, uint16_t rdlen,
		     size_t end)
{
	size_t skip, in;
	int names = rdata_names(type, &skip);
	if (names == 0 || !wire_rdata_well_formed(type, rd, rdlen)) {
		if (b->len + rdlen > end)
			return -1;
		memcpy(b->buf + b->len, rd, rdlen);
		b->len += rdlen;
		return 0;
	}
	if (b->len + skip > end)
		return -1;
	memcpy(b->buf + b->len, rd, skip);
	b->len += skip;
	in = skip;
	for (int i = 0; i < names; i++) {
		const uint8_t *n = rd + in;
		if (put_name(b, n, end, true) < 0)
			return -1;
		in += wire_name_len(n);
	}
	if (b->len + (rdlen - in) > end)
		return -1;
	memcpy(b->buf + b->len, rd + in, rdlen - in);
	b->len += rdlen - in;
	return 0;
}

int wire_builder_rr(struct wire_builder *b, enum wire_section s, const uint8_t *owner,
		    uint16_t type, uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
		    uint16_t rdlen)
{
	size_t save = b->len;
	unsigned savecomp = b->ncomp;
	size_t end = b->limit < b->cap ? b->limit : b->cap;

	if (put_name(b, owner, end, true) < 0 || b->len + 10 > end)
		goto nofit;
	uint8_t *fixed = b->buf + b->len;
	wire_write_u16(fixed, type);
	wire_write_u16(fixed + 2, rclass);
	wire_write_u32(fixed + 4, ttl);
	b->len += 10;
	size_t rd_start = b->len;
	if (put_rdata(b, type, rdata, rdlen, end) < 0)
		goto nofit;
	wire_write_u16(fixed + 8, (uint16_t)(b->len - rd_start));
	b->counts[s]++;
	write_counts(b);
	return 0;
nofit:
	b->len = save;
	b->ncomp = savecomp;
	return -1;
}

size_t wire_opt_size(const struct wire_opt *opt)
{
	size_t n = 11; /* root owner, type, class, ttl, rdlength */
	if (opt->ede_code != EDE_NONE) {
		size_t t = opt->ede_text ? strlen(opt->ede_text) : 0;
		n += 4 + 2 + (t > WIRE_EDE_TEXT_MAX ? WIRE_EDE_TEXT_MAX : t);
	}
	return n;
}

int wire_builder_opt(struct wire_builder *b, const struct wire_opt *opt)
{
	size_t need = wire_opt_size(opt);
	if (b->len + need > b->cap)
		return -1;
	uint8_t *p = b->buf + b->len;
	p[0] = 0; /* root owner */
	wire_write_u16(p + 1, DNS_TYPE_OPT);
	wire_write_u16(p + 3, opt->udp_size);
	/* RFC 6891 §6.1.3: TTL = extended RCODE, version, DO + Z */
	uint32_t ttl = ((uint32_t)opt->ext_rcode << 24) | (opt->do_bit ? EDNS_FLAG_DO : 0);
	wire_write_u32(p + 5, ttl);
	wire_write_u16(p + 9, (uint16_t)(need - 11));
	if (opt->ede_code != EDE_NONE) {
		/* RFC 8914 §2: OPTION-CODE 15, INFO-CODE, EXTRA-TEXT (UTF-8, not NUL-ended) */
		size_t t = need - 11 - 6;
		wire_write_u16(p + 11, EDNS_OPTION_EDE);
		wire_write_u16(p + 13, (uint16_t)(2 + t));
		wire_write_u16(p + 15, (uint16_t)opt->ede_code);
		if (t)
			memcpy(p + 17, opt->ede_text, t);
	}
	b->len += need;
	b->counts[WIRE_ADDITIONAL]++;
	write_counts(b);
	return 0;
}

void wire_builder_clear_records(struct wire_builder *b, size_t question_end)
{
	b->len = question_end;
	memset(b->counts, 0, sizeof(b->counts));
	write_counts(b);
	/* Compression entries past the question now point at nothing. */
	unsigned keep = 0;
	for (unsigned i = 0; i < b->ncomp; i++)
		if (b->comp[i] < question_end)
			b->comp[keep++] = b->comp[i];
	b->ncomp = keep;
}
