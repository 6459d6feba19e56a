/*
 * agg_merge.c -- merging per-thread group tables: each group of the source is looked up (or
 * added) in the destination by its packed key and the states are combined, which is exact for
 * every aggregate the engine has (counts and sums add, MIN/MAX compare, distinct sets unite, HLL
 * registers take the maximum, percentile values concatenate, per-slice sums add).
 */
#include "engine/agg_merge.h"

#include "engine/agg_update.h"

/* Combines MIN/MAX state g of from into state gi of into (before their counts are added). */
static void
merge_minmax(const agg_table *into, agg_states *d, const agg_states *s, const agg_item_plan *p, uint32_t gi,
			 uint32_t g)
{
	bool		want_max = p->func == KF_AGG_MAX;
	bool		take = d->counts[gi] == 0;

	if (s->counts[g] == 0)
		return;
	if (p->kind == KF_V_ADDR)
	{
		if (take || agg_replaces(agg_inet_cmp(s->addrs[g], d->addrs[gi]), want_max))
			d->addrs[gi] = s->addrs[g];
		return;
	}
	int			cmp;

	if (p->kind == KF_V_INT)
		cmp = (s->ints[g] > d->ints[gi]) - (s->ints[g] < d->ints[gi]);
	else
		cmp = take ? 0 : agg_string_cmp(agg_string_get(&into->plan->strings, (uint64_t) s->ints[g]),
										 agg_string_get(&into->plan->strings, (uint64_t) d->ints[gi]));
	if (take || agg_replaces(cmp, want_max))
		d->ints[gi] = s->ints[g];
}

static int
merge_group(agg_table *into, const agg_table *from, uint32_t gi, uint32_t g, kf_error *err)
{
	for (uint32_t a = 0; a < into->plan->naggs; a++)
	{
		const agg_item_plan *p = &into->plan->aggs[a];
		agg_states *d = &into->states[a];
		const agg_states *s = &from->states[a];

		if (p->func == KF_AGG_SUM)
			d->sums[gi] += agg_sum_of(s, g);
		else if (p->func == KF_AGG_MIN || p->func == KF_AGG_MAX)
			merge_minmax(into, d, s, p, gi, g);
		else if (p->func == KF_AGG_COUNT_DISTINCT &&
				 agg_distinct_merge(&d->sets[gi], &s->sets[g], agg_distinct_words(p->kind), into->memory, err) != 0)
			return -1;
		else if (p->func == KF_AGG_HLL &&
				 agg_hll_merge(&d->hlls[gi], &s->hlls[g], p->hll_precision, into->memory, err) != 0)
			return -1;
		else if (p->func == KF_AGG_PERCENTILE && agg_pct_merge(&d->pcts[gi], &s->pcts[g], into->memory, err) != 0)
			return -1;
		else if (p->func == KF_AGG_PERCENTILE_RATE &&
				 agg_rate_merge(&d->rates[gi], &s->rates[g], into->memory, err) != 0)
			return -1;
		d->counts[gi] += s->counts[g];
	}
	return 0;
}

int
agg_table_merge(agg_table *into, const agg_table *from, kf_error *err)
{
	into->rows += from->rows;
	for (uint32_t g = 0; g < from->ngroups; g++)
	{
		uint32_t	gi;

		if (agg_table_find(into, &from->keys[(size_t) g * from->key_words], 1, &gi, err) != 0 ||
			merge_group(into, from, gi, g, err) != 0)
			return -1;
	}
	return 0;
}
