/*
 * predicate.h -- the engine's own form of a WHERE tree: validated, copied, NOT pushed down to the
 * leaves (negation normal form), TRUE/FALSE folded, and with per-leaf data precomputed (sorted IN
 * lists, address ranges, compiled LIKE patterns).  After compilation a leaf over a NULL value is
 * simply false, which is exact for AND/OR trees of leaves.
 */
#ifndef KF_PREDICATE_H
#define KF_PREDICATE_H

#include "engine/engine.h"
#include "engine/like_match.h"

typedef struct cpred cpred;

struct cpred
{
	kf_pred_type type;			/* never KF_P_NOT; TRUE/FALSE only as the whole tree */
	kf_ecol		col;
	kf_cmp_op	op;				/* *_CMP, after negation */
	bool		negated;		/* IN, WITHIN, CONTAINS, IS_NULL, LIKE, ILIKE: the NOT form */
	bool		nullable;		/* the leaf's column is one of the ipv4_* views */
	int64_t		ival;
	kf_addr		addr;
	kf_addr		range_lo;		/* ADDR_WITHIN: the network's first and last address */
	kf_addr		range_hi;
	bool		range_is_v4;	/* ADDR_WITHIN: an IPv4 network (matches IPv4 rows only) */
	uint8_t		prefix_len;
	uint32_t	nvalues;		/* IN: sorted, duplicates removed */
	int64_t    *ints;
	kf_addr    *addrs;
	char	  **strs;
	char	   *str;			/* STR_CMP value, LIKE pattern text (for messages) */
	size_t		str_len;
	like_pattern *like;
	uint32_t	nchildren;		/* AND / OR */
	cpred	  **children;
};

/*
 * Validates pred (NULL = TRUE) and compiles it.  Returns NULL with a message naming the problem
 * (unknown column, operator not valid for the column's kind, malformed node, ...).
 */
cpred	   *pred_compile(const kf_pred *pred, kf_error *err);
void		pred_free(cpred *p);

/* Depth of the tree (a leaf is 1); the evaluator needs one scratch mask per level. */
uint32_t	pred_depth(const cpred *p);

/* Marks in used[] every logical column the tree reads. */
void		pred_columns_used(const cpred *p, bool used[KF_E_NUM_COLUMNS]);

/* Number of top-level conjuncts: the children of a top-level AND, else 1. */
static inline uint32_t
pred_conjunct_count(const cpred *p)
{
	return p->type == KF_P_AND ? p->nchildren : 1;
}

/* Position of the first element >= v in a sorted IN list (n when there is none). */
static inline uint32_t
int_list_lower_bound(const int64_t *sorted, uint32_t n, int64_t v)
{
	uint32_t	lo = 0,
				hi = n;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (sorted[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is a in [lo, hi] in stored address order? */
static inline bool
addr_in_range(kf_addr a, kf_addr lo, kf_addr hi)
{
	return kf_addr_cmp(a, lo) >= 0 && kf_addr_cmp(a, hi) <= 0;
}

#endif							/* KF_PREDICATE_H */
