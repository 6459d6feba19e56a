/*
 * agg_distinct.h -- per-group sets of distinct values for COUNT(DISTINCT col): open addressing
 * over 64-bit values (INT, string ids) or 128-bit values (addresses), memory accounted.
 *
 * A set stores one word per value while every value it holds fits in 64 bits (INT, string ids,
 * and addresses whose high half is zero, which includes every IPv4 address), and switches to two
 * words per value at the first one that does not.  So count(DISTINCT ipv4_src_addr) probes half
 * the memory an address set would.
 */
#ifndef KF_AGG_DISTINCT_H
#define KF_AGG_DISTINCT_H

#include "engine/agg_hash.h"
#include "engine/agg_memory.h"

typedef struct agg_distinct_set
{
	uint64_t   *slots;			/* capacity entries of 1 word (lo) or, when wide, 2 (lo, hi); all zero = empty */
	uint32_t	count;			/* values in slots */
	uint32_t	bits;			/* capacity = 1 << bits, 0 when nothing allocated */
	bool		has_zero;		/* the all-zero value, which cannot live in a slot */
	bool		wide;			/* two words per entry */
} agg_distinct_set;

/* The hash of a value as a set of this width stores it. */
static inline uint64_t
agg_distinct_hash(bool wide, uint64_t hi, uint64_t lo)
{
	uint64_t	h = agg_hash_word(0, lo);

	return wide ? agg_hash_word(h, hi) : h;
}

/* agg_distinct_add for what the inline part leaves: the zero value, widening, growth. */
int			agg_distinct_add_slow(agg_distinct_set *s, uint64_t hi, uint64_t lo, agg_memory *m, kf_error *err);

/*
 * Adds the value: hi:lo for words = 2, lo alone (hi = 0) for words = 1.  -1 with *err when memory
 * runs out or is over the limit.  Inline, since it runs once per row: a value already there, or
 * one that fits without growing, costs one probe sequence and no call.
 */
static inline int
agg_distinct_add(agg_distinct_set *s, uint32_t words, uint64_t hi, uint64_t lo, agg_memory *m, kf_error *err)
{
	if (words == 1)
		hi = 0;
	if (s->bits == 0 || (hi != 0 && !s->wide) || (lo == 0 && hi == 0))
		return agg_distinct_add_slow(s, hi, lo, m, err);
	uint64_t	mask = ((uint64_t) 1 << s->bits) - 1;

	for (uint64_t i = agg_hash_slot(agg_distinct_hash(s->wide, hi, lo), s->bits);; i = (i + 1) & mask)
	{
		uint64_t   *slot = &s->slots[i << s->wide];

		if (slot[0] == lo && (!s->wide || slot[1] == hi))
			return 0;
		if (slot[0] != 0 || (s->wide && slot[1] != 0))
			continue;
		if ((uint64_t) (s->count + 1) * 4 > (uint64_t) 3 << s->bits)
			return agg_distinct_add_slow(s, hi, lo, m, err);
		slot[0] = lo;
		if (s->wide)
			slot[1] = hi;
		s->count++;
		return 0;
	}
}

/* Starts loading the slot a later agg_distinct_add of this value will probe first. */
static inline void
agg_distinct_prefetch(const agg_distinct_set *s, uint32_t words, uint64_t hi, uint64_t lo)
{
	if (s->bits)
		__builtin_prefetch(&s->slots[agg_hash_slot(agg_distinct_hash(s->wide, words == 2 ? hi : 0, lo), s->bits) <<
									 s->wide]);
}

static inline uint64_t
agg_distinct_count(const agg_distinct_set *s)
{
	return (uint64_t) s->count + s->has_zero;
}

/*
 * Adds every value of from to into; from may be left empty (the two sets' storage is swapped
 * when from is the larger, so the smaller is the one copied), and is freed with agg_distinct_free
 * as usual.
 */
int			agg_distinct_merge(agg_distinct_set *into, agg_distinct_set *from, agg_memory *m, kf_error *err);

void		agg_distinct_free(agg_distinct_set *s, agg_memory *m);

#endif							/* KF_AGG_DISTINCT_H */
