/*
 * agg_memory.h -- accounting of the memory an aggregation's group tables and distinct sets hold,
 * shared by all worker threads, against the spec's memory_limit.
 */
#ifndef KF_AGG_MEMORY_H
#define KF_AGG_MEMORY_H

#include <stdatomic.h>

#include "store/store.h"

typedef struct agg_memory
{
	_Atomic size_t used;
	_Atomic size_t peak;
	size_t		limit;			/* 0 = no limit */
} agg_memory;

/*
 * Resizes p from old_bytes to new_bytes (p may be NULL, new bytes are zeroed), counting the
 * difference.  Returns NULL with a message when the limit would be exceeded or malloc fails;
 * p is then untouched.
 */
void	   *agg_mem_resize(agg_memory *m, void *p, size_t old_bytes, size_t new_bytes, kf_error *err);

/* Frees p, which was accounted as bytes. */
void		agg_mem_free(agg_memory *m, void *p, size_t bytes);

#endif							/* KF_AGG_MEMORY_H */
