/*
 * agg_update.c -- per-aggregate update loops over a block's selected rows.  Each loop reads one
 * decoded column and scatters into the flat state arrays by group number, so the hot
 * "SUM(bytes) GROUP BY key" is one add per row.
 */
#include "engine/agg_update.h"

#define DISTINCT_PREFETCH_DISTANCE 32

static void
count_rows(agg_states *s, uint32_t n, const uint32_t *groups)
{
	for (uint32_t k = 0; k < n; k++)
		s->counts[groups[k]]++;
}

/* COUNT(col) over an ipv4_* view: the NULLs (non-IPv4) do not count. */
static int
count_nonnull_addrs(agg_states *s, const agg_item_plan *p, block_columns *bc, const uint32_t *sel, uint32_t n,
					const uint32_t *groups, kf_error *err)
{
	const kf_addr *a = block_addrs(bc, p->col, err);

	if (a == NULL)
		return -1;
	for (uint32_t k = 0; k < n; k++)
		s->counts[groups[k]] += kf_addr_is_v4(a[sel[k]]);
	return 0;
}

static int
sum_ints(agg_states *s, const agg_item_plan *p, block_columns *bc, const uint32_t *sel, uint32_t n,
		 const uint32_t *groups, kf_error *err)
{
	const int64_t *v = block_ints(bc, p->col, err);

	if (v == NULL)
		return -1;
	/*
	 * One 64-bit add per row; the rare add that would overflow moves the running sum into the
	 * 128-bit part instead.  No count: a SUM over a never-NULL column is NULL only for a grand
	 * total over no rows.
	 */
	for (uint32_t k = 0; k < n; k++)
	{
		uint32_t	g = groups[k];
		int64_t		x = v[sel[k]],
					sum;

		if (__builtin_add_overflow(s->partials[g], x, &sum))
		{
			s->sums[g] += (__int128) s->partials[g] + x;
			sum = 0;
		}
		s->partials[g] = sum;
	}
	return 0;
}

static int
minmax_ints(agg_states *s, const agg_item_plan *p, block_columns *bc, const uint32_t *sel, uint32_t n,
			const uint32_t *groups, kf_error *err)
{
	const int64_t *v = block_ints(bc, p->col, err);
	bool		want_max = p->func == KF_AGG_MAX;

	if (v == NULL)
		return -1;
	for (uint32_t k = 0; k < n; k++)
	{
		uint32_t	g = groups[k];
		int64_t		x = v[sel[k]];

		if (s->counts[g]++ == 0 || agg_replaces((x > s->ints[g]) - (x < s->ints[g]), want_max))
			s->ints[g] = x;
	}
	return 0;
}

static int
minmax_addrs(agg_states *s, const agg_item_plan *p, block_columns *bc, const uint32_t *sel, uint32_t n,
			 const uint32_t *groups, kf_error *err)
{
	const kf_addr *a = block_addrs(bc, p->col, err);
	bool		want_max = p->func == KF_AGG_MAX;

	if (a == NULL)
		return -1;
	for (uint32_t k = 0; k < n; k++)
	{
		uint32_t	g = groups[k];
		kf_addr		x = a[sel[k]];

		if (p->nullable && !kf_addr_is_v4(x))
			continue;
		if (s->counts[g]++ == 0 || agg_replaces(agg_inet_cmp(x, s->addrs[g]), want_max))
			s->addrs[g] = x;
	}
	return 0;
}

static int
minmax_strs(agg_states *s, const agg_item_plan *p, block_columns *bc, agg_block_strings *bs, const uint32_t *sel,
			uint32_t n, const uint32_t *groups, kf_error *err)
{
	const uint32_t *ids;
	const uint32_t *codes = agg_block_string_codes(bs, bc, p->col, &ids, err);
	bool		want_max = p->func == KF_AGG_MAX;

	if (codes == NULL)
		return -1;
	for (uint32_t k = 0; k < n; k++)
	{
		uint32_t	g = groups[k];
		int64_t		id = ids[codes[sel[k]]];

		if (s->counts[g]++ == 0)
			s->ints[g] = id;
		else if (id != s->ints[g] &&
				 agg_replaces(agg_string_cmp(agg_string_get(bs->ids, (uint64_t) id),
											 agg_string_get(bs->ids, (uint64_t) s->ints[g])), want_max))
			s->ints[g] = id;
	}
	return 0;
}

static int
distinct_values(agg_table *t, agg_states *s, const agg_item_plan *p, block_columns *bc, agg_block_strings *bs,
				const uint32_t *sel, uint32_t n, const uint32_t *groups, kf_error *err)
{
	const int64_t *ints = NULL;
	const kf_addr *addrs = NULL;
	const uint32_t *codes = NULL,
			   *ids = NULL;

	if (p->kind == KF_V_INT)
		ints = block_ints(bc, p->col, err);
	else if (p->kind == KF_V_ADDR)
		addrs = block_addrs(bc, p->col, err);
	else
		codes = agg_block_string_codes(bs, bc, p->col, &ids, err);
	if (ints == NULL && addrs == NULL && codes == NULL)
		return -1;
	for (uint32_t k = 0; k < n; k++)
	{
		agg_distinct_set *set = &s->sets[groups[k]];
		int			rc;

		if (addrs && k + DISTINCT_PREFETCH_DISTANCE < n)
		{
			kf_addr		ahead = addrs[sel[k + DISTINCT_PREFETCH_DISTANCE]];

			agg_distinct_prefetch(&s->sets[groups[k + DISTINCT_PREFETCH_DISTANCE]], 2, ahead.hi, ahead.lo);
		}

		if (ints)
			rc = agg_distinct_add(set, 1, 0, (uint64_t) ints[sel[k]], t->memory, err);
		else if (codes)
			rc = agg_distinct_add(set, 1, 0, ids[codes[sel[k]]], t->memory, err);
		else if (p->nullable && !kf_addr_is_v4(addrs[sel[k]]))
			rc = 0;
		else
			rc = agg_distinct_add(set, 2, addrs[sel[k]].hi, addrs[sel[k]].lo, t->memory, err);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int
update_one(agg_table *t, uint32_t a, block_columns *bc, agg_block_strings *bs, const uint32_t *sel, uint32_t n,
		   const uint32_t *groups, kf_error *err)
{
	const agg_item_plan *p = &t->plan->aggs[a];
	agg_states *s = &t->states[a];

	switch (p->func)
	{
		case KF_AGG_COUNT_STAR:
			count_rows(s, n, groups);
			return 0;
		case KF_AGG_COUNT:
			if (!p->nullable)
				count_rows(s, n, groups);
			return p->nullable ? count_nonnull_addrs(s, p, bc, sel, n, groups, err) : 0;
		case KF_AGG_COUNT_DISTINCT:
			return distinct_values(t, s, p, bc, bs, sel, n, groups, err);
		case KF_AGG_SUM:
			return sum_ints(s, p, bc, sel, n, groups, err);
		case KF_AGG_MIN:
		case KF_AGG_MAX:
			if (p->kind == KF_V_INT)
				return minmax_ints(s, p, bc, sel, n, groups, err);
			if (p->kind == KF_V_ADDR)
				return minmax_addrs(s, p, bc, sel, n, groups, err);
			return minmax_strs(s, p, bc, bs, sel, n, groups, err);
		default:
			break;
	}
	return kf_error_set(err, "unknown aggregate function %d", (int) p->func);
}

int
agg_update_block(agg_table *t, block_columns *bc, agg_block_strings *bs, const uint32_t *sel, uint32_t n,
				 const uint32_t *groups, kf_error *err)
{
	t->rows += n;
	for (uint32_t a = 0; a < t->plan->naggs; a++)
		if (update_one(t, a, bc, bs, sel, n, groups, err) != 0)
			return -1;
	return 0;
}
