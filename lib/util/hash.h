/*
 * hash — the one string hash of the hash tables (the caches, the server table, the mesh):
 * FNV-1a, 32 bits, fed piece by piece, and a finaliser for tables that pick a shard with the
 * high bits and a bucket with the low ones.
 */
#ifndef CAIRN_UTIL_HASH_H
#define CAIRN_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_BASIS 2166136261u

/* Continue an FNV-1a hash h (start from HASH_FNV_BASIS) over n bytes. */
static inline uint32_t hash_fnv1a(uint32_t h, const void *data, size_t n)
{
	const uint8_t *b = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* Mix the high bits into the low ones (FNV's low bits alone are poor for a power-of-two
 * table whose shard comes from the high bits). */
static inline uint32_t hash_spread(uint32_t h)
{
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

#endif
