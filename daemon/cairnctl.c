/*
 * cairnctl — the operator's tool for a running cairnd: remove cache entries, read counters.
 * It sends one request line to cairnd's control socket (control.socket), prints the reply
 * and exits 0 when cairnd did it, 1 when cairnd refused it, 2 on bad usage or when no cairnd
 * answers. The protocol is described in daemon/control.h; this file shares no code with the
 * daemon, only plain POSIX sockets.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/cairn/cairnd.sock"
#define REQUEST_MAX 4096    /* what cairnctl sends at most (cairnd itself takes 1024) */
#define REPLY_MAX 65536     /* what cairnctl reads at most (cairnd sends far less) */
#define TIMEOUT_S 5         /* for each send and receive: cairnd answers at once */
#define TEST_TIMEOUT_S 60   /* test-answer may wait for a resolution (request-timeout) */

enum exit_code { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_TROUBLE = 2 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cairnctl [-s SOCKET] COMMAND\n"
		"commands:\n"
		"  flush NAME            remove every cache entry of NAME (records, NODATA, "
		"NXDOMAIN)\n"
		"  flush --below NAME    the same for NAME and every name below it\n"
		"  flush --negative      remove every cached NXDOMAIN and NODATA\n"
		"  flush --all           empty the cache\n"
		"  stats [--json]        the cache and the other counters: \"key: value\" lines, "
		"or JSON\n"
		"  test-answer NAME TYPE [--vpc NAME | --client IP] [--json]\n"
		"                        the answer a client of that VPC (or address, or the "
		"default view)\n"
		"                        gets, and the rule or private zone that decided it\n"
		"options:\n"
		"  -s SOCKET             cairnd's control.socket (default " DEFAULT_SOCKET ")\n"
		"  -h, --help            this help\n"
		"exit status: 0 done, 1 cairnd refused the request, 2 bad usage or no cairnd "
		"answering\n");
}

static bool is_option(const char *word)
{
	return word[0] == '-';
}

/* Is words[0..n) one of the commands? (Whether a NAME is a domain name is cairnd's call.) */
static bool valid_command(char **words, int n)
{
	if (n >= 1 && !strcmp(words[0], "test-answer")) {
		if (n < 3 || is_option(words[1]) || is_option(words[2]))
			return false;
		for (int i = 3; i < n; i++) {
			if (!strcmp(words[i], "--json"))
				continue;
			if ((strcmp(words[i], "--vpc") && strcmp(words[i], "--client")) || i + 1 >= n)
				return false;
			i++;
		}
		return true;
	}
	if (n >= 1 && !strcmp(words[0], "stats"))
		return n == 1 || (n == 2 && !strcmp(words[1], "--json"));
	if (n < 2 || strcmp(words[0], "flush") != 0)
		return false;
	if (!strcmp(words[1], "--negative") || !strcmp(words[1], "--all"))
		return n == 2;
	if (!strcmp(words[1], "--below"))
		return n == 3 && !is_option(words[2]);
	return n == 2 && !is_option(words[1]);
}

/* The request line is words joined by spaces: a word must not hold a separator. */
static bool plain_word(const char *word)
{
	for (const unsigned char *p = (const unsigned char *)word; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int build_request(char **words, int n, char *out, size_t cap, size_t *len)
{
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		if (!plain_word(words[i])) {
			fprintf(stderr, "cairnctl: '%s' holds a space or a control character\n",
				words[i]);
			return -1;
		}
		size_t wl = strlen(words[i]);
		if (o + wl + 2 > cap) {
			fprintf(stderr, "cairnctl: the request is longer than %zu bytes\n", cap);
			return -1;
		}
		if (i)
			out[o++] = ' ';
		memcpy(out + o, words[i], wl);
		o += wl;
	}
	out[o++] = '\n';
	*len = o;
	return 0;
}

static int wait_s = TIMEOUT_S; /* how long a send or a receive may take */

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "cairnctl: socket path longer than %zu bytes: %s\n",
			sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "cairnctl: socket: %s\n", strerror(errno));
		return -1;
	}
	struct timeval tv = { .tv_sec = wait_s };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "cairnctl: no cairnd at %s (connect: %s)\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Send the request and read the reply until cairnd closes. Returns the reply's length, or
 * -1 after saying why. */
static ssize_t exchange(int fd, const char *path, const char *req, size_t len, char *reply,
			size_t cap)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* cairnd may have answered already (an error) and closed: read it. */
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			fprintf(stderr, "cairnctl: cannot send to cairnd at %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	size_t got = 0;
	while (got < cap) {
		ssize_t n = recv(fd, reply + got, cap - got, 0);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* A reset after the reply is only the end of it. */
			if (errno == ECONNRESET && got > 0)
				break;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				fprintf(stderr, "cairnctl: no reply from cairnd at %s within %d s\n",
					path, wait_s);
			else
				fprintf(stderr, "cairnctl: cannot read the reply of cairnd at %s: %s\n",
					path, strerror(errno));
			return -1;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* "ok" / "ok: TEXT" then the body to stdout; "error: TEXT" to stderr. */
static int print_reply(const char *path, const char *reply, size_t len)
{
	const char *nl = memchr(reply, '\n', len);
	if (len == 0 || !nl) {
		fprintf(stderr, "cairnctl: cairnd at %s closed the connection without a reply\n",
			path);
		return EXIT_TROUBLE;
	}
	size_t first = (size_t)(nl - reply);
	const char *body = nl + 1;
	size_t body_len = len - first - 1;
	if (first >= 7 && !memcmp(reply, "error: ", 7)) {
		fprintf(stderr, "cairnctl: %.*s\n", (int)(first - 7), reply + 7);
		fwrite(body, 1, body_len, stderr);
		return EXIT_REFUSED;
	}
	if (first == 2 && !memcmp(reply, "ok", 2)) {
		fwrite(body, 1, body_len, stdout);
	} else if (first >= 4 && !memcmp(reply, "ok: ", 4)) {
		printf("%.*s\n", (int)(first - 4), reply + 4);
		fwrite(body, 1, body_len, stdout);
	} else {
		fprintf(stderr, "cairnctl: unexpected reply from %s: %.*s\n", path,
			(int)(first > 80 ? 80 : first), reply);
		return EXIT_TROUBLE;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "cairnctl: cannot write the reply: %s\n", strerror(errno));
		return EXIT_TROUBLE;
	}
	return EXIT_DONE;
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_SOCKET;
	int i = 1;
	for (; i < argc && is_option(argv[i]); i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_DONE;
		}
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			path = argv[++i];
			continue;
		}
		fprintf(stderr, "cairnctl: unknown option '%s'\n", argv[i]);
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (!valid_command(argv + i, argc - i)) {
		usage(stderr);
		return EXIT_TROUBLE;
	}
	char req[REQUEST_MAX];
	size_t req_len;
	if (build_request(argv + i, argc - i, req, sizeof(req), &req_len) < 0)
		return EXIT_TROUBLE;
	if (!strcmp(argv[i], "test-answer"))
		wait_s = TEST_TIMEOUT_S;
	int fd = connect_to(path);
	if (fd < 0)
		return EXIT_TROUBLE;
	static char reply[REPLY_MAX];
	ssize_t n = exchange(fd, path, req, req_len, reply, sizeof(reply));
	close(fd);
	if (n < 0)
		return EXIT_TROUBLE;
	return print_reply(path, reply, (size_t)n);
}
