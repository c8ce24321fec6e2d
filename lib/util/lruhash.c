/* lruhash — hash table + LRU list + budget (see lruhash.h). */
#include "lruhash.h"

#include <malloc.h>
#include <stdlib.h>

#define LRUHASH_BUCKETS_MIN 64

int lruhash_init(struct lruhash *t, size_t budget)
{
	pthread_mutex_init(&t->lock, NULL);
	t->lru.next = t->lru.prev = &t->lru;
	t->budget = budget;
	t->entries = t->cost = t->evictions = t->lock_waits = 0;
	t->nbuckets = LRUHASH_BUCKETS_MIN;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -1;
}

void lruhash_destroy(struct lruhash *t)
{
	struct lru_node *n = t->lru.next;
	while (t->buckets && n != &t->lru) {
		struct lru_node *next = n->next;
		free(n);
		n = next;
	}
	free(t->buckets);
	t->buckets = NULL;
	pthread_mutex_destroy(&t->lock);
}

void lruhash_lock(struct lruhash *t)
{
	if (pthread_mutex_trylock(&t->lock) != 0) {
		pthread_mutex_lock(&t->lock);
		t->lock_waits++;
	}
}

void lruhash_unlock(struct lruhash *t)
{
	pthread_mutex_unlock(&t->lock);
}

static void lru_unlink(struct lru_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

static void lru_push_front(struct lruhash *t, struct lru_node *n)
{
	n->next = t->lru.next;
	n->prev = &t->lru;
	t->lru.next->prev = n;
	t->lru.next = n;
}

/* Twice the buckets; on no memory the chains only get longer. */
static void grow(struct lruhash *t)
{
	size_t size = t->nbuckets * 2;
	struct lru_node **nb = calloc(size, sizeof(*nb));
	if (!nb)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct lru_node *n = t->buckets[i];
		while (n) {
			struct lru_node *next = n->hnext;
			n->hnext = nb[n->hash & (size - 1)];
			nb[n->hash & (size - 1)] = n;
			n = next;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = size;
}

void lruhash_insert(struct lruhash *t, struct lru_node *n)
{
	struct lru_node **chain = lruhash_chain(t, n->hash);
	n->hnext = *chain;
	*chain = n;
	lru_push_front(t, n);
	t->entries++;
	t->cost += n->cost;
	if (t->entries > t->nbuckets)
		grow(t);
}

void lruhash_remove(struct lruhash *t, struct lru_node **slot)
{
	struct lru_node *n = *slot;
	*slot = n->hnext;
	lru_unlink(n);
	t->entries--;
	t->cost -= n->cost;
	free(n);
}

void lruhash_delete(struct lruhash *t, struct lru_node *n)
{
	struct lru_node **p = lruhash_chain(t, n->hash);
	while (*p != n)
		p = &(*p)->hnext;
	lruhash_remove(t, p);
}

void lruhash_touch(struct lruhash *t, struct lru_node *n)
{
	lru_unlink(n);
	lru_push_front(t, n);
}

struct lru_node *lruhash_oldest(struct lruhash *t)
{
	return t->lru.prev == &t->lru ? NULL : t->lru.prev;
}

void lruhash_evict(struct lruhash *t)
{
	while (t->cost > t->budget && t->lru.prev != &t->lru) {
		lruhash_delete(t, t->lru.prev);
		t->evictions++;
	}
}

size_t lruhash_remove_if(struct lruhash *t, bool (*match)(const struct lru_node *n, void *arg),
		    void *arg)
{
	size_t removed = 0;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct lru_node **p = &t->buckets[i];
		while (*p) {
			if (!match || match(*p, arg)) {
				lruhash_remove(t, p);
				removed++;
			} else {
				p = &(*p)->hnext;
			}
		}
	}
	return removed;
}

size_t lruhash_alloc_cost(void *block)
{
	return malloc_usable_size(block) + sizeof(size_t) + 2 * sizeof(void *);
}
