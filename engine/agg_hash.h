/*
 * agg_hash.h -- the hash function of group tables and distinct sets: a multiply-xorshift mix of
 * 64-bit words whose top bits pick the slot (tables are powers of two).
 */
#ifndef KF_AGG_HASH_H
#define KF_AGG_HASH_H

#include <stdint.h>

static inline uint64_t
agg_hash_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
	return h ^ (h >> 29);
}

/* Slot of hash h in a table of 1 << bits slots (bits >= 1). */
static inline uint64_t
agg_hash_slot(uint64_t h, uint32_t bits)
{
	return (h * UINT64_C(0xbf58476d1ce4e5b9)) >> (64 - bits);
}

#endif							/* KF_AGG_HASH_H */
