/*
 * hll.c -- the HyperLogLog core of engine/hll.h: value hashes that never change between machines
 * or releases, the precision for Kentik's accuracy argument, and Ertl's improved raw estimator.
 *
 * The hashes are written here rather than taken from a library so that their output is part of
 * our own format: a sketch or estimate computed today must be reproduced bit for bit after an
 * upgrade and on any architecture.  Every hash is the same byte-stream hash (64-bit words read
 * little-endian, so the result does not depend on the host's byte order); kf_hll_hash_int is that
 * hash of the value's 8 little-endian bytes and kf_hll_hash_addr of the address's 16 bytes in
 * network order (kf_addr hi then lo, most significant byte first), with IPv4 as IPv4-mapped IPv6.
 */
#include "engine/hll.h"

#include <math.h>

#define HASH_SEED UINT64_C(0x6b656e74696b2e31)	/* "kentik.1" */
#define HASH_LENGTH_MULTIPLIER UINT64_C(0x9e3779b97f4a7c15)

/*
 * The finaliser of SplitMix64 (Stafford's "Mix13"): a bijection on 64-bit words in which every
 * input bit affects every output bit, so consecutive integers hash to unrelated values.
 */
static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The state before any word: depends on the length so that zero padding of the tail is unambiguous. */
static inline uint64_t
hash_start(size_t len)
{
	return HASH_SEED ^ ((uint64_t) len * HASH_LENGTH_MULTIPLIER);
}

/* Absorbs one 64-bit word; mixing the word first keeps similar words from cancelling in the xor. */
static inline uint64_t
hash_step(uint64_t state, uint64_t word)
{
	return mix64(state ^ mix64(word));
}

uint64_t
kf_hll_hash_bytes(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t	state = hash_start(len);
	size_t		i = 0;

	for (; i + 8 <= len; i += 8)
	{
		uint64_t	word = 0;

		for (int b = 0; b < 8; b++)
			word |= (uint64_t) p[i + b] << (8 * b);
		state = hash_step(state, word);
	}
	if (i < len)
	{
		uint64_t	word = 0;

		for (int b = 0; i + b < len; b++)
			word |= (uint64_t) p[i + b] << (8 * b);
		state = hash_step(state, word);
	}
	return len == 0 ? mix64(state) : state;
}

uint64_t
kf_hll_hash_int(int64_t value)
{
	/* The same as kf_hll_hash_bytes over the 8 little-endian bytes, without the byte loop. */
	return hash_step(hash_start(8), (uint64_t) value);
}

uint64_t
kf_hll_hash_addr(const kf_addr *addr)
{
	/*
	 * The same as kf_hll_hash_bytes over the 16 network-order bytes: read little-endian, the
	 * first 8 bytes are hi byte-swapped, the last 8 lo byte-swapped.
	 */
	return hash_step(hash_step(hash_start(16), __builtin_bswap64(addr->hi)), __builtin_bswap64(addr->lo));
}

int
kf_hll_precision_for_error(double rel_error)
{
	if (!isfinite(rel_error) || rel_error <= 0)
		return -1;
	for (int p = KF_HLL_MIN_PRECISION; p < KF_HLL_MAX_PRECISION; p++)
		if (1.04 / sqrt((double) ((uint64_t) 1 << p)) <= rel_error)
			return p;
	return KF_HLL_MAX_PRECISION;
}

/*
 * Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), the correction for registers still at 0
 * (x is their fraction, < 1 here).  The series is summed until it stops changing.
 */
static double
ertl_sigma(double x)
{
	double		y = 1.0;
	double		z = x;
	double		previous;

	do
	{
		x *= x;
		previous = z;
		z += x * y;
		y += y;
	} while (z != previous);
	return z;
}

/*
 * Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, the correction for registers at
 * the largest rank (x is the fraction of the others).  With 64-bit hashes that rank is reached
 * only past ~2^(64-p) values, but the estimator stays exact in form.
 */
static double
ertl_tau(double x)
{
	if (x == 0.0 || x == 1.0)
		return 0.0;

	double		y = 1.0;
	double		z = 1.0 - x;
	double		previous;

	do
	{
		x = sqrt(x);
		previous = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (z != previous);
	return z / 3.0;
}

/*
 * Ertl (2017), "New cardinality estimation algorithms for HyperLogLog sketches", algorithm 6:
 * the improved raw estimator.  It needs neither bias tables nor a switch to linear counting and
 * is accurate from 1 value to far beyond 2^40.  Only the histogram of register values matters,
 * so the result does not depend on the order in which registers were filled.
 */
uint64_t
kf_hll_estimate_histogram(const uint32_t *histogram, int precision)
{
	const uint32_t m = (uint32_t) 1 << precision;
	const int	q = 64 - precision;	/* ranks are 1..q+1 */

	if (histogram[0] == m)
		return 0;

	double		z = m * ertl_tau(1.0 - (double) histogram[q + 1] / m);

	for (int k = q; k >= 1; k--)
		z = 0.5 * (z + histogram[k]);
	z += m * ertl_sigma((double) histogram[0] / m);

	double		estimate = (double) m * m / (2.0 * log(2.0) * z);

	/* Capped so that the INT result column (int64) can always hold it. */
	return estimate >= 9223372036854774784.0 ? (uint64_t) INT64_MAX : (uint64_t) llround(estimate);
}

uint64_t
kf_hll_estimate(const uint8_t *registers, int precision)
{
	const int	top = 65 - precision;	/* the largest rank; larger register values are clamped */
	uint32_t	histogram[KF_HLL_HISTOGRAM_SIZE] = {0};

	for (uint32_t i = 0; i < ((uint32_t) 1 << precision); i++)
		histogram[registers[i] > top ? top : registers[i]]++;
	return kf_hll_estimate_histogram(histogram, precision);
}
