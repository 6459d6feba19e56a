/*
 * agg_plan.c -- validation of a kf_agg_spec and the key/aggregate layout derived from it.
 */
#include "engine/agg_plan.h"

#include <stdlib.h>
#include <string.h>

#include "engine/hll.h"
#include "engine/percentile.h"

static const char *
column_name(kf_ecol col)
{
	return kf_ecol_describe(col)->name;
}

static bool
valid_column(kf_ecol col)
{
	return (unsigned) col < KF_E_NUM_COLUMNS;
}

static int
validate_key(const kf_group_key *k, uint32_t i, kf_error *err)
{
	if (!valid_column(k->col))
		return kf_error_set(err, "group key %u names unknown column number %d", i, (int) k->col);
	kf_value_kind kind = kf_ecol_describe(k->col)->kind;

	switch (k->kind)
	{
		case KF_KEY_COLUMN:
			return 0;
		case KF_KEY_INT_TRUNC_BUCKET:
		case KF_KEY_INT_FLOOR_BUCKET:
			if (kind != KF_V_INT)
				return kf_error_set(err, "group key %u: buckets need an integer column, not %s", i, column_name(k->col));
			if (k->width <= 0)
				return kf_error_set(err, "group key %u: bucket width must be positive, not %lld", i,
									(long long) k->width);
			return 0;
		case KF_KEY_ADDR_PREFIX:
			if (kind != KF_V_ADDR)
				return kf_error_set(err, "group key %u: a prefix needs an address column, not %s", i, column_name(k->col));
			if (k->prefix_len > 128)
				return kf_error_set(err, "group key %u: prefix length %u is over 128", i, k->prefix_len);
			return 0;
	}
	return kf_error_set(err, "group key %u has unknown kind %d", i, (int) k->kind);
}

/* The arguments of f_hll, f_percentile and f_percentile_rate beyond their column. */
static int
validate_sketch_agg(const kf_agg_item *a, uint32_t i, kf_error *err)
{
	bool		int_column = kf_ecol_describe(a->col)->kind == KF_V_INT;

	switch (a->func)
	{
		case KF_AGG_HLL:
			if (a->hll_precision < KF_HLL_MIN_PRECISION || a->hll_precision > KF_HLL_MAX_PRECISION)
				return kf_error_set(err, "aggregate %u: f_hll precision %u is outside %d..%d", i, a->hll_precision,
									KF_HLL_MIN_PRECISION, KF_HLL_MAX_PRECISION);
			return 0;
		case KF_AGG_PERCENTILE:
		case KF_AGG_PERCENTILE_RATE:
			if (!int_column)
				return kf_error_set(err, "aggregate %u: %s needs an integer column, not %s", i,
									a->func == KF_AGG_PERCENTILE ? "f_percentile" : "f_percentile_rate",
									column_name(a->col));
			if (!kf_percentile_rank_valid(a->rank))
				return kf_error_set(err, "aggregate %u: percentile rank %g is not in (0, 100]", i, a->rank);
			if (a->func == KF_AGG_PERCENTILE)
				return 0;
			if (!valid_column(a->slice_col))
				return kf_error_set(err, "aggregate %u: f_percentile_rate names unknown slice column number %d", i,
									(int) a->slice_col);
			if (kf_ecol_describe(a->slice_col)->kind != KF_V_INT)
				return kf_error_set(err, "aggregate %u: f_percentile_rate slices need an integer time column, not %s",
									i, column_name(a->slice_col));
			if (a->slice_seconds <= 0)
				return kf_error_set(err, "aggregate %u: f_percentile_rate slice length must be positive, not %lld",
									i, (long long) a->slice_seconds);
			return 0;
		default:
			return 0;
	}
}

static int
validate_agg(const kf_agg_item *a, uint32_t i, kf_error *err)
{
	if ((unsigned) a->func > KF_AGG_PERCENTILE_RATE)
		return kf_error_set(err, "aggregate %u has unknown function %d", i, (int) a->func);
	if (a->func == KF_AGG_COUNT_STAR)
		return 0;
	if (!valid_column(a->col))
		return kf_error_set(err, "aggregate %u names unknown column number %d", i, (int) a->col);
	if (a->func == KF_AGG_SUM && kf_ecol_describe(a->col)->kind != KF_V_INT)
		return kf_error_set(err, "aggregate %u: sum needs an integer column, not %s", i, column_name(a->col));
	return validate_sketch_agg(a, i, err);
}

static bool
valid_ref(const kf_agg_spec *spec, kf_output_ref ref)
{
	return ref.is_agg ? ref.index < spec->naggs : ref.index < spec->nkeys;
}

/* Can the output be compared with an integer constant? */
static bool
integer_output(const kf_agg_spec *spec, kf_output_ref ref)
{
	if (!ref.is_agg)
	{
		const kf_group_key *k = &spec->keys[ref.index];

		return kf_ecol_describe(k->col)->kind == KF_V_INT;
	}
	const kf_agg_item *a = &spec->aggs[ref.index];

	if (a->func == KF_AGG_MIN || a->func == KF_AGG_MAX)
		return kf_ecol_describe(a->col)->kind == KF_V_INT;
	return true;
}

static int
validate_arrays(const kf_agg_spec *spec, kf_error *err)
{
	if (spec == NULL || spec->data_dir == NULL)
		return kf_error_set(err, "aggregation spec has no data directory");
	if ((spec->nkeys && !spec->keys) || (spec->naggs && !spec->aggs) || (spec->nhaving && !spec->having) ||
		(spec->norder && !spec->order))
		return kf_error_set(err, "aggregation spec gives a count without its array");
	if (spec->nkeys > AGG_MAX_KEYS)
		return kf_error_set(err, "aggregation spec has %u group keys (at most %d)", spec->nkeys, AGG_MAX_KEYS);
	return 0;
}

/* Checks the key, aggregate, HAVING and ORDER BY parts of a spec. */
static int
validate_spec(const kf_agg_spec *spec, kf_error *err)
{
	if (validate_arrays(spec, err) != 0)
		return -1;
	for (uint32_t i = 0; i < spec->nkeys; i++)
		if (validate_key(&spec->keys[i], i, err) != 0)
			return -1;
	for (uint32_t i = 0; i < spec->naggs; i++)
		if (validate_agg(&spec->aggs[i], i, err) != 0)
			return -1;
	for (uint32_t i = 0; i < spec->nhaving; i++)
	{
		const kf_having_item *h = &spec->having[i];

		if (!valid_ref(spec, h->ref) || (unsigned) h->op > KF_OP_GE)
			return kf_error_set(err, "HAVING item %u refers to no output or has a bad operator", i);
		if (!integer_output(spec, h->ref))
			return kf_error_set(err, "HAVING item %u compares an output that is not an integer", i);
	}
	for (uint32_t i = 0; i < spec->norder; i++)
		if (!valid_ref(spec, spec->order[i].ref))
			return kf_error_set(err, "ORDER BY item %u refers to no output", i);
	return 0;
}

/* The first len bits set, as a kf_addr. */
static kf_addr
prefix_mask(uint8_t len)
{
	kf_addr		m = {0, 0};

	if (len >= 64)
	{
		m.hi = UINT64_MAX;
		m.lo = len == 128 ? UINT64_MAX : ~(UINT64_MAX >> (len - 64));
	}
	else if (len > 0)
		m.hi = ~(UINT64_MAX >> len);
	return m;
}

static void
lay_out_keys(agg_plan *plan, const kf_agg_spec *spec)
{
	uint32_t	word = 0;

	plan->nkeys = spec->nkeys;
	for (uint32_t i = 0; i < spec->nkeys; i++)
	{
		agg_key_plan *k = &plan->keys[i];
		const kf_ecol_desc *desc = kf_ecol_describe(spec->keys[i].col);

		k->key = spec->keys[i];
		k->kind = desc->kind;
		k->nullable = desc->nullable;
		k->word = word;
		k->prefix_mask = prefix_mask(k->key.kind == KF_KEY_ADDR_PREFIX ? k->key.prefix_len : 128);
		word += k->kind == KF_V_ADDR ? 2 : 1;
	}
	plan->key_words = word;
}

/* malloc'd copy of n elements (a non-NULL pointer even for n = 0). */
static void *
copy_array(const void *src, size_t n, size_t size, kf_error *err)
{
	void	   *p = malloc(n * size + 1);

	if (p == NULL)
		kf_error_set(err, "out of memory for an aggregation plan");
	else if (n)
		memcpy(p, src, n * size);
	return p;
}

int
agg_plan_build(agg_plan *plan, const kf_agg_spec *spec, kf_error *err)
{
	if (validate_spec(spec, err) != 0 || agg_string_ids_init(&plan->strings, err) != 0)
		return -1;
	plan->data_dir = spec->data_dir;
	lay_out_keys(plan, spec);
	plan->naggs = spec->naggs;
	plan->nhaving = spec->nhaving;
	plan->norder = spec->norder;
	plan->has_limit = spec->has_limit;
	plan->limit = spec->limit;
	plan->offset = spec->offset;
	plan->memory.limit = spec->memory_limit;
	if ((plan->having = copy_array(spec->having, spec->nhaving, sizeof(kf_having_item), err)) == NULL ||
		(plan->order = copy_array(spec->order, spec->norder, sizeof(kf_order_item), err)) == NULL)
		return -1;
	if ((plan->aggs = calloc(spec->naggs + 1, sizeof(agg_item_plan))) == NULL)
		return kf_error_set(err, "out of memory for an aggregation plan");
	for (uint32_t i = 0; i < spec->naggs; i++)
	{
		agg_item_plan *a = &plan->aggs[i];

		a->func = spec->aggs[i].func;
		a->col = a->func == KF_AGG_COUNT_STAR ? KF_E_CTIMESTAMP : spec->aggs[i].col;
		a->kind = kf_ecol_describe(a->col)->kind;
		a->nullable = a->func != KF_AGG_COUNT_STAR && kf_ecol_describe(a->col)->nullable;
		a->hll_precision = spec->aggs[i].hll_precision;
		a->rank = spec->aggs[i].rank;
		a->slice_col = spec->aggs[i].slice_col;
		a->slice_seconds = spec->aggs[i].slice_seconds;
	}
	return 0;
}

void
agg_plan_free(agg_plan *plan)
{
	free(plan->aggs);
	free(plan->having);
	free(plan->order);
	agg_string_ids_free(&plan->strings);
}

kf_value_kind
agg_output_kind(const agg_plan *plan, kf_output_ref ref)
{
	if (!ref.is_agg)
		return plan->keys[ref.index].kind;
	const agg_item_plan *a = &plan->aggs[ref.index];

	return a->func == KF_AGG_MIN || a->func == KF_AGG_MAX ? a->kind : KF_V_INT;
}
