/*
 * agg_keys.h -- computing the packed group keys of a block's selected rows.
 */
#ifndef KF_AGG_KEYS_H
#define KF_AGG_KEYS_H

#include "engine/agg_plan.h"

/*
 * out[k * plan->key_words ...] = the packed key of row sel[k] of the current block, k < n: INT
 * values (after bucketing) and string ids as one word, addresses (after the prefix mask) as two,
 * a NULL address as two AGG_NULL_WORDs.  -1 with *err on a corrupt column or a bucket overflow.
 */
int			agg_keys_build(const agg_plan *plan, block_columns *bc, agg_block_strings *bs, const uint32_t *sel,
						   uint32_t n, uint64_t *out, kf_error *err);

#endif							/* KF_AGG_KEYS_H */
