/*
 * agg_merge.h -- combining the group tables the worker threads built into one.
 */
#ifndef KF_AGG_MERGE_H
#define KF_AGG_MERGE_H

#include "engine/agg_hash_table.h"

/* Adds every group of from into into (same plan); from is left as it was. */
int			agg_table_merge(agg_table *into, const agg_table *from, kf_error *err);

#endif							/* KF_AGG_MERGE_H */
