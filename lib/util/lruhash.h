/*
 * lruhash — a chained hash table whose entries are also on an LRU list, with a budget: the
 * one structure under the RRset cache, the message cache (one table per shard, each with its
 * own lock) and the server table.
 *
 * Entries are the caller's: each embeds struct lru_node as its first member, is allocated
 * with malloc and is freed by the table (free) when it is removed or evicted. The table knows
 * a node's hash and cost, not its key: lookups walk lruhash_chain() and compare keys themselves.
 * Nothing here locks by itself; lruhash_lock()/lruhash_unlock() are for tables shared by threads.
 */
#ifndef CAIRN_UTIL_LRUHASH_H
#define CAIRN_UTIL_LRUHASH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lru_node {
	struct lru_node *hnext;          /* hash chain */
	struct lru_node *prev, *next;    /* LRU list: the head's next is the most recently used */
	uint32_t hash;
	size_t cost;                    /* counted against the budget */
};

struct lruhash {
	pthread_mutex_t lock;
	struct lru_node **buckets;
	size_t nbuckets;                /* a power of two; doubles when entries pass it */
	struct lru_node lru;             /* the list's head */
	size_t budget;                  /* total cost allowed */
	uint64_t entries, cost, evictions, lock_waits;
};

/* An empty table with a budget; -1 when out of memory. */
int lruhash_init(struct lruhash *t, size_t budget);

/* Free every entry and the table's own memory. */
void lruhash_destroy(struct lruhash *t);

/* Take the lock, counting in lock_waits the times another thread held it. */
void lruhash_lock(struct lruhash *t);
void lruhash_unlock(struct lruhash *t);

/* The chain where entries of hash live: walk it with &(*p)->hnext. */
static inline struct lru_node **lruhash_chain(struct lruhash *t, uint32_t hash)
{
	return &t->buckets[hash & (t->nbuckets - 1)];
}

/* Put n (hash and cost set) at the front of its chain and of the LRU list. It does not evict:
 * call lruhash_evict() when the caller is ready to lose entries. */
void lruhash_insert(struct lruhash *t, struct lru_node *n);

/* Remove and free the entry *slot points at (a slot of its chain). */
void lruhash_remove(struct lruhash *t, struct lru_node **slot);

/* Remove and free n. */
void lruhash_delete(struct lruhash *t, struct lru_node *n);

/* n was used: it becomes the most recently used. */
void lruhash_touch(struct lruhash *t, struct lru_node *n);

/* The least recently used entry, or NULL when empty. */
struct lru_node *lruhash_oldest(struct lruhash *t);

/* Evict the least recently used entries until the cost is within the budget. */
void lruhash_evict(struct lruhash *t);

/* Remove every entry for which match(node, arg) is true (every one when match is NULL).
 * Returns how many. */
size_t lruhash_remove_if(struct lruhash *t, bool (*match)(const struct lru_node *n, void *arg),
		    void *arg);

/* What an allocation of ours costs the process: the block as the allocator sizes it, its
 * header, and the two bucket pointers an entry may need (the table grows at one entry per
 * bucket). */
size_t lruhash_alloc_cost(void *block);

#endif
