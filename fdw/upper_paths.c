/*-------------------------------------------------------------------------
 *
 * upper_paths.c
 *		  GetForeignUpperPaths: pushes GROUP BY / aggregates / HAVING, then ORDER BY, then
 *		  LIMIT/OFFSET into the engine, and builds the ForeignScan of such a path.
 *
 * The stages chain as in postgres_fdw: UPPERREL_GROUP_AGG over a kentik base relation whose WHERE
 * is entirely pushed gets a grouped path (aggregate_targets.c decides what it computes);
 * UPPERREL_ORDERED over that grouped relation gets a path that also sorts; UPPERREL_FINAL over
 * either gets one that also applies LIMIT/OFFSET (a top-N in the engine).  Each stage keeps a
 * KfUpperInfo in its output relation's fdw_private, a copy of its input's with more filled in.
 *
 * Refused, so PostgreSQL does the work with the same answer: local WHERE conditions (they must
 * filter rows before they are aggregated or counted by LIMIT), anything aggregate_targets.c does
 * not recognise, LIMIT over local HAVING conjuncts, LIMIT WITH TIES and non-constant limits,
 * target lists with set-returning functions, row marks.
 *
 * Costs.  The pushed paths do the base scan's reading and filtering, then aggregate in the engine
 * at a fraction of a tuple's cost per row (no row is turned into Datums), sort the groups
 * (a top-N for LIMIT) and hand back only the result rows, all before the first row comes out:
 * startup cost is nearly the total.  Each pushed stage replaces a PostgreSQL node (Agg, Sort,
 * Limit) whose cost above the same input is often within the planner's 1% fuzz of the pushed
 * path's, and on a tie the planner keeps the path it saw first, the local one; a pushed path is
 * therefore charged KF_PUSHED_COST_FACTOR of its estimate once per stage it pushes, standing for
 * the nodes and the per-row hand-over to them that it saves.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include <math.h>

#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/selfuncs.h"

#define KF_ENGINE_AGG_COST_FACTOR 0.1	/* of cpu_operator_cost per row and aggregate */
#define KF_PUSHED_COST_FACTOR 0.95

/* upper_info returns the KfUpperInfo of a relation pushed to the engine, or NULL. */
static KfUpperInfo *
upper_info(RelOptInfo *rel)
{
	KfUpperInfo *info = (KfUpperInfo *) rel->fdw_private;

	return (info != NULL && info->kind == KF_REL_UPPER) ? info : NULL;
}

/*
 * upper_costs estimates a pushed path returning rows_out rows; sort_rows > 0 adds the sorting
 * of that many groups into a result of keep rows (keep < sort_rows: a top-N heap).
 */
static void
upper_costs(KfUpperInfo *info, double rows_out, double sort_rows, double keep,
			Cost *startup_cost, Cost *total_cost)
{
	KfRelInfo  *base = info->base;
	QualCost	having_cost;
	Cost		work;
	double		factor;

	work = KF_SCAN_STARTUP_COST + seq_page_cost * base->stored_pages;
	work += cpu_tuple_cost * KF_ENGINE_ROW_COST_FACTOR * base->stored_rows;
	work += cpu_operator_cost * KF_ENGINE_AGG_COST_FACTOR * base->engine_rows *
		(info->plan.nkeys + info->plan.naggs + 1);
	if (sort_rows > 1)
		work += 2.0 * cpu_operator_cost * sort_rows * log2(Max(Min(keep, sort_rows), 2.0));
	cost_qual_eval(&having_cost, info->local_having, NULL);
	factor = pow(KF_PUSHED_COST_FACTOR,
				 1 + (info->plan.norder > 0 ? 1 : 0) + (info->plan.has_limit ? 1 : 0));
	*startup_cost = work * factor;
	*total_cost = *startup_cost + (cpu_tuple_cost + having_cost.per_tuple) * rows_out * factor;
}

/* estimate_groups: the number of groups before HAVING, and the rows after it. */
static void
estimate_groups(PlannerInfo *root, KfUpperInfo *info, Node *having_qual, double *rows)
{
	List	   *group_exprs = NIL;
	ListCell   *lc;

	foreach(lc, info->tlist)
	{
		TargetEntry *tle = lfirst(lc);

		if (tle->ressortgroupref != 0)
			group_exprs = lappend(group_exprs, tle->expr);
	}
	if (group_exprs == NIL)
		info->groups = 1;
	else
		info->groups = estimate_num_groups(root, group_exprs, info->baserel->rows, NULL, NULL);
	*rows = clamp_row_est(info->groups *
						  clauselist_selectivity(root, (List *) having_qual, 0, JOIN_INNER, NULL));
}

/* add_grouping_path offers the engine's aggregation for the GROUP BY / aggregates of the query. */
static void
add_grouping_path(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *grouped_rel,
				  GroupPathExtraData *extra)
{
	Query	   *parse = root->parse;
	KfRelInfo  *base = (KfRelInfo *) input_rel->fdw_private;
	KfUpperInfo *info;
	ForeignPath *path;
	double		rows;
	Cost		startup_cost;
	Cost		total_cost;

	if (!kf_enable_aggregate_pushdown ||
		(!parse->groupClause && !parse->hasAggs && !root->hasHavingQual))
		return;
	if (input_rel->reloptkind != RELOPT_BASEREL || base == NULL || base->kind != KF_REL_BASE ||
		base->local_conds != NIL || extra->patype != PARTITIONWISE_AGGREGATE_NONE)
		return;
	info = palloc0(sizeof(KfUpperInfo));
	info->kind = KF_REL_UPPER;
	info->stage = UPPERREL_GROUP_AGG;
	info->baserel = input_rel;
	info->base = base;
	if (!kf_grouping_ok(root, info, grouped_rel->reltarget, extra->havingQual))
		return;
	estimate_groups(root, info, extra->havingQual, &rows);
	info->rows = rows;
	upper_costs(info, rows, 0, 0, &startup_cost, &total_cost);
	grouped_rel->fdw_private = info;
	path = create_foreign_upper_path(root, grouped_rel, grouped_rel->reltarget, rows,
									 startup_cost, total_cost, NIL, NULL, NIL);
	add_path(grouped_rel, (Path *) path);
}

/*
 * add_tie_breakers appends the keys the ORDER BY does not name, ascending: every group differs in
 * some key, so the order becomes total and a query returns its rows in the same order every time
 * (ties would otherwise be broken by whichever worker thread found a group first).
 */
static void
add_tie_breakers(KfAggPlan *plan)
{
	for (int k = 0; k < plan->nkeys; k++)
	{
		bool		named = false;

		for (int i = 0; i < plan->norder; i++)
			named |= (!plan->order[i].ref.is_agg && plan->order[i].ref.index == (uint32) k);
		if (named)
			continue;
		plan->order[plan->norder].ref.is_agg = false;
		plan->order[plan->norder].ref.index = (uint32) k;
		plan->order[plan->norder].descending = false;
		plan->order[plan->norder].nulls_first = false;
		plan->norder++;
	}
}

/* order_items translates the query's sort pathkeys into engine order items; false if one fails. */
static bool
order_items(PlannerInfo *root, KfUpperInfo *info)
{
	int			n = 0;
	ListCell   *lc;

	info->plan.norder = list_length(root->sort_pathkeys);
	info->plan.order = palloc0(sizeof(kf_order_item) * (info->plan.norder + info->plan.nkeys + 1));
	foreach(lc, root->sort_pathkeys)
	{
		PathKey    *pathkey = lfirst(lc);
		EquivalenceClass *ec = pathkey->pk_eclass;
		kf_order_item *item = &info->plan.order[n++];
		bool		found = false;
		ListCell   *lm;

		if (ec->ec_has_volatile)
			return false;
		foreach(lm, ec->ec_members)
		{
			EquivalenceMember *em = lfirst(lm);

			if (!em->em_is_const &&
				kf_order_item_for_expr(info, em->em_expr, pathkey->pk_opfamily, ec->ec_collation,
									   &item->ref))
			{
				found = true;
				break;
			}
		}
		if (!found)
			return false;
		item->descending = pathkey->pk_strategy == BTGreaterStrategyNumber;
		item->nulls_first = pathkey->pk_nulls_first;
	}
	add_tie_breakers(&info->plan);
	return true;
}

/* add_ordered_path offers the pushed aggregation sorted by the query's ORDER BY. */
static void
add_ordered_path(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *ordered_rel)
{
	KfUpperInfo *input = upper_info(input_rel);
	KfUpperInfo *info;
	ForeignPath *path;
	Cost		startup_cost;
	Cost		total_cost;

	if (!kf_enable_order_pushdown || input == NULL || input->stage != UPPERREL_GROUP_AGG ||
		root->parse->hasTargetSRFs || root->sort_pathkeys == NIL)
		return;
	info = palloc(sizeof(KfUpperInfo));
	*info = *input;
	info->stage = UPPERREL_ORDERED;
	if (!order_items(root, info))
		return;
	upper_costs(info, info->rows, info->groups, info->groups, &startup_cost, &total_cost);
	ordered_rel->fdw_private = info;
	path = create_foreign_upper_path(root, ordered_rel, root->upper_targets[UPPERREL_ORDERED],
									 info->rows, startup_cost, total_cost,
									 root->sort_pathkeys, NULL, NIL);
	add_path(ordered_rel, (Path *) path);
}

/* limit_value reads a constant LIMIT or OFFSET; false for anything else (or negative). */
static bool
limit_value(Node *node, bool *present, uint64 *value)
{
	Const	   *c = (Const *) node;

	*present = false;
	if (node == NULL)
		return true;
	if (!IsA(node, Const) || c->consttype != INT8OID)
		return false;
	if (c->constisnull)
		return true;
	if (DatumGetInt64(c->constvalue) < 0)
		return false;			/* PostgreSQL raises the error */
	*present = true;
	*value = (uint64) DatumGetInt64(c->constvalue);
	return true;
}

/* add_final_path offers the pushed aggregation (sorted or not) cut to LIMIT / OFFSET. */
static void
add_final_path(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *final_rel,
			   FinalPathExtraData *extra)
{
	Query	   *parse = root->parse;
	KfUpperInfo *input = upper_info(input_rel);
	KfUpperInfo *info;
	ForeignPath *path;
	bool		has_count;
	bool		has_offset;
	uint64		count = 0;
	uint64		offset = 0;
	double		rows;
	Cost		startup_cost;
	Cost		total_cost;

	if (!kf_enable_order_pushdown || input == NULL || !extra->limit_needed ||
		parse->commandType != CMD_SELECT || parse->rowMarks != NIL || parse->hasTargetSRFs ||
		input->local_having != NIL || parse->limitOption == LIMIT_OPTION_WITH_TIES)
		return;
	if (!limit_value(parse->limitCount, &has_count, &count) ||
		!limit_value(parse->limitOffset, &has_offset, &offset))
		return;
	info = palloc(sizeof(KfUpperInfo));
	*info = *input;
	info->stage = UPPERREL_FINAL;
	info->plan.has_limit = true;
	info->plan.limit = has_count ? count : PG_UINT64_MAX;
	info->plan.offset = has_offset ? offset : 0;
	rows = Max(input->rows - (double) info->plan.offset, 0.0);
	if (has_count)
		rows = Min(rows, (double) count);
	rows = clamp_row_est(rows);
	info->rows = rows;
	upper_costs(info, rows, input->plan.norder > 0 ? info->groups : 0,
				(double) info->plan.offset + rows, &startup_cost, &total_cost);
	final_rel->fdw_private = info;
	path = create_foreign_upper_path(root, final_rel, root->upper_targets[UPPERREL_FINAL], rows,
									 startup_cost, total_cost,
									 input->plan.norder > 0 ? root->sort_pathkeys : NIL, NULL, NIL);
	add_path(final_rel, (Path *) path);
}

/* kf_get_foreign_upper_paths is the GetForeignUpperPaths callback. */
void
kf_get_foreign_upper_paths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
						   RelOptInfo *output_rel, void *extra)
{
	if (!kf_enable_pushdown || output_rel->fdw_private != NULL)
		return;
	switch (stage)
	{
		case UPPERREL_GROUP_AGG:
			add_grouping_path(root, input_rel, output_rel, (GroupPathExtraData *) extra);
			break;
		case UPPERREL_ORDERED:
			add_ordered_path(root, input_rel, output_rel);
			break;
		case UPPERREL_FINAL:
			add_final_path(root, input_rel, output_rel, (FinalPathExtraData *) extra);
			break;
		default:
			break;
	}
}

/* collect_params lists the Params of the pushed WHERE clauses, for the plan's fdw_exprs. */
static bool
collect_params(Node *node, List **params)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param))
	{
		*params = lappend(*params, node);
		return false;
	}
	return expression_tree_walker(node, collect_params, params);
}

/*
 * kf_get_upper_plan builds the ForeignScan of a pushed aggregation: no scan relation, the keys
 * and aggregates as fdw_scan_tlist, local HAVING conjuncts as its qual.  The pushed WHERE clauses
 * travel in fdw_private (their Vars are not in the scan's target list, so setrefs must not see
 * them); their Params go to fdw_exprs so that the executor knows the scan depends on them.
 */
ForeignScan *
kf_get_upper_plan(PlannerInfo *root, RelOptInfo *upperrel, List *tlist, Plan *outer_plan)
{
	KfUpperInfo *info = upper_info(upperrel);
	List	   *where = extract_actual_clauses(info->base->pushed_conds, false);
	List	   *params = NIL;
	List	   *fdw_private;

	collect_params((Node *) where, &params);
	fdw_private = list_make3(list_make1_oid(info->base->foreigntableid), where,
							 kf_agg_plan_to_list(&info->plan));
	Assert(list_length(fdw_private) == KF_AGG_PRIVATE_COUNT);
	return make_foreignscan(tlist, info->local_having, 0, params,
							fdw_private, info->tlist, NIL, outer_plan);
}
