/*
 * agg_plan.h -- a validated, copied kf_agg_spec with the layout the workers need: where each group
 * key lives in a row's packed key words and what each aggregate reads.  Shared read-only by all
 * threads, together with the query-wide memory account and string ids.
 */
#ifndef KF_AGG_PLAN_H
#define KF_AGG_PLAN_H

#include "engine/agg_memory.h"
#include "engine/agg_string_ids.h"
#include "engine/aggregate.h"

#define AGG_MAX_KEYS 32

/* The NULL of a nullable ADDR key: ipv4_* values are IPv4-mapped, so never all ones. */
#define AGG_NULL_WORD UINT64_MAX

typedef struct agg_key_plan
{
	kf_group_key key;
	kf_value_kind kind;			/* of the output */
	bool		nullable;
	uint32_t	word;			/* first of its words in the packed key: INT and STR 1, ADDR 2 */
	kf_addr		prefix_mask;	/* ADDR keys: the bits kept */
} agg_key_plan;

typedef struct agg_item_plan
{
	kf_agg_func func;
	kf_ecol		col;
	kf_value_kind kind;			/* of the column read (INT for COUNT_STAR) */
	bool		nullable;
	uint8_t		hll_precision;	/* HLL */
	double		rank;			/* PERCENTILE, PERCENTILE_RATE */
	kf_ecol		slice_col;		/* PERCENTILE_RATE */
	int64_t		slice_seconds;	/* PERCENTILE_RATE */
} agg_item_plan;

typedef struct agg_plan
{
	const char *data_dir;
	uint32_t	nkeys;
	agg_key_plan keys[AGG_MAX_KEYS];
	uint32_t	key_words;
	uint32_t	naggs;
	agg_item_plan *aggs;
	uint32_t	nhaving;
	kf_having_item *having;
	uint32_t	norder;
	kf_order_item *order;
	bool		has_limit;
	uint64_t	limit;
	uint64_t	offset;
	agg_memory	memory;
	agg_string_ids strings;
} agg_plan;

/* inet order of addresses: IPv4 before IPv6, then by address. */
static inline int
agg_inet_cmp(kf_addr a, kf_addr b)
{
	int			a_v6 = !kf_addr_is_v4(a),
				b_v6 = !kf_addr_is_v4(b);

	if (a_v6 != b_v6)
		return a_v6 - b_v6;
	return kf_addr_cmp(a, b);
}

/* Validates spec and fills plan (which must be zeroed); agg_plan_free releases it either way. */
int			agg_plan_build(agg_plan *plan, const kf_agg_spec *spec, kf_error *err);
void		agg_plan_free(agg_plan *plan);

/* The kind of an output column. */
kf_value_kind agg_output_kind(const agg_plan *plan, kf_output_ref ref);

#endif							/* KF_AGG_PLAN_H */
