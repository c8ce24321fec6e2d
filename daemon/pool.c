/* pool — worker threads, their commands, and the config they share (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "worker.h"

#define WORKER_STACK_SIZE (8u << 20) /* resolution keeps 64 KiB buffers on the stack */

/* Commands the main thread posts to a worker (bits of slot.commands). */
enum {
	CMD_CONFIG = 1u << 0, /* move to pool.cfg */
	CMD_STATS = 1u << 1,  /* copy the counters into slot.snap */
	CMD_STOP = 1u << 2,   /* stop gracefully */
	CMD_FORCE = 1u << 3,  /* close what is still open */
};

struct slot {
	struct worker w;
	struct pool *pool;
	uv_thread_t thread;
	bool thread_started;
	uv_async_t wake;                 /* workers 1..n-1: the main thread's doorbell */
	bool wake_open;
	pthread_mutex_t wake_lock;       /* the doorbell is rung and closed under it */
	bool wake_closed;                /* under wake_lock: rung no more */
	atomic_uint commands;
	atomic_uint applied_gen;         /* generation of the config this worker answers with */
	struct worker_counts snap;       /* under pool.lock */
	uint64_t snap_seq;               /* under pool.lock: bumped with each snapshot */
};

/* A config no longer current, freed once every worker has moved past its generation. */
struct retired {
	struct retired *next;
	struct cairn_config *cfg;
};

struct pool {
	unsigned n;
	struct slot *slots;
	struct worker_shared shared;
	bool shared_ready;
	bool stopping;
	pthread_mutex_t lock;            /* cfg (as the workers read it), snapshots */
	pthread_cond_t snapped;          /* a worker took a snapshot */
	struct cairn_config *cfg;        /* current */
	struct retired *retired;         /* main thread only */
	uv_async_t reap;                 /* on the main loop: a worker moved to a new config */
	bool reap_open;
};

unsigned pool_threads_for(const struct cairn_config *cfg)
{
	unsigned n = cfg->threads;
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	return n > POOL_THREADS_MAX ? POOL_THREADS_MAX : n;
}

struct pool *pool_new(unsigned threads)
{
	if (threads == 0 || threads > POOL_THREADS_MAX)
		return NULL;
	struct pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->slots = calloc(threads, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->snapped, NULL);
	for (unsigned i = 0; i < threads; i++) {
		struct slot *s = &p->slots[i];
		s->pool = p;
		s->w.index = i;
		pthread_mutex_init(&s->wake_lock, NULL);
		if (uv_loop_init(&s->w.loop) < 0) {
			log_error("cannot create an event loop");
			p->n = i;
			pool_finish(p, false);
			return NULL;
		}
		p->n = i + 1;
	}
	return p;
}

uv_loop_t *pool_loop(struct pool *p)
{
	return &p->slots[0].w.loop;
}

struct worker *pool_main_worker(struct pool *p)
{
	return &p->slots[0].w;
}

unsigned pool_size(const struct pool *p)
{
	return p->n;
}

const struct cairn_config *pool_config(const struct pool *p)
{
	return p->cfg;
}

bool pool_stopping(const struct pool *p)
{
	return p->stopping;
}

/* Free the retired configs that no worker uses any more. Main thread. */
static void reap_configs(struct pool *p)
{
	unsigned oldest = UINT32_MAX;
	for (unsigned i = 0; i < p->n; i++) {
		unsigned g = atomic_load(&p->slots[i].applied_gen);
		if (g < oldest)
			oldest = g;
	}
	struct retired **r = &p->retired;
	while (*r) {
		if ((*r)->cfg->generation < oldest) {
			struct retired *gone = *r;
			*r = gone->next;
			config_free(gone->cfg);
			free(gone);
		} else {
			r = &(*r)->next;
		}
	}
}

static void on_reap(uv_async_t *a)
{
	reap_configs(a->data);
}

static void post(struct slot *s, unsigned cmd)
{
	atomic_fetch_or(&s->commands, cmd);
	/* A worker that has finished closes its doorbell: it must not be rung after that. */
	pthread_mutex_lock(&s->wake_lock);
	if (!s->wake_closed)
		uv_async_send(&s->wake);
	pthread_mutex_unlock(&s->wake_lock);
}

/* A worker thread's doorbell: run what the main thread asked, on this worker's own loop. */
static void on_wake(uv_async_t *a)
{
	struct slot *s = a->data;
	struct pool *p = s->pool;
	unsigned cmd = atomic_exchange(&s->commands, 0);
	if (cmd & CMD_CONFIG) {
		pthread_mutex_lock(&p->lock);
		const struct cairn_config *cfg = p->cfg;
		pthread_mutex_unlock(&p->lock);
		worker_apply_config(&s->w, cfg);
		atomic_store(&s->applied_gen, cfg->generation);
		uv_async_send(&p->reap);
	}
	if (cmd & CMD_STATS) {
		pthread_mutex_lock(&p->lock);
		worker_counts(&s->w, &s->snap);
		s->snap_seq++;
		pthread_cond_broadcast(&p->snapped);
		pthread_mutex_unlock(&p->lock);
	}
	if (cmd & CMD_STOP) {
		worker_stop(&s->w);
		uv_unref((uv_handle_t *)&s->wake); /* the loop ends once the worker has closed */
	}
	if (cmd & CMD_FORCE)
		worker_force_close(&s->w);
}

static void worker_thread(void *arg)
{
	struct slot *s = arg;
	uv_run(&s->w.loop, UV_RUN_DEFAULT);
	pthread_mutex_lock(&s->wake_lock);
	s->wake_closed = true;
	uv_close((uv_handle_t *)&s->wake, NULL);
	pthread_mutex_unlock(&s->wake_lock);
	uv_run(&s->w.loop, UV_RUN_DEFAULT);
}

static void close_any(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* A worker whose thread never started: close everything on its loop from here. */
static void close_unstarted(struct slot *s)
{
	worker_stop(&s->w);
	uv_walk(&s->w.loop, close_any, NULL);
	uv_run(&s->w.loop, UV_RUN_DEFAULT);
	s->wake_open = false;
}

int pool_start(struct pool *p, struct cairn_config *cfg)
{
	p->cfg = cfg;
	if (worker_shared_init(&p->shared, cfg) < 0) {
		log_error("out of memory for the cache (cache.size)");
		return -1;
	}
	p->shared_ready = true;
	if (uv_async_init(pool_loop(p), &p->reap, on_reap) < 0)
		return -1;
	p->reap.data = p;
	p->reap_open = true;
	uv_unref((uv_handle_t *)&p->reap);
	bool reuseport = p->n > 1;
	for (unsigned i = 0; i < p->n; i++) {
		struct slot *s = &p->slots[i];
		atomic_store(&s->applied_gen, cfg->generation);
		if (i > 0) {
			if (uv_async_init(&s->w.loop, &s->wake, on_wake) < 0)
				goto fail;
			s->wake.data = s;
			s->wake_open = true;
		}
		if (worker_start(&s->w, cfg, &p->shared, reuseport) < 0)
			goto fail;
	}
	for (unsigned i = 1; i < p->n; i++) {
		struct slot *s = &p->slots[i];
		uv_thread_options_t opt = { .flags = UV_THREAD_HAS_STACK_SIZE,
					    .stack_size = WORKER_STACK_SIZE };
		if (uv_thread_create_ex(&s->thread, &opt, worker_thread, s) < 0) {
			log_error("cannot start worker thread %u", i);
			/* the ones running stop; the others are closed from here */
			for (unsigned k = 1; k < i; k++)
				post(&p->slots[k], CMD_STOP);
			for (unsigned k = i; k < p->n; k++)
				close_unstarted(&p->slots[k]);
			return -1; /* the caller's pool_stop() stops worker 0 */
		}
		s->thread_started = true;
	}
	if (p->n > 1)
		log_info("%u worker threads (server.threads)", p->n);
	return 0;
fail:
	for (unsigned k = 1; k < p->n; k++)
		close_unstarted(&p->slots[k]);
	return -1; /* the caller's pool_stop() stops worker 0 */
}

void pool_reload(struct pool *p, struct cairn_config *next)
{
	struct retired *r = malloc(sizeof(*r));
	if (!r) {
		log_error("reload: out of memory, still running the previous configuration");
		config_free(next);
		return;
	}
	pthread_mutex_lock(&p->lock);
	r->cfg = p->cfg;
	p->cfg = next;
	pthread_mutex_unlock(&p->lock);
	r->next = p->retired;
	p->retired = r;
	/* Requests being resolved copied their options when they started; answers are built
	 * on each worker's loop from the config it has applied. */
	worker_apply_config(&p->slots[0].w, next);
	atomic_store(&p->slots[0].applied_gen, next->generation);
	worker_shared_apply_config(&p->shared, r->cfg, next);
	for (unsigned i = 1; i < p->n; i++)
		post(&p->slots[i], CMD_CONFIG);
	reap_configs(p);
}

void pool_stop(struct pool *p)
{
	if (p->stopping)
		return;
	p->stopping = true;
	for (unsigned i = 1; i < p->n; i++)
		if (p->slots[i].thread_started)
			post(&p->slots[i], CMD_STOP);
	worker_stop(&p->slots[0].w);
}

void pool_force_close(struct pool *p)
{
	for (unsigned i = 1; i < p->n; i++)
		if (p->slots[i].thread_started)
			post(&p->slots[i], CMD_FORCE);
	worker_force_close(&p->slots[0].w);
}

/* Wait (p->lock held) until every worker thread has taken a snapshot newer than seen[], or
 * the deadline passes. */
static void wait_snapshots(struct pool *p, const uint64_t *seen)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += (long)POOL_STATS_WAIT_MS * 1000000L;
	deadline.tv_sec += deadline.tv_nsec / 1000000000L;
	deadline.tv_nsec %= 1000000000L;
	for (;;) {
		bool all = true;
		for (unsigned i = 1; i < p->n; i++)
			if (p->slots[i].snap_seq == seen[i])
				all = false;
		if (all || pthread_cond_timedwait(&p->snapped, &p->lock, &deadline) != 0)
			return; /* a worker busy this long is reported with its last snapshot */
	}
}

/* "thread-N-queries" for every possible worker, written once by the main thread. */
static char thread_keys[POOL_THREADS_MAX][32];

static const char *thread_key(unsigned i)
{
	if (!thread_keys[i][0])
		snprintf(thread_keys[i], sizeof(thread_keys[i]), "thread-%u-queries", i);
	return thread_keys[i];
}

size_t pool_stats(struct pool *p, struct control_stat *out, size_t cap)
{
	struct worker_counts sum;
	uint64_t queries[POOL_THREADS_MAX];
	worker_counts(&p->slots[0].w, &sum);
	queries[0] = sum.answers.queries;
	uint64_t seen[POOL_THREADS_MAX];
	pthread_mutex_lock(&p->lock);
	for (unsigned i = 1; i < p->n; i++) {
		seen[i] = p->slots[i].snap_seq;
		post(&p->slots[i], CMD_STATS);
	}
	wait_snapshots(p, seen);
	for (unsigned i = 1; i < p->n; i++) {
		worker_counts_add(&sum, &p->slots[i].snap);
		queries[i] = p->slots[i].snap.answers.queries;
	}
	pthread_mutex_unlock(&p->lock);
	size_t n = worker_stats(&sum, &p->shared, p->cfg, out, cap);
	/* How the kernel spread the clients over the workers. */
	if (n < cap)
		out[n++] = (struct control_stat){ "threads", p->n };
	for (unsigned i = 0; i < p->n && n < cap; i++)
		out[n++] = (struct control_stat){ thread_key(i), queries[i] };
	return n;
}

void pool_finish(struct pool *p, bool log_stats)
{
	if (!p)
		return;
	struct worker_counts sum = { 0 };
	for (unsigned i = 0; i < p->n; i++) {
		struct slot *s = &p->slots[i];
		if (s->thread_started)
			uv_thread_join(&s->thread);
		else if (i > 0 && s->wake_open)
			close_unstarted(s);
		struct worker_counts c;
		worker_counts(&s->w, &c);
		worker_counts_add(&sum, &c);
	}
	if (log_stats && p->cfg)
		worker_log_stats(&sum, &p->shared, p->cfg);
	/* No worker can ring the main loop any more: its last handle of ours goes. */
	if (p->reap_open && !uv_is_closing((uv_handle_t *)&p->reap))
		uv_close((uv_handle_t *)&p->reap, NULL);
	if (p->n)
		uv_run(pool_loop(p), UV_RUN_DEFAULT);
	for (unsigned i = 0; i < p->n; i++) {
		struct slot *s = &p->slots[i];
		if (uv_loop_close(&s->w.loop) != 0)
			log_warning("worker %u: event loop closed with handles still open", i);
		worker_free(&s->w);
		pthread_mutex_destroy(&s->wake_lock);
	}
	if (p->shared_ready)
		worker_shared_free(&p->shared);
	while (p->retired) {
		struct retired *r = p->retired;
		p->retired = r->next;
		config_free(r->cfg);
		free(r);
	}
	config_free(p->cfg);
	pthread_cond_destroy(&p->snapped);
	pthread_mutex_destroy(&p->lock);
	free(p->slots);
	free(p);
}
