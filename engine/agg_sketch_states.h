/*
 * agg_sketch_states.h -- per-group states of the aggregates that need more than a fixed-size
 * counter: f_hll (HyperLogLog registers), f_percentile (the group's values) and f_percentile_rate
 * (the group's per-slice sums).  Every byte they hold is accounted in the query's agg_memory, so a
 * query with too many or too large groups fails with the usual memory limit error.
 *
 * A state's result is computed the first time it is asked for and then kept: after the scan and
 * the merge, HAVING, ORDER BY and the result columns read each value many times (a sort compares
 * a group O(log n) times), and an HLL estimate or a selection is far too costly to redo per
 * comparison.  Results are only asked for on the single thread that finalises the aggregation.
 * The all-zero state is the empty one, so zeroed arrays of states need no initialisation.
 */
#ifndef KF_AGG_SKETCH_STATES_H
#define KF_AGG_SKETCH_STATES_H

#include "engine/agg_hash.h"
#include "engine/agg_memory.h"
#include "engine/hll.h"

/*
 * HyperLogLog: while a group has few values, a small open-addressing table of (index << 8 | rank)
 * entries for the registers that are not 0 (slot = index's low bits; 0 = empty); once that table
 * would be as large as the 2^p registers, the dense registers.  So 100k groups of a few values
 * each cost some 64 bytes each rather than 16 KB.
 */
typedef struct agg_hll_state
{
	uint32_t   *sparse;			/* 1 << sparse_bits entries, or NULL */
	uint8_t    *dense;			/* 2^precision registers once dense, else NULL */
	uint32_t	nsparse;		/* entries in sparse */
	uint8_t		sparse_bits;
	bool		finished;		/* estimate is computed */
	int64_t		estimate;
} agg_hll_state;

/* f_percentile: the group's values, in arrival order until the result selects among them. */
typedef struct agg_pct_state
{
	int64_t    *values;
	uint32_t	count;
	uint32_t	capacity;
	bool		finished;		/* result (or its NULL) is computed */
	int64_t		result;
} agg_pct_state;

/*
 * f_percentile_rate: slice number (floor(time / slice_seconds)) -> sum of the values.  While all
 * of a group's rows fall in one slice (most groups of a fine GROUP BY), that sum is kept in the
 * state itself; from the second slice on, an open-addressing table whose one allocation holds the
 * sums, then the slice numbers, then a used flag per slot (any int64 can be a slice number, so no
 * slice value can mean "empty").
 */
typedef struct agg_rate_state
{
	__int128   *sums;			/* 1 << bits slots, or NULL while count <= 1 */
	uint32_t	count;			/* slices seen */
	uint32_t	hint;			/* slot of the last addition: rows of one slice tend to come together */
	uint8_t		bits;
	bool		finished;
	int64_t		first;			/* smallest and largest slice seen, when count > 0 */
	int64_t		last;
	__int128	value;			/* the one slice's sum while sums is NULL; the result once finished */
} agg_rate_state;

/* ---------------------------------------------------------------- HLL */

/* Raises register index to rank (if lower): agg_hll_add's path for sparse sketches, and merging. */
int			agg_hll_put(agg_hll_state *s, int precision, uint32_t index, uint8_t rank, agg_memory *m, kf_error *err);

/* Adds a value's hash to the sketch; -1 with *err when memory runs out or passes the limit. */
static inline int
agg_hll_add(agg_hll_state *s, int precision, uint64_t hash, agg_memory *m, kf_error *err)
{
	uint32_t	index = kf_hll_index(hash, precision);
	uint8_t		rank = kf_hll_rank(hash, precision);

	if (s->dense)
	{
		if (s->dense[index] < rank)
			s->dense[index] = rank;
		return 0;
	}
	return agg_hll_put(s, precision, index, rank, m, err);
}

/* Starts loading the register or sparse slot that adding hash to s will touch first. */
static inline void
agg_hll_prefetch(const agg_hll_state *s, int precision, uint64_t hash)
{
	uint32_t	index = kf_hll_index(hash, precision);

	if (s->dense)
		__builtin_prefetch(&s->dense[index]);
	else if (s->sparse)
		__builtin_prefetch(&s->sparse[index & (((uint32_t) 1 << s->sparse_bits) - 1)]);
}

/* Register-wise maximum of from into into. */
int			agg_hll_merge(agg_hll_state *into, const agg_hll_state *from, int precision, agg_memory *m,
						  kf_error *err);

/* kf_hll_estimate of the sketch's dense registers (0 for an empty sketch). */
int64_t		agg_hll_result(agg_hll_state *s, int precision);

void		agg_hll_free(agg_hll_state *s, int precision, agg_memory *m);

/* ---------------------------------------------------------------- percentile */

int			agg_pct_grow(agg_pct_state *s, uint64_t needed, agg_memory *m, kf_error *err);

static inline int
agg_pct_add(agg_pct_state *s, int64_t value, agg_memory *m, kf_error *err)
{
	if (s->count == s->capacity && agg_pct_grow(s, (uint64_t) s->count + 1, m, err) != 0)
		return -1;
	s->values[s->count++] = value;
	return 0;
}

/* Starts loading the place the next value of s goes. */
static inline void
agg_pct_prefetch(const agg_pct_state *s)
{
	if (s->count < s->capacity)
		__builtin_prefetch(&s->values[s->count], 1);
}

/* Appends from's values to into's. */
int			agg_pct_merge(agg_pct_state *into, const agg_pct_state *from, agg_memory *m, kf_error *err);

/* The nearest-rank percentile of the values into *out; false (NULL) when there are none. */
bool		agg_pct_result(agg_pct_state *s, double rank, int64_t *out);

void		agg_pct_free(agg_pct_state *s, agg_memory *m);

/* ---------------------------------------------------------------- percentile rate */

/* floor(time / slice_seconds) for slice_seconds > 0, the slice a row belongs to. */
static inline int64_t
agg_rate_slice_of(int64_t time, int64_t slice_seconds)
{
	int64_t		q = time / slice_seconds;

	return time % slice_seconds < 0 ? q - 1 : q;
}

/* The slot where a slice's search starts in a table of 1 << bits slots. */
static inline uint32_t
agg_rate_home(int64_t slice, uint8_t bits)
{
	return (uint32_t) agg_hash_slot(agg_hash_word(0, (uint64_t) slice), bits);
}

/* Starts loading the slot (sum, slice number, used flag) that adding to slice will look at first. */
static inline void
agg_rate_prefetch(const agg_rate_state *s, int64_t slice)
{
	if (s->sums == NULL)
		return;
	size_t		slots = (size_t) 1 << s->bits;
	uint32_t	i = agg_rate_home(slice, s->bits);

	__builtin_prefetch(&s->sums[i], 1);
	__builtin_prefetch((const int64_t *) (s->sums + slots) + i);
	__builtin_prefetch((const uint8_t *) ((const int64_t *) (s->sums + slots) + slots) + i);
}

/* Adds value to the sum of slice. */
int			agg_rate_add(agg_rate_state *s, int64_t slice, __int128 value, agg_memory *m, kf_error *err);

/* Adds from's per-slice sums to into's. */
int			agg_rate_merge(agg_rate_state *into, const agg_rate_state *from, agg_memory *m, kf_error *err);

/*
 * The nearest-rank percentile of the slice sums from the first to the last slice seen (missing
 * slices are 0) into *out; false (NULL) when no row was added.  Reorders the state's storage, so
 * nothing can be added afterwards.
 */
bool		agg_rate_result(agg_rate_state *s, double rank, __int128 *out);

void		agg_rate_free(agg_rate_state *s, agg_memory *m);

/* ---------------------------------------------------------------- a table's arrays */

struct agg_states;

/*
 * Frees the sketch states of groups[0..ngroups) of one aggregate and its state arrays of capacity
 * groups (engine/agg_hash_table.h), whichever of them exist.
 */
void		agg_sketch_states_free(struct agg_states *s, int precision, uint32_t ngroups, uint32_t capacity,
								   agg_memory *m);

#endif							/* KF_AGG_SKETCH_STATES_H */
