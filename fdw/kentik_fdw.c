/*-------------------------------------------------------------------------
 *
 * kentik_fdw.c
 *		  Entry points of the kentik_fdw extension: the FDW handler and the GUCs.
 *
 * The callbacks themselves live in files named after their concern (planner.c, upper_paths.c,
 * scan.c, aggregate_scan.c, explain.c, import_schema.c); this file only wires them into an
 * FdwRoutine.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "utils/guc.h"

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

/*
 * kentik_fdw_handler returns the FdwRoutine: a read-only FDW with schema import.
 */
Datum
kentik_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = kf_get_foreign_rel_size;
	routine->GetForeignPaths = kf_get_foreign_paths;
	routine->GetForeignPlan = kf_get_foreign_plan;
	routine->GetForeignUpperPaths = kf_get_foreign_upper_paths;
	routine->BeginForeignScan = kf_begin_foreign_scan;
	routine->IterateForeignScan = kf_iterate_foreign_scan;
	routine->ReScanForeignScan = kf_rescan_foreign_scan;
	routine->EndForeignScan = kf_end_foreign_scan;
	routine->ExplainForeignScan = kf_explain_foreign_scan;
	routine->ImportForeignSchema = kf_import_foreign_schema;

	PG_RETURN_POINTER(routine);
}
