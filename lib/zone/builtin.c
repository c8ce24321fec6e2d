/* builtin — the locally served special-use zones (see builtin.h). */
#include "builtin.h"

#include <stdio.h>

#include "load.h"

/* RFC 6303 §3: the SOA and NS every locally served empty zone carries. */
static const char *const empty_zone_records[] = {
	"@ 10800 IN SOA @ nobody.invalid. 1 3600 1200 604800 10800",
	"@ 10800 IN NS @",
	NULL,
};

/* RFC 6761 §6.3: localhost and every name below it are the loopback addresses. */
static const char *const localhost_records[] = {
	"@ 10800 IN A 127.0.0.1",
	"@ 10800 IN AAAA ::1",
	"* 10800 IN A 127.0.0.1",
	"* 10800 IN AAAA ::1",
	NULL,
};

static const char *const loopback4_records[] = {
	"1.0.0.127.in-addr.arpa. 10800 IN PTR localhost.",
	NULL,
};

static const char *const loopback6_records[] = {
	"@ 10800 IN PTR localhost.",
	NULL,
};

struct builtin {
	const char *apex;
	const char *const *records; /* besides SOA and NS */
};

#define LOOPBACK6_REVERSE \
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."
#define UNSPEC6_REVERSE \
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."
#define SHARED(n) { #n ".100.in-addr.arpa.", NULL }

static const struct builtin builtins[] = {
	{ "localhost.", localhost_records },
	{ "invalid.", NULL },
	{ "onion.", NULL },
	{ "home.arpa.", NULL },
	{ "127.in-addr.arpa.", loopback4_records },
	{ LOOPBACK6_REVERSE, loopback6_records },
	{ UNSPEC6_REVERSE, NULL },
	{ "0.in-addr.arpa.", NULL },
	{ "10.in-addr.arpa.", NULL },
	{ "16.172.in-addr.arpa.", NULL }, { "17.172.in-addr.arpa.", NULL },
	{ "18.172.in-addr.arpa.", NULL }, { "19.172.in-addr.arpa.", NULL },
	{ "20.172.in-addr.arpa.", NULL }, { "21.172.in-addr.arpa.", NULL },
	{ "22.172.in-addr.arpa.", NULL }, { "23.172.in-addr.arpa.", NULL },
	{ "24.172.in-addr.arpa.", NULL }, { "25.172.in-addr.arpa.", NULL },
	{ "26.172.in-addr.arpa.", NULL }, { "27.172.in-addr.arpa.", NULL },
	{ "28.172.in-addr.arpa.", NULL }, { "29.172.in-addr.arpa.", NULL },
	{ "30.172.in-addr.arpa.", NULL }, { "31.172.in-addr.arpa.", NULL },
	{ "168.192.in-addr.arpa.", NULL },
	{ "254.169.in-addr.arpa.", NULL },
	{ "2.0.192.in-addr.arpa.", NULL },
	{ "100.51.198.in-addr.arpa.", NULL },
	{ "113.0.203.in-addr.arpa.", NULL },
	{ "255.255.255.255.in-addr.arpa.", NULL },
	{ "d.f.ip6.arpa.", NULL },
	{ "8.e.f.ip6.arpa.", NULL }, { "9.e.f.ip6.arpa.", NULL },
	{ "a.e.f.ip6.arpa.", NULL }, { "b.e.f.ip6.arpa.", NULL },
	{ "8.b.d.0.1.0.0.2.ip6.arpa.", NULL },
	/* RFC 7793: shared address space 100.64.0.0/10 */
	SHARED(64), SHARED(65), SHARED(66), SHARED(67), SHARED(68), SHARED(69), SHARED(70),
	SHARED(71), SHARED(72), SHARED(73), SHARED(74), SHARED(75), SHARED(76), SHARED(77),
	SHARED(78), SHARED(79), SHARED(80), SHARED(81), SHARED(82), SHARED(83), SHARED(84),
	SHARED(85), SHARED(86), SHARED(87), SHARED(88), SHARED(89), SHARED(90), SHARED(91),
	SHARED(92), SHARED(93), SHARED(94), SHARED(95), SHARED(96), SHARED(97), SHARED(98),
	SHARED(99), SHARED(100), SHARED(101), SHARED(102), SHARED(103), SHARED(104),
	SHARED(105), SHARED(106), SHARED(107), SHARED(108), SHARED(109), SHARED(110),
	SHARED(111), SHARED(112), SHARED(113), SHARED(114), SHARED(115), SHARED(116),
	SHARED(117), SHARED(118), SHARED(119), SHARED(120), SHARED(121), SHARED(122),
	SHARED(123), SHARED(124), SHARED(125), SHARED(126), SHARED(127),
};

size_t builtin_zone_count(void)
{
	return sizeof(builtins) / sizeof(builtins[0]);
}

const char *builtin_zone_name(size_t i)
{
	return builtins[i].apex;
}

bool builtin_zone_matches(const uint8_t *name)
{
	uint8_t apex[WIRE_NAME_MAX];
	for (size_t i = 0; i < builtin_zone_count(); i++)
		if (wire_name_from_text(builtins[i].apex, NULL, apex) > 0 &&
		    wire_name_is_subdomain(apex, name))
			return true;
	return false;
}

static int add_all(struct zone *z, const char *const *records, char *err, size_t errlen)
{
	for (; records && *records; records++)
		if (zone_add_text_rr(z, *records, err, errlen) < 0)
			return -1;
	return 0;
}

struct zone *builtin_zone_build(size_t i, char *err, size_t errlen)
{
	uint8_t apex[WIRE_NAME_MAX];
	if (wire_name_from_text(builtins[i].apex, NULL, apex) < 0) {
		snprintf(err, errlen, "bad built-in zone name %s", builtins[i].apex);
		return NULL;
	}
	struct zone *z = zone_new(apex);
	if (!z) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (add_all(z, empty_zone_records, err, errlen) < 0 ||
	    add_all(z, builtins[i].records, err, errlen) < 0 || zone_finish(z, err, errlen) < 0) {
		zone_free(z);
		return NULL;
	}
	return z;
}
