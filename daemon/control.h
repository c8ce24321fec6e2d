/*
 * control — the control socket that cairnctl talks to: a UNIX stream socket on the worker's
 * loop (control.socket, mode 0660). Each connection carries one request line and gets one
 * reply, then the daemon closes it (on the main thread's loop; stats are summed over every
 * worker thread, flushes act on the caches they share):
 *
 *   flush NAME | flush --below NAME | flush --negative | flush --all | stats [--json]
 *   test-answer NAME TYPE [--vpc NAME | --client IP] [--json]
 *
 * The reply's first line is "ok", "ok: TEXT" or "error: TEXT"; a body may follow ("stats":
 * "key: value" lines, or one JSON object with --json). Everything is bounded: the request
 * line (CONTROL_LINE_MAX), the connections open at once (CONTROL_MAX_CLIENTS) and the life of
 * each (CONTROL_TIMEOUT_MS).
 *
 * The request parser and the stats formatter (control_request.c) are pure functions, no
 * I/O, for the unit tests; the server (control.c) owns its socket file: it creates it at
 * control_open() and removes it at control_close(), unless another process has put its own
 * file there meanwhile.
 */
#ifndef CAIRN_DAEMON_CONTROL_H
#define CAIRN_DAEMON_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/wire/name.h"

#define CONTROL_LINE_MAX 1024     /* bytes of a request line, newline excluded */
#define CONTROL_MAX_CLIENTS 16    /* control connections open at once; more are refused */
#define CONTROL_TIMEOUT_MS 2000   /* a connection is closed this long after it was accepted */
#define CONTROL_REPLY_MAX 8192    /* bytes of one reply */
#define CONTROL_ERROR_MAX (CONTROL_LINE_MAX + 128) /* an error text, which may quote the line */

enum control_command {
	CONTROL_FLUSH_NAME,      /* flush NAME: every cache entry owned by the name */
	CONTROL_FLUSH_BELOW,     /* flush --below NAME: the name and every name below it */
	CONTROL_FLUSH_NEGATIVE,  /* flush --negative: every NXDOMAIN and NODATA */
	CONTROL_FLUSH_ALL,       /* flush --all: the whole cache */
	CONTROL_STATS,           /* stats [--json] */
	CONTROL_TEST_ANSWER,     /* test-answer NAME TYPE [--vpc NAME | --client IP] [--json] */
};

#define CONTROL_VPC_NAME_MAX 128

/* Whose view a test-answer takes. */
enum control_view { CONTROL_VIEW_DEFAULT, CONTROL_VIEW_VPC, CONTROL_VIEW_CLIENT };

/* One parsed request line. */
struct control_request {
	enum control_command command;
	bool json;                      /* stats / test-answer --json */
	uint8_t name[WIRE_NAME_MAX];    /* flush NAME / --below NAME: canonical (lower case);
					 * test-answer NAME: as typed */
	uint16_t qtype;                 /* test-answer TYPE */
	enum control_view view;         /* test-answer: --vpc, --client or neither */
	char vpc[CONTROL_VPC_NAME_MAX]; /* --vpc NAME */
	int family;                     /* --client IP: AF_INET or AF_INET6 */
	uint8_t addr[16];
};

/* Parse one request line of len bytes (its newline, and a carriage return before it,
 * already removed). Returns 0 and fills req, or -1 with the reason for the client in err
 * (without the "error: " prefix), e.g. "'x..y' is not a domain name". */
int control_parse_request(const char *line, size_t len, struct control_request *req,
			  char *err, size_t errlen);

/* A reply being written into a fixed buffer; remembers when something did not fit. */
struct out_buf {
	char *s;
	size_t len, cap;
	bool full;
};

/* Append to o, unless it is full already; what does not fit whole makes it full. */
void out_printf(struct out_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One counter of "stats". */
struct control_stat {
	const char *key;        /* kebab-case, the same as in the log's "stats:" lines */
	uint64_t value;
};

/* Write the counters as "key: value" lines, or as one JSON object ({"key": value, ...}) on
 * one line, each ending in a newline. Returns the length, or 0 when cap is too small. */
size_t control_format_stats(const struct control_stat *stats, size_t n, bool json, char *out,
			    size_t cap);

struct pool;
struct control;

/* Create the socket file at path (its parent folder too, mode 0755, if missing) and listen on
 * w's loop. A leftover socket that nothing answers on is replaced; one that answers (another
 * cairnd) or a file that is not a socket is an error. Returns the server, or NULL after
 * logging why. */
struct control *control_open(struct pool *pool, const char *path);

/* Close the socket and every control connection, and remove the socket file. The server
 * frees itself once its handles have closed (the loop must run). NULL is a no-op. */
void control_close(struct control *c);

#endif
