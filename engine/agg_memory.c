/*
 * agg_memory.c -- accounted allocation for group tables and distinct sets: every resize is
 * checked against the limit before it happens, so a query with too many groups fails with a clear
 * message instead of exhausting the backend's memory.
 */
#include "engine/agg_memory.h"

#include <stdlib.h>
#include <string.h>

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

void *
agg_mem_resize(agg_memory *m, void *p, size_t old_bytes, size_t new_bytes, kf_error *err)
{
	if (new_bytes > old_bytes && reserve(m, new_bytes - old_bytes, err) != 0)
		return NULL;
	void	   *q = realloc(p, new_bytes ? new_bytes : 1);

	if (q == NULL)
	{
		if (new_bytes > old_bytes)
			atomic_fetch_sub(&m->used, new_bytes - old_bytes);
		kf_error_set(err, "out of memory for a group table of %zu bytes", new_bytes);
		return NULL;
	}
	if (new_bytes > old_bytes)
		memset((char *) q + old_bytes, 0, new_bytes - old_bytes);
	else
		atomic_fetch_sub(&m->used, old_bytes - new_bytes);
	return q;
}

void
agg_mem_free(agg_memory *m, void *p, size_t bytes)
{
	if (p == NULL)
		return;
	free(p);
	atomic_fetch_sub(&m->used, bytes);
}
