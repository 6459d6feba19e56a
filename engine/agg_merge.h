/*
 * agg_merge.h -- combining the group tables the worker threads built into one.
 */
#ifndef KF_AGG_MERGE_H
#define KF_AGG_MERGE_H

#include "engine/agg_hash_table.h"

/*
 * Adds every group of from into into (same plan).  from is only good for agg_table_free afterwards:
 * the merge may take over the storage of its distinct sets rather than copy it.
 */
int			agg_table_merge(agg_table *into, agg_table *from, kf_error *err);

/* The same for groups[0..n) of from only (and all of from's row count). */
int			agg_table_merge_some(agg_table *into, agg_table *from, const uint32_t *groups, uint32_t n, kf_error *err);

#endif							/* KF_AGG_MERGE_H */
