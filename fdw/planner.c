/*-------------------------------------------------------------------------
 *
 * planner.c
 *		  Planner callbacks: splits the WHERE clauses into pushed and local ones, estimates the
 *		  relation and builds the ForeignScan plan node (upper_paths.c builds those of
 *		  pushed aggregations).
 *
 * The split is decided once, in GetForeignRelSize, and kept in the relation's KfRelInfo so that
 * paths and the plan agree.  The pushed clauses go to the plan's fdw_exprs (setrefs then fixes
 * them like any expression) and are not rechecked: the engine is exact for what it accepts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/rel.h"

/* classify_conditions splits baserestrictinfo into pushed and local clauses. */
static void
classify_conditions(RelOptInfo *baserel, KfRelInfo *info)
{
	KfTranslateContext ctx = {0};
	ListCell   *lc;

	ctx.columns = info->columns;
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if (kf_enable_pushdown && !rinfo->pseudoconstant &&
			kf_translate_clause(&ctx, rinfo->clause) != NULL)
			info->pushed_conds = lappend(info->pushed_conds, rinfo);
		else
			info->local_conds = lappend(info->local_conds, rinfo);
	}
}

/*
 * choose_dataseries picks the dataseries from every restriction clause, pushed or not (translated
 * once into conditions), so the choice does not depend on kentik_fdw.enable_pushdown.
 */
static void
choose_dataseries(const kf_pred *conditions, KfRelInfo *info)
{
	KfDataseriesChoice choice;

	kf_choose_dataseries(&info->options, conditions, info->sliced, &choice);
	info->dataseries = choice.dataseries;
}

/*
 * kf_get_foreign_rel_size reads the table's options and columns, classifies the conditions and
 * estimates the number of rows the scan returns.
 */
void
kf_get_foreign_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	KfRelInfo  *info = palloc0(sizeof(KfRelInfo));
	Relation	rel;
	ListCell   *lc;
	kf_pred    *conditions;

	info->kind = KF_REL_BASE;
	info->foreigntableid = foreigntableid;
	baserel->fdw_private = info;
	kf_get_table_options(foreigntableid, &info->options);
	rel = table_open(foreigntableid, NoLock);
	info->columns = kf_build_column_map(rel);
	table_close(rel, NoLock);

	classify_conditions(baserel, info);

	/* Columns the engine must return: those of the target list and of the local conditions. */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &info->attrs_used);
	foreach(lc, info->local_conds)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) rinfo->clause, baserel->relid, &info->attrs_used);
	}

	/* the planner's dataseries, for the estimates and EXPLAIN; the scan decides again */
	info->sliced = kf_groups_by_start_time(root, baserel, info->columns);
	conditions = kf_pred_for_planning(baserel->baserestrictinfo, info->columns);
	choose_dataseries(conditions, info);
	kf_estimate_rel_size(root, baserel, info, conditions);
}

/* kf_get_foreign_paths offers the one access path: a full (filtered) scan. */
void
kf_get_foreign_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	KfRelInfo  *info = (KfRelInfo *) baserel->fdw_private;

	kf_estimate_costs(root, baserel, info);
	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, baserel->rows,
													   info->startup_cost, info->total_cost,
													   NIL, NULL, NULL, NIL));
}

/* retrieved_attrs lists the attnos the engine returns: the used ones, or all for a whole-row Var. */
static List *
retrieved_attrs(KfRelInfo *info)
{
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs_used);
	List	   *attrs = NIL;

	for (int attno = 1; attno <= info->columns->natts; attno++)
	{
		if (info->columns->ecol_of_attno[attno - 1] < 0)
			continue;
		if (whole_row ||
			bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, info->attrs_used))
			attrs = lappend_int(attrs, attno);
	}
	return attrs;
}

/*
 * kf_get_foreign_plan builds the ForeignScan: local clauses become the node's qual, pushed ones
 * its fdw_exprs.
 */
ForeignScan *
kf_get_foreign_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					ForeignPath *best_path, List *tlist, List *scan_clauses, Plan *outer_plan)
{
	KfRelInfo  *info = (KfRelInfo *) baserel->fdw_private;
	List	   *local_exprs = NIL;
	List	   *pushed_exprs = NIL;
	List	   *fdw_private;
	ListCell   *lc;

	if (IS_UPPER_REL(baserel))
		return kf_get_upper_plan(root, baserel, tlist, outer_plan);
	foreach(lc, scan_clauses)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if (rinfo->pseudoconstant)
			continue;			/* the planner gates the plan on these */
		if (list_member_ptr(info->pushed_conds, rinfo))
			pushed_exprs = lappend(pushed_exprs, rinfo->clause);
		else
			local_exprs = lappend(local_exprs, rinfo->clause);
	}

	fdw_private = list_make3(retrieved_attrs(info), makeInteger(info->sliced),
							 makeInteger(info->dataseries));
	Assert(list_length(fdw_private) == KF_PRIVATE_COUNT);

	return make_foreignscan(tlist, local_exprs, baserel->relid, pushed_exprs, fdw_private,
							NIL, NIL, outer_plan);
}
