/*
 * percentile.h -- the nearest-rank percentile shared by the engine's pushed-down f_percentile /
 * f_percentile_rate and the SQL aggregates of the same names, so both pick the same value.
 *
 * Nearest rank: of n values sorted ascending, the percentile `rank` (0 < rank <= 100) is the value
 * at 1-based position ceil(rank / 100 * n), computed in a way that does not depend on floating
 * point rounding of rank / 100 * n (so 95 of 20 values is exactly position 19).  The rank is
 * taken to 9 decimal places first, so that 99.9 means 999/1000 and not the binary double just above.
 */
#ifndef KF_ENGINE_PERCENTILE_H
#define KF_ENGINE_PERCENTILE_H

#include <stdbool.h>
#include <stdint.h>

/* Whether rank is usable: finite, 0 < rank <= 100. */
bool		kf_percentile_rank_valid(double rank);

/* The 0-based index of the nearest-rank percentile among n >= 1 sorted values. */
uint64_t	kf_percentile_index(uint64_t n, double rank);

/* The percentile of values[0..n) (n >= 1); reorders values (selection, not a full sort). */
int64_t		kf_percentile_select_int(int64_t *values, uint64_t n, double rank);

/*
 * The percentile over per-slice sums: sums[0..npresent) are the slices that have rows, and
 * ntotal >= npresent slices are counted in all (the missing ones are 0, and every sum is >= 0
 * for flow counters; negative sums are ordered correctly too).  Reorders sums.
 */
__int128	kf_percentile_select_slices(__int128 *sums, uint64_t npresent, uint64_t ntotal, double rank);

#endif							/* KF_ENGINE_PERCENTILE_H */
