/*-------------------------------------------------------------------------
 *
 * dataseries_choice.c
 *		  Which dataseries (Full or Fast) a scan reads, and the value of i_duration.
 *
 * Kentik's rule: a query whose time window spans 24 hours or more reads the Fast dataseries
 * (flows summed per hour slice), a shorter one the Full dataseries (every flow).  Here:
 *	- a top-level condition i_fast_dataset (= true), NOT i_fast_dataset (= false) forces one;
 *	  the condition itself stays in the query and is trivially true for every row read;
 *	- otherwise Fast when kentik_fdw.enable_fast_dataseries is on, the window is >= 24 hours
 *	  and the store has Fast parts in it; else Full.
 *
 * The window is the set of whole seconds the top-level ctimestamp / i_start_time conditions
 * admit (docs/dialect.md): `ctimestamp > now - 3600` is the 3600 seconds up to the reference
 * time.  A missing lower bound is the first second of the data read, a missing upper bound the
 * reference time when there is a lower bound, else the last second of the data read; the
 * data's span comes from the part file names, so no part is opened.
 *
 * i_duration, the seconds one result row covers, is the slice width (60 in Full, 3600 in Fast)
 * when the query groups by i_start_time, else the window's length (at least 1).
 *
 * The planner decides with the conditions it can evaluate (constants, stable expressions),
 * for estimates and EXPLAIN; the scan decides again when it starts, when Params have values, so
 * both the dataseries and i_duration are those of the execution.  The same decision is made
 * whether a condition is pushed into the engine or evaluated by PostgreSQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include <math.h>

#include "executor/executor.h"
#include "optimizer/cost.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/guc.h"

#define KF_FAST_MIN_WINDOW_SECONDS INT64CONST(86400)
#define KF_FULL_SLICE_SECONDS 60

/* kentik_fdw.enable_fast_dataseries: off reads Full unless a query forces Fast. */
bool		kf_enable_fast_dataseries = true;

/* kf_define_dataseries_guc registers kentik_fdw.enable_fast_dataseries (from _PG_init). */
void
kf_define_dataseries_guc(void)
{
	DefineCustomBoolVariable("kentik_fdw.enable_fast_dataseries",
							 "Lets queries over 24 hours or more read the Fast dataseries.",
							 "When off, only an i_fast_dataset condition makes a query read Fast.",
							 &kf_enable_fast_dataseries,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* kf_dataseries_name is how EXPLAIN and the docs name a dataseries. */
const char *
kf_dataseries_name(kf_dataseries series)
{
	return series == KF_DATASERIES_FAST ? "fast" : "full";
}

/* ---------------------------------------------------------------- conditions */

static bool
contains_param_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param))
		return true;
	return expression_tree_walker(node, contains_param_walker, context);
}

/*
 * kf_pred_for_planning translates the clauses that can be evaluated without the executor
 * (no Params) into a kf_pred with their values: constants, relative times resolved against the
 * reference time, stable expressions such as now() - interval '1 day' evaluated.  Clauses that
 * cannot be translated are left out: they only narrow the rows, never the window.
 */
kf_pred *
kf_pred_for_planning(List *clauses, KfColumnMap *columns)
{
	ExprContext *econtext = CreateStandaloneExprContext();
	KfTranslateContext ctx = {0};
	List	   *preds = NIL;
	ListCell   *lc;

	ctx.columns = columns;
	ctx.build_values = true;
	ctx.econtext = econtext;
	foreach(lc, clauses)
	{
		Node	   *clause = (Node *) lfirst(lc);
		kf_pred    *pred;

		if (IsA(clause, RestrictInfo))
			clause = (Node *) ((RestrictInfo *) clause)->clause;
		if (contains_param_walker(clause, NULL))
			continue;
		pred = kf_translate_clause(&ctx, (Expr *) clause);
		if (pred != NULL)
			preds = lappend(preds, pred);
	}
	FreeExprContext(econtext, true);
	return kf_pred_and(preds);
}

/*
 * kf_groups_by_start_time tells whether the query groups by the i_start_time column of baserel
 * itself (then each result row is one time slice).
 */
bool
kf_groups_by_start_time(PlannerInfo *root, RelOptInfo *baserel, KfColumnMap *columns)
{
	ListCell   *lc;

	foreach(lc, root->parse->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		Node	   *expr = get_sortgroupclause_expr(sgc, root->parse->targetList);
		Var		   *var;

		if (!IsA(expr, Var))
			continue;
		var = (Var *) expr;
		if (var->varno == baserel->relid && var->varlevelsup == 0 && var->varattno > 0 &&
			var->varattno <= columns->natts &&
			columns->ecol_of_attno[var->varattno - 1] == KF_E_START_TIME)
			return true;
	}
	return false;
}

/* The seconds [first, last] the time conditions admit; has_* false where unbounded. */
typedef struct KfWindow
{
	bool		has_first;
	bool		has_last;
	bool		empty;			/* a FALSE conjunct or contradictory bounds */
	int64		first;
	int64		last;
} KfWindow;

/* floor / ceiling to a multiple of 60, the slices of i_start_time */
static int64
minute_floor_of(int64 t)
{
	int64		r = t % 60;

	return r < 0 ? t - r - 60 : t - r;
}

static int64
minute_ceil_of(int64 t)
{
	int64		f = minute_floor_of(t);

	return f == t ? t : f + 60;
}

static void
raise_first(KfWindow *w, int64 v)
{
	if (!w->has_first || v > w->first)
		w->first = v;
	w->has_first = true;
}

static void
lower_last(KfWindow *w, int64 v)
{
	if (!w->has_last || v < w->last)
		w->last = v;
	w->has_last = true;
}

/*
 * narrow_window applies one conjunct "col op v" on ctimestamp (seconds) or i_start_time (minute
 * slices: i_start_time >= T admits the seconds from the first slice at or after T).  Bounds
 * near the ends of int64 are clamped: they admit every second anyway.
 */
static void
narrow_window(KfWindow *w, kf_ecol col, kf_cmp_op op, int64 v)
{
	v = Max(Min(v, PG_INT64_MAX / 2), PG_INT64_MIN / 2);
	if (col == KF_E_CTIMESTAMP)
	{
		if (op == KF_OP_GT || op == KF_OP_GE || op == KF_OP_EQ)
			raise_first(w, op == KF_OP_GT ? v + 1 : v);
		if (op == KF_OP_LT || op == KF_OP_LE || op == KF_OP_EQ)
			lower_last(w, op == KF_OP_LT ? v - 1 : v);
		return;
	}
	if (op == KF_OP_GT || op == KF_OP_GE || op == KF_OP_EQ)
		raise_first(w, op == KF_OP_GT ? minute_floor_of(v) + 60 : minute_ceil_of(v));
	if (op == KF_OP_LT || op == KF_OP_LE || op == KF_OP_EQ)
		lower_last(w, (op == KF_OP_LT ? minute_ceil_of(v) : minute_floor_of(v) + 60) - 1);
}

/* forced_by reads a top-level i_fast_dataset condition; false when conjunct is not one. */
static bool
forced_by(const kf_pred *conjunct, kf_dataseries *series)
{
	bool		negated = false;

	if (conjunct->type == KF_P_NOT)
	{
		negated = true;
		conjunct = conjunct->children[0];
	}
	if (conjunct->type != KF_P_INT_CMP || conjunct->col != KF_E_FAST_DATASET ||
		(conjunct->op != KF_OP_EQ && conjunct->op != KF_OP_NE))
		return false;
	negated ^= conjunct->op == KF_OP_NE;
	*series = ((conjunct->value.i != 0) != negated) ? KF_DATASERIES_FAST : KF_DATASERIES_FULL;
	return true;
}

/*
 * read_conditions fills the window and the forced dataseries from the conjuncts of where: its
 * leaves and those of nested ANDs, which restrict every row as much as top-level ones.
 */
static void
read_conditions(const kf_pred *where, KfWindow *w, bool *forced, kf_dataseries *series)
{
	if (where == NULL)
		return;
	if (where->type == KF_P_AND)
	{
		for (uint32 i = 0; i < where->nchildren; i++)
			read_conditions(where->children[i], w, forced, series);
		return;
	}
	if (where->type == KF_P_FALSE)
		w->empty = true;
	else if (where->type == KF_P_INT_CMP &&
			 (where->col == KF_E_CTIMESTAMP || where->col == KF_E_START_TIME))
		narrow_window(w, where->col, where->op, where->value.i);
	else if (!*forced)
		*forced = forced_by(where, series);
}

/*
 * kf_time_window sets [*first, *last] to the seconds the time conditions of where admit
 * (PG_INT64_MIN / PG_INT64_MAX where unbounded; first > last when none), for estimates.
 */
void
kf_time_window(const kf_pred *where, int64 *first, int64 *last)
{
	KfWindow	w = {0};
	bool		forced = false;
	kf_dataseries series = KF_DATASERIES_FULL;

	read_conditions(where, &w, &forced, &series);
	*first = w.has_first ? w.first : PG_INT64_MIN;
	*last = w.has_last ? w.last : PG_INT64_MAX;
	if (w.empty)
	{
		*first = 1;
		*last = 0;
	}
}

/*
 * data_span lists the parts of a dataseries the window can touch and returns how many there
 * are, with the first and last second their names cover.
 */
static size_t
data_span(const KfTableOptions *opts, kf_dataseries series, const KfWindow *w, int64 *min_ts,
		  int64 *max_ts)
{
	kf_part_list parts;
	kf_error	err;
	size_t		count;

	*min_ts = PG_INT64_MAX;
	*max_ts = PG_INT64_MIN;
	if (kf_parts_list_series(opts->data_dir, series, opts->device_id,
							 w->has_first ? w->first : PG_INT64_MIN,
							 w->has_last ? w->last : PG_INT64_MAX, &parts, &err) != 0)
		return 0;				/* the scan itself reports an unreadable store */
	for (size_t i = 0; i < parts.count; i++)
	{
		*min_ts = Min(*min_ts, parts.parts[i].min_ts);
		*max_ts = Max(*max_ts, parts.parts[i].max_ts);
	}
	count = parts.count;
	kf_part_list_free(&parts);
	return count;
}

/*
 * kf_choose_dataseries decides the dataseries and i_duration from the conditions in where
 * (with their values) for a table; sliced tells whether the query groups by i_start_time.
 */
void
kf_choose_dataseries(const KfTableOptions *opts, const kf_pred *where, bool sliced,
					 KfDataseriesChoice *choice)
{
	KfWindow	w = {0};
	bool		forced = false;
	kf_dataseries series = KF_DATASERIES_FULL;
	int64		data_first,
				data_last;
	int64		first,
				last;

	read_conditions(where, &w, &forced, &series);
	if (w.has_first && w.has_last && w.first > w.last)
		w.empty = true;
	if (!forced && kf_enable_fast_dataseries && !w.empty && w.has_first)
	{
		int64		end = w.has_last ? w.last : kf_reference_time();

		if (end - w.first + 1 >= KF_FAST_MIN_WINDOW_SECONDS &&
			kf_stored_bytes(opts, KF_DATASERIES_FAST, w.first, w.has_last ? w.last : PG_INT64_MAX) > 0)
			series = KF_DATASERIES_FAST;
	}
	choice->dataseries = series;
	if (sliced)
	{
		choice->duration_seconds = series == KF_DATASERIES_FAST ? KF_FAST_SLICE_SECONDS
			: KF_FULL_SLICE_SECONDS;
		return;
	}
	if (w.has_first)
	{
		first = w.first;
		last = w.has_last ? w.last : kf_reference_time();
	}
	else
	{
		if (data_span(opts, series, &w, &data_first, &data_last) == 0)
			data_first = data_last = 0;
		first = data_first;
		last = w.has_last ? Min(w.last, data_last) : data_last;
	}
	choice->duration_seconds = (!w.empty && last >= first) ? last - first + 1 : 1;
}

/*
 * kf_choose_agg_dataseries sets spec's dataseries and i_duration for a pushed aggregation: its
 * WHERE clauses give the window (those with Params cannot be evaluated here and do not narrow
 * it), and a key that is i_start_time itself makes each result row one slice.
 */
void
kf_choose_agg_dataseries(KfAggScanState *state, kf_agg_spec *spec)
{
	KfDataseriesChoice choice;
	bool		sliced = false;

	for (int i = 0; i < state->plan.nkeys; i++)
		sliced |= state->plan.keys[i].kind == KF_KEY_COLUMN && state->plan.keys[i].col == KF_E_START_TIME;
	kf_choose_dataseries(&state->options, kf_pred_for_planning(state->where_clauses, state->columns),
						 sliced, &choice);
	spec->dataseries = choice.dataseries;
	spec->duration_seconds = choice.duration_seconds;
}
