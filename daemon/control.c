/* control — the control socket of cairnctl: the server half (see control.h). */
#include "control.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "lib/cache/rrcache.h"
#include "log.h"
#include "mesh.h"
#include "pool.h"
#include "test_answer.h"
#include "worker.h"

#define CONTROL_STATS_MAX 128      /* room for every counter of "stats" */
#define CONTROL_PROBE_TIMEOUT_S 1  /* connect() to a leftover socket gives up after this */

/* One control connection:
 *
 *   READING ──line (or EOF)──▶ [WAITING] ──▶ REPLYING ──written──▶ LINGER ──client's EOF──▶ closed
 *
 * WAITING is a test-answer whose question is being resolved; its timer is then the
 * request timeout plus a second.
 * Input that arrives after the request line is read and dropped until the client closes,
 * so that the socket never closes with unread input (the client would get ECONNRESET in
 * place of the end of the reply). The timer closes the connection, whatever its state,
 * CONTROL_TIMEOUT_MS after it was accepted. */
enum conn_state {
	CONN_READING,  /* waiting for the whole request line */
	CONN_WAITING,  /* test-answer: waiting for the resolution */
	CONN_REPLYING, /* the reply is being written */
	CONN_LINGER,   /* reply and our FIN sent; discarding input until the client's FIN */
	CONN_CLOSED,   /* uv_close called; freed once both handles have closed */
};

struct control_conn {
	uv_pipe_t pipe;
	uv_timer_t timer;                 /* CONTROL_TIMEOUT_MS from accept */
	uv_write_t write;
	uv_shutdown_t shutdown;
	struct control *srv;
	struct control_conn *prev, *next; /* in srv->conns */
	enum conn_state state;
	bool eof;                         /* the client has sent its FIN */
	int open_handles;                 /* pipe + timer still to close before free */
	size_t len;                       /* bytes in line */
	char line[CONTROL_LINE_MAX + 2];  /* the line, CR and LF; then a bin for extra input */
	size_t reply_len;
	char reply[CONTROL_REPLY_MAX];
	struct test_answer *ta;           /* CONN_WAITING: the pending test-answer */
};

struct control {
	uv_pipe_t pipe;                   /* the listening socket */
	struct worker *w;                /* worker 0: its loop, the shared caches */
	struct pool *pool;               /* every worker, for stats */
	char *path;                       /* the socket file (owned copy: configs come and go) */
	dev_t dev;                        /* which file is ours, to remove only that one */
	ino_t ino;
	bool open;                        /* listening: control_close() not called yet */
	bool pipe_alive;                  /* pipe initialised, its close callback not yet run */
	struct control_conn *conns;       /* open connections (doubly linked) */
	size_t n_conns;
	uint64_t started_ms;              /* loop time at open, for uptime-seconds */
};

static void server_free_if_unused(struct control *c)
{
	if (!c->pipe_alive && c->n_conns == 0) {
		free(c->path);
		free(c);
	}
}

static void on_conn_closed(uv_handle_t *h)
{
	struct control_conn *conn = h->data;
	if (--conn->open_handles > 0)
		return;
	struct control *c = conn->srv;
	if (conn->prev)
		conn->prev->next = conn->next;
	else
		c->conns = conn->next;
	if (conn->next)
		conn->next->prev = conn->prev;
	c->n_conns--;
	free(conn);
	server_free_if_unused(c);
}

static void conn_close(struct control_conn *conn)
{
	if (conn->state == CONN_CLOSED)
		return;
	if (conn->ta) {
		test_answer_cancel(conn->ta);
		conn->ta = NULL;
	}
	conn->state = CONN_CLOSED;
	uv_close((uv_handle_t *)&conn->pipe, on_conn_closed);
	uv_close((uv_handle_t *)&conn->timer, on_conn_closed);
}

static void on_conn_timeout(uv_timer_t *t)
{
	struct control_conn *conn = t->data;
	if (conn->state == CONN_READING)
		log_debug("control: no request line within %d ms, connection closed",
			  CONTROL_TIMEOUT_MS);
	conn_close(conn);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct control_conn *conn = req->data;
	if (conn->state == CONN_CLOSED)
		return;
	if (status < 0 || conn->eof)
		conn_close(conn);
}

static void on_written(uv_write_t *req, int status)
{
	struct control_conn *conn = req->data;
	if (conn->state == CONN_CLOSED)
		return;
	if (status < 0 || conn->eof) {
		conn_close(conn);
		return;
	}
	conn->state = CONN_LINGER;
	conn->shutdown.data = conn;
	if (uv_shutdown(&conn->shutdown, (uv_stream_t *)&conn->pipe, on_shutdown) < 0)
		conn_close(conn);
}

static size_t collect_stats(const struct control *c, struct control_stat *out, size_t cap)
{
	size_t n = pool_stats(c->pool, out, cap);
	if (n < cap)
		out[n++] = (struct control_stat){ "uptime-seconds",
						  (uv_now(c->pipe.loop) - c->started_ms) / 1000 };
	return n;
}

static const char *flush_what(enum control_command cmd)
{
	switch (cmd) {
	case CONTROL_FLUSH_NAME: return "";
	case CONTROL_FLUSH_BELOW: return " and below";
	case CONTROL_FLUSH_NEGATIVE: return "negative entries";
	default: return "everything";
	}
}

static void set_reply(struct control_conn *conn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The reply is one short line (an error quotes at most the request line, which fits). */
static void set_reply(struct control_conn *conn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(conn->reply, sizeof(conn->reply), fmt, ap);
	va_end(ap);
	conn->reply_len = n < 0 ? 0 : (size_t)n < sizeof(conn->reply) ? (size_t)n :
		sizeof(conn->reply) - 1;
}

static void reply(struct control_conn *conn);

/* The test-answer's reply: at once (inside test_answer_start) or after a resolution. */
static void on_test_answer(void *ctx, const char *text, size_t len)
{
	struct control_conn *conn = ctx;
	conn->ta = NULL;
	conn->reply_len = len < sizeof(conn->reply) ? len : sizeof(conn->reply);
	memcpy(conn->reply, text, conn->reply_len);
	if (conn->state == CONN_WAITING)
		reply(conn);
}

/* Carry out a request; the reply goes into conn->reply. Returns false when it comes later
 * (a test-answer being resolved). */
static bool execute(struct control_conn *conn, const struct control_request *req)
{
	struct worker *w = conn->srv->w;
	if (req->command == CONTROL_TEST_ANSWER) {
		conn->ta = test_answer_start(w, req, on_test_answer, conn);
		if (!conn->ta)
			return true;
		conn->state = CONN_WAITING;
		uv_timer_start(&conn->timer, on_conn_timeout, w->cfg->request_timeout_ms + 1000, 0);
		return false;
	}
	if (req->command == CONTROL_STATS) {
		struct control_stat stats[CONTROL_STATS_MAX];
		size_t n = collect_stats(conn->srv, stats, CONTROL_STATS_MAX);
		set_reply(conn, "ok\n");
		size_t body = control_format_stats(stats, n, req->json,
						   conn->reply + conn->reply_len,
						   sizeof(conn->reply) - conn->reply_len);
		if (body == 0)
			set_reply(conn, "error: the stats do not fit in %d bytes\n",
				  CONTROL_REPLY_MAX);
		conn->reply_len += body;
		return true;
	}
	static const enum rrcache_flush what[] = {
		[CONTROL_FLUSH_NAME] = RRCACHE_FLUSH_NAME,
		[CONTROL_FLUSH_BELOW] = RRCACHE_FLUSH_BELOW,
		[CONTROL_FLUSH_NEGATIVE] = RRCACHE_FLUSH_NEGATIVE,
		[CONTROL_FLUSH_ALL] = RRCACHE_FLUSH_ALL,
	};
	size_t n = 0;
	if (w->shared) {
		n = rrcache_flush(w->shared->cache, what[req->command], req->name);
		/* A whole message may hold the flushed name anywhere in its chain: they all go,
		 * and are rebuilt from the RRsets that stay. */
		msgcache_flush(w->shared->msgs);
		nseccache_flush(w->shared->nsec); /* its spans are proofs of absence */
	}
	if (req->command == CONTROL_FLUSH_NAME || req->command == CONTROL_FLUSH_BELOW) {
		char name[WIRE_NAME_TEXT_MAX];
		wire_name_to_text(req->name, name, sizeof(name));
		log_info("control: flushed %s%s from the cache: %zu entries", name,
			 flush_what(req->command), n);
	} else {
		log_info("control: flushed %s from the cache: %zu entries", flush_what(req->command),
			 n);
	}
	set_reply(conn, "ok: flushed %zu entries\n", n);
	return true;
}

static void reply(struct control_conn *conn)
{
	conn->state = CONN_REPLYING;
	conn->len = 0; /* from now on the line buffer only bins extra input */
	uv_buf_t buf = uv_buf_init(conn->reply, (unsigned)conn->reply_len);
	conn->write.data = conn;
	if (uv_write(&conn->write, (uv_stream_t *)&conn->pipe, &buf, 1, on_written) < 0)
		conn_close(conn);
}

static void reply_error(struct control_conn *conn, const char *text)
{
	set_reply(conn, "error: %s\n", text);
	reply(conn);
}

/* The request line is complete: line[0..len) without its newline. */
static void handle_line(struct control_conn *conn, size_t len)
{
	if (len > 0 && conn->line[len - 1] == '\r')
		len--;
	struct control_request req;
	char err[CONTROL_ERROR_MAX];
	if (control_parse_request(conn->line, len, &req, err, sizeof(err)) < 0) {
		log_debug("control: refused request: %s", err);
		reply_error(conn, err);
		return;
	}
	if (execute(conn, &req))
		reply(conn);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct control_conn *conn = h->data;
	*buf = uv_buf_init(conn->line + conn->len, (unsigned)(sizeof(conn->line) - conn->len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	struct control_conn *conn = s->data;
	if (conn->state == CONN_CLOSED)
		return;
	if (nread < 0) {
		conn->eof = true;
		if (nread != UV_EOF || conn->state == CONN_LINGER) {
			conn_close(conn);
		} else if (conn->state == CONN_READING) {
			/* The client ended without a newline: what it sent is the line. */
			if (conn->len == 0)
				conn_close(conn);
			else
				handle_line(conn, conn->len);
		}
		return;
	}
	if (conn->state != CONN_READING)
		return; /* dropped: only one request per connection */
	size_t start = conn->len;
	conn->len += (size_t)nread;
	char *nl = memchr(conn->line + start, '\n', conn->len - start);
	if (nl) {
		handle_line(conn, (size_t)(nl - conn->line));
	} else if (conn->len == sizeof(conn->line)) {
		handle_line(conn, conn->len); /* refused by the parser: too long */
	}
}

static void on_refused_closed(uv_handle_t *h)
{
	free(h);
}

/* Over CONTROL_MAX_CLIENTS: accept, say why (if the socket takes it at once), close. */
static void refuse_connection(struct control *c)
{
	uv_pipe_t *p = malloc(sizeof(*p));
	if (!p)
		return;
	uv_pipe_init(c->pipe.loop, p, 0);
	if (uv_accept((uv_stream_t *)&c->pipe, (uv_stream_t *)p) == 0) {
		static char busy[] = "error: too many control connections at once\n";
		uv_buf_t buf = uv_buf_init(busy, sizeof(busy) - 1);
		uv_try_write((uv_stream_t *)p, &buf, 1);
	}
	uv_close((uv_handle_t *)p, on_refused_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct control *c = server->data;
	if (status < 0) {
		log_warning("control: accept failed: %s", uv_strerror(status));
		return;
	}
	if (c->n_conns >= CONTROL_MAX_CLIENTS) {
		log_warning("control: more than %d connections at once, one refused",
			    CONTROL_MAX_CLIENTS);
		refuse_connection(c);
		return;
	}
	struct control_conn *conn = calloc(1, sizeof(*conn));
	if (!conn) {
		refuse_connection(c);
		return;
	}
	conn->srv = c;
	uv_pipe_init(server->loop, &conn->pipe, 0);
	uv_timer_init(server->loop, &conn->timer);
	conn->pipe.data = conn;
	conn->timer.data = conn;
	conn->open_handles = 2;
	conn->next = c->conns;
	if (c->conns)
		c->conns->prev = conn;
	c->conns = conn;
	c->n_conns++;
	if (uv_accept(server, (uv_stream_t *)&conn->pipe) < 0 ||
	    uv_read_start((uv_stream_t *)&conn->pipe, on_alloc, on_read) < 0) {
		conn_close(conn);
		return;
	}
	uv_timer_start(&conn->timer, on_conn_timeout, CONTROL_TIMEOUT_MS, 0);
}

/* ---- the socket file ---- */

/* What to do about a permission error: the default path is root's to create. */
static const char *access_hint(int err)
{
	if (err == EACCES || err == EPERM || err == EROFS)
		return " (set control.socket to a path cairnd may write, or \"\" for none)";
	return "";
}

/* The folder of path exists, or is made (mode 0755: cairnctl of other users must reach the
 * socket, whose own mode decides who may use it). */
static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0; /* the root folder */
	*slash = '\0';
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		log_error("control.socket %s: %s is not a folder", path, dir);
		return -1;
	}
	if (errno != ENOENT || mkdir(dir, 0755) < 0) {
		int err = errno;
		log_error("control.socket %s: cannot create the folder %s: %s%s", path, dir,
			  strerror(err), access_hint(err));
		return -1;
	}
	chmod(dir, 0755); /* whatever the umask */
	log_info("control: created the folder %s", dir);
	return 0;
}

/* A socket file left at path by a cairnd that did not stop cleanly is removed; one that
 * answers belongs to a running process and is left alone, as is anything not a socket. */
static int remove_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		log_error("control.socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_error("control.socket %s: the file exists and is not a socket; not touching it",
			  path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("control.socket %s: socket: %s", path, strerror(errno));
		return -1;
	}
	/* A listener with a full backlog makes connect() wait: bound it. */
	struct timeval tv = { .tv_sec = CONTROL_PROBE_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int err = errno;
	close(fd);
	if (r == 0 || err == EAGAIN || err == EINPROGRESS) {
		log_error("control.socket %s is in use: another process (another cairnd?) answers "
			  "on it", path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		log_error("control.socket %s: cannot tell whether it is in use: connect: %s", path,
			  strerror(err));
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		log_error("control.socket %s: cannot remove the stale socket: %s", path,
			  strerror(errno));
		return -1;
	}
	log_info("control: removed the stale socket %s (nothing answered on it)", path);
	return 0;
}

/* Bind a non-blocking socket to path, mode 0660. Returns the descriptor or -1. */
static int bind_socket(struct control *c, const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_error("control.socket %s: socket: %s", c->path, strerror(errno));
		return -1;
	}
	/* Never more open than 0600 before the chmod below; umask is per process, and this
	 * process has one thread. */
	mode_t old = umask(0177);
	int r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int err = errno;
	umask(old);
	if (r < 0) {
		log_error("cannot bind control.socket %s: %s%s", c->path, strerror(err),
			  access_hint(err));
		close(fd);
		return -1;
	}
	struct stat st;
	if (chmod(c->path, 0660) < 0 || lstat(c->path, &st) < 0) {
		log_error("control.socket %s: chmod: %s", c->path, strerror(errno));
		unlink(c->path);
		close(fd);
		return -1;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	return fd;
}

/* Remove the socket file if it is still the one we made. */
static void remove_ours(struct control *c)
{
	struct stat st;
	if (lstat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
}

static void on_server_closed(uv_handle_t *h)
{
	struct control *c = h->data;
	c->pipe_alive = false;
	server_free_if_unused(c);
}

struct control *control_open(struct pool *pool, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("control.socket %s: path longer than %zu bytes", path,
			  sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	struct control *c = calloc(1, sizeof(*c));
	if (c)
		c->path = strdup(path);
	if (!c || !c->path) {
		log_error("out of memory");
		free(c);
		return NULL;
	}
	c->w = pool_main_worker(pool);
	c->pool = pool;
	int fd = -1;
	if (make_parent(path) < 0 || remove_stale(path, &sa) < 0 ||
	    (fd = bind_socket(c, &sa)) < 0) {
		server_free_if_unused(c);
		return NULL;
	}
	uv_pipe_init(&c->w->loop, &c->pipe, 0);
	c->pipe.data = c;
	c->open = true;
	c->pipe_alive = true;
	c->started_ms = uv_now(&c->w->loop);
	int r = uv_pipe_open(&c->pipe, fd);
	if (r < 0)
		close(fd); /* not the handle's yet */
	else
		r = uv_listen((uv_stream_t *)&c->pipe, CONTROL_MAX_CLIENTS, on_connection);
	if (r < 0) {
		log_error("cannot listen on control.socket %s: %s", path, uv_strerror(r));
		remove_ours(c);
		control_close(c);
		return NULL;
	}
	log_info("control socket listening on %s", path);
	return c;
}

void control_close(struct control *c)
{
	if (!c || !c->open)
		return;
	remove_ours(c);
	c->open = false;
	uv_close((uv_handle_t *)&c->pipe, on_server_closed);
	for (struct control_conn *conn = c->conns; conn; conn = conn->next)
		conn_close(conn);
}
