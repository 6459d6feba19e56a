/*
 * agg_update.c -- per-aggregate update loops over a block's selected rows.  Each loop reads one
 * decoded column and scatters into the flat state arrays by group number, so the hot
 * "SUM(bytes) GROUP BY key" is one add per row; the sketch aggregates (f_hll, f_percentile,
 * f_percentile_rate) add to their per-group states (engine/agg_sketch_states.h) the same way.
 */
#include "engine/agg_update.h"

#define DISTINCT_PREFETCH_DISTANCE 32
#define SKETCH_PREFETCH_DISTANCE 8
#define SKETCH_CHUNK_ROWS 256

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

/*
 * Adds hashes[0..m) to the sketches of groups[0..m).  With many groups the states and their
 * registers are cache misses, so a group's state is fetched two distances ahead and the slot its
 * hash will touch one distance ahead.
 */
static int
add_hll_hashes(agg_table *t, agg_states *s, int precision, const uint64_t *hashes, const uint32_t *groups,
			   uint32_t m, kf_error *err)
{
	for (uint32_t j = 0; j < m; j++)
	{
		if (j + 2 * SKETCH_PREFETCH_DISTANCE < m)
			__builtin_prefetch(&s->hlls[groups[j + 2 * SKETCH_PREFETCH_DISTANCE]]);
		if (j + SKETCH_PREFETCH_DISTANCE < m)
			agg_hll_prefetch(&s->hlls[groups[j + SKETCH_PREFETCH_DISTANCE]], precision,
							 hashes[j + SKETCH_PREFETCH_DISTANCE]);
		if (agg_hll_add(&s->hlls[groups[j]], precision, hashes[j], t->memory, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * f_hll: each non-NULL value's hash into its group's sketch, a chunk of rows at a time: first the
 * chunk's hashes (a tight loop over one column), then the additions.
 */
static int
hll_values(agg_table *t, agg_states *s, const agg_item_plan *p, block_columns *bc, const uint32_t *sel, uint32_t n,
		   const uint32_t *groups, kf_error *err)
{
	const int64_t *ints = NULL;
	const kf_addr *addrs = NULL;
	const uint32_t *codes = NULL;
	const kf_dict *dict = NULL;
	uint32_t	hashed_code = UINT32_MAX;
	uint64_t	code_hash = 0;

	if (p->kind == KF_V_INT)
		ints = block_ints(bc, p->col, err);
	else if (p->kind == KF_V_ADDR)
		addrs = block_addrs(bc, p->col, err);
	else
		codes = block_codes(bc, p->col, &dict, err);
	if (ints == NULL && addrs == NULL && codes == NULL)
		return -1;
	for (uint32_t first = 0; first < n; first += SKETCH_CHUNK_ROWS)
	{
		uint32_t	end = n - first < SKETCH_CHUNK_ROWS ? n : first + SKETCH_CHUNK_ROWS;
		uint64_t	hashes[SKETCH_CHUNK_ROWS];
		uint32_t	chunk_groups[SKETCH_CHUNK_ROWS];
		uint32_t	m = 0;

		for (uint32_t k = first; k < end; k++)
		{
			uint32_t	row = sel[k];

			if (ints)
				hashes[m] = kf_hll_hash_int(ints[row]);
			else if (addrs)
			{
				if (p->nullable && !kf_addr_is_v4(addrs[row]))
					continue;
				hashes[m] = kf_hll_hash_addr(&addrs[row]);
			}
			else
			{
				/* runs of one string (a tag, a device name) are common: hash each run once */
				if (codes[row] != hashed_code)
				{
					hashed_code = codes[row];
					code_hash = kf_hll_hash_bytes(dict->strings[hashed_code], dict->lengths[hashed_code]);
				}
				hashes[m] = code_hash;
			}
			chunk_groups[m++] = groups[k];
		}
		if (add_hll_hashes(t, s, p->hll_precision, hashes, chunk_groups, m, err) != 0)
			return -1;
	}
	return 0;
}

static int
percentile_values(agg_table *t, agg_states *s, const agg_item_plan *p, block_columns *bc, const uint32_t *sel,
				  uint32_t n, const uint32_t *groups, kf_error *err)
{
	const int64_t *v = block_ints(bc, p->col, err);

	if (v == NULL)
		return -1;
	for (uint32_t k = 0; k < n; k++)
	{
		if (k + 2 * SKETCH_PREFETCH_DISTANCE < n)
			__builtin_prefetch(&s->pcts[groups[k + 2 * SKETCH_PREFETCH_DISTANCE]]);
		if (k + SKETCH_PREFETCH_DISTANCE < n)
			agg_pct_prefetch(&s->pcts[groups[k + SKETCH_PREFETCH_DISTANCE]]);
		if (agg_pct_add(&s->pcts[groups[k]], v[sel[k]], t->memory, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * f_percentile_rate: each row's value into its group's sum for the row's time slice, a chunk of
 * rows at a time: first the slices (a division per row, in a tight loop), then the additions.
 */
static int
rate_values(agg_table *t, agg_states *s, const agg_item_plan *p, block_columns *bc, const uint32_t *sel, uint32_t n,
			const uint32_t *groups, kf_error *err)
{
	const int64_t *v = block_ints(bc, p->col, err);
	const int64_t *times = v ? block_ints(bc, p->slice_col, err) : NULL;

	if (times == NULL)
		return -1;
	for (uint32_t first = 0; first < n; first += SKETCH_CHUNK_ROWS)
	{
		uint32_t	m = n - first < SKETCH_CHUNK_ROWS ? n - first : SKETCH_CHUNK_ROWS;
		const uint32_t *g = groups + first;
		int64_t		slices[SKETCH_CHUNK_ROWS];

		for (uint32_t j = 0; j < m; j++)
			slices[j] = agg_rate_slice_of(times[sel[first + j]], p->slice_seconds);
		for (uint32_t j = 0; j < m; j++)
		{
			if (j + 2 * SKETCH_PREFETCH_DISTANCE < m)
				__builtin_prefetch(&s->rates[g[j + 2 * SKETCH_PREFETCH_DISTANCE]]);
			if (j + SKETCH_PREFETCH_DISTANCE < m)
				agg_rate_prefetch(&s->rates[g[j + SKETCH_PREFETCH_DISTANCE]], slices[j + SKETCH_PREFETCH_DISTANCE]);
			if (agg_rate_add(&s->rates[g[j]], slices[j], v[sel[first + j]], t->memory, err) != 0)
				return -1;
		}
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
		case KF_AGG_HLL:
			return hll_values(t, s, p, bc, sel, n, groups, err);
		case KF_AGG_PERCENTILE:
			return percentile_values(t, s, p, bc, sel, n, groups, err);
		case KF_AGG_PERCENTILE_RATE:
			return rate_values(t, s, p, bc, sel, n, groups, err);
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
