/*
 * agg_hash_table.h -- a group table: the distinct packed keys seen so far, each with a group
 * number, and every aggregate's state as flat arrays indexed by group number.
 *
 * Keys are rows of key_words 64-bit words (an INT or a string id is one word, an address two).
 * Lookups go through open addressing with linear probing over slots that hold the group number
 * and a copy of the key, so a probe touches one cache line; the slots of a block's rows are
 * prefetched a few rows ahead.  A one-word key whose value is below AGG_DIRECT_RANGE (ports,
 * protocols, string ids of tags) is found through a direct array instead, and a key with no
 * words (a grand total) is always group 0.
 */
#ifndef KF_AGG_HASH_TABLE_H
#define KF_AGG_HASH_TABLE_H

#include "engine/agg_distinct.h"
#include "engine/agg_plan.h"
#include "engine/agg_sketch_states.h"

#define AGG_DIRECT_RANGE 65536

/* One aggregate's state for every group; only the arrays its function needs are allocated. */
typedef struct agg_states
{
	int64_t    *counts;			/* COUNT*, COUNT; for MIN/MAX the non-NULL values seen */
	int64_t    *partials;		/* SUM: the running sum while it fits in 64 bits ... */
	__int128   *sums;			/* ... plus what was moved out here when it would not */
	int64_t    *ints;			/* MIN/MAX of INT; of STR the string id */
	kf_addr    *addrs;			/* MIN/MAX of ADDR */
	agg_distinct_set *sets;		/* COUNT_DISTINCT */
	agg_hll_state *hlls;		/* HLL */
	agg_pct_state *pcts;		/* PERCENTILE */
	agg_rate_state *rates;		/* PERCENTILE_RATE */
} agg_states;

typedef struct agg_table
{
	const agg_plan *plan;
	agg_memory *memory;
	uint32_t	key_words;
	uint64_t   *keys;			/* ngroups rows of key_words */
	uint32_t	ngroups;
	uint32_t	capacity;		/* groups the arrays hold */
	uint64_t   *slots;			/* 1 << slot_bits entries of slot_words: group + 1 (0 = empty), key */
	uint32_t	slot_words;
	uint32_t	slot_bits;
	uint64_t   *hashes;			/* scratch: the hashes of a block's keys */
	int32_t    *direct;			/* one-word keys below AGG_DIRECT_RANGE: group, or -1 */
	agg_states *states;			/* plan->naggs */
	uint64_t	rows;			/* rows aggregated (a grand total's SUM is NULL when 0) */
} agg_table;

/* SUM of group g: its 128-bit part plus its 64-bit running part. */
static inline __int128
agg_sum_of(const agg_states *s, uint32_t g)
{
	return s->sums[g] + s->partials[g];
}

/* An empty table (a grand total starts with its one group). */
int			agg_table_init(agg_table *t, const agg_plan *plan, agg_memory *memory, kf_error *err);
void		agg_table_free(agg_table *t);

/* groups[i] = the group of key row i of keys (n rows), adding new groups as needed. */
int			agg_table_find(agg_table *t, const uint64_t *keys, uint32_t n, uint32_t *groups, kf_error *err);

/* 64-bit words of a distinct value of a column of this kind. */
static inline uint32_t
agg_distinct_words(kf_value_kind kind)
{
	return kind == KF_V_ADDR ? 2 : 1;
}

#endif							/* KF_AGG_HASH_TABLE_H */
