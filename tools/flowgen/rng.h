/*
 * rng.h -- the generator's small seeded PRNG (xoshiro256** seeded through splitmix64).
 *
 * Every random choice flowgen makes comes from one of these streams, so the same seed gives the
 * same flows on every run and in every output mode.  Not for cryptography.
 */
#ifndef FLOWGEN_RNG_H
#define FLOWGEN_RNG_H

#include <stdint.h>

typedef struct rng
{
	uint64_t	s[4];
} rng;

/* Seeds the stream; any seed (including 0) gives a valid, distinct stream. */
void		rng_seed(rng *r, uint64_t seed);

/* Next raw 64 random bits. */
uint64_t	rng_next(rng *r);

/* Uniform double in [0, 1). */
double		rng_unit(rng *r);

/* Uniform integer in [0, bound); bound must be > 0. */
uint32_t	rng_below(rng *r, uint32_t bound);

/* Standard normal variate (mean 0, deviation 1). */
double		rng_normal(rng *r);

/* Mixes a 64-bit value into a well-spread one (splitmix64 finalizer); a bijection. */
uint64_t	mix64(uint64_t x);

#endif
