/*
 * env — the only ways the engine learns the time or draws random numbers.
 *
 * lib/ owns no clock and no random source: the daemon passes real ones (CLOCK_REALTIME for
 * TTLs so that libfaketime can move the date, the monotonic clock for timers, the kernel's
 * CSPRNG for IDs, ports and 0x20 case), tests pass scripted ones. Nothing here allocates.
 */
#ifndef CAIRN_UTIL_ENV_H
#define CAIRN_UTIL_ENV_H

#include <stddef.h>
#include <stdint.h>

struct cairn_env {
	int64_t (*wall_now)(void *ctx);   /* seconds since the epoch: TTL expiry */
	uint64_t (*mono_ms)(void *ctx);   /* monotonic milliseconds: RTT, timeouts, hold-downs */
	void (*random)(void *ctx, void *buf, size_t len); /* unpredictable bytes (IDs, 0x20) */
	void *ctx;                        /* handed back to each function */
};

static inline uint16_t env_random_u16(const struct cairn_env *e)
{
	uint16_t v;
	e->random(e->ctx, &v, sizeof(v));
	return v;
}

static inline uint32_t env_random_u32(const struct cairn_env *e)
{
	uint32_t v;
	e->random(e->ctx, &v, sizeof(v));
	return v;
}

#endif
