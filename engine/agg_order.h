/*
 * agg_order.h -- from a merged group table to the ordered list of output groups: HAVING, ORDER BY
 * (a full sort, or a top-N heap under LIMIT) and OFFSET/LIMIT.  Also reads a group's output
 * values, which the result columns are built from.
 */
#ifndef KF_AGG_ORDER_H
#define KF_AGG_ORDER_H

#include "engine/agg_hash_table.h"

/* One output value of one group. */
typedef struct agg_value
{
	bool		null;
	kf_value_kind kind;
	__int128	i;				/* INT outputs (counts, sums, INT keys, MIN/MAX of INT) */
	kf_addr		addr;
	agg_string_ref str;
} agg_value;

agg_value	agg_output_value(const agg_table *t, kf_output_ref ref, uint32_t group);

/*
 * *rows = malloc'd group numbers to output, in order, *nrows of them.  -1 with *err only when
 * memory runs out.
 */
int			agg_order_rows(const agg_table *t, uint32_t **rows, uint32_t *nrows, kf_error *err);

/*
 * *groups = malloc'd numbers of the groups of t that can be output rows, in no order: those that
 * pass HAVING, and with ORDER BY and LIMIT only the first LIMIT + OFFSET of them.  Applied to each
 * partition of the groups, the union holds every output row; agg_order_rows then orders it.
 */
int			agg_order_candidates(const agg_table *t, uint32_t **groups, uint32_t *ngroups, kf_error *err);

#endif							/* KF_AGG_ORDER_H */
