/*
 * agg_result.h -- the result rows of an aggregation as output columns, handed out in batches.
 */
#ifndef KF_AGG_RESULT_H
#define KF_AGG_RESULT_H

#include "engine/agg_order.h"

#define AGG_RESULT_BATCH_ROWS 65536

typedef struct agg_result_column
{
	int64_t    *ints;
	__int128   *sums;
	kf_addr    *addrs;
	const char **strs;
	uint32_t   *lens;
	uint8_t    *nulls;
} agg_result_column;

typedef struct agg_result
{
	uint32_t	nrows;
	uint32_t	ncols;
	uint32_t	next_row;
	agg_result_column *owned;	/* whole columns */
	kf_agg_column *cols;		/* their kinds and pointers */
	kf_agg_column *batch;		/* the current batch's window into cols */
} agg_result;

/* Materialises groups rows[0..n) of t (strings stay owned by the plan). */
int			agg_result_build(agg_result *r, const agg_table *t, const uint32_t *rows, uint32_t n, kf_error *err);

/* The next batch: 1, or 0 when every row was handed out. */
int			agg_result_next(agg_result *r, kf_agg_batch *out);

void		agg_result_free(agg_result *r);

#endif							/* KF_AGG_RESULT_H */
