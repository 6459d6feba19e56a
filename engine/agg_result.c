/*
 * agg_result.c -- output columns of the result rows, in the kinds aggregate.h promises: keys in
 * their own kind, counts, HLL estimates and percentiles as INT, SUM and percentile rates as
 * 128-bit, MIN/MAX in the column's kind, with NULL flags where an output can be NULL.
 */
#include "engine/agg_result.h"

#include <stdlib.h>
#include <string.h>

/* Can this output be NULL?  Nullable ADDR keys, and SUM/MIN/MAX/percentiles (of no non-NULL values). */
static bool
output_nullable(const agg_plan *plan, kf_output_ref ref)
{
	if (!ref.is_agg)
		return plan->keys[ref.index].nullable;
	kf_agg_func f = plan->aggs[ref.index].func;

	return f == KF_AGG_SUM || f == KF_AGG_MIN || f == KF_AGG_MAX || f == KF_AGG_PERCENTILE ||
		f == KF_AGG_PERCENTILE_RATE;
}

/* Outputs that may not fit in 64 bits: SUM, and the per-slice sums of PERCENTILE_RATE. */
static bool
output_is_sum(const agg_plan *plan, kf_output_ref ref)
{
	return ref.is_agg && (plan->aggs[ref.index].func == KF_AGG_SUM ||
						  plan->aggs[ref.index].func == KF_AGG_PERCENTILE_RATE);
}

static int
alloc_column(agg_result_column *o, kf_agg_column *c, const agg_plan *plan, kf_output_ref ref, uint32_t n)
{
	size_t		rows = (size_t) n + 1;

	c->kind = agg_output_kind(plan, ref);
	if (output_is_sum(plan, ref))
		c->sums = o->sums = malloc(rows * sizeof(__int128));
	else if (c->kind == KF_V_INT)
		c->ints = o->ints = malloc(rows * sizeof(int64_t));
	else if (c->kind == KF_V_ADDR)
		c->addrs = o->addrs = malloc(rows * sizeof(kf_addr));
	else
	{
		c->strs = o->strs = malloc(rows * sizeof(char *));
		c->lens = o->lens = malloc(rows * sizeof(uint32_t));
		if (o->lens == NULL)
			return -1;
	}
	if (output_nullable(plan, ref) && (c->nulls = o->nulls = malloc(rows)) == NULL)
		return -1;
	return o->ints || o->sums || o->addrs || o->strs ? 0 : -1;
}

static void
fill_column(agg_result_column *o, const agg_table *t, kf_output_ref ref, const uint32_t *rows, uint32_t n)
{
	for (uint32_t r = 0; r < n; r++)
	{
		agg_value	v = agg_output_value(t, ref, rows[r]);

		if (o->nulls)
			o->nulls[r] = v.null;
		if (o->sums)
			o->sums[r] = v.null ? 0 : v.i;
		else if (o->ints)
			o->ints[r] = v.null ? 0 : (int64_t) v.i;
		else if (o->addrs)
			o->addrs[r] = v.null ? (kf_addr) {0, 0} : v.addr;
		else
		{
			o->strs[r] = v.null ? "" : v.str.str;
			o->lens[r] = v.null ? 0 : v.str.len;
		}
	}
}

int
agg_result_build(agg_result *r, const agg_table *t, const uint32_t *rows, uint32_t n, kf_error *err)
{
	const agg_plan *plan = t->plan;

	memset(r, 0, sizeof(*r));
	r->nrows = n;
	r->ncols = plan->nkeys + plan->naggs;
	r->owned = calloc(r->ncols + 1, sizeof(agg_result_column));
	r->cols = calloc(r->ncols + 1, sizeof(kf_agg_column));
	r->batch = calloc(r->ncols + 1, sizeof(kf_agg_column));
	if (r->owned == NULL || r->cols == NULL || r->batch == NULL)
		return kf_error_set(err, "out of memory for %u result rows", n);
	for (uint32_t j = 0; j < r->ncols; j++)
	{
		kf_output_ref ref = {j >= plan->nkeys, j >= plan->nkeys ? j - plan->nkeys : j};

		if (alloc_column(&r->owned[j], &r->cols[j], plan, ref, n) != 0)
			return kf_error_set(err, "out of memory for %u result rows", n);
		fill_column(&r->owned[j], t, ref, rows, n);
	}
	return 0;
}

int
agg_result_next(agg_result *r, kf_agg_batch *out)
{
	uint32_t	first = r->next_row;
	uint32_t	count = r->nrows - first;

	if (count == 0)
		return 0;
	if (count > AGG_RESULT_BATCH_ROWS)
		count = AGG_RESULT_BATCH_ROWS;
	for (uint32_t j = 0; j < r->ncols; j++)
	{
		const kf_agg_column *c = &r->cols[j];
		kf_agg_column *b = &r->batch[j];

		b->kind = c->kind;
		b->ints = c->ints ? c->ints + first : NULL;
		b->sums = c->sums ? c->sums + first : NULL;
		b->addrs = c->addrs ? c->addrs + first : NULL;
		b->strs = c->strs ? c->strs + first : NULL;
		b->lens = c->lens ? c->lens + first : NULL;
		b->nulls = c->nulls ? c->nulls + first : NULL;
	}
	r->next_row = first + count;
	out->nrows = count;
	out->ncols = r->ncols;
	out->cols = r->batch;
	return 1;
}

void
agg_result_free(agg_result *r)
{
	for (uint32_t j = 0; r->owned && j < r->ncols; j++)
	{
		free(r->owned[j].ints);
		free(r->owned[j].sums);
		free(r->owned[j].addrs);
		free(r->owned[j].strs);
		free(r->owned[j].lens);
		free(r->owned[j].nulls);
	}
	free(r->owned);
	free(r->cols);
	free(r->batch);
	memset(r, 0, sizeof(*r));
}
