/*
 * agg_update.h -- folding a block's selected rows into the aggregate states of their groups.
 */
#ifndef KF_AGG_UPDATE_H
#define KF_AGG_UPDATE_H

#include "engine/agg_hash_table.h"

/*
 * For k < n, adds row sel[k] of the current block to group groups[k] of every aggregate of t.
 * -1 with *err on a corrupt column or when a distinct set passes the memory limit.
 */
int			agg_update_block(agg_table *t, block_columns *bc, agg_block_strings *bs, const uint32_t *sel, uint32_t n,
							 const uint32_t *groups, kf_error *err);

/* Is candidate a better MIN (want_max false) or MAX than current, by cmp's sign? */
static inline bool
agg_replaces(int cmp, bool want_max)
{
	return want_max ? cmp > 0 : cmp < 0;
}

#endif							/* KF_AGG_UPDATE_H */
