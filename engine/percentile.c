/*
 * percentile.c -- the nearest-rank percentile of engine/percentile.h: the exact position, and
 * selection (introselect: quickselect that falls back to heapsort) over int64 values and over
 * __int128 slice sums.
 */
#include "engine/percentile.h"

#include <math.h>

/*
 * Ranks are taken to 9 decimal places: rank * 10^9 rounded to an integer.  A double such as 99.9
 * is really 99.900000000000005684..., and ceil(99.9 / 100 * 1000) taken literally would be 1000
 * instead of the 999 everybody expects; rounding to 9 decimals first removes that binary noise
 * while keeping every rank a person would write.
 */
#define RANK_SCALE UINT64_C(1000000000)

bool
kf_percentile_rank_valid(double rank)
{
	return isfinite(rank) && rank > 0 && rank <= 100;
}

uint64_t
kf_percentile_index(uint64_t n, double rank)
{
	if (n == 0)
		return 0;
	if (!(rank > 0))
		rank = 0;
	if (!(rank <= 100))
		rank = 100;

	/* position = ceil(scaled * n / (100 * RANK_SCALE)); scaled * n < 2^37 * 2^64 fits in 128 bits */
	unsigned __int128 scaled = (unsigned __int128) llround(rank * (double) RANK_SCALE);
	unsigned __int128 denominator = (unsigned __int128) 100 * RANK_SCALE;
	unsigned __int128 position = (scaled * n + denominator - 1) / denominator;

	if (position < 1)
		position = 1;
	if (position > n)
		position = n;
	return (uint64_t) position - 1;
}

/*
 * select_<name>(values, n, k): reorders values[0..n) so that values[k] is the k-th smallest
 * (0-based) and returns it.  Quickselect with a median-of-three pivot and a three-way partition
 * (so runs of equal values, common in byte counters, cost one pass); after 2 log2(n) rounds
 * without converging it heap-sorts the remaining range, which bounds the worst case by
 * O(n log n).  Written once as a macro for the two value types.
 */
#define DEFINE_SELECT(name, type) \
static void \
sift_down_##name(type *v, uint64_t start, uint64_t root, uint64_t n) \
{ \
	for (;;) \
	{ \
		uint64_t	child = 2 * (root - start) + 1 + start; \
		if (child >= n) \
			return; \
		if (child + 1 < n && v[child] < v[child + 1]) \
			child++; \
		if (!(v[root] < v[child])) \
			return; \
		type		t = v[root]; \
		v[root] = v[child]; \
		v[child] = t; \
		root = child; \
	} \
} \
\
static void \
heap_sort_##name(type *v, uint64_t lo, uint64_t hi) \
{ \
	uint64_t	n = hi - lo; \
	for (uint64_t i = n / 2; i-- > 0;) \
		sift_down_##name(v, lo, lo + i, hi); \
	for (uint64_t end = hi; end - lo > 1; end--) \
	{ \
		type		t = v[lo]; \
		v[lo] = v[end - 1]; \
		v[end - 1] = t; \
		sift_down_##name(v, lo, lo, end - 1); \
	} \
} \
\
static type \
median3_##name(type a, type b, type c) \
{ \
	if (a < b) \
		return b < c ? b : (a < c ? c : a); \
	return a < c ? a : (b < c ? c : b); \
} \
\
static type \
select_##name(type *v, uint64_t n, uint64_t k) \
{ \
	uint64_t	lo = 0, hi = n; \
	int			budget = 2; \
	for (uint64_t s = n; s > 1; s >>= 1) \
		budget += 2; \
	while (hi - lo > 1) \
	{ \
		if (budget-- == 0) \
		{ \
			heap_sort_##name(v, lo, hi); \
			return v[k]; \
		} \
		type		pivot = median3_##name(v[lo], v[lo + (hi - lo) / 2], v[hi - 1]); \
		/* Dutch flag: [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */ \
		uint64_t	lt = lo, i = lo, gt = hi; \
		while (i < gt) \
		{ \
			type		x = v[i]; \
			if (x < pivot) \
			{ \
				v[i++] = v[lt]; \
				v[lt++] = x; \
			} \
			else if (pivot < x) \
			{ \
				v[i] = v[--gt]; \
				v[gt] = x; \
			} \
			else \
				i++; \
		} \
		if (k < lt) \
			hi = lt; \
		else if (k >= gt) \
			lo = gt; \
		else \
			return pivot; \
	} \
	return v[k]; \
}

DEFINE_SELECT(int64, int64_t)
DEFINE_SELECT(int128, __int128)

int64_t
kf_percentile_select_int(int64_t *values, uint64_t n, double rank)
{
	return select_int64(values, n, kf_percentile_index(n, rank));
}

__int128
kf_percentile_select_slices(__int128 *sums, uint64_t npresent, uint64_t ntotal, double rank)
{
	if (ntotal < npresent)
		ntotal = npresent;
	if (ntotal == 0)
		return 0;

	/*
	 * Sorted, the ntotal slices are: the negative present sums, then the missing slices (all 0),
	 * then the present sums >= 0 (a present 0 next to the missing ones is the same value).
	 */
	uint64_t	index = kf_percentile_index(ntotal, rank);
	uint64_t	missing = ntotal - npresent;
	uint64_t	negative = 0;

	for (uint64_t i = 0; i < npresent; i++)
		negative += sums[i] < 0;
	if (index < negative)
		return select_int128(sums, npresent, index);
	if (index < negative + missing)
		return 0;
	return select_int128(sums, npresent, index - missing);
}
