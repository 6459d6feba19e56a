/*
 * agg_distinct.h -- per-group sets of distinct values for COUNT(DISTINCT col): open addressing
 * over 64-bit values (INT, string ids) or 128-bit values (addresses), memory accounted.
 */
#ifndef KF_AGG_DISTINCT_H
#define KF_AGG_DISTINCT_H

#include "engine/agg_hash.h"
#include "engine/agg_memory.h"

typedef struct agg_distinct_set
{
	uint64_t   *slots;			/* capacity entries of `words` words; all zero = empty */
	uint32_t	count;			/* values in slots */
	uint32_t	bits;			/* capacity = 1 << bits, 0 when nothing allocated */
	bool		has_zero;		/* the all-zero value, which cannot live in a slot */
} agg_distinct_set;

/* Adds the value (lo alone when words = 1).  -1 with *err when memory runs out or is over the limit. */
int			agg_distinct_add(agg_distinct_set *s, uint32_t words, uint64_t hi, uint64_t lo, agg_memory *m,
							 kf_error *err);

static inline uint64_t
agg_distinct_hash(uint32_t words, uint64_t hi, uint64_t lo)
{
	uint64_t	h = agg_hash_word(0, lo);

	return words == 2 ? agg_hash_word(h, hi) : h;
}

/* Starts loading the slot a later agg_distinct_add of this value will probe first. */
static inline void
agg_distinct_prefetch(const agg_distinct_set *s, uint32_t words, uint64_t hi, uint64_t lo)
{
	if (s->bits)
		__builtin_prefetch(&s->slots[agg_hash_slot(agg_distinct_hash(words, hi, lo), s->bits) * words]);
}

static inline uint64_t
agg_distinct_count(const agg_distinct_set *s)
{
	return (uint64_t) s->count + s->has_zero;
}

/* Adds every value of from to into. */
int			agg_distinct_merge(agg_distinct_set *into, const agg_distinct_set *from, uint32_t words, agg_memory *m,
							   kf_error *err);

void		agg_distinct_free(agg_distinct_set *s, uint32_t words, agg_memory *m);

#endif							/* KF_AGG_DISTINCT_H */
