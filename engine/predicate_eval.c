/*
 * predicate_eval.c -- evaluates a compiled predicate over one decoded block into a byte mask.
 *
 * Every leaf is a tight loop over the whole block with the operator chosen outside the loop, so
 * the compiler can vectorize it; AND narrows the mask and stops (without decoding further
 * columns) once no row is left, OR widens it and stops once every row is in.  STR leaves are
 * evaluated once per dictionary entry into a lookup table, then by one table lookup per row.
 * After compilation a leaf over a NULL (a non-IPv4 address in an ipv4_* view) is plain false.
 *
 * Decoding dominates, so the evaluator avoids it where it can: a comparison on a stored INT column
 * runs on the packed values (kf_part_match_int) instead of a decoded int64 array; once an AND has
 * few rows left, the next INT comparison or string leaf looks at those rows only; and the root
 * AND's INT/ADDR conjuncts are taken most selective first, as measured on the blocks so far.
 */
#include "engine/predicate_eval.h"

#include "engine/logical_columns.h"

/*
 * The per-row loops here are written to be vectorized.  GCC's -O2 cost model ("very cheap") only
 * vectorizes loops whose trip count is a compile-time multiple of the vector width, which a
 * block's row count never is; let it weigh the loops properly instead.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include <stdlib.h>
#include <string.h>

/* IN lists up to this long are tested by one equality pass per value, longer ones by binary search. */
#define SHORT_IN_LIST 16

/*
 * A later conjunct of an AND is evaluated on the surviving rows only (random access into the packed
 * stream instead of decoding the block) when at most 1/SPARSE_DIVISOR of the block survives; the
 * same threshold as the scan's late materialisation (scan_executor.c says why).
 */
#define SPARSE_DIVISOR 8

int
pred_evaluator_init(pred_evaluator *ev, const cpred *root, kf_error *err)
{
	memset(ev, 0, sizeof(*ev));
	ev->root = root;
	ev->depth = pred_depth(root);
	if ((ev->scratch = calloc(ev->depth, sizeof(uint8_t *))) == NULL ||
		(ev->proven = calloc(pred_conjunct_count(root), 1)) == NULL ||
		(ev->selection = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t))) == NULL ||
		(ev->order = malloc(pred_conjunct_count(root) * sizeof(uint32_t))) == NULL ||
		(ev->rows_given = calloc(pred_conjunct_count(root), sizeof(uint64_t))) == NULL ||
		(ev->rows_kept = calloc(pred_conjunct_count(root), sizeof(uint64_t))) == NULL)
		return kf_error_set(err, "out of memory for predicate evaluation");
	for (uint32_t c = 0; c < pred_conjunct_count(root); c++)
		ev->order[c] = c;
	for (uint32_t i = 0; i < ev->depth; i++)
		if ((ev->scratch[i] = malloc(KF_BLOCK_MAX_ROWS)) == NULL)
			return kf_error_set(err, "out of memory for predicate evaluation");
	return 0;
}

void
pred_evaluator_free(pred_evaluator *ev)
{
	if (ev->scratch)
		for (uint32_t i = 0; i < ev->depth; i++)
			free(ev->scratch[i]);
	free(ev->scratch);
	free(ev->lut);
	free(ev->proven);
	free(ev->selection);
	free(ev->order);
	free(ev->rows_given);
	free(ev->rows_kept);
	memset(ev, 0, sizeof(*ev));
}

static bool
all_set(const uint8_t *mask, uint32_t n)
{
	uint8_t		acc = 1;

	for (uint32_t i = 0; i < n; i++)
		acc &= mask[i];
	return acc != 0;
}

static void
invert(uint8_t *mask, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		mask[i] ^= 1;
}

/* ------------------------------------------------------------------ INT leaves */

static bool
int_list_contains(const int64_t *sorted, uint32_t n, int64_t v)
{
	uint32_t	i = int_list_lower_bound(sorted, n, v);

	return i < n && sorted[i] == v;
}

/*
 * 64-bit comparisons as plain integer arithmetic: baseline x86-64 (SSE2) has no 64-bit vector
 * compare, but it has 64-bit subtract, xor and shift, so loops built from these vectorize.
 */
static inline uint8_t
i64_less(int64_t a, int64_t b)
{
	uint64_t	x = (uint64_t) a,
				y = (uint64_t) b,
				d = x - y;

	/* sign of a - b, corrected for overflow (Hacker's Delight 2-12) */
	return (uint8_t) ((d ^ ((x ^ y) & (d ^ x))) >> 63);
}

static inline uint8_t
i64_equal(int64_t a, int64_t b)
{
	uint64_t	x = (uint64_t) a ^ (uint64_t) b;

	return ((uint32_t) x | (uint32_t) (x >> 32)) == 0;
}

static void
eval_int_cmp(kf_cmp_op op, int64_t c, const int64_t *restrict v, uint32_t n, uint8_t *restrict out)
{
	switch (op)
	{
		case KF_OP_EQ:
			for (uint32_t i = 0; i < n; i++)
				out[i] = i64_equal(v[i], c);
			break;
		case KF_OP_NE:
			for (uint32_t i = 0; i < n; i++)
				out[i] = 1 - i64_equal(v[i], c);
			break;
		case KF_OP_LT:
			for (uint32_t i = 0; i < n; i++)
				out[i] = i64_less(v[i], c);
			break;
		case KF_OP_LE:
			for (uint32_t i = 0; i < n; i++)
				out[i] = 1 - i64_less(c, v[i]);
			break;
		case KF_OP_GT:
			for (uint32_t i = 0; i < n; i++)
				out[i] = i64_less(c, v[i]);
			break;
		case KF_OP_GE:
			for (uint32_t i = 0; i < n; i++)
				out[i] = 1 - i64_less(v[i], c);
			break;
	}
}

static void
eval_int_in(const cpred *p, const int64_t *v, uint32_t n, uint8_t *out)
{
	if (p->nvalues <= SHORT_IN_LIST)
	{
		memset(out, 0, n);
		for (uint32_t k = 0; k < p->nvalues; k++)
		{
			int64_t		c = p->ints[k];

			for (uint32_t i = 0; i < n; i++)
				out[i] |= i64_equal(v[i], c);
		}
	}
	else
	{
		int64_t		lo = p->ints[0],
					hi = p->ints[p->nvalues - 1];

		for (uint32_t i = 0; i < n; i++)
			out[i] = v[i] >= lo && v[i] <= hi && int_list_contains(p->ints, p->nvalues, v[i]);
	}
	if (p->negated)
		invert(out, n);
}

/*
 * The stored column a comparison can be tested on without decoding it, with the comparison as the
 * range [*lo, *hi] (*negate: the rows outside it); false when the leaf needs the decoded values: a
 * derived column, an IN list, or a column this block already decoded (then reading it is free).
 */
static bool
int_leaf_as_range(const cpred *p, const block_columns *bc, kf_column_id *col, int64_t *lo, int64_t *hi,
				  bool *negate)
{
	const ecol_source *src = ecol_source_of(p->col);

	if (p->type != KF_P_INT_CMP || src->how != ECOL_STORED || bc->stored_stamp[src->stored[0]] == bc->generation)
		return false;
	*col = src->stored[0];
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	*negate = p->op == KF_OP_NE;
	switch (p->op)
	{
		case KF_OP_EQ:
		case KF_OP_NE:
			*lo = *hi = p->ival;
			break;
		case KF_OP_LT:
			/* x < INT64_MIN holds for no x: the empty range [1, 0] */
			*lo = p->ival == INT64_MIN ? 1 : INT64_MIN;
			*hi = p->ival == INT64_MIN ? 0 : p->ival - 1;
			break;
		case KF_OP_LE:
			*hi = p->ival;
			break;
		case KF_OP_GT:
			*lo = p->ival == INT64_MAX ? 1 : p->ival + 1;
			*hi = p->ival == INT64_MAX ? 0 : INT64_MAX;
			break;
		case KF_OP_GE:
			*lo = p->ival;
			break;
	}
	return true;
}

/*
 * Tests a comparison on a stored column on the packed values: over rows sel[0..count) when sel is
 * given (out[] of other rows is left alone), else over the whole block.
 */
static int
eval_int_range(const block_columns *bc, kf_column_id col, int64_t lo, int64_t hi, bool negate,
			   const uint32_t *sel, uint32_t count, uint8_t *out, kf_error *err)
{
	if (kf_part_match_int(bc->reader, bc->block, col, lo, hi, sel, count, out, err) != 0)
		return -1;
	if (negate && sel == NULL)
		invert(out, bc->nrows);
	for (uint32_t k = 0; negate && sel != NULL && k < count; k++)
		out[sel[k]] ^= 1;
	return 0;
}

static int
eval_int_leaf(const cpred *p, block_columns *bc, uint8_t *out, kf_error *err)
{
	kf_column_id col;
	int64_t		lo,
				hi;
	bool		negate;

	if (int_leaf_as_range(p, bc, &col, &lo, &hi, &negate))
		return eval_int_range(bc, col, lo, hi, negate, NULL, 0, out, err);

	const int64_t *v = block_ints(bc, p->col, err);

	if (v == NULL)
		return -1;
	if (p->type == KF_P_INT_IN)
		eval_int_in(p, v, bc->nrows, out);
	else
		eval_int_cmp(p->op, p->ival, v, bc->nrows, out);
	return 0;
}

/* ------------------------------------------------------------------ ADDR leaves */

static inline int
inet_order(kf_addr a, kf_addr b)
{
	int			a_v6 = !kf_addr_is_v4(a),
				b_v6 = !kf_addr_is_v4(b);

	if (a_v6 != b_v6)
		return a_v6 - b_v6;
	return kf_addr_cmp(a, b);
}

static inline bool
addr_equal(kf_addr a, kf_addr b)
{
	return ((a.hi ^ b.hi) | (a.lo ^ b.lo)) == 0;
}

static bool
addr_list_contains(const kf_addr *sorted, uint32_t n, kf_addr v)
{
	uint32_t	lo = 0,
				hi = n;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (kf_addr_cmp(sorted[mid], v) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && addr_equal(sorted[lo], v);
}

static void
eval_addr_cmp(kf_cmp_op op, kf_addr c, const kf_addr *a, uint32_t n, uint8_t *out)
{
	switch (op)
	{
		case KF_OP_EQ:
			for (uint32_t i = 0; i < n; i++)
				out[i] = addr_equal(a[i], c);
			break;
		case KF_OP_NE:
			for (uint32_t i = 0; i < n; i++)
				out[i] = !addr_equal(a[i], c);
			break;
		case KF_OP_LT:
			for (uint32_t i = 0; i < n; i++)
				out[i] = inet_order(a[i], c) < 0;
			break;
		case KF_OP_LE:
			for (uint32_t i = 0; i < n; i++)
				out[i] = inet_order(a[i], c) <= 0;
			break;
		case KF_OP_GT:
			for (uint32_t i = 0; i < n; i++)
				out[i] = inet_order(a[i], c) > 0;
			break;
		case KF_OP_GE:
			for (uint32_t i = 0; i < n; i++)
				out[i] = inet_order(a[i], c) >= 0;
			break;
	}
}

static void
eval_addr_in(const cpred *p, const kf_addr *a, uint32_t n, uint8_t *out)
{
	if (p->nvalues <= SHORT_IN_LIST)
	{
		memset(out, 0, n);
		for (uint32_t k = 0; k < p->nvalues; k++)
		{
			kf_addr		c = p->addrs[k];

			for (uint32_t i = 0; i < n; i++)
				out[i] |= addr_equal(a[i], c);
		}
	}
	else
		for (uint32_t i = 0; i < n; i++)
			out[i] = addr_list_contains(p->addrs, p->nvalues, a[i]);
}

/* col <<= network: inside the range and of the network's family. */
static void
eval_addr_within(const cpred *p, const kf_addr *a, uint32_t n, uint8_t *out)
{
	for (uint32_t i = 0; i < n; i++)
		out[i] = addr_in_range(a[i], p->range_lo, p->range_hi) && kf_addr_is_v4(a[i]) == p->range_is_v4;
}

/* col >>= network: a host row contains only itself, and only a full-length "network" is a host. */
static void
eval_addr_contains(const cpred *p, const kf_addr *a, uint32_t n, uint8_t *out)
{
	if (p->prefix_len != 128)
	{
		memset(out, 0, n);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		out[i] = addr_equal(a[i], p->addr);
}

static int
eval_addr_leaf(const cpred *p, block_columns *bc, uint8_t *out, kf_error *err)
{
	const kf_addr *a = block_addrs(bc, p->col, err);
	uint32_t	n = bc->nrows;

	if (a == NULL)
		return -1;
	switch (p->type)
	{
		case KF_P_ADDR_CMP:
			eval_addr_cmp(p->op, p->addr, a, n, out);
			break;
		case KF_P_ADDR_IN:
			eval_addr_in(p, a, n, out);
			break;
		case KF_P_ADDR_WITHIN:
			eval_addr_within(p, a, n, out);
			break;
		case KF_P_ADDR_CONTAINS:
			eval_addr_contains(p, a, n, out);
			break;
		default:				/* KF_P_IS_NULL: the ipv4_* views are NULL unless IPv4 */
			for (uint32_t i = 0; i < n; i++)
				out[i] = !kf_addr_is_v4(a[i]);
			break;
	}
	if (p->negated)
		invert(out, n);
	/* a comparison with NULL is unknown, which a WHERE clause treats as false */
	if (p->nullable && p->type != KF_P_IS_NULL)
		for (uint32_t i = 0; i < n; i++)
			out[i] &= kf_addr_is_v4(a[i]);
	return 0;
}

/* ------------------------------------------------------------------ STR leaves */

static int
cmp_cstr(const void *key, const void *elem)
{
	return strcmp((const char *) key, *(char *const *) elem);
}

bool
str_leaf_matches(const cpred *p, const char *s, size_t len)
{
	switch (p->type)
	{
		case KF_P_STR_CMP:
			{
				bool		equal = len == p->str_len && memcmp(s, p->str, len) == 0;

				return p->op == KF_OP_EQ ? equal : !equal;
			}
		case KF_P_STR_IN:
			return (bsearch(s, p->strs, p->nvalues, sizeof(char *), cmp_cstr) != NULL) != p->negated;
		default:				/* LIKE, ILIKE */
			return like_match(p->like, s, len) != p->negated;
	}
}

/*
 * Evaluates the leaf once per dictionary entry, then looks each row's code up: every row, or only
 * rows sel[0..count) when sel is given (out[] of other rows is left alone).
 */
static int
eval_str_leaf(pred_evaluator *ev, const cpred *p, block_columns *bc, const uint32_t *sel, uint32_t count,
			  uint8_t *out, bool top_level, kf_error *err)
{
	const kf_dict *dict;
	const uint32_t *codes = block_codes(bc, p->col, &dict, err);

	if (codes == NULL)
		return -1;
	if (dict->count > ev->lut_capacity)
	{
		uint8_t    *grown = realloc(ev->lut, dict->count);

		if (grown == NULL)
			return kf_error_set(err, "out of memory for a dictionary lookup table");
		ev->lut = grown;
		ev->lut_capacity = dict->count;
	}
	uint8_t		any = 0;

	for (uint32_t k = 0; k < dict->count; k++)
	{
		ev->lut[k] = str_leaf_matches(p, dict->strings[k], dict->lengths[k]);
		any |= ev->lut[k];
	}
	if (!any)
		ev->ruled_out_by_dict |= top_level;
	if (sel != NULL)
		for (uint32_t k = 0; k < count; k++)
			out[sel[k]] = ev->lut[codes[sel[k]]];
	else if (!any)
		memset(out, 0, bc->nrows);
	else
		for (uint32_t i = 0; i < bc->nrows; i++)
			out[i] = ev->lut[codes[i]];
	return 0;
}

/* ------------------------------------------------------------------ trees */

static int	eval_node(pred_evaluator *ev, const cpred *p, block_columns *bc, uint8_t *out, uint32_t level,
					  bool top_level, kf_error *err);

static uint32_t
count_set(const uint8_t *mask, uint32_t n)
{
	uint32_t	count = 0;

	for (uint32_t i = 0; i < n; i++)
		count += mask[i];
	return count;
}

/*
 * ANDs conjunct p into out when few rows are left, testing only those rows: a comparison on a
 * stored column by random access into its packed values, a string leaf by dictionary lookups of
 * those rows.  Returns 1 when done, 0 when p needs the whole block, -1 on error.
 */
static int
and_sparse(pred_evaluator *ev, const cpred *p, block_columns *bc, uint8_t *out, uint32_t count, bool top_level,
		   kf_error *err)
{
	kf_column_id col;
	int64_t		lo,
				hi;
	bool		negate;
	bool		is_str = p->type == KF_P_STR_CMP || p->type == KF_P_STR_IN || p->type == KF_P_STR_LIKE ||
		p->type == KF_P_STR_ILIKE;
	bool		is_range = !is_str && int_leaf_as_range(p, bc, &col, &lo, &hi, &negate);

	if (!is_str && !is_range)
		return 0;

	uint32_t	k = 0;

	for (uint32_t i = 0; i < bc->nrows; i++)
	{
		ev->selection[k] = i;
		k += out[i];
	}
	if (is_str)
		return eval_str_leaf(ev, p, bc, ev->selection, count, out, top_level, err) == 0 ? 1 : -1;
	return eval_int_range(bc, col, lo, hi, negate, ev->selection, count, out, err) == 0 ? 1 : -1;
}

/*
 * AND narrows out child by child, OR widens it; both stop as soon as the answer is settled.  Once
 * an AND has few rows left, the next children are tested on those rows only (and_sparse).  The
 * root AND takes its children in ev->order and counts, per child, the rows it was given and kept.
 */
static int
eval_junction(pred_evaluator *ev, const cpred *p, block_columns *bc, uint8_t *out, uint32_t level,
			  bool top_level, kf_error *err)
{
	bool		is_and = p->type == KF_P_AND;
	bool		is_root = p == ev->root && is_and;
	uint8_t    *tmp = ev->scratch[level];
	uint32_t	n = bc->nrows;
	uint32_t	rows_in = n;	/* AND: rows still selected before the next child */
	bool		started = false;

	for (uint32_t j = 0; j < p->nchildren; j++)
	{
		uint32_t	c = is_root ? ev->order[j] : j;
		const cpred *child = p->children[c];
		int			done = 0;

		if (is_root && ev->proven[c])
			continue;
		if (!started)
		{
			if (eval_node(ev, child, bc, out, level + 1, top_level && is_and, err) != 0)
				return -1;
			started = true;
		}
		else if (is_and)
		{
			if (rows_in == 0)
				break;
			if ((uint64_t) rows_in * SPARSE_DIVISOR <= n &&
				(done = and_sparse(ev, child, bc, out, rows_in, top_level, err)) < 0)
				return -1;
			if (!done)
			{
				if (eval_node(ev, child, bc, tmp, level + 1, top_level, err) != 0)
					return -1;
				for (uint32_t i = 0; i < n; i++)
					out[i] &= tmp[i];
			}
		}
		else
		{
			if (all_set(out, n))
				break;
			if (eval_node(ev, child, bc, tmp, level + 1, false, err) != 0)
				return -1;
			for (uint32_t i = 0; i < n; i++)
				out[i] |= tmp[i];
		}
		if (is_and)
		{
			uint32_t	kept = count_set(out, n);

			if (is_root)
			{
				ev->rows_given[c] += rows_in;
				ev->rows_kept[c] += kept;
			}
			rows_in = kept;
		}
	}
	if (!started)
		memset(out, 1, n);
	return 0;
}

/* Can a conjunct move past its neighbours without changing what the evaluation observes? */
static bool
reorderable(const cpred *p)
{
	return p->type == KF_P_INT_CMP || p->type == KF_P_INT_IN || p->type == KF_P_ADDR_CMP ||
		p->type == KF_P_ADDR_IN || p->type == KF_P_ADDR_WITHIN || p->type == KF_P_ADDR_CONTAINS ||
		p->type == KF_P_IS_NULL;
}

static double
keep_ratio(const pred_evaluator *ev, uint32_t c)
{
	return ev->rows_given[c] ? (double) ev->rows_kept[c] / (double) ev->rows_given[c] : 1.0;
}

/*
 * Puts the most selective conjuncts first, by the share of rows each kept so far, so the later ones
 * see few rows (and go sparse).  Only within runs of INT and ADDR leaves: a string leaf's
 * dictionary can rule out a whole block (ruled_out_by_dict), and whether it is reached must not
 * depend on the order, nor may the scan statistics.  Insertion sort: a handful of conjuncts, stable.
 */
static void
reorder_conjuncts(pred_evaluator *ev)
{
	const cpred *root = ev->root;

	for (uint32_t j = 1; j < root->nchildren; j++)
	{
		uint32_t	c = ev->order[j];
		uint32_t	k = j;

		if (!reorderable(root->children[c]))
			continue;
		while (k > 0 && reorderable(root->children[ev->order[k - 1]]) &&
			   keep_ratio(ev, ev->order[k - 1]) > keep_ratio(ev, c))
		{
			ev->order[k] = ev->order[k - 1];
			k--;
		}
		ev->order[k] = c;
	}
}

static int
eval_node(pred_evaluator *ev, const cpred *p, block_columns *bc, uint8_t *out, uint32_t level, bool top_level,
		  kf_error *err)
{
	switch (p->type)
	{
		case KF_P_TRUE:
		case KF_P_FALSE:
			memset(out, p->type == KF_P_TRUE, bc->nrows);
			return 0;
		case KF_P_AND:
		case KF_P_OR:
			return eval_junction(ev, p, bc, out, level, top_level, err);
		case KF_P_INT_CMP:
		case KF_P_INT_IN:
			return eval_int_leaf(p, bc, out, err);
		case KF_P_STR_CMP:
		case KF_P_STR_IN:
		case KF_P_STR_LIKE:
		case KF_P_STR_ILIKE:
			return eval_str_leaf(ev, p, bc, NULL, 0, out, top_level, err);
		default:
			return eval_addr_leaf(p, bc, out, err);
	}
}

int64_t
pred_evaluate(pred_evaluator *ev, block_columns *bc, uint8_t *mask, kf_error *err)
{
	ev->ruled_out_by_dict = false;
	if (ev->root->type != KF_P_AND && ev->proven[0])
		memset(mask, 1, bc->nrows);
	else if (eval_node(ev, ev->root, bc, mask, 0, true, err) != 0)
		return -1;
	if (ev->root->type == KF_P_AND)
		reorder_conjuncts(ev);
	int64_t		count = 0;

	for (uint32_t i = 0; i < bc->nrows; i++)
		count += mask[i];
	return count;
}
