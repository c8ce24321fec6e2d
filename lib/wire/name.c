/* name — wire-format domain names (see name.h). */
#include "name.h"

#include <stdio.h>
#include <string.h>

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* RFC 1035 §4.1.4: a pointer is two bytes whose top bits are 11. We only follow pointers that
 * point strictly before the start of the label sequence holding them, so every jump goes
 * backwards and the walk ends in at most len steps. */
static int walk_name(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out)
{
	size_t p = *pos, end = 0, outlen = 0, seq_start = *pos;
	bool jumped = false;

	for (;;) {
		if (p >= len)
			return WIRE_NAME_TRUNCATED;
		uint8_t c = pkt[p];
		if ((c & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return WIRE_NAME_TRUNCATED;
			size_t target = ((size_t)(c & 0x3f) << 8) | pkt[p + 1];
			if (target >= seq_start)
				return WIRE_NAME_BAD_POINTER;
			if (!jumped)
				end = p + 2;
			jumped = true;
			p = seq_start = target;
			continue;
		}
		if (c & 0xc0)
			return WIRE_NAME_BAD_LABEL;
		if (p + 1 + c > len)
			return WIRE_NAME_TRUNCATED;
		if (outlen + 1 + c > WIRE_NAME_MAX)
			return WIRE_NAME_TOO_LONG;
		if (out)
			memcpy(out + outlen, pkt + p, 1 + (size_t)c);
		outlen += 1 + (size_t)c;
		p += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*pos = jumped ? end : p;
	return (int)outlen;
}

int wire_name_unpack(const uint8_t *pkt, size_t len, size_t *pos, uint8_t out[WIRE_NAME_MAX])
{
	return walk_name(pkt, len, pos, out);
}

int wire_name_skip(const uint8_t *pkt, size_t len, size_t *pos)
{
	return walk_name(pkt, len, pos, NULL);
}

size_t wire_name_len(const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p)
		p += 1 + *p;
	return (size_t)(p - name) + 1;
}

int wire_name_len_bounded(const uint8_t *name, size_t max)
{
	size_t o = 0;
	while (o < max) {
		uint8_t c = name[o];
		if (c & 0xc0)
			return -1;
		o += 1 + (size_t)c;
		if (c == 0)
			return o <= WIRE_NAME_MAX ? (int)o : -1;
	}
	return -1;
}

void wire_name_lower(uint8_t *name)
{
	while (*name) {
		uint8_t n = *name++;
		for (uint8_t i = 0; i < n; i++, name++)
			*name = lower(*name);
	}
}

bool wire_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t la = wire_name_len(a);
	if (la != wire_name_len(b))
		return false;
	for (size_t i = 0; i < la; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

unsigned wire_name_labels(const uint8_t *name)
{
	unsigned n = 0;
	while (*name) {
		name += 1 + *name;
		n++;
	}
	return n;
}

const uint8_t *wire_name_parent(const uint8_t *name)
{
	return *name ? name + 1 + *name : name;
}

bool wire_name_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	unsigned ln = wire_name_labels(name), lp = wire_name_labels(parent);
	if (ln < lp)
		return false;
	while (ln-- > lp)
		name = wire_name_parent(name);
	return wire_name_equal(name, parent);
}

/* Offsets of each label, left to right; returns the count. */
static unsigned label_offsets(const uint8_t *name, const uint8_t *offs[128])
{
	unsigned n = 0;
	while (*name && n < 128) {
		offs[n++] = name;
		name += 1 + *name;
	}
	return n;
}

int wire_name_compare(const uint8_t *a, const uint8_t *b)
{
	const uint8_t *la[128], *lb[128];
	unsigned na = label_offsets(a, la), nb = label_offsets(b, lb);

	/* RFC 4034 §6.1: compare from the most significant (rightmost) label down. */
	while (na > 0 && nb > 0) {
		const uint8_t *x = la[--na], *y = lb[--nb];
		uint8_t lx = x[0], ly = y[0];
		uint8_t n = lx < ly ? lx : ly;
		for (uint8_t i = 1; i <= n; i++) {
			uint8_t cx = lower(x[i]), cy = lower(y[i]);
			if (cx != cy)
				return cx < cy ? -1 : 1;
		}
		if (lx != ly)
			return lx < ly ? -1 : 1;
	}
	if (na == nb)
		return 0;
	return na < nb ? -1 : 1;
}

int wire_name_from_text(const char *text, const uint8_t *origin, uint8_t out[WIRE_NAME_MAX])
{
	size_t outlen = 0;
	const char *p = text;

	if (strcmp(text, "@") == 0) {
		if (!origin)
			return WIRE_NAME_BAD_TEXT;
		size_t ol = wire_name_len(origin);
		memcpy(out, origin, ol);
		return (int)ol;
	}
	if (strcmp(text, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	if (*p == '\0' || *p == '.')
		return WIRE_NAME_BAD_TEXT;

	bool absolute = false;
	while (*p) {
		size_t lab = outlen++;
		uint8_t n = 0;
		if (outlen >= WIRE_NAME_MAX)
			return WIRE_NAME_TOO_LONG;
		while (*p && *p != '.') {
			int c = (unsigned char)*p++;
			if (c == '\\') {
				if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
				    p[2] >= '0' && p[2] <= '9') {
					c = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
					if (c > 255)
						return WIRE_NAME_BAD_TEXT;
					p += 3;
				} else if (*p) {
					c = (unsigned char)*p++;
				} else {
					return WIRE_NAME_BAD_TEXT;
				}
			}
			if (n == WIRE_LABEL_MAX)
				return WIRE_NAME_BAD_TEXT;
			if (outlen >= WIRE_NAME_MAX - 1)
				return WIRE_NAME_TOO_LONG;
			out[outlen++] = (uint8_t)c;
			n++;
		}
		if (n == 0)
			return WIRE_NAME_BAD_TEXT; /* empty label: ".." */
		out[lab] = n;
		if (*p == '.') {
			p++;
			if (*p == '\0')
				absolute = true;
		}
	}
	if (absolute || !origin) {
		if (!absolute && !origin)
			return WIRE_NAME_BAD_TEXT;
		out[outlen++] = 0;
		return (int)outlen;
	}
	size_t ol = wire_name_len(origin);
	if (outlen + ol > WIRE_NAME_MAX)
		return WIRE_NAME_TOO_LONG;
	memcpy(out + outlen, origin, ol);
	return (int)(outlen + ol);
}

void wire_name_to_text(const uint8_t *name, char *buf, size_t size)
{
	size_t o = 0;
	if (size == 0)
		return;
	if (*name == 0) {
		snprintf(buf, size, ".");
		return;
	}
	while (*name) {
		uint8_t n = *name++;
		for (uint8_t i = 0; i < n; i++) {
			uint8_t c = *name++;
			char tmp[5];
			int w;
			if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' ||
			    c == '@' || c == '$')
				w = snprintf(tmp, sizeof(tmp), "\\%c", c);
			else if (c <= 0x20 || c >= 0x7f)
				w = snprintf(tmp, sizeof(tmp), "\\%03u", c);
			else
				w = snprintf(tmp, sizeof(tmp), "%c", c);
			if (o + (size_t)w + 2 > size)
				goto out;
			memcpy(buf + o, tmp, (size_t)w);
			o += (size_t)w;
		}
		buf[o++] = '.';
	}
out:
	buf[o] = '\0';
}

bool wire_name_is_wildcard(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

bool wire_name_wildcard(const uint8_t *name, uint8_t out[WIRE_NAME_MAX])
{
	size_t n = wire_name_len(name);
	if (n + 2 > WIRE_NAME_MAX)
		return false;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, name, n);
	return true;
}
