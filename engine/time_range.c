/*
 * time_range.c -- derives [min_ts, max_ts] on ctimestamp from the conjuncts of a compiled
 * predicate.  Only conjuncts of the top-level AND restrict every matching row; a condition on
 * i_start_time (ctimestamp rounded down to the minute) is widened to the whole minutes it allows.
 */
#include "engine/time_range.h"

#include "engine/logical_columns.h"

static void
raise_min(int64_t *min_ts, int64_t v)
{
	if (v > *min_ts)
		*min_ts = v;
}

static void
lower_max(int64_t *max_ts, int64_t v)
{
	if (v < *max_ts)
		*max_ts = v;
}

/* Bounds on ctimestamp itself from "ctimestamp op v". */
static void
narrow_by_timestamp(kf_cmp_op op, int64_t v, int64_t *min_ts, int64_t *max_ts)
{
	switch (op)
	{
		case KF_OP_EQ:
			raise_min(min_ts, v);
			lower_max(max_ts, v);
			break;
		case KF_OP_LT:
			if (v == INT64_MIN)
				*min_ts = INT64_MAX, *max_ts = INT64_MIN;
			else
				lower_max(max_ts, v - 1);
			break;
		case KF_OP_LE:
			lower_max(max_ts, v);
			break;
		case KF_OP_GT:
			if (v == INT64_MAX)
				*min_ts = INT64_MAX, *max_ts = INT64_MIN;
			else
				raise_min(min_ts, v + 1);
			break;
		case KF_OP_GE:
			raise_min(min_ts, v);
			break;
		case KF_OP_NE:
			break;
	}
}

/*
 * "i_start_time >= v" holds iff ctimestamp >= the first minute start at or after v; "i_start_time
 * <= v" iff ctimestamp <= the last second of the minute holding v.  Strict forms move v by one
 * first.  Constants within two minutes of the int64 limits give no bound (nothing to overflow).
 */
static void
narrow_by_start_time(kf_cmp_op op, int64_t v, int64_t *min_ts, int64_t *max_ts)
{
	if (v < INT64_MIN + 120 || v > INT64_MAX - 120)
		return;
	if (op == KF_OP_LT)
		op = KF_OP_LE, v -= 1;
	if (op == KF_OP_GT)
		op = KF_OP_GE, v += 1;
	int64_t		floor_v = minute_floor(v);

	if (op == KF_OP_LE || op == KF_OP_EQ)
		lower_max(max_ts, floor_v + 59);
	if (op == KF_OP_GE || op == KF_OP_EQ)
		raise_min(min_ts, floor_v == v ? v : floor_v + 60);
}

static void
narrow_by_leaf(const cpred *p, int64_t *min_ts, int64_t *max_ts)
{
	if (p->col != KF_E_CTIMESTAMP && p->col != KF_E_START_TIME)
		return;
	if (p->type == KF_P_INT_IN && !p->negated)
	{
		/* within the hull of the listed values */
		narrow_by_leaf(&(cpred) {.type = KF_P_INT_CMP, .col = p->col, .op = KF_OP_GE, .ival = p->ints[0]},
					   min_ts, max_ts);
		narrow_by_leaf(&(cpred) {.type = KF_P_INT_CMP, .col = p->col, .op = KF_OP_LE,
					   .ival = p->ints[p->nvalues - 1]}, min_ts, max_ts);
		return;
	}
	if (p->type != KF_P_INT_CMP)
		return;
	if (p->col == KF_E_CTIMESTAMP)
		narrow_by_timestamp(p->op, p->ival, min_ts, max_ts);
	else
		narrow_by_start_time(p->op, p->ival, min_ts, max_ts);
}

void
time_range_of(const cpred *p, int64_t *min_ts, int64_t *max_ts)
{
	if (p->type == KF_P_FALSE)
	{
		*min_ts = INT64_MAX;
		*max_ts = INT64_MIN;
		return;
	}
	if (p->type == KF_P_AND)
	{
		for (uint32_t i = 0; i < p->nchildren; i++)
			time_range_of(p->children[i], min_ts, max_ts);
		return;
	}
	if (p->type == KF_P_OR || p->type == KF_P_TRUE)
		return;
	narrow_by_leaf(p, min_ts, max_ts);
}
