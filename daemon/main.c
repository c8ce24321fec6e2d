/*
 * cairnd — the daemon: reads the config, binds the listeners, runs the loop until SIGTERM or
 * SIGINT, reloads on SIGHUP. It stays in the foreground and logs to stderr (systemd or the
 * shell owns the process).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "control.h"
#include "log.h"
#include "pool.h"
#include "worker.h"

#define STOP_GRACE_MS 2000 /* answers still being written get this long after SIGTERM */

/* Process-wide state: the workers (which own the config from the start on) and the control
 * socket of cairnctl (or NULL). */
static struct pool *pool;
static struct control *control;
static const char *config_path;
static uv_signal_t sig_term, sig_int, sig_hup;
static uv_timer_t stop_timer;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cairnd [-c FILE]            run (without -c: the built-in default config)\n"
		"       cairnd --check-config FILE  check a config file, print every error\n"
		"       cairnd --print-default-config  print the built-in default (conf/cairnd.yaml)\n"
		"       cairnd --help | --version\n");
}

static void print_errors(struct config_errors *errs, bool to_log)
{
	for (size_t i = 0; i < errs->count; i++) {
		if (to_log)
			log_error("%s", errs->msg[i]);
		else
			fprintf(stderr, "%s\n", errs->msg[i]);
	}
	if (errs->dropped) {
		if (to_log)
			log_error("... and %zu more errors", errs->dropped);
		else
			fprintf(stderr, "... and %zu more errors\n", errs->dropped);
	}
	config_errors_clear(errs);
}

static int check_config(const char *path)
{
	struct config_errors errs;
	struct cairn_config *cfg = config_load(path, &errs);
	if (!cfg) {
		print_errors(&errs, false);
		return 1;
	}
	printf("%s: OK (%zu private zones, %zu built-in zones, %zu VPCs, %zu rules)\n", path,
	       cfg->n_zones, cfg->n_builtins, cfg->n_vpcs, cfg->n_rules);
	config_free(cfg);
	return 0;
}

static void close_any(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void on_stop_timeout(uv_timer_t *t)
{
	(void)t;
	log_warning("answers still unsent after %d ms: closing anyway", STOP_GRACE_MS);
	pool_force_close(pool);
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
	(void)s;
	const char *name = signum == SIGINT ? "SIGINT" : "SIGTERM";
	if (pool_stopping(pool)) {
		/* A second stop signal (Ctrl-C on a terminal reaches cairnd and whatever started
		 * it, which may send its own SIGTERM): stop waiting for unsent answers. */
		log_info("%s again: closing what is left now", name);
		pool_force_close(pool);
		return;
	}
	log_info("%s: stopping", name);
	/* The stop signals stay handled (a second one must not kill the process with the
	 * default action), but no longer keep the loop alive. */
	uv_unref((uv_handle_t *)&sig_term);
	uv_unref((uv_handle_t *)&sig_int);
	uv_close((uv_handle_t *)&sig_hup, NULL);
	control_close(control);
	control = NULL;
	pool_stop(pool);
	uv_timer_start(&stop_timer, on_stop_timeout, STOP_GRACE_MS, 0);
	uv_unref((uv_handle_t *)&stop_timer);
}

/* Config is a value: build the new one completely, then swap; a bad file changes nothing. */
static void on_reload_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	if (!config_path) {
		log_warning("SIGHUP: running on the built-in default config, nothing to reload");
		return;
	}
	log_info("SIGHUP: reloading %s", config_path);
	struct config_errors errs;
	struct cairn_config *next = config_load(config_path, &errs);
	if (!next) {
		print_errors(&errs, true);
		log_error("reload failed: still running the previous configuration");
		return;
	}
	const struct cairn_config *current = pool_config(pool);
	if (!config_same_listen(current, next))
		log_warning("reload: server.listen changed; restart cairnd to apply it");
	if (strcmp(current->control_socket, next->control_socket) != 0)
		log_warning("reload: control.socket changed; restart cairnd to apply it");
	if (pool_threads_for(next) != pool_size(pool))
		log_warning("reload: server.threads changed; restart cairnd to apply it");
	log_set_level((enum log_level)next->log_level);
	size_t zones = next->n_zones, builtins = next->n_builtins;
	size_t vpcs = next->n_vpcs, rules = next->n_rules;
	pool_reload(pool, next);
	log_info("reloaded: %zu private zones, %zu built-in zones, %zu VPCs, %zu rules", zones,
		 builtins, vpcs, rules);
}

/* Every upstream query holds a socket while it waits, every TCP client one more: raise the
 * soft file limit to the hard one, and say so when even that is short of the config's own
 * limits (the daemon then answers SERVFAIL "too many open files" instead of failing). */
static void raise_file_limit(const struct cairn_config *cfg)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	rlim_t need = (rlim_t)cfg->max_in_flight * pool_threads_for(cfg) + cfg->max_tcp_clients +
		      64;
	if (cfg->recursion && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warning("open files are limited to %llu: fewer than recursion.max-in-flight "
			    "x server.threads + server.max-tcp-clients + 64 = %llu; raise the limit "
			    "(LimitNOFILE=) or lower those", (unsigned long long)rl.rlim_cur,
			    (unsigned long long)need);
}

static int run(struct cairn_config *cfg)
{
	int rc = 0;
	signal(SIGPIPE, SIG_IGN);
	raise_file_limit(cfg);
	pool = pool_new(pool_threads_for(cfg));
	if (!pool) {
		log_error("cannot create the workers");
		config_free(cfg);
		return 1;
	}
	uv_loop_t *loop = pool_loop(pool);
	uv_timer_init(loop, &stop_timer);
	uv_signal_init(loop, &sig_term);
	uv_signal_init(loop, &sig_int);
	uv_signal_init(loop, &sig_hup);
	uv_signal_start(&sig_term, on_stop_signal, SIGTERM);
	uv_signal_start(&sig_int, on_stop_signal, SIGINT);
	uv_signal_start(&sig_hup, on_reload_signal, SIGHUP);

	bool ok = pool_start(pool, cfg) == 0; /* the pool owns cfg from here on */
	if (ok && cfg->control_socket[0]) {
		control = control_open(pool, cfg->control_socket);
		/* A config file that names a socket gets it or no daemon; the built-in default
		 * (make run, often not as root) runs without one rather than not at all. */
		if (!control && !config_path)
			log_warning("running without a control socket: cairnctl will not reach "
				    "this cairnd");
		else if (!control)
			ok = false;
	}
	if (!ok) {
		rc = 1;
		pool_stop(pool);
		uv_walk(loop, close_any, NULL);
	} else {
		log_info("cairnd ready: %s, %zu private zones, %zu built-in zones, %zu VPCs, %zu "
			 "rules", cfg->source, cfg->n_zones, cfg->n_builtins, cfg->n_vpcs,
			 cfg->n_rules);
	}
	uv_run(loop, UV_RUN_DEFAULT);
	uv_handle_t *left[] = { (uv_handle_t *)&stop_timer, (uv_handle_t *)&sig_term,
				(uv_handle_t *)&sig_int, (uv_handle_t *)&sig_hup };
	for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++)
		if (!uv_is_closing(left[i]))
			uv_close(left[i], NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	pool_finish(pool, rc == 0);
	pool = NULL;
	if (rc == 0)
		log_info("stopped");
	return rc;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("cairnd 0.1.0\n");
			return 0;
		} else if (!strcmp(a, "--print-default-config")) {
			config_print_reference(stdout);
			return 0;
		} else if (!strcmp(a, "--check-config")) {
			if (i + 1 >= argc) {
				usage(stderr);
				return 2;
			}
			return check_config(argv[i + 1]);
		} else if (!strcmp(a, "-c")) {
			if (i + 1 >= argc) {
				usage(stderr);
				return 2;
			}
			config_path = argv[++i];
		} else {
			fprintf(stderr, "cairnd: unknown argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	struct config_errors errs;
	struct cairn_config *cfg = config_load(config_path, &errs);
	if (!cfg) {
		print_errors(&errs, false);
		fprintf(stderr, "cairnd: configuration refused, not starting\n");
		return 1;
	}
	log_set_level((enum log_level)cfg->log_level);
	return run(cfg);
}
