/*
 * dns.h — protocol constants shared by every module: header bits, RCODEs, types, classes,
 * EDNS and Extended DNS Error (RFC 8914) codes. Values only; no code.
 */
#ifndef CAIRN_WIRE_DNS_H
#define CAIRN_WIRE_DNS_H

#include <stdint.h>

#define DNS_HEADER_SIZE 12
#define DNS_MAX_UDP_NO_EDNS 512 /* RFC 1035 §4.2.1 */
#define DNS_MAX_MESSAGE 65535   /* TCP two-byte length, RFC 7766 §8 */

/* Header flag bits, in the 16-bit word after the ID (RFC 1035 §4.1.1, RFC 4035 §3.2). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE_SHIFT 11
#define DNS_OPCODE_MASK 0x0f

enum dns_opcode { DNS_OPCODE_QUERY = 0, DNS_OPCODE_IQUERY = 1, DNS_OPCODE_STATUS = 2,
		  DNS_OPCODE_NOTIFY = 4, DNS_OPCODE_UPDATE = 5 };

/* RCODEs; values above 15 need the EDNS extended-RCODE byte (RFC 6891 §6.1.3). */
enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16,
};

enum dns_class { DNS_CLASS_IN = 1, DNS_CLASS_CH = 3, DNS_CLASS_HS = 4, DNS_CLASS_NONE = 254,
		 DNS_CLASS_ANY = 255 };

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_SRV = 33,
	DNS_TYPE_DNAME = 39,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_DS = 43,
	DNS_TYPE_RRSIG = 46,
	DNS_TYPE_NSEC = 47,
	DNS_TYPE_DNSKEY = 48,
	DNS_TYPE_NSEC3 = 50,
	DNS_TYPE_TSIG = 250,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_MAILB = 253,
	DNS_TYPE_MAILA = 254,
	DNS_TYPE_ANY = 255,
};

/* EDNS(0) (RFC 6891) */
#define EDNS_FLAG_DO 0x8000        /* RFC 3225 */
#define EDNS_OPTION_EDE 15         /* RFC 8914 */
#define EDNS_MIN_PAYLOAD 512       /* smaller advertised sizes are treated as 512, §6.2.5 */

/* Extended DNS Error INFO-CODEs (RFC 8914 §4). */
enum ede_code {
	EDE_NONE = -1,
	EDE_OTHER = 0,
	EDE_UNSUPPORTED_DNSKEY_ALG = 1,
	EDE_UNSUPPORTED_DS_DIGEST = 2,
	EDE_STALE_ANSWER = 3,
	EDE_FORGED_ANSWER = 4,
	EDE_DNSSEC_INDETERMINATE = 5,
	EDE_DNSSEC_BOGUS = 6,
	EDE_SIGNATURE_EXPIRED = 7,
	EDE_SIGNATURE_NOT_YET_VALID = 8,
	EDE_DNSKEY_MISSING = 9,
	EDE_RRSIGS_MISSING = 10,
	EDE_NO_ZONE_KEY_BIT = 11,
	EDE_NSEC_MISSING = 12,
	EDE_CACHED_ERROR = 13,
	EDE_NOT_READY = 14,
	EDE_BLOCKED = 15,
	EDE_CENSORED = 16,
	EDE_FILTERED = 17,
	EDE_PROHIBITED = 18,
	EDE_STALE_NXDOMAIN = 19,
	EDE_NOT_AUTHORITATIVE = 20,
	EDE_NOT_SUPPORTED = 21,
	EDE_NO_REACHABLE_AUTHORITY = 22,
	EDE_NETWORK_ERROR = 23,
	EDE_INVALID_DATA = 24,
	EDE_UNSUPPORTED_NSEC3_ITERATIONS = 27,
};

static inline uint16_t wire_read_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t wire_read_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void wire_write_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_write_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
