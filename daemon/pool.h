/*
 * pool — the worker threads of one cairnd and what they share.
 *
 * server.threads workers: worker 0 runs on the main thread's loop (with the signals and the
 * control socket), the others each on a thread and loop of their own. They share the caches
 * and the config value. The main thread talks to the others only through one uv_async per
 * worker carrying command bits (new config, counters wanted, stop, force close), so nothing
 * a worker owns is ever touched from another thread while it runs.
 *
 * Config is a value: a reload hands the pool a new one; every worker moves to it on its own
 * loop, and the old one is freed once the last worker has left it.
 */
#ifndef CAIRN_DAEMON_POOL_H
#define CAIRN_DAEMON_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "config.h"

#define POOL_THREADS_MAX 64           /* server.threads at most (auto is capped here too) */
#define POOL_STATS_WAIT_MS 500        /* longest a stats request waits for a busy worker */

struct pool;
struct worker;
struct control_stat;

/* The number of workers server.threads asks for (0 = auto: one per online CPU). */
unsigned pool_threads_for(const struct cairn_config *cfg);

/* Workers for threads threads, their loops initialised; NULL when out of memory. */
struct pool *pool_new(unsigned threads);

/* The main thread's loop (worker 0's). */
uv_loop_t *pool_loop(struct pool *p);
struct worker *pool_main_worker(struct pool *p);
unsigned pool_size(const struct pool *p);

/* The config every worker answers with now (owned by the pool). */
const struct cairn_config *pool_config(const struct pool *p);

/* Take cfg (owned from now on), make the shared caches, bind every worker's listeners and
 * start the threads. Returns 0, or -1 after logging what failed (worker 0's loop then still
 * holds its handles: the caller stops and closes it). */
int pool_start(struct pool *p, struct cairn_config *cfg);

/* Install a new config (owned from now on) on every worker. */
void pool_reload(struct pool *p, struct cairn_config *next);

/* Stop every worker (graceful), or close whatever they still have open (the grace is over). */
void pool_stop(struct pool *p);
void pool_force_close(struct pool *p);
bool pool_stopping(const struct pool *p);

/* Every counter, summed over the workers (asked of each on its own loop), with the shared
 * caches' and the config's. Main thread only. */
size_t pool_stats(struct pool *p, struct control_stat *out, size_t cap);

/* After the main loop has ended and the caller has closed its own handles on it: wait for
 * the threads, log the counters (when log_stats), close every loop (the main one too) and
 * free everything, the configs included. */
void pool_finish(struct pool *p, bool log_stats);

#endif
