/*
 * zone_map.c -- block pruning from zone maps.  INT leaves test their condition against the block's
 * [min, max] (derived columns get a derived range); ADDR leaves turn their condition into a few
 * intervals of stored address order (kf_addr_cmp), which differs from inet order only in putting
 * the IPv4-mapped range among the IPv6 addresses; STR leaves are left to the dictionaries,
 * except the per-part device name, which is tested exactly.
 */
#include "engine/zone_map.h"

#include <string.h>

#include "engine/logical_columns.h"
#include "engine/predicate_eval.h"

static const kf_addr addr_zero = {0, 0};
static const kf_addr addr_max = {UINT64_MAX, UINT64_MAX};
static const kf_addr v4_first = {0, KF_ADDR_V4_MAPPED_PREFIX};
static const kf_addr v4_last = {0, KF_ADDR_V4_MAPPED_PREFIX | UINT32_MAX};

/* ------------------------------------------------------------------ INT */

static bool
int_list_hits_range(const int64_t *sorted, uint32_t n, int64_t min, int64_t max)
{
	uint32_t	i = int_list_lower_bound(sorted, n, min);

	return i < n && sorted[i] <= max;
}

bool
int_zone_may_match(const cpred *p, int64_t min, int64_t max)
{
	if (min > max)
		return true;			/* a nonsensical zone map proves nothing */
	bool		single = min == max;

	if (p->type == KF_P_INT_IN)
		return p->negated ? !(single && int_list_hits_range(p->ints, p->nvalues, min, max))
			: int_list_hits_range(p->ints, p->nvalues, min, max);
	switch (p->op)
	{
		case KF_OP_EQ:
			return min <= p->ival && p->ival <= max;
		case KF_OP_NE:
			return !(single && min == p->ival);
		case KF_OP_LT:
			return min < p->ival;
		case KF_OP_LE:
			return min <= p->ival;
		case KF_OP_GT:
			return max > p->ival;
		case KF_OP_GE:
			return max >= p->ival;
	}
	return true;
}

/*
 * inet_family of a block from its source-address zone: the IPv4-mapped range is contiguous in
 * stored order, so a zone inside it is all 4 and one outside it all 6.
 */
static bool
family_range_of(kf_addr zmin, kf_addr zmax, int64_t *min, int64_t *max)
{
	if (kf_addr_cmp(zmin, zmax) > 0)
		return false;
	bool		all_v4 = kf_addr_is_v4(zmin) && kf_addr_is_v4(zmax);
	bool		no_v4 = kf_addr_cmp(zmax, v4_first) < 0 || kf_addr_cmp(zmin, v4_last) > 0;

	*min = all_v4 ? 4 : 6;
	*max = no_v4 ? 6 : 4;
	if (!all_v4 && !no_v4)
		*min = 4, *max = 6;
	return true;
}

/* The range of an INT logical column in this block; false when it cannot be bounded. */
static bool
int_range_of(kf_ecol col, const kf_part_reader *r, uint32_t block, const part_constants *part, int64_t *min,
			 int64_t *max)
{
	const ecol_source *src = ecol_source_of(col);

	if (src->how == ECOL_PART_DEVICE_ID)
	{
		*min = *max = part->device_id;
		return true;
	}
	if (src->how == ECOL_QUERY_DURATION || src->how == ECOL_QUERY_FAST_DATASET)
		return false;			/* constants of the query, not of the part: evaluated, not pruned */
	const kf_zone *a = kf_part_zone(r, block, src->stored[0]);

	if (src->how == ECOL_FAMILY_OF)
		return family_range_of(a->a.min, a->a.max, min, max);

	*min = a->i.min;
	*max = a->i.max;
	if (src->how == ECOL_MINUTE_OF)
	{
		*min = minute_floor(*min);
		*max = minute_floor(*max);
	}
	if (src->how == ECOL_SUM_OF_TWO)
	{
		const kf_zone *b = kf_part_zone(r, block, src->stored[1]);

		if (__builtin_add_overflow(*min, b->i.min, min) || __builtin_add_overflow(*max, b->i.max, max))
			return false;
	}
	return true;
}

/* Does every v in [min, max] satisfy INT leaf p? */
static bool
int_zone_must_match(const cpred *p, int64_t min, int64_t max)
{
	if (min > max)
		return false;			/* a nonsensical zone map proves nothing */
	if (p->type == KF_P_INT_IN)
	{
		bool		hit = int_list_hits_range(p->ints, p->nvalues, min, max);

		return p->negated ? !hit : (min == max && hit);
	}
	switch (p->op)
	{
		case KF_OP_EQ:
			return min == max && min == p->ival;
		case KF_OP_NE:
			return p->ival < min || p->ival > max;
		case KF_OP_LT:
			return max < p->ival;
		case KF_OP_LE:
			return max <= p->ival;
		case KF_OP_GT:
			return min > p->ival;
		case KF_OP_GE:
			return min >= p->ival;
	}
	return false;
}

/* Is INT leaf p true for every row of the block? */
static bool
leaf_must_match(const cpred *p, const kf_part_reader *r, uint32_t block, const part_constants *part)
{
	int64_t		min,
				max;

	if (p->type != KF_P_INT_CMP && p->type != KF_P_INT_IN)
		return false;
	return int_range_of(p->col, r, block, part, &min, &max) && int_zone_must_match(p, min, max);
}

uint32_t
zone_map_mark_proven(const cpred *p, const kf_part_reader *r, uint32_t block, const part_constants *part,
					 uint8_t *proven)
{
	uint32_t	n = 0;

	if (p->type != KF_P_AND)
	{
		proven[0] = leaf_must_match(p, r, block, part);
		return proven[0];
	}
	for (uint32_t i = 0; i < p->nchildren; i++)
	{
		proven[i] = leaf_must_match(p->children[i], r, block, part);
		n += proven[i];
	}
	return n;
}

/* ------------------------------------------------------------------ ADDR */

static bool
overlaps(kf_addr min, kf_addr max, kf_addr lo, kf_addr hi)
{
	return kf_addr_cmp(lo, hi) <= 0 && kf_addr_cmp(lo, max) <= 0 && kf_addr_cmp(min, hi) <= 0;
}

static kf_addr
addr_next(kf_addr a)
{
	kf_addr		r = {a.hi + (a.lo == UINT64_MAX), a.lo + 1};

	return r;
}

static kf_addr
addr_prev(kf_addr a)
{
	kf_addr		r = {a.hi - (a.lo == 0), a.lo - 1};

	return r;
}

/* Can some address in [min, max] (stored order) be on the `op` side of c in inet order? */
static bool
addr_cmp_may_match(kf_cmp_op op, kf_addr c, kf_addr min, kf_addr max)
{
	bool		c_v4 = kf_addr_is_v4(c);
	bool		below_or_at = op == KF_OP_LT || op == KF_OP_LE;
	bool		strict = op == KF_OP_LT || op == KF_OP_GT;

	if (op == KF_OP_EQ)
		return overlaps(min, max, c, c);
	if (op == KF_OP_NE)
		return !(kf_addr_cmp(min, max) == 0 && kf_addr_cmp(min, c) == 0);
	if (below_or_at)
	{
		/* IPv4 rows below c; for an IPv6 c every IPv4 row and IPv6 rows below c */
		if (strict && kf_addr_cmp(c, addr_zero) == 0)
			return overlaps(min, max, v4_first, v4_last);
		kf_addr		top = strict ? addr_prev(c) : c;

		if (c_v4)
			return strict && kf_addr_cmp(c, v4_first) == 0 ? false : overlaps(min, max, v4_first, top);
		return overlaps(min, max, addr_zero, top) || overlaps(min, max, v4_first, v4_last);
	}
	/* above c: for an IPv4 c also every IPv6 row, some of which sort below the IPv4 range */
	if (strict && kf_addr_cmp(c, addr_max) == 0)
		return false;
	kf_addr		bottom = strict ? addr_next(c) : c;

	return overlaps(min, max, bottom, addr_max) || (c_v4 && overlaps(min, max, addr_zero, addr_prev(v4_first)));
}

static bool
addr_list_hits_range(const kf_addr *sorted, uint32_t n, kf_addr min, kf_addr max)
{
	uint32_t	lo = 0,
				hi = n;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (kf_addr_cmp(sorted[mid], min) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && kf_addr_cmp(sorted[lo], max) <= 0;
}

/* Is every address of [min, max] inside [lo, hi]? */
static bool
range_covers(kf_addr lo, kf_addr hi, kf_addr min, kf_addr max)
{
	return kf_addr_cmp(lo, min) <= 0 && kf_addr_cmp(max, hi) <= 0;
}

static bool
addr_leaf_may_match(const cpred *p, kf_addr min, kf_addr max)
{
	bool		single = kf_addr_cmp(min, max) == 0;

	if (kf_addr_cmp(min, max) > 0)
		return true;
	if (p->type == KF_P_IS_NULL)	/* NULL = not IPv4, and the IPv4 range is contiguous */
		return p->negated ? overlaps(min, max, v4_first, v4_last) : !range_covers(v4_first, v4_last, min, max);
	/* any other leaf on an ipv4_* view is false on a block without IPv4 rows */
	if (p->nullable && !overlaps(min, max, v4_first, v4_last))
		return false;
	switch (p->type)
	{
		case KF_P_ADDR_CMP:
			return addr_cmp_may_match(p->op, p->addr, min, max);
		case KF_P_ADDR_IN:
			return p->negated ? !(single && addr_list_hits_range(p->addrs, p->nvalues, min, max))
				: addr_list_hits_range(p->addrs, p->nvalues, min, max);
		case KF_P_ADDR_WITHIN:
			if (!p->negated)
				return overlaps(min, max, p->range_lo, p->range_hi);
			/* all rows inside: none is outside, unless IPv4 rows fall in an IPv6 network's range */
			return !(range_covers(p->range_lo, p->range_hi, min, max) &&
					 (p->range_is_v4 || !overlaps(min, max, v4_first, v4_last)));
		default:				/* KF_P_ADDR_CONTAINS */
			if (p->prefix_len != 128)
				return p->negated;
			return p->negated ? !(single && kf_addr_cmp(min, p->addr) == 0) : overlaps(min, max, p->addr, p->addr);
	}
}

/* ------------------------------------------------------------------ STR */

/*
 * Can a protocol number in the block's [min, max] have a name satisfying leaf p?  At most 257
 * names are tested, far less than decoding the block.
 */
static bool
protocol_name_may_match(const cpred *p, const kf_zone *z)
{
	const kf_dict *dict = protocol_name_dict();

	if (z->i.min > z->i.max)
		return true;			/* a nonsensical zone map proves nothing */
	if (z->i.min < 0 || z->i.max > 255)
	{
		uint32_t	c = PROTOCOL_NAME_OUT_OF_RANGE;

		if (str_leaf_matches(p, dict->strings[c], dict->lengths[c]))
			return true;
	}
	int64_t		lo = z->i.min < 0 ? 0 : z->i.min;
	int64_t		hi = z->i.max > 255 ? 255 : z->i.max;

	for (int64_t c = lo; c <= hi; c++)
		if (str_leaf_matches(p, dict->strings[c], dict->lengths[c]))
			return true;
	return false;
}

/* ------------------------------------------------------------------ trees */

static bool
leaf_may_match(const cpred *p, const kf_part_reader *r, uint32_t block, const part_constants *part)
{
	const kf_ecol_desc *desc = kf_ecol_describe(p->col);
	const ecol_source *src = ecol_source_of(p->col);

	if (desc->kind == KF_V_INT)
	{
		int64_t		min,
					max;

		return !int_range_of(p->col, r, block, part, &min, &max) || int_zone_may_match(p, min, max);
	}
	if (desc->kind == KF_V_ADDR)
	{
		const kf_zone *z = kf_part_zone(r, block, src->stored[0]);

		return addr_leaf_may_match(p, z->a.min, z->a.max);
	}
	if (src->how == ECOL_PART_DEVICE_NAME)
		return str_leaf_matches(p, part->device_name, strlen(part->device_name));
	if (src->how == ECOL_PROTOCOL_NAME)
		return protocol_name_may_match(p, kf_part_zone(r, block, KF_COL_PROTOCOL));
	return true;				/* stored strings: the dictionary decides, during evaluation */
}

bool
zone_map_may_match(const cpred *p, const kf_part_reader *r, uint32_t block, const part_constants *part)
{
	switch (p->type)
	{
		case KF_P_TRUE:
			return true;
		case KF_P_FALSE:
			return false;
		case KF_P_AND:
			for (uint32_t i = 0; i < p->nchildren; i++)
				if (!zone_map_may_match(p->children[i], r, block, part))
					return false;
			return true;
		case KF_P_OR:
			for (uint32_t i = 0; i < p->nchildren; i++)
				if (zone_map_may_match(p->children[i], r, block, part))
					return true;
			return false;
		default:
			return leaf_may_match(p, r, block, part);
	}
}
