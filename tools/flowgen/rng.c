/*
 * rng.c -- xoshiro256** (Blackman & Vigna) with splitmix64 seeding, plus the few derived
 * distributions flowgen needs (uniform real, bounded integer, normal).
 */
#include "tools/flowgen/rng.h"

#include <math.h>

uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

void
rng_seed(rng *r, uint64_t seed)
{
	uint64_t	state = seed;

	for (int i = 0; i < 4; i++)
	{
		state += UINT64_C(0x9e3779b97f4a7c15);
		r->s[i] = mix64(state);
	}
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(rng *r)
{
	uint64_t	result = rotl(r->s[1] * 5, 7) * 9;
	uint64_t	t = r->s[1] << 17;

	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rotl(r->s[3], 45);
	return result;
}

double
rng_unit(rng *r)
{
	return (double) (rng_next(r) >> 11) * 0x1.0p-53;
}

/* Lemire's multiply-shift; the tiny bias for huge bounds does not matter for traffic shapes. */
uint32_t
rng_below(rng *r, uint32_t bound)
{
	return (uint32_t) (((rng_next(r) >> 32) * (uint64_t) bound) >> 32);
}

/* Box-Muller, using only one of the pair so a variate never depends on the previous call. */
double
rng_normal(rng *r)
{
	double		u1 = 1.0 - rng_unit(r);	/* (0, 1]: log stays finite */
	double		u2 = rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
