/*
 * agg_hash_table.h -- a group table: the distinct packed keys seen so far, each with a group
 * number, and every aggregate's state as flat arrays indexed by group number.
 *
 * Keys are rows of key_words 64-bit words laid out as agg_keys.h says (an INT, a string id or an
 * ipv4_* address is one word, another address two).
 * Lookups go through open addressing with linear probing over one-word slots that hold the top 32
 * bits of the key's hash (a tag) and the group number, so a probe reads the key array only when
 * the tag matches, eight slots share a cache line, and growing the slot array never rereads keys;
 * the slots of a block's rows are prefetched a few rows ahead.  A one-word key whose value is below AGG_DIRECT_RANGE (ports,
 * protocols, string ids of tags) is found through a direct array instead, and a key with no
 * words (a grand total) is always group 0.
 */
#ifndef KF_AGG_HASH_TABLE_H
#define KF_AGG_HASH_TABLE_H

#include "engine/agg_distinct.h"
#include "engine/agg_keys.h"
#include "engine/agg_sketch_states.h"

#define AGG_DIRECT_RANGE 65536
#define AGG_MAX_GROUPS (UINT32_C(1) << 30)

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
	agg_key_layout layout;
	uint32_t	key_words;		/* layout.words */
	uint64_t   *keys;			/* ngroups rows of key_words */
	uint32_t	ngroups;
	uint32_t	capacity;		/* groups the arrays hold */
	uint64_t   *slots;			/* 1 << slot_bits entries: hash tag << 32 | group + 1 (0 = empty) */
	uint32_t	slot_bits;
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

/* Makes room for groups groups in all, so that adding up to that many needs no growth. */
int			agg_table_reserve(agg_table *t, uint64_t groups, kf_error *err);

/*
 * hashes[i] = the hash of key row i of keys (n rows).  Tables of one plan hash alike, so one
 * hashing serves the choice of a partition (agg_partition_of) and the lookup in it.
 */
void		agg_table_hash_keys(const agg_table *t, const uint64_t *keys, uint32_t n, uint64_t *hashes);

/*
 * groups[i] = the group of key row i of keys (n rows), adding new groups as needed.  hashes are
 * the keys' agg_table_hash_keys; only keys of two or more words use them (NULL will do otherwise).
 */
int			agg_table_find(agg_table *t, const uint64_t *keys, const uint64_t *hashes, uint32_t n, uint32_t *groups,
						   kf_error *err);

/*
 * Which of 1 << bits partitions a key with this hash belongs to: bits just below the 32 that
 * tables use for slots and tags, so the keys of one partition still spread over its whole table.
 */
static inline uint32_t
agg_partition_of(uint64_t hash, uint32_t bits)
{
	return (uint32_t) (hash >> (32 - bits)) & ((UINT32_C(1) << bits) - 1);
}

#endif							/* KF_AGG_HASH_TABLE_H */
