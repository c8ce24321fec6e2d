/*
 * servers — what the resolver remembers about each upstream server address (BIND's address
 * database, Unbound's infra cache): smoothed round-trip time and its variance (RFC 6298
 * maths), consecutive timeouts and failures with an exponential hold-down, and the quirks
 * learnt (does not speak EDNS, for a while). (Not echoing 0x20 case is not remembered here: one forged
 * packet with the right ID would otherwise switch 0x20 off for a server for good.)
 *
 * The iterator asks it for a retransmission timeout and for the best of a set of addresses.
 * Unknown servers score like a 376 ms server, so they are probed now and then while known
 * fast ones carry the load; a server that timed out or answered SERVFAIL/REFUSED, or was lame,
 * is held down for 1 s, 2 s, 4 s… (at most SRV_HOLD_MAX_MS) and chosen only when nothing
 * better is left. The table is bounded; the least recently used address is forgotten first.
 */
#ifndef CAIRN_ITERATOR_SERVERS_H
#define CAIRN_ITERATOR_SERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/lruhash.h"
#include "lib/util/netaddr.h"

#define SRV_RTO_UNKNOWN_MS 400   /* first timeout for a server never heard from */
#define SRV_RTO_MIN_MS 100       /* no retransmission sooner (scheduling noise on loaded hosts) */
#define SRV_RTO_MAX_MS 3000
#define SRV_SCORE_UNKNOWN_MS 376 /* how an unknown server ranks against known ones */
#define SRV_BAND_MS 400          /* servers this close to the best are picked at random */
#define SRV_HOLD_BASE_MS 1000
#define SRV_HOLD_MAX_MS 120000
#define SRV_NO_EDNS_MS 900000    /* how long "does not speak EDNS" is believed (15 min, like
				  * Unbound's infra-host-ttl): one forged reply must not turn EDNS
				  * off for good */

struct srv_info {
	struct lru_node node;     /* the table's links and hash; first */
	struct netaddr addr;
	bool known;              /* at least one answer measured */
	uint32_t srtt_ms;        /* smoothed RTT */
	uint32_t rttvar_ms;      /* RTT variance */
	uint32_t rto_ms;         /* current retransmission timeout (doubles on each timeout) */
	uint8_t timeouts;        /* consecutive timeouts */
	uint8_t failures;        /* consecutive SERVFAIL/REFUSED/lame/garbage answers */
	uint64_t held_until_ms;  /* avoided until then */
	uint64_t no_edns_until_ms; /* answered FORMERR/NOTIMP without OPT to a query with one:
				    * asked without EDNS until then (SRV_NO_EDNS_MS) */
};

/* Why a server failed, for the hold-down and the counters. */
enum srv_failure {
	SRV_TIMEOUT,      /* no answer in time */
	SRV_SERVFAIL,
	SRV_REFUSED,
	SRV_LAME,         /* not authoritative for the zone it was asked about */
	SRV_FORMERR,      /* FORMERR/NOTIMP, or an answer we could not parse */
	SRV_UNREACHABLE,  /* ICMP unreachable, TCP refused or reset: held down like a timeout */
};

struct servers;

struct servers *servers_new(size_t max_entries);
void servers_free(struct servers *s);

/* The record for an address, created when unknown (NULL only when out of memory). */
struct srv_info *servers_get(struct servers *s, const struct netaddr *a);

/* Has the address an entry already? (no creation) */
const struct srv_info *servers_peek(const struct servers *s, const struct netaddr *a);

/* Timeout to wait for an answer from this server. */
uint32_t servers_rto(const struct srv_info *i);

/* An answer came after rtt_ms: RFC 6298 §2.3 update, failures and hold-down cleared. */
void servers_answered(struct srv_info *i, uint32_t rtt_ms);

/* A query failed this way: count it, double the RTO on timeouts, hold the server down. */
void servers_failed(struct srv_info *i, enum srv_failure why, uint64_t now_ms);

/* Rank for choosing: lower is better; held-down servers rank after every other. */
uint64_t servers_score(const struct srv_info *i, uint64_t now_ms);

size_t servers_count(const struct servers *s);

#endif
