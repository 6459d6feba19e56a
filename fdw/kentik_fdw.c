/*-------------------------------------------------------------------------
 *
 * kentik_fdw.c
 *		  Entry points of the kentik_fdw extension: the FDW handler and the GUCs.
 *
 * The callbacks themselves live in files named after their concern (planner.c, upper_paths.c,
 * scan.c, aggregate_scan.c, explain.c, import_schema.c); this file only wires them into an
 * FdwRoutine, dispatching between the flow tables and the interface_counters tables
 * (counters_scan.c) on the table option.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "utils/guc.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

/* kentik_fdw.enable_pushdown: off makes every WHERE clause local (for differential tests). */
bool		kf_enable_pushdown = true;

/* Finer switches for the upper-path pushdown (upper_paths.c) and the engine's group memory. */
bool		kf_enable_aggregate_pushdown = true;
bool		kf_enable_order_pushdown = true;
int			kf_max_group_memory_mb = 1024;

void		_PG_init(void);

PG_FUNCTION_INFO_V1(kentik_fdw_handler);

/*
 * _PG_init registers the GUCs.  kentik_fdw.reference_time is defined in kentik_time.c next to
 * the code that uses it.
 */
void
_PG_init(void)
{
	DefineCustomBoolVariable("kentik_fdw.enable_pushdown",
							 "Pushes WHERE conditions into the kentik_fdw scan engine.",
							 "When off, PostgreSQL evaluates every condition itself.",
							 &kf_enable_pushdown,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("kentik_fdw.enable_aggregate_pushdown",
							 "Pushes GROUP BY, aggregates and HAVING into the kentik_fdw scan engine.",
							 "Needs kentik_fdw.enable_pushdown as well.",
							 &kf_enable_aggregate_pushdown,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("kentik_fdw.enable_order_pushdown",
							 "Pushes ORDER BY and LIMIT/OFFSET of a pushed aggregation into the engine.",
							 NULL,
							 &kf_enable_order_pushdown,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("kentik_fdw.max_group_memory",
							"Memory the engine may use for the groups of one pushed aggregation.",
							"A query needing more fails instead of exhausting the server's memory.",
							&kf_max_group_memory_mb,
							1024,
							1,
							1024 * 1024,
							PGC_USERSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);
	kf_define_reference_time_guc();
	kf_define_dataseries_guc();
	MarkGUCPrefixReserved("kentik_fdw");
}

/* is_counters_rel tells whether a planner relation is the base relation of an interface_counters table. */
static bool
is_counters_rel(RelOptInfo *rel)
{
	return rel->fdw_private != NULL && *(KfRelKind *) rel->fdw_private == KF_REL_COUNTERS;
}

/*
 * is_counters_scan tells whether an executor node scans an interface_counters table: only scans
 * with a relation can, and every scan state starts with its KfTableOptions.
 */
static bool
is_counters_scan(ForeignScanState *node)
{
	return ((ForeignScan *) node->ss.ps.plan)->scan.scanrelid != 0 && node->fdw_state != NULL &&
		((KfTableOptions *) node->fdw_state)->table == KF_TABLE_INTERFACE_COUNTERS;
}

static void
get_foreign_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	KfTableOptions options;

	kf_get_table_options(foreigntableid, &options);
	if (options.table == KF_TABLE_INTERFACE_COUNTERS)
		kf_counters_get_rel_size(root, baserel, foreigntableid, &options);
	else
		kf_get_foreign_rel_size(root, baserel, foreigntableid);
}

static void
get_foreign_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	if (is_counters_rel(baserel))
		kf_counters_get_paths(root, baserel, foreigntableid);
	else
		kf_get_foreign_paths(root, baserel, foreigntableid);
}

static ForeignScan *
get_foreign_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid, ForeignPath *best_path,
				 List *tlist, List *scan_clauses, Plan *outer_plan)
{
	if (is_counters_rel(baserel))
		return kf_counters_get_plan(root, baserel, foreigntableid, best_path, tlist, scan_clauses, outer_plan);
	return kf_get_foreign_plan(root, baserel, foreigntableid, best_path, tlist, scan_clauses, outer_plan);
}

/* Nothing above the scan of an interface_counters table is pushed: PostgreSQL groups and sorts. */
static void
get_foreign_upper_paths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
						RelOptInfo *output_rel, void *extra)
{
	if (!is_counters_rel(input_rel))
		kf_get_foreign_upper_paths(root, stage, input_rel, output_rel, extra);
}

/* The relation's own options decide; pushed aggregations (no relation) are flows. */
static void
begin_foreign_scan(ForeignScanState *node, int eflags)
{
	Relation	rel = node->ss.ss_currentRelation;
	KfTableOptions options;

	if (rel != NULL && ((ForeignScan *) node->ss.ps.plan)->scan.scanrelid != 0)
	{
		kf_get_table_options(RelationGetRelid(rel), &options);
		if (options.table == KF_TABLE_INTERFACE_COUNTERS)
		{
			kf_counters_begin_scan(node, eflags);
			return;
		}
	}
	kf_begin_foreign_scan(node, eflags);
}

static TupleTableSlot *
iterate_foreign_scan(ForeignScanState *node)
{
	return is_counters_scan(node) ? kf_counters_iterate_scan(node) : kf_iterate_foreign_scan(node);
}

static void
rescan_foreign_scan(ForeignScanState *node)
{
	if (is_counters_scan(node))
		kf_counters_rescan(node);
	else
		kf_rescan_foreign_scan(node);
}

static void
end_foreign_scan(ForeignScanState *node)
{
	if (is_counters_scan(node))
		kf_counters_end_scan(node);
	else
		kf_end_foreign_scan(node);
}

static void
explain_foreign_scan(ForeignScanState *node, ExplainState *es)
{
	if (is_counters_scan(node))
		kf_counters_explain_scan(node, es);
	else
		kf_explain_foreign_scan(node, es);
}

/*
 * kentik_fdw_handler returns the FdwRoutine: a read-only FDW with schema import.
 */
Datum
kentik_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = get_foreign_rel_size;
	routine->GetForeignPaths = get_foreign_paths;
	routine->GetForeignPlan = get_foreign_plan;
	routine->GetForeignUpperPaths = get_foreign_upper_paths;
	routine->BeginForeignScan = begin_foreign_scan;
	routine->IterateForeignScan = iterate_foreign_scan;
	routine->ReScanForeignScan = rescan_foreign_scan;
	routine->EndForeignScan = end_foreign_scan;
	routine->ExplainForeignScan = explain_foreign_scan;
	routine->ImportForeignSchema = kf_import_foreign_schema;

	PG_RETURN_POINTER(routine);
}
