/*
 * hll.h -- the HyperLogLog core shared by the engine's pushed-down f_hll and the SQL aggregate
 * f_hll, so both give bit-identical estimates for the same values.
 *
 * A sketch of precision p is 2^p one-byte registers.  A value is hashed to 64 bits (the functions
 * below: one hash per value kind, stable across machines and releases because sketches and
 * estimates must not change with an upgrade); the top p bits pick a register, and the register
 * keeps the maximum "rank" (1 + the number of leading zero bits of the rest).  The estimate is a
 * pure function of the registers, so adding values in any order, on any thread, and merging
 * sketches (register-wise maximum) all give the same answer.  How a caller stores the registers
 * (dense array, a sparse list of (index, rank) for small sets, palloc or malloc) is its own
 * business; kf_hll_estimate only sees the dense registers.
 *
 * Error: the relative standard error is about 1.04 / sqrt(2^p) (0.81% at p = 14); small
 * cardinalities are exact or nearly so (docs/dialect.md gives the measured figures).
 *
 * Measured relative error |estimate - n| / n, mean / max over 20 disjoint blocks of n consecutive
 * integers (`build/tests/test_sketches --accuracy`, engine/hll.c's Ertl estimator):
 *      n        p = 14            p = 10
 *      10       0.00% / 0.00%     0.00% / 0.00%
 *      100      0.25% / 2.00%     1.60% / 5.00%
 *      1e3      0.54% / 1.20%     2.20% / 8.40%
 *      1e4      0.39% / 1.16%     2.66% / 5.44%
 *      1e5      0.70% / 1.77%     2.73% / 5.64%
 *      1e6      0.49% / 1.07%     2.81% / 8.82%
 *
 * Hash byte layout: kf_hll_hash_int(v) == kf_hll_hash_bytes(v's 8 little-endian bytes, 8) and
 * kf_hll_hash_addr(a) == kf_hll_hash_bytes(a's 16 network-order bytes, 16), IPv4 as ::ffff:a.b.c.d
 * (so a PostgreSQL inet can be hashed from its bytes with the same result).
 */
#ifndef KF_ENGINE_HLL_H
#define KF_ENGINE_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define KF_HLL_MIN_PRECISION 4
#define KF_HLL_MAX_PRECISION 14

/*
 * The precision for Kentik's accuracy argument (f_hll(col, 0.0001)): the smallest p whose standard
 * error 1.04 / sqrt(2^p) is at most rel_error, clamped to [MIN, MAX] (so 0.0001 gives MAX).
 * Returns -1 for a rel_error that is not a finite number > 0.
 */
int			kf_hll_precision_for_error(double rel_error);

/* Value hashes (64-bit, well mixed). */
uint64_t	kf_hll_hash_int(int64_t value);
uint64_t	kf_hll_hash_addr(const kf_addr *addr);
uint64_t	kf_hll_hash_bytes(const void *data, size_t len);

/* The register index (< 2^p) and rank (1..65-p) of a hash at precision p. */
static inline uint32_t
kf_hll_index(uint64_t hash, int precision)
{
	return (uint32_t) (hash >> (64 - precision));
}

static inline uint8_t
kf_hll_rank(uint64_t hash, int precision)
{
	uint64_t	rest = hash << precision;

	return rest == 0 ? (uint8_t) (65 - precision) : (uint8_t) (__builtin_clzll(rest) + 1);
}

/* The cardinality estimate from the 2^precision dense registers. */
uint64_t	kf_hll_estimate(const uint8_t *registers, int precision);

/*
 * The same estimate from the registers' histogram: histogram[k] = how many of the 2^precision
 * registers hold k, for k = 0..65-precision (KF_HLL_HISTOGRAM_SIZE entries).  A sparse sketch
 * counts its absent registers as 0, so it needs no dense copy to be estimated.
 */
#define KF_HLL_HISTOGRAM_SIZE 66
uint64_t	kf_hll_estimate_histogram(const uint32_t *histogram, int precision);

#endif							/* KF_ENGINE_HLL_H */
