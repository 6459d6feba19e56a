/*
 * agg_memory.c -- accounted allocation for group tables and distinct sets: every resize is
 * checked against the limit before it happens, so a query with too many groups fails with a clear
 * message instead of exhausting the backend's memory.
 */
#include "engine/agg_memory.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Reserves bytes; fails (reserving nothing) when the total would pass the limit. */
static int
reserve(agg_memory *m, size_t bytes, kf_error *err)
{
	size_t		now = atomic_fetch_add(&m->used, bytes) + bytes;

	if (m->limit != 0 && now > m->limit)
	{
		atomic_fetch_sub(&m->used, bytes);
		if (m->limit >= (size_t) 1 << 20)
			return kf_error_set(err, "group table needs more than %zu MB; raise the group memory limit or "
								"narrow the query", m->limit >> 20);
		return kf_error_set(err, "group table needs more than %zu bytes; raise the group memory limit or "
							"narrow the query", m->limit);
	}
	size_t		peak = atomic_load(&m->peak);

	while (now > peak && !atomic_compare_exchange_weak(&m->peak, &peak, now))
		;
	return 0;
}

/*
 * Arrays of at least MAPPED_BYTES live in their own anonymous mappings: the kernel hands out
 * zeroed pages on first touch, so the part of a doubled array that no group reaches costs
 * nothing and no memset pass is needed, and mremap grows an array without copying it.  (malloc
 * would serve such sizes from its arenas after the first query, which means memset on calloc and
 * a copy on realloc.)  Every block starts with a header saying how it was obtained, so freeing
 * never depends on the caller's idea of its size, even after a failed growth.
 */
#define MAPPED_BYTES ((size_t) 256 << 10)

typedef struct block_header
{
	size_t		mapped;			/* bytes of the mapping, header included; 0 = malloc'd */
	size_t		pad;			/* keeps the caller's bytes 16-byte aligned for __int128 */
} block_header;

static size_t
page_round(size_t bytes)
{
	return (bytes + 4095) & ~(size_t) 4095;
}

static block_header *
header_of(void *p)
{
	return (block_header *) p - 1;
}

static void
release(void *p)
{
	block_header *h = header_of(p);

	if (h->mapped)
		munmap(h, h->mapped);
	else
		free(h);
}

/* A new zeroed block of bytes holding the first copy_bytes of p (which it releases); NULL when out of memory. */
static void *
move_to_new(void *p, size_t bytes, size_t copy_bytes)
{
	size_t		total = sizeof(block_header) + bytes;
	block_header *h;

	if (bytes >= MAPPED_BYTES)
	{
		h = mmap(NULL, page_round(total), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (h == MAP_FAILED)
			return NULL;
		h->mapped = page_round(total);
	}
	else if ((h = calloc(1, total)) == NULL)
		return NULL;
	if (p != NULL)
	{
		memcpy(h + 1, p, copy_bytes);
		release(p);
	}
	return h + 1;
}

static void *
resize_block(void *p, size_t old_bytes, size_t new_bytes)
{
	if (p == NULL)
		return move_to_new(NULL, new_bytes, 0);
	block_header *h = header_of(p);
	size_t		total = sizeof(block_header) + new_bytes;

	if (h->mapped && new_bytes >= MAPPED_BYTES)
	{
		block_header *q = mremap(h, h->mapped, page_round(total), MREMAP_MAYMOVE);

		if (q == MAP_FAILED)
			return NULL;
		if (page_round(total) > q->mapped)
			madvise((char *) q + q->mapped, page_round(total) - q->mapped, MADV_POPULATE_WRITE);
		q->mapped = page_round(total);
		return q + 1;
	}
	if (h->mapped || new_bytes >= MAPPED_BYTES)
		return move_to_new(p, new_bytes, old_bytes < new_bytes ? old_bytes : new_bytes);
	block_header *q = realloc(h, total);

	if (q != NULL && new_bytes > old_bytes)
		memset((char *) (q + 1) + old_bytes, 0, new_bytes - old_bytes);
	return q ? q + 1 : NULL;
}

void *
agg_mem_resize(agg_memory *m, void *p, size_t old_bytes, size_t new_bytes, kf_error *err)
{
	if (new_bytes > old_bytes && reserve(m, new_bytes - old_bytes, err) != 0)
		return NULL;
	void	   *q = resize_block(p, old_bytes, new_bytes);

	if (q == NULL)
	{
		if (new_bytes > old_bytes)
			atomic_fetch_sub(&m->used, new_bytes - old_bytes);
		kf_error_set(err, "out of memory for a group table of %zu bytes", new_bytes);
		return NULL;
	}
	if (new_bytes < old_bytes)
		atomic_fetch_sub(&m->used, old_bytes - new_bytes);
	return q;
}

void
agg_mem_free(agg_memory *m, void *p, size_t bytes)
{
	if (p == NULL)
		return;
	release(p);
	atomic_fetch_sub(&m->used, bytes);
}
