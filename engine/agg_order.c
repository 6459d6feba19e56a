/*
 * agg_order.c -- HAVING, ordering and OFFSET/LIMIT over the merged groups.  With LIMIT n OFFSET m
 * and an ORDER BY, only the first n + m groups matter, so a max-heap of that many groups (the
 * worst on top) is kept while the groups stream by, and only the heap is sorted at the end.
 */
#include "engine/agg_order.h"

#include <stdlib.h>

/* ------------------------------------------------------------------ values */

static agg_value
key_value(const agg_table *t, uint32_t index, uint32_t group)
{
	const agg_key_plan *k = &t->plan->keys[index];
	const uint64_t *key = &t->keys[(size_t) group * t->key_words];
	agg_value	v = {.kind = k->kind};

	if (k->kind == KF_V_INT)
		v.i = (int64_t) key[t->layout.word[index]];
	else if (k->kind == KF_V_STR)
		v.str = agg_string_get(&t->plan->strings, key[t->layout.word[index]]);
	else
		v.null = !agg_key_addr(t->plan, &t->layout, index, key, &v.addr);
	return v;
}

static agg_value
aggregate_value(const agg_table *t, uint32_t index, uint32_t group)
{
	const agg_item_plan *p = &t->plan->aggs[index];
	const agg_states *s = &t->states[index];
	agg_value	v = {.kind = KF_V_INT};

	switch (p->func)
	{
		case KF_AGG_COUNT_STAR:
		case KF_AGG_COUNT:
			v.i = s->counts[group];
			return v;
		case KF_AGG_COUNT_DISTINCT:
			v.i = agg_distinct_count(&s->sets[group]);
			return v;
		case KF_AGG_SUM:
			v.null = t->rows == 0;	/* the column is never NULL; only a grand total can have no rows */
			v.i = agg_sum_of(s, group);
			return v;
		case KF_AGG_HLL:
			v.i = agg_hll_result(&s->hlls[group], p->hll_precision);
			return v;
		case KF_AGG_PERCENTILE:
			{
				int64_t		percentile;

				v.null = !agg_pct_result(&s->pcts[group], p->rank, &percentile);
				v.i = percentile;
				return v;
			}
		case KF_AGG_PERCENTILE_RATE:
			v.null = !agg_rate_result(&s->rates[group], p->rank, &v.i);
			return v;
		default:				/* MIN and MAX */
			break;
	}
	v.kind = p->kind;
	v.null = s->counts[group] == 0;
	if (v.null)
		return v;
	if (p->kind == KF_V_INT)
		v.i = s->ints[group];
	else if (p->kind == KF_V_ADDR)
		v.addr = s->addrs[group];
	else
		v.str = agg_string_get(&t->plan->strings, (uint64_t) s->ints[group]);
	return v;
}

agg_value
agg_output_value(const agg_table *t, kf_output_ref ref, uint32_t group)
{
	return ref.is_agg ? aggregate_value(t, ref.index, group) : key_value(t, ref.index, group);
}

/* Compares two non-NULL values of one kind. */
static int
value_cmp(const agg_value *a, const agg_value *b)
{
	if (a->kind == KF_V_INT)
		return (a->i > b->i) - (a->i < b->i);
	if (a->kind == KF_V_ADDR)
		return agg_inet_cmp(a->addr, b->addr);
	return agg_string_cmp(a->str, b->str);
}

/* ------------------------------------------------------------------ HAVING */

static bool
int_satisfies(__int128 v, kf_cmp_op op, __int128 c)
{
	switch (op)
	{
		case KF_OP_EQ:
			return v == c;
		case KF_OP_NE:
			return v != c;
		case KF_OP_LT:
			return v < c;
		case KF_OP_LE:
			return v <= c;
		case KF_OP_GT:
			return v > c;
		case KF_OP_GE:
			return v >= c;
	}
	return false;
}

static bool
passes_having(const agg_table *t, uint32_t group)
{
	for (uint32_t h = 0; h < t->plan->nhaving; h++)
	{
		const kf_having_item *item = &t->plan->having[h];
		agg_value	v = agg_output_value(t, item->ref, group);

		if (v.null || !int_satisfies(v.i, item->op, item->value))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ ORDER BY */

/*
 * Compares groups a and b on a COUNT(*), COUNT or SUM output straight from the state arrays (the
 * usual ORDER BY of a top-N), without building agg_values.  These are never NULL in a table with
 * keys, where every group has rows; *done is false for other outputs, which take the general path.
 */
static inline int
counter_cmp(const agg_table *t, const kf_order_item *item, uint32_t a, uint32_t b, bool *done)
{
	*done = item->ref.is_agg && t->key_words > 0;
	if (!*done)
		return 0;
	const agg_states *s = &t->states[item->ref.index];
	int			c;

	switch (t->plan->aggs[item->ref.index].func)
	{
		case KF_AGG_COUNT_STAR:
		case KF_AGG_COUNT:
			c = (s->counts[a] > s->counts[b]) - (s->counts[a] < s->counts[b]);
			break;
		case KF_AGG_SUM:
			{
				__int128	x = agg_sum_of(s, a),
							y = agg_sum_of(s, b);

				c = (x > y) - (x < y);
				break;
			}
		default:
			*done = false;
			return 0;
	}
	return item->descending ? -c : c;
}

/* <0 when group a comes before group b in the requested order. */
static int
order_cmp(const void *pa, const void *pb, void *context)
{
	const agg_table *t = context;
	uint32_t	a = *(const uint32_t *) pa,
				b = *(const uint32_t *) pb;

	for (uint32_t o = 0; o < t->plan->norder; o++)
	{
		const kf_order_item *item = &t->plan->order[o];
		bool		done;
		int			fast = counter_cmp(t, item, a, b, &done);

		if (done)
		{
			if (fast != 0)
				return fast;
			continue;
		}
		agg_value	va = agg_output_value(t, item->ref, a);
		agg_value	vb = agg_output_value(t, item->ref, b);

		if (va.null || vb.null)
		{
			if (va.null && vb.null)
				continue;
			return va.null == item->nulls_first ? -1 : 1;
		}
		int			c = value_cmp(&va, &vb);

		if (c != 0)
			return item->descending ? -c : c;
	}
	return 0;
}

/* Restores the max-heap property below position i. */
static void
sift_down(uint32_t *heap, size_t n, size_t i, const agg_table *t)
{
	for (;;)
	{
		size_t		worst = i,
					l = 2 * i + 1,
					r = l + 1;

		if (l < n && order_cmp(&heap[l], &heap[worst], (void *) t) > 0)
			worst = l;
		if (r < n && order_cmp(&heap[r], &heap[worst], (void *) t) > 0)
			worst = r;
		if (worst == i)
			return;
		uint32_t	tmp = heap[i];

		heap[i] = heap[worst];
		heap[worst] = tmp;
		i = worst;
	}
}

static void
sift_up(uint32_t *heap, size_t i, const agg_table *t)
{
	while (i > 0)
	{
		size_t		parent = (i - 1) / 2;

		if (order_cmp(&heap[i], &heap[parent], (void *) t) <= 0)
			return;
		uint32_t	tmp = heap[i];

		heap[i] = heap[parent];
		heap[parent] = tmp;
		i = parent;
	}
}

/* Keeps the first `keep` groups in order among candidates[0..n), in place; returns how many. */
static size_t
top_n(uint32_t *candidates, size_t n, size_t keep, const agg_table *t)
{
	size_t		size = 0;

	for (size_t i = 0; i < n; i++)
	{
		uint32_t	g = candidates[i];

		if (size < keep)
		{
			candidates[size] = g;
			sift_up(candidates, size++, t);
		}
		else if (order_cmp(&g, &candidates[0], (void *) t) < 0)
		{
			candidates[0] = g;
			sift_down(candidates, size, 0, t);
		}
	}
	return size;
}

/* How many groups from the start of the order matter: LIMIT + OFFSET, or all (UINT64_MAX). */
static uint64_t
wanted_groups(const agg_plan *plan)
{
	return plan->has_limit && plan->limit <= UINT64_MAX - plan->offset ? plan->limit + plan->offset : UINT64_MAX;
}

/* The groups of t that pass HAVING and, with ORDER BY and LIMIT, are among the first wanted; in no order. */
static int
candidates(const agg_table *t, uint32_t **list_out, size_t *n_out, kf_error *err)
{
	const agg_plan *plan = t->plan;
	uint32_t   *list = malloc(sizeof(uint32_t) * ((size_t) t->ngroups + 1));
	size_t		n = 0;

	if (list == NULL)
		return kf_error_set(err, "out of memory for %u result groups", t->ngroups);
	for (uint32_t g = 0; g < t->ngroups; g++)
		if (passes_having(t, g))
			list[n++] = g;
	uint64_t	wanted = wanted_groups(plan);

	if (plan->norder > 0 && wanted < n)
		n = top_n(list, n, (size_t) wanted, t);
	*list_out = list;
	*n_out = n;
	return 0;
}

int
agg_order_candidates(const agg_table *t, uint32_t **groups, uint32_t *ngroups, kf_error *err)
{
	size_t		n;

	if (candidates(t, groups, &n, err) != 0)
		return -1;
	*ngroups = (uint32_t) n;
	return 0;
}

int
agg_order_rows(const agg_table *t, uint32_t **rows, uint32_t *nrows, kf_error *err)
{
	const agg_plan *plan = t->plan;
	uint32_t   *list;
	size_t		n;

	if (candidates(t, &list, &n, err) != 0)
		return -1;
	if (plan->norder > 0)
		qsort_r(list, n, sizeof(uint32_t), order_cmp, (void *) t);
	size_t		first = plan->offset < n ? (size_t) plan->offset : n;
	size_t		count = n - first;

	if (plan->has_limit && plan->limit < count)
		count = (size_t) plan->limit;
	for (size_t i = 0; i < count; i++)
		list[i] = list[first + i];
	*rows = list;
	*nrows = (uint32_t) count;
	return 0;
}
